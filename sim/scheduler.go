package sim

import (
	"fmt"
	"math/bits"
	"time"
)

// Scheduler owns virtual time and the queue of pending events. Events run one
// at a time in order of (time, insertion sequence): two events due at the same
// instant run in the order they were scheduled, so a run never depends on heap
// layout. Time is a time.Duration measured from the start of the run.
//
// The queue is a 4-ary min-heap of small values (time, sequence, slot); the
// function to call lives in a slot that a [Timer] names. Stopping a timer
// empties its slot and leaves the heap entry behind as stale: it is skipped
// when it reaches the top, and the heap is compacted when stale entries
// outnumber live ones. Scheduling and firing do not allocate once the queue
// and the slot table have reached their working size.
type Scheduler struct {
	now    time.Duration
	seq    uint64 // sequence of the last event scheduled; 0 is never used
	fired  uint64
	queue  []entry
	slots  []slot
	free   []uint32 // empty slots
	stale  int      // entries in queue whose timer was stopped
	limits Limits
	err    *LimitError
}

// entry is one element of the heap. It is stale when its slot no longer
// holds the event with its sequence number.
type entry struct {
	at   time.Duration
	seq  uint64
	slot uint32
}

// slot holds a pending event. seq is 0 while the slot is empty.
type slot struct {
	fn  func()
	at  time.Duration
	seq uint64
}

// Limits bound a run so that a bug or a livelock ends it with a reason instead
// of hanging. The zero value means no limit.
type Limits struct {
	// Events is the largest number of events a scheduler fires.
	Events uint64
	// Time is the latest virtual time an event may fire at.
	Time time.Duration
}

// LimitError says which limit a run passed and where it stood.
type LimitError struct {
	Limit  string // "events" or "time"
	Now    time.Duration
	Events uint64
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("sim: %s limit reached at %s after %d events", e.Limit, FormatTime(e.Now), e.Events)
}

// StopReason says why [Scheduler.Run] returned.
type StopReason int

const (
	// StopIdle: no event is left to fire.
	StopIdle StopReason = iota
	// StopDeadline: the next event lies after the time Run was given; the
	// clock now reads that time.
	StopDeadline
	// StopCondition: the stop function returned true.
	StopCondition
	// StopLimit: a limit of [Limits] was passed; see [Scheduler.Err].
	StopLimit
)

func (r StopReason) String() string {
	switch r {
	case StopIdle:
		return "idle"
	case StopDeadline:
		return "deadline"
	case StopCondition:
		return "condition"
	case StopLimit:
		return "limit"
	}
	return fmt.Sprintf("StopReason(%d)", int(r))
}

// Forever is a deadline that is never reached.
const Forever = time.Duration(1<<63 - 1)

// Timer is a handle on a scheduled event. The zero Timer is valid and never
// active. A Timer stays safe to use after its event fired: Stop then reports
// false, even if the scheduler has given the event's slot to another event,
// because every event has its own sequence number. Timers are comparable.
type Timer struct {
	slot uint32
	seq  uint64
}

// NewScheduler returns a scheduler at time zero with the given limits.
func NewScheduler(limits Limits) *Scheduler {
	return &Scheduler{limits: limits}
}

// Now returns the current virtual time.
func (s *Scheduler) Now() time.Duration { return s.now }

// Fired returns the number of events fired so far.
func (s *Scheduler) Fired() uint64 { return s.fired }

// Pending returns the number of events waiting to fire.
func (s *Scheduler) Pending() int { return len(s.queue) - s.stale }

// Err returns the limit the scheduler passed, or nil.
func (s *Scheduler) Err() error {
	if s.err == nil {
		return nil
	}
	return s.err
}

// At schedules fn to run at virtual time t. A time in the past means now:
// the clock never goes backwards.
func (s *Scheduler) At(t time.Duration, fn func()) Timer {
	if t < s.now {
		t = s.now
	}
	var i uint32
	if n := len(s.free); n > 0 {
		i = s.free[n-1]
		s.free = s.free[:n-1]
	} else {
		i = uint32(len(s.slots))
		s.slots = append(s.slots, slot{})
	}
	s.seq++
	s.slots[i] = slot{fn: fn, at: t, seq: s.seq}
	s.queue = append(s.queue, entry{at: t, seq: s.seq, slot: i})
	s.up(len(s.queue) - 1)
	return Timer{slot: i, seq: s.seq}
}

// After schedules fn to run d after now.
func (s *Scheduler) After(d time.Duration, fn func()) Timer {
	if d < 0 {
		d = 0
	}
	t := s.now + d
	if t < s.now { // overflow
		t = Forever
	}
	return s.At(t, fn)
}

// Stop cancels the timer. It reports whether the event was still pending.
func (s *Scheduler) Stop(t Timer) bool {
	if !s.Active(t) {
		return false
	}
	s.release(t.slot)
	s.stale++
	if s.stale >= 64 && 2*s.stale > len(s.queue) {
		s.compact()
	}
	return true
}

// Active reports whether the timer's event is still pending.
func (s *Scheduler) Active(t Timer) bool {
	return t.seq != 0 && int(t.slot) < len(s.slots) && s.slots[t.slot].seq == t.seq
}

// When returns the time the timer fires at, and false when it is not active.
func (s *Scheduler) When(t Timer) (time.Duration, bool) {
	if !s.Active(t) {
		return 0, false
	}
	return s.slots[t.slot].at, true
}

// Step fires the next event, if any, and reports whether it did. It honours
// the limits like Run.
func (s *Scheduler) Step() bool {
	return s.Run(Forever, func() bool { return true }) == StopCondition
}

