package model

import (
	"testing"
	"time"
)

// Each planted bug must change what the engine does, or the harness could
// never catch it. These tests show the defect at engine level; the checker
// shows that shipped scenarios catch them.

// replicaPair starts a master and one replica with PINGs pushed out of the
// way (repl-ping-replica-period 3600, as in the spec's verification runs),
// after mutate changed their common configuration, and runs until the
// replica has synced.
func replicaPair(t *testing.T, mutate func(*Config)) *world {
	w := newWorld(t)
	cfg := DefaultConfig()
	cfg.ReplPingReplicaPeriod = 3600 * time.Second
	mutate(&cfg)
	w.addNode("m1", cfg)
	rc := cfg
	rc.ReplicaOfHost, rc.ReplicaOfPort = "m1", 6379
	w.addNode("r1", rc)
	w.runFor(10 * time.Second)
	return w
}

func writes(from, n int) [][]string {
	var cmds [][]string
	for i := 0; i < n; i++ {
		cmds = append(cmds, setWrite(from+i))
	}
	return cmds
}

func TestBugPsyncOffByOneCorruptsTheStream(t *testing.T) {
	for _, bug := range []bool{false, true} {
		w := replicaPair(t, func(c *Config) { c.Bugs.PsyncOffByOne = bug })
		w.pipeline("m1", writes(0, 10))
		w.runFor(time.Second)
		w.cutLink("m1", "r1")
		w.pipeline("m1", writes(10, 10))
		w.heal("m1", "r1")
		w.runFor(5 * time.Second)
		same := w.nodes["m1"].Digest() == w.nodes["r1"].Digest()
		if same == bug {
			t.Errorf("bug=%v: replica matches master: %v", bug, same)
		}
	}
}

func TestBugDropLastBlockOnTrimAcceptsTrimmedOffsets(t *testing.T) {
	for _, bug := range []bool{false, true} {
		w := replicaPair(t, func(c *Config) { c.Bugs.DropLastBlockOnTrim = bug })
		w.pipeline("m1", writes(0, 10000))
		w.runFor(time.Second)
		w.cutLink("m1", "r1")
		w.pipeline("m1", writes(10000, 7360))
		w.runFor(100 * time.Millisecond)
		w.heal("m1", "r1")
		w.runFor(10 * time.Second)
		// 7,360 writes are one too many for a partial resync (spec
		// §11.2); the bug accepts it anyway and the replica misses bytes.
		partial := w.info("m1")["sync_partial_ok"] == "1"
		if partial != bug {
			t.Errorf("bug=%v: partial resync accepted: %v", bug, partial)
		}
	}
}

func TestBugAckBeforeApplyLetsWaitCountUnappliedWrites(t *testing.T) {
	for _, bug := range []bool{false, true} {
		w := replicaPair(t, func(c *Config) { c.Bugs.AckBeforeApply = bug })
		w.do("m1", "SET", "acked", "1")
		got := w.do("m1", "WAIT", "1", "0")
		if got.Int != 1 {
			t.Fatalf("bug=%v: WAIT returned %v", bug, got)
		}
		// At the moment WAIT returns, the replica must have the write.
		_, has := w.nodes["r1"].dbs[0].get([]byte("acked"))
		if has == bug {
			t.Errorf("bug=%v: replica has the acknowledged write when WAIT returns: %v", bug, has)
		}
	}
}

func TestBugForgetSelectAfterFullSyncWritesTheWrongDB(t *testing.T) {
	for _, bug := range []bool{false, true} {
		w := newWorld(t)
		cfg := DefaultConfig()
		cfg.Bugs.ForgetSelectAfterFullSync = bug
		w.addNode("m1", cfg)
		rc := cfg
		rc.ReplicaOfHost, rc.ReplicaOfPort = "m1", 6379
		w.addNode("r1", rc)
		w.runFor(10 * time.Second)
		w.do("m1", "SELECT", "3")
		w.do("m1", "SET", "a", "1")
		// A second replica's full sync must reset the stream's database.
		w.addNode("r2", rc)
		w.runFor(10 * time.Second)
		w.do("m1", "SET", "b", "2")
		w.runFor(time.Second)
		same := w.nodes["m1"].Digest() == w.nodes["r2"].Digest()
		if same == bug {
			t.Errorf("bug=%v: replica matches master: %v", bug, same)
		}
	}
}
