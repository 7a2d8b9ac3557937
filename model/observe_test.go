package model

import (
	"math/rand/v2"
	"testing"
	"time"
)

// observedEnv is the test world's Env with an Observer.
type observedEnv struct {
	*nodeEnv
	applied   []Applied
	continued []Continued
}

func (o *observedEnv) Applied(a Applied)     { o.applied = append(o.applied, a) }
func (o *observedEnv) Continued(c Continued) { o.continued = append(o.continued, c) }

func (w *world) addObservedNode(name string, cfg Config) (*Node, *observedEnv) {
	env := &observedEnv{nodeEnv: &nodeEnv{w: w, host: name}}
	n, err := New(name, cfg, env, rand.New(rand.NewPCG(uint64(len(w.nodes)+1), 7)))
	if err != nil {
		w.t.Fatal(err)
	}
	w.nodes[name] = n
	if err := n.Start(); err != nil {
		w.t.Fatal(err)
	}
	return n, env
}

// The keyspace hash is the same as one recomputed from the dataset, after
// every kind of change.
func TestKeyspaceHashFollowsTheData(t *testing.T) {
	w := newWorld(t)
	n := w.addNode("m1", DefaultConfig())
	recompute := func() (uint64, int64) {
		var h uint64
		var k int64
		for _, e := range n.Dataset() {
			h += entryHash(e.DB, e.Key, e.Value, e.ExpireMs)
			k++
		}
		return h, k
	}
	empty, _ := n.KeyspaceHash()
	for _, cmd := range [][]string{
		{"SET", "a", "1"}, {"SET", "a", "2"}, {"SET", "b", "x", "PX", "100000"}, {"APPEND", "b", "yz"},
		{"INCR", "n"}, {"SELECT", "3"}, {"SET", "a", "1"}, {"DEL", "a"}, {"SET", "a", "1"}, {"SELECT", "0"},
	} {
		w.do("m1", cmd...)
		if h, k := n.KeyspaceHash(); h == empty || func() bool { rh, rk := recompute(); return rh != h || rk != k }() {
			t.Fatalf("after %v: hash %x over %d keys, recomputed differs", cmd, h, k)
		}
	}
	// The same data in another database, or under another key, hashes
	// differently.
	if entryHash(0, "a", []byte("1"), 0) == entryHash(3, "a", []byte("1"), 0) || entryHash(0, "ab", []byte("c"), 0) == entryHash(0, "a", []byte("bc"), 0) {
		t.Fatal("entry hash ignores the database or the key/value boundary")
	}
	w.do("m1", "FLUSHALL")
	if h, k := n.KeyspaceHash(); h != empty || k != 0 {
		t.Fatalf("after FLUSHALL: hash %x over %d keys", h, k)
	}
}

// An observed replica reports its keyspace at every offset it applies, and
// each report pairs with the master's at the same offset; a partial resync
// reports the master's backlog window.
func TestObserverSeesPrefixesAndWindows(t *testing.T) {
	w := newWorld(t)
	cfg := DefaultConfig()
	_, mEnv := w.addObservedNode("m1", cfg)
	rc := cfg
	rc.ReplicaOfHost, rc.ReplicaOfPort = "m1", 6379
	_, rEnv := w.addObservedNode("r1", rc)
	w.runFor(10 * time.Second)
	w.pipeline("m1", writes(0, 50))
	w.runFor(time.Second)
	w.cutLink("m1", "r1")
	w.pipeline("m1", writes(50, 50))
	w.heal("m1", "r1")
	w.runFor(5 * time.Second)

	master := map[int64]Applied{}
	for _, a := range mEnv.applied {
		master[a.Offset] = a
	}
	if !mEnv.applied[0].Start || !rEnv.applied[0].Start {
		t.Fatal("the first report is not the process start")
	}
	var paired, loaded int
	for _, a := range rEnv.applied[1:] {
		m, ok := master[a.Offset]
		if !ok {
			continue
		}
		paired++
		if a.Loaded {
			loaded++
		}
		if m.Hash != a.Hash || m.Keys != a.Keys || m.Replid != a.Replid {
			t.Fatalf("r1 at offset %d: %+v, m1: %+v", a.Offset, a, m)
		}
	}
	if paired < 100 || loaded != 1 {
		t.Errorf("%d reports paired with the master's (%d after loading a snapshot)", paired, loaded)
	}
	if len(mEnv.continued) != 1 {
		t.Fatalf("continued %+v", mEnv.continued)
	}
	c := mEnv.continued[0]
	if c.Peer != "r1" || !c.Backlog || c.Offset < c.BacklogFirst || c.Offset > c.BacklogEnd || c.Requested != c.Replid {
		t.Errorf("continued %+v", c)
	}
	last := rEnv.applied[len(rEnv.applied)-1]
	if m := mEnv.applied[len(mEnv.applied)-1]; last.Offset != m.Offset || last.Hash != m.Hash {
		t.Errorf("r1 ends at %+v, m1 at %+v", last, m)
	}
}
