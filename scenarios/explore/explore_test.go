package explore

import (
	"flag"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/replsim/replsim/scenarios"
	"github.com/replsim/replsim/scenarios/spec"
)

const tiny = "testdata/tiny.yaml"

func load(t testing.TB, path string, bugs ...string) *Space {
	t.Helper()
	sp, err := Load(path, bugs)
	if err != nil {
		t.Fatal(err)
	}
	return sp
}

// rapidDraw draws a case's choices from rapid, which then shrinks them.
func rapidDraw(t *rapid.T) Draw {
	return func(lo, hi int64, label string) int64 { return rapid.Int64Range(lo, hi).Draw(t, label) }
}

// fewChecks lowers rapid's checks to n under go test -short, unless
// -rapid.checks (or RAPID_CHECKS) says otherwise, for the properties
// that run worlds.
func fewChecks(t *testing.T, n int) {
	if !testing.Short() {
		return
	}
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "rapid.checks" })
	old := flag.Lookup("rapid.checks").Value.String()
	if set || old != "100" {
		return
	}
	if err := flag.Set("rapid.checks", strconv.Itoa(n)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { flag.Set("rapid.checks", old) })
}

// Every case keeps inside every bound of explore:: kinds, how many
// faults, when, how long, which nodes, config values, workload ranges.
func TestGenerateRespectsBounds(t *testing.T) {
	files, err := filepath.Glob("../explore-*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no explore files: %v", err)
	}
	for _, f := range append(files, tiny) {
		sp := load(t, f)
		t.Run(filepath.Base(f), rapid.MakeCheck(func(rt *rapid.T) {
			c := sp.Generate(rapidDraw(rt))
			checkBounds(rt, sp.x, sp.hosts, c)
		}))
	}
}

