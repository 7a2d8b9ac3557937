package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCLI(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// readFile returns the content of a file the test needs, or stops the test.
func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRunExitCodes(t *testing.T) {
	dir := t.TempDir()
	bad := writeFile(t, dir, "bad.yaml", "name: x\nduration: 1m\nnodes:\n  - name: m1\n    replicaof: m9\n")
	if code, _, stderr := runCLI("run", bad); code != 2 || !strings.Contains(stderr, "bad.yaml:5:16: replicaof \"m9\": no such node") {
		t.Errorf("bad file: exit %d, stderr %q", code, stderr)
	}
	if code, _, _ := runCLI("run"); code != 2 {
		t.Errorf("missing argument: exit %d, want 2", code)
	}
	if code, _, _ := runCLI("run", "../../scenarios/backlog-ttl-expiry.yaml", "--frobnicate"); code != 2 {
		t.Errorf("unknown flag: exit %d, want 2", code)
	}
	if code, _, _ := runCLI("bogus"); code != 2 {
		t.Errorf("unknown command: exit %d, want 2", code)
	}
	out := filepath.Join(dir, "ok")
	code, stdout, _ := runCLI("run", "../../scenarios/backlog-ttl-expiry.yaml", "--out", out)
	if code != 0 || !strings.Contains(stdout, "backlog-ttl-expiry: OK") || !strings.Contains(stdout, "replay: go run ./cmd/simrun run") {
		t.Errorf("passing scenario: exit %d\n%s", code, stdout)
	}
	for _, f := range []string{"summary.json", "trace.log", "history.json"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s missing or empty: %v", f, err)
		}
	}
	// An expectation that fails: exit 1.
	code, stdout, _ = runCLI("run", "../../scenarios/backlog-ttl-expiry.yaml", "--out", filepath.Join(dir, "f"), "--set", "expect.full_resyncs=0")
	if code != 1 || !strings.Contains(stdout, "FAIL full_resyncs: want 0, got 1") {
		t.Errorf("failing expectation: exit %d\n%s", code, stdout)
	}
}

// The same file and seed twice give byte-identical trace.log and
// summary.json apart from wall_time.
func TestRunIsReproducible(t *testing.T) {
	dir := t.TempDir()
	var traces, sums [2][]byte
	for i := range traces {
		out := filepath.Join(dir, string(rune('a'+i)))
		if code, stdout, stderr := runCLI("run", "../../scenarios/chained-replicas.yaml", "--seed", "7", "--out", out); code != 0 {
			t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
		}
		traces[i] = readFile(t, filepath.Join(out, "trace.log"))
		var m map[string]any
		if err := json.Unmarshal(readFile(t, filepath.Join(out, "summary.json")), &m); err != nil {
			t.Fatal(err)
		}
		if _, ok := m["wall_time"]; !ok {
			t.Fatalf("summary.json has no wall_time: %v", m)
		}
		delete(m, "wall_time")
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		sums[i] = b
	}
	if len(traces[0]) == 0 {
		t.Fatal("trace.log is empty")
	}
	if !bytes.Equal(traces[0], traces[1]) {
		t.Error("trace.log differs between two runs of the same seed")
	}
	if !bytes.Equal(sums[0], sums[1]) {
		t.Error("summary.json differs between two runs of the same seed")
	}
}

// A run that cannot write its artifacts is an internal error (exit 4), not
// bad input: the message says why, and the replay line comes with it.
func TestRunInternalError(t *testing.T) {
	out := t.TempDir()
	if err := os.Mkdir(filepath.Join(out, "trace.log"), 0o755); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI("run", "../../scenarios/backlog-ttl-expiry.yaml", "--out", out)
	if code != 4 || !strings.Contains(stderr, "trace.log") || !strings.Contains(stderr, "replay: go run ./cmd/simrun run ../../scenarios/backlog-ttl-expiry.yaml --seed 1") {
		t.Errorf("unwritable artifacts: exit %d, stderr %q; want 4, the error and the replay line", code, stderr)
	}
}

// panicWriter panics on the first write, as a bug in a subcommand would.
type panicWriter struct{}

func (panicWriter) Write([]byte) (int, error) { panic("the writer broke") }

// A panic in a subcommand exits 4 with the panic's value and the first
// frames of its stack, never a Go crash.
func TestPanicIsInternalError(t *testing.T) {
	good := writeFile(t, t.TempDir(), "good.json", okHistory)
	var stderr bytes.Buffer
	code := run([]string{"check", good}, panicWriter{}, &stderr)
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	if code != 4 || lines[0] != "simrun: internal error: the writer broke" {
		t.Fatalf("panic: exit %d, stderr:\n%s", code, stderr.String())
	}
	if len(lines) < 3 || !strings.Contains(lines[1], "panicWriter.Write") || len(lines) > 1+2*stackFrames {
		t.Errorf("want the stack from the frame that panicked, at most %d frames:\n%s", stackFrames, stderr.String())
	}
}

// The engine panicking (an invariant broken) during simrun run becomes an
// error with its stack, so that the replay line can be printed with it.
func TestRunAndWriteRecovers(t *testing.T) {
	rec, err := runAndWrite(nil, 1, t.TempDir())
	if rec != nil || err == nil || !strings.HasPrefix(err.Error(), "internal error: runtime error: invalid memory address") {
		t.Fatalf("runAndWrite(nil): %v, %v; want an internal error", rec, err)
	}
}

func TestVersion(t *testing.T) {
	code, stdout, stderr := runCLI("--version")
	v, ok := strings.CutPrefix(strings.TrimSpace(stdout), "simrun version ")
	if code != 0 || !ok || v == "" || stderr != "" {
		t.Errorf("--version: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}
