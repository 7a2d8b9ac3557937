package reports

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/replsim/replsim/scenarios"
)

// One sweep, every output: results.jsonl (read back), results.csv,
// summary.csv, report.html and a replay of a run with scenarios.Run agree
// on every figure of the table.
func TestOutputsAgreeOnEveryFigure(t *testing.T) {
	dir := t.TempDir()
	meta, recs := runTiny(t, dir, 2, 3, "config.repl-backlog-size=16kb,1mb")
	rep, err := Write(dir, meta, recs, Options{TimelineRun: -1})
	if err != nil {
		t.Fatal(err)
	}
	figs := scenarios.Figures

	// results.csv: one row per run, a column per figure.
	rows := readCSV(t, filepath.Join(dir, ResultsCSV))
	head := rows[0]
	if len(rows)-1 != len(recs) {
		t.Fatalf("results.csv has %d rows for %d runs", len(rows)-1, len(recs))
	}
	for k, rec := range recs {
		row := rows[k+1]
		if row[0] != strconv.Itoa(rec.Run) {
			t.Fatalf("row %d is run %s, want %d", k+1, row[0], rec.Run)
		}
		for i, f := range figs {
			col := slices.Index(head, f.Name)
			if col < 0 {
				t.Fatalf("results.csv has no column %s", f.Name)
			}
			if want := f.Cell(rec.Figures[i]); row[col] != want {
				t.Errorf("run %d %s: results.csv %q, results.jsonl %q", rec.Run, f.Name, row[col], want)
			}
		}
	}

	// summary.csv: a row per point; sums and maxima recomputed here from
	// the records, by hand.
	rows = readCSV(t, filepath.Join(dir, SummaryCSV))
	head = rows[0]
	for k, pt := range rep.Points {
		row := rows[k+1]
		for i, f := range figs {
			if f.Kind == scenarios.KindReasons || !recs[0].Figures[i].Known {
				continue
			}
			var want int64
			for _, rec := range recs {
				if rec.Point != pt.Index {
					continue
				}
				switch v := rec.Figures[i].Int; f.Agg {
				case scenarios.AggMax:
					want = max(want, v)
				default:
					want += v
				}
			}
			cell := row[slices.Index(head, f.Name)]
			g := f
			if f.Agg == scenarios.AggCountTrue {
				g = scenarios.Figure{Kind: scenarios.KindCount}
			}
			if cell != g.Cell(scenarios.Value{Known: true, Int: want}) {
				t.Errorf("point %v %s: summary.csv %q, the runs add up to %d", pt.Values, f.Name, cell, want)
			}
		}
		full, reconnects := pt.Fig("full_resyncs"), pt.Fig("reconnects")
		if freq := row[slices.Index(head, "full_resync_freq")]; reconnects > 0 && freq != strconv.FormatFloat(float64(full)/float64(reconnects), 'f', 4, 64) {
			t.Errorf("point %v: frequency %s for %d/%d", pt.Values, freq, full, reconnects)
		}
		// report.html shows the same numbers in its table.
		html, err := os.ReadFile(filepath.Join(dir, HTMLFile))
		if err != nil {
			t.Fatal(err)
		}
		cells := "<td>" + strconv.Itoa(pt.Runs) + "</td><td>" + strconv.FormatInt(reconnects, 10) + "</td><td>" + strconv.FormatInt(full, 10) + "</td>"
		if !strings.Contains(string(html), cells) {
			t.Errorf("report.html lacks the row of point %v: %s", pt.Values, cells)
		}
	}

	// A replay of one run computes the figures summary.json holds: the
	// same as its line of results.jsonl.
	rec := recs[len(recs)-1]
	s, err := meta.Plan.Spec(rec.Point)
	if err != nil {
		t.Fatal(err)
	}
	run, err := scenarios.Run(s, rec.Seed, scenarios.RunOptions{SkipLinearizability: true})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(run.Summary().Figures)
	b, _ := json.Marshal(rec.Figures)
	if string(a) != string(b) {
		t.Errorf("summary.json figures:\n%s\nresults.jsonl figures:\n%s", a, b)
	}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 2 {
		t.Fatalf("%s has no rows", path)
	}
	return rows
}