// Run fires events in order until none is left (StopIdle), the next one is
// due after until (StopDeadline, and the clock is moved to until), stop
// returns true after an event (StopCondition), or a limit is passed
// (StopLimit). stop may be nil. The clock never moves backwards: an until
// in the past returns StopDeadline or StopIdle without firing anything.
func (s *Scheduler) Run(until time.Duration, stop func() bool) StopReason {
	if s.err != nil {
		return StopLimit
	}
	for len(s.queue) > 0 {
		e := s.queue[0]
		if s.slots[e.slot].seq != e.seq {
			s.pop()
			s.stale--
			continue
		}
		if e.at > until {
			s.now = max(s.now, until)
			return StopDeadline
		}
		if s.limits.Time > 0 && e.at > s.limits.Time {
			s.now = max(s.now, s.limits.Time)
			s.err = &LimitError{Limit: "time", Now: s.now, Events: s.fired}
			return StopLimit
		}
		if s.limits.Events > 0 && s.fired >= s.limits.Events {
			s.err = &LimitError{Limit: "events", Now: s.now, Events: s.fired}
			return StopLimit
		}
		s.pop()
		s.now = e.at
		fn := s.slots[e.slot].fn
		s.release(e.slot)
		s.fired++
		fn()
		if stop != nil && stop() {
			return StopCondition
		}
	}
	if until != Forever && until > s.now {
		s.now = until
	}
	return StopIdle
}

// release empties a slot and puts it on the free list.
func (s *Scheduler) release(i uint32) {
	s.slots[i] = slot{}
	s.free = append(s.free, i)
}

// compact drops stale entries and rebuilds the heap, so that timers that are
// set and stopped over and over (timeouts pushed back on every message) do
// not grow the queue without bound.
func (s *Scheduler) compact() {
	live := s.queue[:0]
	for _, e := range s.queue {
		if s.slots[e.slot].seq == e.seq {
			live = append(live, e)
		}
	}
	clear(s.queue[len(live):])
	s.queue = live
	s.stale = 0
	for i := (len(live) - 2) / 4; i >= 0; i-- {
		s.down(i)
	}
}

// earlier is 1 if a fires before b and 0 otherwise. It compares (at, seq) as
// one 128-bit number through the borrow of a subtraction, and returns a
// number rather than a bool so that pop can pick a child by arithmetic: the
// heap compares random keys, and a branch on each comparison would be
// mispredicted half the time. Times are never negative, so comparing them
// unsigned is exact.
func earlier(a, b *entry) int {
	_, borrow := bits.Sub64(a.seq, b.seq, 0)
	_, borrow = bits.Sub64(uint64(a.at), uint64(b.at), borrow)
	return int(borrow)
}

// The heap is 4-ary: the children of i are 4i+1 .. 4i+4. Its tree is half as
// deep as a binary heap's, and four children sit in one or two cache lines.

// up moves the entry at i toward the root until its parent fires earlier.
func (s *Scheduler) up(i int) {
	q := s.queue
	e := q[i]
	for i > 0 {
		p := (i - 1) / 4
		if earlier(&e, &q[p]) == 0 {
			break
		}
		q[i] = q[p]
		i = p
	}
	q[i] = e
}

// down moves the entry at i toward the leaves until it fires before its
// children. Only compact uses it; pop has a faster way.
func (s *Scheduler) down(i int) {
	q := s.queue
	n := len(q)
	e := q[i]
	for {
		c := 4*i + 1
		if c >= n {
			break
		}
		m := c
		for j := c + 1; j < c+4 && j < n; j++ {
			if earlier(&q[j], &q[m]) == 1 {
				m = j
			}
		}
		if earlier(&q[m], &e) == 0 {
			break
		}
		q[i] = q[m]
		i = m
	}
	q[i] = e
}

// pop removes the top of the heap. It walks the hole at the top down to a
// leaf, always taking the earliest of four children (a small tournament
// without branches), then puts the last entry in the hole and lets it rise.
// The last entry is usually among the latest to fire, so it rises little, and
// the walk down needs no comparison with it.
func (s *Scheduler) pop() {
	q := s.queue
	n := len(q) - 1
	last := q[n]
	q = q[:n]
	s.queue = q
	if n == 0 {
		return
	}
	i := 0
	for 4*i+5 <= n { // i has four children
		c := 4*i + 1
		kids := q[c : c+4 : c+4]
		x := earlier(&kids[1], &kids[0])
		y := 2 + earlier(&kids[3], &kids[2])
		m := c + x + (y-x)*earlier(&kids[y], &kids[x])
		q[i] = q[m]
		i = m
	}
	if c := 4*i + 1; c < n { // the one node with fewer than four children
		m := c
		for j := c + 1; j < n; j++ {
			if earlier(&q[j], &q[m]) == 1 {
				m = j
			}
		}
		q[i] = q[m]
		i = m
	}
	q[i] = last
	s.up(i)
}

// FormatTime renders a virtual time as seconds with nanosecond precision,
// the form used in traces: "12.000500000".
func FormatTime(t time.Duration) string {
	return string(AppendTime(nil, t))
}

// AppendTime appends the rendering of FormatTime to b.
func AppendTime(b []byte, t time.Duration) []byte {
	if t < 0 {
		b = append(b, '-')
		t = -t
	}
	sec := int64(t / time.Second)
	ns := int64(t % time.Second)
	b = appendUint(b, uint64(sec), 1)
	b = append(b, '.')
	return appendUint(b, uint64(ns), 9)
}

// appendUint appends v in decimal, zero-padded to at least width digits.
func appendUint(b []byte, v uint64, width int) []byte {
	var tmp [20]byte
	i := len(tmp)
	for v >= 10 || width > 1 {
		i--
		tmp[i] = byte('0' + v%10)
		v /= 10
		width--
	}
	i--
	tmp[i] = byte('0' + v)
	return append(b, tmp[i:]...)
}
