package world

import (
	"strconv"
	"strings"
	"time"

	"github.com/replsim/replsim/model/resp"
	"github.com/replsim/replsim/sim"
)

// Discovery makes a client find the master through Sentinel, as client
// libraries do (the Sentinel clients specification): before each
// connection it asks the sentinels in order SENTINEL
// get-master-addr-by-name, the first that answers staying first; it
// connects to the address and checks with ROLE that the node is a master.
// An error reply (-READONLY from a demoted master, -NOREPLICAS, ...), a
// broken connection or a call without a reply for Timeout sends it back to
// the sentinels after a brief backoff. Until then it keeps writing to the
// node it found, even one the sentinels have replaced: that is how a client
// cut off with an old master gets acknowledged writes that are later lost.
type Discovery struct {
	Sentinels  []sim.Addr
	MasterName string
	// Timeout bounds each call, each sentinel query and the ROLE check.
	Timeout time.Duration
}

// discoverBackoff is the pause before asking the sentinels again after
// every one failed to answer, and before reconnecting after a failure.
const discoverBackoff = 100 * time.Millisecond

// NewDiscoveringClient adds a client host to the world that finds the
// master through the sentinels of d.
func (w *World) NewDiscoveringClient(name string, d *Discovery) *Client {
	c := &Client{Name: name, Host: w.Net.AddHost(name), w: w, disc: d, rr: resp.NewReader(resp.Limits{})}
	c.connect()
	return c
}

// ask queries the sentinel at c.sidx, having tried `tried` of them already.
func (c *Client) ask(tried int) {
	d := c.disc
	if tried == len(d.Sentinels) {
		c.w.Trace.Printf(c.w.Now(), "client %s: no sentinel answered", c.Name)
		c.Host.After(discoverBackoff, c.connect)
		return
	}
	c.dialing = true
	q := &sentinelQuery{c: c, tried: tried, rr: resp.NewReader(resp.Limits{}), addr: d.Sentinels[c.sidx]}
	q.conn = c.Host.Dial(q.addr, func(conn *sim.Conn, err error) {
		if err != nil {
			q.fail("unreachable")
			return
		}
		conn.Write(resp.AppendCommand(nil, []byte("SENTINEL"), []byte("get-master-addr-by-name"), []byte(d.MasterName)))
	})
	q.conn.SetHandler(q)
	q.timer = c.Host.After(d.Timeout, func() { q.fail("timeout") })
}

// sentinelQuery is one SENTINEL get-master-addr-by-name on a connection of
// its own.
type sentinelQuery struct {
	c     *Client
	tried int
	addr  sim.Addr
	conn  *sim.Conn
	rr    *resp.Reader
	timer sim.Timer
	done  bool
}

// fail gives up on this sentinel and asks the next.
func (q *sentinelQuery) fail(why string) {
	if q.done {
		return
	}
	q.finish()
	q.conn.Reset()
	c := q.c
	c.w.Trace.Printf(c.w.Now(), "client %s: sentinel %s %s", c.Name, q.addr.Host, why)
	c.sidx = (c.sidx + 1) % len(c.disc.Sentinels)
	c.dialing = false
	c.ask(q.tried + 1)
}

func (q *sentinelQuery) finish() {
	q.done = true
	q.c.Host.Stop(q.timer)
}

// Data implements sim.Handler.
func (q *sentinelQuery) Data(_ *sim.Conn, p []byte) {
	if q.done {
		return
	}
	q.rr.Feed(p)
	v, _, ok, err := q.rr.ReadReply()
	switch {
	case err != nil:
		q.fail("sent a malformed reply")
		return
	case !ok:
		return
	case v.Kind != resp.KindArray || len(v.Array) != 2:
		q.fail("does not know the master")
		return
	}
	port, perr := strconv.Atoi(v.Array[1].Str)
	if perr != nil {
		q.fail("sent a bad port")
		return
	}
	q.finish()
	q.conn.Close()
	c := q.c
	to := sim.Addr{Host: strings.Clone(v.Array[0].Str), Port: port}
	if to != c.target {
		// Only a change is traced: a client asks every backoff while the
		// master is down.
		c.w.Trace.Printf(c.w.Now(), "client %s: sentinel %s says master %s", c.Name, q.addr.Host, to)
	}
	c.target = to
	c.dialing = false
	if c.Host.Up() {
		c.dial()
	}
}

