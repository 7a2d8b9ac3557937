package reports

import (
	"fmt"
	"image/color"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
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

// sizeLabel renders a byte count for an axis: 16KB, 64MB, 1GB; sizes that
// are not whole KB print in bytes.
func sizeLabel(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%dGB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%dMB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%dKB", n>>10)
	}
	return humanize.IBytes(uint64(n))
}

// byteTicks marks a linear axis of bytes at round numbers of the largest
// binary unit that fits (KB = 1024 bytes, as Redis counts), labelled like
// the x axis: 512KB, 1.5MB.
type byteTicks struct{}

func (byteTicks) Ticks(min, max float64) []plot.Tick {
	unit, suffix := 1.0, "B"
	for _, u := range []struct {
		mul    float64
		suffix string
	}{{1 << 30, "GB"}, {1 << 20, "MB"}, {1 << 10, "KB"}} {
		if max >= u.mul {
			unit, suffix = u.mul, u.suffix
			break
		}
	}
	ticks := plot.DefaultTicks{}.Ticks(min/unit, max/unit)
	for i := range ticks {
		ticks[i].Value *= unit
		if ticks[i].Label != "" {
			if ticks[i].Value == 0 {
				ticks[i].Label = "0"
			} else {
				ticks[i].Label = strconv.FormatFloat(ticks[i].Value/unit, 'f', -1, 64) + suffix
			}
		}
	}
	return ticks
}

// percentTicks marks an axis of percentages every 10%, labelled every 20%.
var percentTicks = func() plot.ConstantTicks {
	var ticks []plot.Tick
	for v := 0; v <= 100; v += 10 {
		t := plot.Tick{Value: float64(v)}
		if v%20 == 0 {
			t.Label = strconv.Itoa(v) + "%"
		}
		ticks = append(ticks, t)
	}
	return ticks
}()

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
