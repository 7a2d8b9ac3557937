package world

import (
	"slices"
	"testing"

	"github.com/replsim/replsim/checker"
	"pgregory.net/rapid"
)

// An opLog with a sink hands over every operation once, in index order,
// only when it can no longer change, and the operations it hands over are
// those an opLog without a sink keeps.
func TestOpLogSink(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var got []checker.Op
		kept := &opLog{}
		kept.reserve(rapid.IntRange(0, 2*opChunk).Draw(t, "reserve"))
		sunk := &opLog{sink: func(op *checker.Op) {
			if op.Outcome == "" {
				t.Fatalf("operation %d handed over unfinished", op.Call)
			}
			got = append(got, *op)
		}}
		var open []int
		steps := rapid.IntRange(0, 3*opChunk).Draw(t, "steps")
		for s := 0; s < steps; s++ {
			switch rapid.IntRange(0, 9).Draw(t, "action") {
			case 0, 1, 2, 3, 4:
				op := checker.Op{Call: int64(kept.len())}
				i, j := kept.add(op), sunk.add(op)
				if i != j {
					t.Fatalf("indexes %d and %d", i, j)
				}
				open = append(open, i)
			case 5, 6, 7:
				if len(open) == 0 {
					continue
				}
				k := rapid.IntRange(0, len(open)-1).Draw(t, "finish")
				i := open[k]
				open = slices.Delete(open, k, k+1)
				for _, l := range []*opLog{kept, sunk} {
					l.at(i).Outcome = checker.OK
					l.at(i).Return = int64(s)
				}
			case 8:
				if len(open) > 0 {
					i := open[len(open)-1]
					kept.hold(i, true)
					sunk.hold(i, true)
				}
			case 9:
				if n := len(open); n > 0 && open[n-1] == kept.len()-1 {
					kept.dropLast()
					sunk.dropLast()
					open = open[:n-1]
				}
			}
		}
		kept.close(1 << 40)
		sunk.close(1 << 40)
		want := kept.all(0)
		if !slices.Equal(got, want) {
			t.Fatalf("handed over %d operations, kept %d, or in another order", len(got), len(want))
		}
		for i, op := range want {
			if op.Call != int64(i) {
				t.Fatalf("operation %d has call %d", i, op.Call)
			}
		}
	})
}
