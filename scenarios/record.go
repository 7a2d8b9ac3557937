package scenarios

import (
	"fmt"
	"time"

	"github.com/replsim/replsim/checker"
	"github.com/replsim/replsim/model"
	"github.com/replsim/replsim/scenarios/spec"
	"github.com/replsim/replsim/scenarios/world"
)

// Record is one run: the scenario and seed, the raw facts the world
// returned, the checker's verdict, and the figures the table (figures.go)
// computes from them. summary.json, the printed summary, a sweep's row and
// the reports are views of it; none computes a figure of its own.
type Record struct {
	Spec  *spec.Spec
	Seed  uint64
	Facts *world.Facts
	// Verdict is the checker's: linearizability and the replication
	// invariants. History is the history it checked (the clients'
	// operations plus the final reads), Timeline the notes and faults.
	Verdict  *checker.Verdict
	History  []checker.Op
	Timeline []checker.Event
	// Staleness describes the stale reads; nil without any.
	Staleness *checker.Staleness
	// Figures holds every figure of the table, in its order.
	Figures Values
	// SyncEvents are the replicas' links going down and coming up, each
	// link-up classified: first-sync, full-resync or partial-resync.
	SyncEvents   []SyncEvent
	Expectations []ExpectationResult
	// OK: the invariants held and every expectation held (an inconclusive
	// linearizability check neither passes nor fails).
	OK       bool
	WallTime time.Duration
	// HistoryHTML is the file name of porcupine's visualization, once
	// written beside the other artifacts (package reports), or "".
	HistoryHTML string

	syncs     syncFigures
	writes    writeFigures
	failovers failoverFigures
	acks      ackFigures
}

// ExpectationResult is one expectation checked.
type ExpectationResult struct {
	Name string `json:"name"`
	Want string `json:"want"`
	Got  string `json:"got"`
	OK   bool   `json:"ok"`
	// Inconclusive: the linearizability check ran out of time or memory. Neither a
	// pass nor a failure: OK stays true so that it never fails a run.
	Inconclusive bool `json:"inconclusive,omitempty"`
}

// The kinds of SyncEvent.
const (
	SyncLinkDown      = "link-down"
	SyncFirst         = "first-sync"
	SyncFullResync    = "full-resync"
	SyncPartialResync = "partial-resync"
)

// SyncEvent is a replica's link going down, or coming up and how.
type SyncEvent struct {
	AtNs    int64  `json:"at_ns"`
	Replica string `json:"replica"`
	Kind    string `json:"kind"`
	// Reason is a full resync's (see the figure full_resync_reasons).
	Reason string `json:"reason,omitempty"`
}

// ReasonOutputBuffer is the reason of a full resync whose snapshot was cut
// off because the master dropped the replica for its output buffer, so
// that it started over.
const ReasonOutputBuffer = "output-buffer"

type nodeStats = model.Stats

// nodeSum sums one INFO counter over the nodes.
func (r *Record) nodeSum(f func(nodeStats) int64) Value {
	var n int64
	for _, st := range r.Facts.Nodes {
		n += f(st)
	}
	return known(n)
}

// syncFigures is the one classification of the replicas' link-ups. Words:
// a first sync is the initial full sync of a node that starts the run as a
// replica (retries included); every later link-up of a node to a master is
// a reconnect; a reconnect is a full resync when the last answer to its
// PSYNC was +FULLRESYNC (or it used SYNC), a partial resync when it was
// +CONTINUE.
type syncFigures struct {
	firstSyncs, firstSyncRetries int64
	reconnects, full, partial    int64
	reasons                      map[string]int64
	outageMax                    time.Duration
	events                       []SyncEvent
}

// replicaSync is what the classification remembers of one node.
type replicaSync struct {
	linked       bool   // its link came up once already
	answer       string // since its last link-up: "", "full" or "continue"
	reason       string // the last +FULLRESYNC's
	attempts     int64  // +FULLRESYNC answers before its first link-up
	cutMidSync   bool   // dropped for its output buffer during a full sync
	down         bool
	downAt       time.Duration
	startReplica bool // it starts the run as a replica
}

