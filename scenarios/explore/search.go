package explore

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// A Result is what an exploration found.
type Result struct {
	// Runs counts the cases of the search that finished; Elapsed is the
	// search's wall time.
	Runs    int
	Elapsed time.Duration
	// Found: a case broke the property. Index is the lowest such index,
	// Case the case as drawn, Outcome what it broke.
	Found   bool
	Index   int
	Case    Case
	Outcome Outcome
	// Minimal is the case after shrinking, MinimalOutcome its violation
	// (the same property), ShrinkRuns the runs shrinking took.
	Minimal        Case
	MinimalOutcome Outcome
	ShrinkRuns     int
	ShrinkElapsed  time.Duration
	// Interrupted: Options.Stop closed before the search or the
	// shrinking was over.
	Interrupted bool
}

// Explore runs cases 0, 1, 2, ... until one breaks the property or the
// budget is spent, then shrinks the first failing case. The answer is the
// failing case of lowest index, whatever the number of workers.
func (sp *Space) Explore(opts Options) (*Result, error) {
	if opts.Runs <= 0 && opts.Budget <= 0 {
		return nil, errors.New("explore needs a bound: runs or a budget of wall time")
	}
	res, err := sp.search(opts)
	if err != nil || !res.Found {
		return res, err
	}
	start := time.Now()
	res.Minimal, res.MinimalOutcome, res.ShrinkRuns, err = sp.Shrink(res.Case, res.Outcome, opts)
	res.ShrinkElapsed = time.Since(start)
	res.Interrupted = opts.stopped()
	return res, err
}

// search runs the cases on the worker pool. Indexes are handed out in
// order; once a case fails, no index above it is handed out, and the
// runs below it finish, so the lowest failing index is known for sure.
func (sp *Space) search(opts Options) (*Result, error) {
	start := time.Now()
	workers := max(1, opts.Workers)
	var (
		mu      sync.Mutex
		next    int
		found   = -1
		runs    int
		runErr  error
		cases   = map[int]Case{}
		results = map[int]Outcome{}
	)
	take := func() (int, bool) {
		mu.Lock()
		defer mu.Unlock()
		over := opts.Runs > 0 && next >= opts.Runs ||
			opts.Budget > 0 && time.Since(start) >= opts.Budget ||
			found >= 0 && next > found || runErr != nil || opts.stopped()
		if over {
			return 0, false
		}
		next++
		return next - 1, true
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i, ok := take()
				if !ok {
					return
				}
				c := sp.generate(opts.Seed, i)
				out, err := sp.check(c, opts)
				mu.Lock()
				runs++
				switch {
				case err != nil:
					runErr = cmpErr(runErr, fmt.Errorf("case %d (seed %d): %w", i, c.Seed, err))
				case out.Invalid != nil:
					// A drawn case that does not load is a space the
					// generator cannot keep to (a rate too high for the
					// clients): say so rather than count it as a pass.
					runErr = cmpErr(runErr, fmt.Errorf("case %d (seed %d) is not a valid scenario: %w", i, c.Seed, out.Invalid))
				case out.Failed() && (found < 0 || i < found):
					found, cases[i], results[i] = i, c, out
				}
				if opts.Progress != nil {
					opts.Progress(Progress{Phase: "search", Runs: runs, Elapsed: time.Since(start)})
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	res := &Result{Runs: runs, Elapsed: time.Since(start), Interrupted: opts.stopped()}
	if runErr != nil {
		return res, runErr
	}
	if found >= 0 {
		res.Found, res.Index, res.Case, res.Outcome = true, found, cases[found], results[found]
	}
	return res, nil
}

func cmpErr(old, err error) error {
	if old != nil {
		return old
	}
	return err
}
