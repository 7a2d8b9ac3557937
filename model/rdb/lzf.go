package rdb

import (
	"encoding/binary"
	"errors"
	"math"
	"math/bits"
)

// LZF, as Redis's bundled liblzf reads it, is a sequence of chunks, each
// starting with a control byte c:
//
//	c < 32:  a literal run; the next c+1 bytes are copied to the output.
//	c >= 32: a back-reference of length (c>>5)+2, where a length field of 7
//	         means "7 plus the next byte"; then one byte completes a 13-bit
//	         distance d = (c&0x1f)<<8 | byte, and the copy starts d+1 bytes
//	         before the current end of the output.
//
// A reference may overlap the bytes it produces, which is how runs of a
// repeated byte compress. The compressor below is greedy with a one-slot
// hash table; its output is valid LZF but not byte-identical to liblzf's.
const (
	lzfMaxLiteral  = 32                 // longest literal run (control 31)
	lzfMaxDistance = 1 << 13            // distance d is 0..8191
	lzfMaxMatch    = (7 + 255) + 2      // longest back-reference
	lzfMinMatch    = 3                  // shorter matches never save bytes
	lzfMaxExpand   = lzfMaxMatch / 3    // output bytes per input byte, at most
	lzfHashMult    = uint32(2654435761) // Knuth's multiplicative constant
)

// lzfTableBits sizes the hash table: 16 KiB, which stays in the L1 cache.
const lzfTableBits = 12

// lzfCompressor keeps its hash table between calls so that compressing many
// small values does not allocate, and does not even clear it: positions
// are stored relative to a base that grows from call to call, so entries
// left by earlier calls read as positions too far back to use.
type lzfCompressor struct {
	table *[1 << lzfTableBits]uint32
	next  uint32 // the base of the previous call plus its input length
}

// compress appends the LZF form of in to dst. It gives up, returning dst
// unchanged and false, as soon as the compressed form would exceed maxOut
// bytes: Redis only keeps a compressed string that is smaller than the
// original by at least 4 bytes, so the caller passes len(in)-4.
func (c *lzfCompressor) compress(dst, in []byte, maxOut int) ([]byte, bool) {
	n := len(in)
	// Stale entries and empty ones (0) must sit more than lzfMaxDistance
	// before position 0 of this call.
	const gap = lzfMaxDistance + 1
	if c.table == nil {
		c.table = new([1 << lzfTableBits]uint32)
	}
	if uint64(c.next)+gap+uint64(n) >= math.MaxUint32 {
		// After about half a million values the base would wrap:
		// start afresh.
		clear(c.table[:])
		c.next = 0
	}
	table := c.table
	base := int(c.next) + gap // table holds base+i for position i
	c.next = uint32(base + n)
	const shift = 32 - lzfTableBits

	start := len(dst)
	limit := start + maxOut
	literalStart := 0 // in[literalStart:i] is waiting to be written as literals
	i := 0
	// Positions are probed with 4-byte loads, so the last three bytes are
	// never the start of a match; a match there could save one byte.
	for i+4 <= n {
		seq := binary.LittleEndian.Uint32(in[i:]) & 0xFFFFFF
		h := seq * lzfHashMult >> shift
		candidate := int(table[h]) - base
		table[h] = uint32(base + i)
		if uint(i-candidate-1) >= lzfMaxDistance || binary.LittleEndian.Uint32(in[candidate:])&0xFFFFFF != seq {
			i++
			continue
		}
		length := matchLength(in[candidate:], in[i:min(n, i+lzfMaxMatch)])
		var ok bool
		if dst, ok = appendLZFLiterals(dst, in[literalStart:i], limit); !ok {
			return dst[:start], false
		}
		distance := i - candidate - 1
		if code := length - 2; code < 7 {
			if len(dst)+2 > limit {
				return dst[:start], false
			}
			dst = append(dst, byte(code<<5|distance>>8), byte(distance))
		} else {
			if len(dst)+3 > limit {
				return dst[:start], false
			}
			dst = append(dst, byte(7<<5|distance>>8), byte(code-7), byte(distance))
		}
		i += length
		literalStart = i
		// Index the last two positions of the match too, so that a
		// following repetition can refer back to it.
		for p := max(i-2, 0); p < i && p+4 <= n; p++ {
			table[binary.LittleEndian.Uint32(in[p:])&0xFFFFFF*lzfHashMult>>shift] = uint32(base + p)
		}
	}
	dst, ok := appendLZFLiterals(dst, in[literalStart:], limit)
	if !ok {
		return dst[:start], false
	}
	return dst, true
}

