package scenarios

import (
	"strconv"
	"strings"

	"github.com/replsim/replsim/scenarios/spec"
)

// ReplayArgs are the arguments of simrun run that reproduce one run of the
// scenario in file under seed with the given overrides.
func ReplayArgs(file string, seed uint64, ov Overrides) []string {
	args := []string{"go", "run", "./cmd/simrun", "run", file, "--seed", strconv.FormatUint(seed, 10)}
	return append(args, ov.Args()...)
}

// ReplayCommand is the command line that reproduces a run of s under seed,
// quoted for a POSIX shell (and zsh): paste it back and it runs the same
// world, to the same trace hash.
func ReplayCommand(s *spec.Spec, seed uint64) string {
	return ShellJoin(ReplayArgs(s.File, seed, s.Overrides))
}

// ShellJoin joins arguments into one shell command line, quoting every
// argument that holds anything but letters, digits and @%+=:,./_- in
// single quotes (a quote inside becomes '\”).
func ShellJoin(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = shellQuote(a)
	}
	return strings.Join(out, " ")
}

func shellQuote(a string) string {
	if a != "" && strings.Trim(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./_-") == "" {
		return a
	}
	return "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
}
