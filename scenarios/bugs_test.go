package scenarios

import (
	"fmt"
	"strings"
	"testing"

	"github.com/replsim/replsim/model"
	"github.com/replsim/replsim/scenarios/spec"
)

// bugCatchers names, for each bug planted in the engine, the shipped
// scenarios that catch it.
var bugCatchers = map[string][]string{
	// A partial resync that skips the first byte desyncs the stream: the
	// replica drops its master and full-syncs where it should continue.
	"psync-offset-off-by-one": {"wait-acknowledged.yaml"},
	// WAIT counts a write the replica has not applied; promoted, the
	// replica lacks it: writes acknowledged by WAIT are lost.
	"ack-before-apply": {"wait-failover.yaml"},
	// A PSYNC for bytes already trimmed from the backlog is accepted: the
	// partial-resync invariant sees an offset outside the window.
	"drop-last-block-on-trim": {"backlog-boundary.yaml"},
	// The stream after a full sync lacks SELECT: the replica writes into
	// database 0; the prefix invariant and convergence see it.
	"forget-select-after-full-sync": {"nonzero-db-full-resync.yaml"},
	// EXPIRE reaches the replicas as a relative time: their deadlines
	// differ from the master's; the prefix invariant sees it.
	"expire-relative": {"client-commands.yaml"},
	// A replica deletes an expired key before the master's DEL: at that
	// offset the master still holds it; the prefix invariant sees it.
	"replica-active-expire": {"client-commands.yaml"},
	// A plain SET keeps the key's time to live: the key expires after a
	// write that should have made it permanent; not linearizable.
	"set-keeps-ttl": {"client-commands.yaml"},
	// A replica's offset lags the bytes of every MULTI/EXEC block it
	// applies: the engine's own invariant (replica offset = its backlog's)
	// panics at the first block.
	"exec-forgets-queued-bytes": {"client-commands.yaml"},
}

// Testing the tester: every bug planted in the engine is caught by at least
// one shipped scenario under its seeds (an expectation fails, or the
// history is not linearizable where it should be, or an invariant breaks),
// and the same scenarios pass with no bug planted.
func TestPlantedBugsAreCaught(t *testing.T) {
	for _, bug := range model.BugNames() {
		files, ok := bugCatchers[bug]
		if !ok {
			t.Errorf("planted bug %s: no shipped scenario is named to catch it", bug)
			continue
		}
		t.Run(bug, func(t *testing.T) {
			if testing.Short() {
				// Each catcher runs twice (with and without the bug);
				// go test ./..., which CI runs, checks every bug.
				t.Skip("short: go test without -short runs every planted bug")
			}
			t.Parallel()
			caught := false
			for _, f := range files {
				for _, ov := range []Overrides{{}, {Bugs: []string{bug}}} {
					s, err := LoadFile(f, ov)
					if err != nil {
						t.Fatal(err)
					}
					for _, seed := range s.Seeds {
						o, panicked, err := runRecovering(s, seed)
						if err != nil {
							t.Fatalf("%s seed %d: %v", f, seed, err)
						}
						switch {
						case panicked != "" && ov.Bugs == nil:
							t.Errorf("%s seed %d panics with no bug planted: %s", f, seed, panicked)
						case panicked != "":
							caught = true
							t.Logf("%s seed %d catches it: the engine panicked: %s", f, seed, panicked)
						case ov.Bugs == nil && !o.OK:
							t.Errorf("%s seed %d fails with no bug planted:\n%s", f, seed, o.Text())
						case ov.Bugs != nil && !o.OK:
							caught = true
							t.Logf("%s seed %d catches it: %s", f, seed, howCaught(o))
						case ov.Bugs != nil:
							t.Logf("%s seed %d misses it", f, seed)
						}
					}
				}
			}
			if !caught {
				t.Errorf("no scenario of %v catches %s under its seeds", files, bug)
			}
		})
	}
}

// runRecovering runs a scenario and returns the value of a panic of the
// engine (a broken invariant it asserts) as text.
func runRecovering(s *spec.Spec, seed uint64) (rec *Record, panicked string, err error) {
	defer func() {
		if v := recover(); v != nil {
			rec, panicked, err = nil, fmt.Sprint(v), nil
		}
	}()
	rec, err = Run(s, seed, RunOptions{})
	return rec, "", err
}

// howCaught names the failed expectations and broken invariants.
func howCaught(sum *Record) string {
	var why []string
	for _, e := range sum.Expectations {
		if !e.OK {
			why = append(why, fmt.Sprintf("%s want %s got %s", e.Name, e.Want, e.Got))
		}
	}
	for _, i := range sum.Verdict.Invariants {
		if !i.OK() {
			why = append(why, fmt.Sprintf("invariant %s broken %d times", i.Name, i.Violations))
		}
	}
	return strings.Join(why, "; ")
}
