package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/replsim/replsim/reports"
	"github.com/replsim/replsim/scenarios"
	"github.com/replsim/replsim/scenarios/spec"
)

// Exit codes.
const (
	exitOK       = 0 // every expectation holds
	exitFailed   = 1 // an expectation failed
	exitBadInput = 2 // bad input or usage
)

// exitError carries an exit code out of a cobra command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }

func badInput(err error) error { return &exitError{code: exitBadInput, err: err} }

// run is the whole CLI, testable: arguments in, exit code out.
func run(args []string, stdout, stderr io.Writer) int {
	root := &cobra.Command{
		Use:           "simrun",
		Short:         "Deterministic simulator of Redis master-replica replication",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(runCommand(stdout))
	root.AddCommand(sweepCommands(stdout, stderr)...)
	root.AddCommand(checkCommand(stdout))
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
history.json to the output directory (default simrun-out/<name>-<seed>/).

Exit status: 0 when every expectation holds, 1 when one fails, 2 on bad
input or usage.`,
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
				return badInput(err)
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
// writes the rest of the run's artifacts there.
func runAndWrite(s *spec.Spec, seed uint64, dir string) (*scenarios.Record, error) {
	trace, err := reports.CreateTrace(dir)
	if err != nil {
		return nil, err
	}
	rec, err := scenarios.Run(s, seed, scenarios.RunOptions{Trace: trace})
	if cerr := trace.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("writing %s: %w", reports.TraceFile, cerr)
	}
	if err != nil {
		return nil, err
	}
	return rec, reports.WriteRun(dir, rec)
}
