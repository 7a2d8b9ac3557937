package reports

import (
	"cmp"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/replsim/replsim/checker"
	"github.com/replsim/replsim/scenarios"
)

// The plots of run.html: one run's timeline of events, its clients'
// latency, throughput and errors, all on the same simulated-time axis
// with the fault periods shaded.

var (
	colorFault    = color.NRGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}
	colorLinkDown = color.NRGBA{R: 0xe8, G: 0x8a, B: 0x00, A: 0xff}
	colorPromoted = color.NRGBA{R: 0x8e, G: 0x24, B: 0xaa, A: 0xff}
	colorUnknown  = color.NRGBA{R: 0x99, G: 0x1b, B: 0x1b, A: 0xff}
)

// faultLabelsMax is the most faults the timeline labels one by one.
const faultLabelsMax = 8

// latencyPointsMax bounds the operations drawn one by one on the latency
// plot; past it every k-th is drawn (the percentile lines use them all).
const latencyPointsMax = 4000

// clientOps are the clients' operations of a history, without the final
// reads the checker adds after the heal phase.
func clientOps(h []checker.Op) []checker.Op {
	var out []checker.Op
	for _, op := range h {
		if op.Client != checker.FinalClient {
			out = append(out, op)
		}
	}
	return out
}

// ErrorClass names what went wrong with an operation, "" when its reply
// came and was not an error: NOREPLICAS, READONLY, another error's first
// word, or "timeout" for an operation whose reply never came.
func ErrorClass(op *checker.Op) string {
	switch op.Outcome {
	case checker.Unknown:
		return "timeout"
	case checker.Fail:
		word, _, _ := strings.Cut(strings.TrimPrefix(op.Reply, "-"), " ")
		if word == "" {
			return "ERR"
		}
		return word
	}
	return ""
}

// faultBands shades the periods of the lasting faults over the height of
// a plot, from y0 to y1; a fault that is a moment is a thin band.
func faultBands(plt *plot.Plot, timeline []checker.Event, heal time.Duration, end, y0, y1 float64, legend bool) error {
	var first *plotter.Polygon
	for _, e := range timeline {
		if !e.IsFault() || e.Kind == "heal" {
			continue
		}
		from := float64(e.At) / 1e9
		to := math.Max(faultEnd(e, heal), from+end/500)
		pg, err := band(from, to, y0, y1, translucent(colorFault, 40))
		if err != nil {
			return err
		}
		plt.Add(pg)
		if first == nil {
			first = pg
		}
	}
	if first != nil && legend {
		plt.Legend.Add("faults", first)
	}
	return nil
}

// faultEnd is when a fault ended, in seconds: its scheduled end, or the
// start of the heal phase, which lifts every fault, if that came first.
func faultEnd(e checker.Event, heal time.Duration) float64 {
	if e.End > int64(heal) {
		return heal.Seconds()
	}
	return float64(e.End) / 1e9
}

// timeAxis sets the x axis of a run's plot: simulated seconds from 0 to end.
func timeAxis(plt *plot.Plot, end float64) {
	plt.X.Label.Text = "simulated time"
	plt.X.Tick.Marker = UnitSeconds
	plt.X.Min, plt.X.Max = 0, end
}

// healLine marks where the heal phase starts.
func healLine(plt *plot.Plot, heal, y0, y1 float64) error {
	grey := color.NRGBA{R: 0x40, G: 0x40, B: 0x40, A: 0xff}
	_, err := addLine(plt, plotter.XY{X: heal, Y: y0}, plotter.XY{X: heal, Y: y1}, grey, vg.Points(1.2), vg.Points(4), vg.Points(2))
	return err
}

