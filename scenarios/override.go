package scenarios

import (
	"strings"

	"github.com/replsim/replsim/scenarios/spec"
)

// Override and Overrides are spec's: what the command line changes in a
// file (--set, one value of a --vary, --bug).
type (
	Override  = spec.Override
	Overrides = spec.Overrides
)

// ParseOverride parses KEY=VALUE given to flag.
func ParseOverride(flag, arg string) (Override, error) {
	key, value, ok := strings.Cut(arg, "=")
	key = strings.TrimSpace(key)
	if !ok || key == "" {
		return Override{}, &Error{Flag: flag + " " + arg, Msg: "want KEY=VALUE (e.g. config.repl-backlog-size=4mb)"}
	}
	return Override{Flag: flag, Key: key, Value: value}, nil
}

// SetArgs parses --set arguments (KEY=VALUE each) into Overrides.
func SetArgs(args ...string) (Overrides, error) {
	var ov Overrides
	for _, a := range args {
		o, err := ParseOverride("--set", a)
		if err != nil {
			return Overrides{}, err
		}
		ov.Sets = append(ov.Sets, o)
	}
	return ov, nil
}
