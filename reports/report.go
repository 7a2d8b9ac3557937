package reports

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/replsim/replsim/scenarios"
	"github.com/replsim/replsim/scenarios/outdir"
	"github.com/replsim/replsim/scenarios/sweep"
)

// The files Write produces, besides report.html.
const (
	ResultsCSV    = "results.csv"
	SummaryCSV    = "summary.csv"
	FreqPlotName  = "full-resync-frequency"
	BytesPlotName = "bytes-sent"
	LagPlotName   = "lag-timeline"
	HTMLFile      = "report.html"
)

// reportFiles are every file Write may produce.
var reportFiles = []string{ResultsCSV, SummaryCSV, HTMLFile,
	FreqPlotName + ".png", FreqPlotName + ".svg", BytesPlotName + ".png", BytesPlotName + ".svg", LagPlotName + ".png", LagPlotName + ".svg"}

// RemoveReport removes the report of a sweep's folder (tables, plots,
// report.html), so that a sweep started afresh there never sits beside
// the report of the runs it replaces, even if it is interrupted.
func RemoveReport(dir string) error { return removeFiles(dir, reportFiles...) }

func removeFiles(dir string, names ...string) error {
	var errs []error
	for _, name := range names {
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Options control a report.
type Options struct {
	// Target is the full-resync frequency a recommended backlog must stay
	// under, with 95% confidence (0: 1%).
	Target float64
	// TimelineRun is the run whose lag is drawn; -1 lets the report choose
	// one that shows both a full and a partial resync.
	TimelineRun int
}

// Report is what a report found, for the command line to print.
type Report struct {
	Points      []Point
	Recommended []Recommendation
	TimelineRun int // -1 when no run has a timeline
	Files       []string
	Missing     int // runs of the plan without a record
}

// Recommendation is the smallest backlog of one series whose upper 95%
// bound on the full-resync frequency is under the target; or, when the
// outcome is the same under every seed (Fixed), the smallest with no full
// resync at all, since a confidence bound means nothing there.
type Recommendation struct {
	Series string // the other knobs' values, or ""
	// Fixed: every point of the series had the same reconnects and full
	// resyncs under every seed (at least two): the faults do not vary.
	Fixed        bool
	Found        bool
	Value        string // the knob's value, as given
	Bytes        int64
	Point        Point
	Largest      Point // when none is found: the largest backlog tried
	LargestValue string
	Rule         RuleOfThumb
	// RuleValue and RulePoint are the swept size that Redis's rule of
	// thumb gives, on the longest outage seen, if it was swept.
	RuleValue string
	RulePoint *Point
}

// RuleOfThumb is Redis's sizing rule, backlog = write rate x longest
// outage, from the scenario and the runs.
type RuleOfThumb struct {
	StreamBytesPerSec float64 // master_repl_offset growth in the fault phase, mean over runs
	Outage            time.Duration
	OutageHow         string // where Outage comes from
	ObservedOutage    time.Duration
	Bytes             int64 // rate x Outage
	ObservedBytes     int64 // rate x ObservedOutage
}

// blockBytes is the size of a block of Redis's replication buffer
// (PROTO_REPLY_CHUNK_BYTES): Redis trims the backlog a whole block at a
// time and only while what stays holds more than repl-backlog-size, so a
// backlog holds at least repl-backlog-size and at most one block more.
const blockBytes = 16 << 10

// RuleSize is the size the rule of thumb gives on the longest outage seen:
// the next power of two from 16kb, as a repl-backlog-size is written.
func (rt RuleOfThumb) RuleSize() int64 {
	p := int64(blockBytes)
	for p < rt.ObservedBytes {
		p *= 2
	}
	return p
}

// ParseTarget parses a target frequency: "1%", "0.5%" or "0.01".
func ParseTarget(s string) (float64, error) {
	t := strings.TrimSpace(s)
	div := 1.0
	if strings.HasSuffix(t, "%") {
		t, div = strings.TrimSuffix(t, "%"), 100
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || !(f/div > 0) || f/div >= 1 {
		return 0, fmt.Errorf("--target %q: want a frequency between 0 and 100%% (1%%, 0.5%%, 0.01)", s)
	}
	return f / div, nil
}

// Write writes results.csv, summary.csv, the plots (PNG and SVG) and
// report.html into dir from a sweep's meta and records.
func Write(dir string, meta *sweep.Meta, recs []sweep.Record, opts Options) (*Report, error) {
	if opts.Target <= 0 {
		opts.Target = 0.01
	}
	p := &meta.Plan
	base, err := scenarios.Load(p.File, []byte(p.Source), scenarios.Overrides{Sets: p.Sets})
	if err != nil {
		return nil, err
	}
	rep := &Report{Points: Aggregate(p, recs), TimelineRun: -1, Missing: missing(meta, len(recs))}
	write := func(name string, f func(*bytes.Buffer) error) error {
		var b bytes.Buffer
		if err := f(&b); err != nil {
			return err
		}
		rep.Files = append(rep.Files, name)
		return outdir.WriteFile(filepath.Join(dir, name), b.Bytes())
	}
	if err := write(ResultsCSV, func(b *bytes.Buffer) error { return WriteResultsCSV(b, p, recs) }); err != nil {
		return nil, err
	}
	if err := write(SummaryCSV, func(b *bytes.Buffer) error { return WriteSummaryCSV(b, p, rep.Points) }); err != nil {
		return nil, err
	}
	rep.Recommended = recommend(p, rep.Points, opts.Target)

	page := &page{Plan: p, Meta: meta, Dir: dir, Report: rep, Target: opts.Target, Base: base}
	if err := drawPlots(dir, page, recs, opts); err != nil {
		return nil, err
	}
	var html bytes.Buffer
	if err := page.render(&html); err != nil {
		return nil, err
	}
	if err := outdir.WriteFile(filepath.Join(dir, HTMLFile), html.Bytes()); err != nil {
		return nil, err
	}
	rep.Files = append(rep.Files, HTMLFile)
	return rep, nil
}

// NoTimelineError is a --timeline run that the sweep has no timeline of.
type NoTimelineError struct {
	Run int
	Dir string
}

func (e *NoTimelineError) Error() string {
	return fmt.Sprintf("run %d has no record with a timeline in %s", e.Run, e.Dir)
}

// missing counts the runs of the plan (or of the directory's shard)
// without a record.
func missing(meta *sweep.Meta, recorded int) int {
	p := &meta.Plan
	if meta.Shard == "" {
		return p.Runs() - recorded
	}
	sh, err := sweep.ParseShard(meta.Shard)
	if err != nil {
		return 0
	}
	n := 0
	for r := range p.Runs() {
		if p.InShard(sh, r) {
			n++
		}
	}
	return n - recorded
}

// drawPlots draws the frequency, bytes and lag plots into dir and the
// page.
func drawPlots(dir string, page *page, recs []sweep.Record, opts Options) error {
	p, rep := page.Plan, page.Report
	freq, err := FreqPlot(p, rep.Points, opts.Target, rep.Recommended)
	if err != nil {
		return err
	}
	if page.FreqSVG, err = savePlot(dir, FreqPlotName, freq); err != nil {
		return err
	}
	byts, err := BytesPlot(p, rep.Points)
	if err != nil {
		return err
	}
	if page.BytesSVG, err = savePlot(dir, BytesPlotName, byts); err != nil {
		return err
	}
	rep.Files = append(rep.Files, FreqPlotName+".png", FreqPlotName+".svg", BytesPlotName+".png", BytesPlotName+".svg")
	rec := chooseTimeline(recs, opts.TimelineRun)
	if rec == nil && opts.TimelineRun >= 0 {
		return &NoTimelineError{Run: opts.TimelineRun, Dir: dir}
	}
	if rec == nil {
		// An earlier report's timeline is of another run.
		return removeFiles(dir, LagPlotName+".png", LagPlotName+".svg")
	}
	rep.TimelineRun = rec.Run
	lag, err := LagPlot(p, rec, int64(page.Base.Duration), masterBacklog(p, rec.Point))
	if err != nil {
		return err
	}
	if page.LagSVG, err = savePlot(dir, LagPlotName, lag); err != nil {
		return err
	}
	page.Timeline = rec
	rep.Files = append(rep.Files, LagPlotName+".png", LagPlotName+".svg")
	return nil
}

// recommend finds, per series, the smallest backlog whose upper bound is
// under the target, or with fixed faults the smallest without a full
// resync. Only a sweep over the backlog size recommends one.
func recommend(p *sweep.Plan, points []Point, target float64) []Recommendation {
	ax := newXAxis(p)
	if ax.knob < 0 || !isBacklogKey(p.Vary[ax.knob].Key) {
		return nil
	}
	var out []Recommendation
	for _, s := range ax.series(p, points) {
		pts := slices.Clone(s.points)
		slices.SortStableFunc(pts, func(a, b Point) int { return cmpFloat(ax.x(a), ax.x(b)) })
		rec := Recommendation{Series: s.name, Rule: ruleOfThumb(p, s.points), Fixed: fixedOutcome(pts)}
		if len(pts) > 0 {
			rec.Largest = pts[len(pts)-1]
			rec.LargestValue = rec.Largest.Values[ax.knob]
		}
		for _, pt := range pts {
			ok := pt.High < target
			if rec.Fixed {
				ok = pt.Fig("full_resyncs") == 0
			}
			if pt.Fig("reconnects") > 0 && ok && !rec.Found {
				rec.Found, rec.Point = true, pt
				rec.Value = pt.Values[ax.knob]
				rec.Bytes = int64(ax.x(pt))
			}
			if int64(ax.x(pt)) == rec.Rule.RuleSize() && rec.Rule.ObservedBytes > 0 {
				rec.RuleValue, rec.RulePoint = pt.Values[ax.knob], &pt
			}
		}
		out = append(out, rec)
	}
	return out
}

// fixedOutcome reports whether no point's outcome varies across its seeds,
// at least one point having two runs or more.
func fixedOutcome(points []Point) bool {
	several := false
	for _, pt := range points {
		if pt.Varies {
			return false
		}
		several = several || pt.Runs > 1
	}
	return several
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// ruleOfThumb applies Redis's rule to the points of one series: the
// stream the writes made per second of the fault phase (mean over runs),
// times the longest outage the scenario's faults are meant to cause, and
// times the longest outage seen.
func ruleOfThumb(p *sweep.Plan, points []Point) RuleOfThumb {
	var rt RuleOfThumb
	var offset, runs int64
	var phase time.Duration
	for _, pt := range points {
		s, err := p.Spec(pt.Index)
		if err != nil {
			continue
		}
		if d, how := sweep.LongestOutage(s); d > rt.Outage {
			rt.Outage, rt.OutageHow = d, how
		}
		offset += pt.Fig("master_repl_offset")
		runs += int64(pt.Runs)
		phase += time.Duration(pt.Runs) * s.Duration
		rt.ObservedOutage = max(rt.ObservedOutage, time.Duration(pt.Fig("outage_max")))
	}
	if phase > 0 {
		rt.StreamBytesPerSec = float64(offset) / phase.Seconds()
	}
	rt.Bytes = int64(rt.StreamBytesPerSec * rt.Outage.Seconds())
	rt.ObservedBytes = int64(rt.StreamBytesPerSec * rt.ObservedOutage.Seconds())
	return rt
}

// masterBacklog is the repl-backlog-size of the first master of a point,
// or 0.
func masterBacklog(p *sweep.Plan, point int) int64 {
	s, err := p.Spec(point)
	if err != nil {
		return 0
	}
	for _, n := range s.Nodes {
		if n.ReplicaOf == "" {
			return n.Config.ReplBacklogSizeBytes
		}
	}
	return 0
}

// hasBothResyncs reports whether a run had a full and a partial resync.
func hasBothResyncs(r *sweep.Record) bool {
	return r.Figures.Int("full_resyncs") > 0 && r.Figures.Int("partial_resyncs") > 0
}

// chooseTimeline returns the run to draw: the one asked for, or else the
// run with the most reconnects among those that had both a full and a
// partial resync (the lowest index among equals), or else the first run.
func chooseTimeline(recs []sweep.Record, want int) *sweep.Record {
	var best *sweep.Record
	for i := range recs {
		r := &recs[i]
		if r.Timeline == nil {
			continue
		}
		if want >= 0 {
			if r.Run == want {
				return r
			}
			continue
		}
		both, bestBoth := hasBothResyncs(r), best != nil && hasBothResyncs(best)
		switch {
		case best == nil:
			best = r
		case both && !bestBoth:
			best = r
		case both == bestBoth && r.Figures.Int("reconnects") > best.Figures.Int("reconnects"):
			best = r
		}
	}
	if want >= 0 {
		return nil
	}
	return best
}
