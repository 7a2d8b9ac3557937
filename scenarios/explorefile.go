package scenarios

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"

	"github.com/replsim/replsim/model"
	"github.com/replsim/replsim/scenarios/spec"
)

// exploreYAML is the explore: section: the space simrun explore searches.
type exploreYAML struct {
	Faults       exploreFaultsYAML `yaml:"faults"`
	Config       exploreConfigYAML `yaml:"config"`
	Workload     exploreWorkYAML   `yaml:"workload"`
	Linearizable Bool              `yaml:"linearizable"`
}

type exploreFaultsYAML struct {
	Kinds        []Text        `yaml:"kinds"`
	Max          Int           `yaml:"max"`
	At           DurationRange `yaml:"at"`
	For          DurationRange `yaml:"for"`
	RestartAfter DurationRange `yaml:"restart-after"`
	Nodes        []Text        `yaml:"nodes"`
}

type exploreWorkYAML struct {
	Rate      Text      `yaml:"rate"`
	ValueSize Text      `yaml:"value-size"`
	Clients   Text      `yaml:"clients"`
	TTL       Text      `yaml:"ttl"`
	DBs       Text      `yaml:"dbs"`
	Mix       []mixYAML `yaml:"mix"`
}

// exploreConfigYAML is redis.conf keys, each with a list of values or a
// range "lo..hi", in file order.
type exploreConfigYAML struct {
	Items []exploreConfigItem
}

type exploreConfigItem struct {
	Key    string
	KeyTk  *token.Token
	Values []Text // a list; or one "lo..hi"
	List   bool
}

// UnmarshalYAML implements yaml.NodeUnmarshaler.
func (c *exploreConfigYAML) UnmarshalYAML(n ast.Node) error {
	if _, ok := n.(*ast.NullNode); ok {
		return nil
	}
	m, ok := n.(*ast.MappingNode)
	if !ok {
		return errAt(n.GetToken(), "explore.config must be a mapping of redis.conf parameters to [values] or lo..hi")
	}
	for _, kv := range m.Values {
		key, err := scalarText(kv.Key, "config key")
		if err != nil {
			return err
		}
		it := exploreConfigItem{Key: key, KeyTk: kv.Key.GetToken()}
		vals := []ast.Node{kv.Value}
		if seq, ok := kv.Value.(*ast.SequenceNode); ok {
			vals, it.List = seq.Values, true
		}
		for _, v := range vals {
			var t Text
			if err := t.UnmarshalYAML(v); err != nil {
				return err
			}
			it.Values = append(it.Values, t)
		}
		if len(it.Values) == 0 {
			return errAt(kv.Key.GetToken(), fmt.Sprintf("explore.config.%s has no values", key))
		}
		c.Items = append(c.Items, it)
	}
	return nil
}

// validateExplore checks the explore: section against the file: kinds
// known, targets among the nodes, times inside the fault phase, config
// values that redis.conf takes.
func (s builder) validateExplore(e *exploreYAML) error {
	x := &spec.Explore{Linearizable: true, FaultsMax: 5}
	if e.Linearizable.Tok != nil {
		x.Linearizable = e.Linearizable.B
	}
	if err := s.exploreFaults(&e.Faults, x); err != nil {
		return err
	}
	for _, it := range e.Config.Items {
		k, err := exploreKey(it)
		if err != nil {
			return err
		}
		x.Config = append(x.Config, k)
	}
	if err := s.exploreWork(&e.Workload, x); err != nil {
		return err
	}
	s.Explore = x
	return nil
}

// exploreFaults checks explore.faults: kinds, how many, when, how long,
// which nodes.
func (s builder) exploreFaults(f *exploreFaultsYAML, x *spec.Explore) error {
	for _, k := range f.Kinds {
		if !slices.Contains(spec.ExploreKinds, k.V) {
			return errAt(k.Tok, fmt.Sprintf("unknown fault kind %q (known: %s)%s", k.V, strings.Join(spec.ExploreKinds, ", "), didYouMean(k.V, spec.ExploreKinds)))
		}
		if k.V != "pause" && k.V != "crash" && k.V != "restart" && len(s.Nodes) < 2 {
			return errAt(k.Tok, fmt.Sprintf("%s needs two nodes or more", k.V))
		}
	}
	for _, k := range spec.ExploreKinds {
		if slices.ContainsFunc(f.Kinds, func(t Text) bool { return t.V == k }) {
			x.Kinds = append(x.Kinds, k)
		}
	}
	if f.Max.Tok != nil {
		if f.Max.N < 0 || f.Max.N > 50 {
			return errAt(f.Max.Tok, "explore.faults.max must be between 0 and 50")
		}
		x.FaultsMax = int(f.Max.N)
	}
	x.At = [2]time.Duration{0, s.Duration * 9 / 10}
	x.For = [2]time.Duration{100 * time.Millisecond, 10 * time.Second}
	x.RestartAfter = [2]time.Duration{0, 5 * time.Second}
	for _, r := range []struct {
		in  DurationRange
		out *[2]time.Duration
	}{{f.At, &x.At}, {f.For, &x.For}, {f.RestartAfter, &x.RestartAfter}} {
		if !r.in.Set() {
			continue
		}
		if r.in.Exponential {
			return errAt(r.in.Tok, "explore takes a duration or a range lo..hi, not a distribution")
		}
		*r.out = [2]time.Duration{r.in.Min, r.in.Max}
	}
	if x.At[1] >= s.Duration {
		return errAt(f.At.Tok, fmt.Sprintf("explore.faults.at ends at %s, outside the fault phase (duration %s)", x.At[1], s.Duration))
	}
	for _, n := range f.Nodes {
		if s.node(n.V) == nil && !s.IsSentinel(n.V) {
			if _, err := s.selectorOf(n, nil); err != nil {
				return err
			}
			return errAt(n.Tok, fmt.Sprintf("unknown node %q (nodes: %s)%s", n.V, s.nodeNames(), didYouMean(n.V, s.names())))
		}
		x.Nodes = append(x.Nodes, n.V)
	}
	if len(x.Nodes) == 0 {
		x.Nodes = s.names()
	}
	return nil
}

