package sim

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"
)

// The trace of a short exchange, line by line: this is the format a reader
// of trace.log sees, and a change to it changes every trace hash.
func TestTraceGolden(t *testing.T) {
	w := newWorld(t, 1, LinkConfig{Latency: time.Millisecond}, "m1", "r1")
	w.listen("m1", 6379, func(c *Conn, r *recorder) {
		r.onData = func(c *Conn, p []byte) { c.Write([]byte("+PONG\r\n")) }
	})
	d := w.dial("r1", Addr{"m1", 6379})
	d.cr.onData = func(c *Conn, p []byte) { c.Close() }
	w.s.Run(Forever, func() bool { return d.c != nil })
	d.c.Write([]byte("PING\r\n"))
	w.run(Forever)
	want := `0.000000000 net dial c1 r1:40001>m1:6379
0.001000000 net accept c1 r1:40001>m1:6379
0.002000000 net connect c1 r1:40001>m1:6379
0.003000000 net deliver c1 r1>m1 6B
0.004000000 net deliver c1 m1>r1 7B
0.004000000 net close c1 r1:40001>m1:6379 by r1
0.005000000 net fin c1 r1>m1
`
	if got := w.log.String(); got != want {
		t.Fatalf("trace:\n%s\nwant:\n%s", got, want)
	}
}

// A connect takes one round trip: accept after the one-way latency, done
// after the answer is back. Data follows in order, and addresses are as
// dialled, with ephemeral ports handed out in turn.
func TestConnect(t *testing.T) {
	w := newWorld(t, 1, LinkConfig{Latency: 3 * time.Millisecond}, "m1", "r1")
	var acceptedAt time.Duration
	w.listen("m1", 6379, func(c *Conn, r *recorder) { acceptedAt = w.s.Now() })
	p := w.connect("r1", "m1", 6379)
	if acceptedAt != 3*time.Millisecond || p.at != 6*time.Millisecond {
		t.Fatalf("accept at %v, connect at %v", acceptedAt, p.at)
	}
	if p.c.LocalAddr() != (Addr{"r1", 40001}) || p.c.RemoteAddr() != (Addr{"m1", 6379}) ||
		p.s.LocalAddr() != p.c.RemoteAddr() || p.s.RemoteAddr() != p.c.LocalAddr() {
		t.Fatalf("addresses %v %v %v %v", p.c.LocalAddr(), p.c.RemoteAddr(), p.s.LocalAddr(), p.s.RemoteAddr())
	}
	if p.c.ID() != 1 || p.s.ID() != 1 || p.c.String() != "c1" {
		t.Fatalf("ids %d %d", p.c.ID(), p.s.ID())
	}
	q := w.connect("r1", "m1", 6379)
	if q.c.LocalAddr().Port != 40002 || q.c.ID() != 2 {
		t.Fatalf("second conn %v id %d", q.c.LocalAddr(), q.c.ID())
	}
	p.c.Write([]byte("hello "))
	p.c.Write([]byte("world"))
	p.s.Write([]byte("back"))
	w.run(Forever)
	if p.sr.data.String() != "hello world" || p.cr.data.String() != "back" {
		t.Fatalf("got %q and %q", p.sr.data.String(), p.cr.data.String())
	}
}

// Refused dials: nobody listening (after a round trip), a host that is down
// (after a round trip), a cut link (at once). The listener's port is taken.
func TestDialRefused(t *testing.T) {
	w := newWorld(t, 1, LinkConfig{Latency: time.Millisecond}, "m1", "r1", "r2", "r3")
	w.listen("m1", 6379, nil)
	w.listen("r3", 6379, nil)
	if err := w.host("m1").Listen(6379, func(*Conn) {}); !errors.Is(err, ErrPortInUse) {
		t.Fatalf("second Listen: %v", err)
	}
	noListener := w.dial("r1", Addr{"m1", 1234})
	w.host("r2").Crash()
	down := w.dial("r1", Addr{"r2", 6379})
	w.net.Cut("r1", "r3")
	cut := w.dial("r1", Addr{"r3", 6379})
	w.run(Forever)
	for _, c := range []struct {
		name string
		p    *pair
		at   time.Duration
	}{{"no listener", noListener, 2 * time.Millisecond}, {"host down", down, 2 * time.Millisecond}, {"cut", cut, 0}} {
		if !errors.Is(c.p.err, ErrRefused) || c.p.c != nil || c.p.at != c.at {
			t.Errorf("%s: err %v at %v, want refused at %v", c.name, c.p.err, c.p.at, c.at)
		}
	}
	if len(w.lines("net refused c1 r1:40001>m1:1234")) != 1 {
		t.Error("refusal not traced")
	}
}

