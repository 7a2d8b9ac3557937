package explore

import (
	"fmt"
	"strings"

	"github.com/replsim/replsim/scenarios"
	"github.com/replsim/replsim/scenarios/spec"
)

// Describe says in one line what the space draws.
func (sp *Space) Describe() string {
	x := sp.x
	var parts []string
	if len(x.Kinds) > 0 {
		parts = append(parts, fmt.Sprintf("faults %s (at most %d, at %s..%s, lasting %s..%s, on %s)",
			strings.Join(x.Kinds, ", "), x.FaultsMax, x.At[0], x.At[1], x.For[0], x.For[1], strings.Join(x.Nodes, ", ")))
	}
	for _, k := range x.Config {
		if k.Range != nil {
			parts = append(parts, fmt.Sprintf("%s %d..%d", k.Key, k.Range[0], k.Range[1]))
		} else {
			parts = append(parts, fmt.Sprintf("%s [%s]", k.Key, strings.Join(k.Values, ", ")))
		}
	}
	for _, r := range []struct {
		name string
		r    *[2]int64
	}{{"rate", x.Rate}, {"value-size", x.ValueSize}, {"clients", x.Clients}, {"ttl (ms)", x.TTLMs}, {"dbs", x.DBs}} {
		if r.r != nil {
			parts = append(parts, fmt.Sprintf("%s %d..%d", r.name, r.r[0], r.r[1]))
		}
	}
	if len(x.Mixes) > 0 {
		parts = append(parts, "mix "+strings.Join(x.Mixes, " | "))
	}
	if len(parts) == 0 {
		return "nothing varies"
	}
	return strings.Join(parts, "; ")
}

// Property says what a case must not break.
func (sp *Space) Property() string {
	p := "the replication invariants"
	var names []string
	for _, e := range sp.base.Expect {
		names = append(names, e.Name+" "+e.Want)
	}
	if sp.addLinearizable {
		names = append(names, "linearizable true")
	}
	if len(names) > 0 {
		p += " and expect " + strings.Join(names, ", ")
	}
	return p
}

// MinimalFile returns the text of the result's minimal case as a
// scenario file to be written at path, and its spec, with comments at the
// top saying what was searched and found and how to replay it. The caller
// writes it.
func (sp *Space) MinimalFile(res *Result, opts Options, path string) ([]byte, *spec.Spec, error) {
	_, s, err := sp.load(res.Minimal, path, nil)
	if err != nil {
		return nil, nil, err
	}
	replay := scenarios.ReplayCommand(s, res.Minimal.Seed)
	header := []string{
		fmt.Sprintf("Minimal scenario found by simrun explore %s --seed %d.", sp.path, opts.Seed),
		"Searched: " + sp.Describe() + ".",
		"Property: " + sp.Property() + ".",
		fmt.Sprintf("Found: case %d after %d runs (run seed %d, %s): %s.", res.Index, res.Runs, res.Case.Seed, faultCount(len(res.Case.Faults)), res.Outcome.Line),
		fmt.Sprintf("Shrunk in %d runs to %s: %s.", res.ShrinkRuns, faultCount(len(res.Minimal.Faults)), res.MinimalOutcome.Line),
		"Replay: " + replay,
		"",
	}
	var wrapped []string
	for _, h := range header {
		wrapped = append(wrapped, wrap(h, 76)...)
	}
	return sp.load(res.Minimal, path, wrapped)
}

// wrap breaks a line at spaces into lines of at most width characters
// where it can; the lines after the first are indented.
func wrap(line string, width int) []string {
	words := strings.Fields(line)
	if len(words) == 0 {
		return []string{""}
	}
	var out []string
	cur := words[0]
	for _, w := range words[1:] {
		if len(cur)+1+len(w) > width {
			out = append(out, cur)
			cur = "  " + w
			continue
		}
		cur += " " + w
	}
	return append(out, cur)
}

func faultCount(n int) string {
	if n == 1 {
		return "1 fault"
	}
	return fmt.Sprintf("%d faults", n)
}
