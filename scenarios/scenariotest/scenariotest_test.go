package scenariotest

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// recorder is a testing.TB that keeps the errors it is given instead of
// failing the test; anything else goes to the real test.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

const file = "../backlog-ttl-expiry.yaml"

// Test fails the test when an expectation fails, under each seed of the
// file (two here; the first only under -short), and says which one and how
// to replay it; it passes the same file without the bad expectation.
func TestTest(t *testing.T) {
	r := &recorder{TB: t}
	Test(r, file, "expect.full_resyncs=0")
	want := 2
	if testing.Short() {
		want = 1
	}
	if len(r.errors) != want {
		t.Fatalf("a failed expectation under %d seeds: %d errors %q", want, len(r.errors), r.errors)
	}
	for i, e := range r.errors {
		replay := fmt.Sprintf("replay: go run ./cmd/simrun run %s --seed %d --set expect.full_resyncs=0", file, i+1)
		if !strings.Contains(e, "FAIL full_resyncs: want 0, got 1") || !strings.Contains(e, replay) {
			t.Errorf("error %d does not name the expectation and %q:\n%s", i, replay, e)
		}
	}
	r = &recorder{TB: t}
	Test(r, file)
	if len(r.errors) != 0 {
		t.Errorf("a passing file: errors %q", r.errors)
	}
}

func TestTestDeterministic(t *testing.T) {
	r := &recorder{TB: t}
	TestDeterministic(r, file, 3)
	if len(r.errors) != 0 {
		t.Errorf("errors %q", r.errors)
	}
}

func TestFirstDiff(t *testing.T) {
	for _, tc := range []struct{ a, b, want string }{
		{"x\ny\nz", "x\nY\nz", `line 2: "y" vs "Y"`},
		{"x\ny", "x\ny\nz", "2 vs 3 lines"},
	} {
		if got := FirstDiff([]byte(tc.a), []byte(tc.b)); got != tc.want {
			t.Errorf("FirstDiff(%q, %q) = %s, want %s", tc.a, tc.b, got, tc.want)
		}
	}
}

// Explore fails with the violated property and the path of a minimal file
// that fails the same way; a space without a violation passes.
func TestExplore(t *testing.T) {
	r := &recorder{TB: t}
	Explore(r, "../explore/testdata/tiny.yaml")
	if len(r.errors) != 1 || !strings.Contains(r.errors[0], "expect lost_writes: want 0") || !strings.Contains(r.errors[0], "minimal: testdata/explore/TestExplore/minimal.yaml") {
		t.Fatalf("want one error naming lost_writes and the minimal file, got %q", r.errors)
	}
	if err := os.RemoveAll("testdata/explore"); err != nil {
		t.Fatal(err)
	}
	os.Remove("testdata") // when the test made it
	r = &recorder{TB: t}
	Explore(r, "../explore-engine.yaml")
	if len(r.errors) != 0 {
		t.Errorf("explore-engine.yaml with no bug: %q", r.errors)
	}
}
