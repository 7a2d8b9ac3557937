package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/replsim/replsim/reports"
	"github.com/replsim/replsim/scenarios"
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
	if testing.Short() {
		t.Skip("short: the library's determinism test covers runs; go test without -short runs this end to end")
	}
	t.Parallel()
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
	code, _, stderr := runCLI("run", "../../scenarios/backlog-ttl-expiry.yaml", "--out", out, "--force")
	if code != 4 || !strings.Contains(stderr, "trace.log") || !strings.Contains(stderr, "replay: go run ./cmd/simrun run ../../scenarios/backlog-ttl-expiry.yaml --seed 1") {
		t.Errorf("unwritable artifacts: exit %d, stderr %q; want 4, the error and the replay line", code, stderr)
	}
}

// panicWriter panics on the first write, as a bug in a subcommand would.
type panicWriter struct{}

func (panicWriter) Write([]byte) (int, error) { panic("the writer broke") }

// A panic in a subcommand exits 4 with the panic's value and the first
// frames of its stack, never a Go crash; the whole stack is in panic.txt
// in the output folder, which the message names.
func TestPanicIsInternalError(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good.json", okHistory)
	var stderr bytes.Buffer
	code := run([]string{"check", good}, panicWriter{}, &stderr)
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	if code != 4 || lines[0] != "simrun: internal error: the writer broke" {
		t.Fatalf("panic: exit %d, stderr:\n%s", code, stderr.String())
	}
	panicTxt := filepath.Join(dir, "panic.txt")
	if len(lines) < 4 || !strings.Contains(lines[1], "panicWriter.Write") || len(lines) > 2+2*stackFrames || lines[len(lines)-1] != "  stack: "+panicTxt {
		t.Errorf("want the stack from the frame that panicked, at most %d frames, then where the whole stack is:\n%s", stackFrames, stderr.String())
	}
	if b := string(readFile(t, panicTxt)); !strings.HasPrefix(b, "panic: the writer broke\n") || !strings.Contains(b, "cobra.(*Command).execute") {
		t.Errorf("panic.txt:\n%s", b)
	}
}

// The engine panicking (an invariant broken) during simrun run becomes an
// error with its stack, so that the replay line can be printed with it;
// the whole stack is in panic.txt in the run's folder.
func TestRunAndWriteRecovers(t *testing.T) {
	dir := t.TempDir()
	rec, err := runAndWrite(nil, 1, dir, reports.TraceFull, scenarios.RunOptions{})
	if rec != nil || err == nil || !strings.HasPrefix(err.Error(), "internal error: runtime error: invalid memory address") {
		t.Fatalf("runAndWrite(nil): %v, %v; want an internal error", rec, err)
	}
	panicTxt := filepath.Join(dir, "panic.txt")
	if !strings.Contains(err.Error(), "stack: "+panicTxt) {
		t.Errorf("the error does not name panic.txt: %v", err)
	}
	if b := string(readFile(t, panicTxt)); !strings.HasPrefix(b, "panic: runtime error") || !strings.Contains(b, "scenarios.Run") {
		t.Errorf("panic.txt:\n%s", b)
	}
}

