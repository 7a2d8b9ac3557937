package reports

import (
	"os"
	"runtime/debug"
	"testing"
)

// TestMain lets the heap grow to five times the live data between
// collections (GOGC=400, unless GOGC is set): these tests run whole
// scenarios and sweeps whose allocations are mostly garbage.
func TestMain(m *testing.M) {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	os.Exit(m.Run())
}
