package explore

import (
	"strings"
	"testing"
)

// explore-sync-loop.yaml passes as written, and explore finds a replica
// that keeps failing its sync under load, as the file says: within 20
// runs from seed 1, shrunk to a file that still shows it.
func TestExploreFindsTheSyncLoop(t *testing.T) {
	if testing.Short() {
		t.Skip("explores a space of slow full syncs: go test without -short runs it")
	}
	t.Parallel()
	sp := load(t, "../explore-sync-loop.yaml")
	res, err := sp.Explore(Options{Seed: 1, Runs: 20, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Found {
		t.Fatalf("no sync loop in %d runs", res.Runs)
	}
	if l := res.MinimalOutcome.Line; !strings.Contains(l, "first_sync_retries") && !strings.Contains(l, "outage_max") {
		t.Errorf("the minimal case violates %q, not the sync-loop bounds", l)
	}
	t.Logf("case %d after %d runs (%s): %s; shrunk in %d runs (%s) from %d faults to %d", res.Index, res.Runs, res.Elapsed, res.Outcome.Line, res.ShrinkRuns, res.ShrinkElapsed, len(res.Case.Faults), len(res.Minimal.Faults))
}
