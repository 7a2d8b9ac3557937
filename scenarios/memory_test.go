package scenarios

import (
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
		rec, err := Run(s, uint64(i+1), RunOptions{})
		if err != nil {
			b.Fatal(err)
		}
		close(done)
		b.ReportMetric(float64(<-peak)/(1<<20), "peak-heap-MB")
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapInuse-before.HeapInuse)/float64(len(rec.History)), "kept-B/op")
		runtime.KeepAlive(rec)
	}
}
