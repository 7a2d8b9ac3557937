package scenarios

import (
	"maps"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/replsim/replsim/checker"
	"github.com/replsim/replsim/model"
	"github.com/replsim/replsim/scenarios/spec"
	"github.com/replsim/replsim/scenarios/world"
)

func threeNodeSpec() *spec.Spec {
	return &spec.Spec{Nodes: []spec.NodeSpec{{Name: "m1"}, {Name: "r1", ReplicaOf: "m1"}, {Name: "r2", ReplicaOf: "m1"}}}
}

// The words, on a timeline written by hand: r1's first sync is retried
// once after the master drops it for its output buffer; r2 reconnects
// partially, then needs a snapshot for lack of backlog, then is cut off
// mid-sync and starts over; after a failover the old master joins r1 with
// a full resync for another replication ID.
func TestClassifySyncs(t *testing.T) {
	at := func(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
	notes := []world.Note{
		{At: at(1), Node: "m1", Kind: model.NoteFullResync, Peer: "r1", Reason: model.ReasonNoCachedMaster},
		{At: at(1), Node: "m1", Kind: model.NoteFullResync, Peer: "r2", Reason: model.ReasonNoCachedMaster},
		{At: at(2), Node: "m1", Kind: model.NoteReplicaDropped, Peer: "r1", Reason: model.ReasonOutputBuffer},
		{At: at(2), Node: "r2", Kind: model.NoteLinkUp, Peer: "m1"},
		{At: at(3), Node: "m1", Kind: model.NoteFullResync, Peer: "r1", Reason: model.ReasonNoCachedMaster},
		{At: at(4), Node: "r1", Kind: model.NoteLinkUp, Peer: "m1"},
		{At: at(10), Node: "r2", Kind: model.NoteLinkDown, Peer: "m1"},
		{At: at(12), Node: "m1", Kind: model.NoteContinue, Peer: "r2"},
		{At: at(12), Node: "r2", Kind: model.NoteLinkUp, Peer: "m1"},
		{At: at(20), Node: "r2", Kind: model.NoteLinkDown, Peer: "m1"},
		{At: at(50), Node: "m1", Kind: model.NoteFullResync, Peer: "r2", Reason: model.ReasonBacklog},
		{At: at(51), Node: "r2", Kind: model.NoteLinkUp, Peer: "m1"},
		{At: at(60), Node: "r2", Kind: model.NoteLinkDown, Peer: "m1"},
		{At: at(61), Node: "m1", Kind: model.NoteFullResync, Peer: "r2", Reason: model.ReasonBacklog},
		{At: at(62), Node: "m1", Kind: model.NoteReplicaDropped, Peer: "r2", Reason: model.ReasonOutputBuffer},
		{At: at(63), Node: "m1", Kind: model.NoteFullResync, Peer: "r2", Reason: model.ReasonNoCachedMaster},
		{At: at(64), Node: "r2", Kind: model.NoteLinkUp, Peer: "m1"},
		{At: at(70), Node: "r1", Kind: model.NotePromoted},
		{At: at(70), Node: "r1", Kind: model.NoteFullResync, Peer: "m1", Reason: model.ReasonReplid},
		{At: at(71), Node: "m1", Kind: model.NoteLinkUp, Peer: "r1"},
	}
	sf := classifySyncs(threeNodeSpec(), notes)
	want := map[string]int64{"backlog": 1, "output-buffer": 1, "replid": 1}
	if sf.firstSyncs != 2 || sf.firstSyncRetries != 1 || sf.reconnects != 4 || sf.full != 3 || sf.partial != 1 ||
		!maps.Equal(sf.reasons, want) || sf.outageMax != at(31) {
		t.Errorf("first %d retries %d reconnects %d full %d partial %d reasons %v outage %s",
			sf.firstSyncs, sf.firstSyncRetries, sf.reconnects, sf.full, sf.partial, sf.reasons, sf.outageMax)
	}
	var kinds []string
	for _, e := range sf.events {
		kinds = append(kinds, e.Replica+" "+e.Kind+" "+e.Reason)
	}
	wantKinds := []string{"r2 first-sync ", "r1 first-sync ", "r2 link-down ", "r2 partial-resync ", "r2 link-down ",
		"r2 full-resync backlog", "r2 link-down ", "r2 full-resync output-buffer", "m1 full-resync replid"}
	if len(kinds) != len(wantKinds) {
		t.Fatalf("events %q", kinds)
	}
	for i := range kinds {
		if kinds[i] != wantKinds[i] {
			t.Errorf("event %d: %q, want %q", i, kinds[i], wantKinds[i])
		}
	}
}

// Whatever the notes, the words hold together: every reconnect is a full
// or a partial resync, every full resync has one reason, a replica has at
// most one first sync, and no outage is negative.
func TestClassifySyncsProperties(t *testing.T) {
	nodes := []string{"m1", "r1", "r2"}
	kinds := []model.NoteKind{model.NoteLinkUp, model.NoteLinkDown, model.NoteFullResync, model.NoteContinue, model.NoteReplicaDropped, model.NotePromoted}
	reasons := []string{"", model.ReasonBacklog, model.ReasonReplid, model.ReasonOutputBuffer, model.ReasonTimeout}
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 60).Draw(t, "notes")
		var notes []world.Note
		var now time.Duration
		for range n {
			now += time.Duration(rapid.IntRange(0, 5000).Draw(t, "gap")) * time.Millisecond
			notes = append(notes, world.Note{At: now, Node: rapid.SampledFrom(nodes).Draw(t, "node"),
				Kind: rapid.SampledFrom(kinds).Draw(t, "kind"), Peer: rapid.SampledFrom(nodes).Draw(t, "peer"),
				Reason: rapid.SampledFrom(reasons).Draw(t, "reason")})
		}
		sf := classifySyncs(threeNodeSpec(), notes)
		var sum int64
		for _, k := range sf.reasons {
			sum += k
		}
		if sf.reconnects != sf.full+sf.partial || sum != sf.full || sf.firstSyncs > 2 || sf.firstSyncRetries < 0 || sf.outageMax < 0 {
			t.Fatalf("reconnects %d full %d partial %d reasons %v first %d retries %d outage %s",
				sf.reconnects, sf.full, sf.partial, sf.reasons, sf.firstSyncs, sf.firstSyncRetries, sf.outageMax)
		}
		ups := 0
		for _, nt := range notes {
			if nt.Kind == model.NoteLinkUp {
				ups++
			}
		}
		firsts := 0
		for _, e := range sf.events {
			if e.Kind == SyncFirst {
				firsts++
			}
		}
		if int64(ups) != sf.reconnects+int64(firsts) {
			t.Fatalf("%d link-ups, %d reconnects and %d first syncs", ups, sf.reconnects, firsts)
		}
	})
}

