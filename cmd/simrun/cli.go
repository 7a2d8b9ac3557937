package main

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/replsim/replsim/reports"
	"github.com/replsim/replsim/scenarios"
	"github.com/replsim/replsim/scenarios/outdir"
	"github.com/replsim/replsim/scenarios/spec"
)

// Exit codes. Each means one thing whatever the subcommand, so that a
// script or a CI job can tell a failed expectation from a typo from a bug.
const (
	exitOK           = 0 // every expectation holds (simrun check: the history is linearizable)
	exitFailed       = 1 // an expectation fails (simrun check: not linearizable, or a replica read from the future)
	exitBadInput     = 2 // bad input: a file, a flag, a --set, an argument, an --out in use
	exitInconclusive = 3 // a check ran out of time or memory: neither a pass nor a failure
	exitInternal     = 4 // an internal error: a run that failed or panicked, artifacts that could not be written
	// 130 (interrupted by Ctrl-C or SIGTERM) is exitInterrupted, in sweep.go.
)

// exitStatusHelp ends the long help of every command.
var exitStatusHelp = fmt.Sprintf(`Exit status, the same for every subcommand: %d when every expectation holds,
%d when one fails, %d on bad input (a file, a flag, a --set), %d when a check
is inconclusive, %d on an internal error (a bug, or artifacts that could not be
written), %d when interrupted.`,
	exitOK, exitFailed, exitBadInput, exitInconclusive, exitInternal, exitInterrupted)

// exitError carries an exit code out of a cobra command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func badInput(err error) error { return &exitError{code: exitBadInput, err: err} }

func internalError(err error) error { return &exitError{code: exitInternal, err: err} }

// crashSite is what the top-level guard says with a panic: the output
// folder a subcommand writes to (the whole stack goes to panic.txt in it)
// and the command that replays what it was doing, when there is one.
type crashSite struct {
	dir, replay string
}

// report prints a panic as an internal error: its value, the first frames
// of its stack, the replay line, and where the whole stack went.
func (c *crashSite) report(stderr io.Writer, v any, stack []byte) {
	fmt.Fprintf(stderr, "simrun: internal error: %v\n%s", v, stackHead(stack))
	if c.replay != "" {
		fmt.Fprintf(stderr, "  replay: %s\n", c.replay)
	}
	if c.dir == "" {
		return
	}
	path := filepath.Join(c.dir, reports.PanicFile)
	if err := outdir.WriteFile(path, panicText(v, c.replay, stack)); err != nil {
		fmt.Fprintf(stderr, "  (the stack could not be written: %v)\n", err)
		return
	}
	fmt.Fprintf(stderr, "  stack: %s\n", path)
}

// run is the whole CLI, testable: arguments in, exit code out. A panic in
// a subcommand is our bug: it exits with exitInternal, the first frames of
// its stack and the replay line, and the whole stack in panic.txt in the
// output folder, never with Go's crash trace.
func run(args []string, stdout, stderr io.Writer) (code int) {
	site := &crashSite{}
	defer func() {
		if v := recover(); v != nil {
			site.report(stderr, v, debug.Stack())
			code = exitInternal
		}
	}()
	root := &cobra.Command{
		Use:   "simrun",
		Short: "Deterministic simulator of Redis master-replica replication",
		Long: `Simrun runs replsim scenarios: one run with a verdict, a trace and the command
that replays it (simrun run), sweeps over many runs and their reports, and
the linearizability check of a history file on its own.`,
		Version:       version(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(runCommand(stdout, stderr, site))
	root.AddCommand(sweepCommands(stdout, stderr, site)...)
	root.AddCommand(checkCommand(stdout, site))
	root.AddCommand(exploreCommand(stdout, stderr, site))
	for _, c := range append(root.Commands(), root) {
		if !strings.Contains(c.Long, "Exit status") {
			c.Long = strings.TrimSuffix(cmp.Or(c.Long, c.Short), ".") + ".\n\n" + exitStatusHelp
		}
	}
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(stderr, "simrun:", ee.err)
		}
		return ee.code
	}
	// Cobra's own errors: unknown command or flag, wrong arguments.
	fmt.Fprintln(stderr, "simrun:", err)
	return exitBadInput
}

// stackFrames is how many frames of a panic's stack simrun prints.
const stackFrames = 8

