package sim

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// Events fire in order of time, and events due at the same instant fire in
// the order they were scheduled, whatever order they were scheduled in.
func TestSchedulerOrder(t *testing.T) {
	s := NewScheduler(Limits{})
	var got []int
	add := func(at time.Duration, id int) { s.At(at, func() { got = append(got, id) }) }
	add(3, 30)
	add(1, 10)
	add(2, 20)
	add(1, 11)
	add(3, 31)
	add(1, 12)
	if r := s.Run(Forever, nil); r != StopIdle {
		t.Fatalf("Run = %v, want idle", r)
	}
	want := []int{10, 11, 12, 20, 30, 31}
	if !slices.Equal(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
	if s.Now() != 3 || s.Fired() != 6 || s.Pending() != 0 {
		t.Fatalf("now %v fired %d pending %d", s.Now(), s.Fired(), s.Pending())
	}
}

// The heap, its stale entries and its compaction must never change the
// order: compare against a sort of (time, sequence) for random schedules with
// random stops.
func TestSchedulerOrderRandom(t *testing.T) {
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 0))
		s := NewScheduler(Limits{})
		type ev struct {
			at  time.Duration
			id  int
			tm  Timer
			off bool
		}
		var evs []*ev
		var got []int
		for i := range 3000 {
			e := &ev{at: time.Duration(rng.IntN(500)), id: i}
			e.tm = s.At(e.at, func() { got = append(got, e.id) })
			evs = append(evs, e)
			if rng.IntN(3) == 0 { // stop a random earlier event
				x := evs[rng.IntN(len(evs))]
				if s.Stop(x.tm) == x.off {
					t.Fatalf("Stop of event %d: stopped twice or not at all", x.id)
				}
				x.off = true
			}
		}
		var want []int
		live := slices.DeleteFunc(slices.Clone(evs), func(e *ev) bool { return e.off })
		slices.SortStableFunc(live, func(a, b *ev) int { return int(a.at - b.at) })
		for _, e := range live {
			want = append(want, e.id)
		}
		if s.Pending() != len(want) {
			t.Fatalf("seed %d: Pending %d, want %d", seed, s.Pending(), len(want))
		}
		s.Run(Forever, nil)
		if !slices.Equal(got, want) {
			t.Fatalf("seed %d: events fired out of order", seed)
		}
	}
}

// Stop, Active and When follow a timer through its life, and a Timer whose
// slot was given to a later event stays inactive.
func TestTimerLifecycle(t *testing.T) {
	s := NewScheduler(Limits{})
	var zero Timer
	if s.Active(zero) || s.Stop(zero) {
		t.Fatal("the zero Timer is active")
	}
	fired := 0
	a := s.After(5*time.Second, func() { fired++ })
	if at, ok := s.When(a); !ok || at != 5*time.Second || !s.Active(a) {
		t.Fatalf("When = %v, %v", at, ok)
	}
	if !s.Stop(a) || s.Stop(a) || s.Active(a) {
		t.Fatal("Stop must succeed once")
	}
	if _, ok := s.When(a); ok {
		t.Fatal("When of a stopped timer")
	}
	b := s.After(time.Second, func() { fired++ }) // reuses a's slot
	if s.Active(a) || !s.Active(b) {
		t.Fatal("a stale Timer looks active after its slot was reused")
	}
	s.Run(Forever, nil)
	if fired != 1 || s.Active(b) || s.Stop(b) {
		t.Fatalf("fired %d; a fired timer must be inactive", fired)
	}
	c := s.After(time.Second, func() { fired++ }) // reuses the slot again
	if s.Stop(a) || s.Stop(b) || !s.Active(c) {
		t.Fatal("stale Timers stopped a later event")
	}
}

// Stopping most of many timers compacts the queue without losing the rest.
func TestSchedulerCompaction(t *testing.T) {
	s := NewScheduler(Limits{})
	var timers []Timer
	sum := 0
	for i := range 1000 {
		timers = append(timers, s.At(time.Duration(i), func() { sum += i }))
	}
	want := 0
	for i, tm := range timers {
		if i%10 == 7 {
			want += i
			continue
		}
		s.Stop(tm)
	}
	if s.queue.len() >= 500 || s.Pending() != 100 {
		t.Fatalf("queue %d entries, %d pending: not compacted", s.queue.len(), s.Pending())
	}
	s.Run(Forever, nil)
	if sum != want {
		t.Fatalf("sum %d, want %d", sum, want)
	}
}

// Run stops at a deadline (moving the clock there), when idle, or on a
// condition; the clock never goes backwards.
func TestRunStops(t *testing.T) {
	s := NewScheduler(Limits{})
	n := 0
	for i := 1; i <= 10; i++ {
		s.At(time.Duration(i)*time.Second, func() { n++ })
	}
	if r := s.Run(3500*time.Millisecond, nil); r != StopDeadline || n != 3 || s.Now() != 3500*time.Millisecond {
		t.Fatalf("Run(3.5s) = %v, n %d, now %v", r, n, s.Now())
	}
	if r := s.Run(time.Second, nil); r != StopDeadline || s.Now() != 3500*time.Millisecond {
		t.Fatalf("Run into the past = %v, now %v", r, s.Now())
	}
	if r := s.Run(Forever, func() bool { return n == 6 }); r != StopCondition || n != 6 || s.Now() != 6*time.Second {
		t.Fatalf("Run(cond) = %v, n %d, now %v", r, n, s.Now())
	}
	if !s.Step() || n != 7 {
		t.Fatal("Step did not fire one event")
	}
	if r := s.Run(20*time.Second, nil); r != StopIdle || n != 10 || s.Now() != 20*time.Second {
		t.Fatalf("Run(20s) = %v, n %d, now %v", r, n, s.Now())
	}
	if s.Step() {
		t.Fatal("Step on an empty queue")
	}
	// A time in the past means now.
	var at time.Duration
	s.At(time.Second, func() { at = s.Now() })
	s.Run(Forever, nil)
	if at != 20*time.Second {
		t.Fatalf("past event ran at %v", at)
	}
}