// TimelinePlot draws a run's events on one row per node, under a row of
// faults: each fault's period (red), each replica's link down (orange),
// its link-ups as first syncs, partial and full resyncs (the marks of the
// lag plot), and promotions (purple crosses); with sentinels, one row per
// sentinel below, with its failure detection and failover steps.
func TimelinePlot(rec *scenarios.Record) (*plot.Plot, error) {
	plt := newPlot("Timeline: faults, links, syncs and promotions")
	end := float64(rec.Facts.SimTime) / 1e9
	timeAxis(plt, end)
	rows := []string{"faults"}
	for _, n := range rec.Spec.Nodes {
		rows = append(rows, n.Name)
	}
	if ss := rec.Spec.Sentinels; ss != nil {
		rows = append(rows, ss.Names...)
	}
	y := func(row string) float64 {
		i := slices.Index(rows, row)
		if i < 0 {
			return -10
		}
		return float64(len(rows) - 1 - i)
	}
	var ticks plot.ConstantTicks
	for _, r := range rows {
		ticks = append(ticks, plot.Tick{Value: y(r), Label: r})
	}
	plt.Y.Tick.Marker = ticks
	plt.Y.Min, plt.Y.Max = -0.6, float64(len(rows))-0.4+0.6
	// The legend goes in room of its own right of the run's end, where it
	// covers no event.
	plt.X.Max = end * 1.45
	plt.Legend.Top = true

	faults := 0
	var faultPG *plotter.Polygon
	for _, e := range rec.Timeline {
		if !e.IsFault() || e.Kind == "heal" {
			continue
		}
		from := float64(e.At) / 1e9
		to := math.Max(faultEnd(e, rec.Spec.Duration), from+end/400)
		pg, err := band(from, to, y("faults")-0.3, y("faults")+0.3, translucent(colorFault, 150))
		if err != nil {
			return nil, err
		}
		plt.Add(pg)
		faultPG = cmp.Or(faultPG, pg)
		faults++
	}
	if faultPG != nil {
		plt.Legend.Add(fmt.Sprintf("fault: %d", faults), faultPG)
	}
	if faults <= faultLabelsMax {
		// Each fault's verb above its bar, at its start.
		for _, e := range rec.Timeline {
			if e.IsFault() && e.Kind != "heal" {
				if err := addLabel(plt, float64(e.At)/1e9, y("faults")+0.3, e.Kind, colorFault); err != nil {
					return nil, err
				}
			}
		}
	}
	if err := linkDownBands(plt, rec.SyncEvents, promotions(rec), end, y); err != nil {
		return nil, err
	}
	if err := timelineMarks(plt, rec, y); err != nil {
		return nil, err
	}
	if heal := rec.Spec.Duration.Seconds(); heal < end {
		if err := healLine(plt, heal, plt.Y.Min, plt.Y.Max); err != nil {
			return nil, err
		}
		if err := addLabelAligned(plt, heal, plt.Y.Max-0.45, "heal phase", colorBacklog, draw.XRight); err != nil {
			return nil, err
		}
	}
	return plt, nil
}

// promotions are the times (s) each node was promoted to master.
func promotions(rec *scenarios.Record) map[string][]float64 {
	out := map[string][]float64{}
	for _, e := range rec.Timeline {
		if e.Kind == "promoted" {
			out[e.Node] = append(out[e.Node], float64(e.At)/1e9)
		}
	}
	return out
}

// linkDownBands shades each replica's link-down periods on its row; a
// period ends when the link comes up again, or when the node is promoted
// (a master has no link to a master).
func linkDownBands(plt *plot.Plot, events []scenarios.SyncEvent, promoted map[string][]float64, end float64, y func(string) float64) error {
	open := map[string]float64{}
	var first *plotter.Polygon
	add := func(node string, from, to float64) error {
		for _, p := range promoted[node] {
			if p >= from && p < to {
				to = p
				break
			}
		}
		pg, err := band(from, math.Max(to, from+end/400), y(node)-0.25, y(node)+0.25, translucent(colorLinkDown, 140))
		if err != nil {
			return err
		}
		plt.Add(pg)
		first = cmp.Or(first, pg)
		return nil
	}
	for _, ev := range events {
		at := float64(ev.AtNs) / 1e9
		if ev.Kind == scenarios.SyncLinkDown {
			if _, down := open[ev.Replica]; !down {
				open[ev.Replica] = at
			}
			continue
		}
		if from, down := open[ev.Replica]; down {
			if err := add(ev.Replica, from, at); err != nil {
				return err
			}
			delete(open, ev.Replica)
		}
	}
	for _, node := range slices.Sorted(mapsKeys(open)) {
		if err := add(node, open[node], end); err != nil {
			return err
		}
	}
	if first != nil {
		plt.Legend.Add("link down", first)
	}
	return nil
}

