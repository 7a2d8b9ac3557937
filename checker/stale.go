package checker

import (
	"math"
	"slices"
)

// StaleReads returns the successful GETs that returned a value older than
// one they must have seen: some SET to the key had returned before the GET
// was called, and the value read was written by a SET that returned before
// that one was even called (or the key read as missing). Reads from
// replicas are allowed to be stale; this measures how often and how much.
//
// Like LostWrites it relies on every SET writing a fresh value, and leaves
// out keys touched by DEL, APPEND or INCR, or given a time to live (a read
// that finds such a key missing may have come after its expiry).
func StaleReads(history []Op) []StaleRead {
	reads := false
	for i := range history {
		if history[i].Op == "get" && history[i].Outcome == OK {
			reads = true
			break
		}
	}
	if !reads {
		return nil
	}
	sets := map[string][]int{}
	mixed := map[string]bool{}
	byValue := map[Value]int{}
	for i := range history {
		op := &history[i]
		switch {
		case op.Op == "set" && op.Outcome != Fail:
			sets[op.ID()] = append(sets[op.ID()], i)
			byValue[op.Value] = i
		}
		if (op.IsWrite() && op.Op != "set") || op.Expires() {
			mixed[op.ID()] = true
		}
	}
	var out []StaleRead
	for i := range history {
		r := &history[i]
		if r.Op != "get" || r.Outcome != OK || mixed[r.ID()] {
			continue
		}
		// The latest SET acknowledged before the read began.
		latest := -1
		for _, j := range sets[r.ID()] {
			w := &history[j]
			if w.Outcome == OK && w.Return < r.Call && (latest < 0 || w.Return > history[latest].Return) {
				latest = j
			}
		}
		if latest < 0 {
			continue
		}
		lw := &history[latest]
		if r.Null {
			out = append(out, StaleRead{Read: *r, Missed: *lw, ByNs: r.Call - lw.Return})
			continue
		}
		src, ok := byValue[r.Value]
		if !ok || history[src].ID() != r.ID() {
			continue // a value no recorded SET wrote: the prefix check's business
		}
		if history[src].Return < lw.Call {
			out = append(out, StaleRead{Read: *r, Missed: *lw, ByNs: r.Call - lw.Return})
		}
	}
	return out
}

// StaleRead is a read that missed a write acknowledged before it began.
type StaleRead struct {
	Read   Op
	Missed Op
	// ByNs is how long before the read the missed write was acknowledged.
	ByNs int64
}

// Staleness is the distribution of stale reads: how long before each read
// the write it missed was acknowledged, and how far behind its master the
// replica that served it was (for reads from replicas).
type Staleness struct {
	Count   int  `json:"count"`
	TimeNs  Dist `json:"time_ns"`
	LagByte Dist `json:"lag_bytes"`
}

// Dist is a distribution by its quantiles (nearest rank).
type Dist struct {
	P50 int64 `json:"p50"`
	P90 int64 `json:"p90"`
	P99 int64 `json:"p99"`
	Max int64 `json:"max"`
}

// StalenessOf summarizes stale reads.
func StalenessOf(stale []StaleRead) Staleness {
	s := Staleness{Count: len(stale)}
	ts := make([]int64, len(stale))
	bs := make([]int64, len(stale))
	for i, r := range stale {
		ts[i], bs[i] = r.ByNs, r.Read.LagBytes
	}
	s.TimeNs, s.LagByte = distOf(ts), distOf(bs)
	return s
}

func distOf(v []int64) Dist {
	if len(v) == 0 {
		return Dist{}
	}
	slices.Sort(v)
	q := func(p float64) int64 {
		i := int(math.Ceil(p*float64(len(v)))) - 1
		return v[max(i, 0)]
	}
	return Dist{P50: q(0.5), P90: q(0.9), P99: q(0.99), Max: v[len(v)-1]}
}
