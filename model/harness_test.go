package model

import (
	"container/heap"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/replsim/replsim/model/resp"
)

// world is a minimal deterministic environment for testing the engine
// alone: a virtual clock, an event queue, and connections with a fixed
// one-way latency and no bandwidth limit. The real simulated network lives
// in package sim; the engine must not depend on it, so its tests use this.
type world struct {
	t       testing.TB
	now     time.Duration
	seq     uint64
	q       evHeap
	latency time.Duration
	nodes   map[string]*Node
	conns   []*fakeConn
	cut     map[[2]string]bool
	stalled map[[2]string][]func() // held deliveries of a stalled link
	clients map[string]*testClient
	nextCID int
	logs    []string
	notes   []string
	verbose bool
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
	return &world{
		t:       t,
		latency: 100 * time.Microsecond,
		nodes:   map[string]*Node{},
		cut:     map[[2]string]bool{},
		stalled: map[[2]string][]func(){},
		clients: map[string]*testClient{},
	}
}

func (w *world) at(d time.Duration, fn func()) *bool {
	dead := new(bool)
	w.seq++
	heap.Push(&w.q, ev{at: w.now + d, seq: w.seq, fn: fn, dead: dead})
	return dead
}

// run fires events until the clock passes until.
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

// addNode creates and starts a node with cfg (Port defaults to 6379).
func (w *world) addNode(name string, cfg Config) *Node {
	env := &nodeEnv{w: w, host: name}
	n, err := New(name, cfg, env, rand.New(rand.NewPCG(uint64(len(w.nodes)+1), 7)))
	if err != nil {
		w.t.Fatal(err)
	}
	w.nodes[name] = n
	if err := n.Start(); err != nil {
		w.t.Fatal(err)
	}
	return n
}

func pair(a, b string) [2]string {
	if a > b {
		a, b = b, a
	}
	return [2]string{a, b}
}

var errRefused = errors.New("connection refused")
var errReset = errors.New("connection reset by peer")

// cutLink resets every connection between a and b and refuses new ones.
func (w *world) cutLink(a, b string) {
	w.cut[pair(a, b)] = true
	for _, c := range w.conns {
		if !c.closed && pair(c.host, c.peerHost) == pair(a, b) {
			c.reset()
		}
	}
}

// stallLink holds every byte between a and b without a reset: only
// timeouts notice. heal delivers the held bytes in order.
func (w *world) stallLink(a, b string) {
	if _, ok := w.stalled[pair(a, b)]; !ok {
		w.stalled[pair(a, b)] = nil
	}
}

func (w *world) heal(a, b string) {
	delete(w.cut, pair(a, b))
	held, ok := w.stalled[pair(a, b)]
	delete(w.stalled, pair(a, b))
	if ok {
		for _, fn := range held {
			w.at(w.latency, fn)
		}
	}
}

// deliver runs fn after the latency, or holds it while the link is stalled.
func (w *world) deliver(a, b string, fn func()) {
	w.at(w.latency, func() {
		if held, ok := w.stalled[pair(a, b)]; ok {
			w.stalled[pair(a, b)] = append(held, fn)
			return
		}
		fn()
	})
}

// crash kills a node and resets its connections.
func (w *world) crash(name string) {
	for _, c := range w.conns {
		if !c.closed && (c.host == name) {
			c.reset()
		}
	}
	w.nodes[name].Crash()
}

type nodeEnv struct {
	w    *world
	host string
}

func (e *nodeEnv) Now() time.Duration { return e.w.now }
func (e *nodeEnv) Log(msg string) {
	line := fmt.Sprintf("%s %s %s", e.w.now, e.host, msg)
	e.w.logs = append(e.w.logs, line)
	if e.w.verbose {
		e.w.t.Log(line)
	}
}
func (e *nodeEnv) Note(n Note) {
	line := fmt.Sprintf("%s %s %s %d", e.host, n.Kind, n.Peer, n.Offset)
	if n.Reason != "" {
		line += " " + n.Reason
	}
	e.w.notes = append(e.w.notes, line)
}

type fakeTimer struct{ dead *bool }

func (t fakeTimer) Stop() bool {
	was := !*t.dead
	*t.dead = true
	return was
}

func (e *nodeEnv) After(d time.Duration, fn func()) Timer {
	return fakeTimer{e.w.at(d, fn)}
}

// Dial connects to a node's port after one round trip.
func (e *nodeEnv) Dial(host string, port int) Conn {
	return e.w.dial(e.host, host, port, func(c *fakeConn, err error) {
		if n := e.w.nodes[e.host]; n != nil {
			n.Connected(c, err)
		}
	})
}

// endpoint is whoever owns one end of a connection: a node or a test client.
type endpoint interface {
	data(c *fakeConn, p []byte)
	closed(c *fakeConn, err error)
}

type fakeConn struct {
	w        *world
	host     string
	peerHost string
	port     int
	peerPort int
	peer     *fakeConn
	owner    endpoint
	closed   bool
}

type nodeEndpoint struct{ n *Node }

func (e nodeEndpoint) data(c *fakeConn, p []byte)    { e.n.Data(c, p) }
func (e nodeEndpoint) closed(c *fakeConn, err error) { e.n.Closed(c, err) }

