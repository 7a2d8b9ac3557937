package checker

import "math/bits"

// Latencies is a histogram of operation latencies (return minus call, in
// nanoseconds of virtual time), in buckets 1/64 of a power of two wide: a
// quantile read from it is within 1.6% of the exact one, whatever the
// number of operations, and histograms of parts of a history add up to
// the histogram of the whole.
type Latencies struct {
	counts [latencyBuckets]int64
	n, max int64
}

// latencyExact values below it have a bucket each; above, each power of
// two has latencySub buckets.
const (
	latencyExact   = 128
	latencySub     = 64
	latencyBuckets = latencyExact + (63-7)*latencySub
)

func latencyBucket(v int64) int {
	if v < latencyExact {
		return int(max(v, 0))
	}
	e := bits.Len64(uint64(v)) - 7 // v >> e is in [64, 128)
	return latencyExact + (e-1)*latencySub + int(v>>e) - latencySub
}

// latencyUpper is the largest value of bucket b.
func latencyUpper(b int) int64 {
	if b < latencyExact {
		return int64(b)
	}
	e := (b-latencyExact)/latencySub + 1
	sub := int64((b-latencyExact)%latencySub + latencySub)
	return (sub+1)<<e - 1
}

// Add records one latency.
func (l *Latencies) Add(ns int64) {
	l.counts[latencyBucket(ns)]++
	l.n++
	l.max = max(l.max, ns)
}

// Merge adds the latencies of o.
func (l *Latencies) Merge(o *Latencies) {
	for i, c := range o.counts {
		l.counts[i] += c
	}
	l.n += o.n
	l.max = max(l.max, o.max)
}

// Count is the number of latencies recorded.
func (l *Latencies) Count() int64 { return l.n }

// Max is the largest latency recorded, exactly.
func (l *Latencies) Max() int64 { return l.max }

// Quantile returns the q-quantile (nearest rank) as the upper end of its
// bucket, never above the largest latency; 0 when there is none.
func (l *Latencies) Quantile(q float64) int64 {
	if l.n == 0 {
		return 0
	}
	rank := int64(q*float64(l.n) + 0.999999999)
	rank = min(max(rank, 1), l.n)
	var seen int64
	for b, c := range l.counts {
		if seen += c; seen >= rank {
			return min(latencyUpper(b), l.max)
		}
	}
	return l.max
}

// LatenciesOf returns the latencies of the answered reads (GET) and
// writes of a history; operations without a reply are left out.
func LatenciesOf(h []Op) (reads, writes Latencies) {
	for i := range h {
		op := &h[i]
		if op.Outcome != OK && op.Outcome != Fail {
			continue
		}
		switch {
		case op.IsWrite():
			writes.Add(op.Return - op.Call)
		case op.Op == "get":
			reads.Add(op.Return - op.Call)
		}
	}
	return reads, writes
}