// A stall holds the handshake: the dial fails after ConnectTimeout, unless the
// stall heals first and the connect then completes.
func TestDialStalled(t *testing.T) {
	w := newWorld(t, 1, LinkConfig{Latency: time.Millisecond}, "m1", "r1", "r2")
	w.listen("m1", 6379, nil)
	w.net.Stall("r1", "m1")
	w.net.Stall("r2", "m1")
	lost := w.dial("r1", Addr{"m1", 6379})
	late := w.dial("r2", Addr{"m1", 6379})
	w.s.At(100*time.Second, func() { w.net.Heal("r2", "m1") })
	w.run(Forever)
	if !errors.Is(lost.err, ErrTimeout) || lost.at != DefaultConnectTimeout {
		t.Fatalf("stalled dial: %v at %v", lost.err, lost.at)
	}
	if late.err != nil || late.at != 100*time.Second+2*time.Millisecond {
		t.Fatalf("healed dial: %v at %v", late.err, late.at)
	}
}

// The connect timeout is the kernel's: it expires during a pause of the
// dialling host, whose owner hears of it at the resume.
func TestDialTimeoutWhilePaused(t *testing.T) {
	w := newWorld(t, 1, LinkConfig{Latency: time.Millisecond}, "m1", "r1")
	w.listen("m1", 6379, nil)
	w.net.ConnectTimeout = time.Second
	w.net.Stall("r1", "m1")
	d := w.dial("r1", Addr{"m1", 6379})
	w.host("r1").Pause(900 * time.Millisecond)
	w.s.At(950*time.Millisecond, func() { w.host("r1").Pause(time.Second) })
	w.s.At(1500*time.Millisecond, func() { w.net.Heal("r1", "m1") })
	w.run(Forever)
	if !errors.Is(d.err, ErrTimeout) || d.at != 1950*time.Millisecond {
		t.Fatalf("dial: %v at %v", d.err, d.at)
	}
}

// When only the answer is stalled, the server has accepted by the time the
// client gives up; the client's RST then resets the server's end.
func TestDialTimeoutResetsServer(t *testing.T) {
	w := newWorld(t, 1, LinkConfig{Latency: time.Millisecond}, "m1", "r1")
	var srv *recorder
	w.listen("m1", 6379, func(c *Conn, r *recorder) { srv = r })
	w.net.StallOneWay("m1", "r1")
	d := w.dial("r1", Addr{"m1", 6379})
	w.run(Forever)
	if !errors.Is(d.err, ErrTimeout) || srv == nil {
		t.Fatalf("dial: %v, accepted %v", d.err, srv != nil)
	}
	if !errors.Is(srv.closedErr, ErrReset) || srv.closedAt != DefaultConnectTimeout+time.Millisecond {
		t.Fatalf("server end: %v at %v", srv.closedErr, srv.closedAt)
	}
}

// Before the dial is done, Write fails; Close abandons the dial and done is
// never called.
func TestDialAbandoned(t *testing.T) {
	w := newWorld(t, 1, LinkConfig{Latency: time.Millisecond}, "m1", "r1")
	w.listen("m1", 6379, nil)
	called := false
	c := w.host("r1").Dial(Addr{"m1", 6379}, func(*Conn, error) { called = true })
	if _, err := c.Write([]byte("x")); !errors.Is(err, ErrNotConnected) {
		t.Fatalf("Write before connect: %v", err)
	}
	c.Close()
	if _, err := c.Write([]byte("x")); !errors.Is(err, ErrClosed) {
		t.Fatalf("Write after Close: %v", err)
	}
	w.run(Forever)
	if called {
		t.Fatal("done called after the dial was abandoned")
	}
}

