package reports

import (
	"image/color"
	"math"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/plot"

	"github.com/replsim/replsim/scenarios"
	"github.com/replsim/replsim/scenarios/sweep"
)

// xAxis is how the knob on the x axis of a sweep's plots maps to numbers:
// the backlog size when it is varied, else the first knob. Sizes are drawn
// on a log axis, as are ranges given as LO..HI*FACTOR; values that are not
// numbers are drawn in order, evenly spaced.
type xAxis struct {
	knob   int // index in the plan's Vary; -1 when nothing varies
	label  string
	log    bool
	size   bool
	xs     map[string]float64
	ticks  []plot.Tick
	others []int // the other knobs, which make the series
}

func isBacklogKey(k string) bool { return strings.HasSuffix(k, "repl-backlog-size") }

func newXAxis(p *sweep.Plan) xAxis {
	a := xAxis{knob: -1, xs: map[string]float64{}}
	for i, v := range p.Vary {
		if isBacklogKey(v.Key) {
			a.knob = i
			break
		}
	}
	if a.knob < 0 && len(p.Vary) > 0 {
		a.knob = 0
	}
	for i := range p.Vary {
		if i != a.knob {
			a.others = append(a.others, i)
		}
	}
	if a.knob < 0 {
		a.label = "(no knob varied)"
		a.xs[""] = 1
		a.ticks = []plot.Tick{{Value: 1, Label: p.Scenario}}
		return a
	}
	v := p.Vary[a.knob]
	a.label = v.Key
	for kind, parse := range valueParsers(v.Key) {
		if xs, ok := parseAll(v.Values, parse); ok {
			a.numeric(v, xs, kind == 0)
			return a
		}
	}
	for i, s := range v.Values {
		a.xs[s] = float64(i + 1)
		a.ticks = append(a.ticks, plot.Tick{Value: float64(i + 1), Label: s})
	}
	a.thin()
	return a
}

// valueParsers read a knob's values as sizes, plain numbers or durations,
// in that order of preference.
func valueParsers(key string) []func(string) (float64, bool) {
	return []func(string) (float64, bool){
		func(s string) (float64, bool) {
			n, err := scenarios.ParseSize(s)
			return float64(n), err == nil && n > 0 && (isBacklogKey(key) || strings.ContainsAny(s, "kKmMgGbB"))
		},
		func(s string) (float64, bool) {
			f, err := strconv.ParseFloat(s, 64)
			return f, err == nil && !math.IsInf(f, 0) && !math.IsNaN(f)
		},
		func(s string) (float64, bool) {
			d, err := time.ParseDuration(s)
			return d.Seconds(), err == nil
		},
	}
}

// parseAll parses every value, or reports false.
func parseAll(values []string, parse func(string) (float64, bool)) (map[string]float64, bool) {
	xs := map[string]float64{}
	for _, s := range values {
		x, ok := parse(s)
		if !ok {
			return nil, false
		}
		xs[s] = x
	}
	return xs, true
}

// numeric sets a numeric axis: on a log scale for sizes and geometric
// ranges of positive values.
func (a *xAxis) numeric(v sweep.Vary, xs map[string]float64, size bool) {
	a.xs, a.size = xs, size
	a.log = size || strings.Contains(v.Text, "..")
	for _, x := range xs {
		a.log = a.log && x > 0
	}
	for _, s := range v.Values {
		label := s
		if size {
			label = sizeLabel(int64(xs[s]))
		}
		a.ticks = append(a.ticks, plot.Tick{Value: xs[s], Label: label})
	}
	if size {
		a.label += " (log scale)"
	}
	a.thin()
}

// thin keeps every label readable: past 16 values, only every other one
// is labelled.
func (a *xAxis) thin() {
	if len(a.ticks) <= 16 {
		return
	}
	for i := range a.ticks {
		if i%2 == 1 {
			a.ticks[i].Label = ""
		}
	}
}

// x returns the position of a point on the axis.
func (a xAxis) x(pt Point) float64 {
	if a.knob < 0 {
		return 1
	}
	return a.xs[pt.Values[a.knob]]
}

// apply sets the plot's x axis.
func (a xAxis) apply(p *plot.Plot) {
	p.X.Label.Text = a.label
	if a.log {
		p.X.Scale = plot.LogScale{}
	}
	p.X.Tick.Marker = plot.ConstantTicks(a.ticks)
	if len(a.ticks) > 0 {
		lo, hi := a.ticks[0].Value, a.ticks[0].Value
		for _, t := range a.ticks {
			lo, hi = math.Min(lo, t.Value), math.Max(hi, t.Value)
		}
		if a.log {
			p.X.Min, p.X.Max = lo/math.Pow(hi/lo, 0.03), hi*math.Pow(hi/lo, 0.03)
			if lo == hi {
				p.X.Min, p.X.Max = lo/2, hi*2
			}
		} else {
			pad := math.Max((hi-lo)*0.03, 0.5)
			p.X.Min, p.X.Max = lo-pad, hi+pad
		}
	}
}

// series groups points by the values of the other knobs, in the plan's
// order; each group is one line on a plot.
type series struct {
	name   string
	points []Point
}

func (a xAxis) series(p *sweep.Plan, points []Point) []series {
	var out []series
	index := map[string]int{}
	for _, pt := range points {
		var parts []string
		for _, k := range a.others {
			parts = append(parts, p.Vary[k].Key+"="+pt.Values[k])
		}
		name := strings.Join(parts, " ")
		i, ok := index[name]
		if !ok {
			i = len(out)
			index[name] = i
			out = append(out, series{name: name})
		}
		out[i].points = append(out[i].points, pt)
	}
	return out
}

