package replbuf

import (
	"bytes"
	"fmt"
	"testing"

	"pgregory.net/rapid"
)

// The naive model: every byte fed since the backlog was created in one
// slice, every block ever created in another (never freed, so indices are
// stable), the backlog as the index of its first kept block, and readers as
// (block index, position). Refcounts are not stored but counted from the
// readers, histlen and first byte are derived from offsets, and the keep rule
// of §3.3 is applied to that. It shares only the block-sizing formula with
// the implementation: that formula is the spec, not an algorithm.

type mBlock struct {
	start    int64
	capacity int
	used     int
	seq      int // 0-based creation number since the backlog was created or rebased
}

type mReader struct {
	live    bool
	hasRef  bool
	blk     int
	pos     int
	origin  int64  // offset of the first byte it must receive
	got     []byte // everything Send gave it, in order
	impl    *Reader
	implGot []byte
}

type model struct {
	size    int64
	alloc   Allocator
	m       int64
	backlog bool
	base    int64  // offset of stream[0]
	stream  []byte // every byte fed since the backlog was created
	blocks  []mBlock
	head    int
	nextSeq int
	readers []*mReader
}

func (md *model) histLen() int64 {
	if !md.backlog || md.head == len(md.blocks) {
		return 0
	}
	return md.m - md.blocks[md.head].start + 1
}

func (md *model) firstByte() int64 {
	if !md.backlog {
		return 0
	}
	return md.m - md.histLen() + 1
}

func (md *model) refs(i int) int {
	n := 0
	if i == md.head {
		n++
	}
	for _, r := range md.readers {
		if r.live && r.hasRef && r.blk == i {
			n++
		}
	}
	return n
}

func (md *model) trim(maxBlocks int) int {
	freed := 0
	for md.histLen() > md.size && freed < maxBlocks {
		if len(md.blocks)-md.head <= 1 || md.refs(md.head) != 1 {
			break
		}
		if md.histLen()-int64(md.blocks[md.head].capacity) <= md.size {
			break
		}
		md.head++
		freed++
	}
	return freed
}

func (md *model) feed(piece []byte) int {
	if !md.backlog {
		return 0
	}
	created := 0
	for len(piece) > 0 {
		startBlk, startPos := -1, 0
		if n := len(md.blocks); n > md.head {
			if t := &md.blocks[n-1]; t.used < t.capacity {
				startBlk, startPos = n-1, t.used
				c := min(len(piece), t.capacity-t.used)
				md.put(piece[:c])
				t.used += c
				piece = piece[c:]
			}
		}
		newBlock := false
		if len(piece) > 0 {
			req := min(max(len(piece), ChunkBytes), max(int(md.size/16), ChunkBytes))
			capacity := md.alloc(req+BlockHeaderBytes) - BlockHeaderBytes
			c := min(len(piece), capacity)
			md.blocks = append(md.blocks, mBlock{start: md.m + 1, capacity: capacity, used: c, seq: md.nextSeq})
			md.nextSeq++
			md.put(piece[:c])
			piece = piece[c:]
			newBlock = true
			if startBlk < 0 {
				startBlk = len(md.blocks) - 1
			}
		}
		for _, r := range md.readers {
			if r.live && !r.hasRef {
				r.hasRef, r.blk, r.pos = true, startBlk, startPos
			}
		}
		if newBlock {
			created++
			md.trim(TrimBlocksPerCall)
		}
	}
	return created
}

func (md *model) put(p []byte) {
	md.stream = append(md.stream, p...)
	md.m += int64(len(p))
}

func (md *model) inRange(p int64) bool {
	return md.backlog && p >= md.firstByte() && p <= md.m+1
}

// psync finds where Redis's search ends: start at the last indexed kept
// block (every 64th created) whose start is <= p, else at the head, and walk
// to the first block whose end reaches p.
func (md *model) psyncStart(p int64) (int, int) {
	from := md.head
	for i := md.head; i < len(md.blocks); i++ {
		if md.blocks[i].seq%IndexPerBlocks == IndexPerBlocks-1 && md.blocks[i].start <= p {
			from = i
		}
	}
	for i := from; ; i++ {
		if k := md.blocks[i]; k.start+int64(k.used) >= p {
			return i, int(p - k.start)
		}
	}
}

func (md *model) nextOffset(r *mReader) int64 {
	if !r.hasRef {
		return md.m + 1
	}
	return md.blocks[r.blk].start + int64(r.pos)
}

