// Package scenariotest runs scenario files from Go tests: every seed of a
// file against its expectations, or one seed twice to compare the traces.
// It lives apart from package scenarios so that programs that run
// scenarios (simrun) do not link package testing.
package scenariotest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/replsim/replsim/scenarios"
	"github.com/replsim/replsim/scenarios/spec"
)

// Test runs a scenario file under each of its seeds (under go test -short,
// its first seed only) and fails t when an expectation fails, printing the
// summary and the command that replays the run. Users call it from their
// own tests:
//
//	func TestMyScenario(t *testing.T) { scenariotest.Test(t, "testdata/my.yaml") }
//
// sets are --set overrides (config.repl-backlog-size=4mb).
func Test(t testing.TB, path string, sets ...string) {
	t.Helper()
	s := load(t, path, sets)
	seeds := s.Seeds
	if testing.Short() {
		seeds = seeds[:1] // go test -short: the first seed is the quick check
	}
	for _, seed := range seeds {
		o, err := scenarios.Run(s, seed, scenarios.RunOptions{})
		if err != nil {
			t.Fatalf("%s seed %d: %v", path, seed, err)
		}
		if !o.OK {
			t.Errorf("%s seed %d failed:\n%s", path, seed, o.Text())
		}
	}
}

// TestDeterministic runs a scenario twice under one seed and fails when the
// traces or summaries differ. It returns the first run's record.
func TestDeterministic(t testing.TB, path string, seed uint64, sets ...string) *scenarios.Record {
	t.Helper()
	s := load(t, path, sets)
	var traces [2]bytes.Buffer
	var sums [2]string
	var first *scenarios.Record
	for i := range traces {
		o, err := scenarios.Run(s, seed, scenarios.RunOptions{Trace: &traces[i]})
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = o
		}
		o.WallTime = 0
		sum, err := json.Marshal(o.Summary())
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
