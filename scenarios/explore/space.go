package explore

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/replsim/replsim/scenarios"
	"github.com/replsim/replsim/scenarios/spec"
)

// A Space is a scenario file with an explore: section, loaded.
type Space struct {
	path     string
	src      []byte
	base     *spec.Spec
	x        *spec.Explore
	bugs     []string
	hosts    []string // every node, in file order
	replicas []string // the nodes faults may target that have a master
	// addLinearizable: the property adds linearizable: true to the
	// file's expectations.
	addLinearizable bool
}

// Load reads a scenario file with an explore: section. bugs are --bug
// names, switched on in every case.
func Load(path string, bugs []string) (*Space, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, &scenarios.Error{File: path, Msg: err.Error()}
	}
	base, err := scenarios.Load(path, src, scenarios.Overrides{Bugs: bugs})
	if err != nil {
		return nil, err
	}
	if base.Explore == nil {
		return nil, &scenarios.Error{File: path, Msg: "the file has no explore: section (see docs/explore.md)"}
	}
	sp := &Space{path: path, src: src, base: base, x: base.Explore, bugs: bugs}
	for _, n := range base.Nodes {
		sp.hosts = append(sp.hosts, n.Name)
		if n.ReplicaOf != "" && slices.Contains(sp.x.Nodes, n.Name) {
			sp.replicas = append(sp.replicas, n.Name)
		}
	}
	if len(sp.replicas) == 0 {
		sp.replicas = []string{"replica"}
	}
	sp.addLinearizable = sp.x.Linearizable && !slices.ContainsFunc(base.Expect, func(e spec.Expectation) bool { return e.Name == "linearizable" })
	return sp, nil
}

// Base is the file's scenario as it runs without explore.
func (sp *Space) Base() *spec.Spec { return sp.base }

// Render returns the case as the text of a scenario file, header lines
// first as comments.
func (sp *Space) Render(c Case, header []string) ([]byte, error) {
	sets := []scenarios.Override{{Key: "seeds", Value: fmt.Sprintf("[%d]", c.Seed)}}
	set := func(k, v string) { sets = append(sets, scenarios.Override{Key: k, Value: v}) }
	if c.Duration > 0 {
		set("duration", c.Duration.String())
	}
	for _, s := range c.Config {
		set("config."+s.Key, s.Value)
	}
	if c.Rate > 0 {
		set("workload.rate", fmt.Sprint(c.Rate))
	}
	if c.Value > 0 {
		set("workload.value-size", fmt.Sprint(c.Value))
	}
	if c.Clients > 0 {
		set("workload.clients", fmt.Sprint(c.Clients))
	}
	if c.Mix != "" {
		set("workload.mix", c.Mix)
	}
	if c.TTLMs > 0 && sp.mixExpires(c.Mix) {
		set("workload.ttl", fmt.Sprintf("%dms", c.TTLMs))
	}
	if c.DBs > 0 {
		set("workload.dbs", fmt.Sprint(c.DBs))
	}
	if sp.addLinearizable {
		set("expect.linearizable", "true")
	}
	var faults []string
	for _, f := range c.Faults {
		faults = append(faults, f.YAML())
	}
	return scenarios.Render(sp.src, sets, faults, header)
}

// load renders the case and loads it as the scenario file name.
func (sp *Space) load(c Case, name string, header []string) ([]byte, *spec.Spec, error) {
	text, err := sp.Render(c, header)
	if err != nil {
		return nil, nil, err
	}
	s, err := scenarios.Load(name, text, scenarios.Overrides{Bugs: sp.bugs})
	return text, s, err
}

// An Outcome is what one run of a case showed.
type Outcome struct {
	// Invalid: the case did not load (a shrink step can make one); it
	// counts as passing.
	Invalid error
	// Violation names the property that broke ("" when none): the
	// invariant or the expectation. Line says it in one line.
	Violation, Line string
}

// Failed reports whether the case broke the property.
func (o Outcome) Failed() bool { return o.Violation != "" }

