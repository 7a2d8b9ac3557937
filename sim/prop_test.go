package sim

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// drawLink draws one direction's settings, simplest first: no latency, no
// jitter, unlimited bandwidth, big segments.
func drawLink(t *rapid.T, name string) LinkConfig {
	return LinkConfig{
		Latency:              time.Duration(rapid.IntRange(0, 5000).Draw(t, name+"LatencyUs")) * time.Microsecond,
		Jitter:               time.Duration(rapid.IntRange(0, 5000).Draw(t, name+"JitterUs")) * time.Microsecond,
		BandwidthBytesPerSec: rapid.SampledFrom([]int64{0, 125_000_000, 1_000_000, 10_000}).Draw(t, name+"Bandwidth"),
		SegmentBytes:         rapid.SampledFrom([]int{0, 1000, 100, 7, 1}).Draw(t, name+"SegmentBytes"),
		RandomSplit:          rapid.Bool().Draw(t, name+"RandomSplit"),
	}
}

// flow is one direction's payload, written in chunks of drawn sizes, the
// writer looping on Writable.
type flow struct {
	data []byte
	ends []int // where each chunk ends in data
	next int   // the chunk being written
	off  int   // bytes of data written
}

func drawFlow(t *rapid.T, name string, seed uint64) *flow {
	chunks := rapid.SliceOfN(rapid.IntRange(1, 30_000), 0, 12).Draw(t, name+"Writes")
	f := &flow{}
	total := 0
	for _, c := range chunks {
		total += c
		f.ends = append(f.ends, total)
	}
	f.data = pattern(total, seed)
	return f
}

// pump writes as much of the flow as the window takes and reports whether
// all of it is written.
func (f *flow) pump(c *Conn) bool {
	for ; f.next < len(f.ends); f.next++ {
		end := f.ends[f.next]
		n, err := c.Write(f.data[f.off:end])
		f.off += n
		if err != nil || f.off < end {
			return false // window full: Writable will call again
		}
	}
	return true
}

// Bytes written on a healthy connection arrive complete, in order, exactly
// once, whatever the segmenting, splitting, jitter, bandwidth and window; the
// EOF comes after the last byte.
func TestPropDelivery(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w := newWorld(t, rapid.Uint64Range(0, 3).Draw(t, "seed"), LinkConfig{}, "m1", "r1")
		w.net.WindowBytes = rapid.SampledFrom([]int{DefaultWindowBytes, 10_000, 100, 1}).Draw(t, "window")
		p := w.connect("r1", "m1", 6379)
		w.net.SetLinkOneWay("r1", "m1", drawLink(t, "up"))
		w.net.SetLinkOneWay("m1", "r1", drawLink(t, "down"))
		up, down := drawFlow(t, "up", 1), drawFlow(t, "down", 2)
		// The client closes once it has written everything and read
		// everything: a closed end reads no more.
		closeWhenDone := func() {
			if up.pump(p.c) && p.cr.data.Len() == len(down.data) {
				p.c.Close()
			}
		}
		p.cr.onWrite = func(*Conn) { closeWhenDone() }
		p.cr.onData = func(*Conn, []byte) { closeWhenDone() }
		p.sr.onWrite = func(c *Conn) { down.pump(c) }
		down.pump(p.s)
		closeWhenDone()
		w.run(Forever)
		if !bytes.Equal(p.sr.data.Bytes(), up.data) || !bytes.Equal(p.cr.data.Bytes(), down.data) {
			t.Fatalf("got %d of %d bytes up, %d of %d down", p.sr.data.Len(), len(up.data), p.cr.data.Len(), len(down.data))
		}
		if p.sr.closedErr != io.EOF || p.sr.closes != 1 || p.cr.closes != 0 {
			t.Fatalf("closes: server %v (%d), client %d", p.sr.closedErr, p.sr.closes, p.cr.closes)
		}
		if n := len(p.sr.times); n > 0 && p.sr.closedAt < p.sr.times[n-1] {
			t.Fatal("EOF before the last byte")
		}
		if !slices.IsSorted(p.sr.times) || !slices.IsSorted(p.cr.times) {
			t.Fatal("deliveries out of time order")
		}
	})
}