func mapsKeys(m map[string]float64) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// timelineMarks marks the link-ups by kind and the promotions.
func timelineMarks(plt *plot.Plot, rec *scenarios.Record, y func(string) float64) error {
	xys := map[string]plotter.XYs{}
	for _, ev := range rec.SyncEvents {
		if ev.Kind != scenarios.SyncLinkDown {
			xys[ev.Kind] = append(xys[ev.Kind], plotter.XY{X: float64(ev.AtNs) / 1e9, Y: y(ev.Replica)})
		}
	}
	for _, e := range rec.Timeline {
		switch {
		case e.Kind == "promoted":
			xys["promoted"] = append(xys["promoted"], plotter.XY{X: float64(e.At) / 1e9, Y: y(e.Node)})
		case e.Kind == "sentinel":
			if k := sentinelMark(e.Text); k != "" {
				xys[k] = append(xys[k], plotter.XY{X: float64(e.At) / 1e9, Y: y(e.Node)})
			}
		}
	}
	for _, m := range []struct {
		kind, name string
		c          color.Color
		shape      draw.GlyphDrawer
	}{
		{scenarios.SyncFirst, "first sync", colorFirst, draw.BoxGlyph{}},
		{scenarios.SyncPartialResync, "partial resync", colorPartial, draw.RingGlyph{}},
		{scenarios.SyncFullResync, "full resync", colorFull, draw.PyramidGlyph{}},
		{"promoted", "promoted to master", colorPromoted, draw.CrossGlyph{}},
		{"+sdown", "sentinel: master sdown", colorLinkDown, draw.RingGlyph{}},
		{"+odown", "sentinel: master odown", colorFault, draw.RingGlyph{}},
		{"+elected-leader", "sentinel: elected leader", colorPromoted, draw.BoxGlyph{}},
		{"+switch-master", "sentinel: switch-master", colorPromoted, draw.CrossGlyph{}},
		{"-failover-abort", "sentinel: failover aborted", colorFault, draw.CrossGlyph{}},
	} {
		if len(xys[m.kind]) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(xys[m.kind])
		if err != nil {
			return err
		}
		sc.Color, sc.Shape, sc.Radius = m.c, m.shape, vg.Points(6)
		plt.Add(sc)
		plt.Legend.Add(fmt.Sprintf("%s: %d", m.name, len(xys[m.kind])), sc)
	}
	return nil
}

// sentinelMark is the kind of mark of a sentinel event on the timeline
// (its text as the timeline keeps it), or "" for one left off: the
// monitored master going subjectively and objectively down, a leader
// elected, the switch to the new master, an aborted failover.
func sentinelMark(text string) string {
	kind, rest, _ := strings.Cut(text, " ")
	switch {
	case (kind == "+sdown" || kind == "+odown") && strings.HasPrefix(rest, "master "):
		return kind
	case kind == "+elected-leader" || kind == "+switch-master":
		return kind
	case strings.HasPrefix(kind, "-failover-abort-"):
		return "-failover-abort"
	}
	return ""
}

// bucketFor is the width of the buckets of the per-interval plots: one
// second, or more so that a long run has at most about 400 of them.
func bucketFor(simTime time.Duration) time.Duration {
	b := time.Second
	if n := simTime / 400; n > b {
		b = n.Round(time.Second)
	}
	return b
}

// opsPerBucket counts operations by the bucket of their return (their
// call for those that never returned), one count per class.
func opsPerBucket(ops []checker.Op, bucket time.Duration, buckets int, class func(*checker.Op) string) map[string][]float64 {
	out := map[string][]float64{}
	for i := range ops {
		op := &ops[i]
		c := class(op)
		if c == "" {
			continue
		}
		at := op.Return
		if op.Outcome == checker.Unknown {
			at = op.Call
		}
		k := min(int(at/int64(bucket)), buckets-1)
		if out[c] == nil {
			out[c] = make([]float64, buckets)
		}
		out[c][max(k, 0)]++
	}
	return out
}

// ThroughputPlot draws the operations that succeeded per second, reads and
// writes apart, with the faults shaded.
func ThroughputPlot(rec *scenarios.Record, ops []checker.Op) (*plot.Plot, error) {
	bucket := bucketFor(rec.Facts.SimTime)
	plt := newPlot("Throughput: operations that succeeded, per second")
	counts := opsPerBucket(ops, bucket, buckets(rec, bucket), func(op *checker.Op) string {
		if op.Outcome != checker.OK {
			return ""
		}
		if op.Op == "get" {
			return "reads"
		}
		return "writes"
	})
	return rateLines(plt, rec, bucket, counts, []string{"writes", "reads"}, "operations per second")
}

