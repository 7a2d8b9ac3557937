package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/replsim/replsim/reports"
	"github.com/replsim/replsim/scenarios"
	"github.com/replsim/replsim/scenarios/sweep"
)

// exitInterrupted is the exit status of a sweep stopped by Ctrl-C or
// SIGTERM: its finished runs are saved, and --resume goes on.
const exitInterrupted = 130

// sweepCommands are simrun sweep, report and merge.
// site is where a panic's stack goes, once a command knows its folder.
func sweepCommands(stdout, stderr io.Writer, site *crashSite) []*cobra.Command {
	return []*cobra.Command{sweepCommand(stdout, stderr, site), reportCommand(stdout, stderr, site), mergeCommand(stdout, stderr, site)}
}

// sweepFlags are the flags of simrun sweep; seedsGiven and targetGiven
// say whether the command line set --seeds and --target.
type sweepFlags struct {
	vary, sets              []string
	seeds, workers          int
	out                     string
	resume, force           bool
	shard, target           string
	seedsGiven, targetGiven bool
	wallLimit               time.Duration
}

const sweepHelp = `Sweep runs the cross product of the --vary values times --seeds seeds (seeds
1..N), one world per worker, and appends each finished run to
DIR/results.jsonl at once. Then it writes results.csv, summary.csv, plots
(PNG and SVG) and report.html into DIR.

Without FILE it sweeps the embedded default scenario (a master and two
replicas, a steady write load, random disconnects of random length) over
` + sweep.DefaultVary + `.

--vary KEY=V1,V2,... takes any key of the scenario format as a dotted path
(config.repl-backlog-size, workload.rate, protocol, nodes.1.config.repl-timeout);
KEY=LO..HI*FACTOR is a geometric range (16kb..64mb*2). Two --vary make a grid.

A DIR that already holds a sweep is refused unless --resume (keep its
runs and run the rest, or the runs of more --seeds) or --force (replace
them). Ctrl-C stops cleanly: the runs under way finish and are saved, and
--resume runs the rest. --shard i/n runs runs i, i+n, i+2n, ... so that n
machines share a sweep; simrun merge joins their directories.

One sweep, resume, merge or report writes to a DIR at a time: each holds
DIR/sweep.lock while it writes. A lock left by a process that is gone is
taken over, with a notice.

Exit status: 0 when done, 2 on bad input (a DIR that holds a sweep without
--resume or --force, or that another simrun holds the lock of, included:
then nothing in it changes), 4 on an
internal error (a run that failed or panicked, a file that could not be
written; the finished runs are kept), 130 when interrupted.`