// sizeLabel renders a byte count for an axis in Redis's units, as a
// repl-backlog-size is written: 16kb, 64mb, 1gb (1kb = 1024 bytes); sizes
// that are not whole print to three significant digits (1.5mb).
func sizeLabel(n int64) string { return formatBytes(float64(n)) }

// Unit is what the numbers of an axis or a table cell measure. Every
// number the report prints, on a plot or on the page, goes through
// Unit.Format or Unit.Ticks, so that a size, a duration or a percentage
// reads the same everywhere.
type Unit uint8

const (
	UnitBytes   Unit = iota + 1 // bytes, written in Redis's units: 512kb, 1.5mb (1kb = 1024 bytes)
	UnitSeconds                 // seconds, written 250ms, 1.5s, 60s, 4.44h
	UnitPercent                 // numbers already in percent, written 0.35%
)

// scale is a display unit: the divisor and the suffix.
type scale struct {
	div    float64
	suffix string
}

// scaleFor picks the display unit of a magnitude: the largest that keeps it
// at 1 or more.
func (u Unit) scaleFor(mag float64) scale {
	var scales []scale
	switch u {
	case UnitBytes:
		scales = []scale{{1 << 30, "gb"}, {1 << 20, "mb"}, {1 << 10, "kb"}, {1, "b"}}
	case UnitSeconds:
		scales = []scale{{3600, "h"}, {1, "s"}, {1e-3, "ms"}}
	default:
		return scale{1, "%"}
	}
	for _, sc := range scales {
		if mag >= sc.div {
			return sc
		}
	}
	return scales[len(scales)-1]
}

// Format writes one number to three significant digits in its unit's
// display unit, without trailing zeros: 3.1mb, 52.3kb, 512kb, 62.5s, 0.35%.
func (u Unit) Format(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "-"
	}
	if x == 0 {
		return "0"
	}
	sc := u.scaleFor(math.Abs(x))
	v := x / sc.div
	decimals := max(0, 2-int(math.Floor(math.Log10(math.Abs(v)))))
	return trimNumber(strconv.FormatFloat(v, 'f', decimals, 64)) + sc.suffix
}

func formatBytes(x float64) string { return UnitBytes.Format(x) }

// formatDuration writes a duration in seconds (milliseconds under one
// second, hours from one hour), never as 1m0s: 60s, 62.5s, 250ms, 4.44h.
func formatDuration(d time.Duration) string { return UnitSeconds.Format(d.Seconds()) }

// trimNumber drops the trailing zeros of a decimal number, its point if
// nothing follows, and the sign of a zero.
func trimNumber(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	if s == "-0" {
		return "0"
	}
	return s
}

// niceStep returns a round step (1, 2, 2.5 or 5 times a power of ten) that
// cuts span into about n parts, and the decimals its multiples need.
func niceStep(span float64, n int) (step float64, decimals int) {
	raw := span / float64(n)
	e := int(math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*math.Pow10(e) >= raw*(1-1e-9) {
			if m == 10 {
				m, e = 1, e+1
			}
			decimals = max(0, -e)
			if m == 2.5 {
				decimals = max(0, 1-e)
			}
			return m * math.Pow10(e), decimals
		}
	}
	panic("reports: niceStep: unreachable")
}

// Ticks implements plot.Ticker for a linear axis: about seven labelled
// ticks at multiples of a round step of the display unit, a minor tick
// between each two. Labels are written from the multiple's integer index
// with the step's decimals, never from an accumulated float.
func (u Unit) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) || math.IsInf(hi-lo, 0) {
		return []plot.Tick{{Value: lo, Label: u.Format(lo)}}
	}
	sc := u.scaleFor(math.Max(math.Abs(lo), math.Abs(hi)))
	step, decimals := niceStep((hi-lo)/sc.div, 7)
	var ticks []plot.Tick
	first, last := math.Ceil(lo/sc.div/step*2-1e-9), math.Floor(hi/sc.div/step*2+1e-9)
	for k := first; k <= last; k++ {
		v := k * step / 2
		t := plot.Tick{Value: v * sc.div}
		if math.Mod(k, 2) == 0 {
			if k == 0 {
				t.Label = "0"
			} else {
				t.Label = trimNumber(strconv.FormatFloat(v, 'f', decimals, 64)) + sc.suffix
			}
		}
		ticks = append(ticks, t)
	}
	return ticks
}

// logPercentTicks marks a log axis of percentages at each power of ten
// from floor up to 100%, minor ticks at 2 and 5 times each, and labels
// floor itself "0": the frequency axis draws a frequency of 0 there.
func logPercentTicks(floor float64) plot.ConstantTicks {
	ticks := []plot.Tick{{Value: floor, Label: "0"}}
	for e := int(math.Round(math.Log10(floor))); e <= 2; e++ {
		for _, m := range []float64{1, 2, 5} {
			v := m * math.Pow10(e)
			if v <= floor*(1+1e-9) || v > 100*(1+1e-9) {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 {
				t.Label = trimNumber(strconv.FormatFloat(v, 'f', max(0, -e), 64)) + "%"
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// palette is the colours of the series, replicas and knob values.
var palette = []color.Color{
	color.NRGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}, // blue
	color.NRGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff}, // orange
	color.NRGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff}, // purple
	color.NRGBA{R: 0x8c, G: 0x56, B: 0x4b, A: 0xff}, // brown
	color.NRGBA{R: 0x17, G: 0xbe, B: 0xcf, A: 0xff}, // teal
	color.NRGBA{R: 0xe3, G: 0x77, B: 0xc2, A: 0xff}, // pink
	color.NRGBA{R: 0x7f, G: 0x7f, B: 0x7f, A: 0xff}, // grey
	color.NRGBA{R: 0xbc, G: 0xbd, B: 0x22, A: 0xff}, // olive
}

func seriesColor(i int) color.Color { return palette[i%len(palette)] }
