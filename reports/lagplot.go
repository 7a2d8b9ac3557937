package reports

import (
	"cmp"
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/replsim/replsim/scenarios"
	"github.com/replsim/replsim/scenarios/sweep"
)

// SyncCounts counts a timeline's link-ups by kind, as the run's figures
// count them: first_syncs, full_resyncs, partial_resyncs.
type SyncCounts struct{ First, Full, Partial int }

// CountSyncs counts the link-ups of a timeline by kind.
func CountSyncs(tl *sweep.Timeline) SyncCounts {
	var c SyncCounts
	for _, ev := range tl.Events {
		switch ev.Kind {
		case scenarios.SyncFirst:
			c.First++
		case scenarios.SyncFullResync:
			c.Full++
		case scenarios.SyncPartialResync:
			c.Partial++
		}
	}
	return c
}

// outage is one period a replica's link was down, in seconds.
type outage struct {
	replica  int
	from, to float64
}

// outages pairs each link-down of a timeline with the replica's next
// link-up; a link still down at the end lasts until end.
func outages(tl *sweep.Timeline, index map[string]int, end float64) []outage {
	var out []outage
	open := map[int]int{} // replica -> index in out of its open outage
	for _, ev := range tl.Events {
		i, ok := index[ev.Replica]
		if !ok {
			continue
		}
		at := float64(ev.AtNs) / 1e9
		if ev.Kind == scenarios.SyncLinkDown {
			if _, down := open[i]; !down {
				open[i] = len(out)
				out = append(out, outage{replica: i, from: at, to: end})
			}
			continue
		}
		if k, down := open[i]; down {
			out[k].to = at
			delete(open, i)
		}
	}
	return out
}

// band returns a filled rectangle from x0 to x1 over the whole height.
func band(x0, x1, y0, y1 float64, c color.Color) (*plotter.Polygon, error) {
	pg, err := plotter.NewPolygon(plotter.XYs{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}})
	if err != nil {
		return nil, err
	}
	pg.Color, pg.LineStyle.Width = c, 0
	return pg, nil
}

// translucent returns c at the given opacity (0-255).
func translucent(c color.Color, a uint8) color.NRGBA {
	r, g, b, _ := c.RGBA()
	return color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: a}
}

// LagPlot draws one run's replication lag over time, one line per
// replica, with the periods each replica's link was down shaded in its
// colour, the backlog size as a line (a replica that falls further behind
// cannot resync partially), the start of the heal phase, and a mark at each
// link-up: first syncs (grey squares), full resyncs (red triangles) and
// partial resyncs (green rings), counted in the legend as the run's
// figures count them.
func LagPlot(p *sweep.Plan, rec *sweep.Record, faultPhaseNs, backlogBytes int64) (*plot.Plot, error) {
	title := fmt.Sprintf("Replication lag, run %d (%s, seed %d)", rec.Run, pointName(p, rec.Values), rec.Seed)
	return lagPlot(title, rec.Timeline, faultPhaseNs, backlogBytes)
}

// lagPlot draws a timeline's lag under a title (see LagPlot).
func lagPlot(title string, tl *sweep.Timeline, faultPhaseNs, backlogBytes int64) (*plot.Plot, error) {
	plt := newPlot(title)
	plt.X.Label.Text = "simulated time"
	plt.X.Tick.Marker = UnitSeconds
	plt.Y.Label.Text = "lag behind the master (stream)"
	plt.Y.Min = 0
	plt.Y.Tick.Marker = UnitBytes
	// Top left: the heal phase and the last resyncs are at the right.
	plt.Legend.Left = true
	if tl == nil || tl.EveryNs <= 0 {
		return plt, nil
	}
	index := map[string]int{}
	top, end := 1.0, 0.0
	for i, name := range tl.Replicas {
		index[name] = i
		for k, lag := range tl.LagBytes[i] {
			top = math.Max(top, float64(lag))
			end = math.Max(end, float64(int64(k)*tl.EveryNs)/1e9)
		}
	}
	showBacklog := backlogBytes > 0 && float64(backlogBytes) <= 10*top
	if showBacklog {
		top = math.Max(top, float64(backlogBytes))
	}
	// Headroom above the data for the legend, which sits inside the
	// plot's top right corner.
	top *= 1.6
	plt.Y.Max = top
	plt.X.Min, plt.X.Max = 0, end

	if err := shadePeriods(plt, tl, index, end, float64(faultPhaseNs)/1e9, top); err != nil {
		return nil, err
	}
	for i, name := range tl.Replicas {
		// One line per stretch of time the node was a replica.
		var legend *plotter.Line
		for _, xys := range lagStretches(tl, i) {
			line, err := plotter.NewLine(xys)
			if err != nil {
				return nil, err
			}
			line.Color, line.Width = seriesColor(i), vg.Points(1.2)
			plt.Add(line)
			legend = cmp.Or(legend, line)
		}
		if legend != nil {
			plt.Legend.Add(name+" lag", legend)
		}
	}
	if backlogBytes > 0 {
		label := "repl-backlog-size " + sizeLabel(backlogBytes)
		if showBacklog {
			y := float64(backlogBytes)
			if _, err := addLine(plt, plotter.XY{X: 0, Y: y}, plotter.XY{X: end, Y: y}, colorBacklog, vg.Points(1.2), vg.Points(6), vg.Points(3)); err != nil {
				return nil, err
			}
			if err := addLabel(plt, 0, y, label, colorBacklog); err != nil {
				return nil, err
			}
		} else {
			plt.Title.Text += "; " + label + ", far above the lag"
		}
	}
	return plt, addSyncMarks(plt, tl, index)
}

