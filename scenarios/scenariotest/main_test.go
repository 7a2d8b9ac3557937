package scenariotest

import (
	"os"
	"runtime/debug"
	"testing"
)

// TestMain lets the heap grow to five times the live data between
// collections (GOGC=400, unless GOGC is set): these tests run many short
// worlds whose allocations are mostly garbage, and about a fifth of their
// CPU time went to the collector. Peak memory stays under 200 MB.
func TestMain(m *testing.M) {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	os.Exit(m.Run())
}