// A run that passes a limit ends with StopLimit and a LimitError instead of
// running on, and stays stopped.
func TestLimits(t *testing.T) {
	var tick func()
	s := NewScheduler(Limits{Events: 100})
	tick = func() { s.After(time.Millisecond, tick) } // a livelock
	s.After(0, tick)
	if r := s.Run(Forever, nil); r != StopLimit || s.Fired() != 100 {
		t.Fatalf("Run = %v after %d events", r, s.Fired())
	}
	var le *LimitError
	if !errors.As(s.Err(), &le) || le.Limit != "events" || le.Events != 100 {
		t.Fatalf("Err = %v", s.Err())
	}
	if r := s.Run(Forever, nil); r != StopLimit || s.Fired() != 100 {
		t.Fatal("a stopped scheduler ran again")
	}

	s = NewScheduler(Limits{Time: time.Minute})
	tick = func() { s.After(time.Second, tick) }
	s.After(0, tick)
	if r := s.Run(Forever, nil); r != StopLimit || s.Now() != time.Minute {
		t.Fatalf("Run = %v at %v", r, s.Now())
	}
	if !errors.As(s.Err(), &le) || le.Limit != "time" || le.Error() != "sim: time limit reached at 60.000000000 after 61 events" {
		t.Fatalf("Err = %v", s.Err())
	}
}

func TestFormatTime(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0.000000000"},
		{12*time.Second + 500*time.Microsecond, "12.000500000"},
		{-time.Millisecond, "-0.001000000"},
		{Forever, "9223372036.854775807"},
	} {
		if got := FormatTime(c.d); got != c.want {
			t.Errorf("FormatTime(%d) = %q, want %q", c.d, got, c.want)
		}
	}
}

// Seeds: a name gives the same sequence every time; other names and other
// roots give other sequences.
func TestSeeds(t *testing.T) {
	draw := func(s Seeds, name string) []uint64 {
		r := s.Stream(name)
		out := make([]uint64, 8)
		for i := range out {
			out[i] = r.Uint64()
		}
		return out
	}
	a := NewSeeds(42)
	if a.Root() != 42 {
		t.Fatal("Root")
	}
	if !slices.Equal(draw(a, "net"), draw(NewSeeds(42), "net")) {
		t.Fatal("same root and name, different sequences")
	}
	if slices.Equal(draw(a, "net"), draw(a, "workload")) {
		t.Fatal("different names, same sequence")
	}
	if slices.Equal(draw(a, "net"), draw(NewSeeds(43), "net")) {
		t.Fatal("different roots, same sequence")
	}
	if a.Derive("node/m1") != a.Derive("node/m1") || a.Derive("node/m1") == a.Derive("node/r1") {
		t.Fatal("Derive")
	}
}

// Trace: the same lines give the same hash, another line another hash, and
// the lines are written out as given.
func TestTrace(t *testing.T) {
	var out []byte
	w := writerFunc(func(p []byte) (int, error) { out = append(out, p...); return len(p), nil })
	a, b := NewTrace(w), NewTrace(nil)
	for _, tr := range []*Trace{a, b} {
		tr.Printf(time.Second, "fault cut %s %s", "m1", "r1")
		l := tr.Line(1500 * time.Millisecond)
		tr.End(append(l, "net deliver c1 m1>r1 5B"...))
	}
	if a.Sum() != b.Sum() || a.Lines() != 2 {
		t.Fatalf("sums differ or lines %d", a.Lines())
	}
	want := "1.000000000 fault cut m1 r1\n1.500000000 net deliver c1 m1>r1 5B\n"
	if string(out) != want {
		t.Fatalf("written %q", out)
	}
	b.Printf(2*time.Second, "host crash m1")
	if a.Sum() == b.Sum() {
		t.Fatal("different lines, same sum")
	}
	if a.Err() != nil {
		t.Fatal(a.Err())
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// A deferred call runs once the instant's events are done, including the
// events scheduled for that instant meanwhile, before the clock moves and
// before Run returns at its deadline; it is not counted as an event.
func TestSchedulerDefer(t *testing.T) {
	s := NewScheduler(Limits{})
	var got []string
	s.At(1, func() {
		got = append(got, "e1")
		s.Defer(func() {
			got = append(got, "d1")
			s.At(1, func() { got = append(got, "e1-from-d1") })
		})
		s.At(1, func() { got = append(got, "e1-later") })
	})
	s.At(1, func() { got = append(got, "e1b") })
	s.At(2, func() {
		got = append(got, "e2")
		s.Defer(func() { got = append(got, "d2") })
	})
	if r := s.Run(2, nil); r != StopIdle {
		t.Fatalf("Run = %v, want idle", r)
	}
	want := []string{"e1", "e1b", "e1-later", "d1", "e1-from-d1", "e2", "d2"}
	if !slices.Equal(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
	if s.Fired() != 5 {
		t.Fatalf("fired %d events, want 5 (deferred calls are not events)", s.Fired())
	}
	got = nil
	s.At(3, func() { s.Defer(func() { got = append(got, "d3") }) })
	s.At(5, func() {})
	if r := s.Run(4, nil); r != StopDeadline || !slices.Equal(got, []string{"d3"}) {
		t.Fatalf("Run = %v with %v, want deadline after d3", r, got)
	}
}
