package scenarios

import (
	"strings"
	"testing"
	"time"
)

// A bad explore: section gets an error at its line and column, like the
// rest of the format.
func TestBadExplore(t *testing.T) {
	work := "workload: {rate: 100}\n"
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"unknown key", base + "explore:\n  fault: {}\n", `t.yaml:8:3: unknown key "fault" in explore (did you mean "faults"?)`},
		{"unknown kind", base + "explore:\n  faults: {kinds: [crash, explode]}\n", `t.yaml:8:27: unknown fault kind "explode"`},
		{"kind needs two nodes", "name: t\nduration: 1m\nnodes: [{name: m1}]\nexplore:\n  faults: {kinds: [failover]}\n", "t.yaml:5:20: failover needs two nodes or more"},
		{"at outside", base + "explore:\n  faults: {kinds: [crash], at: 10s..2m}\n", "t.yaml:8:32: explore.faults.at ends at 2m0s, outside the fault phase"},
		{"at distribution", base + "explore:\n  faults: {kinds: [crash], for: {dist: exponential, mean: 1s}}\n", "explore takes a duration or a range lo..hi"},
		{"unknown node", base + "explore:\n  faults: {kinds: [crash], nodes: [r9]}\n", `t.yaml:8:36: unknown node "r9"`},
		{"max", base + "explore:\n  faults: {kinds: [crash], max: 500}\n", "t.yaml:8:33: explore.faults.max must be between 0 and 50"},
		{"unknown config", base + "explore:\n  config: {repl-backlog-sise: [1mb]}\n", `t.yaml:8:12: unknown config key "repl-backlog-sise" (did you mean "repl-backlog-size"?)`},
		{"bad config value", base + "explore:\n  config: {repl-backlog-size: [1mb, 1mib]}\n", `t.yaml:8:37: repl-backlog-size: invalid size "1mib"`},
		{"bad config range", base + "explore:\n  config: {repl-backlog-size: 4mb..1mb}\n", `t.yaml:8:31: range "4mb..1mb": want lo..hi`},
		{"rate without workload", base + "explore:\n  workload: {rate: 1..10}\n", "t.yaml:8:20: explore.workload varies a workload the file does not have"},
		{"bad rate", base + work + "explore:\n  workload: {rate: 10..1}\n", `t.yaml:9:20: explore.workload.rate "10..1"`},
		{"bad mix", base + work + "explore:\n  workload: {mix: [{set: 60}]}\n", "t.yaml:9:20: impossible mix: the shares add up to 60%"},
		{"ttl without expiry", base + work + "explore:\n  workload: {ttl: 1s..2s, mix: [{set: 50, get: 50}]}\n", "t.yaml:9:19: explore.workload.ttl: neither the file's mix nor a mix of explore has set-ttl or expire"},
		{"bad ttl", base + work + "explore:\n  workload: {ttl: 2s..1s, mix: [{set-ttl: 100}]}\n", `t.yaml:9:19: explore.workload.ttl "2s..1s": want lo..hi in whole milliseconds between 1ms and 24h0m0s`},
		{"ttl in parts of a millisecond", base + work + "explore:\n  workload: {ttl: 1500us..2s, mix: [{set-ttl: 100}]}\n", `explore.workload.ttl "1500us..2s"`},
		{"too many dbs", base + "workload: {rate: 100, db: 10}\nexplore:\n  workload: {dbs: 1..8}\n", `t.yaml:9:19: explore.workload.dbs "1..8": want lo..hi between 1 and 6`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load("t.yaml", []byte(tc.yaml), Overrides{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v\nwant %q", err, tc.want)
			}
		})
	}
}

// A good explore: section becomes the spec's Explore, with the defaults
// where it says nothing; the run ignores it.
func TestExploreSpec(t *testing.T) {
	src := base + "workload: {rate: 100}\nexplore:\n  faults: {kinds: [pause, disconnect], for: 1s..2s}\n  config: {repl-backlog-size: 16kb..1mb, repl-timeout: [5, 60]}\n  workload: {rate: 10..50, value-size: 1kb..4kb}\n"
	s, err := Load("t.yaml", []byte(src), Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	x := s.Explore
	if x == nil {
		t.Fatal("no Explore")
	}
	if strings.Join(x.Kinds, ",") != "disconnect,pause" || x.FaultsMax != 5 || x.For != [2]time.Duration{time.Second, 2 * time.Second} ||
		x.At != [2]time.Duration{0, 54 * time.Second} || strings.Join(x.Nodes, ",") != "m1,r1" || !x.Linearizable {
		t.Errorf("faults: %+v", x)
	}
	if len(x.Config) != 2 || *x.Config[0].Range != [2]int64{16384, 1048576} || strings.Join(x.Config[1].Values, ",") != "5,60" {
		t.Errorf("config: %+v", x.Config)
	}
	if *x.Rate != [2]int64{10, 50} || *x.ValueSize != [2]int64{1024, 4096} || x.Clients != nil {
		t.Errorf("workload: %+v %+v %+v", x.Rate, x.ValueSize, x.Clients)
	}
	if len(s.Faults) != 0 {
		t.Errorf("explore: added faults to the run: %v", s.Faults)
	}
}

// Render applies sets, adds faults after the file's and drops explore:,
// and Load reads the text back.
func TestRender(t *testing.T) {
	src := base + "config:\n  repl-timeout: 60\nfaults:\n  - {at: 1s, crash: r1}\nexplore:\n  faults: {kinds: [crash]}\n"
	out, err := Render([]byte(src), []Override{{Key: "config.repl-backlog-size", Value: "1mb"}, {Key: "seeds", Value: "[9]"}},
		[]string{"{at: 2s, pause: m1, for: 1s}"}, []string{"found by a test"})
	if err != nil {
		t.Fatal(err)
	}
	want := `# found by a test
name: t
duration: 1m
nodes:
  - name: m1
  - name: r1
    replicaof: m1
config:
  repl-timeout: 60
  repl-backlog-size: 1mb
faults:
  - {at: 1s, crash: r1}
  - {at: 2s, pause: m1, for: 1s}
seeds: [9]
`
	if string(out) != want {
		t.Fatalf("got:\n%s\nwant:\n%s", out, want)
	}
	s, err := Load("r.yaml", out, Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Explore != nil || len(s.Faults) != 2 || s.Seeds[0] != 9 || s.Nodes[0].Config.ReplBacklogSizeBytes != 1<<20 {
		t.Errorf("read back: explore %v, %d faults, seeds %v", s.Explore, len(s.Faults), s.Seeds)
	}
}

// An explore: section of a file with sentinels may draw faults on them;
// an unknown name lists the sentinels too.
func TestExploreSentinelNodes(t *testing.T) {
	src := "name: t\nduration: 1m\nnodes: [{name: m1}, {name: r1, replicaof: m1}]\n" +
		"sentinels: {names: [s1, s2], quorum: 1}\nexplore:\n  faults: {kinds: [crash, stall], nodes: [m1, s2]}\n"
	s, err := Load("t.yaml", []byte(src), Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Explore.Nodes; len(got) != 2 || got[1] != "s2" {
		t.Errorf("explore nodes %v, want [m1 s2]", got)
	}
	_, err = Load("t.yaml", []byte(strings.Replace(src, "s2]}", "s3]}", 1)), Overrides{})
	if err == nil || !strings.Contains(err.Error(), `unknown node "s3"`) || !strings.Contains(err.Error(), "sentinels: s1, s2") {
		t.Errorf("unknown sentinel: %v", err)
	}
}
