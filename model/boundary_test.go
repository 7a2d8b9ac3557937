package model

import (
	"testing"
	"time"
)

// A PSYNC whose offset is the first byte of a block starts the replica at
// the end of the previous block (addReplyReplicationBacklog); the master
// must move it on and send the rest, not stall.
func TestPartialResyncFromBlockBoundary(t *testing.T) {
	w := replicaPair(t, func(*Config) {})
	// 23 (SELECT) + 141*144 + 113 = 20440: the replica's next byte starts
	// the second block.
	w.pipeline("m1", writes(0, 141))
	w.do("m1", "SET", "k:exact", string(make([]byte, 113-31-2)))
	w.runFor(time.Second)
	if got := w.info("r1")["slave_repl_offset"]; got != "20440" {
		t.Fatalf("replica at %s, want 20440", got)
	}
	w.cutLink("m1", "r1")
	w.pipeline("m1", writes(1000, 10))
	w.heal("m1", "r1")
	w.runFor(5 * time.Second)
	if w.info("m1")["sync_partial_ok"] != "1" || w.info("r1")["slave_repl_offset"] != w.info("m1")["master_repl_offset"] {
		t.Fatalf("partial %s, replica %s, master %s", w.info("m1")["sync_partial_ok"], w.info("r1")["slave_repl_offset"], w.info("m1")["master_repl_offset"])
	}
}
