package checker

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// Small hand-written histories, in porcupine's own test style: each shows
// one rule of the model or of what is checked, once legal and once not.

func w(client, op, key, value string, call, ret int64, reply string) Op {
	o := Op{Client: client, Node: "m1", Op: op, Key: key, Value: ValueOf(value), Call: call, Return: ret, Outcome: OK, Reply: reply, Waited: -1}
	if op == "get" {
		o.Value, o.Reply = ValueOf(reply), ""
	}
	return o
}

func set(c, k, v string, call, ret int64) Op { return w(c, "set", k, v, call, ret, "OK") }
func get(c, k, v string, call, ret int64) Op { return w(c, "get", k, "", call, ret, v) }
func getNil(c, k string, call, ret int64) Op {
	o := w(c, "get", k, "", call, ret, "")
	o.Null = true
	return o
}
func incr(c, k string, call, ret int64, reply string) Op {
	return w(c, "incr", k, "", call, ret, reply)
}
func appendOp(c, k, v string, call, ret int64, reply string) Op {
	return w(c, "append", k, v, call, ret, reply)
}
func del(c, k string, call, ret int64, reply string) Op { return w(c, "del", k, "", call, ret, reply) }
func unknown(o Op) Op {
	o.Outcome, o.Reply, o.Return = Unknown, "", o.Call+5
	return o
}
func failed(o Op) Op {
	o.Outcome, o.Reply = Fail, "NOREPLICAS Not enough good replicas to write."
	return o
}
func onReplica(o Op) Op {
	o.Replica, o.Node = true, "r1"
	return o
}

