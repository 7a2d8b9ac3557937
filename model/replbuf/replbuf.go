// Package replbuf is Redis 7.0's shared replication buffer: one global list of
// blocks holding the replication stream, read by the backlog and by one reader
// per replica client (spec §3; replication.c feedReplicationBuffer,
// incrementalTrimReplicationBacklog, addReplyReplicationBacklog; networking.c
// _writeToClient, copyReplicaOutputBuffer, getClientOutputBufferMemoryUsage).
//
// It follows Redis 7.0.15 to the byte: block capacities come from the
// allocator's size classes, the stream is split at whatever byte a block
// fills up, and trimming frees whole blocks from the head only while the
// backlog is the head's sole holder. Which bytes are kept, and so whether a
// PSYNC is served, depends on all of that, which is why the simulator keeps
// the blocks instead of a ring of repl-backlog-size bytes.
//
// The package is a pure data structure: no clock, no I/O. The engine decides
// when Redis would call each function (when a replica becomes feedable, when
// its socket accepts bytes, the 640-block trim at the end of each event loop
// iteration) and this package does what Redis does at that call.
//
// Ownership: a Buffer is one server's state (server.repl_buffer_blocks,
// server.repl_backlog, server.master_repl_offset); Readers belong to it and
// must not be used after Release.
package replbuf

import (
	"fmt"
	"strconv"
)

// Sizes and limits as Redis 7.0 defines them on 64-bit builds.
const (
	// BlockHeaderBytes is sizeof(replBufBlock): the allocation of a block is
	// its capacity plus this header.
	BlockHeaderBytes = 40
	// ListNodeBytes is sizeof(listNode), counted in repl_buffer_mem for each block.
	ListNodeBytes = 24
	// BlockOverheadBytes is what each block costs beyond its capacity in every
	// memory figure Redis reports.
	BlockOverheadBytes = BlockHeaderBytes + ListNodeBytes
	// ChunkBytes is PROTO_REPLY_CHUNK_BYTES, the smallest block ever requested.
	ChunkBytes = 16384
	// BacklogMinSizeBytes is CONFIG_REPL_BACKLOG_MIN_SIZE, the floor CONFIG SET
	// applies to repl-backlog-size (the config file does not).
	BacklogMinSizeBytes = 16384
	// DefaultBacklogSizeBytes is the repl-backlog-size default, 1mb.
	DefaultBacklogSizeBytes = 1 << 20
	// TrimBlocksPerCall is REPL_BACKLOG_TRIM_BLOCKS_PER_CALL: the trim done when a
	// block is created, a replica moves past a block, a replica is released or
	// the backlog is resized.
	TrimBlocksPerCall = 64
	// TrimBlocksBeforeSleep is the trim beforeSleep does in every event loop
	// iteration (10 × TrimBlocksPerCall); the engine calls Trim with it.
	TrimBlocksBeforeSleep = 10 * TrimBlocksPerCall
	// IndexPerBlocks is REPL_BACKLOG_INDEX_PER_BLOCKS: every 64th block created
	// goes into the backlog's offset index. The index changes which block a
	// PSYNC at a block boundary starts in (see AddReplicaAt), so it is modelled.
	IndexPerBlocks = 64
)

// sparesMax bounds the freed blocks kept for reuse, so a released pin of many
// megabytes does not stay allocated.
const sparesMax = 64

// Options configure a Buffer. The zero value is Redis's default: a 1mb
// backlog size and jemalloc.
type Options struct {
	// BacklogSizeBytes is repl-backlog-size as read from the config file: at
	// least 1 and not raised to 16384 (only CONFIG SET, i.e. Resize, does
	// that). Zero means DefaultBacklogSizeBytes.
	BacklogSizeBytes int64
	// Allocator decides block capacities. Nil means Jemalloc.
	Allocator Allocator
}

