package scenarios_test

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/replsim/replsim/scenarios"
)

// TestSpilledHistoryAgrees runs every library scenario but the heavy and
// slow ones (its first seed) with the sweep's checks twice: with the history in
// memory and with it kept in a file and read back a partition of keys at a
// time. The figures, the invariants and the staleness must be the same.
func TestSpilledHistoryAgrees(t *testing.T) {
	for _, f := range library(t) {
		t.Run(strings.TrimSuffix(f, ".yaml"), func(t *testing.T) {
			if _, ok := heavy[f]; ok || slow[f] {
				t.Skip("heavy or slow; the sweep tests spill a history too")
			}
			if testing.Short() && !spillShort[f] {
				t.Skip("short: the files with stale reads, WAIT and lost writes run")
			}
			t.Parallel()
			s, err := scenarios.LoadFile(f, scenarios.Overrides{})
			if err != nil {
				t.Fatal(err)
			}
			mem, err := scenarios.Run(s, s.Seeds[0], scenarios.RunOptions{SkipLinearizability: true})
			if err != nil {
				t.Fatal(err)
			}
			file, err := os.CreateTemp(t.TempDir(), "history")
			if err != nil {
				t.Fatal(err)
			}
			defer file.Close()
			spilled, err := scenarios.Run(s, s.Seeds[0], scenarios.RunOptions{SkipLinearizability: true, HistoryFile: file})
			if err != nil {
				t.Fatal(err)
			}
			if spilled.Facts.History != nil {
				t.Errorf("the spilled run kept %d operations in memory", len(spilled.Facts.History))
			}
			if mem.Facts.Operations == 0 && s.Workload.Clients > 0 {
				t.Errorf("no operations counted")
			}
			for i, fig := range scenarios.Figures {
				if !reflect.DeepEqual(mem.Figures[i], spilled.Figures[i]) {
					t.Errorf("%s: %v in memory, %v spilled", fig.Name, mem.Figures[i], spilled.Figures[i])
				}
			}
			if !reflect.DeepEqual(mem.Verdict.Invariants, spilled.Verdict.Invariants) {
				t.Errorf("invariants differ:\nin memory %+v\nspilled   %+v", mem.Verdict.Invariants, spilled.Verdict.Invariants)
			}
			if !reflect.DeepEqual(mem.Staleness, spilled.Staleness) {
				t.Errorf("staleness differs: %+v in memory, %+v spilled", mem.Staleness, spilled.Staleness)
			}
		})
	}
}

// spillShort are the files TestSpilledHistoryAgrees runs under -short:
// they have stale reads, replica reads, WAIT and lost writes.
var spillShort = map[string]bool{
	"read-from-replicas-staleness.yaml":    true,
	"sentinel-partition-loses-writes.yaml": true,
	"wait-acknowledged.yaml":               true,
}

// A spilled history cannot be checked for linearizability: Run says so.
func TestSpilledHistoryNeedsSkip(t *testing.T) {
	s, err := scenarios.LoadFile("short-disconnect.yaml", scenarios.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	file, err := os.CreateTemp(t.TempDir(), "history")
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	if _, err := scenarios.Run(s, 1, scenarios.RunOptions{HistoryFile: file}); err == nil {
		t.Fatal("Run checked a spilled history for linearizability")
	}
}
