package world

import (
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/replsim/replsim/checker"
	"github.com/replsim/replsim/model"
	"github.com/replsim/replsim/scenarios/spec"
	"github.com/replsim/replsim/sim"
)

// Facts are the raw facts of one run, before checking: what happened, not
// what it means (package scenarios computes every figure from these).
type Facts struct {
	Seed     uint64
	SimTime  time.Duration
	Events   uint64
	TraceSHA string

	Converged      bool
	ConvergeReason string // why not, when not converged
	Limit          string // a limit that ended the run, or ""

	Nodes map[string]model.Stats
	Notes []Note
	// History is the clients' operations, or nil when they went to
	// RunOptions.History; Operations counts them either way.
	History    []checker.Op
	Operations int

	// Samples are the replicas' lag, taken when RunOptions.SampleEvery is
	// set; nil otherwise.
	Samples []Sample

	// FinalMaster is the master at the end and FinalDataset its data, for
	// the checker's lost-write checks and final reads. FinalMasterUp: it
	// was up and a master at the end, so its dataset is what a client
	// would read there.
	FinalMaster   string
	FinalMasterUp bool
	FinalDataset  []model.Entry

	// Records for the checker's replication invariants and timeline
	// (observe.go).
	Offsets   []checker.OffsetSample
	Continues []checker.Continue
	Prefix    checker.PrefixReport
	FaultLog  []checker.Event

	// SentinelEvents are the sentinels' events, in time order.
	SentinelEvents []SentinelEvent
	// MasterFailedAt is when the first fault that took the starting master
	// down or away was applied (a crash, restart or pause of it, a
	// disconnect, stall or partition of a link between it and a client or
	// a sentinel, or a failover fault promoting another node), and
	// MasterFailed is true once there was one.
	MasterFailedAt time.Duration
	MasterFailed   bool
}

// RunOptions are the knobs of one run that are not in the scenario.
type RunOptions struct {
	// Trace receives trace.log; nil keeps only the hash.
	Trace io.Writer
	// MaxEvents bounds the run (0: 2e9).
	MaxEvents uint64
	// SampleEvery, when positive, records every replica's lag behind the
	// master of the moment at this period of virtual time, from time 0 to
	// the end of the run, in Facts.Samples. Sampling only reads state
	// between events and schedules nothing, so the run, its trace and its
	// figures are the same with or without it.
	SampleEvery time.Duration
	// WallLimit, when positive, bounds the run's wall time: once
	// WallPassed reports true the run ends with the limit "wall-clock
	// limit <WallLimit> passed". The world never reads the real clock
	// itself (it would not be deterministic); it asks WallPassed every
	// wallCheckEvents events, and the caller's function reads the clock.
	WallLimit  time.Duration
	WallPassed func() bool
	// Progress, when set, is called every wallCheckEvents events with
	// the virtual time and the events fired so far, for a progress
	// display: like WallPassed, it lets the caller read the real clock
	// without the world doing so. It must not change the world.
	Progress func(now time.Duration, events uint64)
	// History, when set, receives each operation once it can no longer
	// change (in the order they were issued, the last ones when the run
	// ends), and the run keeps none of them: Facts.History is nil.
	History func(*checker.Op)
}

// wallCheckEvents is how many events pass between two calls of
// RunOptions.WallPassed: often enough to stop within milliseconds, seldom
// enough to cost nothing.
const wallCheckEvents = 4096

// Sample is one replica's replication lag at one instant.
type Sample struct {
	At   time.Duration
	Node string
	// LagBytes is the master's master_repl_offset minus the replica's
	// offset: the stream bytes the replica has yet to apply.
	LagBytes int64
	// LinkUp reports whether the replica's link to its master is CONNECTED.
	LinkUp bool
}

