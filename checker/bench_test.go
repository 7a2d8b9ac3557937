package checker

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"testing"
	"time"
)

// clientsHistory is a linearizable history of n operations (60% SET, 40%
// GET) over keys keys from clients clients, each one operation at a time
// with 0.1-2 ms per operation and up to 1 ms between them; each operation
// takes effect at a random point of its interval.
func clientsHistory(n, keys, clients int, seed uint64) []Op {
	rng := rand.New(rand.NewPCG(seed, 1))
	type pending struct {
		op    Op
		point int64
	}
	ops := make([]pending, 0, n)
	clock := make([]int64, clients)
	for i := 0; i < n; i++ {
		c := rng.IntN(clients)
		call := clock[c] + rng.Int64N(int64(time.Millisecond))
		ret := call + int64(100*time.Microsecond) + rng.Int64N(int64(1900*time.Microsecond))
		clock[c] = ret
		op := Op{Client: "c" + strconv.Itoa(c+1), Node: "m1", Key: fmt.Sprintf("key:%010d", rng.IntN(keys)),
			Call: call, Return: ret, Outcome: OK, Waited: -1, Op: "get"}
		if rng.IntN(10) < 6 {
			op.Op, op.Value, op.Reply = "set", ValueOf(strconv.FormatUint(rng.Uint64(), 16)), "OK"
		}
		ops = append(ops, pending{op, call + rng.Int64N(ret-call+1)})
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].point < ops[j].point })
	store := map[string]Value{}
	h := make([]Op, len(ops))
	for i, p := range ops {
		op := p.op
		if op.Op == "set" {
			store[op.Key] = op.Value
		} else {
			op.Value, op.Null = store[op.Key], store[op.Key] == Value{}
		}
		h[i] = op
	}
	return h
}

// BenchmarkCheck: 100,000 operations over 10,000 keys from 16 clients. Run
// with -cpu 1 for the one-core figure.
func BenchmarkCheck(b *testing.B) {
	h := clientsHistory(100_000, 10_000, 16, 1)
	b.ResetTimer()
	for b.Loop() {
		if l := CheckLinearizable(h, Options{}); l.Result != ResultOK {
			b.Fatalf("result %s", l.Result)
		}
	}
	b.ReportMetric(float64(len(h)), "ops/check")
}

// BenchmarkCheckHotKey: 100,000 operations on 10 keys from 16 clients,
// checked in windows.
func BenchmarkCheckHotKey(b *testing.B) {
	h := clientsHistory(100_000, 10, 16, 2)
	b.ResetTimer()
	for b.Loop() {
		if l := CheckLinearizable(h, Options{}); l.Result != ResultOK {
			b.Fatalf("result %s", l.Result)
		}
	}
}

func TestClientsHistoryIsLinearizable(t *testing.T) {
	h := clientsHistory(20_000, 2_000, 16, 3)
	start := time.Now()
	l := CheckLinearizable(h, Options{})
	if l.Result != ResultOK || l.CheckedOps != len(h) || l.Keys != 2_000 {
		t.Fatalf("result %s, %d ops over %d keys", l.Result, l.CheckedOps, l.Keys)
	}
	t.Logf("%d operations over %d keys in %s", len(h), l.Keys, time.Since(start))
}