// A block is one replBufBlock. Blocks in the list are contiguous in offsets,
// and every block but the tail is full.
type block struct {
	id       int64 // increases by one per block created, never reused
	start    int64 // repl_offset: offset of buf[0]
	capacity int   // size: usable allocation minus the header
	used     int
	refcount int  // the backlog (on the head only) plus readers that start here
	indexed  bool // in the backlog's blocks_index
	buf      []byte
}

// end is the offset one past the block's last byte.
func (k *block) end() int64 { return k.start + int64(k.used) }

// A Buffer is one server's shared replication buffer: the block list, the
// master offset M, the backlog (which may not exist) and its replica readers.
type Buffer struct {
	alloc        Allocator
	sizeBytes    int64 // repl-backlog-size
	masterOffset int64 // master_repl_offset, M
	blocks       []*block
	nextID       int64
	memBytes     int64 // repl_buffer_mem

	backlog   bool
	histLen   int64
	firstByte int64 // backlog->offset, kept equal to M - histlen + 1
	unindexed int   // backlog->unindexed_count

	pending []*Reader // feedable readers without a reference yet
	readers int       // live readers, pending or not

	spares  []*block
	scratch [24]byte // the *argc / $len header FeedCommand writes
}

// New returns an empty buffer with M = 0 and no backlog.
func New(opts Options) *Buffer {
	size := opts.BacklogSizeBytes
	if size == 0 {
		size = DefaultBacklogSizeBytes
	}
	if size < 1 {
		panic("replbuf: New: repl-backlog-size below 1 (the config rejects it)")
	}
	alloc := opts.Allocator
	if alloc == nil {
		alloc = Jemalloc
	}
	return &Buffer{alloc: alloc, sizeBytes: size}
}

// Offset is M, master_repl_offset: the offset of the last byte fed.
func (b *Buffer) Offset() int64 { return b.masterOffset }

// SetOffset sets M. Redis does this only with no backlog and so no blocks: a
// replica after a full sync takes its master's offset before it creates its
// backlog, and a restarted replica takes the offset from its RDB. It panics
// otherwise, because the backlog's offsets would no longer match M.
func (b *Buffer) SetOffset(m int64) {
	if b.backlog || len(b.blocks) != 0 {
		panic("replbuf: SetOffset: invariant 'M only moves by feeding while a backlog exists' would break")
	}
	if m < 0 {
		panic("replbuf: SetOffset: negative offset")
	}
	b.masterOffset = m
}

// Rebase is what a master restarting from an RDB with replication info does
// (loadDataFromDisk, rebaseReplicationBuffer): the backlog was created at M = 0
// before loading and may hold DELs of expired keys; M and every block move up
// by base, and the offset index is rebuilt from the current blocks.
func (b *Buffer) Rebase(base int64) {
	b.mustBacklog("Rebase")
	if b.readers != 0 {
		panic("replbuf: Rebase: invariant 'no replicas at startup' broken")
	}
	b.masterOffset += base
	b.firstByte = b.masterOffset - b.histLen + 1
	b.unindexed = 0
	for _, k := range b.blocks {
		k.start += base
		k.indexed = false
		b.indexNewBlock(k)
	}
}

// CreateBacklog is createReplicationBacklog: the backlog starts empty with
// its first byte at M+1. The block list is always empty then, because blocks
// exist only while a backlog does.
func (b *Buffer) CreateBacklog() {
	if b.backlog {
		panic("replbuf: CreateBacklog: a backlog already exists")
	}
	if len(b.blocks) != 0 || b.memBytes != 0 {
		panic("replbuf: CreateBacklog: invariant 'blocks exist only with a backlog' broken")
	}
	b.backlog = true
	b.histLen = 0
	b.firstByte = b.masterOffset + 1
	b.unindexed = 0
}