func sweepCommand(stdout, stderr io.Writer, site *crashSite) *cobra.Command {
	var fl sweepFlags
	cmd := &cobra.Command{
		Use:   "sweep [FILE.yaml]",
		Short: "Run a scenario over a grid of knob values and many seeds; write tables, plots and report.html",
		Long:  sweepHelp,
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			fl.seedsGiven, fl.targetGiven = cmd.Flags().Changed("seeds"), cmd.Flags().Changed("target")
			plan, err := fl.plan(args)
			if err != nil {
				return badInput(err)
			}
			opts, err := fl.options(plan)
			if err != nil {
				return badInput(err)
			}
			site.dir = opts.Dir
			unlock, err := lockDir(opts.Dir, stderr)
			if err != nil {
				return err
			}
			defer unlock()
			o, err := runSweep(stdout, stderr, plan, opts)
			if pe := (*sweep.PanicError)(nil); errors.As(err, &pe) {
				site.replay = plan.ReplayCommand(opts.Dir, pe.Run)
				site.report(stderr, pe, pe.Stack)
				return &exitError{code: exitInternal}
			}
			if err != nil {
				return sweepError(err)
			}
			target := fl.target
			if t := sweptTarget(opts.Dir, ""); !fl.targetGiven && t != "" {
				// A resumed sweep keeps the target it was run with.
				target, plan.Target = t, t
			}
			tgt, err := reports.ParseTarget(target)
			if err != nil {
				return badInput(err)
			}
			if err := writeReport(stdout, stderr, opts.Dir, tgt, -1); err != nil {
				return err
			}
			if o.Interrupted {
				fmt.Fprintf(stdout, "interrupted after %d of %s; the rest run with:\n  %s --resume\n", o.Ran, reports.Plural(o.Total, "run"), plan.Command(opts.Dir))
				return &exitError{code: exitInterrupted}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&fl.vary, "vary", nil, "a knob and its values: KEY=V1,V2,... or KEY=LO..HI*FACTOR (repeatable: a grid)")
	f.StringArrayVar(&fl.sets, "set", nil, "override a key of the file for every run (repeatable)")
	f.IntVar(&fl.seeds, "seeds", sweep.DefaultSeeds, fmt.Sprintf("seeds per point, 1..N (default %d for the default scenario, 10 for a file)", sweep.DefaultSeeds))
	f.IntVar(&fl.workers, "workers", 0, "worlds run at once (0: the number of cores)")
	f.StringVar(&fl.out, "out", "", "output directory (default simrun-out/sweep-<name>)")
	f.BoolVar(&fl.resume, "resume", false, "keep the runs already in DIR/results.jsonl and run the rest (more --seeds add runs)")
	f.BoolVar(&fl.force, "force", false, "replace the runs of a DIR that holds a sweep (without --resume or --force it is refused)")
	f.StringVar(&fl.shard, "shard", "", "run only shard i of n (i/n, 0 <= i < n); join the shards with simrun merge")
	f.DurationVar(&fl.wallLimit, "wall-limit", 0, "end a run still going after this much wall time, with that limit in its record (0: no limit)")
	f.StringVar(&fl.target, "target", "1%", "full-resync frequency the recommended backlog keeps under, with 95% confidence")
	return cmd
}

// plan reads the scenario (the default one without a file) and the
// knobs, and checks the plan.
func (fl *sweepFlags) plan(args []string) (*sweep.Plan, error) {
	file, src, vary, seeds := sweep.DefaultFile, sweep.DefaultScenario, fl.vary, fl.seeds
	if len(args) == 1 {
		file = args[0]
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		src = b
		if !fl.seedsGiven {
			seeds = 10
		}
	} else if len(vary) == 0 {
		vary = []string{sweep.DefaultVary}
	}
	var knobs []sweep.Vary
	for _, v := range vary {
		k, err := sweep.ParseVary(v)
		if err != nil {
			return nil, err
		}
		knobs = append(knobs, k)
	}
	ov, err := scenarios.SetArgs(fl.sets...)
	if err != nil {
		return nil, err
	}
	if _, err := reports.ParseTarget(fl.target); err != nil {
		return nil, err
	}
	plan, err := sweep.NewPlan(file, src, ov.Sets, knobs, seeds)
	if err != nil {
		return nil, err
	}
	if fl.targetGiven {
		plan.Target = fl.target
	}
	return plan, nil
}

// options are where and how the plan runs.
func (fl *sweepFlags) options(plan *sweep.Plan) (sweep.Options, error) {
	opts := sweep.Options{Dir: fl.out, Workers: fl.workers, Resume: fl.resume, Force: fl.force, WallLimit: fl.wallLimit}
	if opts.Dir == "" {
		dir, err := underRoot(outRoot, "sweep-"+plan.Scenario)
		if err != nil {
			return opts, err
		}
		opts.Dir = dir
	}
	if fl.shard != "" {
		sh, err := sweep.ParseShard(fl.shard)
		if err != nil {
			return opts, err
		}
		opts.Shard = sh
	}
	return opts, opts.Check()
}

// runSweep runs a sweep with a progress display, until it is done or
// interrupted (Ctrl-C, SIGTERM), and says what it did.
func runSweep(stdout, stderr io.Writer, plan *sweep.Plan, opts sweep.Options) (*sweep.Tally, error) {
	if os.Getenv("GOGC") == "" {
		// Worlds allocate fast and keep little: collecting less often
		// saves about a tenth of a sweep's time.
		debug.SetGCPercent(400)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		// A second Ctrl-C kills the process as usual.
		<-ctx.Done()
		stop()
	}()
	fmt.Fprintf(stdout, "sweep %s: %s x %s = %s", plan.Scenario, reports.Plural(plan.Points(), "point"), reports.Plural(plan.Seeds, "seed"), reports.Plural(plan.Runs(), "run"))
	if opts.Shard.N > 1 {
		fmt.Fprintf(stdout, ", shard %s", opts.Shard)
	}
	fmt.Fprintf(stdout, ", into %s\n", opts.Dir)
	if n := plan.ShardPoints(opts.Shard); n < plan.Points() {
		fmt.Fprintf(stdout, "note: shard %s runs %d of the %d points: there are fewer seeds (%d) than shards (%d); with at least as many seeds every shard covers every point\n",
			opts.Shard, n, plan.Points(), plan.Seeds, opts.Shard.N)
	}
	if opts.Force && sweep.HoldsRuns(opts.Dir) {
		fmt.Fprintf(stdout, "starting afresh: the runs in %s are replaced (--force)\n", opts.Dir)
		if err := reports.RemoveReport(opts.Dir); err != nil {
			return nil, err
		}
	}
	prog := newProgress(stderr)
	opts.Progress = prog.update
	o, err := sweep.Run(ctx, plan, opts)
	prog.finish()
	if err != nil {
		return nil, err
	}
	if o.Skipped > 0 {
		fmt.Fprintf(stdout, "resumed: %s already done\n", pluralVerb(o.Skipped, "run was", "runs were"))
	}
	if o.Ran > 0 {
		fmt.Fprintf(stdout, "%s in %s: %.2f runs/s\n", reports.Plural(o.Ran, "run"), o.Elapsed.Round(time.Millisecond), float64(o.Ran)/o.Elapsed.Seconds())
	}
	return o, nil
}

func reportCommand(stdout, stderr io.Writer, site *crashSite) *cobra.Command {
	var target string
	var timeline int
	cmd := &cobra.Command{
		Use:   "report DIR",
		Short: "Redraw the tables, plots and report.html of a sweep from its results.jsonl, without running anything",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			site.dir = args[0]
			if st, err := os.Stat(args[0]); err == nil && st.IsDir() {
				unlock, err := lockDir(args[0], stderr)
				if err != nil {
					return err
				}
				defer unlock()
			}
			if !cmd.Flags().Changed("target") {
				target = sweptTarget(args[0], target)
			}
			tgt, err := reports.ParseTarget(target)
			if err != nil {
				return badInput(err)
			}
			return writeReport(stdout, stderr, args[0], tgt, timeline)
		},
	}
	cmd.Flags().StringVar(&target, "target", "1%", "full-resync frequency the recommended backlog keeps under, with 95% confidence")
	cmd.Flags().IntVar(&timeline, "timeline", -1, "the run whose lag timeline is drawn (default: one with both full and partial resyncs)")
	return cmd
}