// lagStretches are replica i's lag samples as runs of points, broken
// where it was not a replica (a lag of -1).
func lagStretches(tl *sweep.Timeline, i int) []plotter.XYs {
	var out []plotter.XYs
	var cur plotter.XYs
	for k, lag := range tl.LagBytes[i] {
		if lag < 0 {
			if len(cur) > 0 {
				out, cur = append(out, cur), nil
			}
			continue
		}
		cur = append(cur, plotter.XY{X: float64(int64(k)*tl.EveryNs) / 1e9, Y: float64(lag)})
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// shadePeriods shades each replica's link-down periods in its colour and
// marks the start of the heal phase, with one legend entry each.
func shadePeriods(plt *plot.Plot, tl *sweep.Timeline, index map[string]int, end, heal, top float64) error {
	first := make([]*plotter.Polygon, len(tl.Replicas)) // for the legend
	for _, o := range outages(tl, index, end) {
		c := translucent(seriesColor(o.replica), 56)
		pg, err := band(o.from, math.Max(o.to, o.from+end/800), 0, top, c)
		if err != nil {
			return err
		}
		plt.Add(pg)
		if first[o.replica] == nil {
			first[o.replica] = pg
		}
	}
	for i, pg := range first {
		if pg != nil {
			plt.Legend.Add(tl.Replicas[i]+" link down", pg)
		}
	}
	if heal <= 0 {
		return nil
	}
	// The heal phase is a line, not a band: a grey band would read as the
	// overlap of two replicas' outages.
	plt.X.Max = math.Max(plt.X.Max, heal)
	grey := color.NRGBA{R: 0x40, G: 0x40, B: 0x40, A: 0xff}
	l, err := addLine(plt, plotter.XY{X: heal, Y: 0}, plotter.XY{X: heal, Y: top}, grey, vg.Points(1.5), vg.Points(4), vg.Points(2))
	if err != nil {
		return err
	}
	plt.Legend.Add("heal phase starts (faults lifted)", l)
	return addLabelAligned(plt, heal, top*0.93, "heal phase", grey, draw.XRight)
}

// addSyncMarks marks each link-up on its replica's line, at the lag it
// had just before: first syncs, full resyncs and partial resyncs each in
// their own shape and colour.
func addSyncMarks(plt *plot.Plot, tl *sweep.Timeline, index map[string]int) error {
	xys := map[string]plotter.XYs{}
	for _, ev := range tl.Events {
		i, ok := index[ev.Replica]
		if !ok || ev.Kind == scenarios.SyncLinkDown {
			continue
		}
		k := min(int(ev.AtNs/tl.EveryNs), len(tl.LagBytes[i])-1)
		xys[ev.Kind] = append(xys[ev.Kind], plotter.XY{X: float64(ev.AtNs) / 1e9, Y: math.Max(0, float64(tl.LagBytes[i][max(k, 0)]))})
	}
	counts := CountSyncs(tl)
	for _, m := range []struct {
		kind, name string
		n          int
		c          color.Color
		shape      draw.GlyphDrawer
	}{
		{scenarios.SyncFirst, "first sync (not a resync)", counts.First, colorFirst, draw.BoxGlyph{}},
		{scenarios.SyncPartialResync, "partial resync", counts.Partial, colorPartial, draw.RingGlyph{}},
		{scenarios.SyncFullResync, "full resync", counts.Full, colorFull, draw.PyramidGlyph{}},
	} {
		if len(xys[m.kind]) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(xys[m.kind])
		if err != nil {
			return err
		}
		sc.Color, sc.Shape, sc.Radius = m.c, m.shape, vg.Points(4)
		plt.Add(sc)
		plt.Legend.Add(fmt.Sprintf("%s: %d", m.name, m.n), sc)
	}
	return nil
}
