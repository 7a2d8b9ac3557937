package rdb

import "encoding/binary"

// Redis checksums an RDB file with its own CRC-64 variant: the Jones
// polynomial, bit-reflected, initial value 0 and no final inversion.
// hash/crc64 inverts the register before and after every update, which is
// the opposite convention, and it only has fast tables for the ISO and ECMA
// polynomials, so the package keeps its own slicing-by-8 tables.

// jonesPolyReflected is the Jones polynomial 0xad93d23594c935a9 with its
// bits reversed, the form a reflected (LSB-first) table needs.
const jonesPolyReflected = 0x95ac9329ac4bc9b5

// crcTables[0] is the classic byte-at-a-time table; crcTables[k] advances a
// byte that sits k positions before the end of an 8-byte block.
var crcTables = makeCRCTables()

func makeCRCTables() *[8][256]uint64 {
	t := new([8][256]uint64)
	for i := range 256 {
		crc := uint64(i)
		for range 8 {
			if crc&1 == 1 {
				crc = crc>>1 ^ jonesPolyReflected
			} else {
				crc >>= 1
			}
		}
		t[0][i] = crc
	}
	for i := range 256 {
		crc := t[0][i]
		for k := 1; k < 8; k++ {
			crc = t[0][crc&0xff] ^ crc>>8
			t[k][i] = crc
		}
	}
	return t
}

// crc64 continues Redis's CRC-64 of everything before p, whose checksum so
// far is crc; the checksum of nothing is 0.
func crc64(crc uint64, p []byte) uint64 {
	t := crcTables
	for len(p) >= 8 {
		crc ^= binary.LittleEndian.Uint64(p)
		crc = t[7][crc&0xff] ^
			t[6][crc>>8&0xff] ^
			t[5][crc>>16&0xff] ^
			t[4][crc>>24&0xff] ^
			t[3][crc>>32&0xff] ^
			t[2][crc>>40&0xff] ^
			t[1][crc>>48&0xff] ^
			t[0][crc>>56]
		p = p[8:]
	}
	for _, b := range p {
		crc = t[0][byte(crc)^b] ^ crc>>8
	}
	return crc
}
