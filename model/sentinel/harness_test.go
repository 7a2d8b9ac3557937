package sentinel

import (
	"container/heap"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/replsim/replsim/model"
	"github.com/replsim/replsim/model/resp"
)

// world is a small deterministic environment for sentinels and real
// model.Nodes: a virtual clock, an event queue, connections with a fixed
// one-way latency, and links that can be cut. The simulated network of
// package sim is not used here, as in package model's own tests.
type world struct {
	t         testing.TB
	now       time.Duration
	seq       uint64
	q         evHeap
	latency   time.Duration
	procs     map[string]proc
	nodes     map[string]*model.Node
	sentinels map[string]*Sentinel
	order     []string // sentinel names in creation order
	conns     []*conn
	cut       map[[2]string]bool
	stalled   map[[2]string][]func() // held deliveries of a stalled link
	events    []string
	clients   map[string]*testClient
	// onEvent, if set, sees every event as it happens.
	onEvent func(host string, e Event)
}

// proc is a process on a host: a node or a sentinel.
type proc interface {
	Accept(c model.Conn)
	Data(c model.Conn, p []byte)
	Closed(c model.Conn, err error)
	Connected(c model.Conn, err error)
}

type ev struct {
	at   time.Duration
	seq  uint64
	fn   func()
	dead *bool
}

type evHeap []ev

