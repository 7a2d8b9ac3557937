package scenarios

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/token"

	"github.com/replsim/replsim/model"
	"github.com/replsim/replsim/scenarios/spec"
	"github.com/replsim/replsim/sim"
)

var mixOps = []string{"set", "get", "incr", "append", "del", "set-ttl", "expire", "multi"}

// readsFrom are the values of a workload's reads-from.
var readsFrom = []string{"master", "replicas", "any"}

var clientName = regexp.MustCompile(`^c[0-9]+$`)

var hostName = regexp.MustCompile(`^[a-z][a-z0-9-]{0,30}$`)

// scenarioName is a name that becomes one folder of a path (simrun-out/<name>/,
// sweep-<name>): no separator, no leading dot, nothing a shell quotes.
var scenarioName = regexp.MustCompile(`^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$`)

// reserved names are fault selectors and client hosts, not node names.
func reservedName(s string) bool {
	return s == "master" || s == "replicas" || s == "replica" || s == "clients" || s == "burst" ||
		clientName.MatchString(s)
}

// validate turns the decoded file into a Spec, or an error at the first
// problem.
// bugs are --bug names, switched on in every node besides the file's.
func validate(f *fileYAML, bugs []string) (*spec.Spec, error) {
	s := builder{&spec.Spec{Name: f.Name.V, Description: f.Description.V}}
	if err := s.validateTop(f, bugs); err != nil {
		return nil, err
	}
	if err := s.validateNodes(f); err != nil {
		return nil, err
	}
	if err := s.validateSentinels(f); err != nil {
		return nil, err
	}
	if err := s.validateNetwork(f); err != nil {
		return nil, err
	}
	if err := s.validateWork(f); err != nil {
		return nil, err
	}
	if err := s.validateFaults(f); err != nil {
		return nil, err
	}
	if f.Explore != nil {
		if err := s.validateExplore(f.Explore); err != nil {
			return nil, err
		}
	}
	for _, it := range f.Expect.Items {
		e, err := expectation(it)
		if err != nil {
			return nil, err
		}
		s.Expect = append(s.Expect, e)
	}
	return s.Spec, nil
}

// expectation checks one expect: entry against the figures table and reads
// its values in the figure's unit: a count, a size (4mb) or a duration
// (30s).
func expectation(it expectItem) (spec.Expectation, error) {
	e := spec.Expectation{Name: it.Key, Bool: it.Bool}
	f, ok := FigureByName(it.Key)
	switch {
	case !ok || !f.Expectable:
		return e, errAt(it.KeyTk, fmt.Sprintf("unknown figure %q%s (known: %s)", it.Key, didYouMean(it.Key, expectableNames()), strings.Join(expectableNames(), ", ")))
	case f.Kind == KindBool && it.Bool == nil:
		return e, errAt(it.KeyTk, fmt.Sprintf("%s is true or false", it.Key))
	case f.Kind != KindBool && it.Bool != nil:
		return e, errAt(it.KeyTk, fmt.Sprintf("%s is a %s: %s or {min: ..., max: ...}", it.Key, f.Kind, kindExample(f.Kind)))
	case f.Kind == KindBool:
		e.Want = fmt.Sprint(*it.Bool)
		return e, nil
	}
	var err error
	if e.Eq, err = expectValue(f, it.Eq); err != nil {
		return e, err
	}
	if e.Min, err = expectValue(f, it.Min); err != nil {
		return e, err
	}
	if e.Max, err = expectValue(f, it.Max); err != nil {
		return e, err
	}
	e.Want = wantText(it)
	return e, nil
}

// expectValue reads one value of an expectation in the figure's unit.
func expectValue(f *Figure, t *Text) (*int64, error) {
	if t == nil {
		return nil, nil
	}
	var n int64
	var err error
	switch f.Kind {
	case KindBytes:
		n, err = model.ParseBytes(t.V)
	case KindDuration:
		var d time.Duration
		d, err = parseDuration(t.V)
		n = int64(d)
	default:
		n, err = strconv.ParseInt(t.V, 10, 64)
		if err == nil && n < 0 {
			err = fmt.Errorf("a count is not negative")
		}
	}
	if err != nil {
		return nil, errAt(t.Tok, fmt.Sprintf("%s is a %s: want %s, got %q", f.Name, f.Kind, kindExample(f.Kind), t.V))
	}
	return &n, nil
}