// After a cut, a reset or a crash, no byte of the old connection is handed to
// either end; what did arrive is a prefix of what was written; the ends that
// did not cause the failure hear ErrReset.
func TestPropNothingAfterReset(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w := newWorld(t, rapid.Uint64Range(0, 3).Draw(t, "seed"), LinkConfig{}, "m1", "r1")
		p := w.connect("r1", "m1", 6379)
		w.net.SetLink("r1", "m1", drawLink(t, "link"))
		up, down := drawFlow(t, "up", 1), drawFlow(t, "down", 2)
		kind := rapid.SampledFrom([]string{"reset-client", "reset-server", "cut", "crash-server"}).Draw(t, "fault")
		at := w.s.Now() + time.Duration(rapid.IntRange(0, 50_000).Draw(t, "faultAtUs"))*time.Microsecond
		faulted := false
		w.s.At(at, func() {
			faulted = true
			switch kind {
			case "reset-client":
				p.c.Reset()
			case "reset-server":
				p.s.Reset()
			case "cut":
				w.net.Cut("r1", "m1")
			case "crash-server":
				w.host("m1").Crash()
			}
		})
		late := func(*Conn, []byte) {
			if faulted {
				t.Fatalf("bytes handed over after the %s", kind)
			}
		}
		p.cr.onData, p.sr.onData = late, late
		p.cr.onWrite = func(c *Conn) { up.pump(c) }
		p.sr.onWrite = func(c *Conn) { down.pump(c) }
		up.pump(p.c)
		down.pump(p.s)
		w.run(Forever)
		if !bytes.HasPrefix(up.data, p.sr.data.Bytes()) || !bytes.HasPrefix(down.data, p.cr.data.Bytes()) {
			t.Fatal("delivered bytes are not a prefix of the written ones")
		}
		if kind != "reset-client" && !errors.Is(p.cr.closedErr, ErrReset) {
			t.Fatalf("client end: %v", p.cr.closedErr)
		}
		if (kind == "reset-client" || kind == "cut") && !errors.Is(p.sr.closedErr, ErrReset) {
			t.Fatalf("server end: %v", p.sr.closedErr)
		}
	})
}

// After a stall and a heal nothing is lost, duplicated or reordered, nothing
// is reset, and no byte crosses the stalled direction before the heal plus
// the latency.
func TestPropStallHeal(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w := newWorld(t, rapid.Uint64Range(0, 3).Draw(t, "seed"), LinkConfig{}, "m1", "r1")
		w.net.WindowBytes = rapid.SampledFrom([]int{DefaultWindowBytes, 10_000}).Draw(t, "window")
		p := w.connect("r1", "m1", 6379)
		cfg := drawLink(t, "link")
		w.net.SetLink("r1", "m1", cfg)
		up, down := drawFlow(t, "up", 1), drawFlow(t, "down", 2)
		dir := rapid.SampledFrom([]string{"both", "r1>m1", "m1>r1"}).Draw(t, "direction")
		stallAt := w.s.Now() + time.Duration(rapid.IntRange(0, 20_000).Draw(t, "stallAtUs"))*time.Microsecond
		healAt := stallAt + time.Duration(rapid.IntRange(0, 10_000).Draw(t, "stallMs"))*time.Millisecond
		w.s.At(stallAt, func() {
			switch dir {
			case "both":
				w.net.Stall("r1", "m1")
			case "r1>m1":
				w.net.StallOneWay("r1", "m1")
			case "m1>r1":
				w.net.StallOneWay("m1", "r1")
			}
		})
		w.s.At(healAt, func() { w.net.Heal("r1", "m1") })
		held := func(stalled bool) func(*Conn, []byte) {
			return func(*Conn, []byte) {
				if now := w.s.Now(); stalled && now >= stallAt && now < healAt+cfg.Latency {
					t.Fatalf("bytes handed over at %v, during a stall from %v to %v", now, stallAt, healAt)
				}
			}
		}
		p.sr.onData = held(dir != "m1>r1")
		p.cr.onData = held(dir != "r1>m1")
		p.cr.onWrite = func(c *Conn) { up.pump(c) }
		p.sr.onWrite = func(c *Conn) { down.pump(c) }
		up.pump(p.c)
		down.pump(p.s)
		w.run(Forever)
		if !bytes.Equal(p.sr.data.Bytes(), up.data) || !bytes.Equal(p.cr.data.Bytes(), down.data) {
			t.Fatalf("got %d of %d bytes up, %d of %d down", p.sr.data.Len(), len(up.data), p.cr.data.Len(), len(down.data))
		}
		if p.sr.closes != 0 || p.cr.closes != 0 {
			t.Fatalf("a stall closed the connection: %v, %v", p.sr.closedErr, p.cr.closedErr)
		}
	})
}

