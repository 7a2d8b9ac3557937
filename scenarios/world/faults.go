package world

import (
	"math/rand/v2"
	"strings"
	"time"

	"github.com/replsim/replsim/faults"
	"github.com/replsim/replsim/sim"
)

// scheduleFaults expands the scenario's fault schedules from the "faults"
// stream and puts each event on the scheduler. Selectors resolve when the
// event fires.
func (r *runner) scheduleFaults() error {
	evs, err := faults.Expand(r.s.Faults, r.s.Duration, r.w.Seeds.Stream("faults"))
	if err != nil {
		return err
	}
	pick := r.w.Seeds.Stream("faults/pick")
	for _, ev := range evs {
		r.w.Sched.At(ev.At, func() { r.apply(ev, pick) })
	}
	return nil
}

// resolve turns a selector into node names, at the moment a fault fires.
func (r *runner) resolve(sel faults.Selector, pick *rand.Rand) []string {
	switch sel {
	case faults.SelectMaster:
		return []string{r.master}
	case faults.SelectClients:
		if r.work == nil {
			return nil
		}
		return r.work.hosts("")
	case faults.SelectReplicas, faults.SelectReplica:
		var reps []string
		for _, n := range r.sortedNames() {
			if n != r.master {
				reps = append(reps, n)
			}
		}
		if sel == faults.SelectReplica && len(reps) > 0 {
			return []string{reps[pick.IntN(len(reps))]}
		}
		return reps
	}
	if r.work != nil && r.w.Net.Host(string(sel)) == nil {
		return r.work.hosts(string(sel))
	}
	return []string{string(sel)}
}

// apply applies one fault event, its selectors resolved now.
func (r *runner) apply(ev faults.Event, pick *rand.Rand) {
	if r.healing {
		return
	}
	a := ev.Action
	r.w.Trace.Printf(r.w.Now(), "fault %s", ev)
	switch a.Verb {
	case faults.Disconnect, faults.Stall:
		r.applyLinkFault(ev, pick)
	case faults.Partition:
		r.applyPartition(ev, pick)
	case faults.Crash, faults.Restart:
		for _, name := range r.resolve(a.Node, pick) {
			r.crash(name, a.Verb == faults.Restart, a.RestartAfter)
		}
	case faults.Pause:
		for _, name := range r.resolve(a.Node, pick) {
			if h := r.w.Net.Host(name); h.Up() && !h.Paused() {
				r.masterFault(name)
				r.logFault(string(a.Verb), "pause "+name, ev.For)
				h.Pause(ev.For)
			}
		}
	case faults.Failover:
		if targets := r.resolve(a.Node, pick); len(targets) > 0 {
			r.failover(targets[0])
		}
	}
}

// applyLinkFault disconnects or stalls the links between two sides.
func (r *runner) applyLinkFault(ev faults.Event, pick *rand.Rand) {
	a := ev.Action
	xs, ys := r.resolve(a.Between[0], pick), r.resolve(a.Between[1], pick)
	arrow := "<->"
	if a.OneWay {
		arrow = "->"
	}
	r.logFault(string(a.Verb), string(a.Verb)+" "+strings.Join(xs, ",")+arrow+strings.Join(ys, ","), ev.For)
	r.masterLinkFault(crossPairs(xs, ys))
	r.linkFault(a.Verb == faults.Stall, a.OneWay, crossPairs(xs, ys), ev.For)
}

// applyPartition cuts every link between hosts of different groups.
func (r *runner) applyPartition(ev faults.Event, pick *rand.Rand) {
	var groups [][]string
	var sides []string
	for _, g := range ev.Action.Groups {
		var names []string
		for _, sel := range g {
			names = append(names, r.resolve(sel, pick)...)
		}
		groups = append(groups, names)
		sides = append(sides, strings.Join(names, ","))
	}
	var pairs [][2]string
	for i := range groups {
		for j := i + 1; j < len(groups); j++ {
			pairs = append(pairs, crossPairs(groups[i], groups[j])...)
		}
	}
	r.logFault(string(ev.Action.Verb), "partition "+strings.Join(sides, " | "), ev.For)
	r.masterLinkFault(pairs)
	r.linkFault(false, false, pairs, ev.For)
}

// crossPairs is every pair of a host of xs and another host of ys.
func crossPairs(xs, ys []string) [][2]string {
	var pairs [][2]string
	for _, x := range xs {
		for _, y := range ys {
			if x != y {
				pairs = append(pairs, [2]string{x, y})
			}
		}
	}
	return pairs
}

