package sim

import "math/bits"

// radixQueue is the scheduler's priority queue: a radix heap with 16-way
// buckets, which works because virtual time never goes backwards. An entry
// due exactly at last, the time of the latest minimum, waits in bucket 0 in
// the order it was scheduled. Any other entry sits in the bucket named by
// the highest hexadecimal digit in which its time differs from last (the
// level) and by its own digit there: every entry of a lower level, or of a
// lower digit on the same level, is due earlier. Taking the minimum empties
// the first non-empty bucket into lower ones, so an entry moves a few times
// at most, each move a sequential copy: much cheaper than the dependent,
// mispredicted comparisons of a comparison heap.
//
// Equal times keep their insertion order: entries with equal times always
// share a bucket, and every move preserves order. An entry scheduled before
// last (possible only after Run stopped at a deadline it peeked beyond) goes
// to early, a small 4-ary heap ordered by (time, sequence).
type radixQueue struct {
	last   uint64
	zero   []entry // due at last
	head0  int     // entries of zero before head0 have been taken
	levels [16][16][]entry
	mask   [16]uint16 // non-empty digits per level
	lmask  uint16     // non-empty levels
	n      int        // entries in zero (head0 excluded) and levels
	early  []entry
}

func (q *radixQueue) len() int { return q.n + len(q.early) }

func (q *radixQueue) push(e entry) {
	k := uint64(e.at)
	if k < q.last {
		q.early = append(q.early, e)
		heapUp(q.early, len(q.early)-1)
		return
	}
	q.n++
	q.place(e, k)
}

// place puts an entry due at k >= last in its bucket.
func (q *radixQueue) place(e entry, k uint64) {
	x := k ^ q.last
	if x == 0 {
		q.zero = append(q.zero, e)
		return
	}
	l := (bits.Len64(x) - 1) / 4
	d := (k >> (4 * l)) & 15
	q.levels[l][d] = append(q.levels[l][d], e)
	q.mask[l] |= 1 << d
	q.lmask |= 1 << l
}

// fill makes bucket zero hold the earliest entries, if there are any.
func (q *radixQueue) fill() {
	if q.head0 < len(q.zero) || q.n == 0 {
		return
	}
	q.zero = q.zero[:0]
	q.head0 = 0
	l := bits.TrailingZeros16(q.lmask)
	d := bits.TrailingZeros16(q.mask[l])
	src := q.levels[l][d]
	q.mask[l] &^= 1 << d
	if q.mask[l] == 0 {
		q.lmask &^= 1 << l
	}
	m := uint64(src[0].at)
	for i := 1; i < len(src); i++ {
		m = min(m, uint64(src[i].at))
	}
	q.last = m
	for _, e := range src {
		q.place(e, uint64(e.at))
	}
	clear(src)
	q.levels[l][d] = src[:0]
}

// min returns the earliest entry without taking it, or nil.
func (q *radixQueue) min() *entry {
	q.fill()
	var c *entry
	if q.head0 < len(q.zero) {
		c = &q.zero[q.head0]
	}
	if len(q.early) > 0 && (c == nil || earlier(&q.early[0], c) == 1) {
		return &q.early[0]
	}
	return c
}

// pop takes the entry min returned.
func (q *radixQueue) pop(e *entry) {
	if len(q.early) > 0 && e == &q.early[0] {
		q.early = heapPop(q.early)
		return
	}
	q.zero[q.head0] = entry{}
	q.head0++
	q.n--
}

// filter keeps the entries for which keep is true.
func (q *radixQueue) filter(keep func(*entry) bool) {
	q.n = 0
	keepIn := func(src []entry) []entry {
		out := src[:0]
		for i := range src {
			if keep(&src[i]) {
				out = append(out, src[i])
			}
		}
		clear(src[len(out):])
		q.n += len(out)
		return out
	}
	rest := q.zero[q.head0:]
	q.zero = keepIn(q.zero[:copy(q.zero, rest)])
	q.head0 = 0
	q.lmask = 0
	for l := range q.levels {
		q.mask[l] = 0
		for d := range q.levels[l] {
			q.levels[l][d] = keepIn(q.levels[l][d])
			if len(q.levels[l][d]) > 0 {
				q.mask[l] |= 1 << d
				q.lmask |= 1 << l
			}
		}
	}
	early := q.early[:0]
	for i := range q.early {
		if keep(&q.early[i]) {
			early = append(early, q.early[i])
		}
	}
	clear(q.early[len(early):])
	q.early = early
	if len(early) > 1 {
		for i := (len(early) - 2) / 4; i >= 0; i-- {
			heapDown(early, i)
		}
	}
}

// earlier is 1 if a fires before b and 0 otherwise, comparing (at, seq).
func earlier(a, b *entry) int {
	if a.at != b.at {
		if a.at < b.at {
			return 1
		}
		return 0
	}
	if a.seq < b.seq {
		return 1
	}
	return 0
}

// A 4-ary heap for the early entries.

func heapUp(q []entry, i int) {
	e := q[i]
	for i > 0 {
		p := (i - 1) / 4
		if earlier(&e, &q[p]) == 0 {
			break
		}
		q[i] = q[p]
		i = p
	}
	q[i] = e
}

func heapDown(q []entry, i int) {
	n := len(q)
	e := q[i]
	for {
		c := 4*i + 1
		if c >= n {
			break
		}
		m := c
		for j := c + 1; j < c+4 && j < n; j++ {
			if earlier(&q[j], &q[m]) == 1 {
				m = j
			}
		}
		if earlier(&q[m], &e) == 0 {
			break
		}
		q[i] = q[m]
		i = m
	}
	q[i] = e
}

func heapPop(q []entry) []entry {
	n := len(q) - 1
	q[0] = q[n]
	q[n] = entry{}
	q = q[:n]
	if n > 0 {
		heapDown(q, 0)
	}
	return q
}