func (w *world) dial(from, to string, port int, done func(*fakeConn, error)) *fakeConn {
	w.nextCID++
	c := &fakeConn{w: w, host: from, peerHost: to, port: 40000 + w.nextCID, peerPort: port}
	if n := w.nodes[from]; n != nil {
		c.owner = nodeEndpoint{n}
	}
	w.conns = append(w.conns, c)
	w.at(2*w.latency, func() {
		if c.closed {
			return
		}
		n := w.nodes[to]
		if w.cut[pair(from, to)] || n == nil || !n.Up() || n.cfg.Port != port {
			c.closed = true
			done(c, errRefused)
			return
		}
		s := &fakeConn{w: w, host: to, peerHost: from, port: port, peerPort: c.port, peer: c, owner: nodeEndpoint{n}}
		c.peer = s
		w.conns = append(w.conns, s)
		n.Accept(s)
		done(c, nil)
	})
	return c
}

func (c *fakeConn) Peer() string  { return c.peerHost }
func (c *fakeConn) PeerPort() int { return c.peerPort }

func (c *fakeConn) Write(p []byte) int {
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

func (c *fakeConn) Close() {
	if c.closed {
		return
	}
	c.closed = true
	if peer := c.peer; peer != nil {
		c.w.deliver(c.host, c.peerHost, func() {
			if !peer.closed {
				peer.closed = true
				peer.owner.closed(peer, errors.New("EOF"))
			}
		})
	}
}

// reset closes both ends at once, as a cut link does.
func (c *fakeConn) reset() {
	for _, x := range []*fakeConn{c, c.peer} {
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

// testClient is a RESP client on its own host.
type testClient struct {
	w       *world
	name    string
	conn    *fakeConn
	rr      *resp.Reader
	replies []resp.Value
	raw     []byte // every byte received, for byte-exact expectations
	err     error
}

func (tc *testClient) data(c *fakeConn, p []byte) {
	tc.raw = append(tc.raw, p...)
	tc.rr.Feed(p)
	for {
		v, _, ok, err := tc.rr.ReadReply()
		if err != nil || !ok {
			return
		}
		tc.replies = append(tc.replies, v)
	}
}

func (tc *testClient) closed(c *fakeConn, err error) { tc.err = err }

// send writes commands, one per line, as a named client of node, and runs
// the world for a millisecond without waiting for replies.
func (w *world) send(name, node string, lines []string) {
	tc := w.client(name, node)
	var out []byte
	for _, l := range lines {
		out = resp.AppendCommandString(out, strings.Fields(l)...)
	}
	tc.conn.Write(out)
	w.runFor(time.Millisecond)
}

// client returns the named test client connected to node, connecting once.
func (w *world) client(name, node string) *testClient {
	key := name + "@" + node
	if tc := w.clients[key]; tc != nil && !tc.conn.closed {
		return tc
	}
	tc := &testClient{w: w, name: name, rr: resp.NewReader(resp.Limits{})}
	n := w.nodes[node]
	tc.conn = w.dial(name, node, n.cfg.Port, func(*fakeConn, error) {})
	tc.conn.owner = tc
	w.clients[key] = tc
	w.runFor(3 * w.latency)
	return tc
}

// do sends one command and runs the world until its reply arrives (or
// limit passes), returning the reply.
func (w *world) do(node string, args ...string) resp.Value {
	tc := w.client("c1", node)
	before := len(tc.replies)
	tc.conn.Write(resp.AppendCommandString(nil, args...))
	deadline := w.now + 10*time.Second
	for len(tc.replies) == before && w.now < deadline && len(w.q) > 0 {
		w.run(w.q[0].at)
	}
	if len(tc.replies) == before {
		w.t.Fatalf("no reply to %v from %s", args, node)
	}
	return tc.replies[before]
}

// pipeline sends many commands at one instant and does not wait.
func (w *world) pipeline(node string, cmds [][]string) {
	tc := w.client("c1", node)
	var out []byte
	for _, a := range cmds {
		out = resp.AppendCommandString(out, a...)
	}
	tc.conn.Write(out)
}

// infoFields parses INFO into a map.
func infoFields(s string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(s, "\r\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			m[k] = v
		}
	}
	return m
}

func (w *world) info(node string) map[string]string {
	return infoFields(w.nodes[node].Info(""))
}

// fields renders chosen INFO fields of a node in a stable order.
func (w *world) fields(node string, names ...string) string {
	m := w.info(node)
	if len(names) == 0 {
		for k := range m {
			names = append(names, k)
		}
		sort.Strings(names)
	}
	var b strings.Builder
	for _, k := range names {
		fmt.Fprintf(&b, "%s:%s\n", k, m[k])
	}
	return b.String()
}

// setWrite returns a SET of a 16-byte key and 100-byte value: 144 bytes in
// the stream.
func setWrite(i int) []string {
	return []string{"SET", fmt.Sprintf("key:%012d", i), valueFor(i, 100)}
}

// valueFor returns n bytes of hex that depend on i and do not compress, so
// snapshots have realistic sizes.
func valueFor(i, n int) string {
	var b strings.Builder
	for j := 0; b.Len() < n; j++ {
		sum := sha256.Sum256([]byte(fmt.Sprint(i, "/", j)))
		b.WriteString(hex.EncodeToString(sum[:]))
	}
	return b.String()[:n]
}