// FreeBacklog is freeReplicationBacklog: every block goes, since the backlog
// holds the last reference to all of them. Redis asserts there are no
// replicas; so does this, for readers. Without a backlog it does nothing.
func (b *Buffer) FreeBacklog() {
	if b.readers != 0 {
		panic("replbuf: FreeBacklog: invariant 'no replicas when the backlog is freed' broken")
	}
	if !b.backlog {
		return
	}
	if len(b.blocks) != 0 {
		if b.blocks[0].refcount != 1 {
			panic("replbuf: FreeBacklog: invariant 'the backlog holds the last reference' broken")
		}
		b.blocks[0].refcount = 0
	}
	for i, k := range b.blocks {
		b.recycle(k)
		b.blocks[i] = nil
	}
	b.blocks = b.blocks[:0]
	b.memBytes = 0
	b.backlog = false
	b.histLen = 0
	b.firstByte = 0
	b.unindexed = 0
}

// HasBacklog reports whether a backlog exists (INFO repl_backlog_active).
func (b *Buffer) HasBacklog() bool { return b.backlog }

// BacklogSize is repl-backlog-size.
func (b *Buffer) BacklogSize() int64 { return b.sizeBytes }

// HistLen is INFO repl_backlog_histlen: the bytes the backlog holds, 0 with
// no backlog. With replicas pinning old blocks it can be far above the size.
func (b *Buffer) HistLen() int64 { return b.histLen }

// FirstByteOffset is INFO repl_backlog_first_byte_offset: the offset of the
// oldest byte held (M+1 for an empty backlog), 0 with no backlog.
func (b *Buffer) FirstByteOffset() int64 { return b.firstByte }

// Resize is CONFIG SET repl-backlog-size (resizeReplicationBacklog): values
// below 16384 become 16384, and an existing backlog is trimmed by up to 64
// blocks at once. Nothing is reallocated; a smaller size only lets trimming
// go further, a larger one stops it.
func (b *Buffer) Resize(sizeBytes int64) {
	if sizeBytes < 1 {
		panic("replbuf: Resize: repl-backlog-size below 1 (the config rejects it)")
	}
	b.sizeBytes = max(sizeBytes, BacklogMinSizeBytes)
	if b.backlog {
		b.Trim(TrimBlocksPerCall)
	}
}

// InRange is the range test of a PSYNC at offset p (spec §3.5 step 2): a
// backlog exists and first_byte <= p <= first_byte + histlen, the upper end
// being M+1 (a replica fully caught up). The replication ID tests are the
// engine's.
func (b *Buffer) InRange(p int64) bool {
	return b.backlog && p >= b.firstByte && p <= b.firstByte+b.histLen
}

