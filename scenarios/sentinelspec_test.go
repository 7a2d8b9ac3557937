package scenarios

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// sentinelBase is base with three sentinels; the cases add to it.
const sentinelBase = base + "sentinels:\n"

// A bad sentinels: section is refused with its line and column, in
// Sentinel's words.
func TestBadSentinels(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"unknown key", sentinelBase + "  names: [s1]\n  quorum: 1\n  down-after: 5000\n", `t.yaml:10:3: unknown key "down-after" in sentinels`},
		{"no names", sentinelBase + "  quorum: 1\n", "t.yaml:8:3: sentinels need names"},
		{"no quorum", sentinelBase + "  names: [s1, s2]\n", "t.yaml:8:3: sentinels need a quorum"},
		{"quorum above the sentinels", sentinelBase + "  names: [s1, s2]\n  quorum: 3\n", "t.yaml:9:11: quorum 3: want between 1 and the 2 sentinels"},
		{"quorum zero", sentinelBase + "  names: [s1, s2]\n  quorum: 0\n", "t.yaml:9:11: quorum 0: want between 1 and the 2 sentinels"},
		{"name of a node", sentinelBase + "  names: [s1, r1]\n  quorum: 1\n", `t.yaml:8:15: sentinel "r1" has the name of a node`},
		{"name of a client", sentinelBase + "  names: [c1]\n  quorum: 1\n", `t.yaml:8:11: "c1" is reserved`},
		{"selector name", sentinelBase + "  names: [master]\n  quorum: 1\n", `t.yaml:8:11: "master" is reserved`},
		{"twice", sentinelBase + "  names: [s1, s1]\n  quorum: 1\n", `t.yaml:8:15: sentinel "s1" is named twice`},
		{"bad name", sentinelBase + "  names: [S_1]\n  quorum: 1\n", `t.yaml:8:11: sentinel name "S_1"`},
		{"bad down-after", sentinelBase + "  names: [s1]\n  quorum: 1\n  down-after-milliseconds: soon\n", `t.yaml:10:28: down-after-milliseconds: invalid duration "soon"`},
		{"zero down-after", sentinelBase + "  names: [s1]\n  quorum: 1\n  down-after-milliseconds: 0\n", "t.yaml:10:28: down-after-milliseconds must be at least 1 millisecond"},
		{"negative failover-timeout", sentinelBase + "  names: [s1]\n  quorum: 1\n  failover-timeout: -5\n", `t.yaml:10:21: failover-timeout: negative duration "-5"`},
		{"parallel-syncs zero", sentinelBase + "  names: [s1]\n  quorum: 1\n  parallel-syncs: 0\n", "t.yaml:10:19: parallel-syncs must be between 1 and 1000"},
		{"bad master-name", sentinelBase + "  names: [s1]\n  quorum: 1\n  master-name: My Master\n", `t.yaml:10:16: master-name "My Master"`},
		{"failover fault with sentinels", sentinelBase + "  names: [s1]\n  quorum: 1\nfaults:\n  - {at: 10s, failover: r1}\n", "t.yaml:11:25: with sentinels, failovers are theirs"},
		{"random failover with sentinels", sentinelBase + "  names: [s1]\n  quorum: 1\nfaults:\n  - {random: failover, node: replica, mean-every: 10s}\n", "t.yaml:11:14: with sentinels, failovers are theirs"},
		{"unknown sentinel in a fault", sentinelBase + "  names: [s1]\n  quorum: 1\nfaults:\n  - {at: 10s, crash: s2}\n", `t.yaml:11:22: unknown node "s2" (nodes: m1, r1; or master, replicas, replica; sentinels: s1)`},
		{"bad replica-priority", base + "    config: {replica-priority: -1}\n", "t.yaml:7:32: replica-priority"},
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

// A good sentinels: section fills the spec in Redis's units, with
// Sentinel's defaults for what it leaves out; sentinels are hosts that
// faults and link overrides may name.
func TestSentinelsSpec(t *testing.T) {
	y := base + "    config: {replica-priority: 10}\nsentinels:\n  names: [s1, s2, s3]\n  quorum: 2\n  down-after-milliseconds: 5000\n  failover-timeout: 1m\n" +
		"network:\n  links:\n    - {between: [s1, m1], latency: 2ms}\nfaults:\n  - {at: 10s, crash: s1, restart-after: 5s}\n  - {at: 20s, partition: [[m1, s1], [r1, s2, s3]], for: 5s}\n"
	s, err := Load("t.yaml", []byte(y), Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	ss := s.Sentinels
	if ss == nil || strings.Join(ss.Names, ",") != "s1,s2,s3" || ss.MasterName != "mymaster" || ss.Quorum != 2 ||
		ss.DownAfter != 5*time.Second || ss.FailoverTimeout != time.Minute || ss.ParallelSyncs != 1 {
		t.Fatalf("sentinels %+v", ss)
	}
	if got := s.Node("r1").Config.ReplicaPriority; got != 10 {
		t.Fatalf("replica-priority %d, want 10", got)
	}
	if !s.IsSentinel("s2") || s.IsSentinel("r1") {
		t.Fatal("IsSentinel")
	}
}
