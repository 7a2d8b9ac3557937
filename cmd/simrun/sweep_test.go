package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const tiny = "../../scenarios/sweep/testdata/tiny.yaml"

// simrun sweep, report and merge: exit codes, the files they write, and
// shards that merge into the whole sweep's results.csv.
func TestSweepReportMerge(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	whole := filepath.Join(dir, "whole")
	args := []string{"sweep", tiny, "--vary", "config.repl-backlog-size=16kb,4mb", "--seeds", "2", "--workers", "2"}
	code, stdout, stderr := runCLI(append(args, "--out", whole)...)
	if code != 0 || !strings.Contains(stdout, "2 points x 2 seeds = 4 runs") || !strings.Contains(stdout, "wrote results.csv") {
		t.Fatalf("sweep: exit %d\n%s%s", code, stdout, stderr)
	}
	for _, f := range []string{"results.jsonl", "results.csv", "summary.csv", "sweep.json", "scenario.yaml", "report.html",
		"full-resync-frequency.png", "full-resync-frequency.svg", "bytes-sent.svg", "lag-timeline.png"} {
		if st, err := os.Stat(filepath.Join(whole, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s missing or empty: %v", f, err)
		}
	}
	if !strings.Contains(stderr, "sweep: 4/4 runs (100%)") {
		t.Errorf("no progress line on stderr: %q", stderr)
	}
	wholeCSV, _ := os.ReadFile(filepath.Join(whole, "results.csv"))
	os.Remove(filepath.Join(whole, "results.csv"))
	if code, stdout, stderr := runCLI("report", whole, "--timeline", "3", "--target", "5%"); code != 0 {
		t.Fatalf("report: exit %d\n%s%s", code, stdout, stderr)
	}
	if again, _ := os.ReadFile(filepath.Join(whole, "results.csv")); !bytes.Equal(again, wholeCSV) {
		t.Error("simrun report wrote another results.csv")
	}

	var shards []string
	for _, sh := range []string{"0/2", "1/2"} {
		d := filepath.Join(dir, "shard"+sh[:1])
		code, stdout, stderr := runCLI(append(args, "--out", d, "--shard", sh)...)
		// 2 points, 2 seeds, 2 shards: each shard runs both points.
		if code != 0 || strings.Contains(stdout, "note: shard") {
			t.Fatalf("shard %s: exit %d\n%s%s", sh, code, stdout, stderr)
		}
		shards = append(shards, d)
	}
	merged := filepath.Join(dir, "merged")
	if code, stdout, stderr := runCLI(append([]string{"merge", "--out", merged}, shards...)...); code != 0 {
		t.Fatalf("merge: exit %d\n%s%s", code, stdout, stderr)
	}
	if got, _ := os.ReadFile(filepath.Join(merged, "results.csv")); !bytes.Equal(got, wholeCSV) {
		t.Errorf("merged shards:\n%s\nwhole sweep:\n%s", got, wholeCSV)
	}
	// One shard of two: the merge and its report are written, and the
	// exit status says runs are missing unless --allow-partial.
	half := filepath.Join(dir, "half")
	code, stdout, stderr = runCLI("merge", "--out", half, shards[0])
	if code != 1 || !strings.Contains(stderr, "2 of 4 runs missing; shard 1/2 absent") || !strings.Contains(stdout, "wrote results.csv") {
		t.Errorf("merge of one shard of two: exit %d, want 1\n%s%s", code, stdout, stderr)
	}
	if _, err := os.Stat(filepath.Join(half, "report.html")); err != nil {
		t.Errorf("a partial merge wrote no report: %v", err)
	}
	// Again into the same directory: refused (it holds a sweep now) unless
	// --force.
	if code, _, stderr := runCLI("merge", "--allow-partial", "--out", half, shards[0]); code != 2 || !strings.Contains(stderr, "already holds a sweep") {
		t.Errorf("merge into a directory that holds a sweep: exit %d, %s; want 2", code, stderr)
	}
	code, stdout, stderr = runCLI("merge", "--allow-partial", "--force", "--out", half, shards[0])
	if code != 0 || !strings.Contains(stdout, "partial merge (--allow-partial): 2 of 4 runs missing") {
		t.Errorf("merge --allow-partial: exit %d, want 0\n%s%s", code, stdout, stderr)
	}
	// Into a shard's own directory: refused, the shard left as it was.
	meta0, _ := os.ReadFile(filepath.Join(shards[0], "sweep.json"))
	if code, _, stderr := runCLI("merge", "--out", shards[0], shards[0], shards[1]); code != 2 || !strings.Contains(stderr, "is the directory of a shard being merged") {
		t.Errorf("merge into a shard: exit %d, %s; want 2", code, stderr)
	}
	if after, _ := os.ReadFile(filepath.Join(shards[0], "sweep.json")); !bytes.Equal(after, meta0) {
		t.Error("a refused merge changed the shard's sweep.json")
	}

	for _, bad := range [][]string{
		{"sweep", tiny, "--vary", "config.repl-backlog-size=16kb..1mb", "--out", dir},
		{"sweep", tiny, "--vary", "config.repl-backlog-size=lots", "--out", dir},
		{"sweep", tiny, "--shard", "2/2", "--out", dir},
		{"sweep", tiny, "--target", "200%", "--out", dir},
		{"sweep", tiny, "--vary", "config.repl-backlog-size=16kb", "--seeds", "1", "--workers", "-1", "--out", filepath.Join(dir, "w")},
		{"sweep", tiny, "--vary", "config.repl-backlog-size=16kb", "--seeds", "1", "--workers", "-3", "--out", filepath.Join(dir, "w")},
		{"sweep", tiny, "--vary", "config.repl-backlog-size=16kb", "--seeds", "1", "--wall-limit", "-1s", "--out", filepath.Join(dir, "w")},
		{"run", tiny, "--wall-limit", "-1s", "--out", filepath.Join(dir, "w")},
		{"sweep", filepath.Join(dir, "missing.yaml")},
		{"sweep", tiny, "--seeds", "1", "--vary", "config.repl-backlog-size=16kb,4mb", "--resume", "--out", whole},
		{"sweep", tiny, "--seeds", "2", "--vary", "config.repl-backlog-size=16kb,8mb", "--resume", "--out", whole},
		{"report", filepath.Join(dir, "nothing")},
		{"report", whole, "--timeline", "99"},
		{"merge", whole},
	} {
		if code, _, stderr := runCLI(bad...); code != 2 || !strings.HasPrefix(stderr, "simrun: ") {
			t.Errorf("%v: exit %d, stderr %q; want 2", bad, code, stderr)
		}
	}
}

// --resume takes more seeds (not fewer) and another --target, which only
// changes the report; a resumed sweep keeps its target unless given one.
// Shards of different targets merge under the first one's, or --target.
func TestSweepResumeSeedsAndTarget(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	d := filepath.Join(dir, "sweep")
	knobs := []string{"sweep", tiny, "--vary", "config.repl-backlog-size=16kb,4mb"}
	args := append(slices.Clone(knobs), "--out", d)
	for _, step := range []struct {
		args []string
		want []string
	}{
		{[]string{"--seeds", "1"}, []string{"2 runs in", "under 1%"}},
		{[]string{"--seeds", "1", "--resume", "--target", "2%"}, []string{"resumed: 2 runs were already done", "under 2%"}},
		{[]string{"--seeds", "2", "--resume"}, []string{"resumed: 2 runs were already done", "2 runs in", "under 2%"}},
	} {
		code, stdout, stderr := runCLI(append(args, step.args...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", step.args, code, stdout, stderr)
		}
		for _, w := range step.want {
			if !strings.Contains(stdout, w) {
				t.Errorf("%v: no %q in\n%s", step.args, w, stdout)
			}
		}
	}
	code, _, stderr := runCLI(append(args, "--seeds", "1", "--resume")...)
	if code != 2 || !strings.Contains(stderr, "holds a sweep of 2 seeds per point; resume it with --seeds 2 or more") {
		t.Errorf("resume with fewer seeds: exit %d, %s", code, stderr)
	}

	var shards []string
	for i, tg := range []string{"2%", "5%"} {
		sh := filepath.Join(dir, fmt.Sprint("shard", i))
		if code, stdout, stderr := runCLI(append(slices.Clone(knobs), "--out", sh, "--seeds", "1", "--shard", fmt.Sprintf("%d/2", i), "--target", tg)...); code != 0 {
			t.Fatalf("shard %d: exit %d\n%s%s", i, code, stdout, stderr)
		}
		shards = append(shards, sh)
	}
	for _, tc := range []struct {
		flags []string
		want  string
	}{{nil, "2.00%"}, {[]string{"--target", "3%"}, "3.00%"}} {
		code, stdout, stderr := runCLI(append(append([]string{"merge", "--out", filepath.Join(dir, "merged"+tc.want)}, tc.flags...), shards...)...)
		if code != 0 || !strings.Contains(stdout, tc.want) {
			t.Errorf("merge %v: exit %d, want %s in\n%s%s", tc.flags, code, tc.want, stdout, stderr)
		}
	}
}

// simrun sweep into a directory that holds a sweep exits 2 and touches
// nothing, unless --resume or --force; --force says so before it starts.
func TestSweepRefusesOccupiedDir(t *testing.T) {
	d := filepath.Join(t.TempDir(), "sweep")
	args := []string{"sweep", tiny, "--vary", "config.repl-backlog-size=16kb", "--seeds", "1", "--out", d}
	if code, stdout, stderr := runCLI(args...); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	results := filepath.Join(d, "results.jsonl")
	before, err := os.ReadFile(results)
	if err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(args...)
	if code != 2 || !strings.Contains(stderr, "already holds a sweep") || !strings.Contains(stderr, "--force") {
		t.Errorf("sweep into a sweep's directory: exit %d, %s", code, stderr)
	}
	if after, _ := os.ReadFile(results); !bytes.Equal(after, before) {
		t.Error("a refused sweep changed results.jsonl")
	}
	if code, _, stderr := runCLI(append(args, "--resume", "--force")...); code != 2 {
		t.Errorf("--resume --force: exit %d, %s", code, stderr)
	}
	code, stdout, stderr := runCLI(append(args, "--force")...)
	i, j := strings.Index(stdout, "starting afresh: the runs in "+d+" are replaced (--force)"), strings.Index(stdout, "1 run in")
	if code != 0 || i < 0 || j < i {
		t.Errorf("--force: exit %d, want the replacement said before the runs\n%s%s", code, stdout, stderr)
	}
}

// An error in a --vary value is one line naming the flag and the value,
// printed before anything runs or is written.
func TestSweepVaryErrorNamesTheFlag(t *testing.T) {
	out := filepath.Join(t.TempDir(), "sweep")
	code, stdout, stderr := runCLI("sweep", tiny, "--vary", "config.repl-backlog-size=16kb,lots", "--out", out)
	want := `simrun: --vary config.repl-backlog-size=lots: repl-backlog-size: invalid size "lots" (Redis units: 1k=1000, 1kb=1024, 1m, 1mb, 1g, 1gb)` + "\n"
	if code != 2 || stderr != want || stdout != "" {
		t.Errorf("exit %d, stdout %q\nstderr %q\nwant   %q", code, stdout, stderr, want)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a refused sweep made its directory: %v", err)
	}
}

// A sweep that cannot write its directory is the machine's failure, not
// bad input: exit 4; a sweep refused for its options is exit 2.
func TestSweepExitCodesInternalVsRefused(t *testing.T) {
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI("sweep", tiny, "--seeds", "1", "--out", filepath.Join(blocker, "sub"))
	if code != 4 || !strings.Contains(stderr, "not a directory") {
		t.Errorf("unwritable --out: exit %d\n%s%s", code, stdout, stderr)
	}
	code, _, stderr = runCLI("sweep", tiny, "--seeds", "1", "--resume", "--force", "--out", t.TempDir())
	if code != 2 || !strings.Contains(stderr, "give one") {
		t.Errorf("--resume --force: exit %d, %s", code, stderr)
	}
}

// A sweep folder has one writer at a time: while sweep.lock is held by a
// live process, sweep, resume, merge and report into the folder are
// refused (exit 2) naming the lock file and its holder, and nothing in
// the folder changes.
func TestSweepFolderIsLocked(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "w")
	args := []string{"sweep", tiny, "--vary", "config.repl-backlog-size=16kb", "--seeds", "1", "--workers", "1", "--out", dir}
	if code, stdout, stderr := runCLI(args...); code != 0 {
		t.Fatalf("sweep: exit %d\n%s%s", code, stdout, stderr)
	}
	results := readFile(t, filepath.Join(dir, "results.jsonl"))
	host, _ := os.Hostname()
	lock := filepath.Join(dir, "sweep.lock")
	holder := fmt.Sprintf(`{"pid": %d, "host": %q, "start": "2026-12-02T08:00:00Z", "command": "simrun sweep elsewhere"}`, os.Getpid(), host)
	writeFile(t, dir, "sweep.lock", holder)
	for _, cmd := range [][]string{
		append(args, "--force"),
		append(args, "--resume", "--seeds", "2"),
		{"merge", "--out", dir, dir + "-none"},
		{"report", dir},
	} {
		code, _, stderr := runCLI(cmd...)
		if code != 2 || !strings.Contains(stderr, lock) || !strings.Contains(stderr, fmt.Sprintf("pid %d on %s", os.Getpid(), host)) {
			t.Errorf("%s while locked: exit %d, stderr %q; want 2 naming the lock and its holder", cmd[0], code, stderr)
		}
	}
	if got := readFile(t, filepath.Join(dir, "results.jsonl")); !bytes.Equal(got, results) {
		t.Error("results.jsonl changed while the folder was locked")
	}
	if got := string(readFile(t, lock)); got != holder {
		t.Errorf("the holder's lock file changed: %q", got)
	}
	os.Remove(lock)
	if code, stdout, stderr := runCLI(append(args, "--resume", "--seeds", "2")...); code != 0 {
		t.Errorf("resume once the lock is gone: exit %d\n%s%s", code, stdout, stderr)
	}
	if _, err := os.Stat(lock); !os.IsNotExist(err) {
		t.Errorf("sweep.lock left behind: %v", err)
	}
}
