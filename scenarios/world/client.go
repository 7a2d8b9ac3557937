package world

import (
	"time"

	"github.com/replsim/replsim/model/resp"
	"github.com/replsim/replsim/sim"
)

// Client is a simulated client process on its own host. It keeps one
// connection to a node, sends one command at a time and hands each reply
// (or the loss of the connection) to its owner. The workload generator
// builds on it.
type Client struct {
	Name string
	Host *sim.Host

	w       *World
	target  sim.Addr
	conn    *sim.Conn
	ready   bool
	rr      *resp.Reader
	out     []byte
	pending callRing // sent, waiting for replies, in order
	// Pipeline is how many calls may be in flight at once (default 1).
	Pipeline int
	// OnReply is called with each finished call.
	OnReply func(*Call)
	// OnConnect is called when the connection is established.
	OnConnect func()
	dialing   bool
	inData    bool // commands sent from OnReply go out together after the replies

	// With Sentinel discovery (discover.go): how, which sentinel to ask
	// first, whether the ROLE check of a new connection is pending, and
	// the generation of the connection a call timer belongs to.
	disc      *Discovery
	sidx      int
	roleCheck bool
	gen       int
	timerOn   bool
}

// Call is one command and what came of it. The Call handed to OnReply is
// valid only during the callback: the client reuses it.
type Call struct {
	Tag    int // the owner's reference, -1 when none
	Start  time.Duration
	End    time.Duration
	Reply  resp.Value
	Broken bool // the connection broke before the reply: outcome unknown
}

// NewClient adds a client host to the world, connected to target.
func (w *World) NewClient(name string, target sim.Addr) *Client {
	c := &Client{Name: name, Host: w.Net.AddHost(name), w: w, target: target, rr: resp.NewReader(resp.Limits{})}
	c.connect()
	return c
}

// Target returns the address the client connects to.
func (c *Client) Target() sim.Addr { return c.target }

// InFlight returns the number of calls waiting for replies.
func (c *Client) InFlight() int { return c.pending.len() }

// Retarget points the client at another node (after a failover) and
// reconnects.
func (c *Client) Retarget(to sim.Addr) {
	c.target = to
	if c.conn != nil {
		c.conn.Close()
		c.lost()
	}
}

func (c *Client) connect() {
	if c.dialing {
		return
	}
	c.gen++
	if c.disc != nil {
		c.ask(0)
		return
	}
	c.dial()
}

// dial connects to the target.
func (c *Client) dial() {
	c.dialing = true
	c.ready = false
	c.rr = resp.NewReader(resp.Limits{})
	c.conn = c.Host.Dial(c.target, func(conn *sim.Conn, err error) {
		c.dialing = false
		if err != nil {
			c.conn = nil
			c.Host.After(100*time.Millisecond, c.connect)
			return
		}
		if c.disc != nil {
			c.checkRole()
			return
		}
		c.connected()
	})
	c.conn.SetHandler(c)
	if c.disc != nil {
		c.connectTimeout()
	}
}

// connected makes the client ready on its new connection.
func (c *Client) connected() {
	c.ready = true
	if c.OnConnect != nil {
		c.OnConnect()
	}
	c.flush()
}

// Ready reports whether the client is connected and may send a command.
func (c *Client) Ready() bool {
	return c.ready && c.pending.len() < max(c.Pipeline, 1)
}

// Do sends one command; the reply comes to OnReply. It returns false if the
// client is not ready.
func (c *Client) Do(args ...[]byte) bool { return c.DoTag(-1, args...) }

// DoTag is Do with a reference that comes back in the Call.
func (c *Client) DoTag(tag int, args ...[]byte) bool {
	if !c.Ready() {
		return false
	}
	c.pending.push(Call{Tag: tag, Start: c.w.Now()})
	c.armTimeout()
	c.out = resp.AppendCommand(c.out, args...)
	if !c.inData {
		c.flush()
	}
	return true
}

func (c *Client) flush() {
	for c.ready && len(c.out) > 0 {
		n, err := c.conn.Write(c.out)
		if err != nil || n == 0 {
			return
		}
		c.out = c.out[:copy(c.out, c.out[n:])]
	}
}

// Data implements sim.Handler.
func (c *Client) Data(_ *sim.Conn, p []byte) {
	c.rr.Feed(p)
	if c.roleCheck && !c.roleReply() {
		return
	}
	c.inData = true
	defer func() {
		c.inData = false
		c.flush()
	}()
	for c.pending.len() > 0 {
		v, _, ok, err := c.rr.ReadReply()
		if err != nil {
			c.conn.Reset()
			c.lost()
			return
		}
		if !ok {
			return
		}
		call := c.pending.front()
		c.pending.pop()
		call.End = c.w.Now()
		call.Reply = v
		if c.OnReply != nil {
			c.OnReply(call)
		}
		if c.disc != nil && v.Kind == resp.KindError {
			// An error may mean the node is no longer the master
			// (-READONLY): drop the connection and ask again.
			c.w.Trace.Printf(c.w.Now(), "client %s got -%s from %s: asks the sentinels again", c.Name, firstWord(v.Str), c.target.Host)
			c.drop()
			return
		}
	}
}

// Writable implements sim.Handler.
func (c *Client) Writable(*sim.Conn) { c.flush() }

// Closed implements sim.Handler.
func (c *Client) Closed(_ *sim.Conn, err error) {
	if c.disc != nil {
		c.w.Trace.Printf(c.w.Now(), "client %s lost its connection to %s (%v): asks the sentinels again", c.Name, c.target.Host, err)
	}
	c.lost()
}

// lost records an in-flight call as unknown and reconnects shortly.
func (c *Client) lost() {
	c.conn = nil
	c.ready = false
	c.roleCheck = false
	c.gen++
	c.out = c.out[:0]
	for c.pending.len() > 0 {
		call := c.pending.front()
		c.pending.pop()
		call.End = c.w.Now()
		call.Broken = true
		if c.OnReply != nil {
			c.OnReply(call)
		}
	}
	c.Host.After(100*time.Millisecond, c.connect)
}

// callRing is a FIFO of calls that reuses its memory. It grows while one
// slot is still free, so the slot of the call just popped is never written
// by the pushes of the callback that handles it.
type callRing struct {
	buf        []Call
	head, size int
}

func (r *callRing) len() int { return r.size }

func (r *callRing) push(c Call) {
	if r.size+1 >= len(r.buf) {
		grown := make([]Call, max(8, 2*len(r.buf)))
		for i := 0; i < r.size; i++ {
			grown[i] = r.buf[(r.head+i)%len(r.buf)]
		}
		r.buf, r.head = grown, 0
	}
	r.buf[(r.head+r.size)%len(r.buf)] = c
	r.size++
}

func (r *callRing) front() *Call { return &r.buf[r.head] }

func (r *callRing) pop() {
	r.head = (r.head + 1) % len(r.buf)
	r.size--
}