// exploreKey checks one varied redis.conf key: each value of a list, or
// both ends of a range, must be one the key takes.
func exploreKey(it exploreConfigItem) (spec.ExploreKey, error) {
	k := spec.ExploreKey{Key: strings.ToLower(it.Key)}
	if !slices.Contains(model.ConfigNames(), k.Key) {
		return k, errAt(it.KeyTk, fmt.Sprintf("unknown config key %q%s", it.Key, didYouMean(it.Key, model.ConfigNames())))
	}
	check := func(t Text, v string) error {
		cfg := model.DefaultConfig()
		if err := cfg.Set(k.Key, v); err != nil {
			return errAt(t.Tok, err.Error())
		}
		return nil
	}
	if lo, hi, ok := strings.Cut(it.Values[0].V, ".."); ok && !it.List {
		t := it.Values[0]
		a, errA := ParseSize(strings.TrimSpace(lo))
		b, errB := ParseSize(strings.TrimSpace(hi))
		if errA != nil || errB != nil || b < a {
			return k, errAt(t.Tok, fmt.Sprintf("range %q: want lo..hi in Redis units (16kb..4mb, 1..60)", t.V))
		}
		for _, v := range []int64{a, b} {
			if err := check(t, strconv.FormatInt(v, 10)); err != nil {
				return k, err
			}
		}
		k.Range = &[2]int64{a, b}
		return k, nil
	}
	for _, t := range it.Values {
		if err := check(t, t.V); err != nil {
			return k, err
		}
		k.Values = append(k.Values, t.V)
	}
	return k, nil
}

// exploreWork checks explore.workload: rate, value-size and clients as
// ranges, mix as a list of mixes.
func (s builder) exploreWork(w *exploreWorkYAML, x *spec.Explore) error {
	ranges := []struct {
		in       Text
		out      **[2]int64
		lo, hi   int64
		what     string
		sizeUnit bool
	}{
		{w.Rate, &x.Rate, 0, 1_000_000, "rate", false},
		{w.ValueSize, &x.ValueSize, 1, maxValueBytes, "value-size", true},
		{w.Clients, &x.Clients, 1, 1000, "clients", false},
		{w.TTL, &x.TTLMs, 1, maxTTL.Milliseconds(), "ttl", false},
		{w.DBs, &x.DBs, 1, int64(16 - s.Workload.DB), "dbs", false},
	}
	for _, r := range ranges {
		if r.in.Tok == nil {
			continue
		}
		if s.Workload.RatePerSec == 0 && len(s.Workload.Bursts) == 0 {
			return errAt(r.in.Tok, "explore.workload varies a workload the file does not have")
		}
		lo, hi, _ := strings.Cut(r.in.V, "..")
		if hi == "" {
			hi = lo
		}
		parse := parseInt
		switch {
		case r.sizeUnit:
			parse = ParseSize
		case r.what == "ttl":
			parse = parseMs
		}
		a, errA := parse(strings.TrimSpace(lo))
		b, errB := parse(strings.TrimSpace(hi))
		if (errA != nil || errB != nil || b < a || a < r.lo || b > r.hi) && r.what == "ttl" {
			return errAt(r.in.Tok, fmt.Sprintf("explore.workload.ttl %q: want lo..hi in whole milliseconds between 1ms and %s", r.in.V, maxTTL))
		}
		if errA != nil || errB != nil || b < a || a < r.lo || b > r.hi {
			return errAt(r.in.Tok, fmt.Sprintf("explore.workload.%s %q: want lo..hi between %d and %d", r.what, r.in.V, r.lo, r.hi))
		}
		*r.out = &[2]int64{a, b}
	}
	for _, m := range w.Mix {
		if _, err := mix(m); err != nil {
			return err
		}
		parts := make([]string, len(m.Items))
		for i, it := range m.Items {
			parts[i] = it.Key + ": " + it.Value
		}
		x.Mixes = append(x.Mixes, "{"+strings.Join(parts, ", ")+"}")
	}
	if x.TTLMs != nil && !s.mayExpire(x.Mixes) {
		return errAt(w.TTL.Tok, "explore.workload.ttl: neither the file's mix nor a mix of explore has set-ttl or expire")
	}
	return nil
}

// mayExpire reports whether the file's mix, or one of the explore mixes,
// gives keys a time to live.
func (s builder) mayExpire(mixes []string) bool {
	if slices.ContainsFunc(s.Workload.Mix, func(m spec.MixItem) bool { return m.Op == "set-ttl" || m.Op == "expire" }) {
		return true
	}
	return slices.ContainsFunc(mixes, MixExpires)
}

// MixExpires reports whether a mix written as flow YAML ({set: 50,
// set-ttl: 50}) has set-ttl or expire with a share above 0: only then does
// a ttl apply to it.
func MixExpires(mix string) bool {
	for _, part := range strings.Split(strings.Trim(mix, "{}"), ",") {
		op, share, _ := strings.Cut(part, ":")
		if op = strings.TrimSpace(op); (op == "set-ttl" || op == "expire") && strings.TrimSpace(share) != "0" {
			return true
		}
	}
	return false
}

// parseMs parses a duration of whole milliseconds as milliseconds.
func parseMs(s string) (int64, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d%time.Millisecond != 0 {
		return 0, fmt.Errorf("want whole milliseconds")
	}
	return d.Milliseconds(), nil
}
