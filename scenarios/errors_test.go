package scenarios

import (
	"errors"
	"strings"
	"testing"
)

const base = `name: t
duration: 1m
nodes:
  - name: m1
  - name: r1
    replicaof: m1
`

// Every kind of bad input gets an error naming the file, line and column
// with Redis's or the format's words; never a panic, never a silent default.
func TestBadInput(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"yaml syntax", "name: [t\n", "t.yaml:"},
		{"unknown top key", base + "durations: 5m\n", "t.yaml:7:1: unknown key \"durations\""},
		{"unknown config key", base + "config:\n  repl-backlog-sise: 1mb\n", "t.yaml:8:3: unknown config parameter \"repl-backlog-sise\""},
		{"bad unit", base + "config:\n  repl-backlog-size: 1mib\n", "t.yaml:8:22: repl-backlog-size: invalid size \"1mib\""},
		{"bad duration", "name: t\nduration: 5 sec\nnodes: [{name: m1}]\n", "t.yaml:2:11: invalid duration \"5 sec\""},
		{"duration without unit", "name: t\nduration: 300\nnodes: [{name: m1}]\n", "t.yaml:2:11: duration \"300\" needs a unit"},
		{"no name", "duration: 1m\nnodes: [{name: m1}]\n", "the scenario needs a name"},
		{"no duration", "name: t\nnodes: [{name: m1}]\n", "duration must be greater than 0"},
		{"unknown replicaof", base + "  - name: r2\n    replicaof: m9\n", "t.yaml:8:16: replicaof \"m9\": no such node"},
		{"replica of itself", base + "  - name: r2\n    replicaof: r2\n", "t.yaml:8:16: node \"r2\" cannot be a replica of itself"},
		{"cycle", "name: t\nduration: 1m\nnodes:\n  - name: m1\n  - name: a\n    replicaof: b\n  - name: b\n    replicaof: a\n", "t.yaml:6:16: replicas form a cycle through \"a\""},
		{"two masters", "name: t\nduration: 1m\nnodes:\n  - name: m1\n  - name: m2\n", "t.yaml:4:11: the topology needs exactly one master"},
		{"duplicate node", base + "  - name: r1\n", "t.yaml:7:11: node \"r1\" is defined twice"},
		{"reserved name", "name: t\nduration: 1m\nnodes:\n  - name: master\n", "t.yaml:4:11: \"master\" is reserved"},
		{"bad node name", "name: t\nduration: 1m\nnodes:\n  - name: M_1\n", "t.yaml:4:11: node name \"M_1\""},
		{"fault outside duration", base + "faults:\n  - {at: 2m, crash: r1}\n", "t.yaml:8:10: at 2m0s is outside the fault phase (duration 1m0s)"},
		{"fault unknown node", base + "faults:\n  - {at: 10s, crash: r9}\n", "t.yaml:8:22: unknown node \"r9\""},
		{"fault two verbs", base + "faults:\n  - {at: 10s, crash: r1, pause: r1, for: 1s}\n", "t.yaml:8:5: each fault needs exactly one of"},
		{"fault no timing", base + "faults:\n  - {crash: r1}\n", "t.yaml:8:5: each fault needs exactly one timing"},
		{"fault needs for", base + "faults:\n  - {at: 10s, disconnect: [m1, r1]}\n", "t.yaml:8:5: disconnect needs for:"},
		{"fault bad range", base + "faults:\n  - {at: 10s, disconnect: [m1, r1], for: 2m..5s}\n", "t.yaml:8:42: range \"2m..5s\" ends before it starts"},
		{"fault until after end", base + "faults:\n  - {every: 10s, until: 2m, pause: r1, for: 1s}\n", "t.yaml:8:25: until 2m0s is after the end"},
		{"failover of master", base + "faults:\n  - {at: 10s, failover: master}\n", "t.yaml:8:25: failover promotes a replica"},
		{"random unknown verb", base + "faults:\n  - {random: explode, node: r1, mean-every: 10s}\n", "t.yaml:8:14: random \"explode\""},
		{"random fault with a verb key", base + "faults:\n  - {random: crash, pause: r1, node: r1, mean-every: 10s}\n", "t.yaml:8:5: a random fault names its verb in random: (here also pause)"},
		{"random needs node", base + "faults:\n  - {random: crash, mean-every: 10s}\n", "t.yaml:8:14: random crash needs node: <name|master|replica>"},
		{"random needs mean-every", base + "faults:\n  - {random: pause, node: r1, for: 1s}\n", "t.yaml:8:14: a random fault needs mean-every: <duration> greater than 0"},
		{"node on a fixed fault", base + "faults:\n  - {at: 10s, crash: r1, node: r1}\n", "t.yaml:8:32: between: and node: belong to random faults"},
		{"disconnect one side", base + "faults:\n  - {at: 10s, disconnect: [m1], for: 1s}\n", "t.yaml:8:5: disconnect takes two sides: [a, b]"},
		{"disconnect itself", base + "faults:\n  - {at: 10s, disconnect: [m1, m1], for: 1s}\n", "t.yaml:8:32: disconnect between m1 and itself"},
		{"partition of one group", base + "faults:\n  - {at: 10s, partition: [[m1, r1]], for: 1s}\n", "t.yaml:8:5: a partition needs at least two groups"},
		{"partition twice", base + "faults:\n  - {at: 10s, partition: [[m1, r1], [r1]], for: 1s}\n", "t.yaml:8:38: r1 is in two groups of the partition"},
		{"partition empty group", base + "faults:\n  - {at: 10s, partition: [[m1], []], for: 1s}\n", "t.yaml:8:5: a partition group is empty"},
		{"one-way crash", base + "faults:\n  - {at: 10s, crash: r1, one-way: true}\n", "t.yaml:8:35: one-way applies to disconnect and stall"},
		{"for on crash", base + "faults:\n  - {at: 10s, crash: r1, for: 1s}\n", "t.yaml:8:31: crash does not last; for: does not apply"},
		{"restart-after on pause", base + "faults:\n  - {at: 10s, pause: r1, for: 1s, restart-after: 1s}\n", "t.yaml:8:50: restart-after applies to crash and restart"},
		{"at with from", base + "faults:\n  - {at: 10s, from: 5s, crash: r1}\n", "t.yaml:8:5: from:, until: and mean-every: do not go with at:"},
		{"two timings", base + "faults:\n  - {at: 10s, every: 5s, crash: r1}\n", "t.yaml:8:5: each fault needs exactly one timing"},
		{"every zero", base + "faults:\n  - {every: 0s, pause: r1, for: 1s}\n", "t.yaml:8:13: every must be greater than 0"},
		{"mean-every on every", base + "faults:\n  - {every: 10s, mean-every: 5s, pause: r1, for: 1s}\n", "t.yaml:8:30: mean-every applies to random faults"},
		{"from outside", base + "faults:\n  - {every: 10s, from: 1m, pause: r1, for: 1s}\n", "t.yaml:8:24: from 1m0s is outside the fault phase"},
		{"until before from", base + "faults:\n  - {every: 10s, from: 20s, until: 10s, pause: r1, for: 1s}\n", "t.yaml:8:36: until must come after from"},
		{"no client", base + "workload: {clients: 2, rate: 10}\nfaults:\n  - {at: 10s, disconnect: [m1, c3], for: 1s}\n", "t.yaml:9:32: no client \"c3\" (the workload has 2 clients)"},
		{"rate NaN", base + "workload:\n  rate: NaN\n", "t.yaml:8:9: \"NaN\" is not a finite number"},
		{"rate yaml infinity", base + "workload:\n  rate: .inf\n", "t.yaml:8:9: \".inf\" is not a finite number"},
		{"every too often", base + "faults:\n  - {every: 1ns, pause: r1, for: 1ns}\n", "t.yaml:8:5: the faults so far come to 60000000000 events, more than 500000: fewer or rarer faults"},
		{"random too often", base + "faults:\n  - {at: 1s, crash: r1}\n  - {random: pause, node: r1, mean-every: 100us, for: 1ns}\n", "t.yaml:9:5: the faults so far come to 600001 events, more than 500000"},
		{"rate too small", base + "workload:\n  rate: 1e-300\n", "t.yaml:8:9: rate 1e-300 is below 0.001 operations per second (0 means no steady load)"},
		{"rate too large for a float", base + "workload:\n  rate: 1e400\n", "t.yaml:8:9: \"1e400\" is not a finite number"},
		{"value-size zero", base + "workload:\n  value-size: 0\n", "t.yaml:8:15: value-size must be between 1 byte and 512mb (Redis's proto-max-bulk-len)"},
		{"value-size above proto-max-bulk-len", base + "workload:\n  value-size: 513mb\n", "t.yaml:8:15: value-size must be between 1 byte and 512mb"},
		{"value-size negative", base + "workload:\n  value-size: -1\n", "t.yaml:8:15: invalid size \"-1\""},
		{"dataset value-size", base + "dataset: {keys: 10, value-size: 1gb}\n", "t.yaml:7:33: value-size must be between 1 byte and 512mb"},
		{"dataset key-size", base + "dataset: {keys: 10, key-size: 2}\n", "t.yaml:7:31: key-size must be between 8 and 1024"},
		{"workload keys", base + "workload:\n  keys: 1000000000\n", "t.yaml:8:9: keys must be between 1 and 100000000"},
		{"bandwidth zero", base + "network:\n  bandwidth: 0mb/s\n", "t.yaml:8:14: bandwidth \"0mb/s\" is less than 1 byte per second"},
		{"bandwidth below a byte", base + "network:\n  bandwidth: 4bit\n", "t.yaml:8:14: bandwidth \"4bit\" is less than 1 byte per second"},
		{"mix share above 100", base + "workload:\n  rate: 10\n  mix: {set: 200, get: -100}\n", "t.yaml:9:14: mix share \"200\": want a whole percentage"},
		{"tag", base + "seeds: !!seq [1]\n", "t.yaml:7:8: tag \"!!seq\": YAML tags are not part of the scenario format"},
		{"tagged scalar for a list", base + "seeds: !x 5\n", "t.yaml:7:8: tag \"!x\": YAML tags are not part of the scenario format"},
		{"empty value at the end", base + "expect:\n  converged:", "t.yaml:8:13: an expectation is a number, true/false, or {min: N, max: N}"},
		{"carriage returns", "name: t\rduration: 1m\r\nnodes: [{name: m1}]\rworkload: {rat: 1}\n", "t.yaml:4:12: unknown key \"rat\" in workload"},
		{"impossible mix", base + "workload:\n  rate: 10\n  mix: {set: 70, get: 20}\n", "t.yaml:9:8: impossible mix: the shares add up to 90%"},
		{"unknown op", base + "workload:\n  rate: 10\n  mix: {set: 50, scan: 50}\n", "t.yaml:9:18: unknown operation \"scan\""},
		{"ttl without expiring ops", base + "workload:\n  rate: 10\n  ttl: 1s\n", "t.yaml:9:8: ttl is the time to live of set-ttl and expire, and the mix has neither"},
		{"ttl below a millisecond", base + "workload:\n  rate: 10\n  mix: {set-ttl: 100}\n  ttl: 500us\n", "t.yaml:10:8: ttl 500µs: want whole milliseconds between 1ms and 24h0m0s"},
		{"ttl in parts of a millisecond", base + "workload:\n  rate: 10\n  mix: {expire: 50, set: 50}\n  ttl: 1500us\n", "t.yaml:10:8: ttl 1.5ms: want whole milliseconds"},
		{"multi-size without multi", base + "workload:\n  rate: 10\n  multi-size: 4\n", "t.yaml:9:15: multi-size is the number of SETs of a multi, and the mix has none"},
		{"multi-size zero", base + "workload:\n  rate: 10\n  mix: {multi: 100}\n  multi-size: 0\n", "t.yaml:10:15: multi-size must be between 1 and 100"},
		{"dbs zero", base + "workload:\n  rate: 10\n  dbs: 0\n", "t.yaml:9:8: dbs must be between 1 and 16"},
		{"dbs past the last database", base + "workload:\n  rate: 10\n  db: 12\n  dbs: 5\n", "t.yaml:10:8: dbs must be between 1 and 4: the clients use databases db (12) to db+dbs-1, and Redis has 16"},
		{"reads from missing replicas", "name: t\nduration: 1m\nnodes: [{name: m1}]\nworkload:\n  rate: 10\n  reads-from: replicas\n  mix: {get: 100}\n", "t.yaml:6:15: reads-from replicas, but the scenario has no replicas"},
		{"wait for too many", base + "workload:\n  rate: 10\n  wait: {replicas: 3, timeout: 100ms}\n", "t.yaml:9:20: wait for 3 replicas, but the scenario has 1"},
		{"burst outside", base + "workload:\n  rate: 0\n  bursts: [{at: 5m, writes: 10}]\n", "t.yaml:9:17: burst at 5m0s is outside the fault phase"},
		{"bad protocol", base + "protocol: psync3\n", "t.yaml:7:11: unknown protocol \"psync3\""},
		{"unknown bug", base + "bugs: [off-by-two]\n", "t.yaml:7:8: unknown bug \"off-by-two\""},
		{"unknown expectation", base + "expect:\n  full_syncs: 0\n", "t.yaml:8:3: unknown figure \"full_syncs\""},
		{"bool expectation", base + "expect:\n  converged: 1\n", "t.yaml:8:3: converged is true or false"},
		{"for at the int64 limit", base + "faults:\n  - {at: 10s, pause: r1, for: 0s..2562047h47m16.854775807s}\n", `t.yaml:8:31: duration "2562047h47m16.854775807s" is longer than 24h0m0s`},
		{"exponential mean at the limit", base + "faults:\n  - {at: 10s, pause: r1, for: {dist: exponential, mean: 2000000h}}\n", `t.yaml:8:57: duration "2000000h" is longer than 24h0m0s`},
		{"latency too long", base + "network:\n  latency: 100h\n", `t.yaml:8:12: duration "100h" is longer than 24h0m0s`},
		{"latency infinite", base + "network:\n  latency: .inf\n", `t.yaml:8:12: invalid duration ".inf"`},
		{"restart-after NaN", base + "faults:\n  - {at: 10s, crash: r1, restart-after: NaN}\n", `t.yaml:8:41: invalid duration "NaN"`},
		{"bandwidth NaN", base + "network:\n  bandwidth: NaNbit\n", `t.yaml:8:14: invalid bandwidth "NaNbit"`},
		{"bandwidth 1bit", base + "network:\n  bandwidth: 1bit\n", `t.yaml:8:14: bandwidth "1bit" is less than 1 byte per second`},
		{"value-size huge", base + "workload:\n  value-size: 99999999999gb\n", `t.yaml:8:15: size "99999999999gb" out of range`},
		{"repl-timeout wraps", base + "config:\n  repl-timeout: 92233720368\n", `duration "92233720368" out of range`},
		{"bad bandwidth", base + "network:\n  bandwidth: 1 gigabit\n", "t.yaml:8:14: invalid bandwidth \"1 gigabit\""},
		{"link to unknown", base + "network:\n  links:\n    - {between: [m1, x9], latency: 1ms}\n", "t.yaml:9:22: link between \"x9\": no such node"},
		{"config as list", base + "config: [a, b]\n", "t.yaml:7:9: config must be a mapping"},
		{"bad timeout value", base + "config:\n  repl-timeout: soon\n", "t.yaml:8:17: repl-timeout: invalid duration \"soon\""},
		{"repl-timeout below 1s", base + "config:\n  repl-timeout: 0\n", "t.yaml:8:17: repl-timeout: 0s is below the minimum 1s"},
		{"bad output buffer", base + "config:\n  client-output-buffer-limit: replica 1mb\n", "t.yaml:8:31: client-output-buffer-limit: want"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load("t.yaml", []byte(tc.yaml), Overrides{})
			if err == nil {
				t.Fatalf("accepted:\n%s", tc.yaml)
			}
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error:\n%s\nwant it to contain %q", err, tc.want)
			}
		})
	}
}