// Run builds a world from the scenario and seed, runs the fault phase and
// the heal phase, and returns what happened. The same scenario, seed and
// options give the same Facts and trace, byte for byte.
func Run(s *spec.Spec, seed uint64, opts RunOptions) (*Facts, error) {
	maxEvents := opts.MaxEvents
	if maxEvents == 0 {
		maxEvents = 2_000_000_000
	}
	o := Options{
		Seed:   seed,
		Link:   s.Network.Link,
		Limits: sim.Limits{Events: maxEvents, Time: s.Duration + s.HealTimeout + time.Minute},
		Trace:  opts.Trace,
		Window: s.Network.WindowBytes,
	}
	for _, n := range s.Nodes {
		// Each node runs its own config: protocol and bugs were stamped
		// on it when the file was validated.
		o.Nodes = append(o.Nodes, NodeSpec{Name: n.Name, Config: n.Config})
	}
	if ss := s.Sentinels; ss != nil {
		m := s.Node(s.Master())
		for _, name := range ss.Names {
			o.Sentinels = append(o.Sentinels, SentinelSpec{Name: name, Config: sentinelConfig(ss, name, m)})
		}
	}
	isHost := func(name string) bool { return s.Node(name) != nil || s.IsSentinel(name) }
	for _, l := range s.Network.Links {
		if isHost(l.A) && isHost(l.B) {
			o.Links = append(o.Links, LinkSpec{A: l.A, B: l.B, Link: l.Link})
		}
	}
	w, err := New(o)
	if err != nil {
		return nil, err
	}
	r := &runner{w: w, s: s, master: s.Master(), res: &Facts{Seed: seed}}
	w.OnSentinelEvent = r.sentinelEvent
	r.sampleEvery, r.history = opts.SampleEvery, opts.History
	var passed func() bool
	if opts.WallLimit > 0 && opts.WallPassed != nil {
		r.wallLimit, passed = opts.WallLimit, opts.WallPassed
	}
	if passed != nil || opts.Progress != nil {
		r.stop = r.everyEvents(passed, opts.Progress)
	}
	r.pairs = map[[2]string]int{}
	r.stallPairs = map[[2]string]int{}
	w.Trace.Printf(0, "scenario %s protocol %s duration %s", s.Name, s.Protocol, s.Duration)
	r.loadDataset()
	if err := r.scheduleFaults(); err != nil {
		return nil, err
	}
	r.startWorkload()

	// The fault phase.
	if reason := r.runTo(s.Duration); reason == sim.StopLimit || reason == sim.StopCondition {
		return r.finish(r.limit(reason)), nil
	}
	// The heal phase: faults lifted, workload stopped, until the replicas
	// converge or the bound passes.
	w.Trace.Printf(w.Now(), "phase heal")
	r.heal()
	deadline := s.Duration + s.HealTimeout
	converged := false
	for !converged && w.Now() < deadline {
		if reason := r.runTo(min(w.Now()+100*time.Millisecond, deadline)); reason == sim.StopLimit || reason == sim.StopCondition {
			return r.finish(r.limit(reason)), nil
		}
		converged, _ = r.converged()
	}
	return r.finish(""), nil
}

// limit is the reason a run ended early: a limit of the scheduler, or the
// wall clock.
func (r *runner) limit(reason sim.StopReason) string {
	if reason == sim.StopCondition {
		return fmt.Sprintf("wall-clock limit %s passed", r.wallLimit)
	}
	return r.w.Sched.Err().Error()
}

// everyEvents is a stop condition for sim.Scheduler.Run that, every
// wallCheckEvents events, reports the progress and asks passed (either
// may be nil).
func (r *runner) everyEvents(passed func() bool, progress func(time.Duration, uint64)) func() bool {
	n := 0
	return func() bool {
		n++
		if n < wallCheckEvents {
			return false
		}
		n = 0
		if progress != nil {
			progress(r.w.Now(), r.w.Sched.Fired())
		}
		return passed != nil && passed()
	}
}

type runner struct {
	w      *World
	s      *spec.Spec
	res    *Facts
	master string // the master of the moment

	work       *workload
	pairs      map[[2]string]int // active cuts per host pair
	stallPairs map[[2]string]int // active stalls per host pair
	crashed    map[string]bool
	healing    bool

	sampleEvery time.Duration
	nextSample  time.Duration
	history     func(*checker.Op) // RunOptions.History
	wallLimit   time.Duration
	stop        func() bool // nil without a wall-clock limit

	lastDigestAt  time.Duration
	lastDigestWhy string
	faultRand     interface{ IntN(int) int }
}

func (r *runner) loadDataset() {
	d := r.s.Dataset
	if d.Keys == 0 {
		return
	}
	rng := r.w.Seeds.Stream("dataset")
	m := r.w.Node(r.master).Engine
	for i := 0; i < d.Keys; i++ {
		m.Load(0, []byte(padKey("data:", i, d.KeySize)), randomValue(rng, d.ValueSize))
	}
	r.w.Trace.Printf(0, "dataset %d keys of %d bytes on %s", d.Keys, d.ValueSize, r.master)
}

// runTo runs the world until t, stopping at each sample time on the way to
// record the replicas' lag. Running in steps fires the same events in the
// same order as one call would.
func (r *runner) runTo(t time.Duration) sim.StopReason {
	for r.sampleEvery > 0 && r.nextSample <= t {
		if reason := r.w.Run(r.nextSample, r.stop); reason == sim.StopLimit || reason == sim.StopCondition {
			return reason
		}
		r.sample()
		r.nextSample += r.sampleEvery
	}
	return r.w.Run(t, r.stop)
}

// sample records every replica's lag behind the master of the moment.
func (r *runner) sample() {
	m := r.w.Node(r.master)
	if m == nil {
		return
	}
	top := m.Engine.Offset()
	for _, name := range r.sortedNames() {
		if name == r.master {
			continue
		}
		e := r.w.Node(name).Engine
		r.res.Samples = append(r.res.Samples, Sample{At: r.nextSample, Node: name, LagBytes: top - e.Offset(), LinkUp: e.LinkUp()})
	}
}