func TestModel(t *testing.T) {
	for _, tc := range []struct {
		name string
		h    []Op
		want string
	}{
		{"set then get", []Op{set("c1", "a", "1", 0, 10), get("c2", "a", "1", 20, 30)}, ResultOK},
		{"get of another value", []Op{set("c1", "a", "1", 0, 10), get("c2", "a", "2", 20, 30)}, ResultIllegal},
		{"get of a missing key", []Op{getNil("c1", "a", 0, 10)}, ResultOK},
		{"get of a value before any write", []Op{get("c1", "a", "1", 0, 10)}, ResultIllegal},
		{"get concurrent with a set sees the old value", []Op{set("c1", "a", "1", 0, 10), set("c1", "a", "2", 20, 40), get("c2", "a", "1", 25, 30)}, ResultOK},
		{"get concurrent with a set sees the new value", []Op{set("c1", "a", "1", 0, 10), set("c1", "a", "2", 20, 40), get("c2", "a", "2", 25, 30)}, ResultOK},
		{"stale get after the newer set returned", []Op{set("c1", "a", "1", 0, 10), set("c1", "a", "2", 20, 30), get("c2", "a", "1", 40, 50)}, ResultIllegal},
		{"intervals are closed: touching is concurrent", []Op{set("c1", "a", "1", 10, 20), getNil("c2", "a", 20, 30)}, ResultOK},
		{"a get that sees a value then its predecessor", []Op{set("c1", "a", "1", 0, 10), set("c1", "a", "2", 20, 100), get("c2", "a", "2", 30, 40), get("c2", "a", "1", 50, 60)}, ResultIllegal},

		{"incr counts from nothing", []Op{incr("c1", "n", 0, 10, "1"), incr("c2", "n", 20, 30, "2"), get("c1", "n", "2", 40, 50)}, ResultOK},
		{"incr skips a number", []Op{incr("c1", "n", 0, 10, "1"), incr("c2", "n", 20, 30, "3")}, ResultIllegal},
		{"incr twice the same reply", []Op{incr("c1", "n", 0, 10, "1"), incr("c2", "n", 20, 30, "1")}, ResultIllegal},
		{"concurrent incrs in either order", []Op{incr("c1", "n", 0, 30, "2"), incr("c2", "n", 5, 20, "1")}, ResultOK},
		{"incr of a set integer", []Op{set("c1", "n", "41", 0, 10), incr("c2", "n", 20, 30, "42")}, ResultOK},
		{"incr of a non-integer cannot succeed", []Op{set("c1", "n", "x", 0, 10), incr("c2", "n", 20, 30, "1")}, ResultIllegal},
		{"incr of 007 cannot succeed (Redis's strict integers)", []Op{set("c1", "n", "007", 0, 10), incr("c2", "n", 20, 30, "8")}, ResultIllegal},

		{"append builds the value", []Op{appendOp("c1", "s", "ab", 0, 10, "2"), appendOp("c2", "s", "c", 20, 30, "3"), get("c1", "s", "abc", 40, 50)}, ResultOK},
		{"append in the wrong order", []Op{appendOp("c1", "s", "ab", 0, 10, "2"), appendOp("c2", "s", "c", 20, 30, "3"), get("c1", "s", "cab", 40, 50)}, ResultIllegal},
		{"concurrent appends in either order", []Op{appendOp("c1", "s", "ab", 0, 30, "3"), appendOp("c2", "s", "c", 5, 20, "1"), get("c1", "s", "cab", 40, 50)}, ResultOK},
		{"append with a wrong length", []Op{set("c1", "s", "xyz", 0, 10), appendOp("c2", "s", "c", 20, 30, "1")}, ResultIllegal},

		{"del of a missing key removes none", []Op{del("c1", "a", 0, 10, "0")}, ResultOK},
		{"del of a missing key cannot remove one", []Op{del("c1", "a", 0, 10, "1")}, ResultIllegal},
		{"del then get", []Op{set("c1", "a", "1", 0, 10), del("c2", "a", 20, 30, "1"), getNil("c1", "a", 40, 50)}, ResultOK},
		{"get after del sees the old value", []Op{set("c1", "a", "1", 0, 10), del("c2", "a", 20, 30, "1"), get("c1", "a", "1", 40, 50)}, ResultIllegal},
		{"del of an existing key removes it", []Op{set("c1", "a", "1", 0, 10), del("c2", "a", 20, 30, "0")}, ResultIllegal},

		{"unknown set seen later", []Op{unknown(set("c1", "a", "1", 0, 10)), get("c2", "a", "1", 100, 110)}, ResultOK},
		{"unknown set seen long after, then not", []Op{unknown(set("c1", "a", "1", 0, 10)), getNil("c2", "a", 100, 110), get("c2", "a", "1", 200, 210)}, ResultOK},
		{"unknown set seen before its call", []Op{get("c2", "a", "1", 0, 10), unknown(set("c1", "a", "1", 20, 30))}, ResultIllegal},
		{"unknown set never seen", []Op{unknown(set("c1", "a", "1", 0, 10)), getNil("c2", "a", 100, 110)}, ResultOK},
		{"unknown set cannot happen twice", []Op{set("c0", "a", "0", 0, 5), unknown(set("c1", "a", "1", 10, 20)), get("c2", "a", "1", 30, 40), set("c3", "a", "2", 50, 60), get("c2", "a", "2", 70, 80)}, ResultOK},
		{"unknown incr may have happened", []Op{unknown(incr("c1", "n", 0, 10, "")), incr("c2", "n", 20, 30, "2")}, ResultOK},
		{"unknown incr may not have happened", []Op{unknown(incr("c1", "n", 0, 10, "")), incr("c2", "n", 20, 30, "1")}, ResultOK},
		{"unknown incr happens once", []Op{unknown(incr("c1", "n", 0, 10, "")), incr("c2", "n", 20, 30, "3")}, ResultIllegal},
		{"unknown append", []Op{unknown(appendOp("c1", "s", "x", 0, 10, "")), get("c2", "s", "x", 20, 30)}, ResultOK},
		{"unknown del", []Op{set("c1", "a", "1", 0, 10), unknown(del("c1", "a", 20, 30, "")), getNil("c2", "a", 40, 50)}, ResultOK},
		{"unknown get is dropped, whatever it says", []Op{set("c1", "a", "1", 0, 10), unknown(get("c2", "a", "garbage", 20, 30))}, ResultOK},

		{"failed set did not happen", []Op{failed(set("c1", "a", "1", 0, 10)), get("c2", "a", "1", 20, 30)}, ResultIllegal},
		{"failed set is left out", []Op{failed(set("c1", "a", "1", 0, 10)), getNil("c2", "a", 20, 30)}, ResultOK},

		{"stale replica read is not checked", []Op{set("c1", "a", "1", 0, 10), set("c1", "a", "2", 20, 30), onReplica(get("c2", "a", "1", 40, 50))}, ResultOK},
		{"lost write shows in the final read", []Op{set("c1", "a", "1", 0, 10), set("c1", "b", "2", 0, 10), getNil(FinalClient, "a", 100, 100), get(FinalClient, "b", "2", 100, 100)}, ResultIllegal},
		{"keys are independent", []Op{set("c1", "a", "1", 0, 10), set("c1", "b", "2", 20, 30), get("c2", "a", "1", 40, 50), get("c2", "b", "2", 40, 50)}, ResultOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := CheckLinearizable(tc.h, Options{})
			if l.Result != tc.want {
				t.Errorf("got %s, want %s", l.Result, tc.want)
			}
			// Windows of one operation cut wherever they can; they may
			// miss a violation at a cut but never invent one.
			lw := CheckLinearizable(tc.h, Options{WindowOps: 1})
			if tc.want == ResultOK && lw.Result != ResultOK {
				t.Errorf("in windows: got %s, want ok", lw.Result)
			}
		})
	}
}

// What was checked is counted, so the summary can say it.
func TestCheckedCounts(t *testing.T) {
	h := []Op{
		set("c1", "a", "1", 0, 10),
		unknown(set("c1", "a", "2", 20, 30)), // seen below: checked at +infinity
		unknown(set("c1", "a", "3", 40, 50)), // never seen: left out
		unknown(get("c2", "a", "2", 60, 70)), // dropped
		failed(set("c1", "b", "x", 0, 10)),   // left out
		onReplica(get("c3", "a", "1", 0, 100)),
		get("c2", "a", "2", 80, 90),
		get(FinalClient, "a", "2", 200, 200),
	}
	l := CheckLinearizable(h, Options{})
	got := [...]int{l.Keys, l.CheckedOps, l.FinalReads, l.UnknownWrites, l.UnobservedUnknownWrites, l.UnknownReadsDropped, l.FailedLeftOut, l.ReplicaReadsExcluded}
	want := [...]int{1, 4, 1, 2, 1, 1, 1, 1}
	if got != want || l.Result != ResultOK {
		t.Errorf("counts %v, want %v; result %s", got, want, l.Result)
	}
}