// op is one step of a random schedule: after gap, do kind to hosts a and b
// (or to connection a), with size bytes where that matters. Kinds are listed
// simplest first, so rapid shrinks toward timers and plain traffic.
type op struct {
	gapUs int
	kind  int
	a, b  int
	size  int
}

var opKinds = []string{"timer", "dial", "write", "close", "reset", "setlink", "pause", "stall", "stall1", "cut", "cut1", "heal", "healall", "partition", "crash", "restart"}

func drawOps(t *rapid.T) []op {
	return rapid.SliceOfN(rapid.Custom(func(t *rapid.T) op {
		return op{
			gapUs: rapid.IntRange(0, 20_000).Draw(t, "gapUs"),
			kind:  rapid.IntRange(0, len(opKinds)-1).Draw(t, "kind"),
			a:     rapid.IntRange(0, 2).Draw(t, "a"),
			b:     rapid.IntRange(0, 2).Draw(t, "b"),
			size:  rapid.IntRange(1, 50_000).Draw(t, "size"),
		}
	}), 1, 60).Draw(t, "ops")
}

// runOps builds a world of three hosts that echo part of what they get, plays
// the schedule on it, and returns the trace hash. Every callback checks that
// its host is running.
func runOps(t fataler, seed uint64, ops []op) string {
	hosts := []string{"h0", "h1", "h2"}
	w := newWorld(t, seed, LinkConfig{Latency: time.Millisecond, Jitter: 500 * time.Microsecond, BandwidthBytesPerSec: 10_000_000, SegmentBytes: 3000, RandomSplit: true}, hosts...)
	w.net.WindowBytes = 20_000
	var conns []*Conn
	buf := pattern(50_000, 7)
	handler := func(c *Conn) Handler {
		return handlerFuncs{
			data: func(c *Conn, p []byte) {
				w.check(t, c)
				w.tr.Printf(w.s.Now(), "test data %s %dB %x", c, len(p), p[0])
				c.Write(p[:len(p)/2])
			},
			writable: func(c *Conn) { w.check(t, c) },
			closed: func(c *Conn, err error) {
				w.check(t, c)
				w.tr.Printf(w.s.Now(), "test closed %s %s", c, errWord(err))
			},
		}
	}
	listen := func(h *Host) {
		h.Listen(1, func(c *Conn) {
			w.check(t, c)
			c.SetHandler(handler(c))
			conns = append(conns, c)
		})
	}
	for _, name := range hosts {
		h := w.host(name)
		listen(h)
		h.OnRestart = func() { listen(h) }
	}
	// Every host starts connected to every host, so that the first ops
	// already have traffic to act on.
	for _, a := range hosts {
		for _, b := range hosts {
			w.host(a).Dial(Addr{b, 1}, func(c *Conn, err error) {
				if c != nil {
					c.SetHandler(handler(c))
					conns = append(conns, c)
					c.Write(buf[:1000])
				}
			})
		}
	}
	at := 10 * time.Millisecond
	for i, o := range ops {
		at += time.Duration(o.gapUs) * time.Microsecond
		a, b := w.host(hosts[o.a]), w.host(hosts[o.b])
		conn := func() *Conn {
			if len(conns) == 0 {
				return nil
			}
			return conns[(o.a*7+o.b*3+o.size)%len(conns)]
		}
		w.s.At(at, func() {
			switch opKinds[o.kind] {
			case "timer":
				a.After(time.Duration(o.size)*time.Microsecond, func() {
					if !a.Up() || a.Paused() {
						t.Fatalf("timer of op %d ran on a host that is down or paused", i)
					}
					w.tr.Printf(w.s.Now(), "test timer %d", i)
				})
			case "dial":
				a.Dial(Addr{b.Name(), 1}, func(c *Conn, err error) {
					if !a.Up() || a.Paused() {
						t.Fatalf("dial of op %d reported on a host that is down or paused", i)
					}
					if c != nil {
						c.SetHandler(handler(c))
						conns = append(conns, c)
					}
				})
			case "write":
				if c := conn(); c != nil {
					c.Write(buf[:o.size])
				}
			case "close":
				if c := conn(); c != nil {
					c.Close()
				}
			case "reset":
				if c := conn(); c != nil {
					c.Reset()
				}
			case "setlink":
				w.net.SetLinkOneWay(a.Name(), b.Name(), LinkConfig{Latency: time.Duration(o.size) * time.Microsecond, Jitter: time.Millisecond, SegmentBytes: o.size / 10})
			case "pause":
				a.Pause(time.Duration(o.size) * 10 * time.Microsecond)
			case "stall":
				w.net.Stall(a.Name(), b.Name())
			case "stall1":
				w.net.StallOneWay(a.Name(), b.Name())
			case "cut":
				w.net.Cut(a.Name(), b.Name())
			case "cut1":
				w.net.CutOneWay(a.Name(), b.Name())
			case "heal":
				w.net.Heal(a.Name(), b.Name())
			case "healall":
				w.net.HealAll()
			case "partition":
				w.net.Partition(LinkState(1+o.size%2), []string{a.Name()}, []string{b.Name()})
			case "crash":
				a.Crash()
			case "restart":
				a.Restart()
			}
		})
	}
	// Heal everything in the end, so that held bytes and dials finish.
	w.s.At(at+time.Second, func() {
		w.net.HealAll()
		for _, h := range hosts {
			w.host(h).Resume()
		}
	})
	w.run(Forever)
	return w.tr.Sum()
}

