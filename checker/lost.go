package checker

// LostWrites returns the acknowledged SETs whose effect is missing from the
// final dataset (final maps key to value; a missing key is absent).
//
// Every SET of the workload writes a fresh random value, so the final value
// of a key names the write that produced it. An acknowledged SET W is lost
// when the final value comes neither from W nor from any SET to the same key
// that may be ordered after W: one whose outcome is unknown, or that
// returned after W was called. Keys touched by DEL, APPEND or INCR are left
// out: their final state cannot name a single write.
func LostWrites(history []Op, final map[string]Value) []Op {
	mixed := map[string]bool{}
	for i := range history {
		if op := &history[i]; op.IsWrite() && op.Op != "set" {
			mixed[op.Key] = true
		}
	}
	// The SET that wrote each key's final value, if any did.
	writer := map[string]int{}
	for i := range history {
		op := &history[i]
		if op.Op != "set" || op.Outcome == Fail || mixed[op.Key] {
			continue
		}
		if v, ok := final[op.Key]; ok && v == op.Value {
			writer[op.Key] = i
		}
	}
	var lost []Op
	for i := range history {
		op := &history[i]
		if op.Op != "set" || op.Outcome != OK || mixed[op.Key] {
			continue
		}
		j, ok := writer[op.Key]
		if ok && (j == i || history[j].Outcome == Unknown || history[j].Return > op.Call) {
			continue
		}
		lost = append(lost, *op)
	}
	return lost
}
