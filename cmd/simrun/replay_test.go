package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The replay line simrun run prints is one shell line: split as a POSIX
// shell splits it, it is the same command, and running it again gives the
// same trace hash. Values with spaces, brackets and repeated --bug survive.
func TestReplayLineRoundTrip(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh to split the line")
	}
	dir := t.TempDir()
	first := filepath.Join(dir, "first")
	code, stdout, stderr := runCLI("run", "../../scenarios/backlog-ttl-expiry.yaml", "--seed", "3", "--out", first,
		"--set", "config.client-output-buffer-limit=replica 0 0 0", "--set", "workload.mix={set: 100}",
		"--bug", "psync-offset-off-by-one", "--bug", "drop-last-block-on-trim")
	if code > 1 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	_, line, ok := strings.Cut(stdout, "replay: ")
	if !ok {
		t.Fatalf("no replay line:\n%s", stdout)
	}
	line, _, _ = strings.Cut(line, "\n")
	out, err := exec.Command(sh, "-c", "set -- "+line+`; for a in "$@"; do printf '%s\0' "$a"; done`).Output()
	if err != nil {
		t.Fatalf("sh could not split %s: %v", line, err)
	}
	args := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	if len(args) < 5 || !slices.Equal(args[:4], []string{"go", "run", "./cmd/simrun", "run"}) {
		t.Fatalf("the line does not start with go run ./cmd/simrun run: %q", args)
	}
	for _, want := range []string{"config.client-output-buffer-limit=replica 0 0 0", "workload.mix={set: 100}", "psync-offset-off-by-one", "drop-last-block-on-trim"} {
		if !slices.Contains(args, want) {
			t.Errorf("the replayed arguments lack %q: %q", want, args)
		}
	}
	second := filepath.Join(dir, "second")
	code2, stdout2, stderr2 := runCLI(append(args[3:], "--out", second)...)
	if code2 != code {
		t.Fatalf("replay: exit %d, first run %d\n%s%s", code2, code, stdout2, stderr2)
	}
	if a, b := traceHash(t, first), traceHash(t, second); a != b {
		t.Errorf("replay ran another world: trace %s, first run %s", b, a)
	}
}

func traceHash(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Trace string   `json:"trace_sha256"`
		Bugs  []string `json:"bugs"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	if s.Trace == "" || len(s.Bugs) != 2 {
		t.Fatalf("%s: trace %q, bugs %v", dir, s.Trace, s.Bugs)
	}
	return s.Trace
}