// check fails when a connection callback runs on a host that is down or
// paused.
func (w *world) check(t fataler, c *Conn) {
	if h := c.host; !h.Up() || h.Paused() {
		t.Fatalf("callback for %s on %s while down or paused", c, h.Name())
	}
}

type handlerFuncs struct {
	data     func(*Conn, []byte)
	writable func(*Conn)
	closed   func(*Conn, error)
}

func (h handlerFuncs) Data(c *Conn, p []byte)    { h.data(c, p) }
func (h handlerFuncs) Writable(c *Conn)          { h.writable(c) }
func (h handlerFuncs) Closed(c *Conn, err error) { h.closed(c, err) }

// The same seed and schedule give the same trace, byte for byte, across
// random schedules of timers, dials, writes and faults.
func TestPropDeterminism(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ops := drawOps(t)
		seed := rapid.Uint64().Draw(t, "seed")
		if a, b := runOps(t, seed, ops), runOps(t, seed, ops); a != b {
			t.Fatalf("same seed, different traces: %s %s", a, b)
		}
	})
}

// Different seeds give different traces: the network's random stream shows in
// jitter and segment boundaries.
func TestSeedsChangeTrace(t *testing.T) {
	var ops []op
	for i := range 20 {
		ops = append(ops, op{gapUs: 1000, kind: 1, a: i % 3, b: (i + 1) % 3, size: 1})      // dial
		ops = append(ops, op{gapUs: 3000, kind: 2, a: i % 3, b: i % 2, size: 1000 + i*997}) // write
	}
	seen := map[string]uint64{}
	for seed := range uint64(10) {
		sum := runOps(t, seed, ops)
		if prev, ok := seen[sum]; ok {
			t.Fatalf("seeds %d and %d give the same trace", prev, seed)
		}
		seen[sum] = seed
	}
}