// Close: bytes written before it are delivered, then EOF; the closer gets no
// more callbacks, and the peer may still write (its bytes are dropped).
func TestClose(t *testing.T) {
	w := newWorld(t, 1, LinkConfig{Latency: time.Millisecond, BandwidthBytesPerSec: 10 << 20, SegmentBytes: 1000}, "m1", "r1")
	p := w.connect("r1", "m1", 6379)
	data := pattern(100_000, 1)
	p.c.Write(data)
	p.c.Close()
	p.sr.onData = func(c *Conn, b []byte) { c.Write([]byte("reply")) }
	w.run(Forever)
	if !bytes.Equal(p.sr.data.Bytes(), data) || p.sr.closedErr != io.EOF || len(p.sr.times) != 100 {
		t.Fatalf("server got %d bytes in %d deliveries, closed %v", p.sr.data.Len(), len(p.sr.times), p.sr.closedErr)
	}
	if p.sr.closedAt < p.sr.times[len(p.sr.times)-1] {
		t.Fatal("EOF before the last bytes")
	}
	if p.cr.data.Len() != 0 || p.cr.closes != 0 || len(w.lines("net drop c1 m1>r1 5B")) != 100 {
		t.Fatal("the closed end got callbacks, or the replies were not dropped")
	}
	if n, err := p.c.Write([]byte("x")); n != 0 || !errors.Is(err, ErrClosed) {
		t.Fatalf("Write after Close: %d %v", n, err)
	}
	if n, err := p.s.Write([]byte("x")); n != 1 || err != nil {
		t.Fatalf("Write after EOF: %d %v", n, err)
	}
}

// Reset: bytes in flight are dropped, the peer hears ErrReset after the
// one-way latency, its writes then fail.
func TestReset(t *testing.T) {
	w := newWorld(t, 1, LinkConfig{Latency: time.Millisecond, BandwidthBytesPerSec: 1 << 20}, "m1", "r1")
	p := w.connect("r1", "m1", 6379)
	resetAt := w.s.Now() + 100*time.Millisecond
	s := send(p.c, p.cr, pattern(1<<20, 2))
	w.s.At(resetAt, p.c.Reset)
	w.run(Forever)
	if !errors.Is(p.sr.closedErr, ErrReset) || p.sr.closedAt != resetAt+time.Millisecond {
		t.Fatalf("server: %v at %v", p.sr.closedErr, p.sr.closedAt)
	}
	if p.sr.data.Len() == 0 || p.sr.data.Len() >= s.sent || p.sr.times[len(p.sr.times)-1] >= resetAt {
		t.Fatalf("server got %d of %d bytes, last at %v", p.sr.data.Len(), s.sent, p.sr.times[len(p.sr.times)-1])
	}
	if _, err := p.s.Write([]byte("x")); !errors.Is(err, ErrReset) {
		t.Fatalf("Write after reset: %v", err)
	}
	if p.cr.closes != 0 {
		t.Fatal("the resetting end got Closed")
	}
}

// Flow control: a paused reader takes nothing, so the writer gets exactly a
// window's worth in and then short writes; after the resume, Writable lets it
// finish, and the reader gets every byte in order.
func TestWindow(t *testing.T) {
	w := newWorld(t, 1, LinkConfig{Latency: time.Millisecond, SegmentBytes: 4096}, "m1", "r1")
	w.net.WindowBytes = 100_000
	p := w.connect("m1", "r1", 6379)
	w.host("r1").Pause(time.Second)
	data := pattern(250_000, 3)
	s := send(p.c, p.cr, data)
	if s.sent != 100_000 {
		t.Fatalf("first writes took %d bytes, want the window", s.sent)
	}
	w.run(500 * time.Millisecond)
	if s.sent != 100_000 || p.sr.data.Len() != 0 || p.cr.writables != 0 {
		t.Fatalf("during the pause: sent %d, delivered %d", s.sent, p.sr.data.Len())
	}
	w.run(Forever)
	if !bytes.Equal(p.sr.data.Bytes(), data) || p.cr.writables == 0 {
		t.Fatalf("delivered %d of %d bytes", p.sr.data.Len(), len(data))
	}
	if p.sr.times[0] != time.Second+2*time.Millisecond {
		t.Fatalf("first delivery at %v, want at the resume", p.sr.times[0])
	}
}

