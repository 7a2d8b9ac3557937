package explore

import (
	"slices"
	"sync"
	"time"
)

// Shrink makes the failing case c smaller while it still breaks the same
// property: fewer faults, shorter and later faults, the file's config
// and workload instead of drawn ones, a lower rate, a shorter run. It is
// greedy: it tries the steps of the current case in a fixed order, a
// batch of Workers at a time, takes the first that still fails, and
// starts again, until no step is left or the runs are spent. It never
// returns a case that passes: the worst it does is return c. The result
// does not depend on the number of workers.
func (sp *Space) Shrink(c Case, out Outcome, opts Options) (Case, Outcome, int, error) {
	limit := opts.ShrinkRuns
	if limit <= 0 {
		limit = 300
	}
	workers := max(1, opts.Workers)
	start := time.Now()
	runs := 0
	for runs < limit && !opts.stopped() {
		steps := sp.steps(c)
		progressed := false
		for len(steps) > 0 && runs < limit && !progressed && !opts.stopped() {
			batch := steps[:min(workers, len(steps), limit-runs)]
			steps = steps[len(batch):]
			outs, err := sp.checkAll(batch, opts)
			if err != nil {
				return c, out, runs, err
			}
			// Runs count as if made one at a time, up to the first step
			// that still fails: the budget then ends at the same step
			// whatever the number of workers.
			for i, o := range outs {
				runs++
				if o.Violation == out.Violation {
					c, out, progressed = batch[i], o, true
					break
				}
			}
			if opts.Progress != nil {
				opts.Progress(Progress{Phase: "shrink", Runs: runs, Elapsed: time.Since(start), Faults: len(c.Faults)})
			}
		}
		if !progressed {
			break
		}
	}
	return c, out, runs, nil
}

// checkAll runs the cases side by side and returns their outcomes in
// order.
func (sp *Space) checkAll(cases []Case, opts Options) ([]Outcome, error) {
	outs := make([]Outcome, len(cases))
	errs := make([]error, len(cases))
	var wg sync.WaitGroup
	for i, c := range cases {
		wg.Go(func() { outs[i], errs[i] = sp.check(c, opts) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return outs, nil
}

// steps are the smaller cases to try next, the biggest cuts first.
func (sp *Space) steps(c Case) []Case {
	var out []Case
	add := func(f func(d *Case) bool) {
		d := c.clone()
		if f(&d) {
			out = append(out, d)
		}
	}
	for i := len(c.Faults) - 1; i >= 0; i-- {
		add(func(d *Case) bool { d.Faults = slices.Delete(d.Faults, i, i+1); return true })
	}
	add(func(d *Case) bool { return shorten(d, sp.base.Duration) })
	for i := range c.Config {
		add(func(d *Case) bool { d.Config = slices.Delete(d.Config, i, i+1); return true })
	}
	add(func(d *Case) bool { ok := d.Mix != ""; d.Mix = ""; return ok })
	add(func(d *Case) bool { ok := d.Clients > 1; d.Clients = 1; return ok })
	add(func(d *Case) bool { ok := d.DBs > 1; d.DBs = 1; return ok })
	add(func(d *Case) bool { ok := d.Value > 0; d.Value = 0; return ok })
	rate := c.Rate
	if rate == 0 {
		rate = int64(sp.base.Workload.RatePerSec)
	}
	add(func(d *Case) bool { d.Rate = rate / 2; return rate/2 >= 1 })
	for i := range c.Faults {
		add(func(d *Case) bool { return halveLength(&d.Faults[i]) })
		add(func(d *Case) bool { return roundStart(&d.Faults[i]) })
		add(func(d *Case) bool { return later(d, i, sp.base.Duration) })
	}
	return out
}

// shorten ends the fault phase a second after the last fault is over, or
// halves it when it has no faults.
func shorten(d *Case, base time.Duration) bool {
	cur := d.Duration
	if cur == 0 {
		cur = base
	}
	end := time.Second
	for _, f := range d.Faults {
		end = max(end, f.End())
	}
	next := (end + 1999*time.Millisecond).Truncate(time.Second)
	if len(d.Faults) == 0 {
		next = (cur / 2).Truncate(time.Second)
	}
	if next >= cur || next < time.Second {
		return false
	}
	d.Duration = next
	return true
}

// halveLength halves how long a fault lasts (or a crashed node stays
// down), to the millisecond.
func halveLength(f *Fault) bool {
	p := &f.For
	if !f.Lasting() {
		p = &f.RestartAfter
	}
	next := (*p / 2).Truncate(time.Millisecond)
	if next == *p || *p < 2*time.Millisecond {
		return false
	}
	*p = next
	return true
}

// roundStart rounds a fault's start down to the second, for a file that
// reads easily.
func roundStart(f *Fault) bool {
	next := f.At.Truncate(time.Second)
	if next == f.At {
		return false
	}
	f.At = next
	return true
}

// later moves a fault halfway to the latest start that keeps it inside
// the fault phase and after the faults before it: less happens before it.
func later(d *Case, i int, base time.Duration) bool {
	dur := d.Duration
	if dur == 0 {
		dur = base
	}
	f := &d.Faults[i]
	latest := dur - time.Second - (f.End() - f.At)
	if i+1 < len(d.Faults) {
		latest = min(latest, d.Faults[i+1].At)
	}
	next := (f.At + (latest-f.At)/2).Truncate(time.Second)
	if next <= f.At {
		return false
	}
	f.At = next
	return true
}
