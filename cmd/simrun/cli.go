package main

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/replsim/replsim/reports"
	"github.com/replsim/replsim/scenarios"
	"github.com/replsim/replsim/scenarios/spec"
)

// Exit codes. Each means one thing whatever the subcommand, so that a
// script or a CI job can tell a failed expectation from a typo from a bug.
const (
	exitOK           = 0 // every expectation holds (simrun check: the history is linearizable)
	exitFailed       = 1 // an expectation fails (simrun check: not linearizable, or a replica read from the future)
	exitBadInput     = 2 // bad input: a file, a flag, a --set, an argument, an --out in use
	exitInconclusive = 3 // a check ran out of time: neither a pass nor a failure
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

func (e *exitError) Error() string { return e.err.Error() }

func badInput(err error) error { return &exitError{code: exitBadInput, err: err} }

func internalError(err error) error { return &exitError{code: exitInternal, err: err} }

// run is the whole CLI, testable: arguments in, exit code out. A panic in
// a subcommand is our bug: it exits with exitInternal and the first frames
// of its stack, never with Go's crash trace.
func run(args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		if v := recover(); v != nil {
			fmt.Fprintf(stderr, "simrun: internal error: %v\n%s", v, stackHead(debug.Stack()))
			code = exitInternal
		}
	}()
	root := &cobra.Command{
		Use:           "simrun",
		Short:         "Deterministic simulator of Redis master-replica replication",
		Long:          "Simrun runs replsim scenarios: one run with a verdict, a trace and the command\nthat replays it (simrun run), sweeps over many runs and their reports, and\nthe linearizability check of a history file on its own.",
		Version:       version(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(runCommand(stdout))
	root.AddCommand(sweepCommands(stdout, stderr)...)
	root.AddCommand(checkCommand(stdout))
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
		if ee.err != nil && ee.code != exitFailed {
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
			start = i + 2
			break
		}
	}
	end := min(start+2*stackFrames, len(lines))
	var b bytes.Buffer
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

func runCommand(stdout io.Writer) *cobra.Command {
	var (
		seed    uint64
		seedSet bool
		out     string
		sets    []string
		bugs    []string
	)
	cmd := &cobra.Command{
		Use:   "run FILE.yaml",
		Short: "Run one scenario under one seed and check its expectations",
		Long: `Run builds the world of a scenario file, runs its fault phase and then a heal
phase (faults lifted, workload stopped, until the replicas converge or a
bound), checks its expectations, and writes summary.json, trace.log and
history.json to the output directory (default simrun-out/<name>-<seed>/).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			seedSet = cmd.Flags().Changed("seed")
			ov, err := scenarios.SetArgs(sets...)
			if err != nil {
				return badInput(err)
			}
			ov.Bugs = bugs
			s, err := scenarios.LoadFile(args[0], ov)
			if err != nil {
				return badInput(err)
			}
			if !seedSet {
				seed = s.Seeds[0]
			}
			dir := out
			if dir == "" {
				dir = filepath.Join("simrun-out", fmt.Sprintf("%s-%d", s.Name, seed))
			}
			fmt.Fprintf(stdout, "seed %d\n", seed)
			rec, err := runAndWrite(s, seed, dir)
			if err != nil {
				return internalError(fmt.Errorf("%v\n  artifacts: %s\n  replay: %s", err, dir, scenarios.ReplayCommand(s, seed)))
			}
			fmt.Fprint(stdout, rec.Text())
			fmt.Fprintf(stdout, "  artifacts: %s\n", dir)
			if !rec.OK {
				return &exitError{code: exitFailed}
			}
			return nil
		},
	}
	cmd.Flags().Uint64Var(&seed, "seed", 0, "seed of the run (default: the file's first seed)")
	cmd.Flags().StringVar(&out, "out", "", "output directory (default simrun-out/<name>-<seed>)")
	cmd.Flags().StringArrayVar(&sets, "set", nil, "override a key of the file: --set config.repl-backlog-size=4mb (repeatable)")
	cmd.Flags().StringArrayVar(&bugs, "bug", nil, "switch on a planted bug of the engine (repeatable)")
	return cmd
}

// runAndWrite runs one world with its trace going to dir/trace.log, then
// writes the rest of the run's artifacts there. A panic (a broken
// invariant of the engine: our bug) becomes an error that carries the
// first frames of its stack, so that simrun run can print the replay line
// with it.
func runAndWrite(s *spec.Spec, seed uint64, dir string) (rec *scenarios.Record, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("internal error: %v\n%s", v, strings.TrimSuffix(stackHead(debug.Stack()), "\n"))
		}
	}()
	trace, err := reports.CreateTrace(dir)
	if err != nil {
		return nil, err
	}
	rec, err = scenarios.Run(s, seed, scenarios.RunOptions{Trace: trace})
	if cerr := trace.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("writing %s: %w", reports.TraceFile, cerr)
	}
	if err != nil {
		return nil, err
	}
	return rec, reports.WriteRun(dir, rec)
}
