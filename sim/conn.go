package sim

import (
	"fmt"
	"io"
	"strconv"
)

// Addr is a host name and a port.
type Addr struct {
	Host string
	Port int
}

func (a Addr) String() string { return a.Host + ":" + strconv.Itoa(a.Port) }

// Handler receives the events of one connection end. The network calls it on
// the end's host from an event of its own, never from inside another
// callback, so a handler may call anything: Write, Close and Reset on this or
// any connection, Dial, timers, faults.
type Handler interface {
	// Data hands over the next bytes of the stream. p is valid only during
	// the call: copy what must be kept.
	Data(c *Conn, p []byte)
	// Writable says that a Write which came back short may now accept more.
	Writable(c *Conn)
	// Closed says the stream has ended. io.EOF: the peer closed and every
	// byte it wrote has been handed over; the connection may still be
	// written to, and Closed(ErrReset) may follow if it is reset later. Any
	// other error (ErrReset) is final: no callback follows.
	Closed(c *Conn, err error)
}

// Conn is one end of a connection. Both ends share an ID, which traces
// print as "c3".
type Conn struct {
	net     *Network
	id      uint64
	host    *Host
	local   Addr
	remote  Addr
	peer    *Conn
	out, in *stream // the bytes this end writes, and reads
	handler Handler

	client      bool
	done        func(*Conn, error) // client: the dial's callback
	accept      func(*Conn)        // server: the listener's callback
	connTimer   Timer              // client: the connect timeout
	established bool               // the handshake reached this end's kernel
	state       connState
	err         error // why the connection died at this end, nil while it lives
	closed      bool  // the owner called Close or Reset
	settleFn    func()
}

// connState is where an end stands with its owner.
type connState uint8

const (
	// connecting: the owner has not been told the connection is open (the
	// dial's done callback or the listener's accept has not run).
	connecting connState = iota
	// open: the owner has it and gets callbacks.
	open
	// finished: no more callbacks, ever.
	finished
)

// ID returns the connection's number, shared by both ends.
func (c *Conn) ID() uint64 { return c.id }

// String returns the ID as traces print it: "c3".
func (c *Conn) String() string { return "c" + strconv.FormatUint(c.id, 10) }

// LocalAddr returns this end's address.
func (c *Conn) LocalAddr() Addr { return c.local }

// RemoteAddr returns the other end's address.
func (c *Conn) RemoteAddr() Addr { return c.remote }

// SetHandler sets the receiver of this end's events. Set it in the accept or
// dial callback, before any data can arrive.
func (c *Conn) SetHandler(h Handler) { c.handler = h }

// Dial connects to the address. The connect completes after one round trip:
// the listener's accept runs after the one-way latency, and done(c, nil) when
// the answer is back. It fails with done(nil, err): ErrRefused when nobody
// listens there, the host there is down, or a link between the hosts is cut
// (at once); ErrTimeout after the network's ConnectTimeout when a stall holds
// the handshake. The returned end cannot be written before done; Close or
// Reset on it abandons the attempt, and done is then never called.
func (h *Host) Dial(to Addr, done func(*Conn, error)) *Conn {
	n := h.net
	dst := n.mustHost(to.Host)
	n.lastID++
	c := &Conn{net: n, id: n.lastID, host: h, remote: to, client: true, done: done}
	s := &Conn{net: n, id: n.lastID, host: dst, local: to, peer: c}
	c.peer = s
	c.settleFn, s.settleFn = c.settle, s.settle
	if !h.up {
		c.state, c.err, c.closed = finished, ErrHostDown, true
		s.state, s.err = finished, ErrHostDown
		return c
	}
	c.local = Addr{h.name, h.ephemeralPort()}
	s.remote = c.local
	c.out = newStream(c, s, n.link(h, dst))
	s.out = newStream(s, c, n.link(dst, h))
	c.in, s.in = s.out, c.out
	n.track(c)
	n.traceConn("dial", c)
	if c.out.link.state == LinkCut || s.out.link.state == LinkCut {
		c.err, s.err, s.state = ErrRefused, ErrRefused, finished
		h.After(0, c.settleFn)
		return c
	}
	// The connect timeout is the kernel's (SYN retries): it runs on while the
	// host is paused.
	c.connTimer = n.s.After(n.ConnectTimeout, c.timeout)
	c.out.push(segSYN, 0)
	return c
}

