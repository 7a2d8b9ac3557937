package world

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/replsim/replsim/faults"
	"github.com/replsim/replsim/model"
	"github.com/replsim/replsim/model/resp"
	"github.com/replsim/replsim/model/sentinel"
	"github.com/replsim/replsim/scenarios/spec"
	"github.com/replsim/replsim/sim"
)

// withSentinels is threeNodes plus three sentinels watching m1 with quorum
// 2 and down-after-milliseconds 2000.
func withSentinels(seed uint64) Options {
	o := threeNodes(seed)
	for _, name := range []string{"s1", "s2", "s3"} {
		c := sentinel.DefaultConfig()
		c.Host, c.MasterHost, c.MasterPort = name, "m1", 6379
		c.DownAfter, c.FailoverTimeout = 2*time.Second, 30*time.Second
		o.Sentinels = append(o.Sentinels, SentinelSpec{Name: name, Config: c})
	}
	return o
}

// discoverer starts a client that finds the master through the sentinels
// and SETs one key after another, one at a time, every 10ms; it counts the
// writes each node acknowledged.
func discoverer(w *World) (*Client, map[string]int) {
	d := &Discovery{MasterName: "mymaster", Timeout: 2 * time.Second}
	for _, s := range w.Sentinels() {
		d.Sentinels = append(d.Sentinels, sim.Addr{Host: s.Name(), Port: s.Port()})
	}
	c := w.NewDiscoveringClient("c1", d)
	acked := map[string]int{}
	c.OnReply = func(call *Call) {
		if !call.Broken && call.Reply.Kind != resp.KindError {
			acked[c.Target().Host]++
		}
	}
	var tick func()
	tick = func() {
		if c.Ready() {
			c.Do(setCmd, []byte("k"), []byte("v"))
		}
		c.Host.After(10*time.Millisecond, tick)
	}
	c.Host.After(0, tick)
	return c, acked
}

// A client that discovers the master writes to m1; when m1 crashes the
// sentinels fail over, and the client, having lost its connection, asks
// them again until they name the new master, and writes there.
func TestDiscoveringClientFollowsFailover(t *testing.T) {
	w, err := New(withSentinels(1))
	if err != nil {
		t.Fatal(err)
	}
	c, acked := discoverer(w)
	// The sentinels learn the replicas from the master's INFO, every 10s.
	w.Run(12*time.Second, nil)
	if c.Target().Host != "m1" || acked["m1"] == 0 {
		t.Fatalf("before the crash: target %s, acknowledged %v", c.Target(), acked)
	}
	w.Node("m1").Host.Crash()
	w.Run(30*time.Second, nil)
	var promoted string
	for _, e := range w.SentinelEvents() {
		if e.Kind == "+switch-master" {
			promoted = strings.Fields(e.Payload)[3]
		}
	}
	if promoted == "" {
		t.Fatalf("no +switch-master; events: %v", w.SentinelEvents())
	}
	if c.Target().Host != promoted || acked[promoted] == 0 || !w.Node(promoted).Engine.IsMaster() {
		t.Fatalf("after the failover to %s: target %s, acknowledged %v", promoted, c.Target(), acked)
	}
}

// A write refused with -READONLY (the node was demoted behind the
// client's back) sends the client back to the sentinels, and a node that
// answers ROLE as a replica is not used, even when they name it.
func TestDiscoveringClientRediscoversOnReadonly(t *testing.T) {
	o := withSentinels(2)
	var trace bytes.Buffer
	o.Trace = &trace
	w, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	c, acked := discoverer(w)
	w.Run(5*time.Second, nil)
	// Demote m1 under r1 by hand: the sentinels still name m1.
	w.Node("r1").Engine.Promote()
	w.Node("m1").Engine.ReplicaOf("r1", 6379)
	w.Node("r2").Engine.ReplicaOf("r1", 6379)
	w.Run(6*time.Second, nil)
	for _, want := range []string{"client c1 got -READONLY from m1: asks the sentinels again", "client c1: m1 answers ROLE with role slave: asks the sentinels again"} {
		if !strings.Contains(trace.String(), want) {
			t.Errorf("the trace has no line %q", want)
		}
	}
	if c.Ready() || acked["r1"] != 0 {
		t.Fatalf("the client uses %s, which is a replica (acknowledged %v)", c.Target(), acked)
	}
}