// check runs the case and names the property it broke, if any. A panic
// of the run is a broken invariant of the engine (our bug, which the
// engine asserts): it is a violation like any other, "panic", so that it
// is found and shrunk rather than ending the search.
func (sp *Space) check(c Case, opts Options) (out Outcome, err error) {
	defer func() {
		if v := recover(); v != nil {
			out, err = panicOutcome(v), nil
		}
	}()
	_, s, err := sp.load(c, fmt.Sprintf("%s, case of seed %d", sp.path, c.Seed), nil)
	if err != nil {
		return Outcome{Invalid: err}, nil
	}
	ro := scenarios.RunOptions{CheckTimeout: opts.checkTimeout()}
	ro.SkipLinearizability = !slices.ContainsFunc(s.Expect, func(e spec.Expectation) bool { return e.Name == "linearizable" })
	rec, err := scenarios.Run(s, c.Seed, ro)
	if err != nil {
		return Outcome{}, err
	}
	return violation(rec), nil
}

// panicOutcome is the violation of a run that panicked with v.
func panicOutcome(v any) Outcome {
	return Outcome{Violation: "panic", Line: oneLine(fmt.Sprintf("the engine panicked: %v", v))}
}

// violation names the first property the record breaks: an invariant,
// else an expectation.
func violation(rec *scenarios.Record) Outcome {
	if rec.OK {
		return Outcome{}
	}
	for _, inv := range rec.Verdict.Invariants {
		if !inv.OK() {
			line := fmt.Sprintf("invariant %s broken (%d of %d)", inv.Name, inv.Violations, inv.Checked)
			if inv.First != "" {
				line += ": " + inv.First
			}
			return Outcome{Violation: "invariant " + inv.Name, Line: oneLine(line)}
		}
	}
	for _, e := range rec.Expectations {
		if !e.OK {
			return Outcome{Violation: "expect " + e.Name, Line: fmt.Sprintf("expect %s: want %s, got %s", e.Name, e.Want, e.Got)}
		}
	}
	return Outcome{Violation: "run", Line: "the run failed"}
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:297] + "..."
	}
	return s
}

// Options bound and shape an exploration.
type Options struct {
	// Seed is the root seed: case i is drawn from it and i alone.
	Seed uint64
	// Runs bounds the cases run (0: no bound); Budget the wall time of
	// the search, shrinking apart (0: no bound). One of them must be set.
	Runs   int
	Budget time.Duration
	// Workers run cases side by side (0: 1).
	Workers int
	// ShrinkRuns bounds the runs of shrinking (0: 300).
	ShrinkRuns int
	// CheckTimeout bounds each linearizability check (0: 10s).
	CheckTimeout time.Duration
	// Progress, when set, is called after each finished run of the search
	// and of shrinking, from one goroutine at a time.
	Progress func(Progress)
	// Stop, when it closes, ends the search (no more cases are started)
	// or the shrinking (the smallest failing case so far is the result);
	// Result.Interrupted says so.
	Stop <-chan struct{}
}

// stopped reports whether Stop has closed.
func (o Options) stopped() bool {
	select {
	case <-o.Stop:
		return true
	default:
		return false
	}
}

func (o Options) checkTimeout() time.Duration {
	if o.CheckTimeout > 0 {
		return o.CheckTimeout
	}
	return 10 * time.Second
}

// Progress is where an exploration is.
type Progress struct {
	Phase   string // "search" or "shrink"
	Runs    int
	Elapsed time.Duration
	Faults  int // shrink: faults of the smallest failing case so far
}

// mixExpires reports whether the case's mix (mix, or the file's when
// empty) has set-ttl or expire: a ttl applies only then.
func (sp *Space) mixExpires(mix string) bool {
	if mix != "" {
		return scenarios.MixExpires(mix)
	}
	return slices.ContainsFunc(sp.base.Workload.Mix, func(m spec.MixItem) bool { return m.Op == "set-ttl" || m.Op == "expire" })
}
