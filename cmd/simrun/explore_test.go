package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const tinySpace = "../../scenarios/explore/testdata/tiny.yaml"

// simrun explore finds a violation, exits 1, and writes a minimal file
// that simrun run replays with the same violation next to its artifacts;
// a clean space exits 0; bad input exits 2.
func TestExplore(t *testing.T) {
	out := filepath.Join(t.TempDir(), "x")
	code, stdout, stderr := runCLI("explore", tinySpace, "--runs", "20", "--workers", "2", "--out", out)
	if code != exitFailed {
		t.Fatalf("exit %d, want %d\n%s%s", code, exitFailed, stdout, stderr)
	}
	for _, want := range []string{"violation in case ", "  violated: expect lost_writes: want 0, got ", "  minimal: " + filepath.Join(out, "minimal.yaml"), "  replay: go run ./cmd/simrun run " + filepath.Join(out, "minimal.yaml") + " --seed "} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	for _, f := range []string{"minimal.yaml", "summary.json", "trace.log", "history.json"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("artifact: %v", err)
		}
	}
	seed := regexp.MustCompile(`--seed ([0-9]+)`).FindStringSubmatch(stdout)
	violated := regexp.MustCompile(`violated: (.*)`).FindStringSubmatch(stdout)
	if seed == nil || violated == nil {
		t.Fatalf("no replay seed or violation in:\n%s", stdout)
	}
	code, rstdout, rstderr := runCLI("run", filepath.Join(out, "minimal.yaml"), "--seed", seed[1], "--out", filepath.Join(t.TempDir(), "r"), "--trace", "off")
	got := strings.TrimPrefix(violated[1], "expect lost_writes: want 0, got ")
	if code != exitFailed || !strings.Contains(rstdout, "lost_writes "+got) {
		t.Errorf("simrun run of the minimal file: exit %d, want %d with lost_writes %s\n%s%s", code, exitFailed, got, rstdout, rstderr)
	}

	code, stdout, stderr = runCLI("explore", "../../scenarios/explore-engine.yaml", "--runs", "3", "--workers", "2", "--out", filepath.Join(t.TempDir(), "y"))
	if code != exitOK || !strings.Contains(stdout, "no violation in 3 runs") {
		t.Errorf("a clean space: exit %d\n%s%s", code, stdout, stderr)
	}
	for _, args := range [][]string{
		{"explore", "../../scenarios/short-disconnect.yaml", "--runs", "1"},
		{"explore", tinySpace, "--budget", "0"},
		{"explore", tinySpace, "--workers", "-1"},
		{"explore", tinySpace, "--bug", "frob", "--runs", "1"},
	} {
		if code, _, stderr := runCLI(args...); code != exitBadInput {
			t.Errorf("%v: exit %d, want %d (%s)", args, code, exitBadInput, stderr)
		}
	}
}