func TestVersion(t *testing.T) {
	code, stdout, stderr := runCLI("--version")
	v, ok := strings.CutPrefix(strings.TrimSpace(stdout), "simrun version ")
	if code != 0 || !ok || v == "" || stderr != "" {
		t.Errorf("--version: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// artifactsOf returns the folder simrun run says it wrote to.
func artifactsOf(t *testing.T, stdout string) string {
	t.Helper()
	_, dir, ok := strings.Cut(stdout, "  artifacts: ")
	if !ok {
		t.Fatalf("no artifacts line:\n%s", stdout)
	}
	dir, _, _ = strings.Cut(dir, "\n")
	return dir
}

// Two runs of the same file keep both results, each in a new folder
// simrun-out/<name>/<UTC time>-seed<N>/, and latest points at the second.
func TestRunKeepsEveryResult(t *testing.T) {
	file, err := filepath.Abs("../../scenarios/backlog-ttl-expiry.yaml")
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	layout := regexp.MustCompile(`^simrun-out/backlog-ttl-expiry/[0-9]{8}T[0-9]{6}\.[0-9]{3}Z-seed3(-[0-9]+)?$`)
	var dirs []string
	for range 2 {
		code, stdout, stderr := runCLI("run", file, "--seed", "3")
		if code != 0 {
			t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
		}
		dir := artifactsOf(t, stdout)
		if !layout.MatchString(filepath.ToSlash(dir)) {
			t.Errorf("artifacts in %s, want simrun-out/backlog-ttl-expiry/<UTC time>-seed3", dir)
		}
		dirs = append(dirs, dir)
	}
	if dirs[0] == dirs[1] {
		t.Fatalf("both runs wrote to %s", dirs[0])
	}
	for _, dir := range dirs {
		var sum struct {
			Seed uint64 `json:"seed"`
		}
		if err := json.Unmarshal(readFile(t, filepath.Join(dir, "summary.json")), &sum); err != nil || sum.Seed != 3 {
			t.Errorf("%s/summary.json: seed %d, %v", dir, sum.Seed, err)
		}
	}
	parent := filepath.Dir(dirs[1])
	if link, err := os.Readlink(filepath.Join(parent, "latest")); err != nil || link != filepath.Base(dirs[1]) {
		t.Errorf("latest -> %q (%v), want %q", link, err, filepath.Base(dirs[1]))
	}
	entries, err := os.ReadDir(parent)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 3 {
		t.Errorf("%s holds %d entries, want the two runs and latest: %v", parent, len(entries), entries)
	}
}

// A folder name that exists already gets a suffix; latest follows the
// newest, and the time is UTC to the millisecond.
func TestNewRunDir(t *testing.T) {
	root := t.TempDir()
	now := time.Date(2026, 12, 2, 7, 30, 15, 123456789, time.FixedZone("CET", 3600))
	var stderr bytes.Buffer
	for _, want := range []string{"20261202T063015.123Z-seed7", "20261202T063015.123Z-seed7-2", "20261202T063015.123Z-seed7-3"} {
		dir, err := newRunDir(root, "s", 7, now, &stderr)
		if err != nil {
			t.Fatal(err)
		}
		if dir != filepath.Join(root, "s", want) {
			t.Errorf("new folder %s, want %s", dir, want)
		}
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			t.Errorf("%s not made: %v", dir, err)
		}
		if link, err := os.Readlink(filepath.Join(root, "s", "latest")); err != nil || link != want {
			t.Errorf("latest -> %q (%v), want %q", link, err, want)
		}
	}
	// A link planted as a scenario's folder is not followed.
	if err := os.Symlink(t.TempDir(), filepath.Join(root, "planted")); err != nil {
		t.Fatal(err)
	}
	if dir, err := newRunDir(root, "planted", 7, now, &stderr); err == nil {
		t.Errorf("a run folder made through a link: %s", dir)
	}
	if stderr.Len() > 0 {
		t.Errorf("warnings: %s", stderr.String())
	}
}

// An explicit --out that holds anything is refused, and left as it was,
// unless --force.
func TestRunOut(t *testing.T) {
	const file = "../../scenarios/backlog-ttl-expiry.yaml"
	dir := t.TempDir()
	used := filepath.Join(dir, "used")
	if err := os.Mkdir(used, 0o755); err != nil {
		t.Fatal(err)
	}
	keep := writeFile(t, used, "keep.txt", "an earlier run's notes")
	code, stdout, stderr := runCLI("run", file, "--out", used)
	if code != 2 || !strings.Contains(stderr, "is not empty") || !strings.Contains(stderr, "--force") || stdout != "" {
		t.Errorf("--out in use: exit %d, stdout %q, stderr %q; want 2 and a word on --force", code, stdout, stderr)
	}
	if entries, err := os.ReadDir(used); err != nil || len(entries) != 1 {
		t.Errorf("a refused --out was touched: %v %v", entries, err)
	}
	if code, stdout, stderr := runCLI("run", file, "--out", used, "--force"); code != 0 || artifactsOf(t, stdout) != used {
		t.Errorf("--force: exit %d\n%s%s", code, stdout, stderr)
	}
	if _, err := os.Stat(filepath.Join(used, "summary.json")); err != nil {
		t.Error(err)
	}
	if got := string(readFile(t, keep)); got != "an earlier run's notes" {
		t.Errorf("keep.txt now holds %q", got)
	}

	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	if code, stdout, stderr := runCLI("run", file, "--out", empty); code != 0 {
		t.Errorf("empty --out: exit %d\n%s%s", code, stdout, stderr)
	}
	if code, _, stderr := runCLI("run", file, "--out", keep, "--force"); code != 2 || !strings.Contains(stderr, "is a file") {
		t.Errorf("--out a file: exit %d, stderr %q", code, stderr)
	}
}

// A scenario name that is not one safe folder name is refused at load,
// with its position, before anything is written: with --out too, and by
// sweep as by run.
func TestRunUnsafeName(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, name := range []string{"../../../escape", "a/b", `a\b`, ".hidden", ".."} {
		file := writeFile(t, dir, "s.yaml", fmt.Sprintf("name: %q\nduration: 1s\nnodes: [{name: m1}]\n", name))
		code, _, stderr := runCLI("run", file)
		if code != 2 || !strings.Contains(stderr, "s.yaml:1:7: name ") {
			t.Errorf("name %q: exit %d, stderr %q; want 2", name, code, stderr)
		}
		code, _, stderr = runCLI("sweep", file, "--vary", "workload.rate=1", "--seeds", "1")
		if code != 2 || !strings.Contains(stderr, "s.yaml:1:7: name ") {
			t.Errorf("name %q: exit %d, stderr %q; want 2", name, code, stderr)
		}
		if _, err := os.Stat("simrun-out"); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("name %q: simrun-out made (%v)", name, err)
		}
	}
	if code, _, stderr := runCLI("run", filepath.Join(dir, "s.yaml"), "--out", filepath.Join(dir, "out")); code != 2 {
		t.Errorf("unsafe name with --out: exit %d, stderr %q; want 2", code, stderr)
	}
	if _, err := underRoot("simrun-out", "../x"); err == nil {
		t.Error(`underRoot("simrun-out", "../x") is accepted`)
	}
}

// A link planted in an output folder is replaced, never written through
// (here, a trace.log pointing at /dev/full would lose the trace), and
// --force over an earlier run leaves no artifact of it beside the new
// run's: here the earlier run's history.html.
func TestRunOutputsAreReplacedWhole(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	victim := writeFile(t, t.TempDir(), "victim", "keep")
	if err := os.Symlink(victim, filepath.Join(out, "trace.log")); err != nil {
		t.Fatal(err)
	}
	if code, stdout, stderr := runCLI("run", "../../scenarios/wait-failover.yaml", "--bug", "ack-before-apply", "--out", out, "--force"); code != 1 {
		t.Fatalf("a violation: exit %d\n%s%s", code, stdout, stderr)
	}
	if got := string(readFile(t, victim)); got != "keep" {
		t.Errorf("the link's target was written through: it holds %d bytes", len(got))
	}
	if st, err := os.Lstat(filepath.Join(out, "trace.log")); err != nil || !st.Mode().IsRegular() || st.Size() == 0 {
		t.Errorf("trace.log is not a plain file with the trace: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, "history.html")); err != nil {
		t.Fatal(err)
	}
	if code, stdout, stderr := runCLI("run", "../../scenarios/wait-failover.yaml", "--out", out, "--force", "--trace", "off"); code != 0 {
		t.Fatalf("the same run without the bug: exit %d\n%s%s", code, stdout, stderr)
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{"history.json", "run.html", "summary.json"}; !slices.Equal(names, want) {
		t.Errorf("after the second run the folder holds %v, want %v", names, want)
	}
}

// The guard's report of a panic: the value, a few frames, the replay line,
// and the whole stack with both in panic.txt; without a folder, no file.
func TestCrashSiteReport(t *testing.T) {
	dir := t.TempDir()
	site := &crashSite{dir: dir, replay: "go run ./cmd/simrun run s.yaml --seed 3"}
	var stderr bytes.Buffer
	site.report(&stderr, "boom", []byte("goroutine 1 [running]:\nmain.f()\n\tf.go:1\n"))
	want := "simrun: internal error: boom\n  main.f()\n  \tf.go:1\n  replay: go run ./cmd/simrun run s.yaml --seed 3\n  stack: " + filepath.Join(dir, "panic.txt") + "\n"
	if stderr.String() != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", stderr.String(), want)
	}
	if b := string(readFile(t, filepath.Join(dir, "panic.txt"))); b != "panic: boom\nreplay: go run ./cmd/simrun run s.yaml --seed 3\n\ngoroutine 1 [running]:\nmain.f()\n\tf.go:1\n" {
		t.Errorf("panic.txt:\n%s", b)
	}
}
