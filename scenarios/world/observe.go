package world

import (
	"time"

	"github.com/replsim/replsim/checker"
	"github.com/replsim/replsim/model"
)

// observe.go records, while the world runs, what the checker needs for the
// replication invariants (package checker judges them):
//
//   - prefix: every keyspace hash a node reports at an offset
//     (model.Observer.Applied) goes to a checker.PrefixLog, which compares
//     a replica's hash with its master's at the same offset. The world
//     decides what the log cannot know: when a node's history starts again
//     (its process starts, it loads a full-sync snapshot) and which master
//     a replica is linked to;
//   - offsets: a sample of every node's (replication ID, offset), taken at
//     every process start, snapshot load, change of ID and decrease, and
//     otherwise at most once a second. The world keeps this policy: the
//     samples are what it chose to record, the checker judges them
//     (checker.CheckOffsets);
//   - partial resyncs: each +CONTINUE with the master's IDs and backlog
//     window (model.Observer.Continued);
//   - faults: each fault as it was applied, with the nodes it resolved to.
//
// Under protocol sync (before Redis 2.8) offsets are not shared between a
// master and its replicas: prefix and offset records are not kept.

type observer struct {
	tracks    map[string]*offsetTrack
	samples   []checker.OffsetSample
	continues []checker.Continue
	prefix    checker.PrefixLog
	faults    []checker.Event
}

// offsetTrack is what sampleOffset remembers of one node.
type offsetTrack struct {
	incarnation int
	last        model.Applied // the last report, and whether it is sampled
	lastAt      time.Duration
	lastSampled bool
	seen        bool
}

func (o *observer) track(name string) *offsetTrack {
	if o.tracks == nil {
		o.tracks = map[string]*offsetTrack{}
	}
	tr := o.tracks[name]
	if tr == nil {
		tr = &offsetTrack{}
		o.tracks[name] = tr
	}
	return tr
}

// Applied implements model.Observer. It runs for every command a node
// applies: what it needs of other nodes is looked up once (see env).
func (e *env) Applied(a model.Applied) {
	n := e.n
	w := n.w
	o := &w.obs
	if n.spec.Config.Protocol == model.SYNC {
		o.prefix.ProtocolSync()
		return
	}
	if e.track == nil {
		e.track, e.prefix = o.track(n.Name()), o.prefix.Node(n.Name())
	}
	tr := e.track
	now := w.Now()
	prevIncarnation := tr.incarnation
	if a.Start {
		tr.incarnation++
	}
	if a.Start || a.Loaded {
		e.prefix.Reset()
	}
	e.prefix.Add(a.Offset, a.Hash, a.Keys)
	o.sampleOffset(n.Name(), tr, a, prevIncarnation, now)

	eng := n.Engine
	if eng.IsMaster() || !eng.LinkUp() {
		return
	}
	if host := eng.MasterHost(); host != e.masterHost || e.master == nil {
		e.masterHost, e.master = host, w.Node(host)
		if e.master != nil {
			e.masterLog = o.prefix.Node(e.master.Name())
		}
	}
	if m := e.master; m != nil {
		o.prefix.CompareNodes(int64(now), n.Name(), m.Name(), e.prefix, e.masterLog, a.Offset, a.Hash, a.Keys)
	}
}

// sampleOffset keeps the offset samples: see the top of the file.
func (o *observer) sampleOffset(name string, tr *offsetTrack, a model.Applied, prevIncarnation int, now time.Duration) {
	prev := tr.last
	jump := tr.seen && (a.Start || a.Replid != prev.Replid || a.Offset < prev.Offset)
	if jump && !tr.lastSampled {
		o.samples = append(o.samples, checker.OffsetSample{At: int64(tr.lastAt), Node: name,
			Incarnation: prevIncarnation, Replid: prev.Replid, Offset: prev.Offset})
	}
	record := !tr.seen || jump || a.Start || a.Loaded || now/time.Second != tr.lastAt/time.Second
	if record {
		o.samples = append(o.samples, checker.OffsetSample{At: int64(now), Node: name,
			Incarnation: tr.incarnation, Replid: a.Replid, Offset: a.Offset})
	}
	tr.last, tr.lastAt, tr.lastSampled, tr.seen = a, now, record, true
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
