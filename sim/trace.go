package sim

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"time"
)

// Trace records one line per delivered event: the virtual time, then a short
// stable description ("12.000500000 net deliver c3 m1:6379>r1:40001 144B").
// A running SHA-256 covers every line, so two runs can be compared by one
// hash; the lines can also be written out (trace.log) to see where two runs
// part ways.
//
// Descriptions must be deterministic: no pointers, no maps printed with %v,
// nothing from the real world.
type Trace struct {
	h     hash.Hash
	w     io.Writer
	err   error
	lines uint64
	buf   []byte
}

// NewTrace returns a trace that hashes every line and, when w is not nil,
// also writes it to w. Write errors are kept and reported by Err; they never
// stop the run.
func NewTrace(w io.Writer) *Trace {
	return &Trace{h: sha256.New(), w: w}
}

// Line starts a line at virtual time now and returns the scratch buffer
// holding its prefix. The caller appends the description and passes the
// buffer to End. Line and End do not allocate in steady state.
func (t *Trace) Line(now time.Duration) []byte {
	b := AppendTime(t.buf[:0], now)
	return append(b, ' ')
}

// End finishes a line started by Line.
func (t *Trace) End(b []byte) {
	b = append(b, '\n')
	t.h.Write(b)
	if t.w != nil && t.err == nil {
		_, t.err = t.w.Write(b)
	}
	t.lines++
	t.buf = b[:0]
}

// Printf adds one line with a formatted description. Meant for rare events
// (faults, phase changes); hot paths use Line and End.
func (t *Trace) Printf(now time.Duration, format string, args ...any) {
	b := t.Line(now)
	b = fmt.Appendf(b, format, args...)
	t.End(b)
}

// Lines returns the number of lines recorded.
func (t *Trace) Lines() uint64 { return t.lines }

// Sum returns the hex SHA-256 of all lines so far.
func (t *Trace) Sum() string {
	var sum [sha256.Size]byte
	return hex.EncodeToString(t.h.Sum(sum[:0]))
}

// Err returns the first error writing lines out, if any.
func (t *Trace) Err() error { return t.err }
