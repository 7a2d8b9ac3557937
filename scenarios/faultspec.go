package scenarios

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/token"

	"github.com/replsim/replsim/faults"
)

// validateFaults checks each fault entry: one verb, one kind of timing,
// known selectors, a length for faults that last, and times inside the
// fault phase.
func (s builder) validateFaults(f *fileYAML) error {
	events := 0.0
	for _, fy := range f.Faults {
		sch, err := s.fault(&fy)
		if err != nil {
			return err
		}
		// Half the bound, so that a random schedule, whose count varies,
		// never reaches it at run time.
		if events += sch.ExpectedEvents(s.Duration); events > faults.MaxEvents/2 {
			return errAt(fy.tok, fmt.Sprintf("the faults so far come to %.0f events, more than %d: fewer or rarer faults", events, faults.MaxEvents/2))
		}
		s.Faults = append(s.Faults, sch)
	}
	return nil
}

// selector is a node: one by name, or master, replicas, replica.
func (s builder) selector(t Text) (faults.Selector, error) {
	return s.selectorOf(t, nodeSelectors)
}

// selectorOf is a node name or one of the selectors; an unknown name gets
// the closest of the node names and the selectors.
func (s builder) selectorOf(t Text, selectors []string) (faults.Selector, error) {
	if slices.Contains(nodeSelectors, t.V) || s.node(t.V) != nil || s.IsSentinel(t.V) {
		return faults.Selector(t.V), nil
	}
	var sentinels []string
	also := ""
	if s.Sentinels != nil {
		sentinels = s.Sentinels.Names
		also = "; sentinels: " + strings.Join(sentinels, ", ")
	}
	return "", errAt(t.Tok, fmt.Sprintf("unknown node %q (nodes: %s; or master, replicas, replica%s)%s",
		t.V, s.nodeNames(), also, didYouMean(t.V, slices.Concat(s.names(), sentinels, selectors))))
}

// The selectors of a node (besides its name), and of a host: a node or
// the clients (one client is c1, c2, ...).
var (
	nodeSelectors = []string{string(faults.SelectMaster), string(faults.SelectReplicas), string(faults.SelectReplica)}
	hostSelectors = slices.Concat(nodeSelectors, []string{string(faults.SelectClients)})
)

// hostSelector is selector plus client hosts: "clients" (every client) or
// one client (c1, c2, ...). Partitions and link faults can cut clients off.
func (s builder) hostSelector(t Text) (faults.Selector, error) {
	if t.V == "clients" {
		return faults.SelectClients, nil
	}
	if clientName.MatchString(t.V) {
		k, err := strconv.Atoi(t.V[1:])
		if err != nil || k < 1 || k > s.Workload.Clients || s.Workload.RatePerSec == 0 {
			return "", errAt(t.Tok, fmt.Sprintf("no client %q (the workload has %d clients)", t.V, s.Workload.Clients))
		}
		return faults.Selector(t.V), nil
	}
	return s.selectorOf(t, hostSelectors)
}

func (s builder) pair(list []Text, verb string, tok *token.Token) ([2]faults.Selector, error) {
	var out [2]faults.Selector
	if len(list) != 2 {
		return out, errAt(tok, fmt.Sprintf("%s takes two sides: [a, b]", verb))
	}
	for i, t := range list {
		sel, err := s.hostSelector(t)
		if err != nil {
			return out, err
		}
		out[i] = sel
	}
	if out[0] == out[1] && out[0] != faults.SelectReplicas {
		return out, errAt(list[1].Tok, fmt.Sprintf("%s between %s and itself", verb, out[0]))
	}
	return out, nil
}

