package model

import (
	"container/heap"
	"crypto/sha256"
	"encoding/binary"
	"math/bits"
	"slices"
	"strings"
	"time"
)

// numDBs is Redis's default "databases 16".
const numDBs = 16

// epochMs is the unix time in milliseconds at virtual time zero. It is fixed
// so that absolute expiry times (PXAT in the stream, expiries in an RDB) are
// the same in every run.
const epochMs = 1_700_000_000_000

// item is one string value with its absolute expiry in unix ms (0: none),
// and its share of the keyspace hash.
type item struct {
	val      []byte
	expireMs int64
	hash     uint64
}

// db is one numbered database: string keys with optional expiry, plus a
// heap of expiry times that the active expire cycle walks in time order.
type db struct {
	id      int
	keys    map[string]*item
	expires expiryHeap
	nexp    int    // keys with an expiry set
	sum     uint64 // the keyspace hash of this database: the sum of its items' hashes
	// order is the keys in byte order with their items, kept from one
	// pass over the keyspace (snapshot, digest) to the next: keys added
	// since wait in added to be merged in; a removal drops it (nil: not
	// known). An overwrite keeps the item, so it changes neither.
	order []keyed
	added []keyed
}

// keyed is a key with its item.
type keyed struct {
	key string
	it  *item
}

func newDB(id int) *db { return &db{id: id, keys: make(map[string]*item)} }

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
		k := string(key)
		d.keys[k] = p
		d.addOrder(k, p)
	}
	d.rehash(p, key)
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
	d.sum -= old.hash
	delete(d.keys, key)
	d.order, d.added = nil, nil
	return true
}

// rehash replaces an item's share of the keyspace hash after its value or
// expiry changed (a new item's share is 0).
func (d *db) rehash(p *item, key []byte) {
	d.sum -= p.hash
	p.hash = entryHash(d.id, key, p.val, p.expireMs)
	d.sum += p.hash
}