// Sentinels are hosts like the nodes: a crash stops one (and restart-after
// brings it back with its id), a pause silences it, a partition cuts it
// off so that its peers see it down; faults name them like nodes.
func TestSentinelHostsUnderFaults(t *testing.T) {
	m := model.DefaultConfig()
	r := m
	r.ReplicaOfHost, r.ReplicaOfPort = "m1", 6379
	s := &spec.Spec{Name: "t", Duration: 40 * time.Second, HealTimeout: 30 * time.Second,
		Nodes:     []spec.NodeSpec{{Name: "m1", Config: m}, {Name: "r1", ReplicaOf: "m1", Config: r}},
		Network:   spec.NetworkSpec{Link: sim.LinkConfig{Latency: time.Millisecond, BandwidthBytesPerSec: 125_000_000}},
		Sentinels: &spec.SentinelsSpec{Names: []string{"s1", "s2", "s3"}, MasterName: "mymaster", Quorum: 2, DownAfter: 2 * time.Second, FailoverTimeout: time.Minute, ParallelSyncs: 1},
		Faults: []faults.Schedule{
			{At: 10 * time.Second, Action: faults.Action{Verb: faults.Crash, Node: "s1", RestartAfter: 5 * time.Second}},
			{At: 20 * time.Second, Action: faults.Action{Verb: faults.Pause, Node: "s2"}, For: faults.Dist{Min: 5 * time.Second, Max: 5 * time.Second}},
			{At: 30 * time.Second, Action: faults.Action{Verb: faults.Partition, Groups: [][]faults.Selector{{"s3"}, {"s1", "s2"}}}, For: faults.Dist{Min: 5 * time.Second, Max: 5 * time.Second}},
		},
	}
	var trace bytes.Buffer
	res, err := Run(s, 1, RunOptions{Trace: &trace})
	if err != nil {
		t.Fatal(err)
	}
	down := map[string]bool{} // "<observer> <down sentinel>"
	var s2During int
	for _, e := range res.SentinelEvents {
		if e.Kind == "+sdown" && strings.HasPrefix(e.Payload, "sentinel ") {
			f := strings.Fields(e.Payload)
			down[e.Sentinel+" "+f[2]] = true
		}
		if e.Sentinel == "s2" && e.At > 20*time.Second && e.At < 25*time.Second {
			s2During++
		}
	}
	for _, want := range []string{"s2 s1", "s3 s1", "s1 s2", "s3 s2", "s1 s3", "s2 s3"} {
		if !down[want] {
			t.Errorf("no +sdown of %s seen by %s", strings.Fields(want)[1], strings.Fields(want)[0])
		}
	}
	if s2During != 0 {
		t.Errorf("paused s2 reported %d events", s2During)
	}
	for _, want := range []string{"host crash s1", "fault restart s1", "fault pause s2", "fault partition"} {
		if !strings.Contains(trace.String(), want) {
			t.Errorf("the trace has no line %q", want)
		}
	}
	var logged []string
	for _, e := range res.FaultLog {
		logged = append(logged, e.Text)
	}
	if got := strings.Join(logged, "; "); !strings.Contains(got, "partition s3 | s1,s2") || !strings.Contains(got, "crash s1") {
		t.Errorf("faults applied: %s", got)
	}
	for _, e := range res.SentinelEvents {
		if e.Kind == "+try-failover" {
			t.Errorf("a failover started with the master up: %v", e)
		}
	}
	if res.MasterFailed {
		t.Errorf("faults of sentinels alone count as the master's failure at %s", res.MasterFailedAt)
	}
	if !res.Converged {
		t.Errorf("not converged: %s", res.ConvergeReason)
	}
}
