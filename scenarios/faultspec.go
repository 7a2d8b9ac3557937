package scenarios

import (
	"fmt"
	"strings"
	"time"

	"github.com/goccy/go-yaml/token"

	"github.com/replsim/replsim/faults"
)

// validateFaults checks each fault entry: one verb, one kind of timing,
// known selectors, a length for faults that last, and times inside the
// fault phase.
func (s builder) validateFaults(f *fileYAML) error {
	for _, fy := range f.Faults {
		sch, err := s.fault(&fy)
		if err != nil {
			return err
		}
		s.Faults = append(s.Faults, sch)
	}
	return nil
}

func (s builder) selector(t Text) (faults.Selector, error) {
	switch t.V {
	case "master", "replicas", "replica":
		return faults.Selector(t.V), nil
	}
	if s.node(t.V) != nil {
		return faults.Selector(t.V), nil
	}
	return "", errAt(t.Tok, fmt.Sprintf("unknown node %q (nodes: %s; or master, replicas, replica)", t.V, s.nodeNames()))
}

// hostSelector is selector plus client hosts: "clients" (every client) or
// one client (c1, c2, ...). Partitions and link faults can cut clients off.
func (s builder) hostSelector(t Text) (faults.Selector, error) {
	if t.V == "clients" {
		return faults.SelectClients, nil
	}
	if clientName.MatchString(t.V) {
		var k int
		fmt.Sscanf(t.V[1:], "%d", &k)
		if k < 1 || k > s.Workload.Clients || s.Workload.RatePerSec == 0 {
			return "", errAt(t.Tok, fmt.Sprintf("no client %q (the workload has %d clients)", t.V, s.Workload.Clients))
		}
		return faults.Selector(t.V), nil
	}
	return s.selector(t)
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

func (s builder) fault(fy *faultYAML) (faults.Schedule, error) {
	var sch faults.Schedule
	var verbs []string
	a := &sch.Action
	if fy.Disconnect != nil {
		verbs = append(verbs, "disconnect")
	}
	if fy.Stall != nil {
		verbs = append(verbs, "stall")
	}
	if fy.Partition != nil {
		verbs = append(verbs, "partition")
	}
	for _, v := range []struct {
		name string
		t    Text
	}{{"crash", fy.Crash}, {"restart", fy.Restart}, {"pause", fy.Pause}, {"failover", fy.Failover}} {
		if v.t.Tok != nil {
			verbs = append(verbs, v.name)
		}
	}
	random := fy.Random.Tok != nil
	switch {
	case random && len(verbs) > 0:
		return sch, errAt(fy.tok, fmt.Sprintf("a random fault names its verb in random: (here also %s)", strings.Join(verbs, ", ")))
	case !random && len(verbs) != 1:
		return sch, errAt(fy.tok, "each fault needs exactly one of disconnect, stall, partition, crash, restart, pause, failover (or random: <verb>)")
	}
	// The verb and its targets.
	if random {
		a.Verb = faults.Verb(fy.Random.V)
		switch a.Verb {
		case faults.Disconnect, faults.Stall:
			p, err := s.pair(fy.Between, string(a.Verb), fy.Random.Tok)
			if err != nil {
				return sch, err
			}
			a.Between = p
		case faults.Crash, faults.Restart, faults.Pause, faults.Failover:
			if fy.Node.Tok == nil {
				return sch, errAt(fy.Random.Tok, fmt.Sprintf("random %s needs node: <name|master|replica>", a.Verb))
			}
			sel, err := s.selector(fy.Node)
			if err != nil {
				return sch, err
			}
			a.Node = sel
		default:
			return sch, errAt(fy.Random.Tok, fmt.Sprintf("random %q: want disconnect, stall, crash, restart, pause or failover", fy.Random.V))
		}
	} else {
		a.Verb = faults.Verb(verbs[0])
		if len(fy.Between) > 0 || fy.Node.Tok != nil {
			tk := fy.Node.Tok
			if len(fy.Between) > 0 {
				tk = fy.Between[0].Tok
			}
			return sch, errAt(tk, "between: and node: belong to random faults; name the targets after the verb")
		}
		var err error
		switch a.Verb {
		case faults.Disconnect:
			a.Between, err = s.pair(fy.Disconnect, "disconnect", fy.tok)
		case faults.Stall:
			a.Between, err = s.pair(fy.Stall, "stall", fy.tok)
		case faults.Partition:
			if len(fy.Partition) < 2 {
				return sch, errAt(fy.tok, "a partition needs at least two groups: [[a], [b, c]]")
			}
			seen := map[faults.Selector]bool{}
			for _, g := range fy.Partition {
				var group []faults.Selector
				for _, t := range g {
					sel, err := s.hostSelector(t)
					if err != nil {
						return sch, err
					}
					if seen[sel] {
						return sch, errAt(t.Tok, fmt.Sprintf("%s is in two groups of the partition", sel))
					}
					seen[sel] = true
					group = append(group, sel)
				}
				if len(group) == 0 {
					return sch, errAt(fy.tok, "a partition group is empty")
				}
				a.Groups = append(a.Groups, group)
			}
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
		if err != nil {
			return sch, err
		}
	}
	a.OneWay = fy.OneWay.B
	if a.OneWay && a.Verb != faults.Disconnect && a.Verb != faults.Stall {
		return sch, errAt(fy.OneWay.Tok, "one-way applies to disconnect and stall")
	}
	// How long it lasts.
	if a.Lasting() {
		if !fy.For.Set() {
			return sch, errAt(fy.tok, fmt.Sprintf("%s needs for: <duration> (or a range 5s..2m)", a.Verb))
		}
		sch.For = faults.Dist{Min: fy.For.Min, Max: fy.For.Max, Exponential: fy.For.Exponential, Mean: fy.For.Mean}
	} else if fy.For.Set() {
		return sch, errAt(fy.For.Tok, fmt.Sprintf("%s does not last; for: does not apply (crash takes restart-after:)", a.Verb))
	}
	if fy.RestartAfter.Tok != nil {
		if a.Verb != faults.Crash && a.Verb != faults.Restart {
			return sch, errAt(fy.RestartAfter.Tok, "restart-after applies to crash and restart")
		}
		a.RestartAfter = fy.RestartAfter.D
	}
	// When.
	timings := 0
	for _, t := range []*token.Token{fy.At.Tok, fy.Every.Tok} {
		if t != nil {
			timings++
		}
	}
	if random {
		timings++
	}
	if timings != 1 {
		return sch, errAt(fy.tok, "each fault needs exactly one timing: at:, every: (with from:/until:) or random: (with mean-every:)")
	}
	inside := func(t Duration, what string) error {
		if t.Tok != nil && t.D >= s.Duration {
			return errAt(t.Tok, fmt.Sprintf("%s %s is outside the fault phase (duration %s)", what, t.D, s.Duration))
		}
		return nil
	}
	switch {
	case fy.At.Tok != nil:
		if err := inside(fy.At, "at"); err != nil {
			return sch, err
		}
		if fy.From.Tok != nil || fy.Until.Tok != nil || fy.MeanEvery.Tok != nil {
			return sch, errAt(fy.tok, "from:, until: and mean-every: do not go with at:")
		}
		sch.At = fy.At.D
	case fy.Every.Tok != nil:
		if fy.Every.D <= 0 {
			return sch, errAt(fy.Every.Tok, "every must be greater than 0")
		}
		sch.Every = fy.Every.D
	default:
		if fy.MeanEvery.D <= 0 {
			return sch, errAt(fy.Random.Tok, "a random fault needs mean-every: <duration> greater than 0")
		}
		sch.MeanEvery = fy.MeanEvery.D
	}
	if fy.MeanEvery.Tok != nil && !random {
		return sch, errAt(fy.MeanEvery.Tok, "mean-every applies to random faults")
	}
	if err := inside(fy.From, "from"); err != nil {
		return sch, err
	}
	if fy.Until.Tok != nil && fy.Until.D > s.Duration {
		return sch, errAt(fy.Until.Tok, fmt.Sprintf("until %s is after the end of the fault phase (duration %s)", fy.Until.D, s.Duration))
	}
	if fy.Until.Tok != nil && fy.Until.D <= fy.From.D {
		return sch, errAt(fy.Until.Tok, "until must come after from")
	}
	sch.From, sch.Until = fy.From.D, fy.Until.D
	_ = time.Second
	return sch, nil
}
