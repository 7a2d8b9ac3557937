package reports

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/replsim/replsim/scenarios"
	"github.com/replsim/replsim/scenarios/outdir"
	"github.com/replsim/replsim/scenarios/sweep"
)

// The size of every plot.
const (
	plotWidth  = 9 * vg.Inch
	plotHeight = 4.8 * vg.Inch
)

// FreqPlot draws the full-resync frequency against the x knob (the backlog
// size on a log axis), with its 95% Wilson interval as error bars, one
// series per combination of the other knobs, and the target as a dashed
// line.
func FreqPlot(p *sweep.Plan, points []Point, target float64) (*plot.Plot, error) {
	ax := newXAxis(p)
	plt := plot.New()
	plt.Title.Text = fmt.Sprintf("Full resyncs per reconnect: %s", p.Scenario)
	ax.apply(plt)
	plt.Y.Label.Text = "full resyncs per reconnect, 95% Wilson interval"
	plt.Y.Min, plt.Y.Max = 0, 100
	plt.Y.Tick.Marker = percentTicks
	plt.Add(plotter.NewGrid())
	for i, s := range ax.series(p, points) {
		var xys plotter.XYs
		var errs plotter.YErrors
		for _, pt := range s.points {
			if pt.Fig("reconnects") == 0 {
				continue
			}
			y := 100 * pt.Freq
			xys = append(xys, plotter.XY{X: ax.x(pt), Y: y})
			errs = append(errs, struct{ Low, High float64 }{y - 100*pt.Low, 100*pt.High - y})
		}
		if len(xys) == 0 {
			continue
		}
		line, pts, err := plotter.NewLinePoints(xys)
		if err != nil {
			return nil, err
		}
		c := seriesColor(i)
		line.Color, pts.Color, pts.Shape = c, c, plotutil.Shape(i)
		bars, err := plotter.NewYErrorBars(struct {
			plotter.XYs
			plotter.YErrors
		}{xys, errs})
		if err != nil {
			return nil, err
		}
		bars.Color = c
		plt.Add(line, pts, bars)
		if s.name != "" {
			plt.Legend.Add(s.name, line, pts)
		}
	}
	if target > 0 && len(ax.ticks) > 0 {
		tl, err := plotter.NewLine(plotter.XYs{{X: plt.X.Min, Y: 100 * target}, {X: plt.X.Max, Y: 100 * target}})
		if err != nil {
			return nil, err
		}
		tl.Color = color.NRGBA{R: 200, A: 255}
		tl.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		plt.Add(tl)
		plt.Legend.Add(fmt.Sprintf("target %s", percent(target)), tl)
	}
	plt.Legend.Top = true
	return plt, nil
}

// BytesPlot draws the bytes sent per run as snapshots (solid) and as the
// command stream (dashed) against the x knob.
func BytesPlot(p *sweep.Plan, points []Point) (*plot.Plot, error) {
	ax := newXAxis(p)
	plt := plot.New()
	plt.Title.Text = fmt.Sprintf("Bytes sent to replicas per run: %s", p.Scenario)
	ax.apply(plt)
	plt.Y.Label.Text = "bytes per run (KB = 1024 bytes)"
	plt.Y.Min = 0
	plt.Y.Tick.Marker = byteTicks{}
	plt.Add(plotter.NewGrid())
	for i, s := range ax.series(p, points) {
		var snap, stream plotter.XYs
		for _, pt := range s.points {
			x, runs := ax.x(pt), float64(pt.Runs)
			snap = append(snap, plotter.XY{X: x, Y: float64(pt.Fig("snapshot_bytes")) / runs})
			stream = append(stream, plotter.XY{X: x, Y: float64(pt.Fig("stream_bytes")) / runs})
		}
		c := seriesColor(i)
		name := s.name
		if name != "" {
			name += ": "
		}
		for k, xys := range []plotter.XYs{snap, stream} {
			line, pts, err := plotter.NewLinePoints(xys)
			if err != nil {
				return nil, err
			}
			line.Color, pts.Color, pts.Shape = c, c, plotutil.Shape(i)
			what := "snapshots (RDB)"
			if k == 1 {
				line.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
				what = "command stream"
			}
			plt.Add(line, pts)
			plt.Legend.Add(name+what, line, pts)
		}
	}
	plt.Legend.Top = true
	return plt, nil
}