func kindExample(k Kind) string {
	switch k {
	case KindBytes:
		return "a size (4mb, 1000)"
	case KindDuration:
		return "a duration (500ms, 30s)"
	}
	return "a whole number"
}

// wantText renders an expectation as written: "0", ">= 1", "1..5", "<= 30s".
func wantText(it expectItem) string {
	switch {
	case it.Eq != nil:
		return it.Eq.V
	case it.Min != nil && it.Max != nil:
		return it.Min.V + ".." + it.Max.V
	case it.Min != nil:
		return ">= " + it.Min.V
	}
	return "<= " + it.Max.V
}

// builder validates into a Spec.
type builder struct{ *spec.Spec }

// validateTop checks the top-level keys: name, duration, heal-timeout,
// seeds, protocol and bugs (the file's and --bug's).
func (s builder) validateTop(f *fileYAML, bugs []string) error {
	if s.Name == "" {
		return errAt(f.Name.Tok, "the scenario needs a name")
	}
	if !scenarioName.MatchString(s.Name) {
		return errAt(f.Name.Tok, fmt.Sprintf("name %q: it names the output folder, so use letters, digits, '-', '_' and '.', not starting with '.' (at most 100)", s.Name))
	}
	s.Duration = f.Duration.D
	if s.Duration <= 0 {
		return errAt(f.Duration.Tok, "duration must be greater than 0 (the length of the fault phase, e.g. 5m)")
	}
	s.HealTimeout = 5 * time.Minute
	if f.HealTimeout.Tok != nil {
		s.HealTimeout = f.HealTimeout.D
	}
	if s.Duration > maxSimTime || s.HealTimeout > maxSimTime-s.Duration {
		tk, key := f.Duration.Tok, "duration"
		if f.HealTimeout.Tok != nil {
			tk, key = f.HealTimeout.Tok, "heal-timeout"
		}
		return errAt(tk, fmt.Sprintf("%s: duration %s + heal-timeout %s is more than %s of simulated time", key, s.Duration, s.HealTimeout, maxSimTime))
	}
	if len(f.Seeds) > MaxSeeds {
		return errAt(f.Seeds[MaxSeeds].Tok, fmt.Sprintf("seeds: more than %d seeds", MaxSeeds))
	}
	for _, seed := range f.Seeds {
		if seed.N < 0 {
			return errAt(seed.Tok, "seeds are non-negative integers")
		}
		s.Seeds = append(s.Seeds, uint64(seed.N))
	}
	if len(s.Seeds) == 0 {
		s.Seeds = []uint64{1}
	}
	s.Protocol = model.PSYNC2
	if f.Protocol.Tok != nil {
		p, err := model.ParseProtocol(f.Protocol.V)
		if err != nil {
			return errAt(f.Protocol.Tok, err.Error()+didYouMean(f.Protocol.V, protocolNames))
		}
		s.Protocol = p
	}
	for _, b := range f.Bugs {
		if err := s.Bugs.Enable(b.V); err != nil {
			return errAt(b.Tok, err.Error()+didYouMean(b.V, model.BugNames()))
		}
	}
	for _, b := range bugs {
		if err := s.Bugs.Enable(b); err != nil {
			return &Error{Flag: "--bug " + b, Msg: err.Error() + didYouMean(b, model.BugNames())}
		}
	}
	return nil
}

// validateNodes checks the nodes, their configuration and the topology:
// replicaof names a node, no cycles, exactly one master.
func (s builder) validateNodes(f *fileYAML) error {
	if len(f.Nodes) == 0 {
		return errAt(nil, "the scenario needs nodes")
	}
	base := model.DefaultConfig()
	base.Protocol = s.Protocol
	base.Bugs = s.Bugs
	for _, it := range f.Config.Items {
		if err := setConfig(&base, it); err != nil {
			return err
		}
	}
	index := map[string]int{}
	for i, n := range f.Nodes {
		if err := s.addNode(n, base); err != nil {
			return err
		}
		index[n.Name.V] = i
	}
	masters, err := s.resolveReplicaOf(f, index)
	if err != nil {
		return err
	}
	if err := s.checkCycles(f, index); err != nil {
		return err
	}
	if masters != 1 {
		return errAt(f.Nodes[0].Name.Tok, fmt.Sprintf("the topology needs exactly one master (a node without replicaof), found %d", masters))
	}
	return nil
}