func classifySyncs(s *spec.Spec, notes []world.Note) syncFigures {
	sf := syncFigures{reasons: map[string]int64{}}
	states := map[string]*replicaSync{}
	state := func(name string) *replicaSync {
		st := states[name]
		if st == nil {
			n := s.Node(name)
			st = &replicaSync{startReplica: n != nil && n.ReplicaOf != ""}
			states[name] = st
		}
		return st
	}
	for _, n := range notes {
		switch n.Kind {
		case model.NoteFullResync:
			st := state(n.Peer)
			st.answer, st.reason = "full", n.Reason
			if !st.linked {
				st.attempts++
			}
		case model.NoteContinue:
			state(n.Peer).answer = "continue"
		case model.NoteReplicaDropped:
			if st := state(n.Peer); st.answer == "full" && n.Reason == model.ReasonOutputBuffer {
				st.cutMidSync = true
			}
		case model.NoteLinkDown:
			if st := state(n.Node); !st.down {
				st.down, st.downAt = true, n.At
				sf.events = append(sf.events, SyncEvent{AtNs: int64(n.At), Replica: n.Node, Kind: SyncLinkDown})
			}
		case model.NoteLinkUp:
			sf.linkUp(state(n.Node), n)
		}
	}
	for _, st := range states {
		if st.startReplica && st.attempts > 0 {
			sf.firstSyncs++
			sf.firstSyncRetries += st.attempts - 1
		}
	}
	return sf
}

// linkUp classifies one link-up.
func (sf *syncFigures) linkUp(st *replicaSync, n world.Note) {
	ev := SyncEvent{AtNs: int64(n.At), Replica: n.Node}
	switch {
	case !st.linked && st.startReplica:
		ev.Kind = SyncFirst
		if st.attempts == 0 {
			st.attempts = 1 // linked without a note of its sync: still one
		}
	case st.answer == "continue":
		ev.Kind = SyncPartialResync
		sf.reconnects++
		sf.partial++
	default:
		ev.Kind, ev.Reason = SyncFullResync, st.reason
		switch {
		case st.cutMidSync:
			ev.Reason = ReasonOutputBuffer
		case ev.Reason == "":
			ev.Reason = "unknown"
		}
		sf.reconnects++
		sf.full++
		sf.reasons[ev.Reason]++
	}
	if st.down {
		sf.outageMax = max(sf.outageMax, n.At-st.downAt)
		st.down = false
	}
	st.linked, st.answer, st.reason, st.cutMidSync = true, "", "", false
	sf.events = append(sf.events, ev)
}

// writeFigures are the figures of the clients' history.
type writeFigures struct {
	acked, rejected, noreplicas int64
	lost, lostWaited, stale     int64
	readLat, writeLat           checker.Latencies
}

func (w *writeFigures) add(o writeFigures) {
	w.acked += o.acked
	w.rejected += o.rejected
	w.noreplicas += o.noreplicas
	w.lost += o.lost
	w.lostWaited += o.lostWaited
	w.stale += o.stale
	w.readLat.Merge(&o.readLat)
	w.writeLat.Merge(&o.writeLat)
}

func countWrites(s *spec.Spec, h []checker.Op, final map[string]checker.Value, stale []checker.StaleRead) writeFigures {
	var wf writeFigures
	for i := range h {
		op := &h[i]
		if !op.IsWrite() {
			continue
		}
		switch op.Outcome {
		case checker.OK:
			wf.acked++
		case checker.Fail:
			wf.rejected++
			if len(op.Reply) >= 10 && op.Reply[:10] == "NOREPLICAS" {
				wf.noreplicas++
			}
		}
	}
	waitN := 1
	if s.Workload.Wait != nil && s.Workload.Wait.Replicas > 0 {
		waitN = s.Workload.Wait.Replicas
	}
	for _, op := range checker.LostWrites(h, final) {
		wf.lost++
		if op.Waited >= waitN {
			wf.lostWaited++
		}
	}
	wf.stale = int64(len(stale))
	wf.readLat, wf.writeLat = checker.LatenciesOf(h)
	return wf
}

// computeFigures fills the table's figures from the facts and the verdict.
func (r *Record) computeFigures() {
	r.Figures = make(Values, len(Figures))
	for i := range Figures {
		r.Figures[i] = Figures[i].value(r)
	}
	// The words hold together, or the classification has a bug.
	sf := &r.syncs
	var reasons int64
	for _, n := range sf.reasons {
		reasons += n
	}
	if sf.reconnects != sf.full+sf.partial || reasons != sf.full || sf.firstSyncs > int64(len(r.Spec.Nodes)) {
		panic(fmt.Sprintf("scenarios: figures disagree: reconnects %d, full %d, partial %d, reasons %d, first syncs %d",
			sf.reconnects, sf.full, sf.partial, reasons, sf.firstSyncs))
	}
}
