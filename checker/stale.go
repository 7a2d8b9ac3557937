package checker

// StaleReads returns the successful GETs that returned a value older than
// one they must have seen: some SET to the key had returned before the GET
// was called, and the value read was written by a SET that returned before
// that one was even called (or the key read as missing). Reads from
// replicas are allowed to be stale; this measures how often and how much.
//
// Like LostWrites it relies on every SET writing a fresh value, and leaves
// out keys touched by DEL, APPEND or INCR.
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
	byValue := map[string]int{}
	for i := range history {
		op := &history[i]
		switch {
		case op.Op == "set" && op.Outcome != Fail:
			sets[op.Key] = append(sets[op.Key], i)
			byValue[op.Value] = i
		case op.IsWrite() && op.Op != "set":
			mixed[op.Key] = true
		}
	}
	var out []StaleRead
	for i := range history {
		r := &history[i]
		if r.Op != "get" || r.Outcome != OK || mixed[r.Key] {
			continue
		}
		// The latest SET acknowledged before the read began.
		latest := -1
		for _, j := range sets[r.Key] {
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
		src, ok := byValue[r.Reply]
		if !ok || history[src].Key != r.Key {
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
