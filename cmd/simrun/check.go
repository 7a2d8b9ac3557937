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
)

func checkCommand(stdout io.Writer) *cobra.Command {
	var (
		out     string
		timeout time.Duration
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
returned a value from the future, fails (exit 1); a malformed file is bad
input, and the error names its line and column (exit 2); a check that runs
out of time is inconclusive (exit 3); history.html that cannot be written is
an internal error (exit 4), printed after the verdict.

` + exitStatusHelp,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			v, err := scenarios.CheckHistoryFile(args[0], timeout)
			if err != nil {
				return badInput(err)
			}
			fmt.Fprint(stdout, v.Text())
			lin := v.Linearizable()
			var htmlErr error
			if lin != nil && !*lin {
				dir := cmp.Or(out, filepath.Dir(args[0]))
				html := filepath.Join(dir, "history.html")
				if htmlErr = writeHTML(v, html); htmlErr == nil {
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
				fmt.Fprintln(stdout, "verdict: inconclusive (the check ran out of time)")
				code = exitInconclusive
			default:
				fmt.Fprintln(stdout, "verdict: linearizable")
			}
			switch {
			case htmlErr != nil:
				return internalError(fmt.Errorf("writing history.html: %w", htmlErr))
			case code != exitOK:
				return &exitError{code: code}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "directory for history.html (default: the directory of the file)")
	cmd.Flags().DurationVar(&timeout, "timeout", 30*time.Second, "wall-clock budget of the check; past it the verdict is inconclusive")
	return cmd
}

// writeHTML writes porcupine's visualization of a checked history to
// path, making its directory if needed.
func writeHTML(v *scenarios.HistoryVerdict, path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return v.WriteHTML(path)
}
