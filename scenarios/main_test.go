package scenarios

import (
	"flag"
	"os"
	"runtime/debug"
	"testing"
)

// TestMain lets the heap grow to three times the live data between
// collections (GOGC=200, unless GOGC is set) when tests, not benchmarks,
// run: the tests run many worlds whose allocations are mostly garbage.
// Measured on 2 cores, it saves a tenth of the package's CPU time; a larger
// heap costs more in page faults than it saves in collections (GOGC=400
// took more time in full mode, and 4.7 GB). Benchmarks keep the default,
// so they measure what users get.
func TestMain(m *testing.M) {
	flag.Parse()
	if os.Getenv("GOGC") == "" && flag.Lookup("test.bench").Value.String() == "" {
		debug.SetGCPercent(200)
	}
	os.Exit(m.Run())
}
