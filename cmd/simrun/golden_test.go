package main

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata from the output of the tests")

// golden compares got with the file testdata/name, or rewrites the file
// with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./cmd/simrun -run Golden -update writes it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs; got:\n%s\n(go test ./cmd/simrun -run Golden -update rewrites it)", path, got)
	}
}

// The help of simrun and of each subcommand, as a user reads it: a change
// to a flag, a default or the exit codes shows in review as a change to a
// file in testdata.
func TestGoldenHelp(t *testing.T) {
	for _, cmd := range []string{"", "run", "sweep", "report", "merge", "check", "explore"} {
		name := "simrun"
		args := []string{"--help"}
		if cmd != "" {
			name += "-" + cmd
			args = []string{cmd, "--help"}
		}
		t.Run(name, func(t *testing.T) {
			code, stdout, stderr := runCLI(args...)
			if code != 0 || stderr != "" {
				t.Fatalf("%v: exit %d, stderr %q", args, code, stderr)
			}
			golden(t, name+"-help.golden", stdout)
		})
	}
}

// wallTime matches what varies between two runs of the same seed: the wall
// time and the output folder.
var (
	wallTime  = regexp.MustCompile(`, [0-9.]+(ns|µs|ms|s|m[0-9.]*s) wall,`)
	artifacts = regexp.MustCompile(`(?m)^  artifacts: .*$`)
	page      = regexp.MustCompile(`(?m)^  page: .*/run\.html$`)
)

// The printed summary of simrun run, for a passing scenario and for one
// whose history is not linearizable: every figure by its name, the
// expectations, the checker's findings and the replay line.
func TestGoldenRunSummary(t *testing.T) {
	t.Parallel()
	for _, file := range []string{"short-disconnect", "failover-loses-writes"} {
		t.Run(file, func(t *testing.T) {
			if testing.Short() && file != "short-disconnect" {
				t.Skip("short: go test without -short checks this summary too")
			}
			t.Parallel()
			code, stdout, stderr := runCLI("run", "../../scenarios/"+file+".yaml", "--out", t.TempDir(), "--force")
			if code != 0 {
				t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
			}
			out := wallTime.ReplaceAllString(stdout, ", WALL wall,")
			out = artifacts.ReplaceAllString(out, "  artifacts: DIR")
			out = page.ReplaceAllString(out, "  page: DIR/run.html")
			golden(t, "simrun-run-"+file+".golden", out)
		})
	}
}
