package sim

import (
	"bytes"
	"testing"
	"time"
)

// The byte queue keeps its bytes in order through appends, drops and the
// copying down of its live bytes, and reuses its memory once it is big
// enough.
func TestByteQueue(t *testing.T) {
	var q byteQueue
	var model []byte
	peak := 0
	data := pattern(1<<16, 5)
	for i := range 2000 {
		n := (i*37)%900 + 1
		q.append(data[:n])
		model = append(model, data[:n]...)
		peak = max(peak, len(model))
		d := min(q.len(), (i*53)%1000)
		if !bytes.Equal(q.front(d), model[:d]) {
			t.Fatalf("step %d: front differs", i)
		}
		q.drop(d)
		model = model[d:]
		if q.len() != len(model) {
			t.Fatalf("step %d: len %d, want %d", i, q.len(), len(model))
		}
	}
	if cap(q.buf) > 4*peak {
		t.Fatalf("buffer grew to %d for at most %d live bytes", cap(q.buf), peak)
	}
}

// A queue reset while a Data callback holds a slice of it leaves that
// slice's bytes alone.
func TestByteQueuePinned(t *testing.T) {
	var q byteQueue
	q.append([]byte("hello"))
	p := q.front(5)
	q.pinned = true
	q.reset()
	q.append([]byte("XXXXX"))
	if string(p) != "hello" {
		t.Fatalf("held slice now reads %q", p)
	}
}

// The segment ring is a FIFO across growth and wrap-around, and pops from
// the back for stalls.
func TestSegRing(t *testing.T) {
	var r segRing
	next, want := 0, 0
	for round := range 50 {
		for range round % 13 {
			r.push(seg{n: next})
			next++
		}
		for range round % 7 {
			if r.len() == 0 {
				break
			}
			if s := r.popFront(); s.n != want {
				t.Fatalf("popped %d, want %d", s.n, want)
			}
			want++
		}
	}
	if r.len() != next-want || r.at(0).n != want {
		t.Fatal("ring lost track")
	}
	if s := r.popBack(); s.n != next-1 {
		t.Fatalf("popBack = %d, want %d", s.n, next-1)
	}
}

// Scheduling and firing do not allocate once the queue has its working size,
// nor does a delivery on an established connection.
func TestNoAllocSteadyState(t *testing.T) {
	s := NewScheduler(Limits{})
	var fire func()
	fire = func() { s.After(time.Millisecond, fire) }
	for range 100 {
		s.After(time.Duration(s.Pending())*time.Microsecond, fire)
	}
	s.Run(time.Second, nil)
	if a := testing.AllocsPerRun(100, func() { s.Run(s.Now()+10*time.Millisecond, nil) }); a != 0 {
		t.Errorf("scheduler: %v allocations per 1000 events", a)
	}

	w := newWorld(t, 1, LinkConfig{Latency: time.Millisecond, Jitter: time.Millisecond, BandwidthBytesPerSec: 1e9, SegmentBytes: 100}, "m1", "r1")
	p := w.connect("m1", "r1", 6379)
	w.tr = NewTrace(nil) // hashing only
	w.net.tr = w.tr
	p.sr.onData = func(*Conn, []byte) {}
	chunk := make([]byte, 1000)
	step := func() {
		p.c.Write(chunk)
		p.s.Write(chunk[:10])
		p.sr.data.Reset()
		p.cr.data.Reset()
		p.sr.times, p.cr.times = p.sr.times[:0], p.cr.times[:0]
		w.run(Forever)
	}
	for range 100 {
		step()
	}
	if a := testing.AllocsPerRun(100, step); a != 0 {
		t.Errorf("stream: %v allocations per write of 10 segments", a)
	}
}