// Feed is one call of feedReplicationBuffer with one piece of the stream. It
// does nothing without a backlog, so M stays frozen then, as in Redis. An
// empty piece also does nothing: in particular a reader waiting for its
// reference does not get one.
//
// It fills the tail block, then creates as many blocks as the remainder
// needs, each sized min(max(remaining, 16 KiB), max(size/16, 16 KiB)) plus the
// header and given the allocator's whole usable size. Readers waiting for a
// reference get one at the first byte of this call. After each block it
// creates, Feed trims by up to 64 blocks.
//
// blocksCreated > 0 is Redis's signal to check every feedable replica's
// output-buffer limit. Redis checks after each new block, but a reader's usage
// only grows during one call and the clock does not move, so one check per
// replica after Feed returns reaches the same decisions.
func (b *Buffer) Feed(piece []byte) (blocksCreated int) {
	if !b.backlog {
		return 0
	}
	// The common case, a piece that fits the tail with no reader waiting
	// for a reference, is the loop below with nothing else to do.
	if n := len(b.blocks); n > 0 && len(b.pending) == 0 {
		if tail := b.blocks[n-1]; len(piece) <= tail.capacity-tail.used {
			copy(tail.buf[tail.used:], piece)
			tail.used += len(piece)
			b.masterOffset += int64(len(piece))
			b.histLen += int64(len(piece))
			return 0
		}
	}
	for len(piece) > 0 {
		var start *block
		startPos := 0
		listWasEmpty := len(b.blocks) == 0
		if !listWasEmpty {
			if tail := b.blocks[len(b.blocks)-1]; tail.used < tail.capacity {
				start, startPos = tail, tail.used
				n := copy(tail.buf[tail.used:tail.capacity], piece)
				tail.used += n
				piece = piece[n:]
				b.masterOffset += int64(n)
				b.histLen += int64(n)
			}
		}
		created := false
		if len(piece) > 0 {
			k := b.newBlock(len(piece))
			n := copy(k.buf[:k.capacity], piece)
			k.used = n
			piece = piece[n:]
			b.masterOffset += int64(n)
			b.histLen += int64(n)
			created = true
			if start == nil {
				start, startPos = k, 0
			}
		}
		for i, r := range b.pending {
			r.blk, r.pos = start, startPos
			start.refcount++
			b.pending[i] = nil
		}
		b.pending = b.pending[:0]
		if listWasEmpty {
			// The backlog's reference: Redis asserts the list was empty
			// when the backlog had none.
			if !created || startPos != 0 || start != b.blocks[0] {
				panic("replbuf: Feed: invariant 'backlog starts at a new first block' broken")
			}
			start.refcount++
		}
		if created {
			blocksCreated++
			b.indexNewBlock(b.blocks[len(b.blocks)-1])
			b.Trim(TrimBlocksPerCall)
		}
	}
	return blocksCreated
}

// FeedCommand feeds one command exactly as replicationFeedSlaves does: a
// separate Feed for "*argc\r\n", then for each argument "$len\r\n", the
// argument's bytes (nothing for an empty one) and "\r\n". The SELECT Redis
// injects before a command is a single prebuilt piece: feed it with Feed.
// It returns the blocks created over all those calls.
func (b *Buffer) FeedCommand(argv ...[]byte) (blocksCreated int) {
	blocksCreated += b.Feed(b.header('*', len(argv)))
	for _, arg := range argv {
		h := b.header('$', len(arg))
		blocksCreated += b.Feed(h)
		blocksCreated += b.Feed(arg)
		blocksCreated += b.Feed(h[len(h)-2:])
	}
	return blocksCreated
}

// header renders "<kind><n>\r\n" into the scratch space; Feed copies it, so
// the space is free again when Feed returns.
func (b *Buffer) header(kind byte, n int) []byte {
	h := append(b.scratch[:0], kind)
	h = strconv.AppendInt(h, int64(n), 10)
	return append(h, '\r', '\n')
}

// newBlock appends an empty block sized for a remainder of remaining bytes.
func (b *Buffer) newBlock(remaining int) *block {
	limit := max(int(b.sizeBytes/16), ChunkBytes)
	request := min(max(remaining, ChunkBytes), limit)
	usable := b.alloc(request + BlockHeaderBytes)
	capacity := usable - BlockHeaderBytes
	if capacity <= 0 {
		panic("replbuf: allocator returned no room beyond the block header")
	}
	k := b.takeSpare(capacity)
	if k == nil {
		k = &block{buf: make([]byte, capacity)}
	}
	*k = block{id: b.nextID, start: b.masterOffset + 1, capacity: capacity, buf: k.buf[:cap(k.buf)]}
	b.nextID++
	b.blocks = append(b.blocks, k)
	b.memBytes += int64(usable + ListNodeBytes)
	return k
}

// takeSpare returns a freed block whose memory fits capacity without wasting
// more than half of it, or nil.
func (b *Buffer) takeSpare(capacity int) *block {
	for i := len(b.spares) - 1; i >= 0; i-- {
		k := b.spares[i]
		if c := cap(k.buf); c >= capacity && c <= 2*capacity {
			last := len(b.spares) - 1
			b.spares[i] = b.spares[last]
			b.spares[last] = nil
			b.spares = b.spares[:last]
			return k
		}
	}
	return nil
}

