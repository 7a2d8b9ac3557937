package replbuf

import "math/bits"

// An Allocator says how many usable bytes an allocation of requestBytes really
// gets, as zmalloc_usable does. Redis hands a new block the whole usable size
// ("takes over the allocation's internal fragmentation"), so the allocator
// decides block capacities and with them every trim decision and every
// offset the backlog reports.
type Allocator func(requestBytes int) (usableBytes int)

// maxRequestBytes bounds what Jemalloc is asked for; a block request is at
// most max(repl-backlog-size/16, 16 KiB) plus the header, and the simulator
// never configures a backlog anywhere near 2^46 bytes.
const maxRequestBytes = 1 << 50

// Jemalloc is the usable size jemalloc (Redis's default allocator on Linux,
// 64-bit, 16-byte quantum, 4 KiB pages) gives a request: its size class.
// Classes are 8, then multiples of 16 up to 128, then four classes per
// doubling: above 2^k the spacing is 2^(k-2). So 16424 lands in 20480 (the
// classes above 16 KiB are 20480, 24576, 28672, 32768, 40960, ...), which is
// why a block for pieces up to 16 KiB holds C = 20440 bytes.
func Jemalloc(requestBytes int) int {
	if requestBytes < 0 || requestBytes > maxRequestBytes {
		panic("replbuf: Jemalloc: request outside 0..2^50 bytes")
	}
	if requestBytes <= 8 {
		return 8
	}
	if requestBytes <= 128 {
		return (requestBytes + 15) &^ 15
	}
	// 2^k < requestBytes <= 2^(k+1), k >= 7.
	k := bits.Len(uint(requestBytes-1)) - 1
	spacing := 1 << (k - 2)
	return (requestBytes + spacing - 1) &^ (spacing - 1)
}

// FixedCapacity is an allocator for tests and small worked examples: every
// block holds exactly capacityBytes, whatever was requested. It is not a real
// allocator (it may return less than the request); Feed then places a large
// piece across several blocks, as its loop does for any remainder.
func FixedCapacity(capacityBytes int) Allocator {
	if capacityBytes <= 0 {
		panic("replbuf: FixedCapacity: capacity must be positive")
	}
	return func(int) int { return capacityBytes + BlockHeaderBytes }
}
