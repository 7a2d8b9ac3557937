package checker

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Event is one thing that happened to the replication during a run, on the
// same virtual clock as the history: a fault the runner applied, or a note
// a node made (link up or down, FULLRESYNC, CONTINUE, promotion, ...). The
// checker draws events on the visualization and names them in
// explanations.
type Event struct {
	At  int64 `json:"at"`            // virtual ns
	End int64 `json:"end,omitempty"` // for lasting faults; 0: a moment
	// Kind is a note kind (link-up, link-down, fullresync, continue,
	// promoted, sync-done, replica-dropped), a fault verb (disconnect,
	// stall, partition, crash, restart, pause, failover, heal), or
	// "sentinel": a sentinel's event, Node the sentinel and Text the event
	// as it publishes it ("+odown master mymaster m1 6379 #quorum 2/2").
	Kind   string `json:"kind"`
	Node   string `json:"node,omitempty"`
	Peer   string `json:"peer,omitempty"`
	Offset int64  `json:"offset,omitempty"`
	// Text describes a fault as the scenario gave it, with the nodes it
	// resolved to.
	Text string `json:"text,omitempty"`
}

// IsFault reports whether the event is a fault the runner applied.
func (e Event) IsFault() bool {
	switch e.Kind {
	case "disconnect", "stall", "partition", "crash", "restart", "pause", "failover", "heal":
		return true
	}
	return false
}

// String renders the event in one line.
func (e Event) String() string {
	at := fmtTime(e.At)
	if e.IsFault() {
		s := at + " " + e.Text
		if e.End > e.At {
			s += " for " + time.Duration(e.End-e.At).String()
		}
		return s
	}
	switch e.Kind {
	case "fullresync":
		return fmt.Sprintf("%s %s FULLRESYNC to %s at offset %d", at, e.Node, e.Peer, e.Offset)
	case "continue":
		return fmt.Sprintf("%s %s CONTINUE to %s from offset %d", at, e.Node, e.Peer, e.Offset)
	case "promoted":
		return fmt.Sprintf("%s %s promoted to master at offset %d", at, e.Node, e.Offset)
	case "link-down":
		return fmt.Sprintf("%s %s lost its link to %s at offset %d", at, e.Node, e.Peer, e.Offset)
	case "link-up":
		return fmt.Sprintf("%s %s linked to %s at offset %d", at, e.Node, e.Peer, e.Offset)
	case "sync-done":
		return fmt.Sprintf("%s %s loaded the snapshot of %s at offset %d", at, e.Node, e.Peer, e.Offset)
	case "replica-dropped":
		return fmt.Sprintf("%s %s dropped replica %s", at, e.Node, e.Peer)
	case "sentinel":
		return fmt.Sprintf("%s sentinel %s %s", at, e.Node, e.Text)
	}
	return fmt.Sprintf("%s %s %s %s %d", at, e.Node, e.Kind, e.Peer, e.Offset)
}

// fmtTime renders virtual ns as a duration since the start, to the
// microsecond.
func fmtTime(ns int64) string {
	if d := time.Duration(ns); d < time.Millisecond && d > -time.Millisecond {
		return d.String()
	}
	return time.Duration(ns).Round(time.Microsecond).String()
}

// around returns the events that explain what happened between from and
// to: faults active at some moment of it, and the promotions, full syncs,
// crashes and restarts in it, and what a sentinel did to a node in it
// (+promoted-slave, +convert-to-slave, +fix-slave-config). At most max, the most telling first when
// there are more, listed in time order.
func around(events []Event, from, to int64, max int) []Event {
	var out []Event
	for _, e := range events {
		end := e.At
		if e.End > end {
			end = e.End
		}
		if end < from || e.At > to {
			continue
		}
		switch {
		case e.IsFault() && e.Kind != "heal":
		case e.Kind == "promoted", e.Kind == "fullresync":
		case e.Kind == "sentinel" && sentinelActs(e.Text):
		default:
			continue
		}
		out = append(out, e)
	}
	if len(out) > max {
		rank := func(e Event) int {
			switch e.Kind {
			case "failover", "crash", "restart", "promoted", "sentinel":
				return 0
			case "fullresync":
				return 2
			}
			return 1
		}
		sort.SliceStable(out, func(i, j int) bool { return rank(out[i]) < rank(out[j]) })
		out = out[:max]
		sort.SliceStable(out, func(i, j int) bool { return out[i].At < out[j].At })
	}
	return out
}

// sentinelActs reports whether a sentinel event (its text) is one where
// the sentinel changed a node's role.
func sentinelActs(text string) bool {
	kind, _, _ := strings.Cut(text, " ")
	return kind == "+promoted-slave" || kind == "+convert-to-slave" || kind == "+fix-slave-config"
}

func joinEvents(es []Event) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.String()
	}
	return strings.Join(parts, "; ")
}