// crash crashes a node's host (after a clean shutdown for a restart) and
// starts it again after restartAfter, if given.
func (r *runner) crash(name string, shutdown bool, restartAfter time.Duration) {
	w := r.w
	h := w.Net.Host(name)
	if !h.Up() {
		return
	}
	r.masterFault(name)
	verb := faults.Crash
	if shutdown {
		verb = faults.Restart
		if n := w.Node(name); n != nil {
			n.Engine.Shutdown()
		}
	}
	r.logFault(string(verb), string(verb)+" "+name, restartAfter)
	h.Crash()
	if restartAfter <= 0 {
		return
	}
	w.Sched.After(restartAfter, func() {
		if !r.healing && !h.Up() {
			w.Trace.Printf(w.Now(), "fault restart %s", name)
			r.logFault("restart", name+" starts again", 0)
			h.Restart()
		}
	})
}

// masterFault records the first fault that takes the starting master
// down or away (Facts.MasterFailedAt).
func (r *runner) masterFault(name string) {
	if !r.res.MasterFailed && name == r.s.Master() {
		r.res.MasterFailed, r.res.MasterFailedAt = true, r.w.Now()
	}
}

// masterLinkFault is masterFault for link faults: one that cuts or stalls
// a link between the starting master and those who use or watch it, a
// client or a sentinel. A link to a replica alone does not take the master
// away: it still takes writes.
func (r *runner) masterLinkFault(pairs [][2]string) {
	for _, p := range pairs {
		for i, name := range p {
			if other := p[1-i]; r.w.Node(other) == nil {
				r.masterFault(name)
			}
		}
	}
}

// linkFault cuts or stalls the given host pairs for d, counting overlapping
// faults so that the end of one does not lift another.
func (r *runner) linkFault(stall, oneWay bool, pairs [][2]string, d time.Duration) {
	counts := r.pairs
	if stall {
		counts = r.stallPairs
	}
	var dirs [][2]string
	for _, p := range pairs {
		dirs = append(dirs, p)
		if !oneWay {
			dirs = append(dirs, [2]string{p[1], p[0]})
		}
	}
	for _, p := range dirs {
		counts[p]++
	}
	for _, p := range pairs {
		r.syncLink(p[0], p[1])
	}
	r.w.Sched.After(d, func() {
		if r.healing {
			return
		}
		for _, p := range dirs {
			counts[p]--
		}
		for _, p := range pairs {
			r.syncLink(p[0], p[1])
		}
	})
}

// syncLink makes the network between a and b match the active faults:
// each direction is cut, stalled or up.
func (r *runner) syncLink(a, b string) {
	n := r.w.Net
	want := func(x, y string) sim.LinkState {
		switch {
		case r.pairs[[2]string{x, y}] > 0:
			return sim.LinkCut
		case r.stallPairs[[2]string{x, y}] > 0:
			return sim.LinkStalled
		}
		return sim.LinkUp
	}
	ab, ba := want(a, b), want(b, a)
	n.Heal(a, b)
	switch {
	case ab == sim.LinkCut && ba == sim.LinkCut:
		n.Cut(a, b)
	case ab == sim.LinkStalled && ba == sim.LinkStalled:
		n.Stall(a, b)
	default:
		for _, d := range []struct {
			from, to string
			s        sim.LinkState
		}{{a, b, ab}, {b, a, ba}} {
			switch d.s {
			case sim.LinkCut:
				n.CutOneWay(d.from, d.to)
			case sim.LinkStalled:
				n.StallOneWay(d.from, d.to)
			}
		}
	}
}

// failover promotes target and re-points the other nodes and the clients,
// as Sentinel would.
func (r *runner) failover(target string) {
	w := r.w
	t := w.Node(target)
	if target == r.master || t == nil || !t.Host.Up() {
		w.Trace.Printf(w.Now(), "failover to %s skipped", target)
		return
	}
	r.logFault(string(faults.Failover), "failover to "+target, 0)
	r.masterFault(r.master)
	t.Engine.Promote()
	for _, n := range w.Nodes() {
		if n.Name() != target {
			n.Engine.ReplicaOf(target, t.Port())
		}
	}
	r.master = target
	if r.work != nil {
		r.work.retarget(sim.Addr{Host: target, Port: t.Port()})
	}
}
