package main

import (
	"strings"
	"testing"
)

// --wall-limit ends a run that is still going with a reason, never a hang:
// the run is not converged, its summary names the limit, exit 1.
func TestRunWallLimit(t *testing.T) {
	code, stdout, stderr := runCLI("run", "../../scenarios/short-disconnect.yaml", "--wall-limit", "1ms", "--trace", "off", "--out", t.TempDir(), "--force")
	if code != 1 || !strings.Contains(stdout, "limit: wall-clock limit 1ms passed") || !strings.Contains(stdout, "FAIL converged") {
		t.Errorf("exit %d\n%s%s", code, stdout, stderr)
	}
}
