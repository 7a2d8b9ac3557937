package model

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// TestPartialOrFullPredicate drives random write/disconnect sequences and
// checks the engine's verdict against the closed form of spec §11.1, which
// is derived independently of the block list: with uniform block capacity C,
// no pins and trimming caught up, a PSYNC at p = R+1 is partial iff
// D = M - R <= size + C - φ, where φ = (p - B0) mod C.
func TestPartialOrFullPredicate(t *testing.T) {
	const C = 20440
	rapid.Check(t, func(rt *rapid.T) {
		size := rapid.Int64Range(1000, 200_000).Draw(rt, "backlog")
		before := rapid.IntRange(0, 400).Draw(rt, "writesBefore")
		after := rapid.IntRange(0, 2500).Draw(rt, "writesAfter")
		valueLen := rapid.IntRange(1, 400).Draw(rt, "valueLen")

		w := replicaPair(t, func(c *Config) { c.ReplBacklogSizeBytes = size })
		val := strings.Repeat("x", valueLen)
		var cmds [][]string
		for i := 0; i < before; i++ {
			cmds = append(cmds, []string{"SET", fmt.Sprintf("k%d", i), val})
		}
		w.pipeline("m1", cmds)
		w.runFor(time.Second)
		var R int64
		fmt.Sscan(w.info("r1")["slave_repl_offset"], &R)
		w.cutLink("m1", "r1")
		cmds = cmds[:0]
		for i := 0; i < after; i++ {
			cmds = append(cmds, []string{"SET", fmt.Sprintf("k%d", before+i), val})
		}
		w.pipeline("m1", cmds)
		w.runFor(100 * time.Millisecond)
		var M int64
		fmt.Sscan(w.info("m1")["master_repl_offset"], &M)
		w.heal("m1", "r1")
		w.runFor(10 * time.Second)

		p, B0 := R+1, int64(1)
		phi := (p - B0) % C
		wantPartial := M-R <= size+C-phi
		m := w.info("m1")
		gotPartial := m["sync_partial_ok"] == "1"
		if gotPartial != wantPartial {
			rt.Fatalf("R=%d M=%d D=%d φ=%d size=%d: partial %v, predicate says %v (sync_full %s)",
				R, M, M-R, phi, size, gotPartial, wantPartial, m["sync_full"])
		}
		if w.nodes["m1"].Digest() != w.nodes["r1"].Digest() {
			rt.Fatalf("datasets differ after the resync")
		}
	})
}
