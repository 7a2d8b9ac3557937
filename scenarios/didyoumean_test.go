package scenarios

import (
	"strings"
	"testing"
)

// didYouMean suggests the closest known word when it is close: one edit in
// a short word, two in a longer one, a swap of neighbours counting as one;
// ties go to the alphabetically first.
func TestDidYouMean(t *testing.T) {
	for _, tc := range []struct {
		word  string
		known []string
		want  string
	}{
		{"rat", []string{"keys", "rate", "clients"}, `rate`},
		{"raet", []string{"rate"}, `rate`},                       // a swap is one edit
		{"Rate", []string{"rate"}, `rate`},                       // case does not count
		{"cat", []string{"hat", "bat"}, `bat`},                   // a tie: the first alphabetically
		{"psync3", []string{"sync", "psync2", "psync"}, `psync`}, // a tie again
		{"full_syncs", []string{"full_resyncs", "sync_full"}, `full_resyncs`},
		{"repl-backlog-sise", []string{"repl-backlog-size", "repl-backlog-ttl"}, `repl-backlog-size`},
		{"x", []string{"db", "keys"}, ``},           // two edits are too many for one letter
		{"lat", []string{"latency"}, ``},            // a prefix is not close
		{"stal", []string{"stall", "set"}, `stall`}, // one edit in four letters
		{"sttl", []string{"stall"}, ``},             // two edits in four letters are too many
		{"rate", []string{"rate"}, ``},              // a known word is not unknown
		{"anything", nil, ``},
	} {
		want := ""
		if tc.want != "" {
			want = ` (did you mean "` + tc.want + `"?)`
		}
		if got := didYouMean(tc.word, tc.known); got != want {
			t.Errorf("didYouMean(%q, %q) = %q, want %q", tc.word, tc.known, got, want)
		}
	}
}

