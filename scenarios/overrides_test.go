package scenarios

import (
	"bytes"
	"strings"
	"testing"

	"github.com/replsim/replsim/model"
)

// A node's own protocol: in its config is the one it runs, not the file's.
func TestNodeProtocolHonoured(t *testing.T) {
	src := `name: mixed
duration: 10s
protocol: psync2
nodes:
  - name: m1
  - name: r1
    replicaof: m1
    config: {protocol: sync}
  - name: r2
    replicaof: m1
workload: {clients: 1, rate: 50, keys: 10}
faults:
  - {at: 4s, disconnect: [m1, replicas], for: 2s}
`
	s, err := Load("mixed.yaml", []byte(src), Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Node("r1").Config.Protocol; got != model.SYNC {
		t.Fatalf("r1's spec runs %s, want sync", got)
	}
	var trace bytes.Buffer
	if _, err := Run(s, 1, RunOptions{Trace: &trace}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"config r1 protocol sync", "config r2 protocol psync2", "config m1 protocol psync2"} {
		if !strings.Contains(trace.String(), want+"\n") {
			t.Errorf("the trace lacks %q", want)
		}
	}
}

// --bug is repeatable: every bug named is switched on, in every node, on
// top of the file's own.
func TestEveryBugApplies(t *testing.T) {
	src := "name: b\nduration: 1s\nbugs: [ack-before-apply]\nnodes: [{name: m1}, {name: r1, replicaof: m1}]\n"
	s, err := Load("b.yaml", []byte(src), Overrides{Bugs: []string{"psync-offset-off-by-one", "drop-last-block-on-trim"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"ack-before-apply", "drop-last-block-on-trim", "psync-offset-off-by-one"}
	for _, n := range s.Nodes {
		if got := n.Config.Bugs.Enabled(); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s runs bugs %v, want %v", n.Name, got, want)
		}
	}
	_, err = Load("b.yaml", []byte(src), Overrides{Bugs: []string{"frob"}})
	if err == nil || !strings.HasPrefix(err.Error(), `--bug frob: unknown bug "frob"`) {
		t.Errorf("unknown --bug: %v", err)
	}
}

// An error in a --set value names the flag and its value, not a place in
// the file the value never was in.
func TestSetErrorsNameTheFlag(t *testing.T) {
	src := "name: s\nduration: 1s\nnodes: [{name: m1}, {name: r1, replicaof: m1}]\nworkload: {rate: 10}\n"
	for _, tc := range []struct{ set, want string }{
		{"workload.rate=fast", `--set workload.rate=fast: invalid number "fast"`},
		{"duration=5", `--set duration=5: duration "5" needs a unit`},
		{"workload.rate", `--set workload.rate: want KEY=VALUE`},
		{"!x=1", `--set !x=1: "!x" is not a key of the format`},
		{"#x=1", `--set #x=1: "#x" is not a key of the format`},
		{"- x=1", `--set - x=1: "- x" is not a key of the format`},
		{"&a=1", `--set &a=1: "&a" is not a key of the format`},
		{"*a=1", `--set *a=1: "*a" is not a key of the format`},
		{"!x.y=1", `--set !x.y=1: "!x" is not a key of the format`},
		{"workload.!x=1", `--set workload.!x=1: "!x" is not a key of the format`},
		{"workload.rate=.nan", `--set workload.rate=.nan: ".nan" is not a finite number`},
		{"config.repl-timeout=92233720368", `--set config.repl-timeout=92233720368: repl-timeout: duration "92233720368" out of range`},
		{"duration.x=1", `--set duration.x=1: duration is a single value`},
	} {
		ov, err := SetArgs(tc.set)
		if err == nil {
			_, err = Load("s.yaml", []byte(src), ov)
		}
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("--set %s: got %v, want %s...", tc.set, err, tc.want)
		}
	}
}

func TestShellJoinQuotes(t *testing.T) {
	got := ShellJoin([]string{"run", "a b.yaml", "--set", "config.client-output-buffer-limit=replica 0 0 0", "--set", "bugs=[x]", "it's", "", "plain-1.5=k,v:/@%+_"})
	want := `run 'a b.yaml' --set 'config.client-output-buffer-limit=replica 0 0 0' --set 'bugs=[x]' 'it'\''s' '' plain-1.5=k,v:/@%+_`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