// A 100 MB write over 1 Gbit/s arrives about 0.8 s later, in 64 KiB
// segments.
func TestBandwidthBigWrite(t *testing.T) {
	w := newWorld(t, 1, LinkConfig{Latency: 500 * time.Microsecond, BandwidthBytesPerSec: 125_000_000}, "m1", "r1")
	p := w.connect("m1", "r1", 6379)
	const total = 100_000_000
	chunk := make([]byte, 1<<20)
	got, deliveries := 0, 0
	var last time.Duration
	p.sr.onData = func(c *Conn, b []byte) { got += len(b); deliveries++; last = w.s.Now() }
	sent := 0
	pump := func(*Conn) {
		for sent < total {
			n, _ := p.c.Write(chunk[:min(len(chunk), total-sent)])
			sent += n
			if n == 0 {
				return
			}
		}
	}
	p.cr.onWrite = pump
	start := w.s.Now()
	pump(p.c)
	p.sr.discard = true // onData counts the bytes: 100 MB need not be kept
	w.run(Forever)
	took := last - start
	if got != total || took < 800*time.Millisecond+500*time.Microsecond || took > 801*time.Millisecond {
		t.Fatalf("%d bytes in %v", got, took)
	}
	if want := (total + DefaultSegmentBytes - 1) / DefaultSegmentBytes; deliveries < want {
		t.Fatalf("%d deliveries, want at least %d", deliveries, want)
	}
}

// Two connections on one directed link share its bandwidth: together they
// take as long as one connection moving both payloads.
func TestBandwidthShared(t *testing.T) {
	w := newWorld(t, 1, LinkConfig{Latency: time.Millisecond, BandwidthBytesPerSec: 1_000_000}, "m1", "r1")
	a := w.connect("m1", "r1", 6379)
	b := w.connect("m1", "r1", 6379)
	start := w.s.Now()
	send(a.c, a.cr, pattern(200_000, 1))
	send(b.c, b.cr, pattern(300_000, 2))
	w.run(Forever)
	end := max(a.sr.times[len(a.sr.times)-1], b.sr.times[len(b.sr.times)-1])
	if end-start < 500*time.Millisecond+time.Millisecond {
		t.Fatalf("500 kB at 1 MB/s took %v", end-start)
	}
	if a.sr.data.Len() != 200_000 || b.sr.data.Len() != 300_000 {
		t.Fatal("bytes lost")
	}
}

// SetLink changes the timing of bytes written afterwards, not of bytes
// already on their way.
func TestSetLinkAtRunTime(t *testing.T) {
	w := newWorld(t, 1, LinkConfig{Latency: 10 * time.Millisecond}, "m1", "r1")
	p := w.connect("m1", "r1", 6379)
	t0 := w.s.Now()
	p.c.Write([]byte("a"))
	w.net.SetLink("m1", "r1", LinkConfig{Latency: time.Millisecond})
	p.c.Write([]byte("b"))
	w.run(Forever)
	// "b" would arrive first, but a stream never reorders.
	if p.sr.data.String() != "ab" || !slices.Equal(p.sr.times, []time.Duration{t0 + 10*time.Millisecond, t0 + 10*time.Millisecond}) {
		t.Fatalf("got %q at %v", p.sr.data.String(), p.sr.times)
	}
	p.c.Write([]byte("c"))
	w.run(Forever)
	if p.sr.times[2] != t0+11*time.Millisecond {
		t.Fatalf("after SetLink: %v", p.sr.times[2])
	}
	if len(w.lines("fault link m1 r1 latency=1ms jitter=0s bandwidth=0B/s segment=65536B")) != 1 {
		t.Fatal("SetLink not traced")
	}
}

// Segmenting: a write larger than SegmentBytes arrives in several
// deliveries, and RandomSplit cuts writes at random points.
func TestSegments(t *testing.T) {
	w := newWorld(t, 1, LinkConfig{SegmentBytes: 1000}, "m1", "r1")
	p := w.connect("m1", "r1", 6379)
	p.c.Write(pattern(3500, 1))
	w.run(Forever)
	if len(p.sr.times) != 4 {
		t.Fatalf("%d deliveries, want 4", len(p.sr.times))
	}
	w.net.SetLink("m1", "r1", LinkConfig{SegmentBytes: 1000, RandomSplit: true})
	p.c.Write(pattern(3500, 1))
	w.run(Forever)
	if n := len(p.sr.times) - 4; n < 5 {
		t.Fatalf("random split gave %d deliveries", n)
	}
}

