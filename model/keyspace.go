package model

import (
	"container/heap"
	"crypto/sha256"
	"encoding/binary"
	"sort"
)

// numDBs is Redis's default "databases 16".
const numDBs = 16

// epochMs is the unix time in milliseconds at virtual time zero. It is fixed
// so that absolute expiry times (PXAT in the stream, expiries in an RDB) are
// the same in every run.
const epochMs = 1_700_000_000_000

// item is one string value with its absolute expiry in unix ms (0: none).
type item struct {
	val      []byte
	expireMs int64
}

// db is one numbered database: string keys with optional expiry, plus a
// heap of expiry times that the active expire cycle walks in time order.
type db struct {
	keys    map[string]*item
	expires expiryHeap
	nexp    int // keys with an expiry set
}

func newDB() *db { return &db{keys: make(map[string]*item)} }

type expiryEntry struct {
	at  int64
	key string
}

// expiryHeap orders candidate expiries by (time, key). Entries go stale when
// a key is overwritten or deleted; the cycle checks them against the map.
type expiryHeap []expiryEntry

func (h expiryHeap) Len() int { return len(h) }
func (h expiryHeap) Less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].key < h[j].key
}
func (h expiryHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)   { *h = append(*h, x.(expiryEntry)) }
func (h *expiryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

func (d *db) get(key []byte) (item, bool) {
	it, ok := d.keys[string(key)]
	if !ok {
		return item{}, false
	}
	return *it, true
}

// set stores a copy of val under key. An existing key keeps its memory, so
// overwriting a value allocates nothing.
func (d *db) set(key []byte, val []byte, expireMs int64) {
	p, existed := d.keys[string(key)]
	if existed {
		if p.expireMs != 0 {
			d.nexp--
		}
		p.val = append(p.val[:0], val...)
		p.expireMs = expireMs
	} else {
		p = &item{val: append([]byte(nil), val...), expireMs: expireMs}
		d.keys[string(key)] = p
	}
	if expireMs != 0 {
		d.nexp++
		heap.Push(&d.expires, expiryEntry{at: expireMs, key: string(key)})
	}
}

func (d *db) del(key string) bool {
	old, ok := d.keys[key]
	if !ok {
		return false
	}
	if old.expireMs != 0 {
		d.nexp--
	}
	delete(d.keys, key)
	return true
}

// nextExpired pops expiry candidates until it finds a key that is really
// expired at nowMs, and returns it. Stale heap entries are dropped.
func (d *db) nextExpired(nowMs int64) (string, bool) {
	for len(d.expires) > 0 {
		e := d.expires[0]
		if e.at > nowMs {
			return "", false
		}
		heap.Pop(&d.expires)
		if it, ok := d.keys[e.key]; ok && it.expireMs == e.at {
			return e.key, true
		}
	}
	return "", false
}

func (d *db) flush() {
	d.keys = make(map[string]*item)
	d.expires = nil
	d.nexp = 0
}

// sortedKeys returns the db's keys in byte order, the order snapshots and
// digests use.
func (d *db) sortedKeys() []string {
	ks := make([]string, 0, len(d.keys))
	for k := range d.keys {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// Entry is one key as seen from outside the engine (checker, tests).
type Entry struct {
	DB       int
	Key      string
	Value    []byte
	ExpireMs int64 // absolute unix ms, 0 when none
}

// Dataset returns every key of every database in (db, key) order. Expired
// keys that have not been deleted yet are included, as a replica holds them.
func (n *Node) Dataset() []Entry {
	var out []Entry
	for i, d := range n.dbs {
		for _, k := range d.sortedKeys() {
			it := d.keys[k]
			out = append(out, Entry{DB: i, Key: k, Value: append([]byte(nil), it.val...), ExpireMs: it.expireMs})
		}
	}
	return out
}

// Digest returns a SHA-256 over the dataset in (db, key) order, so that two
// nodes can be compared by one value.
func (n *Node) Digest() [32]byte {
	h := sha256.New()
	var buf [8]byte
	for i, d := range n.dbs {
		if len(d.keys) == 0 {
			continue
		}
		binary.LittleEndian.PutUint64(buf[:], uint64(i))
		h.Write(buf[:])
		for _, k := range d.sortedKeys() {
			it := d.keys[k]
			binary.LittleEndian.PutUint64(buf[:], uint64(len(k)))
			h.Write(buf[:])
			h.Write([]byte(k))
			binary.LittleEndian.PutUint64(buf[:], uint64(len(it.val)))
			h.Write(buf[:])
			h.Write(it.val)
			binary.LittleEndian.PutUint64(buf[:], uint64(it.expireMs))
			h.Write(buf[:])
		}
	}
	var sum [32]byte
	h.Sum(sum[:0])
	return sum
}
