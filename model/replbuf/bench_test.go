package replbuf

import "testing"

// BenchmarkFeed measures the engine's hot path: a 144-byte SET fed in its
// eleven pieces through FeedCommand into a 1mb backlog, followed by the event
// loop's Trim(640), with one replica reader kept caught up. In steady state
// there is no allocation: freed blocks are reused.
func BenchmarkFeed(b *testing.B) {
	buf := New(Options{BacklogSizeBytes: size1mb})
	buf.CreateBacklog()
	r := buf.AddReplica()
	keys := make([][]byte, 1024)
	for i := range keys {
		keys[i] = key16(i)
	}
	sink := make([]byte, 0, 1<<16)
	b.SetBytes(144)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		buf.FeedCommand(setCmd, keys[i%len(keys)], value100)
		buf.Trim(TrimBlocksBeforeSleep)
		if i%64 == 63 {
			sink = r.Send(sink[:0], 1<<16)
		}
	}
}

// BenchmarkFeedNoReplica is the same without a reader, the cost of a master
// that only keeps its backlog.
func BenchmarkFeedNoReplica(b *testing.B) {
	buf := New(Options{BacklogSizeBytes: size1mb})
	buf.CreateBacklog()
	b.SetBytes(144)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		buf.FeedCommand(setCmd, value100[:16], value100)
		buf.Trim(TrimBlocksBeforeSleep)
	}
}

// TestFeedDoesNotAllocate: feeding a command that fits the tail allocates
// nothing, and in steady state neither does one that starts a block (freed
// blocks are reused).
func TestFeedDoesNotAllocate(t *testing.T) {
	buf := New(Options{BacklogSizeBytes: size1mb})
	buf.CreateBacklog()
	key := key16(1)
	for range 20000 {
		buf.FeedCommand(setCmd, key, value100)
		buf.Trim(TrimBlocksBeforeSleep)
	}
	if n := testing.AllocsPerRun(5000, func() {
		buf.FeedCommand(setCmd, key, value100)
		buf.Trim(TrimBlocksBeforeSleep)
	}); n != 0 {
		t.Errorf("%v allocations per command", n)
	}
}