// stackHead returns the first frames of a stack as runtime/debug.Stack
// renders it, starting at the frame that panicked.
func stackHead(stack []byte) string {
	lines := strings.Split(strings.TrimSpace(string(stack)), "\n")
	// Frames are two lines each (function, then file:line) after the
	// goroutine header; the panic call is a frame "panic(...)".
	start := 1
	for i := 1; i+1 < len(lines); i += 2 {
		if strings.HasPrefix(lines[i], "panic(") {
			start = i + 2 // the last one: a deferred call may panic again
		}
	}
	end := min(start+2*stackFrames, len(lines))
	var b strings.Builder
	for _, l := range lines[start:end] {
		b.WriteString("  " + l + "\n")
	}
	return b.String()
}

// version is the module version the binary was built from and, for a
// build from a checkout, its VCS revision; "devel" when the build recorded
// neither.
func version() string {
	v := "devel"
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	if m := bi.Main.Version; m != "" && m != "(devel)" {
		return m
	}
	var rev, dirty string
	for _, s := range bi.Settings {
		switch {
		case s.Key == "vcs.revision":
			rev = s.Value[:min(12, len(s.Value))]
		case s.Key == "vcs.modified" && s.Value == "true":
			dirty = "-dirty"
		}
	}
	if rev != "" {
		v += " " + rev + dirty
	}
	return v
}

// runFlags are the flags of simrun run.
type runFlags struct {
	seed      uint64
	seedSet   bool
	out       string
	force     bool
	sets      []string
	bugs      []string
	trace     string
	wallLimit time.Duration
	quiet     bool
	json      bool
}