// fault validates one entry: the decisions are here, the checks of each
// part (targets, length, timing) in the helpers below.
func (s builder) fault(fy *faultYAML) (faults.Schedule, error) {
	var sch faults.Schedule
	verbs := fy.verbs()
	random := fy.Random.Tok != nil
	switch {
	case random && len(verbs) > 0:
		return sch, errAt(fy.tok, fmt.Sprintf("a random fault names its verb in random: (here also %s)", joinVerbs(verbs)))
	case !random && len(verbs) != 1:
		return sch, errAt(fy.tok, "each fault needs exactly one of disconnect, stall, partition, crash, restart, pause, failover (or random: <verb>)")
	}
	var err error
	if random {
		sch.Action, err = s.randomAction(fy)
	} else {
		sch.Action, err = s.fixedAction(fy, verbs[0])
	}
	if err != nil {
		return sch, err
	}
	a := &sch.Action
	if a.Verb == faults.Failover && s.Sentinels != nil {
		tk := fy.Failover.Tok
		if random {
			tk = fy.Random.Tok
		}
		return sch, errAt(tk, "with sentinels, failovers are theirs: take the master down or away (crash, pause, partition) and they promote a replica")
	}
	a.OneWay = fy.OneWay.B
	if a.OneWay && a.Verb != faults.Disconnect && a.Verb != faults.Stall {
		return sch, errAt(fy.OneWay.Tok, "one-way applies to disconnect and stall")
	}
	if err := faultLength(fy, &sch); err != nil {
		return sch, err
	}
	if err := s.timing(fy, &sch); err != nil {
		return sch, err
	}
	return sch, nil
}

// verbs returns the verb keys an entry has, in the format's order.
func (fy *faultYAML) verbs() []faults.Verb {
	has := map[faults.Verb]bool{
		faults.Disconnect: fy.Disconnect != nil,
		faults.Stall:      fy.Stall != nil,
		faults.Partition:  fy.Partition != nil,
		faults.Crash:      fy.Crash.Tok != nil,
		faults.Restart:    fy.Restart.Tok != nil,
		faults.Pause:      fy.Pause.Tok != nil,
		faults.Failover:   fy.Failover.Tok != nil,
	}
	var out []faults.Verb
	for _, v := range faults.Verbs {
		if has[v] {
			out = append(out, v)
		}
	}
	return out
}

func joinVerbs(verbs []faults.Verb) string {
	var b strings.Builder
	for i, v := range verbs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(string(v))
	}
	return b.String()
}

// randomVerbs are the verbs a random fault can have: all but partition.
var randomVerbs = []string{"disconnect", "stall", "crash", "restart", "pause", "failover"}

// randomAction is the verb of random: and its targets, between: or node:.
func (s builder) randomAction(fy *faultYAML) (faults.Action, error) {
	a := faults.Action{Verb: faults.Verb(fy.Random.V)}
	var err error
	switch a.Verb {
	case faults.Disconnect, faults.Stall:
		a.Between, err = s.pair(fy.Between, string(a.Verb), fy.Random.Tok)
	case faults.Crash, faults.Restart, faults.Pause, faults.Failover:
		if fy.Node.Tok == nil {
			return a, errAt(fy.Random.Tok, fmt.Sprintf("random %s needs node: <name|master|replica>", a.Verb))
		}
		a.Node, err = s.selector(fy.Node)
	default:
		return a, errAt(fy.Random.Tok, fmt.Sprintf("random %q: want disconnect, stall, crash, restart, pause or failover%s", fy.Random.V, didYouMean(fy.Random.V, randomVerbs)))
	}
	return a, err
}

// fixedAction is a verb and the targets given after it.
func (s builder) fixedAction(fy *faultYAML, verb faults.Verb) (faults.Action, error) {
	a := faults.Action{Verb: verb}
	if len(fy.Between) > 0 || fy.Node.Tok != nil {
		tk := fy.Node.Tok
		if len(fy.Between) > 0 {
			tk = fy.Between[0].Tok
		}
		return a, errAt(tk, "between: and node: belong to random faults; name the targets after the verb")
	}
	var err error
	switch verb {
	case faults.Disconnect:
		a.Between, err = s.pair(fy.Disconnect, "disconnect", fy.tok)
	case faults.Stall:
		a.Between, err = s.pair(fy.Stall, "stall", fy.tok)
	case faults.Partition:
		a.Groups, err = s.groups(fy.Partition, fy.tok)
	case faults.Crash:
		a.Node, err = s.selector(fy.Crash)
	case faults.Restart:
		a.Node, err = s.selector(fy.Restart)
	case faults.Pause:
		a.Node, err = s.selector(fy.Pause)
	case faults.Failover:
		a.Node, err = s.selector(fy.Failover)
		if err == nil && a.Node == faults.SelectMaster {
			err = errAt(fy.Failover.Tok, "failover promotes a replica: name one, or use replica")
		}
	}
	return a, err
}

