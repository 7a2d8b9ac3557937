package checker

import (
	"fmt"
	"strings"
)

// invariants.go: the replication invariants checked on every run. The
// runner hands over plain records (offset samples, the PSYNC decisions with
// the master's backlog window, the prefix comparisons); the functions here
// judge them.

// Invariant is one replication invariant and how it fared.
type Invariant struct {
	Name string `json:"name"`
	// Checked counts what was checked (samples, partial resyncs, pairs,
	// reads); Violations the ones that broke the invariant.
	Checked    int64 `json:"checked"`
	Violations int64 `json:"violations"`
	// First describes the first violation.
	First string `json:"first,omitempty"`
	// Note says what was not checked and why.
	Note string `json:"note,omitempty"`
}

// OK reports whether the invariant held.
func (i Invariant) OK() bool { return i.Violations == 0 }

// Merge adds the counts of o, the same invariant checked on another part
// of the records, keeping the first violation seen.
func (i *Invariant) Merge(o Invariant) {
	if i.Violations == 0 && o.Violations > 0 {
		i.First = o.First
	}
	i.Checked += o.Checked
	i.Violations += o.Violations
	if i.Note == "" {
		i.Note = o.Note
	}
}

func (i *Invariant) violate(text string) {
	if i.Violations == 0 {
		i.First = text
	}
	i.Violations++
}

// Names of the invariants.
const (
	InvPrefix       = "prefix"
	InvOffsets      = "offsets-monotonic"
	InvPsyncWindow  = "partial-resync-in-backlog"
	InvReplicaReads = "replica-reads-from-the-past"
)

// OffsetSample is a node's replication offset at one moment. The runner
// records one at every process start, every change of replication ID,
// every decrease, and otherwise at most one a second per node.
type OffsetSample struct {
	At   int64  `json:"at"`
	Node string `json:"node"`
	// Incarnation counts the node's process starts: a restart begins a
	// new history.
	Incarnation int    `json:"incarnation"`
	Replid      string `json:"replid"`
	Offset      int64  `json:"offset"`
}

// CheckOffsets checks that within one process of a node, the offset under
// one replication ID never decreases.
func CheckOffsets(samples []OffsetSample) Invariant {
	inv := Invariant{Name: InvOffsets, Checked: int64(len(samples))}
	type key struct {
		node        string
		incarnation int
		replid      string
	}
	top := map[key]OffsetSample{}
	for _, s := range samples {
		k := key{s.Node, s.Incarnation, s.Replid}
		prev, ok := top[k]
		if ok && s.Offset < prev.Offset {
			inv.violate(fmt.Sprintf("%s: offset %d at %s under replid %s, back from %d at %s",
				s.Node, s.Offset, fmtTime(s.At), shortID(s.Replid), prev.Offset, fmtTime(prev.At)))
			continue
		}
		top[k] = s
	}
	return inv
}

// Continue is a partial resynchronization a master accepted (+CONTINUE),
// with the master's state at that moment.
type Continue struct {
	At      int64  `json:"at"`
	Master  string `json:"master"`
	Replica string `json:"replica"`
	// Requested and Offset are the PSYNC's replication ID and offset (the
	// first byte the replica is missing).
	Requested string `json:"requested"`
	Offset    int64  `json:"offset"`
	// The master's replication IDs: a request for Replid2 is valid up to
	// SecondReplOffset.
	Replid           string `json:"replid"`
	Replid2          string `json:"replid2"`
	SecondReplOffset int64  `json:"second_repl_offset"`
	// Backlog: whether the master had one; the offsets a PSYNC may ask for
	// are BacklogFirst (repl_backlog_first_byte_offset) through BacklogEnd
	// (master_repl_offset + 1).
	Backlog      bool  `json:"backlog"`
	BacklogFirst int64 `json:"backlog_first"`
	BacklogEnd   int64 `json:"backlog_end"`
}