// The latency figures of a hand-made history: 100 writes taking 1ms to
// 100ms, reads taking 5ms, one write without a reply (left out) and one
// refused (counted: it was answered).
func TestLatencyFigures(t *testing.T) {
	var h []checker.Op
	for i := int64(1); i <= 99; i++ {
		h = append(h, checker.Op{Op: "set", Key: "k", Outcome: checker.OK, Call: 1e9, Return: 1e9 + i*1e6})
	}
	h = append(h,
		checker.Op{Op: "set", Key: "k", Outcome: checker.Fail, Call: 0, Return: 100e6, Reply: "NOREPLICAS Not enough good replicas to write."},
		checker.Op{Op: "set", Key: "k", Outcome: checker.Unknown, Call: 0, Return: 1e12},
		checker.Op{Op: "get", Key: "k", Outcome: checker.OK, Call: 0, Return: 5e6},
		checker.Op{Op: "get", Key: "k", Outcome: checker.OK, Call: 7e6, Return: 12e6},
	)
	s := &spec.Spec{}
	wf := countWrites(s, h, map[string]checker.Value{}, nil)
	r := &Record{writes: wf}
	for name, want := range map[string]time.Duration{
		"write_latency_p50": 50 * time.Millisecond, "write_latency_p99": 99 * time.Millisecond,
		"write_latency_max": 100 * time.Millisecond,
		"read_latency_p50":  5 * time.Millisecond, "read_latency_p99": 5 * time.Millisecond, "read_latency_max": 5 * time.Millisecond,
	} {
		f, _ := FigureByName(name)
		got := time.Duration(f.value(r).Int)
		// Quantiles are to 1/64, upwards.
		if got < want || got > want+want/64 {
			t.Errorf("%s = %v, want %v (to 1/64)", name, got, want)
		}
	}
}
