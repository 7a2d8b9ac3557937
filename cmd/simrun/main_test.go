package main

import (
	"os"
	"runtime/debug"
	"testing"
)

// TestMain lets the heap grow to five times the live data between
// collections (GOGC=400, unless GOGC is set): the runs and sweeps these
// tests make allocate mostly garbage, and the collector took about a tenth
// of their CPU time. Peak memory stays about 500 MB.
func TestMain(m *testing.M) {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	os.Exit(m.Run())
}
