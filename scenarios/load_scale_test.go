package scenarios

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/replsim/replsim/checker"
)

// runSrc loads a scenario from src and runs it under seed 1 without the
// linearizability check.
func runSrc(t *testing.T, src string, opts RunOptions) *Record {
	t.Helper()
	s, err := Load("t.yaml", []byte(src), Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	opts.SkipLinearizability = true
	rec, err := Run(s, 1, opts)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// With fixed arrivals the clients issue evenly at the rate: over the fault
// phase exactly rate x duration operations.
func TestFixedArrivalIssuesRateTimesDuration(t *testing.T) {
	rec := runSrc(t, base+"workload: {clients: 4, rate: 300, arrival: fixed, pipeline: 2, keys: 100}\n", RunOptions{})
	if n := len(rec.Facts.History); n != 300*60 {
		t.Fatalf("%d operations, want 300/s x 60s = %d", n, 300*60)
	}
	// Evenly spaced: each client's calls are exactly 4/300 s apart.
	gap := int64(time.Second) * 4 / 300
	last := map[string]int64{}
	for _, op := range rec.Facts.History {
		if prev, ok := last[op.Client]; ok && op.Call-prev != gap {
			t.Fatalf("%s: calls at %d and %d, want %d apart", op.Client, prev, op.Call, gap)
		}
		last[op.Client] = op.Call
	}
}

// maxInFlight is the most operations a client (its main and read
// connections together) had in flight at once, from the history's call and
// return times; a return at the instant of a call frees its place first.
func maxInFlight(h []checker.Op) map[string]int {
	type edge struct {
		at    int64
		delta int
	}
	per := map[string][]edge{}
	for _, op := range h {
		c := strings.TrimSuffix(op.Client, "-r")
		per[c] = append(per[c], edge{op.Call, 1}, edge{op.Return, -1})
	}
	out := map[string]int{}
	for c, es := range per {
		slices.SortStableFunc(es, func(a, b edge) int { return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.delta, b.delta)) })
		k := 0
		for _, e := range es {
			k += e.delta
			out[c] = max(out[c], k)
		}
	}
	return out
}

// A pipelining client keeps up to pipeline operations in flight, never
// more: with a 10ms link and 500 operations/s per client it would have
// about ten in flight, and pipeline 4 holds it to 4.
func TestPipelineBoundsInFlight(t *testing.T) {
	for _, tc := range []struct {
		pipeline, want int
		extra          string
	}{
		{1, 1, ""},
		{4, 4, ""},
		{4, 4, "  reads-from: any\n  mix: {set: 50, get: 50}\n"},
	} {
		src := base + "network: {latency: 10ms}\nworkload:\n  clients: 2\n  rate: 1000\n  keys: 100\n" +
			"  pipeline: " + strconv.Itoa(tc.pipeline) + "\n" + tc.extra +
			"faults:\n  - {at: 20s, disconnect: [m1, c1], for: 1s}\nexpect: {converged: true, lost_writes: 0}\n"
		rec := runSrc(t, src, RunOptions{})
		got := maxInFlight(rec.Facts.History)
		if got["c1"] != tc.want || got["c2"] != tc.want {
			t.Errorf("pipeline %d%s: at most %v in flight, want %d per client", tc.pipeline, tc.extra, got, tc.want)
		}
		if !rec.OK {
			t.Errorf("pipeline %d: not ok:\n%s", tc.pipeline, rec.Text())
		}
	}
}

// With wait, a pipelining client sends one WAIT once its writes in flight
// have returned, and issues nothing until it returns: every acknowledged
// write records a WAIT's answer, and the client still pipelines.
func TestPipelineWithWait(t *testing.T) {
	src := base + "workload:\n  clients: 4\n  rate: 2000\n  pipeline: 8\n  keys: 100\n  wait: {replicas: 1, timeout: 100ms}\n" +
		"expect: {converged: true, lost_waited_writes: 0}\n"
	rec := runSrc(t, src, RunOptions{})
	waited, acked := 0, 0
	for _, op := range rec.Facts.History {
		if op.IsWrite() && op.Outcome == checker.OK {
			acked++
			if op.Waited >= 0 {
				waited++
			}
		}
	}
	// Writes still in flight when the workload stopped get no WAIT; all
	// the others record one's answer.
	if acked == 0 || acked-waited > 4*8 || !rec.OK {
		t.Fatalf("%d of %d acknowledged writes have a WAIT's answer; ok %v\n%s", waited, acked, rec.OK, rec.Text())
	}
	if got := maxInFlight(rec.Facts.History); got["c1"] < 2 {
		t.Fatalf("no pipelining with wait: at most %v in flight", got)
	}
}

