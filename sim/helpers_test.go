package sim

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"time"
)

// world is one simulated world for a test: scheduler, trace (kept as text),
// network and hosts.
type world struct {
	t   fataler
	s   *Scheduler
	tr  *Trace
	log *strings.Builder
	net *Network
}

// fataler is what the helpers need of *testing.T and *rapid.T.
type fataler interface {
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

func newWorld(t fataler, seed uint64, cfg LinkConfig, hosts ...string) *world {
	log := &strings.Builder{}
	w := &world{t: t, s: NewScheduler(Limits{Events: 50_000_000}), log: log}
	w.tr = NewTrace(log)
	w.net = NewNetwork(w.s, NewSeeds(seed).Stream("net"), w.tr, cfg)
	for _, h := range hosts {
		w.net.AddHost(h)
	}
	return w
}

func (w *world) host(name string) *Host { return w.net.Host(name) }

// run runs the world until idle or until, and fails the test on a limit.
func (w *world) run(until time.Duration) {
	if r := w.s.Run(until, nil); r == StopLimit {
		w.t.Fatalf("limit: %v", w.s.Err())
	}
}

// lines returns the trace lines that contain every one of words.
func (w *world) lines(words ...string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimSuffix(w.log.String(), "\n"), "\n") {
		ok := true
		for _, word := range words {
			ok = ok && strings.Contains(l, word)
		}
		if ok {
			out = append(out, l)
		}
	}
	return out
}

// recorder is a Handler that keeps what it is told, and calls the optional
// hooks. With discard set it keeps the times of the deliveries but not
// their bytes, for a test that moves more than it means to look at.
type recorder struct {
	s         *Scheduler
	data      bytes.Buffer
	discard   bool
	times     []time.Duration // one per Data call
	writables int
	closedErr error
	closedAt  time.Duration
	closes    int
	onData    func(c *Conn, p []byte)
	onWrite   func(c *Conn)
}

func (r *recorder) Data(c *Conn, p []byte) {
	if !r.discard {
		r.data.Write(p)
	}
	r.times = append(r.times, r.s.Now())
	if r.onData != nil {
		r.onData(c, p)
	}
}

func (r *recorder) Writable(c *Conn) {
	r.writables++
	if r.onWrite != nil {
		r.onWrite(c)
	}
}

func (r *recorder) Closed(c *Conn, err error) {
	r.closedErr, r.closedAt = err, r.s.Now()
	r.closes++
}

// pair is a connection set up through the network: client end, server end,
// and their recorders.
type pair struct {
	c, s   *Conn
	cr, sr *recorder
	err    error
	at     time.Duration // when the dial's done ran
}

// listen makes host listen on port with recorders as handlers; each accepted
// end and its recorder are passed to got, if set.
func (w *world) listen(host string, port int, got func(*Conn, *recorder)) {
	err := w.host(host).Listen(port, func(c *Conn) {
		r := &recorder{s: w.s}
		c.SetHandler(r)
		if got != nil {
			got(c, r)
		}
	})
	if err != nil {
		w.t.Fatal(err)
	}
}

// dial dials from host to addr; the returned pair fills in as the world runs.
func (w *world) dial(from string, to Addr) *pair {
	p := &pair{cr: &recorder{s: w.s}}
	w.host(from).Dial(to, func(c *Conn, err error) {
		p.c, p.err, p.at = c, err, w.s.Now()
		if c != nil {
			c.SetHandler(p.cr)
		}
	})
	return p
}

// connect listens on to:port (if not yet), dials from → to and runs until
// both ends are up.
func (w *world) connect(from, to string, port int) *pair {
	p := &pair{}
	if w.host(to).listeners[port] == nil {
		w.listen(to, port, nil)
	}
	accept := w.host(to).listeners[port]
	w.host(to).listeners[port] = func(c *Conn) {
		accept(c)
		p.s, p.sr = c, c.handler.(*recorder)
	}
	d := w.dial(from, Addr{to, port})
	w.s.Run(Forever, func() bool { return d.c != nil || d.err != nil })
	w.host(to).listeners[port] = accept
	if d.err != nil || p.s == nil {
		w.t.Fatalf("connect %s>%s:%d: %v", from, to, port, d.err)
	}
	p.c, p.cr, p.at = d.c, d.cr, d.at
	return p
}

// sender writes a byte string to a connection, looping on Writable when the
// window is full.
type sender struct {
	c    *Conn
	data []byte
	sent int
	err  error
}

func (s *sender) pump() {
	for s.sent < len(s.data) && s.err == nil {
		n, err := s.c.Write(s.data[s.sent:])
		s.sent += n
		s.err = err
		if n == 0 {
			return
		}
	}
}

// send starts writing data on c; the recorder of c must be r.
func send(c *Conn, r *recorder, data []byte) *sender {
	s := &sender{c: c, data: data}
	r.onWrite = func(*Conn) { s.pump() }
	s.pump()
	return s
}

func pattern(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 99))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}
