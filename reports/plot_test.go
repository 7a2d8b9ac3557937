package reports

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/replsim/replsim/scenarios"
	"github.com/replsim/replsim/scenarios/sweep"
)

// svgTexts returns the text drawn in an SVG, in order.
func svgTexts(svg []byte) []string {
	var out []string
	for _, m := range regexp.MustCompile(`>([^<>]*)</text>`).FindAllSubmatch(svg, -1) {
		out = append(out, string(m[1]))
	}
	return out
}

// A number in a text with a run of zeros or nines left by binary floating
// point: 1.2000000000000002MB, 0.30000000000000004.
var floatArtefact = regexp.MustCompile(`[0-9]\.[0-9]*(0000|9999)[0-9]`)

// The three plots of a small sweep are golden SVGs (go test ./reports
// -update rewrites them); the frequency plot marks the recommended size
// and labels the target, and no text of any plot holds a float artefact.
func TestPlotsGolden(t *testing.T) {
	dir := t.TempDir()
	meta, recs := runTiny(t, dir, 2, 3, "config.repl-backlog-size=16kb,256kb,4mb")
	rep, err := Write(dir, meta, recs, Options{Target: 0.35, TimelineRun: -1})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Recommended) != 1 || !rep.Recommended[0].Found {
		t.Fatalf("no recommendation at a 35%% target: %+v", rep.Recommended)
	}
	texts := map[string][]string{}
	for _, name := range []string{FreqPlotName, BytesPlotName, LagPlotName} {
		svg, err := os.ReadFile(filepath.Join(dir, name+".svg"))
		if err != nil {
			t.Fatal(err)
		}
		golden(t, name+".golden.svg", svg)
		texts[name] = svgTexts(svg)
		for _, s := range texts[name] {
			if floatArtefact.MatchString(s) {
				t.Errorf("%s: float artefact in %q", name, s)
			}
		}
		if n := strings.Count(string(svg), "font-family:Liberation Sans"); n == 0 || strings.Contains(string(svg), "Serif") {
			t.Errorf("%s: not all in Liberation Sans (%d texts in it)", name, n)
		}
	}
	want := "recommended: " + rep.Recommended[0].Value
	for _, w := range []string{want, "target 35%", "0", "100%"} {
		if !slices.Contains(texts[FreqPlotName], w) {
			t.Errorf("the frequency plot lacks %q: %q", w, texts[FreqPlotName])
		}
	}
	for _, w := range []string{"RDB snapshots sent (mean per run)", "command stream sent (mean per run)", "backlog memory: mem_total_replication_buffers (largest run)"} {
		if !slices.Contains(texts[BytesPlotName], w) {
			t.Errorf("the bytes plot lacks %q: %q", w, texts[BytesPlotName])
		}
	}
}

