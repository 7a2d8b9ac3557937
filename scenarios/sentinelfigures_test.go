package scenarios

import (
	"testing"
	"time"

	"github.com/replsim/replsim/checker"
	"github.com/replsim/replsim/scenarios/spec"
	"github.com/replsim/replsim/scenarios/world"
)

// The failover figures, write unavailability and split-brain time of a
// run whose events are known: m1 is cut off at 10s, r1 acknowledges its
// first write at 16s, and m1 and r1 both acknowledge writes in the slice
// 20.0-20.1s.
func TestSentinelFigures(t *testing.T) {
	s := &spec.Spec{Duration: time.Minute, Nodes: []spec.NodeSpec{{Name: "m1"}, {Name: "r1", ReplicaOf: "m1"}}}
	sec := func(f float64) int64 { return int64(f * float64(time.Second)) }
	ack := func(node string, call, ret float64) checker.Op {
		return checker.Op{Op: "set", Node: node, Outcome: checker.OK, Call: sec(call), Return: sec(ret), Waited: -1}
	}
	facts := &world.Facts{MasterFailed: true, MasterFailedAt: 10 * time.Second, SentinelEvents: []world.SentinelEvent{
		{Sentinel: "s1", Kind: "+try-failover"}, {Sentinel: "s2", Kind: "+try-failover"},
		{Sentinel: "s2", Kind: "-failover-abort-not-elected"}, {Sentinel: "s1", Kind: "+failover-end"},
		{Sentinel: "s1", Kind: "+switch-master"},
	}}
	hist := []checker.Op{
		ack("m1", 5, 5.001),
		ack("m1", 9.9999, 10.0001), // in flight at the failure: not a new master's ack
		{Op: "set", Node: "r1", Outcome: checker.Fail, Call: sec(12), Return: sec(12.001)}, // refused
		ack("r1", 15.9, 16),
		ack("m1", 20.01, 20.02),
		ack("r1", 20.04, 20.05),
		{Op: "get", Node: "r1", Outcome: checker.OK, Call: sec(20.1), Return: sec(20.15), Replica: true},
		{Op: "get", Node: "m1", Outcome: checker.OK, Call: sec(20.1), Return: sec(20.15)},
	}
	r := &Record{Spec: s, Facts: facts}
	r.failovers = countFailovers(facts.SentinelEvents)
	// Two partitions of the history, as a spilled history comes.
	r.acks = newAckFigures()
	r.acks.add(countAcks(facts, "m1", hist[:3]))
	r.acks.add(countAcks(facts, "m1", hist[3:]))
	if f := r.failovers; f != (failoverFigures{started: 2, completed: 1, aborted: 1}) {
		t.Errorf("failovers %+v", f)
	}
	if v := r.writeUnavailability(); !v.Known || v.Int != int64(6*time.Second) {
		t.Errorf("write unavailability %v, want 6s", time.Duration(v.Int))
	}
	if n := len(r.acks.multi); n != 1 {
		t.Errorf("split-brain slices %d, want 1 (20.0-20.1s)", n)
	}

	// Without another node's ack, the first ack of a write called after
	// the failure; without any, the end of the fault phase; without a
	// write tried after the failure, or without a failure, 0.
	r.acks = countAcks(facts, "m1", []checker.Op{ack("m1", 9.9, 10.1), ack("m1", 30, 30.5)})
	if v := r.writeUnavailability(); !v.Known || v.Int != int64(20500*time.Millisecond) {
		t.Errorf("write unavailability without a failover %v, want 20.5s", time.Duration(v.Int))
	}
	refused := checker.Op{Op: "set", Node: "m1", Outcome: checker.Fail, Call: sec(12), Return: sec(12.001)}
	r.acks = countAcks(facts, "m1", []checker.Op{refused})
	if v := r.writeUnavailability(); !v.Known || v.Int != int64(50*time.Second) {
		t.Errorf("write unavailability without an acknowledged write %v, want 50s", time.Duration(v.Int))
	}
	r.acks = countAcks(facts, "m1", nil)
	if v := r.writeUnavailability(); !v.Known || v.Int != 0 {
		t.Errorf("write unavailability without a write tried %v, want 0", time.Duration(v.Int))
	}
	r.Facts = &world.Facts{}
	if v := r.writeUnavailability(); !v.Known || v.Int != 0 {
		t.Errorf("write unavailability without a failure %v, want 0", time.Duration(v.Int))
	}
}
