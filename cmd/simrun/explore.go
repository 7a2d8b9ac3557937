package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/replsim/replsim/reports"
	"github.com/replsim/replsim/scenarios"
	"github.com/replsim/replsim/scenarios/explore"
	"github.com/replsim/replsim/scenarios/outdir"
)

// exploreFlags are the flags of simrun explore.
type exploreFlags struct {
	budget     time.Duration
	runs       int
	seed       uint64
	workers    int
	out        string
	force      bool
	bugs       []string
	shrinkRuns int
}

func exploreCommand(stdout, stderr io.Writer, site *crashSite) *cobra.Command {
	var fl exploreFlags
	cmd := &cobra.Command{
		Use:   "explore FILE.yaml",
		Short: "Search a scenario's explore: space for a violation and shrink it to a minimal file",
		Long: `Explore generates scenarios from the file's explore: section (fault kinds,
how many, when and how long, config values, workload ranges), runs them on
--workers cores, and stops at the first run that breaks the property: the
file's expectations, the replication invariants and, unless explore: says
linearizable: false, linearizability. Each case enables a random subset of
the allowed fault kinds. Case i is drawn from --seed and i alone, and the
first failing case is the one of lowest index, so the same seed finds the
same case whatever the number of workers.

The failing case is then shrunk (fewer faults, shorter and later faults,
the file's config and workload, a lower rate, a shorter run) while it
breaks the same property, and written as an ordinary scenario file,
minimal.yaml, next to the artifacts of its run (summary.json, trace.log,
history.json):

  simrun-out/explore/<name>/<UTC time>-seed<N>/minimal.yaml

The last lines say the violated property, the minimal file and the command
that replays it. simrun explore exits 1 when it finds a violation, 0 when
the budget ends without one. Ctrl-C stops the search (exit 130), or stops
the shrinking and writes the smallest failing case so far (exit 1).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return fl.run(args[0], stdout, stderr, site)
		},
	}
	cmd.Flags().DurationVar(&fl.budget, "budget", 10*time.Minute, "wall time of the search, shrinking apart (0: no bound, then --runs bounds it)")
	cmd.Flags().IntVar(&fl.runs, "runs", 0, "most cases to run (0: no bound, then --budget bounds it)")
	cmd.Flags().Uint64Var(&fl.seed, "seed", 1, "root seed: case i is drawn from it and i")
	cmd.Flags().IntVar(&fl.workers, "workers", 0, "cases run side by side (0: one per core)")
	cmd.Flags().IntVar(&fl.shrinkRuns, "shrink-runs", 300, "most runs of shrinking")
	cmd.Flags().StringVar(&fl.out, "out", "", "output directory (default: a new simrun-out/explore/<name>/<UTC time>-seed<N>/)")
	cmd.Flags().BoolVar(&fl.force, "force", false, "write into an --out directory that is not empty")
	cmd.Flags().StringArrayVar(&fl.bugs, "bug", nil, "switch on a planted bug of the engine in every case (repeatable)")
	return cmd
}

// run explores one file and writes its minimal file when it finds a
// violation.
func (fl *exploreFlags) run(file string, stdout, stderr io.Writer, site *crashSite) error {
	switch {
	case fl.budget < 0 || fl.runs < 0 || fl.shrinkRuns < 0:
		return badInput(fmt.Errorf("--budget, --runs and --shrink-runs are not negative"))
	case fl.budget == 0 && fl.runs == 0:
		return badInput(fmt.Errorf("give --budget or --runs: an exploration needs a bound"))
	case fl.workers < 0:
		return badInput(fmt.Errorf("--workers %d: want 1 or more, or 0 for one per core", fl.workers))
	case fl.workers == 0:
		fl.workers = runtime.NumCPU()
	}
	sp, err := explore.Load(file, fl.bugs)
	if err != nil {
		return badInput(err)
	}
	if fl.out != "" {
		if err := usableOut(fl.out, fl.force); err != nil {
			return badInput(err)
		}
	}
	fmt.Fprintf(stdout, "explore %s: seed %d, %d workers\n", file, fl.seed, fl.workers)
	fmt.Fprintf(stdout, "  space: %s\n", sp.Describe())
	fmt.Fprintf(stdout, "  property: %s\n", sp.Property())
	opts := explore.Options{Seed: fl.seed, Runs: fl.runs, Budget: fl.budget, Workers: fl.workers, ShrinkRuns: fl.shrinkRuns}
	prog := newExploreProgress(stderr)
	opts.Progress = prog.update
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		// A second Ctrl-C kills the process as usual.
		<-ctx.Done()
		stop()
	}()
	opts.Stop = ctx.Done()
	res, err := sp.Explore(opts)
	prog.finish()
	if err != nil {
		return internalError(err)
	}
	if res.Interrupted && !res.Found {
		fmt.Fprintf(stdout, "interrupted after %d runs (%s), no violation so far\n", res.Runs, res.Elapsed.Round(time.Millisecond))
		return &exitError{code: exitInterrupted}
	}
	if res.Interrupted {
		fmt.Fprintln(stdout, "interrupted while shrinking: the file below is the smallest failing case so far")
	}
	if !res.Found {
		fmt.Fprintf(stdout, "no violation in %d runs (%s, %.1f runs/s)\n", res.Runs, res.Elapsed.Round(time.Millisecond), float64(res.Runs)/res.Elapsed.Seconds())
		return nil
	}
	fmt.Fprintf(stdout, "violation in case %d after %d runs (%s): %s\n", res.Index, res.Runs, res.Elapsed.Round(time.Millisecond), res.Outcome.Line)
	fmt.Fprintf(stdout, "shrunk in %d runs (%s): %d faults -> %d\n", res.ShrinkRuns, res.ShrinkElapsed.Round(time.Millisecond), len(res.Case.Faults), len(res.Minimal.Faults))
	dir := fl.out
	if dir == "" {
		if dir, err = newRunDir(filepath.Join(outRoot, "explore"), sp.Base().Name, fl.seed, time.Now(), stderr); err != nil {
			return internalError(err)
		}
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return internalError(err)
	}
	path := filepath.Join(dir, "minimal.yaml")
	text, s, err := sp.MinimalFile(res, opts, path)
	if err != nil {
		return internalError(fmt.Errorf("the minimal file does not load: %w", err))
	}
	if err := outdir.WriteFile(path, text); err != nil {
		return internalError(err)
	}
	site.dir = dir
	rec, err := runAndWrite(s, res.Minimal.Seed, dir, reports.TraceFull, scenarios.RunOptions{SampleEvery: reports.SampleEvery(s.Duration)})
	if err != nil && res.MinimalOutcome.Violation == "panic" {
		// The violation is the engine's own panic: the run's artifacts
		// end with it (trace.log up to it, panic.txt).
		fmt.Fprintf(stdout, "  violated: %s\n", res.MinimalOutcome.Line)
		fmt.Fprintf(stdout, "  minimal: %s\n", path)
		fmt.Fprintf(stdout, "  stack: %s\n", filepath.Join(dir, reports.PanicFile))
		fmt.Fprintf(stdout, "  replay: %s\n", scenarios.ReplayCommand(s, res.Minimal.Seed))
		return &exitError{code: exitFailed}
	}
	if err != nil {
		return internalError(err)
	}
	if rec.OK {
		return internalError(fmt.Errorf("the minimal file %s passes when run again: a run that is not deterministic", path))
	}
	fmt.Fprintf(stdout, "  violated: %s\n", res.MinimalOutcome.Line)
	fmt.Fprintf(stdout, "  minimal: %s\n", path)
	fmt.Fprintf(stdout, "  replay: %s\n", rec.Replay())
	return &exitError{code: exitFailed}
}

// exploreProgress shows runs and runs/s on stderr, on a terminal only.
type exploreProgress struct {
	w    io.Writer
	tty  bool
	last time.Time
}

func newExploreProgress(stderr io.Writer) *exploreProgress {
	p := &exploreProgress{w: stderr}
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.tty = true
	}
	return p
}

func (p *exploreProgress) update(pr explore.Progress) {
	if !p.tty || time.Since(p.last) < 200*time.Millisecond {
		return
	}
	p.last = time.Now()
	line := fmt.Sprintf("%s: %d runs, %.1f runs/s", pr.Phase, pr.Runs, float64(pr.Runs)/max(pr.Elapsed.Seconds(), 1e-3))
	if pr.Phase == "shrink" {
		line += fmt.Sprintf(", %d faults so far", pr.Faults)
	}
	fmt.Fprintf(p.w, "\r%-60s", line)
}

func (p *exploreProgress) finish() {
	if p.tty {
		fmt.Fprintf(p.w, "\r%-60s\r", "")
	}
}