// send runs writeToClient's loop on the model, reading bytes from the
// stream slice rather than from blocks.
func (md *model) send(r *mReader, budget int) {
	for r.hasRef && !(r.blk == len(md.blocks)-1 && r.pos == md.blocks[r.blk].used) {
		k := md.blocks[r.blk]
		avail := k.used - r.pos
		n := min(avail, budget)
		off := k.start + int64(r.pos) - md.base
		r.got = append(r.got, md.stream[off:off+int64(n)]...)
		budget -= n
		r.pos += n
		if r.pos == k.used && r.blk+1 < len(md.blocks) {
			r.blk, r.pos = r.blk+1, 0
			md.trim(TrimBlocksPerCall)
		}
		if avail > 0 && n == 0 {
			break
		}
	}
}

func (md *model) memUsage(r *mReader) int64 {
	if !r.hasRef {
		return 0
	}
	var sum int64
	for i := r.blk; i < len(md.blocks); i++ {
		sum += int64(md.blocks[i].capacity + BlockOverheadBytes)
	}
	return sum
}

type machine struct {
	b  *Buffer
	md *model
}

func drawSize(t *rapid.T, label string) int64 {
	return rapid.OneOf(
		rapid.Int64Range(1, 16383),
		rapid.Int64Range(16384, 300000),
		rapid.Just(int64(size1mb)),
	).Draw(t, label)
}

func drawPiece(t *rapid.T) []byte {
	n := rapid.OneOf(
		rapid.IntRange(0, 200),
		rapid.IntRange(201, 16384),
		rapid.IntRange(16385, 120000),
	).Draw(t, "pieceBytes")
	seed := rapid.Uint64().Draw(t, "pieceSeed")
	p := make([]byte, n)
	for i := range p {
		seed ^= seed << 13
		seed ^= seed >> 7
		seed ^= seed << 17
		p[i] = byte(seed)
	}
	return p
}

func (mc *machine) liveReaders() []*mReader {
	var rs []*mReader
	for _, r := range mc.md.readers {
		if r.live {
			rs = append(rs, r)
		}
	}
	return rs
}

func (mc *machine) pickReader(t *rapid.T) *mReader {
	rs := mc.liveReaders()
	if len(rs) == 0 {
		t.Skip("no reader")
	}
	return rs[rapid.IntRange(0, len(rs)-1).Draw(t, "reader")]
}

func (mc *machine) needBacklog(t *rapid.T) {
	if !mc.md.backlog {
		t.Skip("no backlog")
	}
}