// Handlers may write, close and reset from inside Data. A reset from inside
// Data stops the deliveries at once; bytes written into the stream being
// handed over do not disturb the slice the handler holds.
func TestReentrancy(t *testing.T) {
	w := newWorld(t, 1, LinkConfig{Latency: time.Millisecond}, "m1", "r1")
	p := w.connect("m1", "r1", 6379)
	// Segments of 10 bytes, 10ms apart; answers come back at once.
	w.net.SetLinkOneWay("m1", "r1", LinkConfig{Latency: time.Millisecond, BandwidthBytesPerSec: 1000, SegmentBytes: 10})
	w.net.SetLinkOneWay("r1", "m1", LinkConfig{})
	var seen []string
	p.sr.onData = func(c *Conn, b []byte) {
		before := string(b)
		p.c.Write(bytes.Repeat([]byte("z"), 1000)) // the writer, from inside the reader
		if string(b) != before {
			t.Fatal("p changed under the handler")
		}
		seen = append(seen, before)
		c.Write([]byte("echo"))
		if len(seen) == 2 {
			c.Reset()
		}
	}
	p.c.Write([]byte("0123456789abcdefghij0123456789"))
	w.run(Forever)
	if !slices.Equal(seen, []string{"0123456789", "abcdefghij"}) {
		t.Fatalf("seen %q", seen)
	}
	if p.cr.data.String() != "echo" || !errors.Is(p.cr.closedErr, ErrReset) {
		t.Fatalf("writer got %q, closed %v", p.cr.data.String(), p.cr.closedErr)
	}
}

// Cut resets both ends at once and refuses dials until healed; bytes of the
// old connection never arrive.
func TestCut(t *testing.T) {
	w := newWorld(t, 1, LinkConfig{Latency: 5 * time.Millisecond}, "m1", "r1")
	p := w.connect("r1", "m1", 6379)
	p.c.Write([]byte("lost"))
	at := w.s.Now() + time.Millisecond
	w.s.At(at, func() { w.net.Cut("m1", "r1") })
	w.run(Forever)
	if !errors.Is(p.cr.closedErr, ErrReset) || !errors.Is(p.sr.closedErr, ErrReset) || p.cr.closedAt != at || p.sr.closedAt != at {
		t.Fatalf("ends: %v at %v, %v at %v", p.cr.closedErr, p.cr.closedAt, p.sr.closedErr, p.sr.closedAt)
	}
	if p.sr.data.Len() != 0 {
		t.Fatal("bytes crossed a cut")
	}
	d := w.dial("r1", Addr{"m1", 6379})
	w.run(Forever)
	if !errors.Is(d.err, ErrRefused) {
		t.Fatalf("dial across a cut: %v", d.err)
	}
	w.net.Heal("m1", "r1")
	w.connect("r1", "m1", 6379)
	if len(w.lines("fault cut m1 r1")) != 1 || len(w.lines("net reset c1")) != 2 {
		t.Fatal("cut or resets not traced")
	}
}

// A one-way cut breaks connections and dials in both directions.
func TestCutOneWay(t *testing.T) {
	w := newWorld(t, 1, LinkConfig{Latency: time.Millisecond}, "m1", "r1")
	w.listen("r1", 7000, nil)
	p := w.connect("r1", "m1", 6379)
	w.net.CutOneWay("m1", "r1")
	a := w.dial("r1", Addr{"m1", 6379})
	b := w.dial("m1", Addr{"r1", 7000})
	w.run(Forever)
	if !errors.Is(p.cr.closedErr, ErrReset) || !errors.Is(p.sr.closedErr, ErrReset) {
		t.Fatal("existing connection not reset")
	}
	if !errors.Is(a.err, ErrRefused) || !errors.Is(b.err, ErrRefused) {
		t.Fatalf("dials: %v, %v", a.err, b.err)
	}
}