// The lag timeline of a run whose syncs are known (failover-loses-writes:
// two first syncs, then one full resync, of the old master to the new
// one, and one partial resync) draws and counts each kind apart, as the
// figures count them: first syncs are not resyncs.
func TestLagPlotCountsAsTheRecord(t *testing.T) {
	t.Parallel()
	s, err := scenarios.LoadFile("../scenarios/failover-loses-writes.yaml", scenarios.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	// The run the run page's test makes (sampled as run.html samples).
	run := runRecord(t, "failover-loses-writes")
	rec := sweep.NewRecord(0, 0, nil, run, SampleEvery(s.Duration), 0)
	figs := func(name string) int { return int(rec.Figures.Int(name)) }
	if figs("first_syncs") != 2 || figs("full_resyncs") != 1 || figs("partial_resyncs") != 1 {
		t.Fatalf("the scenario changed: first syncs %d, full %d, partial %d", figs("first_syncs"), figs("full_resyncs"), figs("partial_resyncs"))
	}
	if got, want := CountSyncs(rec.Timeline), (SyncCounts{First: 2, Full: 1, Partial: 1}); got != want {
		t.Errorf("timeline counts %+v, the record %+v", got, want)
	}
	plt, err := LagPlot(&sweep.Plan{Scenario: s.Name}, &rec, int64(s.Duration), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	svg, err := render(plt, "svg")
	if err != nil {
		t.Fatal(err)
	}
	texts := svgTexts(svg)
	for _, w := range []string{"first sync (not a resync): 2", "full resync: 1", "partial resync: 1", "repl-backlog-size 1mb", "heal phase"} {
		if !slices.Contains(texts, w) {
			t.Errorf("the lag timeline lacks %q: %q", w, texts)
		}
	}
}

// Full resyncs per day: the frequency times the reconnects per simulated
// day of fault phase.
func TestFullResyncsPerDay(t *testing.T) {
	// 10 reconnects in 2 runs of 2 minutes: 10 per 240 s, 3600 a day.
	if got := PerDay(10, 2, 2*time.Minute); math.Abs(got-3600) > 1e-9 {
		t.Errorf("PerDay(10, 2, 2m) = %v, want 3600", got)
	}
	if PerDay(10, 0, time.Minute) != 0 || PerDay(10, 1, 0) != 0 {
		t.Error("PerDay without runs or phase is not 0")
	}
	pt := Point{Freq: 0.01, High: 0.025, ReconnectsPerDay: 3600, Figures: figures(100, 1), Varies: true}
	if exp, high := pt.FullResyncsPerDay(); math.Abs(exp-36) > 1e-9 || math.Abs(high-90) > 1e-9 {
		t.Errorf("FullResyncsPerDay = %v, %v; want 36, 90", exp, high)
	}
	line := Recommendation{Found: true, Value: "8mb", Point: pt}.Lines(0.01)
	if !slices.ContainsFunc(line, func(s string) bool {
		return strings.Contains(s, "3600 reconnects per simulated day") && strings.Contains(s, "about 36 full resyncs per day, at most 90")
	}) {
		t.Errorf("no per-day line in %q", line)
	}
}

// fixedPoint is a point of a hand-made sweep whose every seed had the same
// reconnects and full resyncs.
func fixedPoint(p *sweep.Plan, index int, runs int, reconnects, full int64) Point {
	pt := Point{Index: index, Values: p.Values(index), Runs: runs, Figures: figures(reconnects, full), Freq: float64(full) / float64(reconnects)}
	pt.Low, pt.High = Wilson(full, reconnects)
	return pt
}

// figures are the figures of a hand-made point: its reconnects and full
// resyncs, every other figure 0.
func figures(reconnects, full int64) scenarios.Values {
	figs := make(scenarios.Values, len(scenarios.Figures))
	for i, f := range scenarios.Figures {
		switch f.Name {
		case "reconnects":
			figs[i] = scenarios.Value{Known: true, Int: reconnects}
		case "full_resyncs":
			figs[i] = scenarios.Value{Known: true, Int: full}
		default:
			figs[i] = scenarios.Value{Known: true}
		}
	}
	return figs
}

// With fixed faults (the same outcome under every seed) the report
// recommends the smallest size with no full resync, without a confidence
// bound, and does not ask for more seeds; with the same numbers but
// outcomes that vary, the Wilson bound decides and no size qualifies.
func TestFixedFaultRecommendation(t *testing.T) {
	src, err := os.ReadFile(tinyFile)
	if err != nil {
		t.Fatal(err)
	}
	v, err := sweep.ParseVary("config.repl-backlog-size=256kb,1mb,4mb")
	if err != nil {
		t.Fatal(err)
	}
	p, err := sweep.NewPlan("tiny.yaml", src, nil, []sweep.Vary{v}, 5)
	if err != nil {
		t.Fatal(err)
	}
	// 5 seeds, 2 reconnects each: 10 per point; full resyncs 10, 5, 0.
	points := []Point{fixedPoint(p, 0, 5, 10, 10), fixedPoint(p, 1, 5, 10, 5), fixedPoint(p, 2, 5, 10, 0)}
	recs := recommend(p, points, 0.01)
	if len(recs) != 1 || !recs[0].Fixed || !recs[0].Found || recs[0].Value != "4mb" {
		t.Fatalf("fixed faults: %+v", recs)
	}
	text := strings.Join(recs[0].Lines(0.01), "\n")
	for _, w := range []string{"recommended: repl-backlog-size 4mb, the smallest size tried with no full resync", "fixed faults", "no confidence bound"} {
		if !strings.Contains(text, w) {
			t.Errorf("lacks %q:\n%s", w, text)
		}
	}
	for _, not := range []string{"upper 95% bound", "--seeds"} {
		if strings.Contains(text, not) {
			t.Errorf("a fixed-fault recommendation mentions %q:\n%s", not, text)
		}
	}

	for i := range points {
		points[i].Varies = true
	}
	recs = recommend(p, points, 0.01)
	if recs[0].Fixed || recs[0].Found {
		t.Fatalf("varying outcomes: %+v", recs)
	}
	if text := strings.Join(recs[0].Lines(0.01), "\n"); !strings.Contains(text, "more seeds") {
		t.Errorf("no advice on seeds:\n%s", text)
	}
}

// Aggregate finds whether a point's outcome varies across its seeds.
func TestAggregateVaries(t *testing.T) {
	meta, recs := runTiny(t, t.TempDir(), 2, 3, "config.repl-backlog-size=16kb,4mb")
	for _, pt := range Aggregate(&meta.Plan, recs) {
		var got []string
		for _, r := range recs {
			if r.Point == pt.Index {
				got = append(got, fmt.Sprint(r.Figures.Int("reconnects"), r.Figures.Int("full_resyncs")))
			}
		}
		slices.Sort(got)
		if want := len(slices.Compact(got)) > 1; pt.Varies != want {
			t.Errorf("point %v: Varies %v, runs %v", pt.Values, pt.Varies, got)
		}
		if pt.ReconnectsPerDay <= 0 {
			t.Errorf("point %v: no reconnects per day", pt.Values)
		}
	}
}
