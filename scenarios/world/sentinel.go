package world

import (
	"fmt"
	"strings"
	"time"

	"github.com/replsim/replsim/model"
	"github.com/replsim/replsim/model/sentinel"
	"github.com/replsim/replsim/scenarios/spec"
	"github.com/replsim/replsim/sim"
)

// SentinelSpec is one Sentinel process of the world, on a host of its own.
type SentinelSpec struct {
	Name   string
	Config sentinel.Config
}

// SentinelEvent is one event a sentinel logged and published (+sdown,
// +odown, +elected-leader, +switch-master, ...).
type SentinelEvent struct {
	At       time.Duration
	Sentinel string
	Kind     string // the channel it is published on: "+sdown"
	Payload  string // as sentinelEvent formats it
}

// Sentinel is one sentinel process on its host.
type Sentinel struct {
	w      *World
	Host   *sim.Host
	Engine *sentinel.Sentinel
	spec   SentinelSpec
}

// Name returns the sentinel's name (its host).
func (s *Sentinel) Name() string { return s.spec.Name }

// Port returns the port the sentinel listens on.
func (s *Sentinel) Port() int { return s.spec.Config.Port }

// Sentinels returns the sentinels in the order they were defined.
func (w *World) Sentinels() []*Sentinel { return w.sentinels }

// SentinelEvents returns the sentinels' events so far.
func (w *World) SentinelEvents() []SentinelEvent { return w.sentEvents }

// addSentinel puts a sentinel on a host of its own, with its own seeded
// stream, sentinel/<name>.
func (w *World) addSentinel(spec SentinelSpec) error {
	if w.Net.Host(spec.Name) != nil {
		return fmt.Errorf("sentinel %q: a host of that name exists", spec.Name)
	}
	h := w.Net.AddHost(spec.Name)
	s := &Sentinel{w: w, Host: h, spec: spec}
	eng, err := sentinel.New(spec.Config, &sentinelEnv{s: s}, w.Seeds.Stream("sentinel/"+spec.Name))
	if err != nil {
		return err
	}
	s.Engine = eng
	h.OnCrash = eng.Crash
	h.OnRestart = func() {
		if err := s.start(); err != nil {
			w.Trace.Printf(w.Now(), "sentinel %s restart failed: %v", spec.Name, err)
		}
	}
	w.sentinels = append(w.sentinels, s)
	return nil
}

// start listens on the sentinel's port and boots its process.
func (s *Sentinel) start() error {
	err := s.Host.Listen(s.spec.Config.Port, func(c *sim.Conn) {
		a := &sconn{c: c, s: s}
		c.SetHandler(a)
		s.Engine.Accept(a)
	})
	if err != nil {
		return fmt.Errorf("sentinel %s: %w", s.spec.Name, err)
	}
	s.Engine.Start()
	return nil
}

// configLine is the sentinel.conf of a sentinel, on one line for the trace.
func (s *Sentinel) configLine() string {
	c := s.spec.Config
	return fmt.Sprintf("port %d sentinel monitor %s %s %d %d down-after-milliseconds %d failover-timeout %d parallel-syncs %d",
		c.Port, c.MasterName, c.MasterHost, c.MasterPort, c.Quorum, c.DownAfter.Milliseconds(), c.FailoverTimeout.Milliseconds(), c.ParallelSyncs)
}

// sentinelEnv is the sentinel.Env of one sentinel.
type sentinelEnv struct{ s *Sentinel }

func (e *sentinelEnv) Now() time.Duration { return e.s.w.Sched.Now() }

func (e *sentinelEnv) Dial(host string, port int) model.Conn {
	s := e.s
	a := &sconn{s: s}
	a.c = s.Host.Dial(sim.Addr{Host: host, Port: port}, func(c *sim.Conn, err error) {
		s.Engine.Connected(a, err)
	})
	a.c.SetHandler(a)
	return a
}

func (e *sentinelEnv) After(d time.Duration, fn func()) model.Timer {
	return timer{h: e.s.Host, t: e.s.Host.After(d, fn)}
}

// Log leaves the sentinel's log out of the trace: its events, which are
// what it logs of note, come through Event.
func (e *sentinelEnv) Log(string) {}

func (e *sentinelEnv) Event(ev sentinel.Event) {
	w := e.s.w
	se := SentinelEvent{At: w.Now(), Sentinel: e.s.spec.Name, Kind: ev.Kind, Payload: ev.Payload}
	w.sentEvents = append(w.sentEvents, se)
	w.Trace.Printf(w.Now(), "sentinel %s %s %s", se.Sentinel, se.Kind, se.Payload)
	if w.OnSentinelEvent != nil {
		w.OnSentinelEvent(se)
	}
}

// sconn adapts a sim connection to a sentinel, as conn does to a node.
type sconn struct {
	c *sim.Conn
	s *Sentinel
}

func (a *sconn) Write(p []byte) int {
	k, _ := a.c.Write(p)
	return k
}
func (a *sconn) Close()        { a.c.Close() }
func (a *sconn) Peer() string  { return a.c.RemoteAddr().Host }
func (a *sconn) PeerPort() int { return a.c.RemoteAddr().Port }

func (a *sconn) Data(_ *sim.Conn, p []byte)    { a.s.Engine.Data(a, p) }
func (a *sconn) Writable(_ *sim.Conn)          { a.s.Engine.Writable(a) }
func (a *sconn) Closed(_ *sim.Conn, err error) { a.s.Engine.Closed(a, err) }

// sentinelConfig is one sentinel's configuration from the file's
// deployment: it monitors the starting master m at its host and port.
func sentinelConfig(ss *spec.SentinelsSpec, name string, m *spec.NodeSpec) sentinel.Config {
	c := sentinel.DefaultConfig()
	c.Host = name
	c.MasterName = ss.MasterName
	c.MasterHost, c.MasterPort = m.Name, m.Config.Port
	c.Quorum = ss.Quorum
	c.DownAfter = ss.DownAfter
	c.FailoverTimeout = ss.FailoverTimeout
	c.ParallelSyncs = ss.ParallelSyncs
	return c
}

// sentinelEvent follows the master of the moment as the sentinels name it:
// at a +switch-master ("<master> <old-ip> <old-port> <new-ip> <new-port>")
// the new address is the master from then on, for the master selector of
// faults, the final checks and the sampled lag. The clients do not use
// it: they ask the sentinels.
func (r *runner) sentinelEvent(e SentinelEvent) {
	if e.Kind != "+switch-master" {
		return
	}
	f := strings.Fields(e.Payload)
	if len(f) != 5 || r.w.Node(f[3]) == nil || f[3] == r.master {
		return
	}
	r.w.Trace.Printf(r.w.Now(), "master of the moment %s (from %s)", f[3], r.master)
	r.master = f[3]
}
