package scenarios

import (
	"flag"
	"os"
	"runtime"
	"runtime/metrics"
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
		peak.report(b)
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapInuse-before.HeapInuse)/float64(len(rec.History)), "kept-B/op")
		runtime.KeepAlive(rec)
	}
}

// peakHeap runs f and returns the most heap in use while it ran (garbage
// not yet collected included: with GOGC=100 up to about twice the live
// heap) and the most heap live after a collection, both sampled every
// 10ms.
func peakHeap(f func()) heapPeaks {
	done, peak := make(chan struct{}), make(chan heapPeaks)
	go func() {
		var ms runtime.MemStats
		live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		var top heapPeaks
		for {
			select {
			case <-done:
				peak <- top
				return
			case <-time.After(10 * time.Millisecond):
			}
			runtime.ReadMemStats(&ms)
			metrics.Read(live)
			top.inuse = max(top.inuse, ms.HeapInuse)
			top.live = max(top.live, live[0].Value.Uint64())
		}
	}()
	f()
	close(done)
	return <-peak
}

type heapPeaks struct{ inuse, live uint64 }

func (h heapPeaks) max(o heapPeaks) heapPeaks {
	return heapPeaks{max(h.inuse, o.inuse), max(h.live, o.live)}
}

func (h heapPeaks) report(b *testing.B) {
	b.ReportMetric(float64(h.inuse)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(h.live)/(1<<20), "peak-live-MB")
}

var prodDuration = flag.Duration("prodload.duration", time.Minute, "simulated fault phase of BenchmarkProductionLoad (the file says 5m)")

// BenchmarkProductionLoad runs production-load.yaml (20,000 writes/s from
// 50 pipelining clients) for -prodload.duration of simulated time, with
// the sweep's checks (figures and invariants, no porcupine, the history
// kept in a file) and with every check, and reports simulated seconds per
// wall second and the peak heap, in use and live.
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
			var peak heapPeaks
			for i := 0; i < b.N; i++ {
				runtime.GC()
				peak = peak.max(peakHeap(func() {
					opts := RunOptions{SkipLinearizability: mode.skip}
					if mode.skip {
						// As a sweep runs it: the history kept in a file.
						f, err := os.CreateTemp(b.TempDir(), "history")
						if err != nil {
							b.Fatal(err)
						}
						defer f.Close()
						opts.HistoryFile = f
					}
					rec, err := Run(s, uint64(i+1), opts)
					if err != nil {
						b.Fatal(err)
					}
					simulated += rec.Facts.SimTime
				}))
			}
			b.ReportMetric(simulated.Seconds()/b.Elapsed().Seconds(), "sim-s/s")
			peak.report(b)
		})
	}
}