func mergeCommand(stdout, stderr io.Writer, site *crashSite) *cobra.Command {
	var out, target string
	var allowPartial, force bool
	cmd := &cobra.Command{
		Use:   "merge DIR...",
		Short: "Join the directories of the shards of one sweep (simrun sweep --shard i/n) and write its report",
		Long: `Merge joins the directories of the shards of one sweep into --out and
writes its report, from the runs present. The shards must hold the same
runs; their targets and numbers of seeds may differ (the merge has the most
seeds, and --target or else the first shard's target). --out may not be one
of the shards' directories nor hold a shard (even with --force: the shard
would be lost), and a --out that already holds a sweep (an earlier merge,
say) is refused unless --force.

Exit status: 0 when every run of the sweep is present (or --allow-partial),
1 when runs are missing (the directory and report are written all the
same, and the missing shards and seeds named), 2 on bad input, 4 on an
internal error.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return badInput(errors.New("merge needs --out DIR"))
			}
			site.dir = out
			unlock, err := lockDir(out, stderr)
			if err != nil {
				return err
			}
			defer unlock()
			if target != "" {
				if _, err := reports.ParseTarget(target); err != nil {
					return badInput(err)
				}
			}
			missing, err := sweep.Merge(out, args, target, force)
			if err != nil {
				return sweepError(err)
			}
			// --target, or else the first shard's, which the merge keeps.
			tgt, err := reports.ParseTarget(sweptTarget(out, "1%"))
			if err != nil {
				return badInput(err)
			}
			fmt.Fprintf(stdout, "merged %s into %s\n", reports.Plural(len(args), "directory"), out)
			if err := writeReport(stdout, stderr, out, tgt, -1); err != nil {
				return err
			}
			if missing.Runs == 0 {
				return nil
			}
			if allowPartial {
				fmt.Fprintf(stdout, "partial merge (--allow-partial): %s\n", missing)
				return nil
			}
			err = fmt.Errorf("merge: %s; the report covers the runs present (--allow-partial accepts a partial merge)", missing)
			return &exitError{code: exitFailed, err: err}
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "directory of the merged sweep (not one of the shards')")
	cmd.Flags().StringVar(&target, "target", "", "full-resync frequency the recommended backlog keeps under, with 95% confidence (default: the first shard's, else 1%)")
	cmd.Flags().BoolVar(&allowPartial, "allow-partial", false, "exit 0 even when runs of the sweep are in no shard")
	cmd.Flags().BoolVar(&force, "force", false, "replace the sweep an --out already holds")
	return cmd
}

// lockDir takes the lock of a sweep directory (making it if needed) for
// the rest of a command, which calls the returned function when done. A
// directory another simrun writes to is refused (exit 2).
func lockDir(dir string, stderr io.Writer) (unlock func(), err error) {
	l, err := sweep.Lock(dir, stderr)
	if err != nil {
		return nil, sweepError(err)
	}
	return func() {
		if err := l.Unlock(); err != nil {
			fmt.Fprintf(stderr, "simrun: warning: %v\n", err)
		}
	}, nil
}

// sweepError is the exit of a sweep's or merge's error: bad input when the
// sweep package refused (nothing was touched), else an internal error.
func sweepError(err error) error {
	if refused := (*sweep.Refusal)(nil); errors.As(err, &refused) {
		return badInput(err)
	}
	return internalError(err)
}

// sweptTarget returns the --target the sweep in dir was run with, or def.
func sweptTarget(dir, def string) string {
	meta, _, err := sweep.ReadDir(dir)
	if err != nil || meta.Plan.Target == "" {
		return def
	}
	return meta.Plan.Target
}

// writeReport reads a sweep's directory, writes its report and prints
// what it found.
func writeReport(stdout, stderr io.Writer, dir string, target float64, timeline int) error {
	meta, recs, err := sweep.ReadDir(dir)
	if err != nil {
		return badInput(err)
	}
	rep, err := reports.Write(dir, meta, recs, reports.Options{Target: target, TimelineRun: timeline})
	var noRun *reports.NoTimelineError
	switch {
	case errors.As(err, &noRun):
		return badInput(err)
	case err != nil:
		return internalError(err)
	}
	for _, r := range rep.Recommended {
		for _, line := range r.Lines(target) {
			fmt.Fprintln(stdout, line)
		}
	}
	if rep.Missing > 0 {
		fmt.Fprintf(stdout, "%s no result yet\n", pluralVerb(rep.Missing, "run has", "runs have"))
	}
	fmt.Fprintf(stdout, "wrote %s in %s\n", strings.Join(rep.Files, ", "), dir)
	updateIndex(stderr)
	return nil
}

// progress shows a sweep's progress on stderr: a bar on a terminal, a
// plain line every few seconds otherwise.
type progress struct {
	w        io.Writer
	bar      *progressbar.ProgressBar
	last     time.Time
	lastDone int
}

func newProgress(stderr io.Writer) *progress {
	p := &progress{w: stderr, last: time.Now()}
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.bar = progressbar.NewOptions(-1,
			progressbar.OptionSetWriter(stderr),
			progressbar.OptionSetDescription("sweep"),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("runs"),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSetWidth(30),
		)
	}
	return p
}

func (p *progress) update(s sweep.Progress) {
	if p.bar != nil {
		if p.bar.GetMax() != s.Total {
			p.bar.ChangeMax(s.Total)
		}
		p.bar.Set(s.Done)
		return
	}
	if s.Done < s.Total && time.Since(p.last) < 5*time.Second {
		return
	}
	p.last = time.Now()
	rate := float64(s.Done) / s.Elapsed.Seconds()
	left := ""
	if rate > 0 && s.Done < s.Total {
		left = fmt.Sprintf(", about %s left", (time.Duration(float64(s.Total-s.Done) / rate * float64(time.Second))).Round(time.Second))
	}
	fmt.Fprintf(p.w, "sweep: %d/%d runs (%d%%), %.1f runs/s%s\n", s.Done, s.Total, 100*s.Done/max(s.Total, 1), rate, left)
}

func (p *progress) finish() {
	if p.bar != nil {
		p.bar.Finish()
		fmt.Fprintln(p.w)
	}
}

// pluralVerb writes a count with the words that go with it: one for 1,
// many otherwise ("1 run has", "2 runs have").
func pluralVerb(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
