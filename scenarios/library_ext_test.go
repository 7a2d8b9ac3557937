package scenarios_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/replsim/replsim/scenarios"
	"github.com/replsim/replsim/scenarios/scenariotest"
)

// These tests run the library through package scenariotest, as users run
// their own files; they live in package scenarios_test because
// scenariotest imports scenarios.

func library(t *testing.T) []string {
	files, err := filepath.Glob("*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenario files: %v", err)
	}
	return files
}

// TestLibrary runs every shipped scenario under each of its seeds and
// asserts its expectations.
func TestLibrary(t *testing.T) {
	for _, f := range library(t) {
		t.Run(strings.TrimSuffix(f, ".yaml"), func(t *testing.T) {
			t.Parallel()
			scenariotest.Test(t, f)
		})
	}
}

// TestLibraryDeterministic runs every shipped scenario twice under its
// first seed and compares the traces byte for byte.
func TestLibraryDeterministic(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	for _, f := range library(t) {
		t.Run(strings.TrimSuffix(f, ".yaml"), func(t *testing.T) {
			t.Parallel()
			s, err := scenarios.LoadFile(f, scenarios.Overrides{})
			if err != nil {
				t.Fatal(err)
			}
			scenariotest.TestDeterministic(t, f, s.Seeds[0])
		})
	}
}