func (b *Buffer) recycle(k *block) {
	if len(b.spares) < sparesMax {
		b.spares = append(b.spares, k)
	}
}

// indexNewBlock is createReplicationBacklogIndex: every 64th block since the
// backlog was created (or rebased) is entered in the offset index.
func (b *Buffer) indexNewBlock(k *block) {
	b.unindexed++
	if b.unindexed >= IndexPerBlocks {
		k.indexed = true
		b.unindexed = 0
	}
}

// Trim is incrementalTrimReplicationBacklog(maxBlocks): free head blocks
// while the backlog holds more than repl-backlog-size, at most maxBlocks of
// them, stopping at the first of (a) one block left, (b) the head referenced
// by a replica as well, (c) dropping the head would leave no more than the
// size. It then sets first_byte = M - histlen + 1 and returns the blocks
// freed. The engine calls Trim(TrimBlocksBeforeSleep) at the end of each event
// loop iteration, as beforeSleep does.
func (b *Buffer) Trim(maxBlocks int) (freed int) {
	b.mustBacklog("Trim")
	for b.histLen > b.sizeBytes && freed < maxBlocks {
		if len(b.blocks) <= 1 {
			break
		}
		head := b.blocks[0]
		if head.refcount != 1 {
			break
		}
		if b.histLen-int64(head.capacity) <= b.sizeBytes {
			break
		}
		if head.used != head.capacity {
			panic("replbuf: Trim: invariant 'only the tail block is not full' broken")
		}
		head.refcount = 0
		freed++
		b.histLen -= int64(head.capacity)
		b.blocks[1].refcount++
		b.memBytes -= int64(head.capacity + BlockOverheadBytes)
		b.blocks[0] = nil
		b.blocks = b.blocks[1:]
		b.recycle(head)
	}
	b.firstByte = b.masterOffset - b.histLen + 1
	return freed
}

func (b *Buffer) mustBacklog(op string) {
	if !b.backlog {
		panic("replbuf: " + op + ": no backlog")
	}
}

// Memory is the shared buffer's part of INFO memory.
type Memory struct {
	// TotalReplicationBuffersBytes is mem_total_replication_buffers
	// (repl_buffer_mem): each block's usable allocation plus its list node.
	TotalReplicationBuffersBytes int64
	// ReplicationBacklogBytes is mem_replication_backlog without the estimate
	// of the offset index's rax nodes, which Redis adds and this package does
	// not model (4 bytes for an empty index, more once 64 blocks were made).
	ReplicationBacklogBytes int64
	// ClientsSlavesBytes is mem_clients_slaves: the buffer memory beyond
	// repl-backlog-size, counted only while replicas exist.
	ClientsSlavesBytes int64
}

// Memory returns the INFO memory figures, given listLength(server.slaves):
// every replica client, including ones that have no reader (waiting for
// BGSAVE to start, RDB-only).
func (b *Buffer) Memory(replicas int) Memory {
	m := Memory{TotalReplicationBuffersBytes: b.memBytes}
	if replicas > 0 && b.memBytes > b.sizeBytes {
		m.ClientsSlavesBytes = b.memBytes - b.sizeBytes
		m.ReplicationBacklogBytes = b.sizeBytes
	} else {
		m.ReplicationBacklogBytes = b.memBytes
	}
	return m
}

// String describes the buffer on one line for traces.
func (b *Buffer) String() string {
	if !b.backlog {
		return fmt.Sprintf("M=%d no-backlog size=%d", b.masterOffset, b.sizeBytes)
	}
	return fmt.Sprintf("M=%d first_byte=%d histlen=%d size=%d blocks=%d mem=%d",
		b.masterOffset, b.firstByte, b.histLen, b.sizeBytes, len(b.blocks), b.memBytes)
}
