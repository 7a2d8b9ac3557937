// Package world builds one simulated world, Redis nodes from package model
// on hosts of package sim, and runs it. It is the only place that knows both:
// the engine sees an Env and Conns, the network sees handlers and bytes.
//
// Like sim and model, this package never reads the real clock, never uses
// the global random source and never starts a goroutine: one world runs on
// the goroutine that calls it.
package world

import (
	"fmt"
	"github.com/replsim/replsim/checker"
	"io"
	"time"

	"github.com/replsim/replsim/model"
	"github.com/replsim/replsim/sim"
)

// NodeSpec is one Redis node of the world.
type NodeSpec struct {
	Name   string
	Config model.Config
}

// LinkSpec overrides the network between two hosts, in both directions.
type LinkSpec struct {
	A, B string
	Link sim.LinkConfig
}

// Options describe a world.
type Options struct {
	Seed  uint64
	Nodes []NodeSpec
	// Sentinels are Sentinel processes, each on its own host.
	Sentinels []SentinelSpec
	Link      sim.LinkConfig // every link's default
	Links     []LinkSpec
	Limits    sim.Limits
	// Trace receives one line per event; nil keeps only the hash.
	Trace io.Writer
	// Window is the network's per-direction window (0: sim's default).
	Window int
}

// Note is one replication event on a node's timeline, for the checker.
type Note struct {
	At     time.Duration
	Node   string
	Kind   model.NoteKind
	Peer   string
	Offset int64
	// Reason says why, for a full resync or a dropped replica (the
	// model.Reason* constants); "" otherwise.
	Reason string
}

// World is a running simulation.
type World struct {
	Sched *sim.Scheduler
	Net   *sim.Network
	Trace *sim.Trace
	Seeds sim.Seeds

	nodes []*Node
	byNam map[string]*Node
	notes []Note
	obs   observer // records for the checker (observe.go)

	sentinels  []*Sentinel
	sentEvents []SentinelEvent
	// OnSentinelEvent, when set, sees each sentinel event as it happens.
	OnSentinelEvent func(SentinelEvent)
}