// A burst's value-size is its own: the replication stream grows by the
// size difference of each of its writes' values, byte for byte.
func TestBurstValueSize(t *testing.T) {
	offset := func(size string) int64 {
		src := base + "workload:\n  rate: 0\n  bursts:\n    - {at: 10s, writes: 100" + size + "}\n    - {at: 20s, writes: 7}\n"
		return runSrc(t, src, RunOptions{}).Figures.Int("master_repl_offset")
	}
	// $100\r\n + 100 bytes + \r\n against $4096\r\n + 4096 bytes + \r\n.
	small, large := offset(""), offset(", value-size: 4kb")
	if want := int64(100 * ((4096 + 8) - (100 + 7))); large-small != want {
		t.Fatalf("master_repl_offset %d with 4kb values, %d with 100 bytes: grew by %d, want %d", large, small, large-small, want)
	}
}

// The guard rails refuse, at load time and naming the key, a run too long,
// a key space too big, a pipeline out of range or an unknown arrival.
func TestLoadGuards(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"pipeline zero", base + "workload: {rate: 10, pipeline: 0}\n", "t.yaml:7:32: pipeline must be between 1 and 1024"},
		{"pipeline too deep", base + "workload: {rate: 10, pipeline: 1025}\n", "t.yaml:7:32: pipeline must be between 1 and 1024"},
		{"unknown arrival", base + "workload: {rate: 10, arrival: fixd}\n", `t.yaml:7:31: arrival "fixd": want poisson or fixed (did you mean "fixed"?)`},
		{"burst value-size", base + "workload:\n  bursts: [{at: 5s, writes: 1, value-size: 0}]\n", "t.yaml:8:44: value-size must be between 1 byte and 512mb"},
		{"duration", "name: t\nduration: 24h\nnodes: [{name: m1}]\n", "t.yaml:2:11: duration: duration 24h0m0s + heal-timeout 5m0s is more than 24h0m0s of simulated time"},
		{"one duration", "name: t\nduration: 25h\nnodes: [{name: m1}]\n", `t.yaml:2:11: duration "25h" is longer than 24h0m0s, the most simulated time a run may take`},
		{"heal-timeout", base + "heal-timeout: 24h\n", "t.yaml:7:15: heal-timeout: duration 1m0s + heal-timeout 24h0m0s is more than 24h0m0s of simulated time"},
		{"dataset", base + "dataset: {keys: 10000000, value-size: 1kb}\n", "t.yaml:7:17: dataset: 10000000 keys x (16 + 1024) bytes = 9.69 GiB is more than 8 GiB"},
		{"workload keys", base + "workload: {keys: 10000000, key-size: 1000}\n", "t.yaml:7:18: workload: 10000000 keys x (1000 + 0) bytes = 9.31 GiB is more than 8 GiB"},
		{"seeds", base + "seeds: [" + strings.Repeat("1, ", MaxSeeds) + "1]\n", "seeds: more than 100000 seeds"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load("t.yaml", []byte(tc.yaml), Overrides{})
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("error %v of type %T, want a positioned *Error", err, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error:\n%s\nwant it to contain %q", err, tc.want)
			}
		})
	}
}

// A run past its wall-clock limit ends with that reason, unconverged; the
// world never reads the clock itself.
func TestWallLimit(t *testing.T) {
	rec := runSrc(t, base+"workload: {rate: 1000}\n", RunOptions{WallLimit: time.Nanosecond})
	if rec.Facts.Limit != "wall-clock limit 1ns passed" || rec.Facts.Converged || rec.Facts.SimTime >= time.Minute {
		t.Fatalf("limit %q, converged %v at %s; want the wall-clock limit early in the run", rec.Facts.Limit, rec.Facts.Converged, rec.Facts.SimTime)
	}
}

// The new keys' defaults are today's behaviour: pipeline 1 and poisson
// arrivals written out give the same run, byte for byte, as leaving them
// out.
func TestClientShapeDefaults(t *testing.T) {
	src := base + "workload: {clients: 3, rate: 200, mix: {set: 50, get: 50}, reads-from: any, wait: {replicas: 1, timeout: 50ms}%s}\n" +
		"faults:\n  - {at: 20s, disconnect: [m1, r1], for: 2s}\n"
	implicit := runSrc(t, fmt.Sprintf(src, ""), RunOptions{})
	explicit := runSrc(t, fmt.Sprintf(src, ", pipeline: 1, arrival: poisson"), RunOptions{})
	if implicit.Facts.TraceSHA != explicit.Facts.TraceSHA {
		t.Fatalf("pipeline: 1, arrival: poisson changed the run: trace %s, without them %s", explicit.Facts.TraceSHA, implicit.Facts.TraceSHA)
	}
}
