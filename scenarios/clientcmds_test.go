package scenarios

import (
	"testing"
	"time"

	"github.com/replsim/replsim/checker"
)

// What client-commands.yaml's clients send reaches the history as the
// checkers read it: each SET of a MULTI/EXEC block carries the block's
// number, its MULTI's call and its EXEC's return; set-ttl and expire carry
// the ttl; each client works in its own database; an EXPIRE answers 0 or 1,
// and some find their key (or a read finds it gone).
func TestClientCommandsHistory(t *testing.T) {
	s, err := LoadFile("client-commands.yaml", Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := Run(s, s.Seeds[0], RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !rec.OK {
		t.Fatalf("client-commands.yaml seed %d fails:\n%s", s.Seeds[0], rec.Text())
	}
	type span struct{ call, ret int64 }
	blocks := map[int][]span{}
	dbOf := map[string]int{}
	expires := map[string]int{}
	ttlSets, nilReads := 0, 0
	ttlMs := s.Workload.TTL / time.Millisecond
	for _, op := range rec.Facts.History {
		if op.Block > 0 {
			blocks[op.Block] = append(blocks[op.Block], span{op.Call, op.Return})
		}
		if db, ok := dbOf[op.Client]; ok && db != op.DB {
			t.Fatalf("client %s in databases %d and %d", op.Client, db, op.DB)
		}
		dbOf[op.Client] = op.DB
		switch {
		case op.Op == "expire":
			if op.TTLMs != int64(ttlMs) {
				t.Fatalf("expire with ttl_ms %d, want %d", op.TTLMs, ttlMs)
			}
			if op.Outcome == checker.OK {
				expires[op.Reply]++
			}
		case op.Op == "set" && op.TTLMs > 0:
			ttlSets++
		case op.Op == "get" && op.Outcome == checker.OK && op.Null:
			nilReads++
		}
	}
	for id, b := range blocks {
		if len(b) != s.Workload.MultiSize {
			t.Fatalf("block %d has %d SETs, want %d", id, len(b), s.Workload.MultiSize)
		}
		for _, x := range b[1:] {
			if x != b[0] {
				t.Fatalf("block %d: SETs with intervals %v and %v", id, b[0], x)
			}
		}
	}
	dbs := map[int]bool{}
	for _, db := range dbOf {
		dbs[db] = true
	}
	if len(blocks) == 0 || ttlSets == 0 || expires["1"] == 0 || expires["0"] == 0 || nilReads == 0 || len(dbs) != s.Workload.DBs {
		t.Errorf("blocks %d, SETs with a ttl %d, EXPIREs %v, nil reads %d, databases %v", len(blocks), ttlSets, expires, nilReads, dbs)
	}
}
