package explore

import (
	"testing"

	"github.com/replsim/replsim/model"
	"github.com/replsim/replsim/scenarios"
	"github.com/replsim/replsim/scenarios/spec"
)

// bugSpaces names, for each bug planted in the engine, the library space
// whose exploration finds it.
var bugSpaces = map[string]string{
	"psync-offset-off-by-one":       "../explore-partial-resync.yaml",
	"ack-before-apply":              "../explore-wait-failover.yaml",
	"drop-last-block-on-trim":       "../explore-engine.yaml",
	"forget-select-after-full-sync": "../explore-engine.yaml",
	"expire-relative":               "../explore-expiry.yaml",
	"replica-active-expire":         "../explore-expiry.yaml",
	"set-keeps-ttl":                 "../explore-expiry.yaml",
	"exec-forgets-queued-bytes":     "../explore-expiry.yaml",
}

// Testing the explorer: every planted bug is found within 200 runs from
// seed 1, and its minimal file fails with the bug and passes without it.
func TestExploreFindsPlantedBugs(t *testing.T) {
	if testing.Short() {
		t.Skip("explores each planted bug: go test without -short runs it")
	}
	t.Parallel()
	for _, bug := range model.BugNames() {
		file, ok := bugSpaces[bug]
		if !ok {
			t.Errorf("planted bug %s: no space is named to find it", bug)
			continue
		}
		t.Run(bug, func(t *testing.T) {
			t.Parallel()
			sp := load(t, file, bug)
			opts := Options{Seed: 1, Runs: 200, Workers: 1}
			res, err := sp.Explore(opts)
			if err != nil {
				t.Fatal(err)
			}
			if !res.Found {
				t.Fatalf("%s: not found in %d runs", file, res.Runs)
			}
			t.Logf("%s: case %d after %d runs (%s): %s; shrunk in %d runs from %d faults to %d",
				file, res.Index, res.Runs, res.Elapsed, res.Outcome.Line, res.ShrinkRuns, len(res.Case.Faults), len(res.Minimal.Faults))
			text, _, err := sp.MinimalFile(res, opts, "minimal.yaml")
			if err != nil {
				t.Fatal(err)
			}
			for _, bugs := range [][]string{{bug}, nil} {
				s, err := scenarios.Load("minimal.yaml", text, scenarios.Overrides{Bugs: bugs})
				if err != nil {
					t.Fatal(err)
				}
				got, ok, err := runOutcome(s)
				if err != nil {
					t.Fatal(err)
				}
				if bugs != nil && got != res.MinimalOutcome || bugs == nil && !ok {
					t.Errorf("the minimal file with bugs %v: %q (want %q with the bug, a pass without)\n%s", bugs, got.Line, res.MinimalOutcome.Line, text)
				}
			}
		})
	}
}

// runOutcome runs the scenario under its first seed as check does: a
// panic of the engine is the violation "panic".
func runOutcome(s *spec.Spec) (out Outcome, ok bool, err error) {
	defer func() {
		if v := recover(); v != nil {
			out, ok, err = panicOutcome(v), false, nil
		}
	}()
	rec, err := scenarios.Run(s, s.Seeds[0], scenarios.RunOptions{})
	if err != nil {
		return Outcome{}, false, err
	}
	return violation(rec), rec.OK, nil
}
