package rdb

import (
	"fmt"
	"io"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"
)

// cpuTime returns the CPU time this process has used. The benchmarks
// report throughput per CPU second as well as per wall second, because the
// development machines are shared and wall time there is mostly waiting.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loopWithCPU runs f b.N times and reports cpu-MB/s for bytesPerOp.
func loopWithCPU(b *testing.B, bytesPerOp int64, f func()) {
	b.SetBytes(bytesPerOp)
	b.ReportAllocs()
	start := cpuTime()
	n := 0
	for b.Loop() {
		f()
		n++
	}
	cpu := cpuTime() - start
	b.ReportMetric(float64(bytesPerOp)*float64(n)/cpu.Seconds()/1e6, "cpu-MB/s")
}

// jsonValue appends a 100-byte JSON-like record, the kind of value whose
// repeated fragments LZF shrinks.
func jsonValue(dst []byte, id int) []byte {
	start := len(dst)
	dst = fmt.Appendf(dst, `{"id":%08d,"name":"user-%08d","mail":"user-%08d@example.com","ok":true,"n":[0,0,0,0]}`, id, id, id)
	for len(dst)-start < 100 {
		dst = append(dst, ' ')
	}
	return dst[:start+100]
}

// benchSnapshot is 100,000 keys with 100-byte values, random (which LZF
// tries and fails to shrink) or JSON-like (which it shrinks), one in ten
// with an expiry.
func benchSnapshot(compressible bool) *Snapshot {
	rng := rand.New(rand.NewPCG(42, 42))
	entries := make([]Entry, 100_000)
	for i := range entries {
		v := make([]byte, 100)
		if compressible {
			v = jsonValue(v[:0], rng.IntN(1e8))
		} else {
			for j := range v {
				v[j] = byte(rng.Uint32())
			}
		}
		entries[i] = Entry{Key: fmt.Appendf(nil, "key:%08d", i), Value: v}
		if i%10 == 0 {
			entries[i].ExpireAtMs = 1_700_000_000_000 + int64(i)
		}
	}
	return &Snapshot{
		Aux: Aux{CtimeSec: 1700000000, UsedMemBytes: 20 << 20, ReplID: "0123456789abcdef0123456789abcdef01234567", ReplOffset: 12345},
		DBs: []DB{{Number: 0, Entries: entries}},
	}
}

// BenchmarkEncode reports MB/s of RDB output for the 100,000-key keyspace,
// to a reused in-memory encoder and through an io.Writer.
func BenchmarkEncode(b *testing.B) {
	for _, tc := range []struct {
		name         string
		compressible bool
		opts         Options
		toWriter     bool
	}{
		{"random/memory", false, Options{}, false},
		{"random/writer", false, Options{}, true},
		{"random/nocompression", false, Options{NoCompression: true}, false},
		{"json/memory", true, Options{}, false},
		{"json/nocompression", true, Options{NoCompression: true}, false},
	} {
		b.Run(tc.name, func(b *testing.B) {
			s := benchSnapshot(tc.compressible)
			var w io.Writer
			if tc.toWriter {
				w = io.Discard
			}
			e := NewEncoder(w, tc.opts)
			if err := e.Encode(s); err != nil {
				b.Fatal(err)
			}
			loopWithCPU(b, e.Size(), func() {
				e.Reset(w)
				if err := e.Encode(s); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// BenchmarkDecode reports MB/s of RDB input decoded.
func BenchmarkDecode(b *testing.B) {
	for _, tc := range []struct {
		name         string
		compressible bool
	}{{"random", false}, {"json", true}} {
		b.Run(tc.name, func(b *testing.B) {
			raw, err := Append(nil, benchSnapshot(tc.compressible), Options{})
			if err != nil {
				b.Fatal(err)
			}
			loopWithCPU(b, int64(len(raw)), func() {
				if _, err := Decode(raw); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

func BenchmarkCRC64(b *testing.B) {
	p := make([]byte, 1<<20)
	loopWithCPU(b, int64(len(p)), func() { crc64(0, p) })
}

// BenchmarkLZF100 is the cost of trying to compress one 100-byte value.
func BenchmarkLZF100(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, name := range []string{"random", "json"} {
		b.Run(name, func(b *testing.B) {
			in := make([]byte, 100)
			if name == "json" {
				in = jsonValue(in[:0], 12345678)
			} else {
				for j := range in {
					in[j] = byte(rng.Uint32())
				}
			}
			var c lzfCompressor
			out := make([]byte, 0, 100)
			loopWithCPU(b, int64(len(in)), func() { out, _ = c.compress(out[:0], in, len(in)-4) })
		})
	}
}