// CheckContinues checks that every partial resync asked for a history the
// master has (its replication ID, or its previous one up to where it
// diverged) and an offset inside its backlog.
func CheckContinues(cs []Continue) Invariant {
	inv := Invariant{Name: InvPsyncWindow, Checked: int64(len(cs))}
	for _, c := range cs {
		head := fmt.Sprintf("%s accepted %s's PSYNC %s %d at %s", c.Master, c.Replica, shortID(c.Requested), c.Offset, fmtTime(c.At))
		switch {
		case !c.Backlog:
			inv.violate(head + " without a backlog")
		case c.Offset < c.BacklogFirst || c.Offset > c.BacklogEnd:
			inv.violate(fmt.Sprintf("%s, but its backlog held offsets %d..%d", head, c.BacklogFirst, c.BacklogEnd))
		case strings.EqualFold(c.Requested, c.Replid):
		case strings.EqualFold(c.Requested, c.Replid2) && c.Offset <= c.SecondReplOffset:
		default:
			inv.violate(fmt.Sprintf("%s, but its histories are %s and %s up to %d", head, shortID(c.Replid), shortID(c.Replid2), c.SecondReplOffset))
		}
	}
	return inv
}

// PrefixReport is what a PrefixLog found comparing, each time a replica
// applied the stream up to an offset, the replica's keyspace with its
// master's keyspace as of the same offset.
type PrefixReport struct {
	// Compared pairs; Unpaired offsets for which the master's hash was no
	// longer (or never) kept.
	Compared int64 `json:"compared"`
	Unpaired int64 `json:"unpaired"`
	// Mismatches are the first few pairs that differ, of MismatchCount.
	Mismatches    []PrefixMismatch `json:"mismatches,omitempty"`
	MismatchCount int64            `json:"mismatch_count"`
	// Note says why nothing was compared, when so.
	Note string `json:"note,omitempty"`
}

// PrefixMismatch is a replica whose keyspace at an offset differs from its
// master's at the same offset.
type PrefixMismatch struct {
	At      int64  `json:"at"`
	Replica string `json:"replica"`
	Master  string `json:"master"`
	Offset  int64  `json:"offset"`
	// Keys in the replica and in the master at that offset.
	ReplicaKeys int64 `json:"replica_keys"`
	MasterKeys  int64 `json:"master_keys"`
}

// CheckPrefix judges the runner's prefix comparisons.
func CheckPrefix(r PrefixReport) Invariant {
	inv := Invariant{Name: InvPrefix, Checked: r.Compared, Violations: r.MismatchCount, Note: r.Note}
	if len(r.Mismatches) > 0 {
		m := r.Mismatches[0]
		keys := fmt.Sprintf("%d keys against %d", m.ReplicaKeys, m.MasterKeys)
		if m.ReplicaKeys == m.MasterKeys {
			keys = fmt.Sprintf("%d keys on both, different data", m.MasterKeys)
		}
		inv.First = fmt.Sprintf("%s at %s: its keyspace at offset %d differs from %s's at the same offset (%s)",
			m.Replica, fmtTime(m.At), m.Offset, m.Master, keys)
	}
	return inv
}

// CheckReplicaReads checks reads served by replicas against a weaker model
// than linearizability: a replica may serve any past state, but only a
// past one. Every value a replica read returns must have been written to
// the key by a write that did not fail and was called before the read
// returned. Keys that APPEND or INCR touch are left out (their values are
// not single writes).
func CheckReplicaReads(h []Op) Invariant {
	inv := Invariant{Name: InvReplicaReads}
	mixed := map[string]bool{}
	any := false
	for i := range h {
		op := &h[i]
		if op.Op == "append" || op.Op == "incr" {
			mixed[op.ID()] = true
		}
		any = any || op.Replica
	}
	if !any {
		return inv
	}
	type kv struct {
		key   string
		value Value
	}
	firstCall := map[kv]int64{}
	for i := range h {
		op := &h[i]
		if op.Op != "set" || op.Outcome == Fail {
			continue
		}
		k := kv{op.ID(), op.Value}
		if c, ok := firstCall[k]; !ok || op.Call < c {
			firstCall[k] = op.Call
		}
	}
	for i := range h {
		r := &h[i]
		if !r.Replica || r.Op != "get" || r.Outcome != OK || r.Null || mixed[r.ID()] {
			continue
		}
		inv.Checked++
		c, ok := firstCall[kv{r.ID(), r.Value}]
		switch {
		case !ok:
			inv.violate(fmt.Sprintf("key %s: %s %s, a value no write to the key wrote", r.Key, describe(r), observed(r)))
		case c > r.Return:
			inv.violate(fmt.Sprintf("key %s: %s %s, written by a SET called only at %s", r.Key, describe(r), observed(r), fmtTime(c)))
		}
	}
	return inv
}

func shortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}
