package checker

import (
	"fmt"
	"strconv"
	"testing"

	"pgregory.net/rapid"
)

const ms = int64(1e6)

// The KV model knows a key's time to live: a read after the latest
// possible deadline must find the key gone, one before the earliest must
// find it, one whose interval meets the deadline's may find either; a plain
// SET clears the time to live; EXPIRE's reply says whether the key was
// there; a key in another database is another key; the SETs of one
// MULTI/EXEC block share its interval.
func TestExpiryModel(t *testing.T) {
	set := func(key, v string, call, ret, ttl int64) Op {
		return Op{Client: "c1", Op: "set", Key: key, Value: ValueOf(v), Call: call, Return: ret, Outcome: OK, Reply: "OK", TTLMs: ttl}
	}
	get := func(key, v string, call, ret int64) Op {
		return Op{Client: "c2", Op: "get", Key: key, Value: ValueOf(v), Null: v == "", Call: call, Return: ret, Outcome: OK}
	}
	expire := func(key string, reply string, call, ret, ttl int64) Op {
		return Op{Client: "c1", Op: "expire", Key: key, Call: call, Return: ret, Outcome: OK, Reply: reply, TTLMs: ttl}
	}
	inDB := func(op Op, db int) Op { op.DB = db; return op }
	for _, tc := range []struct {
		name string
		h    []Op
		want string
	}{
		{"read after the deadline finds nil", []Op{set("k", "a", 0, ms, 100), get("k", "", 200*ms, 201*ms)}, ResultOK},
		{"read after the deadline finds the value", []Op{set("k", "a", 0, ms, 100), get("k", "a", 200*ms, 201*ms)}, ResultIllegal},
		{"read before the deadline finds nil", []Op{set("k", "a", 0, ms, 100), get("k", "", 50*ms, 51*ms)}, ResultIllegal},
		{"read before the deadline finds the value", []Op{set("k", "a", 0, ms, 100), get("k", "a", 50*ms, 51*ms)}, ResultOK},
		{"read at the deadline may find nil", []Op{set("k", "a", 0, ms, 100), get("k", "", 100*ms, 100*ms+1)}, ResultOK},
		{"read at the deadline may find the value", []Op{set("k", "a", 0, ms, 100), get("k", "a", 100*ms, 100*ms+1)}, ResultOK},
		{"a slow SET moves the deadline late", []Op{set("k", "a", 0, 80*ms, 100), get("k", "a", 150*ms, 151*ms)}, ResultOK},
		{"an unknown SET has no latest deadline", []Op{{Client: "c1", Op: "set", Key: "k", Value: ValueOf("a"), Call: 0, Outcome: Unknown, TTLMs: 100}, get("k", "a", 900*ms, 901*ms)}, ResultOK},
		{"an unknown SET with a TTL explains a nil", []Op{set("k", "a", 0, ms, 0), {Client: "c3", Op: "set", Key: "k", Value: ValueOf("b"), Call: 2 * ms, Outcome: Unknown, TTLMs: 10}, get("k", "", 900*ms, 901*ms)}, ResultOK},
		{"a plain SET clears the TTL", []Op{set("k", "a", 0, ms, 100), set("k", "b", 10*ms, 11*ms, 0), get("k", "", 300*ms, 301*ms)}, ResultIllegal},
		{"a plain SET keeps no TTL", []Op{set("k", "a", 0, ms, 100), set("k", "b", 10*ms, 11*ms, 0), get("k", "b", 300*ms, 301*ms)}, ResultOK},
		{"EXPIRE on a key", []Op{set("k", "a", 0, ms, 0), expire("k", "1", 10*ms, 11*ms, 50), get("k", "a", 40*ms, 41*ms), get("k", "", 70*ms, 71*ms)}, ResultOK},
		{"EXPIRE on a key replies 0", []Op{set("k", "a", 0, ms, 0), expire("k", "0", 10*ms, 11*ms, 50)}, ResultIllegal},
		{"EXPIRE on a missing key", []Op{expire("k", "0", 10*ms, 11*ms, 50), get("k", "", 20*ms, 21*ms)}, ResultOK},
		{"EXPIRE on an expired key replies 0", []Op{set("k", "a", 0, ms, 10), expire("k", "0", 30*ms, 31*ms, 50)}, ResultOK},
		{"EXPIRE on an expired key replies 1", []Op{set("k", "a", 0, ms, 10), expire("k", "1", 30*ms, 31*ms, 50)}, ResultIllegal},
		{"INCR keeps the TTL", []Op{{Client: "c1", Op: "incr", Key: "n", Call: 0, Return: ms, Outcome: OK, Reply: "1"}, expire("n", "1", 2*ms, 3*ms, 10),
			{Client: "c1", Op: "incr", Key: "n", Call: 4 * ms, Return: 5 * ms, Outcome: OK, Reply: "2"}, get("n", "", 30*ms, 31*ms)}, ResultOK},
		{"DEL of an expired key removes nothing", []Op{set("k", "a", 0, ms, 10), {Client: "c1", Op: "del", Key: "k", Call: 30 * ms, Return: 31 * ms, Outcome: OK, Reply: "1"}}, ResultIllegal},
		{"databases are apart", []Op{set("k", "a", 0, ms, 0), inDB(get("k", "", 5*ms, 6*ms), 1)}, ResultOK},
		{"databases are apart: a wrong read", []Op{inDB(set("k", "a", 0, ms, 0), 2), inDB(get("k", "", 5*ms, 6*ms), 2)}, ResultIllegal},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := CheckLinearizable(tc.h, Options{})
			if l.Result != tc.want {
				t.Fatalf("result %s, want %s", l.Result, tc.want)
			}
		})
	}
}