// addNode checks a node's name and applies its own configuration on top of
// the file's.
func (s builder) addNode(n nodeYAML, base model.Config) error {
	name := n.Name.V
	switch {
	case name == "":
		return errAt(n.Name.Tok, "every node needs a name")
	case !hostName.MatchString(name):
		return errAt(n.Name.Tok, fmt.Sprintf("node name %q: use lowercase letters, digits and '-', starting with a letter", name))
	case reservedName(name):
		return errAt(n.Name.Tok, fmt.Sprintf("%q is reserved (fault selectors and client hosts)", name))
	case s.node(name) != nil:
		return errAt(n.Name.Tok, fmt.Sprintf("node %q is defined twice", name))
	}
	cfg := base
	for _, it := range n.Config.Items {
		if err := setConfig(&cfg, it); err != nil {
			return err
		}
	}
	if err := cfg.Validate(); err != nil {
		return errAt(n.Name.Tok, err.Error())
	}
	s.Nodes = append(s.Nodes, spec.NodeSpec{Name: name, ReplicaOf: n.ReplicaOf.V, Config: cfg})
	return nil
}

// resolveReplicaOf points each replica at its master's host and port, and
// counts the masters.
func (s builder) resolveReplicaOf(f *fileYAML, index map[string]int) (masters int, err error) {
	for i, n := range s.Nodes {
		tk := f.Nodes[i].ReplicaOf.Tok
		if n.ReplicaOf == "" {
			masters++
			continue
		}
		j, ok := index[n.ReplicaOf]
		switch {
		case !ok:
			return 0, errAt(tk, fmt.Sprintf("replicaof %q: no such node (nodes: %s)%s", n.ReplicaOf, s.nodeNames(), didYouMean(n.ReplicaOf, s.names())))
		case n.ReplicaOf == n.Name:
			return 0, errAt(tk, fmt.Sprintf("node %q cannot be a replica of itself", n.Name))
		}
		s.Nodes[i].Config.ReplicaOfHost = n.ReplicaOf
		s.Nodes[i].Config.ReplicaOfPort = s.Nodes[j].Config.Port
	}
	return masters, nil
}

// checkCycles follows replicaof from every node: it must end at a master.
func (s builder) checkCycles(f *fileYAML, index map[string]int) error {
	for i, n := range s.Nodes {
		seen := map[string]bool{n.Name: true}
		cur := n
		for cur.ReplicaOf != "" {
			if seen[cur.ReplicaOf] {
				return errAt(f.Nodes[i].ReplicaOf.Tok, fmt.Sprintf("replicas form a cycle through %q: some node must be a master", n.Name))
			}
			seen[cur.ReplicaOf] = true
			cur = s.Nodes[index[cur.ReplicaOf]]
		}
	}
	return nil
}

// setConfig sets one redis.conf parameter; an error points at the key
// when the parameter is unknown, else at the value.
func setConfig(cfg *model.Config, it configItem) error {
	err := cfg.Set(it.Key, it.Value)
	key := strings.ToLower(it.Key)
	switch {
	case err == nil:
		return nil
	case !slices.Contains(model.ConfigNames(), key):
		return errAt(it.KeyTk, err.Error()+didYouMean(key, model.ConfigNames()))
	case key == "protocol":
		return errAt(it.ValTk, err.Error()+didYouMean(strings.TrimSpace(it.Value), protocolNames))
	}
	return errAt(it.ValTk, err.Error())
}

// protocolNames are the values of protocol:, top level or per node.
var protocolNames = []string{model.PSYNC2.String(), model.PSYNC.String(), model.SYNC.String()}

// names are the nodes' names, in file order.
func (s builder) names() []string {
	var names []string
	for _, n := range s.Nodes {
		names = append(names, n.Name)
	}
	return names
}

func (s builder) nodeNames() string { return strings.Join(s.names(), ", ") }

func (s builder) node(name string) *spec.NodeSpec { return s.Node(name) }

