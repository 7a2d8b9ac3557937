package scenarios

import (
	"strings"
	"time"

	"github.com/replsim/replsim/checker"
	"github.com/replsim/replsim/scenarios/world"
)

// sentinelfigures.go computes the figures of a Sentinel deployment: the
// failovers from the sentinels' events, and from the clients' history the
// time writes were refused after the master failed and the time two nodes
// acknowledged writes at once.

// failoverFigures count the sentinels' failover attempts. Each +try-failover
// (a sentinel starting an attempt in a new epoch) ends in +failover-end (or
// +failover-end-for-timeout) or a -failover-abort-*, unless the run ended
// first: started = completed + aborted + in progress.
type failoverFigures struct {
	started, completed, aborted int64
}

func countFailovers(evs []world.SentinelEvent) failoverFigures {
	var f failoverFigures
	for _, e := range evs {
		switch {
		case e.Kind == "+try-failover":
			f.started++
		case e.Kind == "+failover-end" || e.Kind == "+failover-end-for-timeout":
			f.completed++
		case strings.HasPrefix(e.Kind, "-failover-abort-"):
			f.aborted++
		}
	}
	return f
}

// splitBrainSlice is the resolution of split_brain_time.
const splitBrainSlice = 100 * time.Millisecond

// ackFigures is what the history says of which nodes acknowledged writes
// when. The history may come a partition of keys at a time: add merges.
type ackFigures struct {
	// firstNewAck is the reply time of the first write acknowledged by a
	// node other than the starting master after it failed; firstOldAck
	// that of the first write called after the failure that the starting
	// master acknowledged. -1: none.
	firstNewAck, firstOldAck int64
	// tried: some write was called after the failure.
	tried bool
	// sliceNode is, per slice of splitBrainSlice, the first node seen
	// acknowledging a write in it; multi the slices where another did too.
	sliceNode map[int64]string
	multi     map[int64]bool
}

func newAckFigures() ackFigures {
	return ackFigures{firstNewAck: -1, firstOldAck: -1, sliceNode: map[int64]string{}, multi: map[int64]bool{}}
}

// countAcks reads the acknowledged writes sent to masters (not the reads
// sent to replicas) of a history.
func countAcks(res *world.Facts, master string, h []checker.Op) ackFigures {
	a := newAckFigures()
	for i := range h {
		op := &h[i]
		if !op.IsWrite() || op.Replica || op.Node == "" {
			continue
		}
		if res.MasterFailed && op.Call > int64(res.MasterFailedAt) {
			a.tried = true
		}
		if op.Outcome != checker.OK {
			continue
		}
		if failed := int64(res.MasterFailedAt); res.MasterFailed {
			switch {
			case op.Node != master && op.Return > failed:
				a.firstNewAck = earliest(a.firstNewAck, op.Return)
			case op.Node == master && op.Call > failed:
				a.firstOldAck = earliest(a.firstOldAck, op.Return)
			}
		}
		a.mark(op.Return/int64(splitBrainSlice), op.Node)
	}
	return a
}

// earliest is the earlier of two times, -1 standing for none.
func earliest(a, b int64) int64 {
	if a < 0 || (b >= 0 && b < a) {
		return b
	}
	return a
}

func (a *ackFigures) mark(slice int64, node string) {
	if first, ok := a.sliceNode[slice]; !ok {
		a.sliceNode[slice] = node
	} else if first != node {
		a.multi[slice] = true
	}
}

func (a *ackFigures) add(o ackFigures) {
	a.firstNewAck = earliest(a.firstNewAck, o.firstNewAck)
	a.firstOldAck = earliest(a.firstOldAck, o.firstOldAck)
	a.tried = a.tried || o.tried
	for s, n := range o.sliceNode {
		a.mark(s, n)
	}
	for s := range o.multi {
		a.multi[s] = true
	}
}

// writeUnavailability is write_unavailability's value.
func (r *Record) writeUnavailability() Value {
	ack := r.acks.firstNewAck
	if ack < 0 {
		ack = r.acks.firstOldAck
	}
	switch {
	case !r.Facts.MasterFailed || (ack < 0 && !r.acks.tried):
		return known(0) // no failure, or no write wanted after it
	case ack < 0:
		ack = int64(max(r.Spec.Duration, r.Facts.MasterFailedAt))
	}
	return known(ack - int64(r.Facts.MasterFailedAt))
}

// sentinelTimeline are the sentinel events the timeline shows: failure
// detection, the election and the failover's steps, and what a sentinel
// does to a node; not the discovery of replicas and peers, nor epochs.
var sentinelTimeline = map[string]bool{
	"+sdown": true, "-sdown": true, "+odown": true, "-odown": true,
	"+try-failover": true, "+vote-for-leader": true, "+elected-leader": true,
	"+selected-slave": true, "+promoted-slave": true, "+failover-end": true, "+failover-end-for-timeout": true,
	"+switch-master": true, "+convert-to-slave": true, "+fix-slave-config": true,
	"-failover-abort-not-elected": true, "-failover-abort-no-good-slave": true, "-failover-abort-slave-timeout": true,
}

// sentinelEvents are the sentinel events of the timeline.
func sentinelEvents(evs []world.SentinelEvent) []checker.Event {
	var out []checker.Event
	for _, e := range evs {
		if sentinelTimeline[e.Kind] {
			out = append(out, checker.Event{At: int64(e.At), Kind: "sentinel", Node: e.Sentinel, Text: e.Kind + " " + e.Payload})
		}
	}
	return out
}
