package sim

import (
	"math/rand/v2"
	"testing"
	"time"
)

// BenchmarkScheduler keeps 10,000 timers pending; every fired timer schedules
// another at a random future time, so the queue stays at its working size and
// the benchmark measures one pop and one push per event.
func BenchmarkScheduler(b *testing.B) {
	const pending = 10_000
	rng := rand.New(rand.NewPCG(1, 2))
	var delays [4096]time.Duration
	for i := range delays {
		delays[i] = time.Duration(1 + rng.IntN(int(time.Second)))
	}
	s := NewScheduler(Limits{})
	left, next := b.N, 0
	var fire func()
	fire = func() {
		if left > 0 {
			left--
			s.After(delays[next&(len(delays)-1)], fire)
			next++
		}
	}
	for i := 0; i < pending && left > 0; i++ {
		left--
		s.After(delays[next&(len(delays)-1)], fire)
		next++
	}
	b.ReportAllocs()
	b.ResetTimer()
	s.Run(Forever, nil)
	b.StopTimer()
	if s.Fired() != uint64(b.N) {
		b.Fatalf("fired %d events, want %d", s.Fired(), b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkStream moves 1 KiB writes across one link (500µs, 1 Gbit/s) with
// the trace hashing every line: the cost of the network per delivery. The
// writer keeps the window full and the reader counts bytes. MB/s is
// simulated payload per wall second.
func BenchmarkStream(b *testing.B) {
	s := NewScheduler(Limits{})
	tr := NewTrace(nil)
	n := NewNetwork(s, NewSeeds(1).Stream("net"), tr, LinkConfig{Latency: 500 * time.Microsecond, BandwidthBytesPerSec: 125_000_000})
	m1, r1 := n.AddHost("m1"), n.AddHost("r1")
	var got int
	r1.Listen(6379, func(c *Conn) {
		c.SetHandler(handlerFuncs{
			data:     func(_ *Conn, p []byte) { got += len(p) },
			writable: func(*Conn) {},
			closed:   func(*Conn, error) {},
		})
	})
	var c *Conn
	m1.Dial(Addr{"r1", 6379}, func(cc *Conn, err error) { c = cc })
	s.Run(Forever, func() bool { return c != nil })

	chunk := make([]byte, 1024)
	left := b.N
	pump := func(c *Conn) {
		for left > 0 {
			if n, _ := c.Write(chunk); n < len(chunk) {
				return // a short write never happens with a window of whole chunks
			}
			left--
		}
	}
	c.SetHandler(handlerFuncs{data: func(*Conn, []byte) {}, writable: pump, closed: func(*Conn, error) {}})
	b.SetBytes(int64(len(chunk)))
	b.ReportAllocs()
	b.ResetTimer()
	pump(c)
	s.Run(Forever, nil)
	b.StopTimer()
	if got != b.N*len(chunk) {
		b.Fatalf("delivered %d bytes, want %d", got, b.N*len(chunk))
	}
}