func (mc *machine) actions() map[string]func(*rapid.T) {
	return map[string]func(*rapid.T){
		"feed": func(t *rapid.T) {
			p := drawPiece(t)
			if got, want := mc.b.Feed(p), mc.md.feed(p); got != want {
				t.Fatalf("Feed created %d blocks, model %d", got, want)
			}
		},
		"feedCommand": func(t *rapid.T) {
			argc := rapid.IntRange(1, 4).Draw(t, "argc")
			var argv [][]byte
			for range argc {
				argv = append(argv, drawPiece(t))
			}
			got := mc.b.FeedCommand(argv...)
			want := mc.md.feed([]byte(fmt.Sprintf("*%d\r\n", argc)))
			for _, a := range argv {
				want += mc.md.feed([]byte(fmt.Sprintf("$%d\r\n", len(a))))
				want += mc.md.feed(a)
				want += mc.md.feed([]byte("\r\n"))
			}
			if got != want {
				t.Fatalf("FeedCommand created %d blocks, model %d", got, want)
			}
		},
		"trim": func(t *rapid.T) {
			mc.needBacklog(t)
			n := rapid.SampledFrom([]int{0, 1, 2, TrimBlocksPerCall, TrimBlocksBeforeSleep}).Draw(t, "maxBlocks")
			if got, want := mc.b.Trim(n), mc.md.trim(n); got != want {
				t.Fatalf("Trim(%d) freed %d, model %d", n, got, want)
			}
		},
		"addReplica": func(t *rapid.T) {
			mc.needBacklog(t)
			mc.md.readers = append(mc.md.readers, &mReader{live: true, origin: mc.md.m + 1, impl: mc.b.AddReplica()})
		},
		"psync": func(t *rapid.T) {
			mc.needBacklog(t)
			md := mc.md
			p := rapid.Int64Range(md.firstByte()-3, md.m+3).Draw(t, "p")
			if kept := md.blocks[md.head:]; len(kept) > 0 && rapid.Bool().Draw(t, "atBoundary") {
				// Block starts are where the offset index decides.
				i := rapid.IntRange(0, len(kept)-1).Draw(t, "block")
				if rapid.Bool().Draw(t, "nearIndexed") {
					// Round to an indexed block (every 64th), give or take one.
					i = min(len(kept)-1, max(0, i/IndexPerBlocks*IndexPerBlocks+IndexPerBlocks-1-kept[0].seq%IndexPerBlocks+rapid.IntRange(-1, 1).Draw(t, "nudge")))
				}
				p = kept[i].start
			}
			if got, want := mc.b.InRange(p), md.inRange(p); got != want {
				t.Fatalf("InRange(%d) = %v, model %v", p, got, want)
			}
			if !md.inRange(p) {
				return
			}
			r := &mReader{live: true, origin: p, impl: mc.b.AddReplicaAt(p)}
			if md.histLen() > 0 {
				r.hasRef = true
				r.blk, r.pos = md.psyncStart(p)
			}
			md.readers = append(md.readers, r)
		},
		"copy": func(t *rapid.T) {
			src := mc.pickReader(t)
			r := &mReader{live: true, hasRef: src.hasRef, blk: src.blk, pos: src.pos,
				origin: mc.md.nextOffset(src), impl: mc.b.CopyReplica(src.impl)}
			mc.md.readers = append(mc.md.readers, r)
		},
		"send": func(t *rapid.T) {
			r := mc.pickReader(t)
			budget := rapid.OneOf(rapid.IntRange(0, 300), rapid.IntRange(301, 300000)).Draw(t, "budget")
			r.implGot = r.impl.Send(r.implGot, budget)
			mc.md.send(r, budget)
		},
		"release": func(t *rapid.T) {
			r := mc.pickReader(t)
			r.impl.Release()
			r.live = false
			mc.md.trimAfterRelease(r)
		},
		"resize": func(t *rapid.T) {
			s := drawSize(t, "resize")
			mc.b.Resize(s)
			mc.md.size = max(s, BacklogMinSizeBytes)
			if mc.md.backlog {
				mc.md.trim(TrimBlocksPerCall)
			}
		},
		"freeBacklog": func(t *rapid.T) {
			if len(mc.liveReaders()) != 0 {
				t.Skip("replicas attached")
			}
			mc.b.FreeBacklog()
			md := mc.md
			md.backlog, md.stream, md.blocks, md.head, md.nextSeq, md.readers = false, nil, nil, 0, 0, nil
		},
		"createBacklog": func(t *rapid.T) {
			if mc.md.backlog {
				t.Skip("backlog exists")
			}
			mc.b.CreateBacklog()
			md := mc.md
			md.backlog, md.base = true, md.m+1
		},
		"rebase": func(t *rapid.T) {
			mc.needBacklog(t)
			if len(mc.liveReaders()) != 0 {
				t.Skip("replicas attached")
			}
			base := rapid.Int64Range(0, 1<<40).Draw(t, "base")
			mc.b.Rebase(base)
			md := mc.md
			md.m += base
			md.base += base
			for i := range md.blocks {
				md.blocks[i].start += base
				md.blocks[i].seq = i - md.head // the index is rebuilt from the kept blocks
			}
			md.nextSeq = len(md.blocks) - md.head
		},
		"": mc.check,
	}
}

// trimAfterRelease: freeReplicaReferencedReplBuffer trims only if the
// replica had a reference.
func (md *model) trimAfterRelease(r *mReader) {
	if r.hasRef {
		md.trim(TrimBlocksPerCall)
	}
}

