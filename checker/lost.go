package checker

// LostWrites returns the acknowledged SETs whose effect is missing from the
// final dataset (final maps key to value; a missing key is absent).
//
// Every SET of the workload writes a fresh random value, so the final value
// of a key names the write that produced it. An acknowledged SET W is lost
// when the final value comes neither from W nor from any SET to the same key
// that may be ordered after W: one whose outcome is unknown, or that
// returned no earlier than W was called (intervals are closed, as
// porcupine's: the SETs of one MULTI/EXEC block share theirs). Keys touched
// by DEL, APPEND or INCR are left out: their final state cannot name a
// single write; so are keys given a
// time to live (SET with EX or PX, EXPIRE), whose final absence may be an
// expiry. Keys of different databases are different keys (KeyOf): final
// is keyed by KeyOf too.
func LostWrites(history []Op, final map[string]Value) []Op {
	mixed := map[string]bool{}
	for i := range history {
		if op := &history[i]; (op.IsWrite() && op.Op != "set") || op.Expires() {
			mixed[op.ID()] = true
		}
	}
	// The SET that wrote each key's final value, if any did.
	writer := map[string]int{}
	for i := range history {
		op := &history[i]
		if op.Op != "set" || op.Outcome == Fail || mixed[op.ID()] {
			continue
		}
		if v, ok := final[op.ID()]; ok && v == op.Value {
			writer[op.ID()] = i
		}
	}
	var lost []Op
	for i := range history {
		op := &history[i]
		if op.Op != "set" || op.Outcome != OK || mixed[op.ID()] {
			continue
		}
		j, ok := writer[op.ID()]
		if ok && (j == i || history[j].Outcome == Unknown || history[j].Return >= op.Call) {
			continue
		}
		lost = append(lost, *op)
	}
	return lost
}