// Write queues bytes for the peer and returns how many it took: at most the
// free part of the window, so a short count (with a nil error) means the
// window is full; Writable follows when there is room again. Write never
// blocks and copies p. It fails with ErrClosed after Close or Reset,
// ErrNotConnected before the dial is done, and the connection's error
// (ErrReset, ...) once it has died.
func (c *Conn) Write(p []byte) (int, error) {
	switch {
	case c.closed:
		return 0, ErrClosed
	case c.err != nil:
		return 0, c.err
	case !c.established:
		return 0, ErrNotConnected
	}
	s := c.out
	n := min(len(p), max(c.net.WindowBytes-s.q.len(), 0))
	if n < len(p) {
		s.blocked = true
	}
	if n == 0 {
		return 0, nil
	}
	s.q.append(p[:n])
	s.push(segData, n)
	return n, nil
}

// Close closes the connection gracefully, like close(2) on a socket: bytes
// already written are still delivered, then the peer gets Closed(io.EOF).
// This end gets no more callbacks, and bytes that reach it are dropped.
func (c *Conn) Close() {
	if c.closed {
		return
	}
	c.net.traceConn("close", c)
	c.closed = true
	c.state = finished
	switch {
	case c.err != nil:
	case !c.established:
		c.abort(ErrClosed) // abandon the dial
	default:
		c.out.push(segFIN, 0)
	}
}

// Reset aborts the connection: bytes in flight either way are dropped, the
// peer gets Closed(ErrReset) after the one-way latency, and this end gets no
// more callbacks. It also aborts a connection already closed with Close
// whose bytes are still on their way.
func (c *Conn) Reset() {
	if c.closed && c.err != nil {
		return
	}
	c.net.traceConn("abort", c)
	c.closed = true
	c.state = finished
	if c.err == nil {
		c.abort(ErrClosed)
	}
}

// abort kills this end and sends RST to the peer.
func (c *Conn) abort(err error) {
	c.err = err
	c.net.s.Stop(c.connTimer)
	c.out.clear()
	c.in.clear()
	c.out.push(segRST, 0)
}

// timeout fails a dial that got no answer in time.
func (c *Conn) timeout() {
	if c.err == nil && !c.established {
		c.abort(ErrTimeout)
		c.host.run(c.settleFn, Timer{})
	}
}

// crash kills this end along with its host: no callbacks, RST to the peer.
// A server end whose SYN has not arrived yet is left alone: the SYN will find
// the host down, or restarted, when it gets there.
func (c *Conn) crash() {
	if !c.client && !c.established {
		return
	}
	c.state, c.closed = finished, true
	if c.err == nil {
		c.abort(ErrHostDown)
	}
}

// cut resets both ends at once, without a packet: the link between them is
// cut. The owners hear of it from events at the same instant, not from inside
// the call to Cut, which may come from a callback.
func (c *Conn) cut() {
	for _, e := range [2]*Conn{c, c.peer} {
		if e.err != nil {
			continue
		}
		e.err = ErrReset
		if !e.established {
			e.err = ErrRefused
		}
		e.out.clear()
		e.host.After(0, e.settleFn)
	}
}

// synArrived is the server's kernel receiving a SYN: it answers with SYN-ACK
// when something listens, with RST otherwise. The owner hears of the new
// connection through settle, which waits if the host is paused.
func (c *Conn) synArrived() {
	h := c.host
	c.accept = h.listeners[c.local.Port]
	if !h.up || c.accept == nil {
		c.state, c.err = finished, ErrRefused
		c.out.push(segRST, 0)
		return
	}
	c.established = true
	c.out.push(segSYNACK, 0)
	h.run(c.settleFn, Timer{})
}

