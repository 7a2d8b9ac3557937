package sim

import (
	"crypto/sha256"
	"encoding/binary"
	"math/rand/v2"
)

// Seeds derives named random streams from one root seed. Each component asks
// for its own stream by a stable name ("net", "workload", "node/m1", ...), so
// a new draw in one component never shifts the draws of another, and adding a
// component leaves every existing stream as it was.
type Seeds struct {
	root uint64
}

// NewSeeds returns the stream factory for a root seed.
func NewSeeds(root uint64) Seeds { return Seeds{root: root} }

// Root returns the root seed, the one number that reproduces a run.
func (s Seeds) Root() uint64 { return s.root }

// Stream returns a fresh PCG generator for the named sub-stream. Two calls
// with the same name return generators that produce the same sequence.
func (s Seeds) Stream(name string) *rand.Rand {
	a, b := s.derive(name)
	return rand.New(rand.NewPCG(a, b))
}

// Derive returns a 64-bit seed for the named sub-stream, for components that
// seed something other than a *rand.Rand (for example a replication ID).
func (s Seeds) Derive(name string) uint64 {
	a, _ := s.derive(name)
	return a
}

func (s Seeds) derive(name string) (uint64, uint64) {
	var buf [8]byte
	binary.LittleEndian.PutUint64(buf[:], s.root)
	h := sha256.New()
	h.Write(buf[:])
	h.Write([]byte(name))
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return binary.LittleEndian.Uint64(sum[0:8]), binary.LittleEndian.Uint64(sum[8:16])
}