func (mc *machine) check(t *rapid.T) {
	b, md := mc.b, mc.md
	var impls []*Reader
	for _, r := range mc.liveReaders() {
		impls = append(impls, r.impl)
	}
	if err := verify(b, impls); err != nil {
		t.Fatal(err)
	}
	if b.Offset() != md.m || b.HasBacklog() != md.backlog || b.HistLen() != md.histLen() || b.FirstByteOffset() != md.firstByte() {
		t.Fatalf("buffer %v; model M=%d histlen=%d first_byte=%d", b, md.m, md.histLen(), md.firstByte())
	}
	kept := md.blocks[md.head:]
	if len(kept) != len(b.blocks) {
		t.Fatalf("%d blocks, model keeps %d", len(b.blocks), len(kept))
	}
	var mem int64
	for i, k := range kept {
		ik := b.blocks[i]
		if ik.start != k.start || ik.capacity != k.capacity || ik.used != k.used || ik.refcount != md.refs(md.head+i) {
			t.Fatalf("block %d: start %d cap %d used %d rc %d; model %d %d %d %d", i, ik.start, ik.capacity, ik.used, ik.refcount,
				k.start, k.capacity, k.used, md.refs(md.head+i))
		}
		if !bytes.Equal(ik.buf[:ik.used], md.stream[k.start-md.base:k.start-md.base+int64(k.used)]) {
			t.Fatalf("block %d holds other bytes than the stream", i)
		}
		mem += int64(k.capacity + BlockOverheadBytes)
	}
	if got := b.Memory(1).TotalReplicationBuffersBytes; got != mem {
		t.Fatalf("mem %d, model %d", got, mem)
	}
	for i, r := range mc.liveReaders() {
		if got, want := r.impl.NextOffset(), md.nextOffset(r); got != want {
			t.Fatalf("reader %d at %d, model %d", i, got, want)
		}
		if got, want := r.impl.MemUsage(), md.memUsage(r); got != want {
			t.Fatalf("reader %d usage %d, model %d", i, got, want)
		}
		// Content and order, each byte exactly once: what it was sent is
		// the stream from its origin to its next offset.
		if !bytes.Equal(r.implGot, r.got) {
			t.Fatalf("reader %d got %d bytes, model %d (or different bytes)", i, len(r.implGot), len(r.got))
		}
		from := r.origin - md.base
		if md.nextOffset(r)-r.origin != int64(len(r.got)) || !bytes.Equal(r.got, md.stream[from:from+int64(len(r.got))]) {
			t.Fatalf("reader %d was sent something other than the stream from %d", i, r.origin)
		}
		if r.impl.Unsent() != md.m+1-md.nextOffset(r) {
			t.Fatalf("reader %d unsent %d", i, r.impl.Unsent())
		}
	}
}

// TestAgainstModel runs random feeds, trims, resizes and replica lifecycles
// against the naive model and compares block layout, refcounts, histlen,
// first byte, the range test and every byte each replica is sent.
func TestAgainstModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		size := drawSize(t, "size")
		var alloc Allocator = Jemalloc
		if rapid.Bool().Draw(t, "fixedAlloc") {
			alloc = FixedCapacity(rapid.IntRange(1, 3000).Draw(t, "capacity"))
		}
		mc := &machine{
			b:  New(Options{BacklogSizeBytes: size, Allocator: alloc}),
			md: &model{size: size, alloc: alloc, backlog: true, base: 1},
		}
		mc.b.CreateBacklog()
		t.Repeat(mc.actions())
	})
}

// TestSteadyStateProperty: with no replicas and the event loop's trim after
// every command, size < histlen <= size + C_head once more than size bytes
// exist, for any backlog size and piece sizes.
func TestSteadyStateProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		size := drawSize(t, "size")
		b := New(Options{BacklogSizeBytes: size})
		b.CreateBacklog()
		steps := rapid.IntRange(1, 60).Draw(t, "commands")
		for range steps {
			b.Feed(drawPiece(t))
			b.Trim(TrimBlocksBeforeSleep)
			if h := b.HistLen(); b.Offset() > size && !(size < h && h <= size+int64(b.blocks[0].capacity)) {
				t.Fatalf("histlen %d outside (%d, %d]", h, size, size+int64(b.blocks[0].capacity))
			}
		}
	})
}

// TestExactPredicateProperty: for any φ and any D near the cutoff, the
// range test equals D <= size + C - φ (spec §11.1), with uniform blocks.
func TestExactPredicateProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		size := rapid.Int64Range(1, 200000).Draw(t, "size")
		phi := rapid.IntRange(0, blockC-1).Draw(t, "phi")
		b := New(Options{BacklogSizeBytes: size})
		b.CreateBacklog()
		feedRaw(b, int64(3*blockC+phi)+size)
		feedRaw(b, int64(blockC-int(b.Offset()%blockC)+phi)%blockC)
		r := b.Offset()
		d := size + blockC - int64(phi) + rapid.Int64Range(-3, 3).Draw(t, "delta")
		if d < 0 {
			d = 0
		}
		feedRaw(b, d)
		if got, want := b.InRange(r+1), d <= size+blockC-int64(phi); got != want {
			t.Fatalf("φ=%d D=%d: InRange %v, want %v", phi, d, got, want)
		}
	})
}

// feedRaw feeds n bytes in pieces of at most 1000, trimming after each as
// the event loop would.
func feedRaw(b *Buffer, n int64) {
	piece := make([]byte, 1000)
	for n > 0 {
		k := min(n, 1000)
		b.Feed(piece[:k])
		b.Trim(TrimBlocksBeforeSleep)
		n -= k
	}
}