// A stall holds bytes without loss or reset; on heal they leave in order,
// arriving one latency after the heal at the earliest.
func TestStall(t *testing.T) {
	w := newWorld(t, 1, LinkConfig{Latency: 5 * time.Millisecond, SegmentBytes: 100}, "m1", "r1")
	p := w.connect("m1", "r1", 6379)
	data := pattern(1000, 4)
	p.c.Write(data[:500])
	stallAt := w.s.Now() + 2*time.Millisecond
	healAt := stallAt + 10*time.Second
	w.s.At(stallAt, func() { w.net.Stall("m1", "r1"); p.c.Write(data[500:]) })
	w.s.At(healAt, func() { w.net.Heal("m1", "r1") })
	w.run(Forever)
	if !bytes.Equal(p.sr.data.Bytes(), data) || p.sr.closes != 0 || p.cr.closes != 0 {
		t.Fatalf("got %d bytes, closes %d %d", p.sr.data.Len(), p.sr.closes, p.cr.closes)
	}
	for _, at := range p.sr.times {
		if at < healAt+5*time.Millisecond {
			t.Fatalf("delivery at %v during the stall", at)
		}
	}
}

// Partition cuts or stalls every pair across groups and nothing else.
func TestPartition(t *testing.T) {
	w := newWorld(t, 1, LinkConfig{Latency: time.Millisecond}, "m1", "r1", "r2", "c1")
	mr1 := w.connect("m1", "r1", 6379)
	mr2 := w.connect("m1", "r2", 6379)
	rr := w.connect("r1", "r2", 6379)
	cm := w.connect("c1", "m1", 6379)
	w.net.Partition(LinkStalled, []string{"m1"}, []string{"r1", "r2"})
	for _, p := range []*pair{mr1, mr2, rr, cm} {
		p.c.Write([]byte("x"))
	}
	w.run(time.Minute)
	if mr1.sr.data.Len() != 0 || mr2.sr.data.Len() != 0 || rr.sr.data.Len() != 1 || cm.sr.data.Len() != 1 {
		t.Fatal("partition held the wrong links")
	}
	w.net.HealAll()
	w.run(Forever)
	if mr1.sr.data.Len() != 1 || mr2.sr.data.Len() != 1 {
		t.Fatal("HealAll did not release the held bytes")
	}
	if len(w.lines("fault partition stall m1|r1,r2")) != 1 {
		t.Fatal("partition not traced")
	}
}

// Pause: timers and deliveries due during the pause run at the resume, in
// their original order, all at the resume instant; a waiting timer can still
// be stopped.
func TestPause(t *testing.T) {
	w := newWorld(t, 1, LinkConfig{Latency: time.Millisecond}, "m1", "r1")
	p := w.connect("m1", "r1", 6379)
	r1 := w.host("r1")
	var order []string
	var at []time.Duration
	note := func(s string) { order = append(order, s); at = append(at, w.s.Now()) }
	start := w.s.Now()
	r1.Pause(5 * time.Second)
	var t3 Timer
	r1.After(time.Second, func() { note("t1") })
	w.s.At(start+2*time.Second, func() { p.c.Write([]byte("data")) })
	p.sr.onData = func(*Conn, []byte) { note("data"); r1.Stop(t3) }
	t3 = r1.After(3*time.Second, func() { note("t3") })
	r1.After(4*time.Second, func() { note("t4") })
	r1.After(6*time.Second, func() { note("t6") })
	w.run(Forever)
	if !slices.Equal(order, []string{"t1", "data", "t4", "t6"}) {
		t.Fatalf("order %v", order)
	}
	resume := start + 5*time.Second
	if !slices.Equal(at, []time.Duration{resume, resume, resume, start + 6*time.Second}) {
		t.Fatalf("times %v", at)
	}
	if len(w.lines("host pause r1 5s")) != 1 || len(w.lines("host resume r1")) != 1 {
		t.Fatal("pause not traced")
	}
}

// A pause inside a callback at resume holds the remaining callbacks again.
func TestPauseAgainAtResume(t *testing.T) {
	w := newWorld(t, 1, LinkConfig{}, "m1")
	m1 := w.host("m1")
	var order []string
	m1.Pause(time.Second)
	m1.After(0, func() { order = append(order, "a"); m1.Pause(time.Second) })
	m1.After(0, func() { order = append(order, "b") })
	w.run(1500 * time.Millisecond)
	if !slices.Equal(order, []string{"a"}) {
		t.Fatalf("order %v", order)
	}
	w.run(Forever)
	if !slices.Equal(order, []string{"a", "b"}) || w.s.Now() != 2*time.Second {
		t.Fatalf("order %v at %v", order, w.s.Now())
	}
}