func (h evHeap) Len() int { return len(h) }
func (h evHeap) Less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].seq < h[j].seq
}
func (h evHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *evHeap) Push(x any)   { *h = append(*h, x.(ev)) }
func (h *evHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

func newWorld(t testing.TB) *world {
	return &world{t: t, latency: time.Millisecond, procs: map[string]proc{}, nodes: map[string]*model.Node{},
		sentinels: map[string]*Sentinel{}, cut: map[[2]string]bool{}, stalled: map[[2]string][]func(){}, clients: map[string]*testClient{}}
}

func (w *world) at(d time.Duration, fn func()) *bool {
	dead := new(bool)
	w.seq++
	heap.Push(&w.q, ev{at: w.now + d, seq: w.seq, fn: fn, dead: dead})
	return dead
}

func (w *world) run(until time.Duration) {
	for len(w.q) > 0 && w.q[0].at <= until {
		e := heap.Pop(&w.q).(ev)
		w.now = e.at
		if !*e.dead {
			e.fn()
		}
	}
	if until > w.now {
		w.now = until
	}
}

func (w *world) runFor(d time.Duration) { w.run(w.now + d) }

// runUntil runs until cond holds or limit passes; it reports whether cond
// held.
func (w *world) runUntil(limit time.Duration, cond func() bool) bool {
	end := w.now + limit
	for !cond() {
		if len(w.q) == 0 || w.q[0].at > end {
			w.run(end)
			return cond()
		}
		w.run(w.q[0].at)
	}
	return true
}

type env struct {
	w    *world
	host string
}

func (e *env) Now() time.Duration { return e.w.now }
func (e *env) Log(string)         {}
func (e *env) Note(model.Note)    {}
func (e *env) Event(ev Event) {
	e.w.events = append(e.w.events, fmt.Sprintf("%s %s %s", fmtTime(e.w.now), e.host, ev))
	if e.w.onEvent != nil {
		e.w.onEvent(e.host, ev)
	}
}
func (e *env) After(d time.Duration, fn func()) model.Timer { return timer{e.w.at(d, fn)} }
func (e *env) Dial(host string, port int) model.Conn {
	return e.w.dial(e.host, host, port)
}

func fmtTime(d time.Duration) string { return fmt.Sprintf("%.3fs", d.Seconds()) }

type timer struct{ dead *bool }

func (t timer) Stop() bool {
	was := !*t.dead
	*t.dead = true
	return was
}

func (w *world) addNode(name string, cfg model.Config) *model.Node {
	n, err := model.New(name, cfg, &env{w: w, host: name}, rand.New(rand.NewPCG(uint64(len(w.procs)+1), 7)))
	if err != nil {
		w.t.Fatal(err)
	}
	w.nodes[name], w.procs[name] = n, n
	if err := n.Start(); err != nil {
		w.t.Fatal(err)
	}
	return n
}

func (w *world) addSentinel(name string, cfg Config) *Sentinel {
	cfg.Host = name
	s, err := New(cfg, &env{w: w, host: name}, rand.New(rand.NewPCG(uint64(len(w.procs)+1), 11)))
	if err != nil {
		w.t.Fatal(err)
	}
	w.sentinels[name], w.procs[name] = s, s
	w.order = append(w.order, name)
	s.Start()
	return s
}

func (w *world) port(name string) int {
	if n := w.nodes[name]; n != nil {
		return n.Config().Port
	}
	return w.sentinels[name].Config().Port
}

func (w *world) up(name string) bool {
	if n := w.nodes[name]; n != nil {
		return n.Up()
	}
	if s := w.sentinels[name]; s != nil {
		return s.Up()
	}
	return false
}

func pair(a, b string) [2]string {
	if a > b {
		a, b = b, a
	}
	return [2]string{a, b}
}

var errRefused = errors.New("connection refused")
var errReset = errors.New("connection reset by peer")

// conn is one end of a connection.
type conn struct {
	w              *world
	host, peerHost string
	peerPort       int
	peer           *conn
	owner          endpoint
	closed         bool
}

type endpoint interface {
	data(c *conn, p []byte)
	closed(c *conn, err error)
}

type procEndpoint struct{ p proc }

func (e procEndpoint) data(c *conn, p []byte)    { e.p.Data(c, p) }
func (e procEndpoint) closed(c *conn, err error) { e.p.Closed(c, err) }

func (w *world) dial(from, to string, port int) *conn {
	c := &conn{w: w, host: from, peerHost: to, peerPort: port}
	if p := w.procs[from]; p != nil {
		c.owner = procEndpoint{p}
	}
	w.conns = append(w.conns, c)
	w.at(2*w.latency, func() {
		if c.closed {
			return
		}
		p := w.procs[to]
		if w.cut[pair(from, to)] || p == nil || !w.up(to) || w.port(to) != port {
			c.closed = true
			if c.owner != nil {
				if pr, ok := c.owner.(procEndpoint); ok {
					pr.p.Connected(c, errRefused)
				}
			}
			return
		}
		s := &conn{w: w, host: to, peerHost: from, peerPort: 40000, peer: c, owner: procEndpoint{p}}
		c.peer = s
		w.conns = append(w.conns, s)
		p.Accept(s)
		if pr, ok := c.owner.(procEndpoint); ok {
			pr.p.Connected(c, nil)
		}
	})
	return c
}

func (c *conn) Peer() string  { return c.peerHost }
func (c *conn) PeerPort() int { return c.peerPort }

func (c *conn) Write(p []byte) int {
	if c.closed || c.peer == nil {
		return len(p)
	}
	buf := append([]byte(nil), p...)
	peer := c.peer
	c.w.deliver(c.host, c.peerHost, func() {
		if !peer.closed && peer.owner != nil {
			peer.owner.data(peer, buf)
		}
	})
	return len(p)
}

func (c *conn) Close() {
	if c.closed {
		return
	}
	c.closed = true
	if peer := c.peer; peer != nil {
		c.w.at(c.w.latency, func() {
			if !peer.closed {
				peer.closed = true
				peer.owner.closed(peer, errors.New("EOF"))
			}
		})
	}
}

// reset closes both ends at once, as a cut link or a crash does.
func (c *conn) reset() {
	for _, x := range []*conn{c, c.peer} {
		if x == nil || x.closed {
			continue
		}
		x.closed = true
		if x.owner != nil {
			owner, xc := x.owner, x
			x.w.at(0, func() { owner.closed(xc, errReset) })
		}
	}
}

// deliver runs fn after the latency, or holds it while the link is
// stalled: bytes wait without a reset, so only timeouts notice.
func (w *world) deliver(a, b string, fn func()) {
	w.at(w.latency, func() {
		if held, ok := w.stalled[pair(a, b)]; ok {
			w.stalled[pair(a, b)] = append(held, fn)
			return
		}
		fn()
	})
}

func (w *world) stall(a, b string) {
	if _, ok := w.stalled[pair(a, b)]; !ok {
		w.stalled[pair(a, b)] = nil
	}
}

// heal lifts a cut and delivers what a stall held, in order.
func (w *world) heal(a, b string) {
	delete(w.cut, pair(a, b))
	held, ok := w.stalled[pair(a, b)]
	delete(w.stalled, pair(a, b))
	if ok {
		// Now, so they go before bytes still in flight, which were sent
		// after them.
		for _, fn := range held {
			w.at(0, fn)
		}
	}
}

func (w *world) cutLink(a, b string) {
	w.cut[pair(a, b)] = true
	for _, c := range w.conns {
		if !c.closed && pair(c.host, c.peerHost) == pair(a, b) {
			c.reset()
		}
	}
}

func (w *world) crash(name string) {
	for _, c := range w.conns {
		if !c.closed && (c.host == name || c.peerHost == name) && c.peer != nil {
			c.reset()
		}
	}
	if n := w.nodes[name]; n != nil {
		n.Crash()
	} else {
		w.sentinels[name].Crash()
	}
}

// testClient is a RESP client on its own host.
type testClient struct {
	conn    *conn
	rr      *resp.Reader
	replies []resp.Value
}

func (tc *testClient) data(c *conn, p []byte) {
	tc.rr.Feed(p)
	for {
		v, _, ok, err := tc.rr.ReadReply()
		if err != nil || !ok {
			return
		}
		tc.replies = append(tc.replies, v)
	}
}

func (tc *testClient) closed(c *conn, err error) {}

func (w *world) client(name, to string) *testClient {
	key := name + "@" + to
	if tc := w.clients[key]; tc != nil && !tc.conn.closed {
		return tc
	}
	tc := &testClient{rr: resp.NewReader(resp.Limits{})}
	tc.conn = w.dial(name, to, w.port(to))
	tc.conn.owner = tc
	w.clients[key] = tc
	w.runFor(3 * w.latency)
	return tc
}

// do sends one command from client c1 and runs until its reply arrives.
func (w *world) do(to string, args ...string) resp.Value {
	tc := w.client("c1", to)
	before := len(tc.replies)
	tc.conn.Write(resp.AppendCommandString(nil, args...))
	if !w.runUntil(10*time.Second, func() bool { return len(tc.replies) > before }) {
		w.t.Fatalf("no reply to %v from %s", args, to)
	}
	return tc.replies[before]
}

func (w *world) info(node string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(w.nodes[node].Info(""), "\r\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			m[k] = v
		}
	}
	return m
}
