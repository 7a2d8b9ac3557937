package checker

import (
	"cmp"
	"slices"
)

// PrefixLog checks the prefix invariant while a run goes on: a replica
// linked to its master got every byte up to an offset from it, so its
// keyspace as of that offset must equal the master's as of the same offset.
//
// The runner feeds it: Add for every (offset, keyspace hash) a node reaches,
// Reset when a node's history starts again (its process starts, it loads a
// full-sync snapshot), and Compare each time a replica linked to a master
// reports its keyspace. Every applied offset is compared, not a sample; the
// hashes are the engine's incremental keyspace hash, so this is cheap. Each
// node keeps only its last prefixEntriesMax (131,072) offsets: a replica further
// behind its master than that is counted as unpaired, not compared.
//
// A PrefixLog runs inside the simulated world, on its goroutine: it stays
// pure (no clock, no goroutines). The zero value is ready to use.
type PrefixLog struct {
	nodes  map[string]*PrefixNode
	report PrefixReport
}

// PrefixNode is one node's log in a PrefixLog: a handle that a runner keeps
// per node, so that a report costs no lookup by name.
type PrefixNode struct {
	log hashLog
	// hint is where the last comparison of this node, as a replica, found
	// its offset in hintOf's log: a replica applies its master's stream in
	// order, so the next offset is usually the next entry.
	hint   int
	hintOf *PrefixNode
}

// prefixEntriesMax bounds each node's log of keyspace hashes.
const prefixEntriesMax = 1 << 17

// prefixMismatchesMax bounds the mismatches a report describes; it counts
// them all.
const prefixMismatchesMax = 10

// protocolSyncNote is the report's note when the run uses protocol sync.
const protocolSyncNote = "protocol sync shares no offsets between master and replicas: nothing to compare"

// ProtocolSync records that a node runs protocol sync (before Redis 2.8),
// where a master and its replicas share no offsets: the runner feeds
// nothing of that node, and the report says why.
func (p *PrefixLog) ProtocolSync() { p.report.Note = protocolSyncNote }

// Reset starts the node's log again: its history from here on has nothing
// to do with what it logged before.
func (p *PrefixLog) Reset(node string) { p.Node(node).Reset() }

// Reset is PrefixLog.Reset for this node.
func (n *PrefixNode) Reset() { n.log.reset() }

// Add logs the node's keyspace hash and key count as of offset. A report at
// the offset last logged replaces it (a master without replicas changes
// data without moving its offset); an offset below the last one starts the
// log again.
func (p *PrefixLog) Add(node string, offset int64, hash uint64, keys int64) {
	p.Node(node).Add(offset, hash, keys)
}

// Add is PrefixLog.Add for this node.
func (n *PrefixNode) Add(offset int64, hash uint64, keys int64) {
	n.log.add(hashEntry{offset: offset, hash: hash, keys: keys})
}

// Compare compares a replica's keyspace hash as of offset, reported at
// virtual time at (ns), with the hash its master logged at the same offset:
// equal, it counts as compared; different, as a mismatch too; not in the
// master's log (dropped, or never reached), as unpaired.
func (p *PrefixLog) Compare(at int64, replica, master string, offset int64, hash uint64, keys int64) {
	p.CompareNodes(at, replica, master, p.Node(replica), p.Node(master), offset, hash, keys)
}

// CompareNodes is Compare with the nodes' handles (their names are for
// the report).
func (p *PrefixLog) CompareNodes(at int64, replica, master string, rn, mn *PrefixNode, offset int64, hash uint64, keys int64) {
	me, ok := rn.find(mn, offset)
	if !ok {
		p.report.Unpaired++
		return
	}
	p.report.Compared++
	if me.hash == hash {
		return
	}
	p.report.MismatchCount++
	if len(p.report.Mismatches) < prefixMismatchesMax {
		p.report.Mismatches = append(p.report.Mismatches, PrefixMismatch{
			At: at, Replica: replica, Master: master, Offset: offset, ReplicaKeys: keys, MasterKeys: me.keys})
	}
}

// find looks offset up in the master's log: first just after and at the
// entry the last lookup of this replica found there, then by binary search.
func (n *PrefixNode) find(m *PrefixNode, offset int64) (hashEntry, bool) {
	l := &m.log
	if n.hintOf == m {
		for _, i := range [2]int{n.hint + 1, n.hint} {
			if i >= l.start && i < len(l.entries) && l.entries[i].offset == offset {
				n.hint = i
				return l.entries[i], true
			}
		}
	}
	i, ok := l.find(offset)
	if ok {
		n.hint, n.hintOf = i, m
		return l.entries[i], true
	}
	return hashEntry{}, false
}

// Report returns what the comparisons found so far.
func (p *PrefixLog) Report() PrefixReport {
	r := p.report
	r.Mismatches = slices.Clone(r.Mismatches)
	return r
}

// Node returns the node's handle, made on first use.
func (p *PrefixLog) Node(name string) *PrefixNode {
	if p.nodes == nil {
		p.nodes = map[string]*PrefixNode{}
	}
	n := p.nodes[name]
	if n == nil {
		n = &PrefixNode{}
		p.nodes[name] = n
	}
	return n
}

type hashEntry struct {
	offset int64
	hash   uint64
	keys   int64
}

// hashLog is one node's recent hashes, offsets increasing.
type hashLog struct {
	entries []hashEntry
	start   int // entries before start are dropped
}

func (l *hashLog) add(e hashEntry) {
	if n := len(l.entries); n > l.start {
		switch last := &l.entries[n-1]; {
		case e.offset == last.offset:
			*last = e
			return
		case e.offset < last.offset:
			l.reset()
		}
	}
	if len(l.entries)-l.start >= prefixEntriesMax {
		// Drop the older half; move the rest down only once the dropped
		// part is at least half the slice, so each entry moves O(1) times.
		l.start += prefixEntriesMax / 2
		if l.start >= len(l.entries)/2 {
			l.entries = append(l.entries[:0], l.entries[l.start:]...)
			l.start = 0
		}
	}
	l.entries = append(l.entries, e)
}

func (l *hashLog) reset() {
	l.entries = l.entries[:0]
	l.start = 0
}

// find returns the index in entries of the entry at offset.
func (l *hashLog) find(offset int64) (int, bool) {
	es := l.entries[l.start:]
	i, ok := slices.BinarySearchFunc(es, offset, func(e hashEntry, off int64) int { return cmp.Compare(e.offset, off) })
	return l.start + i, ok
}
