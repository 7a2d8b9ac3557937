package scenarios

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/replsim/replsim/scenarios/spec"
)

// seedFiles returns every shipped scenario and the example, the seed
// corpus of the loader's fuzzers.
func seedFiles(f *testing.F) map[string][]byte {
	files, err := filepath.Glob("*.yaml")
	if err != nil {
		f.Fatal(err)
	}
	files = append(files, "testdata/example.yaml")
	if len(files) < 10 {
		f.Fatalf("only %d seed files: run from the package directory", len(files))
	}
	out := map[string][]byte{}
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		out[name] = src
	}
	return out
}

// Load never panics, whatever the bytes, and every error it returns is an
// *Error that either names a flag or points inside the input: a line that
// exists and a column on it (or at its end), or no place at all.
func FuzzLoad(f *testing.F) {
	for _, src := range seedFiles(f) {
		f.Add(src)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		_, err := Load("f.yaml", src, Overrides{})
		checkLoadError(t, src, err)
	})
}

// FuzzOverrides loads fuzzed files with two fuzzed --set arguments: an
// argument ParseOverride refuses is an *Error naming the flag, every load
// error is as FuzzLoad wants it, and a scenario that loads and is small
// enough to run in a few milliseconds runs twice, from a reload of the
// same bytes, to the same trace hash.
func FuzzOverrides(f *testing.F) {
	for name, src := range seedFiles(f) {
		f.Add(src, "faults=[]", "duration=5s")
		if name == "short-disconnect.yaml" {
			f.Add(src, "workload.rate=50", "duration=40s")
			f.Add(src, "faults.0.for=0s..2s", "duration=35s")
			f.Add(src, "!x=1", "workload.rate=NaN")
			f.Add(src, "network.bandwidth=1bit", "workload.value-size=1gb")
		}
	}
	f.Fuzz(func(t *testing.T, src []byte, set1, set2 string) {
		var ov Overrides
		for _, arg := range []string{set1, set2} {
			o, err := ParseOverride("--set", arg)
			if err != nil {
				var se *Error
				if !errors.As(err, &se) || se.Flag == "" {
					t.Fatalf("--set %q: error %v of type %T does not name the flag", arg, err, err)
				}
				return
			}
			ov.Sets = append(ov.Sets, o)
		}
		s, err := Load("f.yaml", src, ov)
		if err != nil {
			checkLoadError(t, src, err)
			return
		}
		if !quick(s) {
			return
		}
		opts := RunOptions{SkipLinearizability: true, WallLimit: 2 * time.Second}
		first, err := Run(s, 1, opts)
		if err != nil || first.Facts.Limit != "" {
			return // a world that cannot start, or a run cut by the wall clock
		}
		again, err := Load("f.yaml", src, ov)
		if err != nil {
			t.Fatalf("the second load failed: %v", err)
		}
		second, err := Run(again, 1, opts)
		if err != nil {
			t.Fatalf("the first run ran, the second failed: %v", err)
		}
		if second.Facts.Limit == "" && second.Facts.TraceSHA != first.Facts.TraceSHA {
			t.Fatalf("the same scenario ran to traces %s and %s", first.Facts.TraceSHA, second.Facts.TraceSHA)
		}
	})
}

// quick reports whether a scenario is small enough to run inside a fuzzer:
// a short run, few operations, a small dataset and few faults.
func quick(s *spec.Spec) bool {
	ops := s.Workload.RatePerSec * s.Duration.Seconds()
	for _, b := range s.Workload.Bursts {
		ops += float64(b.Writes)
	}
	return s.Duration <= time.Minute && s.HealTimeout <= 5*time.Minute && ops <= 3000 &&
		int64(s.Dataset.Keys)*int64(s.Dataset.ValueSize+s.Dataset.KeySize) <= 1<<20 &&
		len(s.Faults) <= 10 && len(s.Nodes) <= 6
}

// checkLoadError checks that err, when not nil, is an *Error that names a
// flag or a place inside src (or no place).
func checkLoadError(t *testing.T, src []byte, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var se *Error
	if !errors.As(err, &se) {
		t.Fatalf("error of type %T: %v", err, err)
	}
	if se.Flag != "" {
		if !strings.HasPrefix(se.Flag, "--") {
			t.Fatalf("error names %q, not a flag: %v", se.Flag, err)
		}
		return
	}
	if se.Line == 0 {
		return
	}
	lines := sourceLines(src)
	if se.Line < 1 || se.Line > len(lines) {
		t.Fatalf("line %d of a %d-line input: %v", se.Line, len(lines), err)
	}
	if width := utf8.RuneCountInString(lines[se.Line-1]); se.Col < 1 || se.Col > width+1 {
		t.Fatalf("column %d of a line of %d characters: %v", se.Col, width, err)
	}
}
