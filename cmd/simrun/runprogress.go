package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/replsim/replsim/reports"
)

// runProgressDelay is how long a run goes before simrun run shows its
// progress: a short run prints nothing but its summary.
const runProgressDelay = time.Second

// runProgress shows a long run's progress on a terminal: simulated time
// of the fault phase's total, and events per second of wall time. The
// world calls update from its run loop (scenarios.RunOptions.Progress);
// the wall clock is read here, never in the world.
type runProgress struct {
	w          io.Writer
	total      time.Duration // the fault phase
	clock      func() time.Time
	start      time.Time
	bar        *progressbar.ProgressBar
	lastAt     time.Time
	lastEvents uint64
	line       string // the last description shown
}

// newRunProgress returns the progress display of a run of the given fault
// phase, or nil when stderr is not a terminal.
func newRunProgress(stderr io.Writer, total time.Duration) *runProgress {
	f, ok := stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return startRunProgress(stderr, total, time.Now)
}

func startRunProgress(w io.Writer, total time.Duration, clock func() time.Time) *runProgress {
	now := clock()
	return &runProgress{w: w, total: total, clock: clock, start: now, lastAt: now}
}

// update is scenarios.RunOptions.Progress.
func (p *runProgress) update(sim time.Duration, events uint64) {
	wall := p.clock()
	if wall.Sub(p.start) < runProgressDelay || wall.Sub(p.lastAt) < 200*time.Millisecond {
		return
	}
	rate := float64(events-p.lastEvents) / wall.Sub(p.lastAt).Seconds()
	p.lastAt, p.lastEvents = wall, events
	phase := fmt.Sprintf("%s of %s simulated", reports.UnitSeconds.Format(sim.Seconds()), reports.UnitSeconds.Format(p.total.Seconds()))
	if sim > p.total {
		phase = fmt.Sprintf("heal phase, %s simulated", reports.UnitSeconds.Format(sim.Seconds()))
	}
	p.line = fmt.Sprintf("run: %s, %s events/s", phase, humanize.Comma(int64(rate)))
	if p.bar == nil {
		p.bar = progressbar.NewOptions64(max(1, p.total.Milliseconds()),
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetWidth(30),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionShowDescriptionAtLineEnd(),
		)
	}
	p.bar.Describe(p.line)
	p.bar.Set64(min(sim, p.total).Milliseconds())
}

// finish clears the progress line, if one was shown.
func (p *runProgress) finish() {
	if p != nil && p.bar != nil {
		p.bar.Finish()
	}
}
