package model

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSnapshotPassesRedisCheckRDB writes the snapshot a master would send
// in a full sync (with repl-id, repl-offset and repl-stream-db) and has the
// real redis-check-rdb (Debian's redis-tools, Redis 7.0.15) verify it.
func TestSnapshotPassesRedisCheckRDB(t *testing.T) {
	bin, err := exec.LookPath("redis-check-rdb")
	if err != nil {
		t.Skip("redis-check-rdb not installed (apt-get install redis-tools)")
	}
	w := newWorld(t)
	cfg := DefaultConfig()
	w.addNode("m1", cfg)
	rc := cfg
	rc.ReplicaOfHost, rc.ReplicaOfPort = "m1", 6379
	w.addNode("r1", rc)
	w.runFor(10 * time.Second)
	w.pipeline("m1", writes(0, 500))
	w.do("m1", "SET", "counter", "12345")
	w.do("m1", "SET", "ttl", "x", "EX", "1000")
	w.do("m1", "SELECT", "5")
	w.do("m1", "SET", "in-db-5", strings.Repeat("compressible ", 50))
	w.runFor(time.Second)
	n := w.nodes["m1"]
	snap := n.encodeRDB(n.saveInfo())
	path := filepath.Join(t.TempDir(), "dump.rdb")
	if err := os.WriteFile(path, snap, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, path).CombinedOutput()
	if err != nil {
		t.Fatalf("redis-check-rdb failed: %v\n%s", err, out)
	}
	for _, want := range []string{"RDB looks OK", "repl-id", "repl-offset"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("redis-check-rdb output lacks %q:\n%s", want, out)
		}
	}
}
