// Command simrun runs replsim scenarios: one run with a verdict, a trace and
// the command that replays it (simrun run), sweeps over many runs and their
// reports (simrun sweep, report, merge), and the linearizability check of a
// history file on its own (simrun check). Its exit codes mean the same for
// every subcommand (exitOK and the rest, in cli.go).
package main

import (
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