// ErrorsPlot draws the operations that failed or timed out per second, by
// class (ErrorClass), with the faults shaded; nil when none did.
func ErrorsPlot(rec *scenarios.Record, ops []checker.Op) (*plot.Plot, error) {
	bucket := bucketFor(rec.Facts.SimTime)
	counts := opsPerBucket(ops, bucket, buckets(rec, bucket), ErrorClass)
	if len(counts) == 0 {
		return nil, nil
	}
	plt := newPlot("Errors: operations that failed or timed out, per second")
	return rateLines(plt, rec, bucket, counts, slices.Sorted(func(yield func(string) bool) {
		for k := range counts {
			if !yield(k) {
				return
			}
		}
	}), "operations per second")
}

func buckets(rec *scenarios.Record, bucket time.Duration) int {
	return max(1, int((rec.Facts.SimTime+bucket-1)/bucket))
}

// rateLines draws per-bucket counts as rates, one line per class.
func rateLines(plt *plot.Plot, rec *scenarios.Record, bucket time.Duration, counts map[string][]float64, classes []string, ylabel string) (*plot.Plot, error) {
	end := rec.Facts.SimTime.Seconds()
	timeAxis(plt, end)
	plt.Y.Label.Text = ylabel
	plt.Y.Min = 0
	top := 1.0
	for _, c := range counts {
		for _, n := range c {
			top = math.Max(top, n/bucket.Seconds())
		}
	}
	top *= 1.35
	plt.Y.Max = top
	if err := faultBands(plt, rec.Timeline, rec.Spec.Duration, end, 0, top, true); err != nil {
		return nil, err
	}
	for i, class := range classes {
		c := counts[class]
		if c == nil {
			continue
		}
		xys := make(plotter.XYs, len(c))
		for k, n := range c {
			xys[k] = plotter.XY{X: (float64(k) + 0.5) * bucket.Seconds(), Y: n / bucket.Seconds()}
		}
		l, err := plotter.NewLine(xys)
		if err != nil {
			return nil, err
		}
		l.Color, l.Width = seriesColor(i), vg.Points(1.3)
		plt.Add(l)
		var total float64
		for _, n := range c {
			total += n
		}
		plt.Legend.Add(fmt.Sprintf("%s: %s", class, formatCount(total)), l)
	}
	return plt, nil
}

