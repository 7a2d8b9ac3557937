package main

import (
	"cmp"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/replsim/replsim/scenarios"
	"github.com/replsim/replsim/scenarios/outdir"
)

func checkCommand(stdout io.Writer, site *crashSite) *cobra.Command {
	var (
		out       string
		timeout   time.Duration
		maxMemory string
	)
	cmd := &cobra.Command{
		Use:   "check HISTORY.json",
		Short: "Check a history file for linearizability",
		Long: `Check reads a history file (history.json as simrun run writes it, or one
recorded elsewhere in the same format: see go doc ./checker Op) and checks
it with porcupine against a model of Redis strings (SET, GET, INCR, APPEND,
DEL), key by key. Writes with an unknown outcome may have happened at any
time after their call; reads with an unknown outcome and failed operations
are left out; reads marked "replica": true are checked only to read from
the past. When the history is not linearizable, it explains why and writes
history.html (porcupine's visualization) to the output directory (default:
the directory of the file).

A history that is not linearizable, or in which a read sent to a replica
returned a value from the future, fails (exit 1); a malformed file or a bad
flag is bad input, and the error names its line and column (exit 2); a check
that runs out of time or past --max-memory is inconclusive (exit 3). An --out that cannot be made
or history.html that cannot be written is an output error, printed after the
verdict: exit 4, or 1 when the verdict failed, so that a violation is never
hidden.

` + exitStatusHelp,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if timeout < 0 {
				return badInput(fmt.Errorf("--timeout %s: want 0 (the default of 30s) or more", timeout))
			}
			dir := cmp.Or(out, filepath.Dir(args[0]))
			site.dir = dir
			limit, err := scenarios.ParseSize(maxMemory)
			if err != nil || limit <= 0 {
				return badInput(fmt.Errorf("--max-memory %s: want a size such as 2gb or 512mb", maxMemory))
			}
			v, err := scenarios.CheckHistoryFile(args[0], timeout, uint64(limit))
			if err != nil {
				return badInput(err)
			}
			fmt.Fprint(stdout, v.Text())
			lin := v.Linearizable()
			var outErr error
			if out != "" {
				outErr = os.MkdirAll(out, 0o755)
			}
			if lin != nil && !*lin && outErr == nil {
				html := filepath.Join(dir, "history.html")
				if outErr = writeHTML(v, html); outErr == nil {
					fmt.Fprintf(stdout, "  visualization: %s\n", html)
				}
			}
			code := exitOK
			switch {
			case lin != nil && !*lin:
				fmt.Fprintln(stdout, "verdict: NOT linearizable")
				code = exitFailed
			case !v.InvariantsOK():
				fmt.Fprintln(stdout, "verdict: a read sent to a replica returned a value from the future")
				code = exitFailed
			case lin == nil:
				fmt.Fprintf(stdout, "verdict: inconclusive (%s)\n", v.Verdict.Linearizability.Inconclusive)
				code = exitInconclusive
			default:
				fmt.Fprintln(stdout, "verdict: linearizable")
			}
			switch {
			case outErr != nil && code == exitFailed:
				return &exitError{code: exitFailed, err: fmt.Errorf("writing history.html: %w", outErr)}
			case outErr != nil:
				return internalError(fmt.Errorf("--out: %w", outErr))
			case code != exitOK:
				return &exitError{code: code}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "directory for history.html (default: the directory of the file)")
	cmd.Flags().DurationVar(&timeout, "timeout", 30*time.Second, "wall-clock budget of the check; past it the verdict is inconclusive")
	cmd.Flags().StringVar(&maxMemory, "max-memory", "4gb", "heap the check may use (the history included); past it the verdict is inconclusive")
	return cmd
}

// writeHTML writes porcupine's visualization of a checked history to
// path, under a temporary name renamed into place.
func writeHTML(v *scenarios.HistoryVerdict, path string) error {
	f, err := outdir.Create(path)
	if err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		f.Abort()
		return err
	}
	if err := v.WriteHTML(f.TempPath()); err != nil {
		f.Abort()
		return err
	}
	return f.Commit()
}
