package scenarios_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/replsim/replsim/scenarios"
	"github.com/replsim/replsim/scenarios/scenariotest"
)

// Sampling the replicas' lag reads state between events: the same seed
// gives the same trace and the same summary with and without it, and the
// samples show the lag growing while the link is cut.
func TestSamplingDoesNotChangeTheRun(t *testing.T) {
	s, err := scenarios.Load("tiny.yaml", []byte(`name: tiny
duration: 20s
nodes:
  - name: m1
  - name: r1
    replicaof: m1
  - name: r2
    replicaof: m1
workload: {clients: 2, rate: 200, keys: 100}
faults:
  - {at: 5s, disconnect: [m1, r1], for: 3s}
  - {random: stall, between: [master, replica], mean-every: 5s, for: 1s}
`), scenarios.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	var traces [2]bytes.Buffer
	var sums [2]string
	var outs [2]*scenarios.Record
	for i, every := range []time.Duration{0, 250 * time.Millisecond} {
		o, err := scenarios.Run(s, 3, scenarios.RunOptions{Trace: &traces[i], SampleEvery: every})
		if err != nil {
			t.Fatal(err)
		}
		o.WallTime = 0
		b, err := json.Marshal(o.Summary())
		if err != nil {
			t.Fatal(err)
		}
		sums[i] = string(b)
		outs[i] = o
	}
	if !bytes.Equal(traces[0].Bytes(), traces[1].Bytes()) {
		t.Errorf("sampling changed the trace (%s)", scenariotest.FirstDiff(traces[0].Bytes(), traces[1].Bytes()))
	}
	if sums[0] != sums[1] {
		t.Errorf("sampling changed the summary:\n%s\n%s", sums[0], sums[1])
	}
	if outs[0].Facts.Samples != nil {
		t.Errorf("samples without SampleEvery")
	}
	samples := outs[1].Facts.Samples
	replicas := len(s.Nodes) - 1
	want := (int(outs[1].Facts.SimTime/(250*time.Millisecond)) + 1) * replicas
	if len(samples) != want {
		t.Errorf("%d samples over %s, want %d", len(samples), outs[1].Facts.SimTime, want)
	}
	var maxLag int64
	down := false
	for _, sm := range samples {
		maxLag = max(maxLag, sm.LagBytes)
		down = down || !sm.LinkUp
	}
	if maxLag == 0 || !down {
		t.Errorf("no lag seen (max %d bytes, a link down: %v)", maxLag, down)
	}
}
