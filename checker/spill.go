package checker

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Spill keeps a history out of memory: operations are partitioned by key
// and written, a block at a time, to a file the caller provides; the
// checks that look at one key at a time (lost writes, stale reads, reads
// from replicas) then read one partition back at a time. Memory is the
// partitions' write buffers plus one partition, not the whole history.
//
// The file holds the blocks of every partition in the order they filled;
// the Spill remembers where each partition's blocks are.
type Spill struct {
	f     SpillFile
	parts []spillPart
	size  int64 // bytes written to f
	ops   int64
	err   error
}

// SpillFile is where a Spill writes its blocks and reads them back, a
// temporary file for example.
type SpillFile interface {
	io.WriterAt
	io.ReaderAt
}

type spillPart struct {
	buf    []byte
	blocks []spillBlock
	ops    int
}

type spillBlock struct{ off, n int64 }

// spillBlockSize is the size past which a partition's buffer is written.
const spillBlockSize = 16 << 10

// SpillPartitions is how many partitions suit a history of about ops
// operations: each holds some tens of thousands of them.
func SpillPartitions(ops int64) int {
	return int(min(max(ops/32768, 1), 1024))
}

// NewSpill returns a Spill writing to f in the given number of partitions.
func NewSpill(f SpillFile, partitions int) *Spill {
	return &Spill{f: f, parts: make([]spillPart, max(partitions, 1))}
}

// Len is the number of operations added.
func (s *Spill) Len() int64 { return s.ops }

// Add appends a finished operation (it is copied).
func (s *Spill) Add(op *Op) {
	h := uint64(14695981039346656037) // FNV-1a
	for i := 0; i < len(op.Key); i++ {
		h = (h ^ uint64(op.Key[i])) * 1099511628211
	}
	p := &s.parts[h%uint64(len(s.parts))]
	p.buf = appendSpilled(p.buf, op)
	p.ops++
	s.ops++
	if len(p.buf) >= spillBlockSize {
		s.flush(p)
	}
}

func (s *Spill) flush(p *spillPart) {
	if len(p.buf) == 0 || s.err != nil {
		p.buf = p.buf[:0]
		return
	}
	if _, err := s.f.WriteAt(p.buf, s.size); err != nil {
		s.err = fmt.Errorf("spilling the history: %w", err)
	}
	p.blocks = append(p.blocks, spillBlock{s.size, int64(len(p.buf))})
	s.size += int64(len(p.buf))
	p.buf = p.buf[:0]
}

// Partitions calls fn with the operations of each partition in turn (every
// operation on a key is in the same partition, in the order added). The
// slice is valid until fn returns.
func (s *Spill) Partitions(fn func(ops []Op) error) error {
	if s.err != nil {
		return s.err
	}
	var raw []byte
	var ops []Op
	strs := map[string]string{}
	for i := range s.parts {
		p := &s.parts[i]
		raw = raw[:0]
		for _, b := range p.blocks {
			raw = append(raw, make([]byte, b.n)...)
			if _, err := s.f.ReadAt(raw[len(raw)-int(b.n):], b.off); err != nil {
				return fmt.Errorf("reading the spilled history back: %w", err)
			}
		}
		raw = append(raw, p.buf...)
		ops = ops[:0]
		// rest walks raw, which keeps its room for the next partition.
		for rest := raw; len(rest) > 0; {
			var op Op
			n, err := decodeSpilled(rest, &op, strs)
			if err != nil {
				return fmt.Errorf("reading the spilled history back: %w", err)
			}
			rest = rest[n:]
			ops = append(ops, op)
		}
		if len(ops) != p.ops {
			return fmt.Errorf("reading the spilled history back: partition %d holds %d operations, %d were written", i, len(ops), p.ops)
		}
		if err := fn(ops); err != nil {
			return err
		}
		clear(ops)
		clear(strs)
	}
	return nil
}

// An operation in a spill: its strings with their lengths, the value's
// length, fingerprint and head, then the numbers as varints and one byte
// of flags.
func appendSpilled(b []byte, op *Op) []byte {
	for _, s := range [...]string{op.Client, op.Node, op.Op, op.Key, string(op.Outcome), op.Reply} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	b = binary.AppendUvarint(b, uint64(op.Value.n))
	b = binary.LittleEndian.AppendUint64(b, op.Value.hash)
	b = append(b, op.Value.head[:min(int(op.Value.n), valueHeadMax)]...)
	for _, v := range [...]int64{op.Call, op.Return, int64(op.Waited), op.LagBytes, op.TTLMs, int64(op.DB), int64(op.Block)} {
		b = binary.AppendVarint(b, v)
	}
	var flags byte
	if op.Null {
		flags |= 1
	}
	if op.Replica {
		flags |= 2
	}
	return append(b, flags)
}

var errSpillShort = errors.New("an operation cut short")

// decodeSpilled reads one operation; strs interns its strings (a partition
// repeats its keys, clients and replies many times).
func decodeSpilled(b []byte, op *Op, strs map[string]string) (int, error) {
	i := 0
	str := func() (string, error) {
		n, k := binary.Uvarint(b[i:])
		if k <= 0 || uint64(len(b)-i-k) < n {
			return "", errSpillShort
		}
		raw := b[i+k : i+k+int(n)]
		i += k + int(n)
		s, ok := strs[string(raw)]
		if !ok {
			s = string(raw)
			strs[s] = s
		}
		return s, nil
	}
	var outcome string
	for _, dst := range [...]*string{&op.Client, &op.Node, &op.Op, &op.Key, &outcome, &op.Reply} {
		s, err := str()
		if err != nil {
			return 0, err
		}
		*dst = s
	}
	op.Outcome = Outcome(outcome)
	n, k := binary.Uvarint(b[i:])
	if k <= 0 || n > valueLenMax || len(b)-i-k < 8 {
		return 0, errSpillShort
	}
	i += k
	op.Value.n = uint32(n)
	op.Value.hash = binary.LittleEndian.Uint64(b[i:])
	i += 8
	head := min(int(n), valueHeadMax)
	if len(b)-i < head {
		return 0, errSpillShort
	}
	copy(op.Value.head[:], b[i:i+head])
	i += head
	var nums [7]int64
	for j := range nums {
		v, k := binary.Varint(b[i:])
		if k <= 0 {
			return 0, errSpillShort
		}
		nums[j] = v
		i += k
	}
	op.Call, op.Return, op.Waited, op.LagBytes = nums[0], nums[1], int(nums[2]), nums[3]
	op.TTLMs, op.DB, op.Block = nums[4], int(nums[5]), int(nums[6])
	if i >= len(b) {
		return 0, errSpillShort
	}
	op.Null, op.Replica = b[i]&1 != 0, b[i]&2 != 0
	return i + 1, nil
}