// expiringRun draws a history from a sequential run of a store with a
// millisecond clock and Redis 7.0's rules for times to live (a key is gone
// once the clock reaches its deadline), over two databases, with MULTI/EXEC
// blocks of SETs that take effect together. Operations end with an unknown
// outcome now and then (applied or not).
func expiringRun(t *rapid.T) []Op {
	type entry struct {
		val      string
		deadline int64 // ms, 0: none
	}
	store := map[string]entry{}
	var h []Op
	now := int64(0)
	n := rapid.IntRange(1, 40).Draw(t, "ops")
	for i := 0; i < n; i++ {
		now += int64(rapid.IntRange(1, 30_000_000).Draw(t, "gap"))
		nowMs := now / ms
		before, after := int64(rapid.IntRange(0, 5_000_000).Draw(t, "before")), int64(rapid.IntRange(0, 5_000_000).Draw(t, "after"))
		outcome := rapid.IntRange(0, 19).Draw(t, "outcome")
		applied := outcome != 19
		block := 1
		name := rapid.SampledFrom([]string{"set", "set-ttl", "get", "get", "expire", "del", "incr", "multi"}).Draw(t, "op")
		if name == "multi" {
			block = rapid.IntRange(2, 3).Draw(t, "block")
		}
		for b := 0; b < block; b++ {
			op := Op{Client: fmt.Sprintf("c%d", i%3), Node: "m1", Op: name, DB: rapid.IntRange(0, 1).Draw(t, "db"),
				Key: "k" + strconv.Itoa(rapid.IntRange(0, 1).Draw(t, "key")), Call: now - before, Return: now + after, Waited: -1, Outcome: OK}
			id := op.ID()
			e, exists := store[id]
			if exists && e.deadline != 0 && nowMs >= e.deadline {
				delete(store, id)
				e, exists = entry{}, false
			}
			switch name {
			case "set", "set-ttl", "multi":
				op.Op = "set"
				op.Value, op.Reply = ValueOf(fmt.Sprintf("v%d.%d", i, b)), "OK"
				if name == "multi" {
					op.Block = i + 1
				}
				ne := entry{val: op.Value.Head()}
				if name == "set-ttl" {
					op.TTLMs = int64(rapid.IntRange(1, 60).Draw(t, "ttl"))
					ne.deadline = nowMs + op.TTLMs
				}
				if applied {
					store[id] = ne
				}
			case "get":
				op.Value, op.Null = ValueOf(e.val), !exists
			case "expire":
				op.TTLMs = int64(rapid.IntRange(1, 60).Draw(t, "ttl"))
				op.Reply = "0"
				if exists {
					op.Reply = "1"
					if applied {
						store[id] = entry{val: e.val, deadline: nowMs + op.TTLMs}
					}
				}
			case "del":
				op.Reply = "0"
				if exists {
					op.Reply = "1"
					if applied {
						delete(store, id)
					}
				}
			case "incr":
				v := int64(0)
				if exists {
					var err error
					if v, err = parseRedisIntString(e.val); err != nil {
						op.Outcome, op.Reply = Fail, "ERR value is not an integer or out of range"
						break
					}
				}
				op.Reply = strconv.FormatInt(v+1, 10)
				if applied {
					store[id] = entry{val: op.Reply, deadline: e.deadline}
				}
			}
			if outcome >= 18 && op.Outcome == OK {
				op.Outcome, op.Reply, op.Null = Unknown, "", false
				if op.Op == "get" {
					op.Value = Value{}
				}
			}
			h = append(h, op)
		}
	}
	return h
}

// Histories of a sequential store with expiry are linearizable: the model
// never reports a false violation for times to live, databases or blocks.
func TestExpiringRunsAreLinearizable(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := expiringRun(t)
		if l := CheckLinearizable(h, Options{}); l.Result != ResultOK {
			l.Explain(nil)
			t.Fatalf("result %s: %s", l.Result, l.Explanation)
		}
		if lost := LostWrites(h, finalOf(h)); len(lost) > 0 {
			t.Fatalf("%d lost writes in a sequential run, first %+v", len(lost), lost[0])
		}
	})
}

// finalOf is the final dataset a sequential run left: the last applied
// write of each key that only definite plain SETs touched.
func finalOf(h []Op) map[string]Value {
	final := map[string]Value{}
	for _, op := range h {
		if op.Op == "set" && op.Outcome == OK && !op.Expires() {
			final[op.ID()] = op.Value
		}
	}
	return final
}
