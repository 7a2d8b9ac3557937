package world

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/replsim/replsim/model"
	"github.com/replsim/replsim/sim"
)

// threeNodes is one master and two replicas on a 1 Gbit/s LAN.
func threeNodes(seed uint64) Options {
	m := model.DefaultConfig()
	r := m
	r.ReplicaOfHost, r.ReplicaOfPort = "m1", 6379
	return Options{
		Seed:  seed,
		Nodes: []NodeSpec{{"m1", m}, {"r1", r}, {"r2", r}},
		Link:  sim.LinkConfig{Latency: 250 * time.Microsecond, Jitter: 50 * time.Microsecond, BandwidthBytesPerSec: 125_000_000},
	}
}

// writers starts k clients that each SET 100-byte values in a closed loop
// until total writes have been acknowledged.
func writers(w *World, k, total int) *int { return pipelinedWriters(w, k, 1, total) }

// pipelinedWriters is writers with up to depth commands in flight per client.
func pipelinedWriters(w *World, k, depth, total int) *int {
	acked := new(int)
	sent := 0
	val := []byte(strings.Repeat("v", 100))
	keys := make([][]byte, 10000)
	for i := range keys {
		keys[i] = []byte(fmt.Sprintf("key:%012d", i))
	}
	for i := 0; i < k; i++ {
		c := w.NewClient(fmt.Sprintf("c%d", i+1), sim.Addr{Host: "m1", Port: 6379})
		c.Pipeline = depth
		next := func() {
			for sent < total && c.Ready() {
				sent++
				c.Do(setCmd, keys[sent%len(keys)], val)
			}
		}
		c.OnConnect = next
		c.OnReply = func(call *Call) {
			if !call.Broken {
				*acked++
			}
			next()
		}
	}
	return acked
}

func TestReplicatesOverTheSimulatedNetwork(t *testing.T) {
	w, err := New(threeNodes(1))
	if err != nil {
		t.Fatal(err)
	}
	w.Run(10*time.Second, nil)
	acked := writers(w, 4, 2000)
	w.Run(20*time.Second, nil)
	if *acked != 2000 {
		t.Fatalf("%d writes acknowledged, want 2000", *acked)
	}
	m := w.Node("m1").Engine
	for _, r := range []string{"r1", "r2"} {
		e := w.Node(r).Engine
		if e.Digest() != m.Digest() || e.Stats().SlaveReplOffset != m.Stats().MasterReplOffset {
			t.Errorf("%s: offset %d, master %d; same data %v", r, e.Stats().SlaveReplOffset, m.Stats().MasterReplOffset, e.Digest() == m.Digest())
		}
	}
}

// The same seed gives the same trace, byte for byte.
func TestWorldIsDeterministic(t *testing.T) {
	run := func(seed uint64) string {
		w, err := New(threeNodes(seed))
		if err != nil {
			t.Fatal(err)
		}
		w.Run(8*time.Second, nil)
		writers(w, 3, 500)
		w.Run(9*time.Second, nil)
		w.Net.Cut("m1", "r1")
		w.Run(12*time.Second, nil)
		w.Net.Heal("m1", "r1")
		w.Run(30*time.Second, nil)
		return w.Trace.Sum()
	}
	a, b, c := run(7), run(7), run(8)
	if a != b {
		t.Fatalf("same seed, different traces: %s vs %s", a, b)
	}
	if a == c {
		t.Fatalf("different seeds, same trace %s", a)
	}
}

var setCmd = []byte("SET")

// BenchmarkReplicatedWrites: one master, two replicas, 100-byte SETs from
// 16 clients over the simulated network, each with up to 16 commands in
// flight (redis-benchmark -P 16). The figures are simulated writes
// acknowledged per wall-clock second (the replicas apply every one) and
// heap allocations per write, counted exactly (allocs/op rounds down).
func BenchmarkReplicatedWrites(b *testing.B) {
	benchmarkWrites(b, 16)
}

// BenchmarkReplicatedWritesUnpipelined is the same with one command in
// flight per client: every write is its own network round trip.
func BenchmarkReplicatedWritesUnpipelined(b *testing.B) {
	benchmarkWrites(b, 1)
}

func benchmarkWrites(b *testing.B, depth int) {
	w, err := New(threeNodes(1))
	if err != nil {
		b.Fatal(err)
	}
	w.Run(10*time.Second, nil)
	// The first pass over the 10,000 keys creates them (three allocations
	// per key and node); the figures are for the writes that follow, which
	// overwrite them: the steady state of a long run.
	const warm = 10000
	acked := pipelinedWriters(w, 16, depth, warm+b.N)
	w.Run(sim.Forever, func() bool { return *acked >= warm })
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ReportAllocs()
	b.ResetTimer()
	w.Run(sim.Forever, func() bool { return *acked >= warm+b.N })
	b.StopTimer()
	runtime.ReadMemStats(&after)
	if *acked < warm+b.N {
		b.Fatalf("only %d of %d writes acknowledged", *acked-warm, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(b.N), "allocs/write")
}
