package archtest

import (
	"go/build/constraint"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const modulePath = "github.com/replsim/replsim"

// TestArchitecture runs the scanner on this module and fails with every finding: an
// import against the table in rules.go (between layers, or against the order of the
// packages inside scenarios), or the simulated world touching the real
// clock, the global random source, goroutines, select or I/O.
func TestArchitecture(t *testing.T) {
	root, mod := moduleRoot(t)
	if mod != modulePath {
		t.Fatalf("%s/go.mod declares module %q, the table is written for %q", root, mod, modulePath)
	}
	findings, err := Check(root, mod)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range findings {
		t.Error(f)
	}
	if len(findings) > 0 {
		t.Logf("%d findings; the rules are in internal/archtest/rules.go", len(findings))
	}
}

// TestFixtures checks the checker: on a fake module that breaks each rule it reports
// exactly the expected findings, and on one that uses everything allowed it reports
// nothing. Fixture files under testdata are never built by the go tool.
func TestFixtures(t *testing.T) {
	for _, tc := range []struct {
		dir, mod string
		want     []string
	}{
		{
			dir: "testdata/bad",
			mod: "example.com/bad",
			want: []string{
				`checker/checker.go:4:2: imports "example.com/bad/util": package util is not in the architecture table`,
				`checker/checker.go:6:2: imports "github.com/spf13/cobra": checker may not use this third-party package (allowed: github.com/anishathalye/porcupine)`,
				`checker/checker_test.go:6:2: imports "github.com/goccy/go-yaml": checker may not use this third-party package (allowed: github.com/anishathalye/porcupine, pgregory.net/rapid, github.com/cockroachdb/datadriven)`,
				`cmd/simrun/main.go:4:2: imports "example.com/bad/model": cmd/simrun may not import model (allowed: scenarios, reports)`,
				`cmd/simrun/main.go:8:2: imports "github.com/spf13/cobra/doc": cmd/simrun may not use this third-party package (allowed: github.com/spf13/cobra, github.com/spf13/pflag, github.com/schollz/progressbar/v3, golang.org/x/term, github.com/dustin/go-humanize)`,
				`cmd/simrun/main.go:9:2: imports "github.com/spf13/viper": cmd/simrun may not use this third-party package (allowed: github.com/spf13/cobra, github.com/spf13/pflag, github.com/schollz/progressbar/v3, golang.org/x/term, github.com/dustin/go-humanize)`,
				`faults/faults.go:4:2: imports "crypto/rand": the simulated world draws only from seeded math/rand/v2 streams`,
				`faults/faults.go:5:2: imports "math/rand": the simulated world draws only from seeded math/rand/v2 streams`,
				`faults/faults.go:6:2: imports "os/exec": the simulated world does no I/O`,
				`faults/faults.go:7:2: imports "runtime/debug": the simulated world does not depend on the real runtime`,
				`faults/faults.go:8:2: imports "syscall": the simulated world does no I/O`,
				`model/dot.go:3:8: dot-imports "time": its names would escape this check; import it by name`,
				`model/model_test.go:7:2: imports "example.com/bad/scenarios": model may not import scenarios (allowed: none)`,
				`model/node.go:5:2: imports "example.com/bad/sim": model may not import sim (allowed: none)`,
				`model/resp/resp.go:5:2: imports "net": the simulated world does no I/O`,
				`model/resp/resp.go:6:2: imports "unsafe": the simulated world is plain, safe Go`,
				`reports/reports.go:6:2: imports "example.com/bad/sim": reports may not import sim (allowed: scenarios, checker)`,
				`root.go:1:1: package at the module root is not in the architecture table (internal/archtest/rules.go)`,
				`scenarios/runner.go:10:2: imports "example.com/bad/reports": scenarios may not import reports (allowed: sim, model, faults, checker)`,
				`scenarios/runner.go:15:2: imports "gonum.org/v1/plot": scenarios may not use this third-party package (allowed: github.com/goccy/go-yaml/...)`,
				`scenarios/scenariotest/scenariotest.go:8:2: imports "example.com/bad/scenarios/sweep": scenarios/scenariotest may not import scenarios/sweep: against the order inside scenarios (allowed: scenarios, scenarios/spec, scenarios/explore)`,
				`scenarios/spec/spec.go:4:8: imports "example.com/bad/scenarios/world": scenarios/spec may not import scenarios/world: against the order inside scenarios (allowed: none)`,
				`scenarios/sweep/sweep.go:6:2: imports "example.com/bad/scenarios/world": scenarios/sweep may not import scenarios/world: against the order inside scenarios (allowed: scenarios, scenarios/spec)`,
				`scenarios/world/deeper/deeper.go:4:8: imports "example.com/bad/scenarios/sweep": scenarios/world may not import scenarios/sweep: against the order inside scenarios (allowed: scenarios/spec)`,
				`scenarios/world/loop.go:7:3: select statement: the simulated world runs on one goroutine`,
				`scenarios/world/loop.go:10:10: uses time.After: the simulated world reads only the virtual clock`,
				`scenarios/world/up.go:4:2: imports "example.com/bad/scenarios": scenarios/world may not import scenarios: against the order inside scenarios (allowed: scenarios/spec)`,
				`sim/bad.go:6:2: imports "os": the simulated world does no I/O`,
				`sim/bad.go:17:6: uses clock.Now (time.Now): the simulated world reads only the virtual clock`,
				`sim/bad.go:18:6: uses rand.IntN from math/rand/v2: the global source ignores the seed; draw from a seeded *rand.Rand`,
				`sim/bad.go:20:2: go statement: the simulated world runs on one goroutine`,
				`sim/bad.go:21:2: select statement: the simulated world runs on one goroutine`,
				`sim/broken.go:4:5: does not parse: missing condition in if statement`,
				`sim/linux_only.go:7:15: uses time.Now: the simulated world reads only the virtual clock`,
				`sim/shadow.go:15:11: uses time.Now: the simulated world reads only the virtual clock`,
				`util/more.go:1:1: package util is not in the architecture table (internal/archtest/rules.go)`,
			},
		},
		{dir: "testdata/clean", mod: "example.com/clean"},
	} {
		t.Run(filepath.Base(tc.dir), func(t *testing.T) {
			findings, err := Check(tc.dir, tc.mod)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range findings {
				got = append(got, f.String())
			}
			for _, g := range got {
				if !slices.Contains(tc.want, g) {
					t.Errorf("unexpected finding:\n\t%s", g)
				}
			}
			for _, w := range tc.want {
				if !slices.Contains(got, w) {
					t.Errorf("missing finding:\n\t%s", w)
				}
			}
			if !t.Failed() && !slices.Equal(got, tc.want) {
				t.Errorf("findings out of order or repeated:\n\t%s", strings.Join(got, "\n\t"))
			}
		})
	}
}

// TestCheckMissingRoot: a tree that cannot be walked is an error, not an empty result.
func TestCheckMissingRoot(t *testing.T) {
	if _, err := Check(filepath.Join(t.TempDir(), "absent"), "example.com/absent"); err == nil {
		t.Fatal("Check of a missing directory: want an error, got none")
	}
}

// TestSatisfiable pins which build constraints mean "never built": only those that
// cannot hold without the ignore tag.
func TestSatisfiable(t *testing.T) {
	for line, want := range map[string]bool{
		"//go:build ignore":                  false,
		"//go:build ignore && linux":         false,
		"//go:build linux && !linux":         false,
		"//go:build !linux":                  true,
		"//go:build ignore || linux":         true,
		"//go:build !ignore":                 true,
		"//go:build (linux || darwin) && !a": true,
	} {
		expr, err := constraint.Parse(line)
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		if got := satisfiable(expr); got != want {
			t.Errorf("satisfiable(%s) = %v, want %v", line, got, want)
		}
	}
}

// moduleRoot walks up from the working directory to the nearest go.mod and returns
// its directory and the module path it declares.
func moduleRoot(t *testing.T) (root, mod string) {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil {
			return dir, modulePathOf(t, dir, data)
		}
		if !os.IsNotExist(err) {
			t.Fatal(err)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod in the working directory or above it")
		}
		dir = parent
	}
}

// modulePathOf reads the module directive of a go.mod file.
func modulePathOf(t *testing.T, dir string, gomod []byte) string {
	t.Helper()
	for line := range strings.Lines(string(gomod)) {
		line, _, _ = strings.Cut(line, "//")
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), "module")
		if !ok || rest == "" || (rest[0] != ' ' && rest[0] != '\t') {
			continue
		}
		mod := strings.TrimSpace(rest)
		if unquoted, err := strconv.Unquote(mod); err == nil {
			mod = unquoted
		}
		return mod
	}
	t.Fatalf("%s/go.mod has no module directive", dir)
	return ""
}