// Writable implements sim.Handler.
func (q *sentinelQuery) Writable(*sim.Conn) {}

// Closed implements sim.Handler.
func (q *sentinelQuery) Closed(*sim.Conn, error) { q.fail("closed the connection") }

// connectTimeout gives up a dial that has not connected within Timeout
// (a stalled network holds the handshake for as long as the kernel's own
// timeout): the client asks the sentinels again after the backoff.
func (c *Client) connectTimeout() {
	gen, conn := c.gen, c.conn
	c.Host.After(c.disc.Timeout, func() {
		if c.gen != gen || !c.dialing || c.conn != conn {
			return
		}
		c.w.Trace.Printf(c.w.Now(), "client %s: connecting to %s timed out: asks the sentinels again", c.Name, c.target.Host)
		conn.Reset()
		c.conn, c.dialing = nil, false
		c.gen++
		c.Host.After(discoverBackoff, c.connect)
	})
}

// checkRole sends ROLE on a new connection; the reply decides (roleReply).
func (c *Client) checkRole() {
	c.roleCheck = true
	c.conn.Write(resp.AppendCommand(nil, []byte("ROLE")))
	gen := c.gen
	c.Host.After(c.disc.Timeout, func() {
		if c.gen == gen && c.roleCheck {
			c.w.Trace.Printf(c.w.Now(), "client %s: ROLE timed out on %s", c.Name, c.target.Host)
			c.drop()
		}
	})
}

// roleReply reads the reply to ROLE, and reports whether the client is
// ready: the node says it is a master.
func (c *Client) roleReply() bool {
	v, _, ok, err := c.rr.ReadReply()
	switch {
	case err == nil && !ok:
		return false
	case err == nil && v.Kind == resp.KindArray && len(v.Array) > 0 && v.Array[0].Str == "master":
		c.roleCheck = false
		c.connected()
		return true
	}
	role := "a malformed reply"
	if err == nil && len(v.Array) > 0 {
		role = "role " + v.Array[0].Str
	} else if err == nil && v.Kind == resp.KindError {
		role = "-" + firstWord(v.Str)
	}
	c.w.Trace.Printf(c.w.Now(), "client %s: %s answers ROLE with %s: asks the sentinels again", c.Name, c.target.Host, role)
	c.drop()
	return false
}

// drop closes the connection and starts again (lost): in-flight calls
// become unknown, and the client asks the sentinels after the backoff.
func (c *Client) drop() {
	if c.conn != nil {
		c.conn.Reset()
	}
	c.lost()
}

// armTimeout starts the call timer of a discovering client, if none runs:
// a call without a reply for Timeout drops the connection.
func (c *Client) armTimeout() {
	if c.disc == nil || c.timerOn {
		return
	}
	c.timerOn = true
	gen := c.gen
	due := c.pending.front().Start + c.disc.Timeout
	c.Host.At(due, func() {
		c.timerOn = false
		if c.gen != gen || c.pending.len() == 0 {
			if c.pending.len() > 0 {
				c.armTimeout()
			}
			return
		}
		if start := c.pending.front().Start; c.w.Now()-start >= c.disc.Timeout {
			c.w.Trace.Printf(c.w.Now(), "client %s timed out on %s: asks the sentinels again", c.Name, c.target.Host)
			c.drop()
			return
		}
		c.armTimeout()
	})
}

func firstWord(s string) string {
	w, _, _ := strings.Cut(s, " ")
	return w
}
