package scenarios

import (
	"testing"
	"time"
)

// BenchmarkScenario runs short-disconnect (2 minutes of simulated time at
// 1,000 writes/s, one 20s disconnect) and reports simulated seconds per
// wall-clock second.
func BenchmarkScenario(b *testing.B) {
	s, err := LoadFile("short-disconnect.yaml", Overrides{})
	if err != nil {
		b.Fatal(err)
	}
	var simulated time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		o, err := Run(s, uint64(i+1), RunOptions{})
		if err != nil {
			b.Fatal(err)
		}
		simulated += o.Facts.SimTime
	}
	b.ReportMetric(simulated.Seconds()/b.Elapsed().Seconds(), "sim-s/s")
}