// Every place a file names something from a fixed set suggests the
// closest member: the keys of every section, redis.conf parameters, mix
// operations, random verbs, node names, reads-from, protocols, bugs and
// distributions. The first line of the error is the whole test.
func TestUnknownWordsSuggest(t *testing.T) {
	const faultBase = base + "workload: {clients: 2, rate: 10}\nfaults:\n"
	for _, tc := range []struct{ name, yaml, want string }{
		{"top-level key", base + "durations: 5m\n",
			`t.yaml:7:1: unknown key "durations" (did you mean "duration"?)`},
		{"top-level key, nothing close", base + "x: 1\n",
			`t.yaml:7:1: unknown key "x"`},
		{"node key", "name: t\nduration: 1m\nnodes:\n  - name: m1\n    replica-of: m1\n",
			`t.yaml:5:5: unknown key "replica-of" in nodes.0 (did you mean "replicaof"?)`},
		{"network key", base + "network:\n  latncy: 1ms\n",
			`t.yaml:8:3: unknown key "latncy" in network (did you mean "latency"?)`},
		{"link key", base + "network:\n  links:\n    - {betwen: [m1, r1]}\n",
			`t.yaml:9:8: unknown key "betwen" in network.links.0 (did you mean "between"?)`},
		{"dataset key", base + "dataset: {key: 10}\n",
			`t.yaml:7:11: unknown key "key" in dataset (did you mean "keys"?)`},
		{"workload key", base + "workload: {rat: 10}\n",
			`t.yaml:7:12: unknown key "rat" in workload (did you mean "rate"?)`},
		{"wait key", base + "workload:\n  rate: 10\n  wait: {replica: 1}\n",
			`t.yaml:9:10: unknown key "replica" in workload.wait (did you mean "replicas"?)`},
		{"burst key", base + "workload:\n  bursts: [{at: 1s, write: 5}]\n",
			`t.yaml:8:21: unknown key "write" in workload.bursts.0 (did you mean "writes"?)`},
		{"fault key", faultBase + "  - {at: 10s, crash: r1}\n  - {at: 10s, disconect: [m1, r1], for: 1s}\n",
			`t.yaml:10:15: unknown key "disconect" in faults.1 (did you mean "disconnect"?)`},
		{"fault length key", faultBase + "  - {at: 10s, pause: r1, for: {dist: exponential, maen: 1s}}\n",
			`t.yaml:9:51: unknown key "maen" in faults.0.for (did you mean "mean"?)`},
		{"expectation bounds key", base + "expect:\n  full_resyncs: {mn: 1}\n",
			`t.yaml:8:18: unknown key "mn" in expect.full_resyncs (did you mean "min"?)`},
		{"config parameter", base + "config:\n  repl-backlog-sise: 1mb\n",
			`t.yaml:8:3: unknown config parameter "repl-backlog-sise" (did you mean "repl-backlog-size"?)`},
		{"node config parameter", "name: t\nduration: 1m\nnodes:\n  - name: m1\n    config: {repl-timout: 30}\n",
			`t.yaml:5:14: unknown config parameter "repl-timout" (did you mean "repl-timeout"?)`},
		{"mix operation", base + "workload: {rate: 1, mix: {st: 100}}\n",
			`t.yaml:7:27: unknown operation "st" in mix (known: set, get, incr, append, del, set-ttl, expire, multi) (did you mean "set"?)`},
		{"random verb", faultBase + "  - {random: crsh, node: r1, mean-every: 1s}\n",
			`t.yaml:9:14: random "crsh": want disconnect, stall, crash, restart, pause or failover (did you mean "crash"?)`},
		{"fault selector", faultBase + "  - {at: 1s, crash: replcas}\n",
			`t.yaml:9:21: unknown node "replcas" (nodes: m1, r1; or master, replicas, replica) (did you mean "replicas"?)`},
		{"fault node name", faultBase + "  - {at: 1s, pause: m2, for: 1s}\n",
			`t.yaml:9:21: unknown node "m2" (nodes: m1, r1; or master, replicas, replica) (did you mean "m1"?)`},
		{"host selector", faultBase + "  - {at: 1s, partition: [[m1], [client]], for: 1s}\n",
			`t.yaml:9:33: unknown node "client" (nodes: m1, r1; or master, replicas, replica) (did you mean "clients"?)`},
		{"replicaof", base + "  - name: r2\n    replicaof: r\n",
			`t.yaml:8:16: replicaof "r": no such node (nodes: m1, r1, r2) (did you mean "r1"?)`},
		{"link host", base + "network:\n  links:\n    - {between: [m1, r2]}\n",
			`t.yaml:9:22: link between "r2": no such node (nodes: m1, r1; clients are c1, c2, ...) (did you mean "r1"?)`},
		{"reads-from", base + "workload: {rate: 1, reads-from: replica}\n",
			`t.yaml:7:33: reads-from "replica": want master, replicas or any (did you mean "replicas"?)`},
		{"protocol", base + "protocol: psyncc2\n",
			`t.yaml:7:11: unknown protocol "psyncc2" (want psync2, psync or sync) (did you mean "psync2"?)`},
		{"node protocol", "name: t\nduration: 1m\nnodes:\n  - name: m1\n    config: {protocol: snyc}\n",
			`t.yaml:5:24: protocol: unknown protocol "snyc" (want psync2, psync or sync) (did you mean "sync"?)`},
		{"bug", base + "bugs: [ack-before-aply]\n",
			`t.yaml:7:8: unknown bug "ack-before-aply" (known: ack-before-apply, drop-last-block-on-trim, exec-forgets-queued-bytes, expire-relative, forget-select-after-full-sync, psync-offset-off-by-one, replica-active-expire, set-keeps-ttl) (did you mean "ack-before-apply"?)`},
		{"distribution", faultBase + "  - {at: 1s, pause: r1, for: {dist: exponental, mean: 1s}}\n",
			`t.yaml:9:30: unknown distribution "exponental" (want exponential) (did you mean "exponential"?)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load("t.yaml", []byte(tc.yaml), Overrides{})
			if err == nil {
				t.Fatalf("accepted:\n%s", tc.yaml)
			}
			if got, _, _ := strings.Cut(err.Error(), "\n"); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

// A key that --set adds is checked like a key of the file, and its error
// names the flag, not a place in a file the key was never in.
func TestSetUnknownKeyNamesFlag(t *testing.T) {
	src := base + "workload: {rate: 10}\nfaults:\n  - {at: 10s, crash: r1}\n"
	for _, tc := range []struct{ set, want string }{
		{"workload.rat=5", `--set workload.rat=5: unknown key "rat" in workload (did you mean "rate"?)`},
		{"nodes.0.confg.repl-timeout=5", `--set nodes.0.confg.repl-timeout=5: unknown key "confg" in nodes.0 (did you mean "config"?)`},
		{"faults.0.restart-afer=5s", `--set faults.0.restart-afer=5s: unknown key "restart-afer" in faults.0 (did you mean "restart-after"?)`},
		{"network.window-size=1mb", `--set network.window-size=1mb: unknown key "window-size" in network`},
		{"config.repl-timout=5", `--set config.repl-timout=5: unknown config parameter "repl-timout" (did you mean "repl-timeout"?)`},
		{"protocol=psync3", `--set protocol=psync3: unknown protocol "psync3" (want psync2, psync or sync) (did you mean "psync"?)`},
	} {
		_, err := Load("t.yaml", []byte(src), mustSets(t, tc.set))
		if err == nil || err.Error() != tc.want {
			t.Errorf("--set %s:\ngot  %v\nwant %s", tc.set, err, tc.want)
		}
	}
}
