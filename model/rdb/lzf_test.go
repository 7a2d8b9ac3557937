package rdb

import (
	"bytes"
	"math"
	"testing"

	"pgregory.net/rapid"
)

// genLZFInput draws inputs that exercise both literals and references:
// random bytes, runs of one byte, and repeated phrases with noise.
func genLZFInput() *rapid.Generator[[]byte] {
	return rapid.OneOf(
		rapid.SliceOfN(rapid.Byte(), 0, 2000),
		rapid.Custom(func(t *rapid.T) []byte {
			b := rapid.Byte().Draw(t, "b")
			return bytes.Repeat([]byte{b}, rapid.IntRange(0, 20000).Draw(t, "n"))
		}),
		rapid.Custom(func(t *rapid.T) []byte {
			phrase := rapid.SliceOfN(rapid.Byte(), 1, 40).Draw(t, "phrase")
			var out []byte
			for range rapid.IntRange(0, 400).Draw(t, "repeats") {
				out = append(out, phrase...)
				if rapid.IntRange(0, 9).Draw(t, "noise") == 0 {
					out = append(out, rapid.Byte().Draw(t, "byte"))
				}
			}
			return out
		}),
	)
}

// Whatever compress emits must expand back to the input, and when it gives
// up it must leave dst as it was.
func TestLZFRoundTrip(t *testing.T) {
	var c lzfCompressor
	rapid.Check(t, func(t *rapid.T) {
		in := genLZFInput().Draw(t, "in")
		prefix := []byte("prefix")
		out, ok := c.compress(append([]byte(nil), prefix...), in, len(in)+len(in)/32+1)
		if !ok {
			t.Fatalf("compress gave up with room for the worst case")
		}
		if !bytes.HasPrefix(out, prefix) {
			t.Fatalf("compress clobbered dst")
		}
		got, err := lzfDecompress([]byte("x"), out[len(prefix):], len(in))
		if err != nil {
			t.Fatalf("decompress: %v", err)
		}
		if !bytes.Equal(got[1:], in) || got[0] != 'x' {
			t.Fatalf("round trip differs")
		}
		limit := rapid.IntRange(0, len(out)-len(prefix)).Draw(t, "limit")
		short, ok := c.compress(append([]byte(nil), prefix...), in, limit)
		if ok != (limit >= len(out)-len(prefix)) || (!ok && !bytes.Equal(short, prefix)) {
			t.Fatalf("limit %d of needed %d: ok=%v, dst=%q", limit, len(out)-len(prefix), ok, short)
		}
	})
}

// The compressor's table outlives each call; entries from earlier calls,
// including those left just before the position base wraps, must never be
// used as references: the output depends on the input alone.
func TestLZFTableReuseAcrossCalls(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var c lzfCompressor
		c.compress(nil, []byte("warm the table up"), 100)
		c.next = rapid.SampledFrom([]uint32{c.next, math.MaxUint32 - 20000, math.MaxUint32 - 8193}).Draw(t, "next")
		for range rapid.IntRange(1, 5).Draw(t, "calls") {
			in := genLZFInput().Draw(t, "in")
			out, ok := c.compress(nil, in, len(in)+len(in)/32+1)
			if !ok {
				t.Fatalf("compress gave up")
			}
			if got, err := lzfDecompress(nil, out, len(in)); err != nil || !bytes.Equal(got, in) {
				t.Fatalf("round trip failed: %v", err)
			}
			var fresh lzfCompressor
			if again, _ := fresh.compress(nil, in, len(in)+len(in)/32+1); !bytes.Equal(again, out) {
				t.Fatalf("output depends on earlier calls")
			}
		}
	})
}

// Runs of one byte are the best case: 20000 bytes must shrink to well
// under 1%.
func TestLZFCompressesRepetition(t *testing.T) {
	var c lzfCompressor
	in := bytes.Repeat([]byte("a"), 20000)
	out, ok := c.compress(nil, in, len(in)-4)
	if !ok || len(out) > 250 {
		t.Fatalf("20000 x 'a' compressed to %d bytes (ok=%v)", len(out), ok)
	}
}

// Redis 7.0.15 stored 68 bytes of 'x' as this liblzf output; our
// decompressor must read liblzf's choices, not only our own.
func TestLZFDecompressesLiblzf(t *testing.T) {
	got, err := lzfDecompress(nil, []byte{0x01, 'x', 'x', 0xe0, 0x37, 0x00, 0x01, 'x', 'x'}, 68)
	if err != nil || !bytes.Equal(got, bytes.Repeat([]byte("x"), 68)) {
		t.Fatalf("got %q, %v", got, err)
	}
}

// Arbitrary bytes with an arbitrary declared length must yield an error or
// exactly that many bytes, never a panic.
func TestLZFDecompressGarbage(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		in := rapid.SliceOfN(rapid.Byte(), 0, 64).Draw(t, "in")
		n := rapid.IntRange(0, 600).Draw(t, "n")
		out, err := lzfDecompress(nil, in, n)
		if err == nil && len(out) != n {
			t.Fatalf("no error but %d bytes, want %d", len(out), n)
		}
	})
}

func TestLZFDecompressErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		n    int
		want error
	}{
		{"literal past input", []byte{0x05, 'a'}, 6, errLZFInput},
		{"reference before start", []byte{0x00, 'a', 0x20, 0x01}, 4, errLZFDistance},
		{"too long", []byte{0x01, 'a', 'b'}, 1, errLZFOverflow},
		{"too short", []byte{0x01, 'a', 'b'}, 3, errLZFShort},
		{"reference cut", []byte{0x00, 'a', 0xe0}, 20, errLZFInput},
	} {
		if _, err := lzfDecompress(nil, tc.in, tc.n); err != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
}
