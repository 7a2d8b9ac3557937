package reports

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/replsim/replsim/scenarios/outdir"
	"github.com/replsim/replsim/scenarios/sweep"
)

// The size of every plot.
const (
	plotWidth  = 9 * vg.Inch
	plotHeight = 4.8 * vg.Inch
)

// sans is the one font family of the plots, Liberation Sans (metric-
// compatible with Arial, built into gonum/plot), as the page is
// sans-serif: gonum/plot's default is a serif.
var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

// Colours with a meaning of their own, the same on every plot.
var (
	colorTarget    = color.NRGBA{R: 0xc0, G: 0x20, B: 0x20, A: 0xff}
	colorRecommend = color.NRGBA{R: 0x1a, G: 0x8a, B: 0x3a, A: 0xff}
	colorFull      = color.NRGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}
	colorPartial   = color.NRGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}
	colorFirst     = color.NRGBA{R: 0x55, G: 0x55, B: 0x55, A: 0xff}
	colorBacklog   = color.NRGBA{R: 0x22, G: 0x22, B: 0x22, A: 0xff}
)

// newPlot returns a plot whose every text is in the sans-serif family.
func newPlot(title string) *plot.Plot {
	plt := plot.New()
	plt.Title.Text = title
	setFont(&plt.Title.TextStyle, 13)
	for _, a := range []*plot.Axis{&plt.X, &plt.Y} {
		setFont(&a.Label.TextStyle, 11)
		setFont(&a.Tick.Label, 10)
	}
	setFont(&plt.Legend.TextStyle, 10)
	plt.Legend.Top = true
	plt.Legend.Padding = vg.Points(1)
	plt.Add(plotter.NewGrid())
	return plt
}

func setFont(st *text.Style, size vg.Length) { st.Font = font.From(sans, size) }

// addLabel writes a line of text on the plot just above a point in data
// coordinates, starting there.
func addLabel(plt *plot.Plot, x, y float64, s string, c color.Color) error {
	return addLabelAligned(plt, x, y, s, c, draw.XLeft)
}

// addLabelAligned writes a line of text just above a point, starting there
// (draw.XLeft) or ending there (draw.XRight).
func addLabelAligned(plt *plot.Plot, x, y float64, s string, c color.Color, align text.XAlignment) error {
	l, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: x, Y: y}}, Labels: []string{s}})
	if err != nil {
		return err
	}
	for i := range l.TextStyle {
		setFont(&l.TextStyle[i], 10)
		l.TextStyle[i].Color = c
		l.TextStyle[i].YAlign = draw.YBottom
		l.TextStyle[i].XAlign = align
	}
	l.Offset = vg.Point{X: vg.Points(3), Y: vg.Points(2)}
	if align == draw.XRight {
		l.Offset.X = -l.Offset.X
	}
	plt.Add(l)
	return nil
}

// addLine draws a straight dashed line between two points.
func addLine(plt *plot.Plot, a, b plotter.XY, c color.Color, width vg.Length, dashes ...vg.Length) (*plotter.Line, error) {
	l, err := plotter.NewLine(plotter.XYs{a, b})
	if err != nil {
		return nil, err
	}
	l.Color, l.Width, l.Dashes = c, width, dashes
	plt.Add(l)
	return l, nil
}

// freqFloor is where the log frequency axis starts, and where a frequency
// of 0 is drawn: a power of ten (in percent) a decade under every positive
// frequency and bound, so that the smallest of them sits clear of the 0
// line; at most 0.01%, at least 0.001%.
func freqFloor(points []Point) float64 {
	lowest := 0.1
	for _, pt := range points {
		for _, f := range []float64{pt.Freq, pt.Low, pt.High} {
			if f > 0 && 100*f < lowest {
				lowest = 100 * f
			}
		}
	}
	return math.Max(1e-3, math.Pow10(int(math.Floor(math.Log10(lowest)))-1))
}

