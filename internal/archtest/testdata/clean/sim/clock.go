// Package sim uses only what the simulated world may.
package sim

import (
	"math/rand/v2"
	clock "time"
)

type Scheduler struct {
	now    clock.Duration
	rng    *rand.Rand
	source rand.Source
	zipf   *rand.Zipf
}

func New(seed uint64) *Scheduler {
	pcg := rand.NewPCG(seed, seed)
	r := rand.New(pcg)
	var chacha *rand.ChaCha8 = rand.NewChaCha8([32]byte{})
	_ = chacha
	var p *rand.PCG = pcg
	return &Scheduler{now: clock.Second, rng: r, source: p, zipf: rand.NewZipf(r, 2, 1, 10)}
}

// Now is the virtual clock, a method of our own: not time.Now.
func (s *Scheduler) Now() clock.Duration { return s.now }

func (s *Scheduler) Step() {
	time := s
	_ = time.Now()
	_ = s.rng.IntN(10)
	ch := make(chan int, 1)
	ch <- 1
	<-ch
}