// A long key is checked in windows: the windows accept what the whole key
// accepts, carry concurrent writes and unknown writes across cuts, and
// still catch a read that no state at its window's start explains.
func TestWindows(t *testing.T) {
	var h []Op
	for i := int64(0); i < 40; i++ {
		v := string(rune('a' + i%26))
		h = append(h, set("c1", "k", v, i*100, i*100+10), get("c2", "k", v, i*100+20, i*100+30))
	}
	// Two concurrent sets, then a cut, then a read of either.
	h = append(h, set("c1", "k", "x", 4000, 4050), set("c2", "k", "y", 4010, 4040))
	h = append(h, get("c3", "k", "x", 4100, 4110))
	// An unknown set early, seen late.
	h = append(h, unknown(set("c4", "k", "late", 150, 160)), get("c3", "k", "late", 4200, 4210))
	l := CheckLinearizable(h, Options{WindowOps: 5})
	if l.Result != ResultOK || l.Partitions < 10 {
		t.Fatalf("windows: %s over %d partitions, want ok over many", l.Result, l.Partitions)
	}
	bad := append(append([]Op(nil), h...), get("c3", "k", "zz", 4300, 4310))
	if l := CheckLinearizable(bad, Options{WindowOps: 5}); l.Result != ResultIllegal {
		t.Errorf("a read of a value never written: %s", l.Result)
	}
	stale := append(append([]Op(nil), h...), get("c3", "k", "a", 4300, 4310))
	if l := CheckLinearizable(stale, Options{WindowOps: 5}); l.Result != ResultIllegal {
		t.Errorf("a read of a value overwritten in an earlier window: %s", l.Result)
	}

	// Unknown APPENDs cannot be left out, and carried into every later
	// window they would multiply the orders to try in each: no cut is made
	// that would carry more than a few.
	var u []Op
	for i := int64(0); i < 20; i++ {
		u = append(u, unknown(appendOp("c9", "s", "x", i, i+1, "")))
	}
	for i := int64(0); i < 200; i++ {
		u = append(u, set("c1", "s", fmt.Sprint(i), 1000+i*10, 1000+i*10+5), get("c2", "s", fmt.Sprint(i), 1000+i*10+6, 1000+i*10+8))
	}
	if l := CheckLinearizable(u, Options{WindowOps: 3, Timeout: 10 * time.Second}); l.Result != ResultOK || l.Partitions != 1 {
		t.Errorf("unknown appends: %s in %d partitions", l.Result, l.Partitions)
	}
}

// The explanation names the key, the read, the write it missed and the
// faults around them.
func TestExplanation(t *testing.T) {
	h := []Op{
		set("c1", "key:7", "9f2c1a2b3c4d5e6f", 44_000_000_000, 44_213_000_000),
		getNil(FinalClient, "key:7", 120_000_000_000, 120_000_000_000),
	}
	timeline := []Event{
		{At: 40e9, End: 60e9, Kind: "stall", Text: "stall m1<->r1,r2"},
		{At: 45e9, Kind: "failover", Text: "failover r1"},
		{At: 45e9, Kind: "promoted", Node: "r1", Offset: 123},
		{At: 61e9, Kind: "fullresync", Node: "r1", Peer: "m1", Offset: 456},
		{At: 2e9, Kind: "link-up", Node: "r1", Peer: "m1"},
	}
	v := Check(Input{History: h, Timeline: timeline}, Options{})
	e := v.Explanation()
	for _, want := range []string{"key key:7", "final read", "missing", `SET "9f2c1a2b3c4d"… by c1 on m1`, "acknowledged 44.213s",
		"40s stall m1<->r1,r2 for 20s", "45s failover r1", "r1 promoted", "FULLRESYNC"} {
		if !strings.Contains(e, want) {
			t.Errorf("explanation lacks %q:\n%s", want, e)
		}
	}
	if strings.Contains(e, "link") {
		t.Errorf("explanation names an unrelated note:\n%s", e)
	}
	// A read of a value that nothing wrote.
	v = Check(Input{History: []Op{get("c1", "k", "zz", 0, 10)}}, Options{})
	if e := v.Explanation(); !strings.Contains(e, "no write to the key wrote") {
		t.Errorf("phantom read: %s", e)
	}
	// INCR keys get porcupine's longest order.
	v = Check(Input{History: []Op{incr("c1", "n", 0, 10, "1"), incr("c2", "n", 20, 30, "3")}}, Options{})
	if e := v.Explanation(); !strings.Contains(e, "at most 1 fit one order") || !strings.Contains(e, "INCR by c2") {
		t.Errorf("incr: %s", e)
	}
}
