// Package faults describes fault injection as data: what goes wrong (a
// verb such as disconnect, stall or crash), to whom (a selector resolved when
// the fault fires: "master", "replicas", a node name), when, and for how
// long. Schedules are fixed, repeating or random; Expand turns them into a
// timed list of events from the run's random stream. The runner applies the
// events at one seam; nothing here touches a network or a node.
package faults

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"time"
)

// Verb is the kind of fault.
type Verb string

const (
	// Disconnect cuts the links between two sides: both ends see a reset
	// and new connections are refused until the fault ends.
	Disconnect Verb = "disconnect"
	// Stall blackholes the links between two sides: connections stay open
	// and bytes are held; only timeouts notice.
	Stall Verb = "stall"
	// Partition cuts every link between hosts in different groups.
	Partition Verb = "partition"
	// Crash kills a node's process; with restart-after it comes back.
	Crash Verb = "crash"
	// Restart shuts a node down cleanly (SHUTDOWN: it saves an RDB when its
	// persistence is rdb) and starts it again after restart-after.
	Restart Verb = "restart"
	// Pause freezes a node (a long GC pause or DEBUG SLEEP).
	Pause Verb = "pause"
	// Failover promotes a replica (REPLICAOF NO ONE) and re-points the
	// other nodes and the clients to it, as Sentinel would.
	Failover Verb = "failover"
)

// Verbs lists the verbs in the order the format documents them.
var Verbs = []Verb{Disconnect, Stall, Partition, Crash, Restart, Pause, Failover}

// Selector names nodes: "master" (the master of the moment), "replicas"
// (every node that is a replica when the fault fires), "replica" (one
// replica, drawn when the fault fires), or a node name.
type Selector string

const (
	SelectMaster   Selector = "master"
	SelectReplicas Selector = "replicas"
	SelectReplica  Selector = "replica"
	// SelectClients is every client host of the workload; a single client
	// is named c1, c2, ...
	SelectClients Selector = "clients"
)

// Action is one fault without its timing.
type Action struct {
	Verb Verb
	// Between is the two sides of a disconnect or stall.
	Between [2]Selector
	// OneWay makes a disconnect or stall affect only Between[0] -> Between[1].
	OneWay bool
	// Groups are the sides of a partition.
	Groups [][]Selector
	// Node is the target of crash, pause and failover.
	Node Selector
	// RestartAfter brings a crashed node back; 0 leaves it down until the
	// heal phase.
	RestartAfter time.Duration
}

// String renders the action on one line, for traces and reports.
func (a Action) String() string {
	switch a.Verb {
	case Disconnect, Stall:
		sep := " "
		if a.OneWay {
			sep = " -> "
		}
		return fmt.Sprintf("%s %s%s%s", a.Verb, a.Between[0], sep, a.Between[1])
	case Partition:
		var parts []string
		for _, g := range a.Groups {
			var names []string
			for _, s := range g {
				names = append(names, string(s))
			}
			parts = append(parts, "["+strings.Join(names, ",")+"]")
		}
		return fmt.Sprintf("partition %s", strings.Join(parts, " | "))
	case Crash, Restart:
		if a.RestartAfter > 0 {
			return fmt.Sprintf("%s %s restart-after %s", a.Verb, a.Node, a.RestartAfter)
		}
		return fmt.Sprintf("%s %s", a.Verb, a.Node)
	default:
		return fmt.Sprintf("%s %s", a.Verb, a.Node)
	}
}

// Lasting reports whether the action has a duration (is undone later).
func (a Action) Lasting() bool {
	switch a.Verb {
	case Disconnect, Stall, Partition, Pause:
		return true
	}
	return false
}

// Dist is a distribution of durations: uniform in [Min, Max], or
// exponential with Mean when Exponential is set. A fixed duration has
// Min == Max.
type Dist struct {
	Min, Max    time.Duration
	Exponential bool
	Mean        time.Duration
}

// Fixed returns the distribution that always gives d.
func Fixed(d time.Duration) Dist { return Dist{Min: d, Max: d} }

// maxDraw bounds a drawn duration, so that an exponential draw with a
// huge mean saturates instead of overflowing into a negative duration.
const maxDraw = time.Duration(math.MaxInt64 / 2)

