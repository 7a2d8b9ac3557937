package sweep

import (
	"time"

	"github.com/replsim/replsim/model"
	"github.com/replsim/replsim/scenarios"
	"github.com/replsim/replsim/scenarios/spec"
)

// Record is one finished run: one line of results.jsonl. Everything but
// WallNs is the same for the same plan and run index.
type Record struct {
	Run    int      `json:"run"`
	Point  int      `json:"point"`
	Values []string `json:"values"` // the knobs' values, in the order of Plan.Vary
	Seed   uint64   `json:"seed"`

	SimTimeNs   int64  `json:"sim_time_ns"`
	Events      uint64 `json:"events"`
	TraceSHA256 string `json:"trace_sha256"`

	// Reconnects counts the times a replica's link came up again after its
	// first sync; ReconnectsFull those that took a full resync (the last
	// answer to the replica's PSYNC before the link came up was
	// +FULLRESYNC, or there was no PSYNC at all). A full sync that is
	// interrupted and retried counts once.
	Reconnects     int64 `json:"reconnects"`
	ReconnectsFull int64 `json:"reconnects_full"`
	// As in summary.json: FULLRESYNC and CONTINUE answers after each
	// replica's first sync, and sync_full over every node.
	FullResyncs    int64 `json:"full_resyncs"`
	PartialResyncs int64 `json:"partial_resyncs"`
	SyncFull       int64 `json:"sync_full"`

	SnapshotBytes int64 `json:"snapshot_bytes"` // sent as RDB snapshots, every node
	StreamBytes   int64 `json:"stream_bytes"`   // sent as the command stream, every node
	// MasterReplOffset is the final master's master_repl_offset: the bytes
	// of stream the writes made, for the write rate.
	MasterReplOffset int64 `json:"master_repl_offset"`
	// OutageMaxNs is the longest time a replica's link stayed down.
	OutageMaxNs int64 `json:"outage_max_ns"`

	WritesAcked    int64 `json:"writes_acked"`
	WritesRejected int64 `json:"writes_rejected"`
	LostWrites     int64 `json:"lost_writes"`
	StaleReads     int64 `json:"stale_reads"`

	Converged bool `json:"converged"`
	// HealNs is how long the heal phase ran: until the replicas converged
	// (checked every 100ms), or its bound.
	HealNs int64  `json:"heal_ns"`
	Limit  string `json:"limit,omitempty"`
	// InvariantViolations counts the replication invariants' violations.
	InvariantViolations int64 `json:"invariant_violations"`
	// OK reports whether the invariants and the scenario's own
	// expectations held; a sweep does not check linearizability, so an
	// expectation on it does not count.
	OK bool `json:"ok"`

	WallNs int64 `json:"wall_ns"` // the only figure that varies between machines

	Timeline *Timeline `json:"timeline,omitempty"`
}

// Timeline is the lag of each replica over one run, and its replication
// events.
type Timeline struct {
	EveryNs  int64    `json:"every_ns"`
	Replicas []string `json:"replicas"`
	// LagBytes[i][k] is replica i's lag behind the master at k*EveryNs.
	LagBytes [][]int64 `json:"lag_bytes"`
	Events   []Event   `json:"events"`
}

// Event is a replication event on the timeline of one replica:
// link-down, fullresync, continue or link-up.
type Event struct {
	AtNs    int64  `json:"at_ns"`
	Replica string `json:"replica"`
	Kind    string `json:"kind"`
}

// NewRecord makes the record of one run.
// every is the sampling period of the outcome's lag samples, if any.
func NewRecord(s *spec.Spec, r, point int, values []string, o *scenarios.Outcome, every, wall time.Duration) Record {
	sum, res := o.Summary, o.Result
	rec := Record{
		Run: r, Point: point, Values: values, Seed: sum.Seed,
		SimTimeNs: sum.SimTimeNs, Events: sum.Events, TraceSHA256: sum.TraceSHA256,
		FullResyncs: sum.FullResyncs, PartialResyncs: sum.PartialResyncs, SyncFull: sum.SyncFull,
		SnapshotBytes: sum.SnapshotBytes, StreamBytes: sum.StreamBytes,
		MasterReplOffset: res.Nodes[res.FinalMaster].MasterReplOffset,
		WritesAcked:      sum.WritesAcked, WritesRejected: sum.WritesRejected,
		LostWrites: sum.LostWrites, StaleReads: sum.StaleReads,
		Converged: sum.Converged, HealNs: int64(max(0, res.SimTime-s.Duration)), Limit: sum.Limit,
		WallNs: int64(wall),
	}
	for _, inv := range sum.Invariants {
		rec.InvariantViolations += inv.Violations
	}
	rec.OK = rec.InvariantViolations == 0
	for _, e := range sum.Expectations {
		if !e.OK && !(e.Name == "linearizable" && sum.Linearizable == nil) {
			rec.OK = false
		}
	}
	// Classify each reconnect by the last sync answer before it.
	lastFull := map[string]bool{}
	linked := map[string]bool{}
	downAt := map[string]time.Duration{}
	var events []Event
	for _, n := range res.Notes {
		replica := n.Node
		switch n.Kind {
		case model.NoteFullResync, model.NoteContinue:
			replica = n.Peer
			lastFull[replica] = n.Kind == model.NoteFullResync
		case model.NoteLinkDown:
			if _, down := downAt[replica]; !down {
				downAt[replica] = n.At
			}
		case model.NoteLinkUp:
			if linked[replica] {
				rec.Reconnects++
				if full, ok := lastFull[replica]; full || !ok {
					rec.ReconnectsFull++
				}
			}
			if t, down := downAt[replica]; down {
				rec.OutageMaxNs = max(rec.OutageMaxNs, int64(n.At-t))
				delete(downAt, replica)
			}
			linked[replica] = true
			delete(lastFull, replica)
		default:
			continue
		}
		events = append(events, Event{AtNs: int64(n.At), Replica: replica, Kind: n.Kind.String()})
	}
	if len(res.Samples) > 0 {
		tl := &Timeline{EveryNs: int64(every), Events: events}
		index := map[string]int{}
		for _, sm := range res.Samples {
			k, ok := index[sm.Node]
			if !ok {
				k = len(tl.Replicas)
				index[sm.Node] = k
				tl.Replicas = append(tl.Replicas, sm.Node)
				tl.LagBytes = append(tl.LagBytes, nil)
			}
			tl.LagBytes[k] = append(tl.LagBytes[k], sm.LagBytes)
		}
		rec.Timeline = tl
	}
	return rec
}