// LagPlot draws one run's replication lag over time, one line per replica,
// with a mark at each full resync (red) and partial resync (green), and the
// start of the heal phase.
func LagPlot(p *sweep.Plan, rec *sweep.Record, faultPhaseNs int64) (*plot.Plot, error) {
	tl := rec.Timeline
	plt := plot.New()
	plt.Title.Text = fmt.Sprintf("Replication lag, run %d (%s, seed %d)", rec.Run, pointName(p, rec.Values), rec.Seed)
	plt.X.Label.Text = "simulated time (s)"
	plt.Y.Label.Text = "lag behind the master (bytes of stream)"
	plt.Y.Min = 0
	plt.Y.Tick.Marker = byteTicks{}
	plt.Add(plotter.NewGrid())
	if tl == nil || tl.EveryNs <= 0 {
		return plt, nil
	}
	top := 1.0
	for i, name := range tl.Replicas {
		xys := make(plotter.XYs, len(tl.LagBytes[i]))
		for k, lag := range tl.LagBytes[i] {
			xys[k] = plotter.XY{X: float64(int64(k)*tl.EveryNs) / 1e9, Y: math.Max(0, float64(lag))}
			top = math.Max(top, xys[k].Y)
		}
		line, err := plotter.NewLine(xys)
		if err != nil {
			return nil, err
		}
		line.Color = seriesColor(i)
		line.Width = vg.Points(1.2)
		plt.Add(line)
		plt.Legend.Add(name, line)
	}
	plt.Y.Max = top * 1.05
	if err := addResyncMarks(plt, tl); err != nil {
		return nil, err
	}
	if faultPhaseNs > 0 {
		x := float64(faultPhaseNs) / 1e9
		hl, err := plotter.NewLine(plotter.XYs{{X: x, Y: 0}, {X: x, Y: top * 1.05}})
		if err != nil {
			return nil, err
		}
		hl.Color = color.Gray{Y: 120}
		hl.Dashes = []vg.Length{vg.Points(2), vg.Points(2)}
		plt.Add(hl)
		plt.Legend.Add("heal phase starts", hl)
	}
	plt.Legend.Top = true
	return plt, nil
}

// addResyncMarks marks each resync on its replica's line, at the lag it
// had just before: full resyncs red, partial resyncs green. First syncs
// are not resyncs and are not marked.
func addResyncMarks(plt *plot.Plot, tl *sweep.Timeline) error {
	index := map[string]int{}
	for i, name := range tl.Replicas {
		index[name] = i
	}
	var full, partial plotter.XYs
	for _, ev := range tl.Events {
		i, ok := index[ev.Replica]
		if !ok || (ev.Kind != scenarios.SyncFullResync && ev.Kind != scenarios.SyncPartialResync) {
			continue
		}
		k := min(int(ev.AtNs/tl.EveryNs), len(tl.LagBytes[i])-1)
		xy := plotter.XY{X: float64(ev.AtNs) / 1e9, Y: math.Max(0, float64(tl.LagBytes[i][max(k, 0)]))}
		if ev.Kind == scenarios.SyncFullResync {
			full = append(full, xy)
		} else {
			partial = append(partial, xy)
		}
	}
	for _, m := range []struct {
		name  string
		c     color.Color
		xys   plotter.XYs
		shape draw.GlyphDrawer
	}{
		{"full resync", color.NRGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}, full, draw.PyramidGlyph{}},
		{"partial resync", color.NRGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}, partial, draw.CircleGlyph{}},
	} {
		if len(m.xys) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(m.xys)
		if err != nil {
			return err
		}
		sc.Color, sc.Shape, sc.Radius = m.c, m.shape, vg.Points(3.5)
		plt.Add(sc)
		plt.Legend.Add(m.name, sc)
	}
	return nil
}

// render draws a plot in a format ("png" or "svg"), with its legend, if
// any, in a column at the right of the data rather than over it.
func render(plt *plot.Plot, format string) ([]byte, error) {
	c, err := draw.NewFormattedCanvas(plotWidth, plotHeight, format)
	if err != nil {
		return nil, err
	}
	dc := draw.New(c)
	leg := plt.Legend
	plt.Legend = plot.NewLegend()
	defer func() { plt.Legend = leg }()
	if legendWidth := leg.Rectangle(dc).Size().X; legendWidth > leg.ThumbnailWidth+vg.Points(2) {
		legendWidth += vg.Points(12)
		plt.Draw(draw.Crop(dc, 0, -legendWidth, 0, 0))
		leg.Top, leg.Left = true, true
		leg.Draw(draw.Crop(dc, plotWidth-legendWidth+vg.Points(8), 0, 0, -vg.Points(30)))
	} else {
		plt.Draw(dc)
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

// percent renders a proportion as a percentage with up to two decimals.
func percent(f float64) string {
	if f != f {
		return "-"
	}
	s := fmt.Sprintf("%.2f", 100*f)
	for s[len(s)-1] == '0' {
		s = s[:len(s)-1]
	}
	if s[len(s)-1] == '.' {
		s = s[:len(s)-1]
	}
	return s + "%"
}
