package checker

import (
	"sort"
	"strings"
)

// Input is everything the checker judges: plain records of one run, no
// engine state.
type Input struct {
	// History is the clients' operations, with the final reads (see
	// FinalReads) when the run has them.
	History []Op
	// Timeline is the faults and replication notes, in time order, for
	// explanations and the visualization.
	Timeline []Event
	// Offsets, Continues and Prefix are the runner's records for the
	// replication invariants; nil Offsets or Prefix: not checked (a history
	// file on its own has none).
	Offsets   []OffsetSample
	Continues []Continue
	Prefix    *PrefixReport
}

// Verdict is the checker's judgement of one run.
type Verdict struct {
	Linearizability *Linearizability `json:"linearizability"`
	// Invariants lists each replication invariant checked; any violation
	// fails the run.
	Invariants []Invariant `json:"invariants"`
}

// Check checks the history for linearizability and the run's records for
// the replication invariants.
func Check(in Input, opts Options) *Verdict {
	v := &Verdict{Linearizability: CheckLinearizable(in.History, opts)}
	v.Linearizability.Explain(in.Timeline)
	if in.Prefix != nil {
		inv := CheckPrefix(*in.Prefix)
		if len(in.Prefix.Mismatches) > 0 {
			m := in.Prefix.Mismatches[0]
			if e, ok := lastEventOf(in.Timeline, m.Replica, m.At); ok {
				inv.First += "; the replica's last replication event before it: " + e.String()
			}
		}
		v.Invariants = append(v.Invariants, inv)
	}
	if in.Offsets != nil {
		v.Invariants = append(v.Invariants, CheckOffsets(in.Offsets))
	}
	if in.Offsets != nil || in.Continues != nil {
		v.Invariants = append(v.Invariants, CheckContinues(in.Continues))
	}
	v.Invariants = append(v.Invariants, CheckReplicaReads(in.History))
	return v
}

// InvariantsOK reports whether every invariant held.
func (v *Verdict) InvariantsOK() bool {
	for _, i := range v.Invariants {
		if !i.OK() {
			return false
		}
	}
	return true
}

// Explanation says in a few sentences what went wrong: the linearizability
// violation and the first violation of each invariant; "" when nothing did.
func (v *Verdict) Explanation() string {
	var parts []string
	if e := v.Linearizability.Explanation; e != "" {
		parts = append(parts, e)
	}
	for _, i := range v.Invariants {
		if !i.OK() {
			parts = append(parts, "Invariant "+i.Name+" broken: "+i.First+".")
		}
	}
	return strings.Join(parts, " ")
}

// FinalReads returns one read per key the history touches, of the final
// master's dataset (final maps KeyOf(db, key) to value; a missing key, or
// one that had expired by then, was absent), at
// virtual time at, by client "final" on node. Appended to the history they
// make a write that was acknowledged and then lost a linearizability
// violation, even in a history without reads.
func FinalReads(history []Op, final map[string]Value, node string, at int64) []Op {
	type dbKey struct {
		db  int
		key string
	}
	keys := map[string]dbKey{}
	for i := range history {
		if op := &history[i]; !op.Replica {
			keys[op.ID()] = dbKey{op.DB, op.Key}
		}
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	out := make([]Op, len(sorted))
	for i, k := range sorted {
		v, ok := final[k]
		out[i] = Op{Client: FinalClient, Node: node, Op: "get", Key: keys[k].key, DB: keys[k].db, Call: at, Return: at,
			Outcome: OK, Value: v, Null: !ok, Waited: -1}
	}
	return out
}

// lastEventOf returns the last sync of node (a snapshot loaded, a
// FULLRESYNC or CONTINUE its master answered, its promotion) at or before
// at, or else its last replication note.
func lastEventOf(timeline []Event, node string, at int64) (Event, bool) {
	var last, sync Event
	var found, synced bool
	for _, e := range timeline {
		if e.At > at {
			break
		}
		if e.IsFault() || (e.Node != node && e.Peer != node) {
			continue
		}
		last, found = e, true
		switch e.Kind {
		case "sync-done", "continue", "fullresync", "promoted":
			sync, synced = e, true
		}
	}
	if synced {
		return sync, true
	}
	return last, found
}
