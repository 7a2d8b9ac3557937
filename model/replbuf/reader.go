package replbuf

import (
	"fmt"
	"slices"
)

// A Reader is one replica client's position in the shared buffer
// (ref_repl_buf_node, ref_block_pos): the next byte the master has not yet
// written to the replica's socket. Only the block a reader stands in counts
// the reader in its refcount, so the backlog cannot trim past the slowest
// reader, and what a reader pins serves other replicas' PSYNCs too.
//
// A reader exists only for a replica Redis would feed: not one waiting for
// BGSAVE to start and not an RDB-only one. A reader without a reference yet
// gets one at the first byte of the next Feed.
type Reader struct {
	b        *Buffer
	blk      *block // nil until the reader has a reference
	pos      int    // next unsent byte within blk
	released bool
}

func (b *Buffer) newReader() *Reader {
	b.mustBacklog("new reader")
	b.readers++
	return &Reader{b: b}
}

// AddReplica returns a reader for a replica that has just become feedable
// (replicationSetupSlaveForFullResync puts it in WAIT_BGSAVE_END). It has no
// reference yet and gets one at the first byte of the next Feed, so it will be
// sent everything fed from then on.
func (b *Buffer) AddReplica() *Reader {
	r := b.newReader()
	b.pending = append(b.pending, r)
	return r
}

