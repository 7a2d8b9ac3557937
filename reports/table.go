package reports

import (
	"encoding/csv"
	"io"
	"strconv"
	"time"

	"github.com/replsim/replsim/scenarios"
	"github.com/replsim/replsim/scenarios/sweep"
)

// Point is the runs of one point of a sweep summed up: every figure of the
// table aggregated by its own rule (scenarios.Figure.Agg), and the
// full-resync frequency with its 95% Wilson interval.
type Point struct {
	Index  int
	Values []string // the knobs' values, in the order of the plan's Vary
	Runs   int
	// Figures are the table's figures over the point's runs.
	Figures scenarios.Values
	// Freq is full_resyncs / reconnects, and [Low, High] its 95% Wilson
	// interval; Freq is NaN without reconnects.
	Freq, Low, High float64
	// Varies reports whether the runs of the point differ in their
	// reconnects or full resyncs: false when every seed gave the same
	// outcome (fixed faults), or with one run.
	Varies bool
	// ReconnectsPerDay is the rate of reconnects per simulated day of the
	// fault phase: the modelled outage rate. 0 when unknown.
	ReconnectsPerDay float64
	WallNs           int64
}

// day is a simulated day.
const day = 24 * time.Hour

// PerDay scales a count over runs of a fault phase each to a rate per
// simulated day: count / (runs x phase) x 24h. 0 without runs or phase.
func PerDay(count int64, runs int, phase time.Duration) float64 {
	if runs <= 0 || phase <= 0 {
		return 0
	}
	return float64(count) / (float64(runs) * phase.Seconds()) * day.Seconds()
}

// FullResyncsPerDay is the expected number of full resyncs per simulated
// day at the modelled outage rate, frequency x reconnects per day, and
// the same at the upper 95% bound of the frequency.
func (p Point) FullResyncsPerDay() (expected, high float64) {
	if p.ReconnectsPerDay == 0 {
		return 0, 0
	}
	return p.Freq * p.ReconnectsPerDay, p.High * p.ReconnectsPerDay
}

// Fig returns an aggregated figure's number, by name.
func (p Point) Fig(name string) int64 { return p.Figures.Int(name) }

// Aggregate groups records by point, in the plan's order of points; points
// without records are left out.
func Aggregate(p *sweep.Plan, recs []sweep.Record) []Point {
	byPoint := make([][]scenarios.Values, p.Points())
	wall := make([]int64, p.Points())
	for _, r := range recs {
		byPoint[r.Point] = append(byPoint[r.Point], r.Figures)
		wall[r.Point] += r.WallNs
	}
	var out []Point
	for i, runs := range byPoint {
		if len(runs) == 0 {
			continue
		}
		pt := Point{Index: i, Values: p.Values(i), Runs: len(runs), Figures: scenarios.Aggregate(runs), WallNs: wall[i]}
		full, reconnects := pt.Fig("full_resyncs"), pt.Fig("reconnects")
		pt.Freq = nan
		if reconnects > 0 {
			pt.Freq = float64(full) / float64(reconnects)
		}
		pt.Low, pt.High = Wilson(full, reconnects)
		pt.Varies = varies(runs, "reconnects", "full_resyncs")
		if s, err := p.Spec(i); err == nil {
			pt.ReconnectsPerDay = PerDay(reconnects, pt.Runs, s.Duration)
		}
		out = append(out, pt)
	}
	return out
}

// varies reports whether any of the named figures differs between runs.
func varies(runs []scenarios.Values, names ...string) bool {
	for _, name := range names {
		for _, r := range runs[1:] {
			if r.Int(name) != runs[0].Int(name) {
				return true
			}
		}
	}
	return false
}

// WriteResultsCSV writes results.csv: one row per run, sorted by run index,
// with every figure of the table (in its unit: seconds for durations), and
// without the wall-clock time.
func WriteResultsCSV(w io.Writer, p *sweep.Plan, recs []sweep.Record) error {
	cw := csv.NewWriter(w)
	head := append([]string{"run"}, p.Keys()...)
	head = append(head, "seed")
	for _, f := range scenarios.Figures {
		head = append(head, f.Name)
	}
	cw.Write(append(head, "limit", "ok", "trace_sha256"))
	for _, r := range recs {
		row := append([]string{strconv.Itoa(r.Run)}, r.Values...)
		row = append(row, strconv.FormatUint(r.Seed, 10))
		for i := range scenarios.Figures {
			row = append(row, scenarios.Figures[i].Cell(r.Figures[i]))
		}
		cw.Write(append(row, r.Limit, strconv.FormatBool(r.OK), r.TraceSHA256))
	}
	cw.Flush()
	return cw.Error()
}

// WriteSummaryCSV writes summary.csv: one row per point, with the
// full-resync frequency and its interval, then every figure of the table
// aggregated over the point's runs (summed, the largest, or the number of
// runs where true: see docs/figures.md).
func WriteSummaryCSV(w io.Writer, p *sweep.Plan, points []Point) error {
	cw := csv.NewWriter(w)
	head := append(p.Keys(), "runs", "full_resync_freq", "ci95_low", "ci95_high")
	for _, f := range scenarios.Figures {
		head = append(head, f.Name)
	}
	cw.Write(head)
	for _, pt := range points {
		row := append([]string(nil), pt.Values...)
		row = append(row, strconv.Itoa(pt.Runs), ratio(pt.Freq), ratio(pt.Low), ratio(pt.High))
		for i, f := range scenarios.Figures {
			agg := f.Aggregated()
			row = append(row, agg.Cell(pt.Figures[i]))
		}
		cw.Write(row)
	}
	cw.Flush()
	return cw.Error()
}

// ratio renders a proportion with four decimals; NaN is empty.
func ratio(f float64) string {
	if f != f {
		return ""
	}
	return strconv.FormatFloat(f, 'f', 4, 64)
}
