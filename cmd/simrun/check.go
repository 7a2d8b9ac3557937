package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/replsim/replsim/scenarios"
)

// exitInconclusive: simrun check ran out of time before a verdict.
const exitInconclusive = 3

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

Exit status: 0 linearizable, 1 not (or a replica read from the future),
2 bad input (the error names the line and column), 3 inconclusive (the
check ran out of time: neither a pass nor a failure).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			v, err := scenarios.CheckHistoryFile(args[0], timeout)
			if err != nil {
				return badInput(err)
			}
			fmt.Fprint(stdout, v.Text())
			lin := v.Linearizable()
			if lin != nil && !*lin {
				dir := out
				if dir == "" {
					dir = filepath.Dir(args[0])
				}
				if err := os.MkdirAll(dir, 0o755); err != nil {
					return badInput(err)
				}
				html := filepath.Join(dir, "history.html")
				if err := v.WriteHTML(html); err != nil {
					return badInput(err)
				}
				fmt.Fprintf(stdout, "  visualization: %s\n", html)
			}
			switch {
			case lin != nil && !*lin:
				fmt.Fprintln(stdout, "verdict: NOT linearizable")
				return &exitError{code: exitFailed}
			case !v.InvariantsOK():
				fmt.Fprintln(stdout, "verdict: a read sent to a replica returned a value from the future")
				return &exitError{code: exitFailed}
			case lin == nil:
				fmt.Fprintln(stdout, "verdict: inconclusive (the check ran out of time)")
				return &exitError{code: exitInconclusive}
			}
			fmt.Fprintln(stdout, "verdict: linearizable")
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "directory for history.html (default: the directory of the file)")
	cmd.Flags().DurationVar(&timeout, "timeout", 30*time.Second, "wall-clock budget of the check; past it the verdict is inconclusive")
	return cmd
}