// FreqPlot draws the full-resync frequency against the x knob (the backlog
// size on a log axis), on a log axis of its own so that the region near
// the target is as readable as the top: a frequency of 0 sits on the
// bottom line, marked "0". Each point has its 95% Wilson interval as an
// error bar, but for a point whose every seed gave the same outcome; the
// target is a labelled dashed line and each recommended
// size a labelled vertical line. One series per combination of the other
// knobs.
func FreqPlot(p *sweep.Plan, points []Point, target float64, recs []Recommendation) (*plot.Plot, error) {
	ax := newXAxis(p)
	plt := newPlot(fmt.Sprintf("Full resyncs per reconnect: %s", p.Scenario))
	ax.apply(plt)
	floor := freqFloor(points)
	clamp := func(f float64) float64 { return math.Max(floor, 100*f) }
	plt.Y.Label.Text = "full resyncs per reconnect"
	plt.Y.Scale = plot.LogScale{}
	plt.Y.Min, plt.Y.Max = floor, 100
	plt.Y.Tick.Marker = logPercentTicks(floor)
	for i, s := range ax.series(p, points) {
		if err := addFreqSeries(plt, ax, i, s, clamp); err != nil {
			return nil, err
		}
	}
	if target > 0 && len(ax.ticks) > 0 {
		y := 100 * target
		if _, err := addLine(plt, plotter.XY{X: plt.X.Min, Y: y}, plotter.XY{X: plt.X.Max, Y: y}, colorTarget, vg.Points(1.2), vg.Points(5), vg.Points(3)); err != nil {
			return nil, err
		}
		if err := addLabel(plt, plt.X.Min, y, "target "+percent(target), colorTarget); err != nil {
			return nil, err
		}
	}
	for k, r := range recs {
		if err := markRule(plt, ax, r, floor, k); err != nil {
			return nil, err
		}
		if !r.Found {
			continue
		}
		x := ax.x(r.Point)
		if _, err := addLine(plt, plotter.XY{X: x, Y: floor}, plotter.XY{X: x, Y: 100}, colorRecommend, vg.Points(1.5), vg.Points(2), vg.Points(2)); err != nil {
			return nil, err
		}
		label := "recommended: " + r.Value
		if r.Series != "" {
			label += " (" + r.Series + ")"
		}
		// Staggered down the line so that the labels of several series
		// stay apart.
		y := 100 * math.Pow(floor/100, 0.35+0.1*float64(k))
		if err := addLabel(plt, x, y, label, colorRecommend); err != nil {
			return nil, err
		}
	}
	return plt, nil
}

// addFreqSeries draws one series of the frequency plot: its points, the
// line through them and their intervals, with clamp placing a frequency
// on the log axis.
func addFreqSeries(plt *plot.Plot, ax xAxis, i int, s series, clamp func(float64) float64) error {
	var xys plotter.XYs
	var errs plotter.YErrors
	for _, pt := range s.points {
		if pt.Fig("reconnects") == 0 {
			continue
		}
		y := clamp(pt.Freq)
		xys = append(xys, plotter.XY{X: ax.x(pt), Y: y})
		if pt.Runs > 1 && !pt.Varies {
			// The same outcome under every seed: no sampling error.
			errs = append(errs, struct{ Low, High float64 }{})
			continue
		}
		errs = append(errs, struct{ Low, High float64 }{y - clamp(pt.Low), clamp(pt.High) - y})
	}
	if len(xys) == 0 {
		return nil
	}
	line, pts, err := plotter.NewLinePoints(xys)
	if err != nil {
		return err
	}
	c := seriesColor(i)
	line.Color, pts.Color, pts.Shape = c, c, plotutil.Shape(i)
	bars, err := plotter.NewYErrorBars(struct {
		plotter.XYs
		plotter.YErrors
	}{xys, errs})
	if err != nil {
		return err
	}
	bars.Color = c
	plt.Add(line, pts, bars)
	name := "full resyncs per reconnect, bars: 95% interval"
	if fixedOutcome(s.points) {
		name = "full resyncs per reconnect, the same under every seed"
	}
	if s.name != "" {
		name = s.name
	}
	plt.Legend.Add(name, line, pts)
	return nil
}

// markRule marks the size Redis's rule of thumb gives (the longest outage
// seen times the stream rate, in powers of two) with a thin grey line near
// the bottom, when it was swept.
func markRule(plt *plot.Plot, ax xAxis, r Recommendation, floor float64, k int) error {
	if r.RulePoint == nil {
		return nil
	}
	x := ax.x(*r.RulePoint)
	grey := color.NRGBA{R: 0x70, G: 0x70, B: 0x70, A: 0xff}
	if _, err := addLine(plt, plotter.XY{X: x, Y: floor}, plotter.XY{X: x, Y: 100}, grey, vg.Points(0.8), vg.Points(1), vg.Points(2)); err != nil {
		return err
	}
	return addLabel(plt, x, floor*math.Pow(100/floor, 0.08+0.08*float64(k)), "rule of thumb: "+r.RuleValue, grey)
}

// Bytes-plot quantities: each its own colour, whatever the series.
var byteQuantities = []struct {
	figure, legend string
	perRun         bool
	color          color.Color
}{
	{"snapshot_bytes", "RDB snapshots sent (mean per run)", true, color.NRGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}},
	{"stream_bytes", "command stream sent (mean per run)", true, color.NRGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}},
	{"mem_total_replication_buffers", "backlog memory: mem_total_replication_buffers (largest run)", false, color.NRGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}},
}