// validateNetwork checks the default link and the per-link overrides.
func (s builder) validateNetwork(f *fileYAML) error {
	n := f.Network
	s.Network.Link = sim.LinkConfig{
		Latency:              500 * time.Microsecond,
		Jitter:               100 * time.Microsecond,
		BandwidthBytesPerSec: 125_000_000,
	}
	s.Network.Link = linkConfig(s.Network.Link, n.Latency, n.Jitter, n.Bandwidth)
	if n.Segment.Tok != nil {
		if n.Segment.N < 1 {
			return errAt(n.Segment.Tok, "segment-size must be at least 1 byte")
		}
		s.Network.Link.SegmentBytes = int(n.Segment.N)
	}
	if n.Window.Tok != nil {
		if n.Window.N < 1 {
			return errAt(n.Window.Tok, "window must be at least 1 byte")
		}
		s.Network.WindowBytes = int(n.Window.N)
	}
	for _, l := range n.Links {
		lo, err := s.link(l)
		if err != nil {
			return err
		}
		s.Network.Links = append(s.Network.Links, lo)
	}
	return nil
}

// linkConfig is c with the keys that are given.
func linkConfig(c sim.LinkConfig, latency, jitter Duration, bandwidth Bandwidth) sim.LinkConfig {
	if latency.Tok != nil {
		c.Latency = latency.D
	}
	if jitter.Tok != nil {
		c.Jitter = jitter.D
	}
	if bandwidth.Tok != nil {
		c.BandwidthBytesPerSec = bandwidth.BytesPerSec
	}
	return c
}

// link is one entry of links: two hosts (nodes or clients) and what
// changes on the default link between them.
func (s builder) link(l linkYAML) (spec.LinkOverride, error) {
	if len(l.Between) != 2 {
		tk := (*token.Token)(nil)
		if len(l.Between) > 0 {
			tk = l.Between[0].Tok
		}
		return spec.LinkOverride{}, errAt(tk, "a link override needs between: [a, b]")
	}
	for _, h := range l.Between {
		if s.node(h.V) == nil && !clientName.MatchString(h.V) && !s.IsSentinel(h.V) {
			return spec.LinkOverride{}, errAt(h.Tok, fmt.Sprintf("link between %q: no such node (nodes: %s; clients are c1, c2, ...)%s", h.V, s.nodeNames(), didYouMean(h.V, s.names())))
		}
	}
	lc := linkConfig(s.Network.Link, l.Latency, l.Jitter, l.Bandwidth)
	return spec.LinkOverride{A: l.Between[0].V, B: l.Between[1].V, Link: lc}, nil
}

// validateWork checks the dataset and the workload.
func (s builder) validateWork(f *fileYAML) error {
	if d := f.Dataset; d != nil {
		if err := s.validateDataset(d); err != nil {
			return err
		}
	}
	w := f.Workload
	if w == nil {
		return nil
	}
	ws, err := workShape(w)
	if err != nil {
		return err
	}
	if ws.Mix, err = mix(w.Mix); err != nil {
		return err
	}
	if err := clientCommands(w, &ws); err != nil {
		return err
	}
	replicas := len(s.Nodes) - 1
	hasReads := slices.ContainsFunc(ws.Mix, func(m spec.MixItem) bool { return m.Op == "get" })
	if ws.ReadsFrom == "replicas" && replicas == 0 && hasReads {
		return errAt(w.ReadsFrom.Tok, "reads-from replicas, but the scenario has no replicas")
	}
	if w.Wait != nil {
		ws.Wait = &spec.WaitSpec{Replicas: int(w.Wait.Replicas.N), Timeout: w.Wait.Timeout.D}
		if w.Wait.Replicas.N < 0 || int(w.Wait.Replicas.N) > replicas {
			return errAt(w.Wait.Replicas.Tok, fmt.Sprintf("wait for %d replicas, but the scenario has %d", w.Wait.Replicas.N, replicas))
		}
	}
	if ws.Bursts, err = s.bursts(w.Bursts, ws.ValueSize); err != nil {
		return err
	}
	if ws.RatePerSec > 0 && ws.RatePerSec/float64(ws.Clients) > 100_000 {
		return errAt(w.Rate.Tok, "more than 100000 operations per second per client: add clients")
	}
	s.Workload = ws
	return nil
}

// Bounds of a run, checked when the file is loaded: a scenario that would
// run for days of simulated time, or hold more data than a machine has
// memory, is refused before it starts rather than found out hours later.
const (
	maxSimTime       = 24 * time.Hour // duration + heal-timeout
	minRatePerSec    = 0.001          // a positive workload rate
	maxKeySpaceBytes = 8 << 30        // keys x (key-size + value-size)
	// MaxSeeds bounds the seeds of one scenario or one sweep point.
	MaxSeeds = 100_000
)

