// Package scenariotest runs scenario files from Go tests: every seed of a
// file against its expectations, one seed twice to compare the traces, or
// a bounded exploration of a file's explore: space.
// It lives apart from package scenarios so that programs that run
// scenarios (simrun) do not link package testing.
package scenariotest

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/replsim/replsim/scenarios"
	"github.com/replsim/replsim/scenarios/explore"
	"github.com/replsim/replsim/scenarios/spec"
)

// Test runs a scenario file under each of its seeds (under go test -short,
// its first seed only) and fails t when an expectation fails, printing the
// summary and the command that replays the run. Without -short it runs the
// first seed a second time and fails t when the two traces or summaries
// differ, as TestDeterministic does. It returns the first seed's record.
// Users call it from their own tests:
//
//	func TestMyScenario(t *testing.T) { scenariotest.Test(t, "testdata/my.yaml") }
//
// sets are --set overrides (config.repl-backlog-size=4mb).
func Test(t testing.TB, path string, sets ...string) *scenarios.Record {
	t.Helper()
	s := load(t, path, sets)
	var first *scenarios.Record
	for i, seed := range s.Seeds {
		var o *scenarios.Record
		switch {
		case i == 0 && !testing.Short():
			o = deterministic(t, path, s, seed)
		case i == 0 || !testing.Short():
			var err error
			if o, err = scenarios.Run(s, seed, scenarios.RunOptions{}); err != nil {
				t.Fatalf("%s seed %d: %v", path, seed, err)
			}
		default:
			continue // go test -short: the first seed is the quick check
		}
		if first == nil {
			first = o
		}
		if !o.OK {
			t.Errorf("%s seed %d failed:\n%s", path, seed, o.Text())
		}
	}
	return first
}

// TestDeterministic runs a scenario twice under one seed and fails when the
// traces or summaries differ. It returns the first run's record.
func TestDeterministic(t testing.TB, path string, seed uint64, sets ...string) *scenarios.Record {
	t.Helper()
	return deterministic(t, path, load(t, path, sets), seed)
}

// deterministic runs s twice under seed and compares the traces byte for
// byte and the summaries.
func deterministic(t testing.TB, path string, s *spec.Spec, seed uint64) *scenarios.Record {
	t.Helper()
	var traces [2]bytes.Buffer
	var sums [2]string
	var first *scenarios.Record
	for i := range traces {
		o, err := scenarios.Run(s, seed, scenarios.RunOptions{Trace: &traces[i]})
		if err != nil {
			t.Fatalf("%s seed %d: %v", path, seed, err)
		}
		if first == nil {
			first = o
		}
		wall := o.WallTime
		o.WallTime = 0 // the one field that differs from run to run
		sum, err := json.Marshal(o.Summary())
		o.WallTime = wall
		if err != nil {
			t.Fatal(err)
		}
		sums[i] = string(sum)
	}
	if !bytes.Equal(traces[0].Bytes(), traces[1].Bytes()) {
		t.Errorf("%s seed %d: two runs gave different traces (%s)", path, seed, FirstDiff(traces[0].Bytes(), traces[1].Bytes()))
	}
	if sums[0] != sums[1] {
		t.Errorf("%s seed %d: two runs gave different summaries", path, seed)
	}
	return first
}

// load reads a scenario file with --set overrides, or fails t.
func load(t testing.TB, path string, sets []string) *spec.Spec {
	t.Helper()
	ov, err := scenarios.SetArgs(sets...)
	if err != nil {
		t.Fatal(err)
	}
	s, err := scenarios.LoadFile(path, ov)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// FirstDiff names the first line where two traces differ, for a test
// that compares two runs' traces.
func FirstDiff(a, b []byte) string {
	la, lb := bytes.Split(a, []byte("\n")), bytes.Split(b, []byte("\n"))
	for i := 0; i < len(la) && i < len(lb); i++ {
		if !bytes.Equal(la[i], lb[i]) {
			return fmt.Sprintf("line %d: %q vs %q", i+1, la[i], lb[i])
		}
	}
	return fmt.Sprintf("%d vs %d lines", len(la), len(lb))
}

// Explore runs a bounded exploration of a file's explore: space, from
// root seed 1: 20 cases under go test -short, 200 otherwise, or the
// number -rapid.checks gives when it is set. When a case breaks the
// property it is shrunk, and t fails with the violated property and the
// path of the minimal file, written to testdata/explore/<test>/minimal.yaml
// so that it can be kept as a regression:
//
//	func TestEngine(t *testing.T) { scenariotest.Explore(t, "testdata/engine.yaml") }
func Explore(t testing.TB, path string) {
	t.Helper()
	sp, err := explore.Load(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	opts := explore.Options{Seed: 1, Runs: exploreRuns(), Workers: runtime.NumCPU()}
	res, err := sp.Explore(opts)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if !res.Found {
		t.Logf("%s: no violation in %d runs (%s)", path, res.Runs, res.Elapsed.Round(time.Millisecond))
		return
	}
	dir := filepath.Join("testdata", "explore", strings.NewReplacer("/", "_", " ", "_").Replace(t.Name()))
	out := filepath.Join(dir, "minimal.yaml")
	text, s, err := sp.MinimalFile(res, opts, out)
	if err != nil {
		t.Fatalf("%s: the minimal file does not load: %v", path, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, text, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Errorf("%s: %s\n  found in case %d after %d runs, shrunk to %d faults\n  minimal: %s\n  replay: %s",
		path, res.MinimalOutcome.Line, res.Index, res.Runs, len(res.Minimal.Faults), out, scenarios.ReplayCommand(s, res.Minimal.Seed))
}

// exploreRuns is how many cases Explore runs.
func exploreRuns() int {
	runs := 200
	if testing.Short() {
		runs = 20
	}
	flag.Visit(func(f *flag.Flag) {
		if f.Name == "rapid.checks" {
			if n, err := strconv.Atoi(f.Value.String()); err == nil && n > 0 {
				runs = n
			}
		}
	})
	return runs
}
