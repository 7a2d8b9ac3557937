package sim

import (
	"fmt"
	"time"
)

// Host is one machine of the network, running one process: the owner (a
// replication node, a client) that listens, dials and sets timers through it.
// Everything the host calls back (accept, dial results, connection handlers,
// timers) goes through the host, so that host faults apply to all of it:
//
//   - Crash kills the process: its connections are reset (peers get
//     ErrReset), its listeners close, its timers and pending callbacks are
//     dropped, and it gets no callback until Restart. OnCrash tells the owner
//     to drop its in-memory state. Dials to it are refused.
//   - Restart brings the host up again; OnRestart lets the owner listen again.
//   - Pause stops the process for a while, like a long GC pause or DEBUG
//     SLEEP: callbacks due during the pause wait and run at resume, in their
//     original order, all at the resume instant. The kernel still works:
//     bytes arrive (and count against the sender's window until handed over)
//     and connects complete, but the accept callback waits for the resume.
type Host struct {
	// OnCrash, if set, is called at the end of Crash.
	OnCrash func()
	// OnRestart, if set, is called at the end of Restart.
	OnRestart func()

	net       *Network
	name      string
	up        bool
	life      uint64 // bumped by Crash: timers of an earlier life never fire
	listeners map[int]func(*Conn)
	lastPort  int

	paused      bool
	resumeAt    time.Duration
	resumeTimer Timer
	resumeFn    func()
	waiting     []task // callbacks held by a pause, oldest first from next
	next        int
}

// task is a callback held by a pause. timer is set for host timers, so that
// Stop can still cancel them while they wait.
type task struct {
	fn    func()
	timer Timer
}

// Ephemeral ports are handed out in turn from this range, skipping ports the
// host listens on.
const (
	firstEphemeralPort = 40001
	lastEphemeralPort  = 60999
)

// Name returns the host's name.
func (h *Host) Name() string { return h.name }

// Up reports whether the host is running (not crashed). A paused host is up.
func (h *Host) Up() bool { return h.up }

// Paused reports whether the host is paused.
func (h *Host) Paused() bool { return h.paused }

// Listen accepts connections on port. accept is called with each new
// connection; it should set the connection's handler before returning.
func (h *Host) Listen(port int, accept func(*Conn)) error {
	if accept == nil {
		panic("sim: Listen with a nil accept")
	}
	if !h.up {
		return ErrHostDown
	}
	if h.listeners[port] != nil {
		return fmt.Errorf("sim: listen %s:%d: %w", h.name, port, ErrPortInUse)
	}
	h.listeners[port] = accept
	return nil
}

func (h *Host) ephemeralPort() int {
	for {
		h.lastPort++
		if h.lastPort > lastEphemeralPort {
			h.lastPort = firstEphemeralPort
		}
		if h.listeners[h.lastPort] == nil {
			return h.lastPort
		}
	}
}

// At calls fn at time t on this host, unless stopped first. Like every
// callback of the host, it waits while the host is paused and is dropped if
// the host crashes.
func (h *Host) At(t time.Duration, fn func()) Timer {
	if !h.up {
		return Timer{}
	}
	// The scheduler checks the life and calls run, with no closure to
	// make for each timer.
	return h.net.s.at(t, fn, h, h.life)
}

// After calls fn d from now on this host; see At.
func (h *Host) After(d time.Duration, fn func()) Timer {
	return h.At(h.net.s.Now()+max(d, 0), fn)
}

// Stop cancels a timer of this host, including one that came due during a
// pause and waits for the resume. It reports whether the call was still
// pending.
func (h *Host) Stop(t Timer) bool {
	if h.net.s.Stop(t) {
		return true
	}
	if t == (Timer{}) {
		return false
	}
	for i := h.next; i < len(h.waiting); i++ {
		if w := &h.waiting[i]; w.timer == t && w.fn != nil {
			w.fn = nil
			return true
		}
	}
	return false
}

// run calls fn now if the host is running, keeps it for the resume if the
// host is paused, and drops it if the host is down.
func (h *Host) run(fn func(), t Timer) {
	switch {
	case !h.up:
	case h.paused:
		h.waiting = append(h.waiting, task{fn: fn, timer: t})
	default:
		fn()
	}
}

// Pause stops the host for d: callbacks due meanwhile run at the resume. A
// pause of a paused host lasts until the later of the two ends.
func (h *Host) Pause(d time.Duration) {
	now := h.net.s.Now()
	if !h.up || d <= 0 || (h.paused && now+d <= h.resumeAt) {
		return
	}
	h.net.tr.Printf(now, "host pause %s %s", h.name, d)
	h.net.s.Stop(h.resumeTimer)
	h.paused = true
	h.resumeAt = now + d
	h.resumeTimer = h.net.s.At(h.resumeAt, h.resumeFn)
}

// Resume ends a pause early.
func (h *Host) Resume() {
	if h.paused {
		h.net.s.Stop(h.resumeTimer)
		h.resume()
	}
}

// resume runs the callbacks held by the pause in order. One of them may pause
// or crash the host again; the rest then keep waiting, or are dropped.
func (h *Host) resume() {
	h.net.tr.Printf(h.net.s.Now(), "host resume %s", h.name)
	h.paused = false
	for h.next < len(h.waiting) && h.up && !h.paused {
		w := h.waiting[h.next]
		h.waiting[h.next] = task{}
		h.next++
		if w.fn != nil {
			w.fn()
		}
	}
	if h.next == len(h.waiting) {
		h.waiting, h.next = h.waiting[:0], 0
	}
}

// Crash kills the host's process; see [Host].
func (h *Host) Crash() {
	if !h.up {
		return
	}
	h.net.tr.Printf(h.net.s.Now(), "host crash %s", h.name)
	h.up = false
	h.life++
	h.paused = false
	h.net.s.Stop(h.resumeTimer)
	clear(h.waiting)
	h.waiting, h.next = h.waiting[:0], 0
	clear(h.listeners)
	h.net.eachConn(func(c *Conn) {
		if c.host == h {
			c.crash()
		}
		if c.peer.host == h {
			c.peer.crash()
		}
	})
	if h.OnCrash != nil {
		h.OnCrash()
	}
}

// Restart brings a crashed host up again, with no listeners and no timers.
func (h *Host) Restart() {
	if h.up {
		return
	}
	h.net.tr.Printf(h.net.s.Now(), "host restart %s", h.name)
	h.up = true
	if h.OnRestart != nil {
		h.OnRestart()
	}
}
