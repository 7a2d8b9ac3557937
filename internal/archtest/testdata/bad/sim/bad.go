// Package sim breaks every rule of the simulated world once.
package sim

import (
	"math/rand/v2"
	"os"
	clock "time"
)

// Fine: durations, seeded sources and their types.
var (
	tick   clock.Duration = 10 * clock.Millisecond
	stream *rand.Rand     = rand.New(rand.NewPCG(1, 2))
)

func run(ch chan int) {
	_ = clock.Now()
	_ = rand.IntN(10)
	_ = stream.IntN(10)
	go func() { ch <- 1 }()
	select {
	case <-ch:
	default:
	}
	os.Exit(0)
}
