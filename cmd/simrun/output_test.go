package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// -q prints the verdict line and nothing else; --json prints summary.json
// as written beside the run, and nothing else on stdout; both keep the
// exit status.
func TestRunQuietAndJSON(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	// A tenth of the file's rate: the outputs are the point, not the load.
	light := []string{"--set", "workload.rate=100"}
	code, stdout, stderr := runCLI(append([]string{"run", "../../scenarios/short-disconnect.yaml", "--out", out, "--force", "-q", "--trace", "off"}, light...)...)
	if code != 0 {
		t.Fatalf("-q: exit %d\n%s%s", code, stdout, stderr)
	}
	if !regexp.MustCompile(`^short-disconnect: OK \(seed 1, protocol psync2, [^)]* wall, trace [0-9a-f]{16}\)\n$`).MatchString(stdout) {
		t.Errorf("-q printed %q, want the verdict line only", stdout)
	}
	code, stdout, stderr = runCLI(append([]string{"run", "../../scenarios/short-disconnect.yaml", "--out", out, "--force", "--json", "--trace", "off"}, light...)...)
	if code != 0 {
		t.Fatalf("--json: exit %d\n%s%s", code, stdout, stderr)
	}
	var sum struct {
		Scenario string `json:"scenario"`
		OK       bool   `json:"ok"`
		Figures  map[string]any
	}
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
		t.Fatalf("--json: stdout is not one JSON document: %v\n%s", err, stdout)
	}
	if sum.Scenario != "short-disconnect" || !sum.OK || sum.Figures["partial_resyncs"] != 1.0 {
		t.Errorf("--json: %+v", sum)
	}
	if got := readFile(t, filepath.Join(out, "summary.json")); !bytes.Equal(got, []byte(stdout)) {
		t.Error("--json printed something else than summary.json")
	}
	if code, _, stderr := runCLI("run", "../../scenarios/short-disconnect.yaml", "-q", "--json"); code != exitBadInput {
		t.Errorf("-q with --json: exit %d, want %d\n%s", code, exitBadInput, stderr)
	}
}

// The progress line of a long run: nothing in the first second, then the
// simulated time of the fault phase and the events per second of wall
// time, read from the clock given.
func TestRunProgressLine(t *testing.T) {
	var b bytes.Buffer
	now := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	p := startRunProgress(&b, 2*time.Minute, func() time.Time { return now })
	now = now.Add(500 * time.Millisecond)
	p.update(10*time.Second, 100_000)
	if b.Len() != 0 || p.line != "" {
		t.Fatalf("progress shown before a second: %q", b.String())
	}
	now = now.Add(1500 * time.Millisecond)
	p.update(45*time.Second, 700_000)
	if want := "run: 45s of 120s simulated, 350,000 events/s"; p.line != want {
		t.Errorf("progress %q, want %q", p.line, want)
	}
	now = now.Add(time.Second)
	p.update(121*time.Second, 1_000_000)
	if !strings.HasPrefix(p.line, "run: heal phase, 121s simulated") {
		t.Errorf("heal phase progress %q", p.line)
	}
	p.finish()
	if newRunProgress(&b, time.Minute) != nil {
		t.Error("a progress display on a writer that is not a terminal")
	}
}
