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
func LostWrites(history []Op, final map[string]string) []Op {
	byKey := map[string][]int{}
	mixed := map[string]bool{}
	for i, op := range history {
		if !op.IsWrite() {
			continue
		}
		if op.Op != "set" {
			mixed[op.Key] = true
			continue
		}
		byKey[op.Key] = append(byKey[op.Key], i)
	}
	var lost []Op
	for _, op := range history {
		if op.Op != "set" || op.Outcome != OK || mixed[op.Key] {
			continue
		}
		val, ok := final[op.Key]
		if ok && val == op.Value {
			continue
		}
		explained := false
		for _, j := range byKey[op.Key] {
			x := history[j]
			if x.Outcome == Fail {
				continue
			}
			if x.Outcome == Unknown || x.Return > op.Call {
				if ok && x.Value == val {
					explained = true
					break
				}
			}
		}
		if !explained {
			lost = append(lost, op)
		}
	}
	return lost
}