// A paused host's kernel completes connects; its accept waits for the
// resume, and bytes sent to it wait behind the accept.
func TestPauseConnect(t *testing.T) {
	w := newWorld(t, 1, LinkConfig{Latency: time.Millisecond}, "m1", "r1")
	var acceptedAt time.Duration
	var srv *recorder
	w.listen("m1", 6379, func(c *Conn, r *recorder) { acceptedAt, srv = w.s.Now(), r })
	w.host("m1").Pause(time.Second)
	d := w.dial("r1", Addr{"m1", 6379})
	d.cr.onData = nil
	w.s.Run(Forever, func() bool { return d.c != nil })
	if d.at != 2*time.Millisecond {
		t.Fatalf("connect at %v", d.at)
	}
	d.c.Write([]byte("hi"))
	w.run(Forever)
	if acceptedAt != time.Second || srv.data.String() != "hi" || srv.times[0] != time.Second {
		t.Fatalf("accept at %v, data %q", acceptedAt, srv.data.String())
	}
}

// Crash: peers see a reset after the latency, the host's timers never fire,
// the owner is told, dials are refused until Restart; then the owner listens
// again and dials succeed.
func TestCrash(t *testing.T) {
	w := newWorld(t, 1, LinkConfig{Latency: time.Millisecond}, "m1", "r1")
	m1 := w.host("m1")
	p := w.connect("r1", "m1", 6379)
	fired, crashes, restarts := false, 0, 0
	m1.After(time.Second, func() { fired = true })
	m1.OnCrash = func() { crashes++ }
	m1.OnRestart = func() {
		restarts++
		w.listen("m1", 6379, nil)
	}
	p.s.Write(pattern(1000, 1))
	crashAt := w.s.Now()
	m1.Crash()
	if err := m1.Listen(1, func(*Conn) {}); !errors.Is(err, ErrHostDown) || m1.Up() {
		t.Fatalf("Listen on a crashed host: %v", err)
	}
	refused := w.dial("r1", Addr{"m1", 6379})
	w.run(Forever)
	if fired || crashes != 1 {
		t.Fatalf("timer fired %v, OnCrash %d", fired, crashes)
	}
	if !errors.Is(p.cr.closedErr, ErrReset) || p.cr.closedAt != crashAt+time.Millisecond || p.cr.data.Len() != 0 {
		t.Fatalf("peer: %v at %v, %d bytes", p.cr.closedErr, p.cr.closedAt, p.cr.data.Len())
	}
	if !errors.Is(refused.err, ErrRefused) {
		t.Fatalf("dial to a crashed host: %v", refused.err)
	}
	m1.Restart()
	if restarts != 1 || !m1.Up() {
		t.Fatal("OnRestart not called")
	}
	w.connect("r1", "m1", 6379)
	if len(w.lines("host crash m1")) != 1 || len(w.lines("host restart m1")) != 1 {
		t.Fatal("crash not traced")
	}
}

// A crash while paused drops the waiting callbacks too.
func TestCrashWhilePaused(t *testing.T) {
	w := newWorld(t, 1, LinkConfig{}, "m1")
	m1 := w.host("m1")
	ran := false
	m1.Pause(time.Second)
	m1.After(0, func() { ran = true })
	w.run(time.Millisecond)
	m1.Crash()
	m1.Restart()
	w.run(Forever)
	if ran || m1.Paused() {
		t.Fatal("a callback of the crashed life ran")
	}
}

// A dial from a crashed host returns a dead end and never calls back.
func TestDialFromCrashedHost(t *testing.T) {
	w := newWorld(t, 1, LinkConfig{}, "m1", "r1")
	w.host("r1").Crash()
	called := false
	c := w.host("r1").Dial(Addr{"m1", 6379}, func(*Conn, error) { called = true })
	if _, err := c.Write([]byte("x")); err == nil {
		t.Fatal("Write on a dial from a crashed host")
	}
	c.Close()
	c.Reset()
	w.run(Forever)
	if called || !strings.Contains(w.log.String(), "host crash r1") {
		t.Fatal("a crashed host got a callback")
	}
}