// groups are the sides of a partition: two or more, none empty, no host in
// two of them.
func (s builder) groups(list [][]Text, tok *token.Token) ([][]faults.Selector, error) {
	if len(list) < 2 {
		return nil, errAt(tok, "a partition needs at least two groups: [[a], [b, c]]")
	}
	var out [][]faults.Selector
	seen := map[faults.Selector]bool{}
	for _, g := range list {
		var group []faults.Selector
		for _, t := range g {
			sel, err := s.hostSelector(t)
			if err != nil {
				return nil, err
			}
			if seen[sel] {
				return nil, errAt(t.Tok, fmt.Sprintf("%s is in two groups of the partition", sel))
			}
			seen[sel] = true
			group = append(group, sel)
		}
		if len(group) == 0 {
			return nil, errAt(tok, "a partition group is empty")
		}
		out = append(out, group)
	}
	return out, nil
}

// faultLength is how long the fault lasts (for:) and when a node that went
// down comes back (restart-after:).
func faultLength(fy *faultYAML, sch *faults.Schedule) error {
	a := &sch.Action
	if a.Lasting() {
		if !fy.For.Set() {
			return errAt(fy.tok, fmt.Sprintf("%s needs for: <duration> (or a range 5s..2m)", a.Verb))
		}
		sch.For = faults.Dist{Min: fy.For.Min, Max: fy.For.Max, Exponential: fy.For.Exponential, Mean: fy.For.Mean}
	} else if fy.For.Set() {
		return errAt(fy.For.Tok, fmt.Sprintf("%s does not last; for: does not apply (crash takes restart-after:)", a.Verb))
	}
	if fy.RestartAfter.Tok != nil {
		if a.Verb != faults.Crash && a.Verb != faults.Restart {
			return errAt(fy.RestartAfter.Tok, "restart-after applies to crash and restart")
		}
		a.RestartAfter = fy.RestartAfter.D
	}
	return nil
}

// timing is when the fault fires: exactly one of at:, every: and random:,
// with the keys that go with it, inside the fault phase.
func (s builder) timing(fy *faultYAML, sch *faults.Schedule) error {
	random := fy.Random.Tok != nil
	timings := 0
	for _, given := range []bool{fy.At.Tok != nil, fy.Every.Tok != nil, random} {
		if given {
			timings++
		}
	}
	if timings != 1 {
		return errAt(fy.tok, "each fault needs exactly one timing: at:, every: (with from:/until:) or random: (with mean-every:)")
	}
	switch {
	case fy.At.Tok != nil:
		if err := s.inside(fy.At, "at"); err != nil {
			return err
		}
		if fy.From.Tok != nil || fy.Until.Tok != nil || fy.MeanEvery.Tok != nil {
			return errAt(fy.tok, "from:, until: and mean-every: do not go with at:")
		}
		sch.At = fy.At.D
	case fy.Every.Tok != nil:
		if fy.Every.D <= 0 {
			return errAt(fy.Every.Tok, "every must be greater than 0")
		}
		sch.Every = fy.Every.D
	default:
		if fy.MeanEvery.D <= 0 {
			return errAt(fy.Random.Tok, "a random fault needs mean-every: <duration> greater than 0")
		}
		sch.MeanEvery = fy.MeanEvery.D
	}
	if fy.MeanEvery.Tok != nil && !random {
		return errAt(fy.MeanEvery.Tok, "mean-every applies to random faults")
	}
	return s.window(fy, sch)
}

// window is from: and until: of a repeating fault.
func (s builder) window(fy *faultYAML, sch *faults.Schedule) error {
	if err := s.inside(fy.From, "from"); err != nil {
		return err
	}
	if fy.Until.Tok != nil && fy.Until.D > s.Duration {
		return errAt(fy.Until.Tok, fmt.Sprintf("until %s is after the end of the fault phase (duration %s)", fy.Until.D, s.Duration))
	}
	if fy.Until.Tok != nil && fy.Until.D <= fy.From.D {
		return errAt(fy.Until.Tok, "until must come after from")
	}
	sch.From, sch.Until = fy.From.D, fy.Until.D
	return nil
}

// inside checks that a time, when given, is inside the fault phase.
func (s builder) inside(t Duration, what string) error {
	if t.Tok != nil && t.D >= s.Duration {
		return errAt(t.Tok, fmt.Sprintf("%s %s is outside the fault phase (duration %s)", what, t.D, s.Duration))
	}
	return nil
}