func checkBounds(t *rapid.T, x *spec.Explore, hosts []string, c Case) {
	if len(c.Faults) > x.FaultsMax || len(x.Kinds) > 0 && x.FaultsMax > 0 && len(c.Faults) == 0 {
		t.Fatalf("%d faults, want 1..%d", len(c.Faults), x.FaultsMax)
	}
	within := func(what string, v, lo, hi int64) {
		if v < lo || v > hi {
			t.Fatalf("%s %d outside %d..%d", what, v, lo, hi)
		}
	}
	for _, f := range c.Faults {
		if !slices.Contains(c.Kinds, f.Kind) || !slices.Contains(x.Kinds, f.Kind) {
			t.Fatalf("fault kind %s not among %v of %v", f.Kind, c.Kinds, x.Kinds)
		}
		within("at", int64(f.At), int64(x.At[0]), int64(x.At[1]))
		if f.Lasting() {
			within("for", int64(f.For), int64(x.For[0]), int64(x.For[1]))
		}
		if f.Kind == "crash" {
			within("restart-after", int64(f.RestartAfter), int64(x.RestartAfter[0]), int64(x.RestartAfter[1]))
		}
		if f.Kind != "failover" && !slices.Contains(x.Nodes, f.Nodes[0]) {
			t.Fatalf("%s targets %s, not among %v", f.Kind, f.Nodes[0], x.Nodes)
		}
		for _, n := range slices.Concat(f.Nodes, f.Other) {
			if !slices.Contains(hosts, n) {
				t.Fatalf("%s targets %s, not a node", f.Kind, n)
			}
		}
		if f.Kind == "partition" && (len(f.Nodes) == 0 || len(f.Other) == 0) {
			t.Fatalf("partition with an empty side: %v / %v", f.Nodes, f.Other)
		}
	}
	for _, s := range c.Config {
		i := slices.IndexFunc(x.Config, func(k spec.ExploreKey) bool { return k.Key == s.Key })
		if i < 0 {
			t.Fatalf("config %s does not vary", s.Key)
		}
		k := x.Config[i]
		if k.Range != nil {
			v, err := strconv.ParseInt(s.Value, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			within(s.Key, v, k.Range[0], k.Range[1])
		} else if !slices.Contains(k.Values, s.Value) {
			t.Fatalf("config %s %s not among %v", s.Key, s.Value, k.Values)
		}
	}
	for _, r := range []struct {
		what string
		v    int64
		r    *[2]int64
	}{{"rate", c.Rate, x.Rate}, {"value-size", c.Value, x.ValueSize}, {"clients", c.Clients, x.Clients}, {"ttl", c.TTLMs, x.TTLMs}, {"dbs", c.DBs, x.DBs}} {
		if r.r == nil && r.v != 0 {
			t.Fatalf("%s %d drawn but it does not vary", r.what, r.v)
		}
		if r.r != nil {
			within(r.what, r.v, r.r[0], r.r[1])
		}
	}
	if c.Mix != "" && !slices.Contains(x.Mixes, c.Mix) {
		t.Fatalf("mix %s not among %v", c.Mix, x.Mixes)
	}
}

// Shrinking never returns a passing case; the case it returns breaks the
// same property, and running its file again gives the same violation.
func TestShrinkKeepsTheViolation(t *testing.T) {
	fewChecks(t, 5)
	sp := load(t, tiny)
	rapid.Check(t, func(rt *rapid.T) {
		c := sp.Generate(rapidDraw(rt))
		c.Seed = rapid.Uint64Range(1, 1000).Draw(rt, "seed")
		out, err := sp.check(c, Options{})
		if err != nil {
			rt.Fatal(err)
		}
		if !out.Failed() {
			return
		}
		m, mout, runs, err := sp.Shrink(c, out, Options{ShrinkRuns: 40, Workers: 2})
		if err != nil {
			rt.Fatal(err)
		}
		if mout.Violation != out.Violation || len(m.Faults) > len(c.Faults) || runs > 40 {
			rt.Fatalf("shrunk %d faults to %d in %d runs: %q became %q", len(c.Faults), len(m.Faults), runs, out.Line, mout.Line)
		}
		// The minimal file, loaded as simrun run loads it.
		text, s, err := sp.MinimalFile(&Result{Case: c, Minimal: m, Outcome: out, MinimalOutcome: mout}, Options{}, "minimal.yaml")
		if err != nil {
			rt.Fatal(err)
		}
		s2, err := scenarios.Load("minimal.yaml", text, scenarios.Overrides{})
		if err != nil {
			rt.Fatalf("the minimal file does not load: %v\n%s", err, text)
		}
		for _, sc := range []*spec.Spec{s, s2} {
			rec, err := scenarios.Run(sc, s.Seeds[0], scenarios.RunOptions{SkipLinearizability: true})
			if err != nil {
				rt.Fatal(err)
			}
			if again := violation(rec); again != mout {
				rt.Fatalf("the minimal file again: %q, want %q\n%s", again.Line, mout.Line, text)
			}
		}
	})
}

// The first failing case and its shrunk form depend on the seed, not on
// the number of workers.
func TestWorkersDoNotChangeTheAnswer(t *testing.T) {
	sp := load(t, tiny)
	var got []*Result
	for _, w := range []int{1, 3} {
		res, err := sp.Explore(Options{Seed: 7, Runs: 30, Workers: w, ShrinkRuns: 20})
		if err != nil {
			t.Fatal(err)
		}
		if !res.Found {
			t.Fatalf("%d workers: no violation in %d runs", w, res.Runs)
		}
		got = append(got, res)
	}
	a, b := got[0], got[1]
	if a.Index != b.Index || a.Case.Describe() != b.Case.Describe() || a.Minimal.Describe() != b.Minimal.Describe() || a.MinimalOutcome != b.MinimalOutcome {
		t.Errorf("1 worker: case %d %s -> %s; 3 workers: case %d %s -> %s", a.Index, a.Case.Describe(), a.Minimal.Describe(), b.Index, b.Case.Describe(), b.Minimal.Describe())
	}
}

// Explore stops at its budget of runs and reports a clean space.
func TestExploreStopsAtTheBudget(t *testing.T) {
	sp := load(t, "../explore-engine.yaml")
	res, err := sp.Explore(Options{Seed: 1, Runs: 6, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if res.Found || res.Runs != 6 {
		t.Errorf("explore-engine with no bug, 6 runs: found %v after %d runs: %s", res.Found, res.Runs, res.Outcome.Line)
	}
	if _, err := sp.Explore(Options{}); err == nil {
		t.Error("an exploration without a bound was accepted")
	}
	start := time.Now()
	if _, err := sp.Explore(Options{Seed: 1, Budget: time.Millisecond}); err != nil || time.Since(start) > 5*time.Second {
		t.Errorf("a budget of 1ms: %v after %s", err, time.Since(start))
	}
}

// A closed Stop ends the search before any case starts.
func TestStop(t *testing.T) {
	sp := load(t, tiny)
	stop := make(chan struct{})
	close(stop)
	res, err := sp.Explore(Options{Seed: 1, Runs: 10, Stop: stop})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Interrupted || res.Runs != 0 || res.Found {
		t.Errorf("stopped before it began: %+v", res)
	}
}