// synackArrived is the client's kernel completing the handshake.
func (c *Conn) synackArrived() {
	if c.err == nil {
		c.established = true
		c.host.run(c.settleFn, Timer{})
	}
}

// rstArrived is this end's kernel receiving RST: the connection dies here.
func (c *Conn) rstArrived() {
	if c.err != nil {
		return
	}
	c.err = ErrReset
	if !c.established {
		c.err = ErrRefused
	}
	c.out.clear()
	c.in.clear()
	c.host.run(c.settleFn, Timer{})
}

// settle tells the owner what became of the connection, once: the dial's
// result, the accept, or the final Closed.
func (c *Conn) settle() {
	switch {
	case c.state == finished:
	case c.state == connecting && c.client:
		c.net.s.Stop(c.connTimer)
		if c.err != nil {
			c.state = finished
			c.net.traceConn(errWord(c.err), c)
			if c.done != nil {
				c.done(nil, c.err)
			}
			return
		}
		c.state = open
		c.net.traceConn("connect", c)
		if c.done != nil {
			c.done(c, nil)
		}
	case c.state == connecting:
		if c.err != nil {
			c.state = finished // died before its owner ever saw it
			return
		}
		c.state = open
		c.net.traceConn("accept", c)
		c.accept(c)
	case c.err != nil:
		c.state = finished
		c.net.traceStream(errWord(c.err), c.in, 0)
		c.mustHandler().Closed(c, c.err)
	}
}

// receiving reports whether this end's kernel takes bytes for its owner: the
// owner may not have been told of the connection yet (a paused host runs the
// accept at resume), but will be before the bytes are handed over.
func (c *Conn) receiving() bool { return c.err == nil && !c.closed }

// reading reports whether bytes that reach this end are handed to its owner
// (otherwise they are dropped).
func (c *Conn) reading() bool { return c.state == open && c.err == nil }

// over reports whether the connection can no longer produce a callback at
// either end, so faults and crashes may skip it.
func (c *Conn) over() bool {
	return (c.closed || c.err != nil) && (c.peer.closed || c.peer.err != nil)
}

func (c *Conn) between(a, b *Host) bool {
	return (c.host == a && c.peer.host == b) || (c.host == b && c.peer.host == a)
}

func (c *Conn) mustHandler() Handler {
	if c.handler == nil {
		panic(fmt.Sprintf("sim: %s on %s has no handler: set one in the accept or dial callback", c, c.host.name))
	}
	return c.handler
}

func errWord(err error) string {
	switch err {
	case ErrRefused:
		return "refused"
	case ErrTimeout:
		return "timeout"
	case ErrReset:
		return "reset"
	case io.EOF:
		return "fin"
	}
	return "error"
}

// traceConn records an event of a whole connection, with both addresses
// written client first: "net connect c3 r1:40001>m1:6379".
func (n *Network) traceConn(what string, c *Conn) {
	cl, sv := c, c.peer
	if !c.client {
		cl, sv = c.peer, c
	}
	b := n.tr.Line(n.s.Now())
	b = append(b, "net "...)
	b = append(b, what...)
	b = append(b, " c"...)
	b = strconv.AppendUint(b, c.id, 10)
	b = append(b, ' ')
	b = append(b, cl.local.Host...)
	b = append(b, ':')
	b = strconv.AppendInt(b, int64(cl.local.Port), 10)
	b = append(b, '>')
	b = append(b, sv.local.Host...)
	b = append(b, ':')
	b = strconv.AppendInt(b, int64(sv.local.Port), 10)
	if what == "close" || what == "abort" {
		b = append(b, " by "...)
		b = append(b, c.host.name...)
	}
	n.tr.End(b)
}