// nextExpired pops expiry candidates until it finds a key that is really
// expired at nowMs (Redis's keyIsExpired: the clock has passed the
// deadline; at the deadline's own millisecond the key is alive, as PTTL 0
// with EXISTS 1 on Redis 7.0.15 shows), and returns it. Stale heap entries
// are dropped.
func (d *db) nextExpired(nowMs int64) (string, bool) {
	for len(d.expires) > 0 {
		e := d.expires[0]
		if e.at >= nowMs {
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
	d.order, d.added = nil, nil
	d.expires = nil
	d.nexp = 0
	d.sum = 0
}

// sorted returns the db's keys with their items in byte order, the order
// snapshots and digests use. The slice is the db's: callers only read it,
// and not after the db changes.
func (d *db) sorted() []keyed {
	if d.order != nil && len(d.added) > 0 {
		d.mergeAdded()
	}
	if d.order == nil || len(d.order) != len(d.keys) {
		order := make([]keyed, 0, len(d.keys))
		for k, it := range d.keys {
			order = append(order, keyed{k, it})
		}
		slices.SortFunc(order, compareKeyed)
		d.order, d.added = order, nil
	}
	return d.order
}

func compareKeyed(a, b keyed) int { return strings.Compare(a.key, b.key) }

// addOrder notes a key just added, for the next sorted to merge in (when
// there is an order to merge into).
func (d *db) addOrder(key string, p *item) {
	if d.order != nil {
		d.added = append(d.added, keyed{key, p})
	}
}

// mergeAdded sorts the keys added since the last sorted and merges them
// into the order, from the back, in place.
func (d *db) mergeAdded() {
	add := d.added
	slices.SortFunc(add, compareKeyed)
	old := len(d.order)
	d.order = slices.Grow(d.order, len(add))[:old+len(add)]
	i, j := old-1, len(add)-1
	for k := len(d.order) - 1; j >= 0; k-- {
		if i >= 0 && d.order[i].key > add[j].key {
			d.order[k] = d.order[i]
			i--
		} else {
			d.order[k] = add[j]
			j--
		}
	}
	clear(add)
	d.added = add[:0]
}

// Entry is one key as seen from outside the engine (checker, tests).
type Entry struct {
	DB       int
	Key      string
	Value    []byte
	ExpireMs int64 // absolute unix ms, 0 when none
}

// Expired reports whether the key's time to live had run out at virtual
// time now, as the node that holds it judges (it reads as missing then).
func (e Entry) Expired(now time.Duration) bool {
	return e.ExpireMs != 0 && epochMs+int64(now/time.Millisecond) > e.ExpireMs
}

// Dataset returns every key of every database in (db, key) order. Expired
// keys that have not been deleted yet are included, as a replica holds them.
func (n *Node) Dataset() []Entry {
	total := 0
	for _, d := range n.dbs {
		total += len(d.keys)
	}
	out := make([]Entry, 0, total)
	for i, d := range n.dbs {
		for _, e := range d.sorted() {
			k, it := e.key, e.it
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
		for _, e := range d.sorted() {
			k, it := e.key, e.it
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

// KeyspaceHash returns a 64-bit hash of the dataset, kept up to date with
// every change at the cost of hashing the key and value changed: the sum
// over every key of a hash of (db, key, value, expiry). Two nodes with the
// same data have the same hash; the runner compares a replica's with its
// master's at the same offset after every command (the prefix invariant),
// where Digest would cost a pass over every key. Keys counts the keys.
func (n *Node) KeyspaceHash() (hash uint64, keys int64) {
	for _, d := range n.dbs {
		hash += d.sum
		keys += int64(len(d.keys))
	}
	return hash, keys
}

const (
	hashK1 = 0x9e3779b185ebca87
	hashK2 = 0xc2b2ae3d27d4eb4f
	hashK3 = 0x165667b19e3779f9
)

// mixBytes folds b into h: 32 bytes a step in four independent lanes
// (which the processor overlaps), then eight bytes, then single bytes.
func mixBytes[T string | []byte](h uint64, b T) uint64 {
	if len(b) >= 32 {
		h1, h2, h3 := h^hashK1, h^hashK2, h^hashK3
		for len(b) >= 32 {
			h = bits.RotateLeft64(h^(le64(b)*hashK2), 31) * hashK1
			h1 = bits.RotateLeft64(h1^(le64(b[8:])*hashK2), 31) * hashK1
			h2 = bits.RotateLeft64(h2^(le64(b[16:])*hashK2), 31) * hashK1
			h3 = bits.RotateLeft64(h3^(le64(b[24:])*hashK2), 31) * hashK1
			b = b[32:]
		}
		h = bits.RotateLeft64(h, 1) ^ bits.RotateLeft64(h1, 7) ^ bits.RotateLeft64(h2, 12) ^ bits.RotateLeft64(h3, 18)
	}
	for len(b) >= 8 {
		h = bits.RotateLeft64(h^(le64(b)*hashK2), 31) * hashK1
		b = b[8:]
	}
	for i := 0; i < len(b); i++ {
		h = bits.RotateLeft64(h^(uint64(b[i])*hashK3), 11) * hashK1
	}
	return h
}

// le64 reads eight bytes of b, little-endian.
func le64[T string | []byte](b T) uint64 {
	_ = b[7]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

// entryHash hashes one key with its value and expiry. Lengths are mixed in
// so that ("ab", "c") and ("a", "bc") differ; the final avalanche spreads
// every input bit over the result, so sums of entries rarely collide.
func entryHash[T string | []byte](db int, key T, val []byte, expireMs int64) uint64 {
	h := uint64(db+1) * hashK3
	h = mixBytes(h^uint64(len(key))*hashK2, key)
	h = mixBytes(h^uint64(len(val))*hashK2, val)
	h ^= uint64(expireMs) * hashK3
	h ^= h >> 33
	h *= hashK2
	h ^= h >> 29
	h *= hashK3
	h ^= h >> 32
	return h
}