// Draw returns one duration, in [Min, Max] or in [0, maxDraw] for an
// exponential. It is safe for any Min and Max, up to the limits of int64
// (scenario files bound them far lower).
func (d Dist) Draw(r *rand.Rand) time.Duration {
	if d.Exponential {
		f := r.ExpFloat64() * float64(d.Mean)
		if !(f > 0) {
			return 0
		}
		if f >= float64(maxDraw) {
			return maxDraw
		}
		return time.Duration(f)
	}
	if d.Max <= d.Min {
		return d.Min
	}
	// The span is counted in uint64, where Max-Min cannot overflow; the
	// sum wraps back into [Min, Max] in int64.
	span := uint64(d.Max) - uint64(d.Min)
	var x uint64
	if span == math.MaxUint64 {
		x = r.Uint64()
	} else {
		x = r.Uint64N(span + 1)
	}
	return d.Min + time.Duration(x)
}

func (d Dist) String() string {
	switch {
	case d.Exponential:
		return fmt.Sprintf("exp(mean %s)", d.Mean)
	case d.Min == d.Max:
		return d.Min.String()
	}
	return fmt.Sprintf("%s..%s", d.Min, d.Max)
}

// Schedule says when an action happens. Exactly one form is used:
//   - once: At;
//   - repeating: Every, from From until Until;
//   - random: gaps drawn from an exponential distribution with mean
//     MeanEvery, from From until Until.
type Schedule struct {
	Action Action
	// For is how long a lasting action lasts.
	For Dist

	At        time.Duration
	Every     time.Duration
	MeanEvery time.Duration
	From      time.Duration
	Until     time.Duration // 0 means the end of the fault phase
}

// Event is one fault at one time.
type Event struct {
	At     time.Duration
	For    time.Duration // 0 for actions that do not last
	Action Action
	// Index is the position of the schedule in the scenario, so reports can
	// point back to it.
	Index int
}

func (e Event) String() string {
	if e.For > 0 {
		return fmt.Sprintf("%s for %s", e.Action, e.For)
	}
	return e.Action.String()
}

// MaxEvents bounds the expansion of the schedules, so that a tiny period
// over a long run is an error rather than a hang.
const MaxEvents = 1_000_000

// ExpectedEvents is how many events s gives in [0, phase): exactly, for a
// fixed or repeating schedule; on average, for a random one. Loaders
// compare the sum with MaxEvents to refuse schedules that Expand would.
func (s Schedule) ExpectedEvents(phase time.Duration) float64 {
	until := s.Until
	if until == 0 || until > phase {
		until = phase
	}
	switch {
	case s.Every > 0:
		if until <= s.From {
			return 0
		}
		return float64((until-s.From-1)/s.Every) + 1
	case s.MeanEvery > 0:
		if until <= s.From {
			return 0
		}
		return float64(until-s.From) / float64(s.MeanEvery)
	case s.At < phase:
		return 1
	}
	return 0
}

// Expand turns schedules into events within [0, phase), ordered by time and
// then by schedule order. Random schedules draw from r, in schedule order,
// so the events depend only on the schedules and the seed.
func Expand(schedules []Schedule, phase time.Duration, r *rand.Rand) ([]Event, error) {
	var out []Event
	for i, s := range schedules {
		until := s.Until
		if until == 0 || until > phase {
			until = phase
		}
		add := func(at time.Duration) error {
			if len(out) >= MaxEvents {
				return fmt.Errorf("fault %d expands to more than %d events", i+1, MaxEvents)
			}
			ev := Event{At: at, Action: s.Action, Index: i}
			if s.Action.Lasting() {
				ev.For = s.For.Draw(r)
			}
			out = append(out, ev)
			return nil
		}
		switch {
		case s.Every > 0:
			if until > s.From && int64((until-s.From-1)/s.Every)+1 > int64(MaxEvents-len(out)) {
				return nil, fmt.Errorf("fault %d expands to more than %d events", i+1, MaxEvents)
			}
			for at := s.From; at < until; at += s.Every {
				if err := add(at); err != nil {
					return nil, err
				}
			}
		case s.MeanEvery > 0:
			at := s.From
			for {
				gap := time.Duration(r.ExpFloat64() * float64(s.MeanEvery))
				if gap < 0 || float64(at)+float64(gap) >= math.MaxInt64/2 {
					break
				}
				at += gap
				if at >= until {
					break
				}
				if err := add(at); err != nil {
					return nil, err
				}
			}
		default:
			if s.At < phase {
				if err := add(s.At); err != nil {
					return nil, err
				}
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At < out[j].At })
	return out, nil
}
