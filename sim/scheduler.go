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
// The queue (radix.go) holds small values (time, sequence, slot); the
// function to call lives in a slot that a [Timer] names. Stopping a timer
// empties its slot and leaves the queue entry behind as stale: it is skipped
// when it comes first, and the queue is compacted when stale entries
// outnumber live ones. Scheduling and firing do not allocate once the queue
// and the slot table have reached their working size.
type Scheduler struct {
	now    time.Duration
	seq    uint64 // sequence of the last event scheduled; 0 is never used
	fired  uint64
	queue  radixQueue
	slots  []slot
	free   []uint32 // empty slots
	stale  int      // entries in queue whose timer was stopped
	limits Limits
	err    *LimitError

	// deferred are the calls of Defer, in order, waiting for the end of
	// the current instant.
	deferred []func()
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
	// host, when set, owns the event: fn runs through host.run, and only
	// if the host is still in life (see Host.At).
	host *Host
	life uint64
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
func (s *Scheduler) Pending() int { return s.queue.len() - s.stale }

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
	return s.at(t, fn, nil, 0)
}

// at schedules fn, owned by host in its life (nil: by no host).
func (s *Scheduler) at(t time.Duration, fn func(), host *Host, life uint64) Timer {
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
	s.slots[i] = slot{fn: fn, at: t, seq: s.seq, host: host, life: life}
	s.queue.push(entry{at: t, seq: s.seq, slot: i})
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

// Defer calls fn at the end of the current instant: after every event due
// now, including those scheduled for now in the meantime, and before the
// clock moves on or Run returns idle or at its deadline. Deferred calls run
// in the order they were made; they are not events (they do not count
// against the events limit) and they may schedule events or defer more
// calls. A host's event loop uses it to end the iteration of one instant
// with one beforeSleep, whatever the number of deliveries it had.
func (s *Scheduler) Defer(fn func()) { s.deferred = append(s.deferred, fn) }

// runDeferred makes the calls of Defer, including those they add.
func (s *Scheduler) runDeferred() {
	for i := 0; i < len(s.deferred); i++ {
		fn := s.deferred[i]
		s.deferred[i] = nil
		fn()
	}
	s.deferred = s.deferred[:0]
}

// Stop cancels the timer. It reports whether the event was still pending.
func (s *Scheduler) Stop(t Timer) bool {
	if !s.Active(t) {
		return false
	}
	s.release(t.slot)
	s.stale++
	if s.stale >= 64 && 2*s.stale > s.queue.len() {
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
	for {
		ep := s.queue.min()
		if len(s.deferred) > 0 && (ep == nil || ep.at > s.now) {
			s.runDeferred()
			continue
		}
		if ep == nil {
			break
		}
		e := *ep
		if s.slots[e.slot].seq != e.seq {
			s.queue.pop(ep)
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
		s.queue.pop(ep)
		s.now = e.at
		sl := s.slots[e.slot]
		s.release(e.slot)
		s.fired++
		if sl.host == nil {
			sl.fn()
		} else if sl.host.life == sl.life {
			sl.host.run(sl.fn, Timer{slot: e.slot, seq: e.seq})
		}
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
	s.queue.filter(func(e *entry) bool { return s.slots[e.slot].seq == e.seq })
	s.stale = 0
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