// LatencyPlot draws each operation's latency (every k-th past
// latencyPointsMax) against its call, on a log axis, with the p50 and p99
// of the operations that succeeded in each second and the faults shaded.
// Operations whose reply never came are drawn at the time their client
// gave up.
func LatencyPlot(rec *scenarios.Record, ops []checker.Op) (*plot.Plot, error) {
	plt := newPlot("Client latency: each operation, and p50 / p99 per second")
	end := rec.Facts.SimTime.Seconds()
	timeAxis(plt, end)
	lo, hi := math.Inf(1), 0.0
	lat := func(op *checker.Op) float64 { return math.Max(1e-6, float64(op.Return-op.Call)/1e9) }
	for i := range ops {
		l := lat(&ops[i])
		lo, hi = math.Min(lo, l), math.Max(hi, l)
	}
	if hi == 0 {
		lo, hi = 1e-3, 1
	}
	// A log axis when the latencies span more than a decade (timeouts
	// beside sub-millisecond replies), a linear one from 0 otherwise.
	if hi/lo > 10 {
		plt.Y.Label.Text = "latency (log scale)"
		plt.Y.Scale = plot.LogScale{}
		plt.Y.Tick.Marker = logSecondsTicks{}
		plt.Y.Min, plt.Y.Max = lo/1.5, hi*6
	} else {
		plt.Y.Label.Text = "latency"
		plt.Y.Tick.Marker = UnitSeconds
		plt.Y.Min, plt.Y.Max = 0, hi*1.5
	}
	if err := faultBands(plt, rec.Timeline, rec.Spec.Duration, end, plt.Y.Min, plt.Y.Max, true); err != nil {
		return nil, err
	}
	// Each group (ok, error, timeout) is drawn whole up to the bound, and
	// past it every stride-th of its operations, so that the points keep
	// the group's spread over time.
	group := func(op *checker.Op) string {
		switch c := ErrorClass(op); c {
		case "", "timeout":
			return cmp.Or(c, "ok")
		}
		return "error"
	}
	sizes := map[string]int{}
	for i := range ops {
		sizes[group(&ops[i])]++
	}
	seen := map[string]int{}
	groups := map[string]plotter.XYs{}
	for i := range ops {
		op := &ops[i]
		g := group(op)
		k := seen[g]
		seen[g]++
		if k%strideFor(sizes[g]) == 0 {
			groups[g] = append(groups[g], plotter.XY{X: float64(op.Call) / 1e9, Y: lat(op)})
		}
	}
	stride := strideFor(sizes["ok"])
	what := "each operation"
	if stride > 1 {
		what = fmt.Sprintf("every %d%s operation", stride, ordinal(stride))
	}
	for _, g := range []struct {
		name, label string
		c           color.Color
	}{
		{"ok", what + " (ok)", translucent(seriesColor(0), 90)},
		{"error", "failed (error reply)", colorLinkDown},
		{"timeout", "timed out (unknown)", colorUnknown},
	} {
		if len(groups[g.name]) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(groups[g.name])
		if err != nil {
			return nil, err
		}
		sc.Color, sc.Shape, sc.Radius = g.c, draw.CircleGlyph{}, vg.Points(1.3)
		plt.Add(sc)
		plt.Legend.Add(g.label, sc)
	}
	return plt, percentileLines(plt, rec, ops, lat)
}

// percentileLines draws the p50 and p99 latency of the successful
// operations per second of their call.
func percentileLines(plt *plot.Plot, rec *scenarios.Record, ops []checker.Op, lat func(*checker.Op) float64) error {
	bucket := bucketFor(rec.Facts.SimTime)
	per := make([][]float64, buckets(rec, bucket))
	for i := range ops {
		if op := &ops[i]; op.Outcome == checker.OK {
			k := min(int(op.Call/int64(bucket)), len(per)-1)
			per[k] = append(per[k], lat(op))
		}
	}
	for _, q := range []struct {
		q     float64
		label string
		c     color.Color
	}{{0.5, "p50", color.NRGBA{R: 0x10, G: 0x10, B: 0x10, A: 0xff}}, {0.99, "p99", colorFault}} {
		var xys plotter.XYs
		for k, ls := range per {
			if len(ls) == 0 {
				continue
			}
			slices.Sort(ls)
			xys = append(xys, plotter.XY{X: (float64(k) + 0.5) * bucket.Seconds(), Y: ls[min(len(ls)-1, int(q.q*float64(len(ls))))]})
		}
		if len(xys) == 0 {
			continue
		}
		l, err := plotter.NewLine(xys)
		if err != nil {
			return err
		}
		l.Color, l.Width = q.c, vg.Points(1.5)
		plt.Add(l)
		plt.Legend.Add(q.label+" per "+formatDuration(bucket), l)
	}
	return nil
}

// strideFor is the k such that every k-th of n points keeps at most
// latencyPointsMax of them.
func strideFor(n int) int { return max(1, (n+latencyPointsMax-1)/latencyPointsMax) }

func ordinal(n int) string {
	switch {
	case n%100 >= 11 && n%100 <= 13:
		return "th"
	case n%10 == 1:
		return "st"
	case n%10 == 2:
		return "nd"
	case n%10 == 3:
		return "rd"
	}
	return "th"
}

// logSecondsTicks labels a log axis of seconds at 1, 2 and 5 times the
// powers of ten, in UnitSeconds: 1ms, 2ms, 5ms, 10ms ...
type logSecondsTicks struct{}

func (logSecondsTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for e := int(math.Floor(math.Log10(lo))); e <= int(math.Ceil(math.Log10(hi))); e++ {
		for _, m := range []float64{1, 2, 5} {
			v := m * math.Pow10(e)
			if v < lo || v > hi {
				continue
			}
			t := plot.Tick{Value: v}
			if m != 2 {
				t.Label = UnitSeconds.Format(v)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}
