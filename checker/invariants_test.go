package checker

import (
	"strings"
	"testing"
)

func TestCheckOffsets(t *testing.T) {
	s := []OffsetSample{
		{At: 1, Node: "r1", Incarnation: 1, Replid: "aaaa", Offset: 100},
		{At: 2, Node: "r1", Incarnation: 1, Replid: "aaaa", Offset: 200},
		{At: 3, Node: "r1", Incarnation: 1, Replid: "bbbb", Offset: 50},  // another history
		{At: 4, Node: "r1", Incarnation: 2, Replid: "aaaa", Offset: 150}, // after a restart
		{At: 5, Node: "m1", Incarnation: 1, Replid: "aaaa", Offset: 10},  // another node
	}
	if inv := CheckOffsets(s); !inv.OK() || inv.Checked != 5 {
		t.Errorf("legal samples: %+v", inv)
	}
	s = append(s, sample(6e9, "r1", 1, "aaaa", 199))
	inv := CheckOffsets(s)
	if inv.Violations != 1 || !strings.Contains(inv.First, "r1: offset 199 at 6s under replid aaaa, back from 200") {
		t.Errorf("a step back: %+v", inv)
	}
}

func sample(at int64, node string, inc int, replid string, off int64) OffsetSample {
	return OffsetSample{At: at, Node: node, Incarnation: inc, Replid: replid, Offset: off}
}

func TestCheckContinues(t *testing.T) {
	ok := Continue{Master: "m1", Replica: "r1", Requested: "AAAA", Offset: 100, Replid: "aaaa", Replid2: "0000",
		SecondReplOffset: -1, Backlog: true, BacklogFirst: 1, BacklogEnd: 101}
	second := ok
	second.Requested, second.Replid, second.Replid2, second.SecondReplOffset = "aaaa", "bbbb", "aaaa", 100
	if inv := CheckContinues([]Continue{ok, second}); !inv.OK() || inv.Checked != 2 {
		t.Errorf("legal: %+v", inv)
	}
	trimmed := ok
	trimmed.BacklogFirst = 101
	beyond := second
	beyond.SecondReplOffset = 99
	none := ok
	none.Backlog = false
	inv := CheckContinues([]Continue{trimmed, beyond, none})
	if inv.Violations != 3 || !strings.Contains(inv.First, "m1 accepted r1's PSYNC AAAA 100 at 0s, but its backlog held offsets 101..101") {
		t.Errorf("illegal: %+v", inv)
	}
}

func TestCheckReplicaReads(t *testing.T) {
	h := []Op{
		set("c1", "a", "1", 0, 10),
		onReplica(get("c2", "a", "1", 5, 8)),    // concurrent with its write
		onReplica(getNil("c2", "a", 20, 30)),    // stale: allowed
		onReplica(get("c2", "a", "1", 40, 50)),  // fine
		appendOp("c1", "s", "x", 0, 10, "1"),    // append keys are left out
		onReplica(get("c2", "s", "zz", 40, 50)), //
	}
	if inv := CheckReplicaReads(h); !inv.OK() || inv.Checked != 2 {
		t.Errorf("legal: %+v", inv)
	}
	h = append(h, onReplica(get("c3", "a", "2", 60, 70)), set("c1", "a", "3", 100, 110), onReplica(get("c3", "a", "3", 80, 90)))
	h = append(h, failed(set("c1", "a", "4", 0, 10)), onReplica(get("c3", "a", "4", 80, 90)))
	inv := CheckReplicaReads(h)
	if inv.Violations != 3 || !strings.Contains(inv.First, "no write to the key wrote") {
		t.Errorf("phantoms: %+v", inv)
	}
	if inv := CheckReplicaReads(h[:1]); inv.Checked != 0 || !inv.OK() {
		t.Errorf("no replica reads: %+v", inv)
	}
}

func TestCheckPrefix(t *testing.T) {
	inv := CheckPrefix(PrefixReport{Compared: 10, MismatchCount: 2, Mismatches: []PrefixMismatch{{At: 3e9, Replica: "r1", Master: "m1", Offset: 77, ReplicaKeys: 3, MasterKeys: 4}}})
	if inv.OK() || inv.Checked != 10 || inv.First != "r1 at 3s: its keyspace at offset 77 differs from m1's at the same offset (3 keys against 4)" {
		t.Errorf("%+v", inv)
	}
}

func TestFinalReadsAndStaleness(t *testing.T) {
	h := []Op{set("c1", "b", "2", 0, 10), set("c1", "a", "1", 0, 10), onReplica(get("c2", "z", "", 0, 1))}
	fr := FinalReads(h, map[string]Value{"a": ValueOf("1")}, "m1", 99)
	if len(fr) != 2 || fr[0].Key != "a" || fr[0].Value != ValueOf("1") || !fr[1].Null || fr[1].Call != 99 || fr[1].Client != FinalClient {
		t.Errorf("final reads %+v", fr)
	}
	st := StalenessOf([]StaleRead{{ByNs: 30}, {ByNs: 10}, {ByNs: 20, Read: Op{LagBytes: 500}}})
	if st.Count != 3 || st.TimeNs != (Dist{P50: 20, P90: 30, P99: 30, Max: 30}) || st.LagByte.Max != 500 {
		t.Errorf("staleness %+v", st)
	}
}

// A prefix violation names the replica's last sync before it.
func TestPrefixViolationNamesTheLastSync(t *testing.T) {
	timeline := []Event{
		{At: 1e9, Kind: "sync-done", Node: "r1", Peer: "m1", Offset: 10},
		{At: 1e9, Kind: "link-up", Node: "r1", Peer: "m1", Offset: 10},
		{At: 2e9, Kind: "disconnect", Text: "disconnect m1<->r1"},
		{At: 9e9, Kind: "sync-done", Node: "r1", Peer: "m1", Offset: 99},
	}
	rep := PrefixReport{Compared: 5, MismatchCount: 1, Mismatches: []PrefixMismatch{{At: 3e9, Replica: "r1", Master: "m1", Offset: 20, ReplicaKeys: 1, MasterKeys: 1}}}
	v := Check(Input{Timeline: timeline, Prefix: &rep, Offsets: []OffsetSample{}}, Options{})
	if v.InvariantsOK() || !strings.Contains(v.Explanation(), "last replication event before it: 1s r1 loaded the snapshot of m1 at offset 10.") {
		t.Errorf("%s", v.Explanation())
	}
}
