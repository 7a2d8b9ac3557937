package spec

import "fmt"

// Override is one change the command line makes to a scenario file: a
// --set KEY=VALUE, or one value of a sweep's --vary. Key is a dotted path of
// the format (config.repl-backlog-size, workload.rate,
// nodes.1.config.repl-timeout) and Value a YAML value.
type Override struct {
	Flag  string `json:"flag"` // "--set" or "--vary": the flag an error names
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Arg is the override as given after its flag: KEY=VALUE.
func (o Override) Arg() string { return o.Key + "=" + o.Value }

// String is the flag and its argument, as an error names them.
func (o Override) String() string { return o.Flag + " " + o.Arg() }

// Overrides are what the command line changes in a scenario file: --set
// values applied in order (a later one wins), and planted bugs (--bug)
// switched on in every node on top of the file's own bugs:.
type Overrides struct {
	Sets []Override
	Bugs []string
}

// With returns the overrides with more sets after these.
func (ov Overrides) With(sets ...Override) Overrides {
	return Overrides{Sets: append(append([]Override(nil), ov.Sets...), sets...), Bugs: ov.Bugs}
}

// Args renders the overrides as arguments of simrun run, in order: a
// --vary value becomes the --set that gives it.
func (ov Overrides) Args() []string {
	var out []string
	for _, o := range ov.Sets {
		out = append(out, "--set", o.Arg())
	}
	for _, b := range ov.Bugs {
		out = append(out, "--bug", b)
	}
	return out
}

func (ov Overrides) String() string { return fmt.Sprint(ov.Args()) }
