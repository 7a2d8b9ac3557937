package scenarios

import (
	"flag"
	"runtime"
	"testing"
	"time"
)

// BenchmarkRunMemory runs short-disconnect for 10 minutes of simulated time
// (about 600,000 writes of 1 KB values) and reports what memory does: the
// peak heap in use during the run and its check (sampled every 10ms), and
// the heap the record keeps per operation of its history once the run is
// over. Neither should grow with the values' size.
//
//	go test ./scenarios -run '^$' -bench RunMemory -benchtime 1x
func BenchmarkRunMemory(b *testing.B) {
	ov, err := SetArgs("duration=10m", "workload.value-size=1024")
	if err != nil {
		b.Fatal(err)
	}
	s, err := LoadFile("short-disconnect.yaml", ov)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		var rec *Record
		peak := peakHeap(func() {
			if rec, err = Run(s, uint64(i+1), RunOptions{}); err != nil {
				b.Fatal(err)
			}
		})
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapInuse-before.HeapInuse)/float64(len(rec.History)), "kept-B/op")
		runtime.KeepAlive(rec)
	}
}

// peakHeap runs f and returns the most heap in use while it ran, sampled
// every 10ms.
func peakHeap(f func()) uint64 {
	done, peak := make(chan struct{}), make(chan uint64)
	go func() {
		var ms runtime.MemStats
		var top uint64
		for {
			select {
			case <-done:
				peak <- top
				return
			case <-time.After(10 * time.Millisecond):
			}
			runtime.ReadMemStats(&ms)
			top = max(top, ms.HeapInuse)
		}
	}()
	f()
	close(done)
	return <-peak
}

var prodDuration = flag.Duration("prodload.duration", time.Minute, "simulated fault phase of BenchmarkProductionLoad (the file says 5m)")

// BenchmarkProductionLoad runs production-load.yaml (20,000 writes/s from
// 50 pipelining clients) for -prodload.duration of simulated time, with
// the sweep's checks (figures and invariants, no porcupine) and with every
// check, and reports simulated seconds per wall second and the peak heap.
//
//	go test ./scenarios -run '^$' -bench ProductionLoad -benchtime 1x -prodload.duration 5m
func BenchmarkProductionLoad(b *testing.B) {
	ov, err := SetArgs("duration=" + prodDuration.String())
	if err != nil {
		b.Fatal(err)
	}
	s, err := LoadFile("production-load.yaml", ov)
	if err != nil {
		b.Fatal(err)
	}
	for _, mode := range []struct {
		name string
		skip bool
	}{{"sweep-checks", true}, {"all-checks", false}} {
		b.Run(mode.name, func(b *testing.B) {
			var simulated time.Duration
			var peak uint64
			for i := 0; i < b.N; i++ {
				runtime.GC()
				peak = max(peak, peakHeap(func() {
					rec, err := Run(s, uint64(i+1), RunOptions{SkipLinearizability: mode.skip})
					if err != nil {
						b.Fatal(err)
					}
					simulated += rec.Facts.SimTime
				}))
			}
			b.ReportMetric(simulated.Seconds()/b.Elapsed().Seconds(), "sim-s/s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
		})
	}
}