// checkKeySpace refuses a key space of more than maxKeySpaceBytes.
func checkKeySpace(section string, tk *token.Token, keys, keySize, valueSize int64) error {
	if total := keys * (keySize + valueSize); total > maxKeySpaceBytes {
		return errAt(tk, fmt.Sprintf("%s: %d keys x (%d + %d) bytes = %s is more than %s", section, keys, keySize, valueSize, formatBytes(total), formatBytes(maxKeySpaceBytes)))
	}
	return nil
}

// validateDataset checks the keys loaded before the start: how many, and
// their sizes.
func (s builder) validateDataset(d *dataYAML) error {
	s.Dataset = spec.DatasetSpec{Keys: int(d.Keys.N), KeySize: 16, ValueSize: 100}
	if d.Keys.N < 0 || d.Keys.N > maxKeys {
		return errAt(d.Keys.Tok, fmt.Sprintf("dataset keys must be between 0 and %d", maxKeys))
	}
	if d.KeySize.Tok != nil {
		if err := checkKeySize(d.KeySize); err != nil {
			return err
		}
		s.Dataset.KeySize = int(d.KeySize.N)
	}
	if d.ValueSize.Tok != nil {
		if err := checkValueSize(d.ValueSize); err != nil {
			return err
		}
		s.Dataset.ValueSize = int(d.ValueSize.N)
	}
	return checkKeySpace("dataset", d.Keys.Tok, d.Keys.N, int64(s.Dataset.KeySize), int64(s.Dataset.ValueSize))
}

// Limits of a key space and of its keys and values. A value is at most
// Redis's proto-max-bulk-len (512mb by default).
const (
	maxKeys         = 100_000_000
	minKeySizeBytes = 8
	maxKeySizeBytes = 1024
	maxValueBytes   = 512 << 20
)

func checkKeySize(n Int) error {
	if n.N < minKeySizeBytes || n.N > maxKeySizeBytes {
		return errAt(n.Tok, fmt.Sprintf("key-size must be between %d and %d", minKeySizeBytes, maxKeySizeBytes))
	}
	return nil
}

func checkValueSize(z Size) error {
	if z.N < 1 || z.N > maxValueBytes {
		return errAt(z.Tok, "value-size must be between 1 byte and 512mb (Redis's proto-max-bulk-len)")
	}
	return nil
}

// workShape is the workload's clients, rate, key space, value size,
// database and where it reads from, with defaults for what is not given.
func workShape(w *workYAML) (spec.WorkloadSpec, error) {
	ws := spec.WorkloadSpec{Clients: 1, RatePerSec: w.Rate.F, Keys: 1000, KeySize: 16, ValueSize: 100, ReadsFrom: "master"}
	if w.Clients.Tok != nil {
		if w.Clients.N < 1 || w.Clients.N > 1000 {
			return ws, errAt(w.Clients.Tok, "clients must be between 1 and 1000")
		}
		ws.Clients = int(w.Clients.N)
	}
	if ws.RatePerSec < 0 {
		return ws, errAt(w.Rate.Tok, "rate must not be negative")
	}
	if ws.RatePerSec > 0 && ws.RatePerSec < minRatePerSec {
		// A client's mean gap, clients/rate, would not fit a
		// time.Duration: the run never ended.
		return ws, errAt(w.Rate.Tok, fmt.Sprintf("rate %g is below %g operations per second (0 means no steady load)", ws.RatePerSec, minRatePerSec))
	}
	if w.Keys.Tok != nil {
		if w.Keys.N < 1 || w.Keys.N > maxKeys {
			return ws, errAt(w.Keys.Tok, fmt.Sprintf("keys must be between 1 and %d", maxKeys))
		}
		ws.Keys = int(w.Keys.N)
	}
	if w.KeySize.Tok != nil {
		if err := checkKeySize(w.KeySize); err != nil {
			return ws, err
		}
		ws.KeySize = int(w.KeySize.N)
	}
	if w.ValueSize.Tok != nil {
		if err := checkValueSize(w.ValueSize); err != nil {
			return ws, err
		}
		ws.ValueSize = int(w.ValueSize.N)
	}
	if w.DB.Tok != nil {
		if w.DB.N < 0 || w.DB.N > 15 {
			return ws, errAt(w.DB.Tok, "db must be between 0 and 15")
		}
		ws.DB = int(w.DB.N)
	}
	if w.ReadsFrom.Tok != nil {
		if !slices.Contains(readsFrom, w.ReadsFrom.V) {
			return ws, errAt(w.ReadsFrom.Tok, fmt.Sprintf("reads-from %q: want master, replicas or any%s", w.ReadsFrom.V, didYouMean(w.ReadsFrom.V, readsFrom)))
		}
		ws.ReadsFrom = w.ReadsFrom.V
	}
	if w.Keys.Tok != nil {
		// The workload's values are written over time and replace each
		// other: the key names are what a key space costs up front.
		if err := checkKeySpace("workload", w.Keys.Tok, int64(ws.Keys), int64(ws.KeySize), 0); err != nil {
			return ws, err
		}
	}
	return ws, clientShape(w, &ws)
}