func TestSetOverrides(t *testing.T) {
	s, err := Load("t.yaml", []byte(base), mustSets(t,
		"config.repl-backlog-size=4mb", "duration=2m", "nodes.1.config.repl-timeout=30s", "workload.rate=100",
	))
	if err != nil {
		t.Fatal(err)
	}
	if s.Duration.String() != "2m0s" || s.Nodes[0].Config.ReplBacklogSizeBytes != 4<<20 ||
		s.Nodes[1].Config.ReplTimeout.String() != "30s" || s.Workload.RatePerSec != 100 {
		t.Fatalf("overrides not applied: %+v", s)
	}
	for _, bad := range []string{"config.repl-backlog-size", "nodes.7.name=x", "config.repl-backlog-size=lots"} {
		ov, err := SetArgs(bad)
		if err == nil {
			_, err = Load("t.yaml", []byte(base), ov)
		}
		if err == nil {
			t.Errorf("--set %s accepted", bad)
		}
	}
}

// Partitions can cut clients off too; a client cut from the master records
// its in-flight operation as unknown and reconnects after the heal.
func TestPartitionCutsClients(t *testing.T) {
	src := base + `workload: {clients: 2, rate: 200, keys: 100, mix: {set: 100}}
faults:
  - {at: 10s, partition: [[m1, c1], [r1, c2]], for: 10s}
expect: {converged: true}
`
	s, err := Load("t.yaml", []byte(src), Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	o, err := Run(s, 1, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var c1, c2, unknown int
	for _, op := range o.Facts.History {
		if op.Call >= int64(11e9) && op.Call < int64(19e9) {
			switch op.Client {
			case "c1":
				c1++
			case "c2":
				c2++
			}
		}
		if op.Outcome == "unknown" {
			unknown++
		}
	}
	if c1 == 0 || c2 != 0 || !o.OK {
		t.Fatalf("during the partition c1 issued %d ops (want > 0), c2 %d (want 0); ok %v\n%s", c1, c2, o.OK, o.Text())
	}
	if _, err := Load("t.yaml", []byte(base+"workload: {clients: 2, rate: 10}\nfaults:\n  - {at: 10s, partition: [[m1, c3], [r1]], for: 1s}\n"), Overrides{}); err == nil ||
		!strings.Contains(err.Error(), "no client \"c3\"") {
		t.Fatalf("c3 accepted: %v", err)
	}
}

// mustSets parses --set arguments or fails the test.
func mustSets(t testing.TB, args ...string) Overrides {
	t.Helper()
	ov, err := SetArgs(args...)
	if err != nil {
		t.Fatal(err)
	}
	return ov
}
