package world

import "github.com/replsim/replsim/checker"

// opLog is the workload's history: every operation by its index, the tag
// of its call, in chunks (a long history grows without being copied).
// Without a sink it keeps them all (Facts.History). With one, operations
// that can no longer change (answered, and not waiting for a WAIT to say
// how many replicas have them) leave for the sink in index order, and
// memory holds only the chunks of those not yet handed over.
type opLog struct {
	chunks [][]checker.Op
	first  int // the index of chunks[0][0]
	n      int // operations recorded
	next   int // the first operation not handed to the sink
	held   map[int]bool
	sink   func(*checker.Op)
	spare  []checker.Op // a chunk emptied by the sink, for reuse
	// head is the room of chunks[0] when reserve made it larger than a
	// chunk (0: it is a chunk like the others).
	head int
}

// reserve makes room for n operations in the first chunk of a log without
// a sink, so that all returns that chunk instead of a copy when the run
// stays within it. Call it before the first add.
func (l *opLog) reserve(n int) {
	if l.sink != nil || l.n > 0 || n <= opChunk {
		return
	}
	l.head = n
	l.chunks = [][]checker.Op{make([]checker.Op, 0, n)}
}

// opChunk is the operations in a chunk.
const opChunk = 4096

// add records an operation and returns its index.
func (l *opLog) add(op checker.Op) int {
	last := len(l.chunks) - 1
	if last < 0 || len(l.chunks[last]) == cap(l.chunks[last]) {
		if l.sink != nil {
			l.flush()
		}
		c := l.spare
		if c == nil {
			c = make([]checker.Op, 0, opChunk)
		}
		l.spare = nil
		l.chunks = append(l.chunks, c)
		last = len(l.chunks) - 1
	}
	l.chunks[last] = append(l.chunks[last], op)
	l.n++
	return l.n - 1
}

// at returns operation i, or nil if there is none (or it has left).
func (l *opLog) at(i int) *checker.Op {
	if i < l.next || i >= l.n {
		return nil
	}
	k := i - l.first
	if l.head > 0 {
		if k < l.head {
			return &l.chunks[0][k]
		}
		k -= l.head
		return &l.chunks[1+k/opChunk][k%opChunk]
	}
	return &l.chunks[k/opChunk][k%opChunk]
}

// len is the number of operations recorded.
func (l *opLog) len() int { return l.n }

// dropLast forgets the last operation (one never sent).
func (l *opLog) dropLast() {
	last := len(l.chunks) - 1
	l.chunks[last] = l.chunks[last][:len(l.chunks[last])-1]
	if len(l.chunks[last]) == 0 && (last > 0 || l.head == 0) {
		// An empty last chunk would be the one the next dropLast cuts.
		l.spare = l.chunks[last]
		l.chunks = l.chunks[:last]
	}
	l.n--
}

// hold marks operation i as waiting for a WAIT, or no longer.
func (l *opLog) hold(i int, on bool) {
	switch {
	case on && l.held == nil:
		l.held = map[int]bool{i: true}
	case on:
		l.held[i] = true
	default:
		delete(l.held, i)
	}
}

// flush hands the finished operations at the front to the sink and lets
// go of the chunks it emptied.
func (l *opLog) flush() {
	for l.next < l.n {
		op := l.at(l.next)
		if op.Outcome == "" || l.held[l.next] {
			break
		}
		l.sink(op)
		l.next++
	}
	for l.next-l.first >= opChunk {
		c := l.chunks[0]
		clear(c)
		l.spare = c[:0]
		l.chunks = l.chunks[1:]
		l.first += opChunk
	}
}

// close ends the history at time end: operations still in flight have an
// unknown outcome. With a sink every operation leaves for it.
func (l *opLog) close(end int64) {
	for i := l.next; i < l.n; i++ {
		if op := l.at(i); op.Outcome == "" {
			op.Outcome, op.Return = checker.Unknown, end
		}
	}
	clear(l.held)
	if l.sink != nil {
		l.flush()
	}
}

// all returns every operation in one slice (without a sink), with room
// for extra more: the reserved first chunk itself when it holds them all
// with that room to spare (the log is done with then), else a copy.
func (l *opLog) all(extra int) []checker.Op {
	if len(l.chunks) == 1 && l.head > 0 && cap(l.chunks[0])-len(l.chunks[0]) >= extra {
		return l.chunks[0]
	}
	out := make([]checker.Op, 0, l.n+extra)
	for _, c := range l.chunks {
		out = append(out, c...)
	}
	return out
}