// Limits of a client's pipeline.
const maxPipeline = 1024

// clientShape is how each client issues: its pipeline and its arrivals.
func clientShape(w *workYAML, ws *spec.WorkloadSpec) error {
	ws.Pipeline = 1
	if w.Pipeline.Tok != nil {
		if w.Pipeline.N < 1 || w.Pipeline.N > maxPipeline {
			return errAt(w.Pipeline.Tok, fmt.Sprintf("pipeline must be between 1 and %d (operations in flight per client)", maxPipeline))
		}
		ws.Pipeline = int(w.Pipeline.N)
	}
	if w.Arrival.Tok != nil {
		i := slices.Index(arrivals, w.Arrival.V)
		if i < 0 {
			return errAt(w.Arrival.Tok, fmt.Sprintf("arrival %q: want poisson or fixed%s", w.Arrival.V, didYouMean(w.Arrival.V, arrivals)))
		}
		ws.Arrival = spec.Arrival(i)
	}
	return nil
}

// arrivals are the values of a workload's arrival, in spec.Arrival's order.
var arrivals = []string{spec.ArrivalPoisson.String(), spec.ArrivalFixed.String()}

// mix is the shares of the operations: whole percentages adding up to
// 100, or all sets when there is no mix.
func mix(m mixYAML) ([]spec.MixItem, error) {
	if len(m.Items) == 0 {
		return []spec.MixItem{{Op: "set", Percent: 100}}, nil
	}
	var out []spec.MixItem
	total := 0
	for _, it := range m.Items {
		if !slices.Contains(mixOps, it.Key) {
			return nil, errAt(it.KeyTk, fmt.Sprintf("unknown operation %q in mix (known: %s)%s", it.Key, strings.Join(mixOps, ", "), didYouMean(it.Key, mixOps)))
		}
		p, err := strconv.Atoi(it.Value)
		if err != nil || p < 0 || p > 100 || strconv.Itoa(p) != it.Value {
			return nil, errAt(it.ValTk, fmt.Sprintf("mix share %q: want a whole percentage", it.Value))
		}
		total += p
		if p > 0 {
			out = append(out, spec.MixItem{Op: it.Key, Percent: p})
		}
	}
	if total != 100 {
		return nil, errAt(m.Tok, fmt.Sprintf("impossible mix: the shares add up to %d%%, not 100%%", total))
	}
	return out, nil
}

// bursts are writes pipelined at one instant of the fault phase, in time
// order; each writes values of its own value-size, or valueSize.
func (s builder) bursts(list []burstYAML, valueSize int) ([]spec.Burst, error) {
	var out []spec.Burst
	for _, b := range list {
		if b.At.Tok == nil || b.At.D >= s.Duration {
			return nil, errAt(b.At.Tok, fmt.Sprintf("burst at %s is outside the fault phase (duration %s)", b.At.D, s.Duration))
		}
		if b.Writes.N < 1 || b.Writes.N > 10_000_000 {
			return nil, errAt(b.Writes.Tok, "a burst has between 1 and 10000000 writes")
		}
		size := valueSize
		if b.ValueSize.Tok != nil {
			if err := checkValueSize(b.ValueSize); err != nil {
				return nil, err
			}
			size = int(b.ValueSize.N)
		}
		out = append(out, spec.Burst{At: b.At.D, Writes: int(b.Writes.N), ValueSize: size})
	}
	slices.SortStableFunc(out, func(a, b spec.Burst) int { return cmp.Compare(a.At, b.At) })
	return out, nil
}