func runCommand(stdout, stderr io.Writer, site *crashSite) *cobra.Command {
	var fl runFlags
	cmd := &cobra.Command{
		Use:   "run FILE.yaml",
		Short: "Run one scenario under one seed and check its expectations",
		Long: `Run builds the world of a scenario file, runs its fault phase and then a heal
phase (faults lifted, workload stopped, until the replicas converge or a
bound), checks its expectations, and writes summary.json, trace.log,
history.json and run.html (the run's page: a timeline of faults, links,
syncs and promotions, the replicas' lag, the clients' latency, throughput
and errors over time, every figure, the replay command), plus history.html
when the history is not linearizable. simrun-out/index.html lists every
run and sweep under simrun-out, newest first.

-q prints only the verdict line; --json prints summary.json on stdout and
nothing else there. On a terminal a run that takes more than a second
shows its progress on stderr: simulated time of the fault phase, and
events per second.
--trace faults leaves the network's lines (one per message) out of trace.log,
--trace off writes none; trace_sha256 in summary.json covers every line
either way.

Every run gets a folder of its own, so that no run writes over another's
results:

  simrun-out/<name>/<UTC time>-seed<N>/
  simrun-out/backlog-boundary/20261202T063015.123Z-seed1/   (for example)

where <name> is the file's name: key, with a suffix -2, -3, ... when that
folder exists already. The link simrun-out/<name>/latest points at the
newest. --out DIR writes into DIR instead; a DIR that holds anything is
refused unless --force is given: then the artifacts of an earlier run in
DIR are replaced, those this run does not write removed, and other files
left as they were. Artifacts are written under temporary names and renamed
into place when the run is over, so a folder never holds artifacts of two
runs, and a link in it is replaced, never written through.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			fl.seedSet = cmd.Flags().Changed("seed")
			return fl.run(args[0], stdout, stderr, site)
		},
	}
	cmd.Flags().Uint64Var(&fl.seed, "seed", 0, "seed of the run (default: the file's first seed)")
	cmd.Flags().StringVar(&fl.out, "out", "", "output directory (default: a new simrun-out/<name>/<UTC time>-seed<N>/)")
	cmd.Flags().BoolVar(&fl.force, "force", false, "write into an --out directory that is not empty")
	cmd.Flags().StringArrayVar(&fl.sets, "set", nil, "override a key of the file: --set config.repl-backlog-size=4mb (repeatable)")
	cmd.Flags().StringArrayVar(&fl.bugs, "bug", nil, "switch on a planted bug of the engine (repeatable): "+strings.Join(scenarios.BugNames(), ", "))
	cmd.Flags().DurationVar(&fl.wallLimit, "wall-limit", 0, "end the run with a reason if it is still going after this much wall time (0: no limit)")
	cmd.Flags().BoolVarP(&fl.quiet, "quiet", "q", false, "print only the verdict line")
	cmd.Flags().BoolVar(&fl.json, "json", false, "print the run's summary.json on stdout, and nothing else there")
	cmd.MarkFlagsMutuallyExclusive("quiet", "json")
	cmd.Flags().StringVar(&fl.trace, "trace", "full", "what trace.log holds: full, faults (all but the network's lines) or off; trace_sha256 covers every line in any mode")
	return cmd
}

// run loads, runs and writes one scenario file under one seed.
func (fl *runFlags) run(file string, stdout, stderr io.Writer, site *crashSite) error {
	if fl.wallLimit < 0 {
		return badInput(fmt.Errorf("--wall-limit %s: want 0 (no limit) or more", fl.wallLimit))
	}
	ov, err := scenarios.SetArgs(fl.sets...)
	if err != nil {
		return badInput(err)
	}
	ov.Bugs = fl.bugs
	mode, err := reports.ParseTraceMode(fl.trace)
	if err != nil {
		return badInput(fmt.Errorf("--%w", err))
	}
	s, err := scenarios.LoadFile(file, ov)
	if err != nil {
		return badInput(err)
	}
	seed := fl.seed
	if !fl.seedSet {
		seed = s.Seeds[0]
	}
	if fl.out != "" {
		if err := usableOut(fl.out, fl.force); err != nil {
			return badInput(err)
		}
	}
	if !fl.quiet && !fl.json {
		fmt.Fprintf(stdout, "seed %d\n", seed)
	}
	dir := fl.out
	if dir == "" {
		if dir, err = newRunDir(outRoot, s.Name, seed, time.Now(), stderr); err != nil {
			return internalError(err)
		}
	}
	site.dir, site.replay = dir, scenarios.ReplayCommand(s, seed)
	opts := scenarios.RunOptions{WallLimit: fl.wallLimit, SampleEvery: reports.SampleEvery(s.Duration)}
	var prog *runProgress
	if !fl.quiet {
		if prog = newRunProgress(stderr, s.Duration); prog != nil {
			opts.Progress = prog.update
		}
	}
	rec, err := runAndWrite(s, seed, dir, mode, opts)
	prog.finish()
	if err != nil {
		return internalError(fmt.Errorf("%v\n  artifacts: %s\n  replay: %s", err, dir, site.replay))
	}
	updateIndex(stderr)
	switch {
	case fl.json:
		b, err := os.ReadFile(filepath.Join(dir, reports.SummaryFile))
		if err != nil {
			return internalError(err)
		}
		stdout.Write(b)
	case fl.quiet:
		line, _, _ := strings.Cut(rec.Text(), "\n")
		fmt.Fprintln(stdout, line)
	default:
		fmt.Fprint(stdout, rec.Text())
		fmt.Fprintf(stdout, "  artifacts: %s\n", dir)
		fmt.Fprintf(stdout, "  page: %s\n", filepath.Join(dir, reports.RunHTML))
	}
	if !rec.OK {
		return &exitError{code: exitFailed}
	}
	return nil
}

// outRoot holds the folders of simrun run, one per scenario name.
const outRoot = "simrun-out"

// updateIndex rewrites outRoot/index.html, the list of every run and
// sweep there, when outRoot exists; a failure is a warning, not a failure
// of the run.
func updateIndex(stderr io.Writer) {
	if err := reports.WriteIndex(outRoot); err != nil {
		fmt.Fprintf(stderr, "simrun: warning: %s/%s not updated: %v\n", outRoot, reports.IndexHTML, err)
	}
}

// runDirsMax bounds the -2, -3, ... suffixes newRunDir tries.
const runDirsMax = 1000

// newRunDir makes a new folder root/name/<UTC time>-seed<seed>, with a
// suffix -2, -3, ... if that one exists, and points root/name/latest at it.
// The time is the wall clock's, to the millisecond: runs sort by it, and a
// folder is never reused, so no run loses another's results. A link that
// cannot be made is a warning on stderr, not a failure of the run.
func newRunDir(root, name string, seed uint64, now time.Time, stderr io.Writer) (string, error) {
	parent, err := underRoot(root, name)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", err
	}
	if st, err := os.Lstat(parent); err != nil || !st.IsDir() {
		return "", fmt.Errorf("%s is not a folder (a link?): simrun does not write through it (%v)", parent, err)
	}
	stamp := fmt.Sprintf("%s-seed%d", now.UTC().Format("20060102T150405.000Z"), seed)
	for i := 1; i <= runDirsMax; i++ {
		leaf := stamp
		if i > 1 {
			leaf = fmt.Sprintf("%s-%d", stamp, i)
		}
		err := os.Mkdir(filepath.Join(parent, leaf), 0o755)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", err
		}
		if err := pointLatest(parent, leaf); err != nil {
			fmt.Fprintf(stderr, "simrun: warning: %s/latest not updated: %v\n", parent, err)
		}
		return filepath.Join(parent, leaf), nil
	}
	return "", fmt.Errorf("%s: %d folders %s* exist already", parent, runDirsMax, stamp)
}

// pointLatest points the link parent/latest at parent/leaf (a relative
// link, so that the folder can be moved), atomically: a new link under a
// temporary name renamed over the old one, so that a reader never finds
// latest missing or half made.
func pointLatest(parent, leaf string) error {
	tmp := filepath.Join(parent, fmt.Sprintf(".latest.%d", os.Getpid()))
	os.Remove(tmp) // left over by an earlier process with this pid
	if err := os.Symlink(leaf, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(parent, "latest")); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// underRoot returns root/leaf, or an error when leaf is not one folder
// inside root. The loader refuses such scenario names already; this keeps
// a default output path from leaving the folder whatever its caller.
func underRoot(root, leaf string) (string, error) {
	if !filepath.IsLocal(leaf) || strings.ContainsAny(leaf, `/\`) || strings.HasPrefix(leaf, ".") {
		return "", fmt.Errorf("%q cannot name a folder under %s/: rename the scenario, or give --out DIR", leaf, root)
	}
	return filepath.Join(root, leaf), nil
}

// usableOut refuses an --out that is not a directory, or that holds
// anything unless force: a run never mixes its files with an earlier
// run's by accident. It changes nothing on disk.
func usableOut(dir string, force bool) error {
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("--out: %w", err)
	case !st.IsDir():
		return fmt.Errorf("--out %s is a file, not a directory", dir)
	case force:
		return nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	if len(entries) > 0 {
		return fmt.Errorf("--out %s is not empty (it holds %s): give --force to write into it, or leave --out out for a new folder under %s/", dir, entries[0].Name(), outRoot)
	}
	return nil
}

// runAndWrite runs one world with its trace going to dir/trace.log (the
// lines mode keeps), then writes the rest of the run's artifacts there.
// Each artifact is written under a temporary name and renamed into place
// at the end, after the artifacts of an earlier run in dir are removed: dir
// never holds artifacts of two runs. On an error nothing of this run is
// left in dir. A panic (a broken invariant of the engine: our bug) becomes
// an error that carries the first frames of its stack, so that simrun run
// can print the replay line with it; the trace up to the panic and the
// whole stack, in panic.txt, are kept in dir.
func runAndWrite(s *spec.Spec, seed uint64, dir string, mode reports.TraceMode, opts scenarios.RunOptions) (rec *scenarios.Record, err error) {
	d, err := reports.NewRunDir(dir)
	if err != nil {
		return nil, err
	}
	var trace *reports.TraceLog
	defer func() {
		if v := recover(); v != nil {
			stack := debug.Stack()
			if trace != nil {
				trace.Close()
			}
			err = fmt.Errorf("internal error: %v\n%s", v, strings.TrimSuffix(stackHead(stack), "\n"))
			replay := ""
			if s != nil {
				replay = scenarios.ReplayCommand(s, seed)
			}
			if werr := d.WriteFile(reports.PanicFile, panicText(v, replay, stack)); werr == nil && d.Commit() == nil {
				err = fmt.Errorf("%w\n  stack: %s", err, filepath.Join(dir, reports.PanicFile))
			}
			d.Abort()
		}
	}()
	trace, err = d.CreateTrace(mode)
	if err != nil {
		d.Abort()
		return nil, err
	}
	opts.Trace = trace.Writer()
	rec, err = scenarios.Run(s, seed, opts)
	if cerr := trace.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err == nil {
		err = d.WriteRun(rec)
	}
	if err == nil {
		err = d.Commit()
	}
	if err != nil {
		d.Abort()
		return nil, err
	}
	return rec, nil
}

// panicText is panic.txt: the panic's value, the command that replays
// what panicked when there is one, and the whole stack.
func panicText(v any, replay string, stack []byte) []byte {
	text := fmt.Appendf(nil, "panic: %v\n", v)
	if replay != "" {
		text = fmt.Appendf(text, "replay: %s\n", replay)
	}
	return fmt.Appendf(text, "\n%s", stack)
}