// finish collects the figures.
func (r *runner) finish(limit string) *Facts {
	w, res := r.w, r.res
	res.Limit = limit
	res.SimTime = w.Now()
	res.Events = w.Sched.Fired()
	res.Converged, res.ConvergeReason = r.converged()
	if limit != "" {
		res.Converged, res.ConvergeReason = false, "run ended by a limit: "+limit
	}
	res.Nodes = map[string]model.Stats{}
	for _, n := range w.Nodes() {
		res.Nodes[n.Name()] = n.Engine.Stats()
	}
	res.FinalMaster = r.master
	if m := w.Node(r.master); m != nil {
		res.FinalDataset = m.Engine.Dataset()
		res.FinalMasterUp = m.Host.Up() && m.Engine.Up() && m.Engine.IsMaster()
	}
	res.Offsets, res.Continues, res.Prefix, res.FaultLog = w.obs.samples, w.obs.continues, w.obs.prefix.Report(), w.obs.faults
	if res.Offsets == nil {
		res.Offsets = []checker.OffsetSample{}
	}
	res.Notes = w.Notes()
	res.SentinelEvents = w.SentinelEvents()
	if r.work != nil {
		// Operations still in flight when the run ended: their outcome is
		// unknown.
		r.work.history.close(int64(res.SimTime))
		res.Operations = r.work.history.len()
		if r.history == nil {
			// With room for the checker's reads of the final dataset:
			// one per key the operations touched, so no more than
			// there are operations, nor than the keys of the final
			// dataset and of the workload's key space.
			res.History = r.work.history.all(min(res.Operations, len(res.FinalDataset)+r.s.Workload.Keys))
		}
	}
	w.Trace.Printf(w.Now(), "end converged=%v events=%d", res.Converged, res.Events)
	res.TraceSHA = w.Trace.Sum()
	return res
}

// converged reports whether every node is up and every replica is linked
// and caught up with its master, holding the same data as the master of the
// moment; otherwise it says why not.
func (r *runner) converged() (bool, string) {
	w := r.w
	if r.work != nil && r.work.inFlight() > 0 {
		return false, "client operations still in flight"
	}
	root := w.Node(r.master)
	if root == nil || !root.Host.Up() || !root.Engine.Up() {
		return false, fmt.Sprintf("master %s is down", r.master)
	}
	for _, n := range w.Nodes() {
		e := n.Engine
		switch {
		case !e.Up():
			return false, fmt.Sprintf("%s is down", n.Name())
		case n.Name() == r.master:
			continue
		case e.IsMaster():
			return false, fmt.Sprintf("%s is a second master", n.Name())
		case !e.LinkUp():
			return false, fmt.Sprintf("%s has no link to its master %s", n.Name(), e.MasterHost())
		}
		up := w.Node(e.MasterHost())
		if up == nil {
			return false, fmt.Sprintf("%s replicates from unknown %s", n.Name(), e.MasterHost())
		}
		if n.spec.Config.Protocol == model.SYNC || up.spec.Config.Protocol == model.SYNC {
			continue // before 2.8 offsets are not shared: compare data below
		}
		if up.Engine.Offset() != e.Offset() {
			return false, fmt.Sprintf("%s is at offset %d, its master at %d", n.Name(), e.Offset(), up.Engine.Offset())
		}
	}
	// Offsets agree; compare the data, which costs a pass over every key,
	// at most once per simulated second.
	if r.lastDigestAt != 0 && w.Now()-r.lastDigestAt < time.Second && r.lastDigestWhy != "" {
		return false, r.lastDigestWhy
	}
	r.lastDigestAt = w.Now()
	r.lastDigestWhy = ""
	digest := root.Engine.Digest()
	for _, n := range w.Nodes() {
		if n.Name() != r.master && n.Engine.Digest() != digest {
			r.lastDigestWhy = fmt.Sprintf("%s holds different data than %s at the same offset", n.Name(), r.master)
			return false, r.lastDigestWhy
		}
	}
	return true, ""
}

// heal lifts every fault and stops the workload.
func (r *runner) heal() {
	r.logFault("heal", "heal: faults lifted, workload stopped", 0)
	r.healing = true
	w := r.w
	w.Net.HealAll()
	for k := range r.pairs {
		delete(r.pairs, k)
	}
	for k := range r.stallPairs {
		delete(r.stallPairs, k)
	}
	for _, name := range r.hostNames() {
		h := w.Net.Host(name)
		if h.Paused() {
			h.Resume()
		}
		if !h.Up() {
			h.Restart()
		}
	}
	if r.work != nil {
		r.work.stop()
	}
}

// hostNames returns the names of the hosts that faults reach by name: the
// nodes, then the sentinels, each in the file's order.
func (r *runner) hostNames() []string {
	var names []string
	for _, n := range r.w.Nodes() {
		names = append(names, n.Name())
	}
	for _, s := range r.w.Sentinels() {
		names = append(names, s.Name())
	}
	return names
}

// sortedNames returns the node names, sorted.
func (r *runner) sortedNames() []string {
	var names []string
	for _, n := range r.w.Nodes() {
		names = append(names, n.Name())
	}
	sort.Strings(names)
	return names
}
