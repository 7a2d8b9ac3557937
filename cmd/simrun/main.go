// Command simrun runs replsim scenarios: one run with a verdict, a trace and
// the command that replays it (simrun run).
package main

import (
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
