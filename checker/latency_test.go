package checker

import (
	"math"
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// A quantile read from the histogram is the exact one (nearest rank), or
// above it by less than 1/64, and never above the largest latency.
func TestLatencyQuantiles(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		vs := rapid.SliceOfN(rapid.OneOf(rapid.Int64Range(0, 1000), rapid.Int64Range(0, 1<<40), rapid.Int64Range(0, math.MaxInt64)), 1, 500).Draw(t, "latencies")
		var l Latencies
		for _, v := range vs {
			l.Add(v)
		}
		sorted := slices.Clone(vs)
		slices.Sort(sorted)
		for _, q := range []float64{0, 0.5, 0.9, 0.99, 1} {
			rank := int(math.Ceil(q * float64(len(sorted))))
			exact := sorted[max(rank, 1)-1]
			got := l.Quantile(q)
			if got < exact || float64(got-exact) > float64(exact)/64+1 {
				t.Fatalf("q%.2f = %d, exact %d", q, got, exact)
			}
		}
		if l.Max() != sorted[len(sorted)-1] || l.Quantile(1) != l.Max() || l.Count() != int64(len(vs)) {
			t.Fatalf("max %d, q1 %d, count %d; want %d and %d", l.Max(), l.Quantile(1), l.Count(), sorted[len(sorted)-1], len(vs))
		}
	})
}

// Histograms of two parts add up to the histogram of the whole.
func TestLatencyMerge(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := rapid.SliceOf(rapid.Int64Range(0, 1<<35)).Draw(t, "a")
		b := rapid.SliceOf(rapid.Int64Range(0, 1<<35)).Draw(t, "b")
		var la, lb, whole Latencies
		for _, v := range a {
			la.Add(v)
			whole.Add(v)
		}
		for _, v := range b {
			lb.Add(v)
			whole.Add(v)
		}
		la.Merge(&lb)
		if la != whole {
			t.Fatal("merged histogram differs from the whole")
		}
	})
}

// Worked by hand: the buckets near powers of two.
func TestLatencyBuckets(t *testing.T) {
	for _, c := range []struct{ v, upper int64 }{
		{0, 0}, {127, 127}, {128, 129}, {129, 129}, {130, 131}, {255, 255}, {256, 259},
		{1_000_000, 1_007_615}, // 1ms: in the bucket of 8,192 from 999,424
	} {
		if got := latencyUpper(latencyBucket(c.v)); got != c.upper {
			t.Errorf("%d: bucket ends at %d, want %d", c.v, got, c.upper)
		}
		if b := latencyBucket(c.v); c.v > latencyUpper(b) || (b > 0 && c.v <= latencyUpper(b-1)) {
			t.Errorf("%d is not in its bucket %d", c.v, b)
		}
	}
	if b := latencyBucket(math.MaxInt64); b != latencyBuckets-1 {
		t.Errorf("the largest latency is in bucket %d of %d", b, latencyBuckets)
	}
}
