package scenarios_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/replsim/replsim/checker"
	"github.com/replsim/replsim/scenarios"
	"github.com/replsim/replsim/scenarios/scenariotest"
)

// These tests run the library through package scenariotest, as users run
// their own files; they live in package scenarios_test because
// scenariotest imports scenarios.

func library(t *testing.T) []string {
	files, err := filepath.Glob("*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenario files: %v", err)
	}
	return files
}

// heavy are the library's scenarios that take minutes of wall time in
// full, with the --set values that shorten them (and bring their faults
// forward, and scale the expectations that count with the length) for the
// tests: run in full, millions of operations are past the linearizability
// check's wall time, and the inconclusive check's details then differ from
// one run to the next. BenchmarkProductionLoad runs production-load in
// full.
var heavy = map[string][]string{
	"production-load.yaml": {"duration=20s", "faults.0.mean-every=6s", "faults.0.for=1s..5s",
		"expect.writes_acked={min: 390000}", "expect.full_resyncs={min: 0}"},
}

// slow are the library files whose one run takes several seconds: go test
// -short leaves them out, with the heavy ones (go test ./..., which CI
// runs, does not).
var slow = map[string]bool{
	"output-buffer-sync-loop.yaml": true,
}

// longForShort are library files whose first seed takes a second or more:
// TestLibrary leaves them out under -short (their checks are run by go
// test ./..., which CI runs, and failover-loses-writes by the spill test
// and the CLI's golden summary under -short too).
var longForShort = map[string]bool{
	"first-sync.yaml":            true,
	"failover-loses-writes.yaml": true,
	"long-disconnect.yaml":       true,
	"explore-sync-loop.yaml":     true,
}

// skipHeavy skips a heavy or slow scenario under -short.
func skipHeavy(t *testing.T, file string) {
	if _, ok := heavy[file]; (ok || slow[file] || longForShort[file]) && testing.Short() {
		t.Skipf("%s takes a while: go test without -short runs it", file)
	}
}

// TestLibrary runs every shipped scenario under each of its seeds (under
// -short: the first seed, and not the slow or heavy files; heavy files
// shortened) and asserts its expectations. Without -short, the first seed
// runs twice and the traces are compared byte for byte, and its figures
// are compared with the golden ones.
func TestLibrary(t *testing.T) {
	for _, f := range library(t) {
		t.Run(strings.TrimSuffix(f, ".yaml"), func(t *testing.T) {
			skipHeavy(t, f)
			t.Parallel()
			rec := scenariotest.Test(t, f, heavy[f]...)
			if !testing.Short() {
				checkFigures(t, f, rec)
			}
		})
	}
}

// checkFigures checks that a run of a library scenario computed every
// figure of the table (linearizable may be unknown only when the check ran
// out of time), and that they are the golden ones of
// testdata/figures/<name>.golden (go test ./scenarios -run
// TestLibrary -update rewrites them): a change in how a
// figure is counted shows in review, scenario by scenario.
func checkFigures(t *testing.T, file string, rec *scenarios.Record) {
	t.Helper()
	if rec == nil {
		return
	}
	for i, f := range scenarios.Figures {
		if !rec.Figures[i].Known && !(f.Name == "linearizable" && rec.Verdict.Linearizability.Result == checker.ResultInconclusive) {
			t.Errorf("%s: figure %s not computed", file, f.Name)
		}
	}
	figs := rec.Figures
	if lin := scenarios.FigureIndex("linearizable"); !figs[lin].Known {
		figs = append(scenarios.Values(nil), figs...)
		figs[lin] = scenarios.Value{Known: true, Int: 1} // inconclusive on a slow machine: as on a fast one
	}
	got, err := json.MarshalIndent(figs, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", "figures", strings.TrimSuffix(file, ".yaml")+".golden")
	if *scenarios.UpdateGolden {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./scenarios -run TestLibrary -update writes it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s seed %d: the figures differ from %s (-update rewrites it):\n%s", file, rec.Seed, path, got)
	}
}