// AddReplicaAt is addReplyReplicationBacklog for a PSYNC accepted at offset p,
// which must pass InRange. The reader starts in the first block with
// repl_offset + used >= p, so a p at a block boundary stands at the end of
// the earlier block and pins it, unless the later block is in the offset
// index (every 64th block), where Redis's search starts. With an empty
// backlog the reader gets its reference at the next Feed, as in Redis. The
// replica is then owed M - p + 1 bytes (Unsent).
func (b *Buffer) AddReplicaAt(p int64) *Reader {
	if !b.InRange(p) {
		panic(fmt.Sprintf("replbuf: AddReplicaAt: offset %d outside the backlog [%d, %d]", p, b.firstByte, b.firstByte+b.histLen))
	}
	r := b.newReader()
	if b.histLen == 0 {
		b.pending = append(b.pending, r)
		return r
	}
	lo, hi := 0, len(b.blocks)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if b.blocks[mid].end() >= p {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	if lo == len(b.blocks) {
		panic("replbuf: AddReplicaAt: invariant 'an offset in range lies in some block' broken")
	}
	if lo+1 < len(b.blocks) && b.blocks[lo+1].indexed && b.blocks[lo+1].start == p {
		lo++
	}
	k := b.blocks[lo]
	k.refcount++
	r.blk, r.pos = k, int(p-k.start)
	return r
}

// CopyReplica is copyReplicaOutputBuffer: a replica attaching to a BGSAVE
// already under way for src starts where src stands, so both are sent the
// same stream. If src has no reference yet, neither has the copy.
func (b *Buffer) CopyReplica(src *Reader) *Reader {
	src.mustLive("CopyReplica")
	r := b.newReader()
	if src.blk == nil {
		b.pending = append(b.pending, r)
		return r
	}
	r.blk, r.pos = src.blk, src.pos
	r.blk.refcount++
	return r
}

func (r *Reader) mustLive(op string) {
	if r.released {
		panic("replbuf: " + op + ": reader used after Release")
	}
}

// index is the reader's block's position in the list; ids are consecutive
// there because blocks are only appended and only freed from the head.
func (r *Reader) index() int {
	bs := r.b.blocks
	i := int(r.blk.id - bs[0].id)
	if i < 0 || i >= len(bs) || bs[i] != r.blk {
		panic("replbuf: invariant 'a reader's block is in the list' broken")
	}
	return i
}

// Chunk is what _writeToClient hands connWrite: the unsent bytes of the
// reader's current block, possibly empty. The slice aliases the buffer and
// is valid only until the next call on the Buffer or any of its readers.
func (r *Reader) Chunk() []byte {
	r.mustLive("Chunk")
	if r.blk == nil {
		return nil
	}
	return r.blk.buf[r.pos:r.blk.used]
}

// Advance is the rest of _writeToClient once the socket accepted n bytes of
// Chunk (0 <= n <= len(Chunk())): the position moves by n, and if that
// finishes a block that has a successor the reader moves to the successor,
// carrying its reference along, and the backlog is trimmed by up to 64
// blocks. Advance(0) on an empty chunk only does that move.
func (r *Reader) Advance(n int) {
	r.mustLive("Advance")
	if r.blk == nil {
		panic("replbuf: Advance: reader has no reference (nothing to write)")
	}
	if n < 0 || n > r.blk.used-r.pos {
		panic(fmt.Sprintf("replbuf: Advance: %d bytes accepted of a %d-byte chunk", n, r.blk.used-r.pos))
	}
	r.pos += n
	if r.pos != r.blk.used {
		return
	}
	i := r.index()
	if i+1 == len(r.b.blocks) {
		return
	}
	r.blk.refcount--
	r.blk = r.b.blocks[i+1]
	r.blk.refcount++
	r.pos = 0
	r.b.Trim(TrimBlocksPerCall)
}

// HasPending is clientHasPendingReplies for a replica: it has a reference and
// does not stand at the end of the tail block. A reader at the end of an
// earlier block has pending replies: the next write moves it on.
func (r *Reader) HasPending() bool {
	r.mustLive("HasPending")
	if r.blk == nil {
		return false
	}
	bs := r.b.blocks
	return !(r.blk == bs[len(bs)-1] && r.pos == r.blk.used)
}

// Send runs writeToClient's loop against a socket that accepts at most
// maxBytes: while the reader has pending replies it writes its chunk, or what
// fits, and stops at the first write that accepts nothing. It appends the
// bytes written to dst and returns it. Replicas are exempt from
// NET_MAX_WRITES_PER_EVENT, so there is no other limit.
func (r *Reader) Send(dst []byte, maxBytes int) []byte {
	if maxBytes < 0 {
		panic("replbuf: Send: negative budget")
	}
	for r.HasPending() {
		c := r.Chunk()
		n := min(len(c), maxBytes)
		dst = append(dst, c[:n]...)
		maxBytes -= n
		r.Advance(n)
		if len(c) > 0 && n == 0 {
			break
		}
	}
	return dst
}

// NextOffset is the offset of the next byte the reader will be sent: M+1 when
// it has nothing pending or no reference yet.
func (r *Reader) NextOffset() int64 {
	r.mustLive("NextOffset")
	if r.blk == nil {
		return r.b.masterOffset + 1
	}
	return r.blk.start + int64(r.pos)
}

// Unsent is the number of bytes fed but not yet written to this replica.
func (r *Reader) Unsent() int64 { return r.b.masterOffset + 1 - r.NextOffset() }

// MemUsage is getClientOutputBufferMemoryUsage for this replica, the figure
// compared with client-output-buffer-limit: from the start of the reader's
// block to the end of the tail block's capacity, plus 64 bytes per block
// from its block to the tail. It counts bytes already sent from its block and
// room not yet filled in the tail. Zero without a reference.
func (r *Reader) MemUsage() int64 {
	r.mustLive("MemUsage")
	if r.blk == nil {
		return 0
	}
	last := r.b.blocks[len(r.b.blocks)-1]
	blocks := last.id - r.blk.id + 1
	return last.start + int64(last.capacity) - r.blk.start + BlockOverheadBytes*blocks
}

// Release is freeReplicaReferencedReplBuffer, done when the replica client is
// freed: the reader's reference goes and, if it had one, the backlog is
// trimmed by up to 64 blocks (the rest waits for later trims). The reader
// must not be used again.
func (r *Reader) Release() {
	r.mustLive("Release")
	r.released = true
	b := r.b
	b.readers--
	if r.blk == nil {
		for i, p := range b.pending {
			if p == r {
				b.pending = slices.Delete(b.pending, i, i+1)
				return
			}
		}
		panic("replbuf: Release: invariant 'a reader without reference is pending' broken")
	}
	if r.blk.refcount <= 0 {
		panic("replbuf: Release: invariant 'a reader's block counts it' broken")
	}
	r.blk.refcount--
	r.blk, r.pos = nil, 0
	b.Trim(TrimBlocksPerCall)
}

// String describes the reader on one line for traces.
func (r *Reader) String() string {
	switch {
	case r.released:
		return "released"
	case r.blk == nil:
		return "waiting"
	}
	return fmt.Sprintf("next=%d unsent=%d block=%d+%d", r.NextOffset(), r.Unsent(), r.blk.id, r.pos)
}
