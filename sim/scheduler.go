package sim

import (
	"fmt"
	"time"
)

// Scheduler owns virtual time and the queue of pending events. Events run one
// at a time in order of (time, insertion sequence): two events due at the same
// instant run in the order they were scheduled, so a run never depends on heap
// layout. Time is a time.Duration measured from the start of the run.
//
// Scheduling and firing do not allocate once the queue has reached its working
// size: fired events are recycled through a free list.
type Scheduler struct {
	now    time.Duration
	seq    uint64
	fired  uint64
	heap   []*event
	free   []*event
	limits Limits
	err    *LimitError
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

type event struct {
	at    time.Duration
	seq   uint64
	index int    // position in the heap, -1 once fired or stopped
	gen   uint64 // bumped whenever the event is recycled, invalidating old Timers
	fn    func()
}

// Timer is a handle on a scheduled event. The zero Timer is valid and never
// active. A Timer stays safe to use after its event fired: Stop then reports
// false, even if the scheduler has reused the event's memory.
type Timer struct {
	ev  *event
	gen uint64
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
func (s *Scheduler) Pending() int { return len(s.heap) }

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
	var ev *event
	if n := len(s.free); n > 0 {
		ev = s.free[n-1]
		s.free = s.free[:n-1]
	} else {
		ev = &event{}
	}
	ev.at, ev.seq, ev.fn = t, s.seq, fn
	s.seq++
	ev.index = len(s.heap)
	s.heap = append(s.heap, ev)
	s.up(ev.index)
	return Timer{ev: ev, gen: ev.gen}
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
	ev := t.ev
	s.remove(ev.index)
	s.recycle(ev)
	return true
}

// Active reports whether the timer's event is still pending.
func (s *Scheduler) Active(t Timer) bool {
	return t.ev != nil && t.ev.gen == t.gen && t.ev.index >= 0
}

// When returns the time the timer fires at, and false when it is not active.
func (s *Scheduler) When(t Timer) (time.Duration, bool) {
	if !s.Active(t) {
		return 0, false
	}
	return t.ev.at, true
}

// Step fires the next event, if any, and reports whether it did. It honours
// the limits like Run.
func (s *Scheduler) Step() bool {
	return s.Run(Forever, func() bool { return true }) == StopCondition
}

// Run fires events in order until none is left (StopIdle), the next one is
// due after until (StopDeadline, and the clock is moved to until), stop
// returns true after an event (StopCondition), or a limit is passed
// (StopLimit). stop may be nil.
func (s *Scheduler) Run(until time.Duration, stop func() bool) StopReason {
	if s.err != nil {
		return StopLimit
	}
	for len(s.heap) > 0 {
		ev := s.heap[0]
		if ev.at > until {
			s.now = until
			return StopDeadline
		}
		if s.limits.Time > 0 && ev.at > s.limits.Time {
			s.now = s.limits.Time
			s.err = &LimitError{Limit: "time", Now: s.now, Events: s.fired}
			return StopLimit
		}
		if s.limits.Events > 0 && s.fired >= s.limits.Events {
			s.err = &LimitError{Limit: "events", Now: s.now, Events: s.fired}
			return StopLimit
		}
		s.remove(0)
		s.now = ev.at
		fn := ev.fn
		s.recycle(ev)
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

func (s *Scheduler) recycle(ev *event) {
	ev.index = -1
	ev.gen++
	ev.fn = nil
	s.free = append(s.free, ev)
}

func (s *Scheduler) less(i, j int) bool {
	a, b := s.heap[i], s.heap[j]
	if a.at != b.at {
		return a.at < b.at
	}
	return a.seq < b.seq
}

func (s *Scheduler) swap(i, j int) {
	s.heap[i], s.heap[j] = s.heap[j], s.heap[i]
	s.heap[i].index = i
	s.heap[j].index = j
}

func (s *Scheduler) up(j int) {
	for j > 0 {
		i := (j - 1) / 2
		if !s.less(j, i) {
			break
		}
		s.swap(i, j)
		j = i
	}
}

func (s *Scheduler) down(i int) {
	n := len(s.heap)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		j := l
		if r := l + 1; r < n && s.less(r, l) {
			j = r
		}
		if !s.less(j, i) {
			return
		}
		s.swap(i, j)
		i = j
	}
}

func (s *Scheduler) remove(i int) {
	n := len(s.heap) - 1
	if i != n {
		s.swap(i, n)
	}
	s.heap[n] = nil
	s.heap = s.heap[:n]
	if i != n {
		s.down(i)
		s.up(i)
	}
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
