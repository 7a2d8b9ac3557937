package archtest

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestSimrunLinksNoTesting: the simrun program does not link package testing,
// whose flags and helpers have no place in a program. Helpers for go test live in
// their own packages (scenarios/scenariotest) for that reason. The test asks the go
// tool for simrun's dependencies and names the packages that import testing.
func TestSimrunLinksNoTesting(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go tool is not on PATH")
	}
	root, _ := moduleRoot(t)
	cmd := exec.Command(goTool, "list", "-deps", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "./cmd/simrun")
	cmd.Dir = root
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps ./cmd/simrun: %v\n%s", err, stderr.String())
	}
	var pkgs, importers []string
	for line := range strings.Lines(string(out)) {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		pkgs = append(pkgs, fields[0])
		if slices.Contains(fields[1:], "testing") {
			importers = append(importers, fields[0])
		}
	}
	if !slices.Contains(pkgs, "github.com/replsim/replsim/cmd/simrun") {
		t.Fatalf("go list -deps ./cmd/simrun does not list simrun itself:\n%s", out)
	}
	if slices.Contains(pkgs, "testing") {
		t.Errorf("simrun links package testing, imported by %s; move the helpers that need it to a package of their own", strings.Join(importers, ", "))
	}
}