// BytesPlot draws, against the x knob, the bytes sent to the replicas per
// run as RDB snapshots and as the command stream, and the memory the
// master's replication buffer holds (INFO mem_total_replication_buffers):
// one colour per quantity, one dash pattern and marker per series of the
// other knobs.
func BytesPlot(p *sweep.Plan, points []Point) (*plot.Plot, error) {
	ax := newXAxis(p)
	plt := newPlot(fmt.Sprintf("Bytes sent to the replicas, and backlog memory: %s", p.Scenario))
	ax.apply(plt)
	plt.Y.Label.Text = "bytes (1kb = 1024 bytes)"
	plt.Y.Min = 0
	plt.Y.Tick.Marker = UnitBytes
	top, entries := 0.0, 0
	for i, s := range ax.series(p, points) {
		for _, q := range byteQuantities {
			var xys plotter.XYs
			for _, pt := range s.points {
				v := pt.Figures.Get(q.figure)
				if !v.Known {
					continue
				}
				y := float64(v.Int)
				if q.perRun {
					y /= float64(pt.Runs)
				}
				xys = append(xys, plotter.XY{X: ax.x(pt), Y: y})
				top = math.Max(top, y)
			}
			if len(xys) == 0 {
				continue
			}
			line, pts, err := plotter.NewLinePoints(xys)
			if err != nil {
				return nil, err
			}
			line.Color, pts.Color, pts.Shape = q.color, q.color, plotutil.Shape(i)
			line.Width = vg.Points(1.3)
			line.Dashes = plotutil.Dashes(i)
			plt.Add(line, pts)
			name := q.legend
			if s.name != "" {
				name = s.name + ": " + name
			}
			plt.Legend.Add(name, line, pts)
			entries++
		}
	}
	// Headroom for the legend, inside the top right corner.
	plt.Y.Max = top * (1.25 + 0.06*float64(entries))
	return plt, nil
}

// render draws a plot in a format ("png" or "svg"). The legend goes inside
// the data area, top right (top left with Legend.Left), on a white ground so that lines under it do
// not run through its text.
func render(plt *plot.Plot, format string) ([]byte, error) {
	c, err := draw.NewFormattedCanvas(plotWidth, plotHeight, format)
	if err != nil {
		return nil, err
	}
	dc := draw.New(c)
	leg := plt.Legend
	plt.Legend = plot.NewLegend()
	defer func() { plt.Legend = leg }()
	plt.Draw(dc)
	// Legend.Rectangle ignores the offsets and places a right-hand
	// legend on the left: the box is placed here, in a canvas inset from
	// the data area's top corner, the right one unless Legend.Left.
	inset := vg.Points(8)
	legC := draw.Crop(plt.DataCanvas(dc), inset, -inset, 0, -inset)
	leg.Top, leg.XOffs, leg.YOffs = true, 0, 0
	if size := leg.Rectangle(legC).Size(); size.X > 0 {
		pad := vg.Points(4)
		x0 := legC.Max.X - size.X
		if leg.Left {
			x0 = legC.Min.X
		}
		box := vg.Rectangle{
			Min: vg.Point{X: x0 - pad, Y: legC.Max.Y - size.Y - pad},
			Max: vg.Point{X: x0 + size.X + pad, Y: legC.Max.Y + pad},
		}
		legC.SetColor(color.NRGBA{R: 255, G: 255, B: 255, A: 235})
		legC.Fill(box.Path())
		leg.Draw(legC)
	}
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// savePlot writes name.png and name.svg into dir and returns the SVG.
func savePlot(dir, name string, plt *plot.Plot) ([]byte, error) {
	var svg []byte
	for _, format := range []string{"png", "svg"} {
		b, err := render(plt, format)
		if err != nil {
			return nil, err
		}
		if err := outdir.WriteFile(filepath.Join(dir, name+"."+format), b); err != nil {
			return nil, err
		}
		if format == "svg" {
			svg = b
		}
	}
	return svg, nil
}

func pointName(p *sweep.Plan, values []string) string {
	if len(values) == 0 {
		return p.Scenario
	}
	var b bytes.Buffer
	for i, v := range values {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s=%s", p.Vary[i].Key, v)
	}
	return b.String()
}

// percent renders a proportion as a percentage to three significant
// digits: 0.35%, 1.28%, 37.5%, 100%.
func percent(f float64) string {
	if f != f {
		return "-"
	}
	if f == 0 {
		return "0%"
	}
	return UnitPercent.Format(100 * f)
}
