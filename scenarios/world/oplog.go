package world

import "github.com/replsim/replsim/checker"

// opLog is the workload's history: every operation by its index, the tag
// of its call. Without a sink it keeps them all (Facts.History). With one,
// operations that can no longer change (answered, and not waiting for a
// WAIT to say how many replicas have them) leave for the sink in index
// order, and memory holds only those still open and the ones behind them.
type opLog struct {
	ops  []checker.Op
	held []bool // ops[i] waits for a WAIT's answer
	base int    // index of ops[0]
	sink func(*checker.Op)
}

// opLogFlushEvery is how many operations are added between two passes
// that hand finished ones to the sink.
const opLogFlushEvery = 4096

// add records an operation and returns its index.
func (l *opLog) add(op checker.Op) int {
	if l.sink != nil && len(l.ops) >= opLogFlushEvery && (l.base+len(l.ops))%opLogFlushEvery == 0 {
		l.flush()
	}
	l.ops = append(l.ops, op)
	l.held = append(l.held, false)
	return l.base + len(l.ops) - 1
}

// at returns operation i, or nil if there is none (or it has left).
func (l *opLog) at(i int) *checker.Op {
	if i < l.base || i >= l.base+len(l.ops) {
		return nil
	}
	return &l.ops[i-l.base]
}

// len is the number of operations recorded.
func (l *opLog) len() int { return l.base + len(l.ops) }

// dropLast forgets the last operation (one never sent).
func (l *opLog) dropLast() {
	l.ops, l.held = l.ops[:len(l.ops)-1], l.held[:len(l.held)-1]
}

// hold marks operation i as waiting for a WAIT, or no longer.
func (l *opLog) hold(i int, on bool) {
	if i >= l.base && i < l.base+len(l.ops) {
		l.held[i-l.base] = on
	}
}

// flush hands the finished operations at the front to the sink.
func (l *opLog) flush() {
	n := 0
	for n < len(l.ops) && l.ops[n].Outcome != "" && !l.held[n] {
		l.sink(&l.ops[n])
		n++
	}
	if n == 0 {
		return
	}
	rest := copy(l.ops, l.ops[n:])
	clear(l.ops[rest:])
	l.ops = l.ops[:rest]
	l.held = l.held[:copy(l.held, l.held[n:])]
	l.base += n
}

// close ends the history at time end: operations still in flight have an
// unknown outcome. With a sink every operation leaves for it.
func (l *opLog) close(end int64) {
	for i := range l.ops {
		if op := &l.ops[i]; op.Outcome == "" {
			op.Outcome, op.Return = checker.Unknown, end
		}
		l.held[i] = false
	}
	if l.sink != nil {
		l.flush()
	}
}