// matchLength returns how many leading bytes of cur equal those of ref, at
// least lzfMinMatch, which the caller has checked. ref starts before cur in
// the same input, so it is at least as long.
func matchLength(ref, cur []byte) int {
	k := lzfMinMatch
	for k+8 <= len(cur) {
		if x := binary.LittleEndian.Uint64(ref[k:]) ^ binary.LittleEndian.Uint64(cur[k:]); x != 0 {
			return k + bits.TrailingZeros64(x)/8
		}
		k += 8
	}
	for k < len(cur) && ref[k] == cur[k] {
		k++
	}
	return k
}

// appendLZFLiterals writes lit as literal runs of at most 32 bytes, failing
// if that would take dst past limit.
func appendLZFLiterals(dst, lit []byte, limit int) ([]byte, bool) {
	runs := (len(lit) + lzfMaxLiteral - 1) / lzfMaxLiteral
	if len(dst)+runs+len(lit) > limit {
		return dst, false
	}
	for len(lit) > 0 {
		k := min(len(lit), lzfMaxLiteral)
		dst = append(dst, byte(k-1))
		dst = append(dst, lit[:k]...)
		lit = lit[k:]
	}
	return dst, true
}

var (
	errLZFInput    = errors.New("LZF data ends inside a chunk")
	errLZFOverflow = errors.New("LZF data expands beyond the declared length")
	errLZFDistance = errors.New("LZF back-reference points before the start of the output")
	errLZFShort    = errors.New("LZF data expands to less than the declared length")
)

// lzfDecompress appends to dst the outLen bytes that in expands to. Like
// Redis, it rejects data that does not expand to exactly outLen bytes.
func lzfDecompress(dst, in []byte, outLen int) ([]byte, error) {
	start := len(dst)
	end := start + outLen
	dst = growTo(dst, end)
	out := start
	for ip := 0; ip < len(in); {
		ctrl := int(in[ip])
		ip++
		if ctrl < 32 {
			k := ctrl + 1
			if ip+k > len(in) {
				return dst[:start], errLZFInput
			}
			if out+k > end {
				return dst[:start], errLZFOverflow
			}
			copy(dst[out:], in[ip:ip+k])
			ip += k
			out += k
			continue
		}
		length := ctrl >> 5
		if length == 7 {
			if ip >= len(in) {
				return dst[:start], errLZFInput
			}
			length += int(in[ip])
			ip++
		}
		if ip >= len(in) {
			return dst[:start], errLZFInput
		}
		ref := out - (ctrl&0x1f)<<8 - int(in[ip]) - 1
		ip++
		length += 2
		if ref < start {
			return dst[:start], errLZFDistance
		}
		if out+length > end {
			return dst[:start], errLZFOverflow
		}
		if ref+length <= out {
			copy(dst[out:], dst[ref:ref+length])
			out += length
			continue
		}
		// The reference overlaps its own output: copy byte by byte so the
		// bytes just written are read again, as the format intends.
		for range length {
			dst[out] = dst[ref]
			out++
			ref++
		}
	}
	if out != end {
		return dst[:start], errLZFShort
	}
	return dst, nil
}

// growTo extends b to length n, reusing its capacity when it can.
func growTo(b []byte, n int) []byte {
	if n <= cap(b) {
		return b[:n]
	}
	nb := make([]byte, n, max(n, 2*cap(b)))
	copy(nb, b)
	return nb
}
