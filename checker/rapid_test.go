package checker

import (
	"fmt"
	"strconv"
	"testing"

	"pgregory.net/rapid"
)

// sequentialRun draws a history from a sequential run of a Redis-like
// store: operation i takes effect at time 10*i, somewhere inside its
// interval, in that order; its reply is what the store answered. Some
// operations end with an unknown outcome (applied or not, at random);
// INCR of a value that is not an integer fails, as in Redis.
func sequentialRun(t *rapid.T) []Op {
	keys := rapid.IntRange(1, 3).Draw(t, "keys")
	n := rapid.IntRange(1, 50).Draw(t, "ops")
	store := map[string]string{}
	var h []Op
	for i := 0; i < n; i++ {
		point := int64(10 * (i + 1))
		op := Op{
			Client: fmt.Sprintf("c%d", rapid.IntRange(1, 4).Draw(t, "client")),
			Node:   "m1",
			Op:     rapid.SampledFrom([]string{"set", "get", "get", "incr", "append", "del"}).Draw(t, "op"),
			Key:    fmt.Sprintf("k%d", rapid.IntRange(0, keys-1).Draw(t, "key")),
			Call:   point - int64(rapid.IntRange(0, 25).Draw(t, "before")),
			Return: point + int64(rapid.IntRange(0, 25).Draw(t, "after")),
			Waited: -1,
		}
		// 18: unknown outcome, applied; 19: unknown, not applied (rapid
		// draws and shrinks towards 0: ok).
		outcome := rapid.IntRange(0, 19).Draw(t, "outcome")
		applied := outcome != 19
		old, exists := store[op.Key]
		op.Outcome = OK
		switch op.Op {
		case "set":
			v := fmt.Sprintf("v%d", i)
			op.Value, op.Reply = ValueOf(v), "OK"
			if applied {
				store[op.Key] = v
			}
		case "get":
			op.Value, op.Null = ValueOf(old), !exists
		case "incr":
			v := int64(0)
			if exists {
				var err error
				if v, err = parseRedisIntString(old); err != nil {
					op.Outcome, op.Reply = Fail, "ERR value is not an integer or out of range"
					break
				}
			}
			op.Reply = strconv.FormatInt(v+1, 10)
			if applied {
				store[op.Key] = op.Reply
			}
		case "append":
			a := fmt.Sprintf("a%d", i)
			op.Value, op.Reply = ValueOf(a), strconv.Itoa(len(old)+len(a))
			if applied {
				store[op.Key] = old + a
			}
		case "del":
			op.Reply = "0"
			if exists {
				op.Reply = "1"
			}
			if applied {
				delete(store, op.Key)
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
	return h
}

// Histories of a sequential store are linearizable, whole or in windows.
func TestSequentialRunsAreLinearizable(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := sequentialRun(t)
		if l := CheckLinearizable(h, Options{}); l.Result != ResultOK {
			t.Fatalf("result %s: %s", l.Result, l.Explanation)
		}
		window := rapid.IntRange(1, 10).Draw(t, "window")
		if l := CheckLinearizable(h, Options{WindowOps: window}); l.Result != ResultOK {
			t.Fatalf("in windows of %d: result %s", window, l.Result)
		}
	})
}

// Changing the result of one read to a value no operation can produce is
// caught, and explained.
func TestMutatedReadIsCaught(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := sequentialRun(t)
		var reads []int
		for i, op := range h {
			if op.Op == "get" && op.Outcome == OK {
				reads = append(reads, i)
			}
		}
		if len(reads) == 0 {
			t.Skip("no read")
		}
		i := rapid.SampledFrom(reads).Draw(t, "read")
		h[i].Value, h[i].Null = ValueOf("MUTATED"), false
		l := CheckLinearizable(h, Options{})
		if l.Result != ResultIllegal || len(l.IllegalKeys) != 1 || l.IllegalKeys[0] != h[i].Key {
			t.Fatalf("result %s on keys %v, want illegal on %s", l.Result, l.IllegalKeys, h[i].Key)
		}
		l.Explain(nil)
		if l.Explanation == "" {
			t.Fatal("no explanation")
		}
	})
}
