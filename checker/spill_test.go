package checker

import (
	"errors"
	"io"
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// memFile is a SpillFile in memory.
type memFile struct{ b []byte }

func (m *memFile) WriteAt(p []byte, off int64) (int, error) {
	if need := int(off) + len(p); need > len(m.b) {
		m.b = append(m.b, make([]byte, need-len(m.b))...)
	}
	return copy(m.b[off:], p), nil
}

func (m *memFile) ReadAt(p []byte, off int64) (int, error) {
	if int(off) >= len(m.b) {
		return 0, io.EOF
	}
	n := copy(p, m.b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func genOp(t *rapid.T) Op {
	val := rapid.StringN(0, 40, -1).Draw(t, "value")
	return Op{
		Client:   rapid.SampledFrom([]string{"c1", "c2", "burst"}).Draw(t, "client"),
		Node:     rapid.SampledFrom([]string{"m1", "r1"}).Draw(t, "node"),
		Op:       rapid.SampledFrom([]string{"set", "get", "del", "append", "incr", "expire"}).Draw(t, "op"),
		Key:      rapid.StringN(0, 12, -1).Draw(t, "key"),
		Value:    ValueOf(val),
		Call:     rapid.Int64().Draw(t, "call"),
		Return:   rapid.Int64().Draw(t, "return"),
		Outcome:  rapid.SampledFrom([]Outcome{OK, Fail, Unknown}).Draw(t, "outcome"),
		Reply:    rapid.SampledFrom([]string{"", "OK", "NOREPLICAS Not enough good replicas to write."}).Draw(t, "reply"),
		Waited:   rapid.IntRange(-1, 5).Draw(t, "waited"),
		LagBytes: rapid.Int64Min(0).Draw(t, "lag"),
		Null:     rapid.Bool().Draw(t, "null"),
		Replica:  rapid.Bool().Draw(t, "replica"),
		TTLMs:    rapid.Int64Range(0, 1<<40).Draw(t, "ttl"),
		DB:       rapid.IntRange(0, 15).Draw(t, "db"),
		Block:    rapid.IntRange(0, 1<<30).Draw(t, "block"),
	}
}

// A spilled history reads back whole: every operation once, each key's
// operations in one partition and in the order they were added.
func TestSpillRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ops := rapid.SliceOfN(rapid.Custom(genOp), 0, 3000).Draw(t, "ops")
		s := NewSpill(&memFile{}, rapid.IntRange(1, 9).Draw(t, "partitions"))
		for i := range ops {
			s.Add(&ops[i])
		}
		if s.Len() != int64(len(ops)) {
			t.Fatalf("Len %d, added %d", s.Len(), len(ops))
		}
		var back []Op
		seen := map[string]int{} // key -> partition
		part := 0
		err := s.Partitions(func(p []Op) error {
			for _, op := range p {
				if q, ok := seen[op.Key]; ok && q != part {
					t.Fatalf("key %q in partitions %d and %d", op.Key, q, part)
				}
				seen[op.Key] = part
			}
			back = append(back, p...)
			part++
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		byKey := func(h []Op) map[string][]Op {
			m := map[string][]Op{}
			for _, op := range h {
				m[op.Key] = append(m[op.Key], op)
			}
			return m
		}
		want, got := byKey(ops), byKey(back)
		if len(want) != len(got) {
			t.Fatalf("%d keys back, %d added", len(got), len(want))
		}
		for k, w := range want {
			if !slices.Equal(w, got[k]) {
				t.Fatalf("key %q: read back %+v, added %+v", k, got[k], w)
			}
		}
	})
}

type failingFile struct{ memFile }

func (f *failingFile) WriteAt([]byte, int64) (int, error) { return 0, errors.New("disk full") }

// A write error is not lost: reading back reports it.
func TestSpillWriteError(t *testing.T) {
	s := NewSpill(&failingFile{}, 1)
	op := Op{Op: "set", Key: "k", Value: ValueOf(string(make([]byte, 100)))}
	for range spillBlockSize {
		s.Add(&op)
	}
	err := s.Partitions(func([]Op) error { return nil })
	if err == nil || err.Error() != "spilling the history: disk full" {
		t.Fatalf("err = %v, want the write error", err)
	}
}
