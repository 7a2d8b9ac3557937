package reports

import (
	"bytes"
	"context"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/replsim/replsim/scenarios/sweep"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const tinyFile = "../scenarios/sweep/testdata/tiny.yaml"

// runTiny sweeps the tiny fixture scenario into dir and returns what the
// directory holds.
func runTiny(t *testing.T, dir string, workers, seeds int, vary ...string) (*sweep.Meta, []sweep.Record) {
	t.Helper()
	src, err := os.ReadFile(tinyFile)
	if err != nil {
		t.Fatal(err)
	}
	var knobs []sweep.Vary
	for _, v := range vary {
		k, err := sweep.ParseVary(v)
		if err != nil {
			t.Fatal(err)
		}
		knobs = append(knobs, k)
	}
	p, err := sweep.NewPlan("tiny.yaml", src, nil, knobs, seeds)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sweep.Run(context.Background(), p, sweep.Options{Dir: dir, Workers: workers}); err != nil {
		t.Fatal(err)
	}
	meta, recs, err := sweep.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return meta, recs
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./reports -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test ./reports -update rewrites it):\n%s", name, got)
	}
}

// The tables of a small sweep, 2 backlog sizes x 2 seeds, are golden: the
// same with one worker or two, byte for byte.
func TestTablesGoldenAndIndependentOfWorkers(t *testing.T) {
	dir := t.TempDir()
	var results, summaries [2][]byte
	for i, w := range []int{1, 2} {
		d := filepath.Join(dir, string(rune('a'+i)))
		meta, recs := runTiny(t, d, w, 2, "config.repl-backlog-size=16kb,4mb")
		if _, err := Write(d, meta, recs, Options{TimelineRun: -1}); err != nil {
			t.Fatal(err)
		}
		results[i], _ = os.ReadFile(filepath.Join(d, ResultsCSV))
		summaries[i], _ = os.ReadFile(filepath.Join(d, SummaryCSV))
	}
	if !bytes.Equal(results[0], results[1]) {
		t.Errorf("results.csv differs between 1 and 2 workers:\n%s\n%s", results[0], results[1])
	}
	if !bytes.Equal(summaries[0], summaries[1]) {
		t.Errorf("summary.csv differs between 1 and 2 workers")
	}
	golden(t, "results.golden.csv", results[0])
	golden(t, "summary.golden.csv", summaries[0])
}

// The plots are produced, not empty, and the same bytes for the same
// records; the page inlines them.
func TestPlotsAreDeterministic(t *testing.T) {
	dir := t.TempDir()
	meta, recs := runTiny(t, filepath.Join(dir, "sweep"), 2, 2, "config.repl-backlog-size=16kb,256kb,4mb", "workload.rate=50,100")
	names := []string{FreqPlotName, BytesPlotName, LagPlotName}
	var files [2]map[string][]byte
	for i := range files {
		d := filepath.Join(dir, string(rune('a'+i)))
		os.MkdirAll(d, 0o755)
		rep, err := Write(d, meta, recs, Options{Target: 0.05, TimelineRun: -1})
		if err != nil {
			t.Fatal(err)
		}
		if rep.TimelineRun < 0 || len(rep.Recommended) != 2 {
			t.Fatalf("timeline run %d, %d recommendations", rep.TimelineRun, len(rep.Recommended))
		}
		files[i] = map[string][]byte{}
		for _, n := range names {
			for _, ext := range []string{".png", ".svg"} {
				b, err := os.ReadFile(filepath.Join(d, n+ext))
				if err != nil || len(b) < 1000 {
					t.Fatalf("%s%s: %d bytes, %v", n, ext, len(b), err)
				}
				files[i][n+ext] = b
			}
		}
		html, err := os.ReadFile(filepath.Join(d, HTMLFile))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"data:image/svg+xml;base64,", "workload.rate=50", "rule of thumb", "go run ./cmd/simrun sweep tiny.yaml", "name: tiny"} {
			if !bytes.Contains(html, []byte(want)) {
				t.Errorf("report.html lacks %q", want)
			}
		}
	}
	for name, b := range files[0] {
		if !bytes.Equal(b, files[1][name]) {
			t.Errorf("%s differs between two renderings of the same records", name)
		}
	}
}

// On a small fixed sweep, a larger backlog never needs more full resyncs
// per reconnect than a smaller one, within the confidence bars; and the
// smallest backlog needs them far more often than the largest.
func TestFrequencyFallsWithBacklog(t *testing.T) {
	meta, recs := runTiny(t, t.TempDir(), 2, 5, "config.repl-backlog-size=16kb..1mb*4")
	points := Aggregate(&meta.Plan, recs)
	if len(points) != 4 {
		t.Fatalf("%d points", len(points))
	}
	for i := range points {
		for j := i + 1; j < len(points); j++ {
			if points[j].Freq > points[i].High {
				t.Errorf("%s: %.3f above the upper bound %.3f of %s", points[j].Values[0], points[j].Freq, points[i].High, points[i].Values[0])
			}
		}
	}
	first, last := points[0], points[len(points)-1]
	if first.Fig("reconnects") < 20 || first.Freq < 0.8 || last.Freq > 0.1 || first.Low <= last.High {
		t.Errorf("16kb: %d/%d, 1mb: %d/%d: the frequency should fall clearly", first.Fig("full_resyncs"), first.Fig("reconnects"), last.Fig("full_resyncs"), last.Fig("reconnects"))
	}
}

func TestWilson(t *testing.T) {
	for _, tc := range []struct {
		k, n   int64
		lo, hi float64
	}{
		{0, 10, 0, 0.2775}, {5, 10, 0.2366, 0.7634}, {10, 10, 0.7225, 1}, {1, 100, 0.0018, 0.0545},
		{0, 381, 0, 0.0100}, {0, 0, 0, 1},
	} {
		lo, hi := Wilson(tc.k, tc.n)
		if math.Abs(lo-tc.lo) > 5e-5 || math.Abs(hi-tc.hi) > 5e-5 {
			t.Errorf("Wilson(%d, %d) = [%.4f, %.4f], want [%.4f, %.4f]", tc.k, tc.n, lo, hi, tc.lo, tc.hi)
		}
	}
}

func TestParseTarget(t *testing.T) {
	for in, want := range map[string]float64{"1%": 0.01, "0.5%": 0.005, "0.02": 0.02} {
		if got, err := ParseTarget(in); err != nil || math.Abs(got-want) > 1e-12 {
			t.Errorf("%s: %v %v", in, got, err)
		}
	}
	for _, in := range []string{"0", "100%", "x", "-1%", "2"} {
		if _, err := ParseTarget(in); err == nil || !strings.Contains(err.Error(), "--target") {
			t.Errorf("%s accepted", in)
		}
	}
}
