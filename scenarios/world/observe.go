package world

import (
	"sort"
	"time"

	"github.com/replsim/replsim/checker"
	"github.com/replsim/replsim/model"
)

// observe.go records, while the world runs, what the checker needs for the
// replication invariants, as plain records (package checker judges them):
//
//   - prefix: each node keeps a log of its keyspace hash at each recent
//     offset it reached (model.Observer.Applied). Each time a replica
//     reports its keyspace at an offset, the hash is compared with the one
//     its master logged at the same offset; a replica linked to its master
//     got every byte up to there from it, so the two must be equal. This
//     is exact (every applied command is compared, not a sample) and cheap
//     (the hash is maintained incrementally by the engine). A node's log
//     starts again when its process starts or it loads a full-sync
//     snapshot, and keeps the last logEntriesMax offsets: a replica further
//     behind than that is counted as unpaired, not compared;
//   - offsets: a sample of every node's (replication ID, offset), taken at
//     every process start, snapshot load, change of ID and decrease, and
//     otherwise at most once a second;
//   - partial resyncs: each +CONTINUE with the master's IDs and backlog
//     window (model.Observer.Continued);
//   - faults: each fault as it was applied, with the nodes it resolved to.
//
// Under protocol sync (before Redis 2.8) offsets are not shared between a
// master and its replicas: prefix and offset records are not kept.

// logEntriesMax bounds each node's log of keyspace hashes.
const logEntriesMax = 1 << 17

type observer struct {
	nodes     map[string]*nodeLog
	samples   []checker.OffsetSample
	continues []checker.Continue
	prefix    checker.PrefixReport
	faults    []checker.Event
}

type logEntry struct {
	offset int64
	hash   uint64
	keys   int64
}

type nodeLog struct {
	entries     []logEntry // offsets increasing
	start       int        // entries before start are dropped
	incarnation int
	last        model.Applied // the last report, and whether it is sampled
	lastAt      time.Duration
	lastSampled bool
	seen        bool
}

func (o *observer) node(name string) *nodeLog {
	if o.nodes == nil {
		o.nodes = map[string]*nodeLog{}
	}
	l := o.nodes[name]
	if l == nil {
		l = &nodeLog{}
		o.nodes[name] = l
	}
	return l
}

// add logs the hash at an offset: a report at the same offset replaces the
// previous one (a master without replicas changes data without moving its
// offset); an offset below the last one starts the log again.
func (l *nodeLog) add(e logEntry) {
	if n := len(l.entries); n > l.start {
		switch last := &l.entries[n-1]; {
		case e.offset == last.offset:
			*last = e
			return
		case e.offset < last.offset:
			l.reset()
		}
	}
	if len(l.entries)-l.start >= logEntriesMax {
		l.start += logEntriesMax / 2
		if l.start >= len(l.entries)/2 {
			l.entries = append(l.entries[:0], l.entries[l.start:]...)
			l.start = 0
		}
	}
	l.entries = append(l.entries, e)
}

func (l *nodeLog) reset() {
	l.entries = l.entries[:0]
	l.start = 0
}

// find returns the entry at offset.
func (l *nodeLog) find(offset int64) (logEntry, bool) {
	es := l.entries[l.start:]
	i := sort.Search(len(es), func(i int) bool { return es[i].offset >= offset })
	if i < len(es) && es[i].offset == offset {
		return es[i], true
	}
	return logEntry{}, false
}

// Applied implements model.Observer.
func (e *env) Applied(a model.Applied) {
	n := e.n
	w := n.w
	if n.spec.Config.Protocol == model.SYNC {
		w.obs.prefix.Note = "protocol sync shares no offsets between master and replicas: nothing to compare"
		return
	}
	o := &w.obs
	l := o.node(n.Name())
	now := w.Now()
	prevIncarnation := l.incarnation
	if a.Start {
		l.incarnation++
	}
	if a.Start || a.Loaded {
		l.reset()
	}
	l.add(logEntry{offset: a.Offset, hash: a.Hash, keys: a.Keys})
	o.sampleOffset(n.Name(), l, a, prevIncarnation, now)

	eng := n.Engine
	if eng.IsMaster() || !eng.LinkUp() {
		return
	}
	m := w.Node(eng.MasterHost())
	if m == nil {
		return
	}
	me, ok := o.node(m.Name()).find(a.Offset)
	if !ok {
		o.prefix.Unpaired++
		return
	}
	o.prefix.Compared++
	if me.hash != a.Hash {
		o.prefix.MismatchCount++
		if len(o.prefix.Mismatches) < 10 {
			o.prefix.Mismatches = append(o.prefix.Mismatches, checker.PrefixMismatch{
				At: int64(now), Replica: n.Name(), Master: m.Name(), Offset: a.Offset, ReplicaKeys: a.Keys, MasterKeys: me.keys})
		}
	}
}

// sampleOffset keeps the offset samples: see the top of the file.
func (o *observer) sampleOffset(name string, l *nodeLog, a model.Applied, prevIncarnation int, now time.Duration) {
	prev := l.last
	jump := l.seen && (a.Start || a.Replid != prev.Replid || a.Offset < prev.Offset)
	if jump && !l.lastSampled {
		o.samples = append(o.samples, checker.OffsetSample{At: int64(l.lastAt), Node: name,
			Incarnation: prevIncarnation, Replid: prev.Replid, Offset: prev.Offset})
	}
	record := !l.seen || jump || a.Start || a.Loaded || now/time.Second != l.lastAt/time.Second
	if record {
		o.samples = append(o.samples, checker.OffsetSample{At: int64(now), Node: name,
			Incarnation: l.incarnation, Replid: a.Replid, Offset: a.Offset})
	}
	l.last, l.lastAt, l.lastSampled, l.seen = a, now, record, true
}

// Continued implements model.Observer.
func (e *env) Continued(c model.Continued) {
	w := e.n.w
	w.obs.continues = append(w.obs.continues, checker.Continue{
		At: int64(w.Now()), Master: e.n.Name(), Replica: c.Peer, Requested: c.Requested, Offset: c.Offset,
		Replid: c.Replid, Replid2: c.Replid2, SecondReplOffset: c.SecondReplOffset,
		Backlog: c.Backlog, BacklogFirst: c.BacklogFirst, BacklogEnd: c.BacklogEnd,
	})
}

// logFault records a fault as applied.
func (r *runner) logFault(kind, text string, d time.Duration) {
	now := r.w.Now()
	e := checker.Event{At: int64(now), Kind: kind, Text: text}
	if d > 0 {
		e.End = int64(now + d)
	}
	r.w.obs.faults = append(r.w.obs.faults, e)
}
