package scenarios

import (
	"flag"
	"os"
	"runtime/debug"
	"testing"
)

// TestMain lets the heap grow to five times the live data between
// collections under go test -short (GOGC=400, unless GOGC is set): the
// short tests run many small worlds whose allocations are mostly garbage.
// Without -short the collector keeps its default, so the heavy library
// files stay within their memory and the benchmarks measure what users get.
func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() && os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	os.Exit(m.Run())
}
