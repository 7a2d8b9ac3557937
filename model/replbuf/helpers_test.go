package replbuf

import (
	"fmt"
	"strconv"
)

// verify checks every invariant of the buffer's own bookkeeping, given all
// live readers, and returns the first one broken.
func verify(b *Buffer, readers []*Reader) error {
	if !b.backlog {
		if len(b.blocks) != 0 || b.memBytes != 0 || b.histLen != 0 || b.firstByte != 0 || len(b.pending) != 0 || b.readers != 0 {
			return fmt.Errorf("no backlog, yet blocks=%d mem=%d histlen=%d first=%d pending=%d readers=%d",
				len(b.blocks), b.memBytes, b.histLen, b.firstByte, len(b.pending), b.readers)
		}
		return nil
	}
	if b.firstByte != b.masterOffset-b.histLen+1 {
		return fmt.Errorf("first_byte %d != M-histlen+1 = %d", b.firstByte, b.masterOffset-b.histLen+1)
	}
	var sum, mem int64
	for i, k := range b.blocks {
		if k.used < 1 || k.used > k.capacity {
			return fmt.Errorf("block %d used %d of %d", k.id, k.used, k.capacity)
		}
		if i+1 < len(b.blocks) {
			n := b.blocks[i+1]
			if k.used != k.capacity {
				return fmt.Errorf("block %d not full but not the tail", k.id)
			}
			if n.id != k.id+1 || n.start != k.end() {
				return fmt.Errorf("blocks %d and %d not contiguous", k.id, n.id)
			}
		}
		sum += int64(k.used)
		mem += int64(k.capacity + BlockOverheadBytes)
	}
	if sum != b.histLen {
		return fmt.Errorf("histlen %d != bytes held %d", b.histLen, sum)
	}
	if mem != b.memBytes {
		return fmt.Errorf("mem %d != sum of blocks %d", b.memBytes, mem)
	}
	if len(b.blocks) > 0 {
		if b.blocks[0].start != b.firstByte || b.blocks[len(b.blocks)-1].end() != b.masterOffset+1 {
			return fmt.Errorf("blocks span [%d,%d) but backlog is [%d,%d)", b.blocks[0].start,
				b.blocks[len(b.blocks)-1].end(), b.firstByte, b.masterOffset+1)
		}
	}
	want := make(map[*block]int)
	if len(b.blocks) > 0 {
		want[b.blocks[0]]++
	}
	pending := 0
	for _, r := range readers {
		if r.released {
			return fmt.Errorf("verify given a released reader")
		}
		if r.blk == nil {
			pending++
			continue
		}
		r.index()
		want[r.blk]++
		if r.pos > r.blk.used {
			return fmt.Errorf("reader past its block's used bytes")
		}
	}
	if pending != len(b.pending) || len(readers) != b.readers {
		return fmt.Errorf("readers %d (pending %d), buffer counts %d (pending %d)", len(readers), pending, b.readers, len(b.pending))
	}
	for _, k := range b.blocks {
		if k.refcount != want[k] {
			return fmt.Errorf("block %d refcount %d, want %d", k.id, k.refcount, want[k])
		}
	}
	return nil
}

// The 144-byte write of the worked example: SET, a 16-byte key, a 100-byte value.
var (
	setCmd    = []byte("SET")
	value100  = []byte(fmt.Sprintf("%0100d", 7))
	selectCmd = []byte("*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n")
)

func key16(i int) []byte { return []byte(fmt.Sprintf("key:%012d", i)) }

// commandBytes is the RESP length of a command (spec §2.2).
func commandBytes(argv ...[]byte) int {
	n := 3 + len(strconv.Itoa(len(argv)))
	for _, a := range argv {
		n += len(a) + len(strconv.Itoa(len(a))) + 5
	}
	return n
}

// setOfLength returns a SET with a 16-byte key whose encoding is exactly n
// bytes, or false when no value length gives n (52, 143, 1044, ...).
func setOfLength(n int) ([][]byte, bool) {
	for lv := max(0, n-60); lv <= n; lv++ {
		argv := [][]byte{setCmd, key16(0), make([]byte, lv)}
		if commandBytes(argv...) == n {
			for i := range argv[2] {
				argv[2][i] = 'v'
			}
			return argv, true
		}
	}
	return nil, false
}

// writeExactly feeds SET commands totalling exactly n bytes (n == 0 or n >=
// 42), each followed by the event loop's Trim(640), as the engine will do.
func writeExactly(b *Buffer, n int) {
	for n > 0 {
		l := min(n, 8000)
		if n-l > 0 && n-l < 100 {
			l = n - 100
		}
		argv, ok := setOfLength(l)
		if !ok {
			l -= 60
			argv, ok = setOfLength(l)
		}
		if !ok {
			panic(fmt.Sprintf("writeExactly: cannot make %d bytes", l))
		}
		b.FeedCommand(argv...)
		b.Trim(TrimBlocksBeforeSleep)
		n -= l
	}
}