// New builds the world: scheduler, network, hosts and started nodes.
func New(opts Options) (*World, error) {
	w := &World{
		Sched: sim.NewScheduler(opts.Limits),
		Trace: sim.NewTrace(opts.Trace),
		Seeds: sim.NewSeeds(opts.Seed),
		byNam: map[string]*Node{},
	}
	w.Trace.Printf(0, "seed %d", opts.Seed)
	w.Net = sim.NewNetwork(w.Sched, w.Seeds.Stream("net"), w.Trace, opts.Link)
	if opts.Window > 0 {
		w.Net.WindowBytes = opts.Window
	}
	for _, spec := range opts.Nodes {
		if _, dup := w.byNam[spec.Name]; dup {
			return nil, fmt.Errorf("node %q defined twice", spec.Name)
		}
		if err := w.addNode(spec); err != nil {
			return nil, err
		}
	}
	for _, spec := range opts.Sentinels {
		if err := w.addSentinel(spec); err != nil {
			return nil, err
		}
	}
	for _, l := range opts.Links {
		w.Net.SetLink(l.A, l.B, l.Link)
	}
	for _, n := range w.nodes {
		for _, line := range n.spec.Config.Lines() {
			w.Trace.Printf(0, "config %s %s", n.spec.Name, line)
		}
	}
	for _, s := range w.sentinels {
		w.Trace.Printf(0, "config %s %s", s.spec.Name, s.configLine())
	}
	w.Trace.Printf(0, "network %s", opts.Link)
	for _, n := range w.nodes {
		if err := n.start(); err != nil {
			return nil, err
		}
	}
	for _, s := range w.sentinels {
		if err := s.start(); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// Node returns the named node, or nil.
func (w *World) Node(name string) *Node { return w.byNam[name] }

// Nodes returns the nodes in the order they were defined.
func (w *World) Nodes() []*Node { return w.nodes }

// Notes returns the replication events so far.
func (w *World) Notes() []Note { return w.notes }

// Now returns the virtual time.
func (w *World) Now() time.Duration { return w.Sched.Now() }

// Run runs the world until t, until stop returns true, or until a limit.
func (w *World) Run(until time.Duration, stop func() bool) sim.StopReason {
	return w.Sched.Run(until, stop)
}

// Node is one Redis server on its host.
type Node struct {
	w      *World
	Host   *sim.Host
	Engine *model.Node
	spec   NodeSpec
	// beforeSleep is Engine.BeforeSleep, made once so that waking the node
	// does not allocate.
	beforeSleep func()
}

func (w *World) addNode(spec NodeSpec) error {
	h := w.Net.AddHost(spec.Name)
	n := &Node{w: w, Host: h, spec: spec}
	eng, err := model.New(spec.Name, spec.Config, &env{n: n}, w.Seeds.Stream("node/"+spec.Name))
	if err != nil {
		return err
	}
	n.Engine = eng
	n.beforeSleep = eng.BeforeSleep
	h.OnCrash = func() { eng.Crash() }
	h.OnRestart = func() {
		if err := n.start(); err != nil {
			w.Trace.Printf(w.Now(), "node %s restart failed: %v", spec.Name, err)
		}
	}
	w.nodes = append(w.nodes, n)
	w.byNam[spec.Name] = n
	return nil
}

// start listens on the node's port and boots its process.
func (n *Node) start() error {
	err := n.Host.Listen(n.spec.Config.Port, func(c *sim.Conn) {
		a := &conn{c: c, n: n}
		c.SetHandler(a)
		n.Engine.Accept(a)
	})
	if err != nil {
		return fmt.Errorf("node %s: %w", n.spec.Name, err)
	}
	return n.Engine.Start()
}

// Name returns the node's name.
func (n *Node) Name() string { return n.spec.Name }

// Port returns the port the node listens on.
func (n *Node) Port() int { return n.spec.Config.Port }

// env is the model.Env of one node.
type env struct {
	n *Node
	// What Applied keeps of this node, made on its first report: its
	// offset track and prefix log, and its master's (looked up by name
	// only when the master changes).
	track      *offsetTrack
	prefix     *checker.PrefixNode
	masterHost string
	master     *Node
	masterLog  *checker.PrefixNode
}

func (e *env) Now() time.Duration { return e.n.w.Sched.Now() }

func (e *env) Dial(host string, port int) model.Conn {
	a := &conn{n: e.n}
	a.c = e.n.Host.Dial(sim.Addr{Host: host, Port: port}, func(c *sim.Conn, err error) {
		e.n.Engine.Connected(a, err)
	})
	a.c.SetHandler(a)
	return a
}

// Wake ends the node's event loop iteration with one beforeSleep at the end
// of the current instant: every delivery, timer and connection event of the
// node at this instant joins the iteration. A host that is paused when the
// node wakes (a fault's ReplicaOf, say) runs it at its resume; one paused
// later in the same instant still ends the iteration it was in, which took
// no virtual time.
func (e *env) Wake() {
	n := e.n
	if n.Host.Paused() {
		n.Host.After(0, n.beforeSleep)
		return
	}
	n.w.Sched.Defer(n.beforeSleep)
}

type timer struct {
	h *sim.Host
	t sim.Timer
}

func (t timer) Stop() bool { return t.h.Stop(t.t) }

func (e *env) After(d time.Duration, fn func()) model.Timer {
	return timer{h: e.n.Host, t: e.n.Host.After(d, fn)}
}

func (e *env) Log(msg string) {
	e.n.w.Trace.Printf(e.n.w.Now(), "log %s %s", e.n.spec.Name, msg)
}

func (e *env) Note(n model.Note) {
	w := e.n.w
	w.notes = append(w.notes, Note{At: w.Now(), Node: e.n.spec.Name, Kind: n.Kind, Peer: n.Peer, Offset: n.Offset, Reason: n.Reason})
	if n.Reason == "" {
		w.Trace.Printf(w.Now(), "note %s %s %s %d", e.n.spec.Name, n.Kind, n.Peer, n.Offset)
		return
	}
	w.Trace.Printf(w.Now(), "note %s %s %s %d %s", e.n.spec.Name, n.Kind, n.Peer, n.Offset, n.Reason)
}

// conn adapts a sim connection to the engine: it is the engine's Conn and
// the network's handler.
type conn struct {
	c *sim.Conn
	n *Node
}

func (a *conn) Write(p []byte) int {
	k, _ := a.c.Write(p)
	return k
}
func (a *conn) Close()        { a.c.Close() }
func (a *conn) Peer() string  { return a.c.RemoteAddr().Host }
func (a *conn) PeerPort() int { return a.c.RemoteAddr().Port }

func (a *conn) Data(_ *sim.Conn, p []byte)    { a.n.Engine.Data(a, p) }
func (a *conn) Writable(_ *sim.Conn)          { a.n.Engine.Writable(a) }
func (a *conn) Closed(_ *sim.Conn, err error) { a.n.Engine.Closed(a, err) }
