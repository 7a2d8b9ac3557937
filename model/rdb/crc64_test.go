package rdb

import (
	stdcrc64 "hash/crc64"
	"testing"

	"pgregory.net/rapid"
)

// Redis's own self-test vector for its CRC-64 (crc64.c).
func TestCRC64Vector(t *testing.T) {
	if got := crc64(0, []byte("123456789")); got != 0xe9c6d914c4b8d9ca {
		t.Fatalf("crc64(123456789) = %#x, want 0xe9c6d914c4b8d9ca", got)
	}
	if got := crc64(0, nil); got != 0 {
		t.Fatalf("crc64(empty) = %#x, want 0", got)
	}
}

// The slicing-by-8 loop must agree with the standard library's bytewise
// reflected CRC once its inversions are undone, and checksums must chain
// over any split of the input, since the encoder checksums chunk by chunk.
func TestCRC64AgreesWithStdlibAndChains(t *testing.T) {
	table := stdcrc64.MakeTable(jonesPolyReflected)
	rapid.Check(t, func(t *rapid.T) {
		p := rapid.SliceOfN(rapid.Byte(), 0, 300).Draw(t, "p")
		split := rapid.IntRange(0, len(p)).Draw(t, "split")
		want := ^stdcrc64.Update(^uint64(0), table, p)
		if got := crc64(0, p); got != want {
			t.Fatalf("crc64 = %#x, stdlib-derived %#x", got, want)
		}
		if got := crc64(crc64(0, p[:split]), p[split:]); got != want {
			t.Fatalf("chained crc64 = %#x, want %#x", got, want)
		}
	})
}
