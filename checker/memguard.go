package checker

import (
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"
)

// memoryGuard watches the heap while porcupine searches and trips once it
// passes a bound: the search then stops (see CheckLinearizable).
type memoryGuard struct {
	tripped atomic.Bool
	limit   uint64
	done    chan struct{}
	once    sync.Once
}

// memoryGuardEvery is how often the guard looks at the heap.
const memoryGuardEvery = 20 * time.Millisecond

func newMemoryGuard(limit uint64) *memoryGuard {
	g := &memoryGuard{limit: limit, done: make(chan struct{})}
	if g.check() {
		return g
	}
	go func() {
		t := time.NewTicker(memoryGuardEvery)
		defer t.Stop()
		for {
			select {
			case <-g.done:
				return
			case <-t.C:
				if g.check() {
					return
				}
			}
		}
	}()
	return g
}

// check trips the guard when the heap is past the limit, and reports it.
func (g *memoryGuard) check() bool {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() == metrics.KindUint64 && s[0].Value.Uint64() > g.limit {
		g.tripped.Store(true)
	}
	return g.tripped.Load()
}

func (g *memoryGuard) close() { g.once.Do(func() { close(g.done) }) }
