package checker

import (
	"encoding/json"
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"
)

// value.go is how the history keeps a string value: by its length and a
// fingerprint, not its bytes, so that a long run's history does not grow
// with the values its clients write. The fingerprint composes under
// concatenation, so APPEND's effect is known from the fingerprints of the
// old value and of the argument.
//
// The fingerprint is a polynomial hash modulo the Mersenne prime 2^61-1:
//
//	H(b) = b[0]·B^(n-1) + b[1]·B^(n-2) + ... + b[n-1]   (mod 2^61-1)
//
// with B = fingerprintBase, so that H(a||b) = H(a)·B^len(b) + H(b). Two
// different values of the same length collide with probability at most
// length/2^61. The base is part of the history file format: a file written
// with one base cannot be read with another.

// Value is a string value as the history records it: its length, its
// fingerprint, and its first valueHeadMax bytes (all of it when it is no
// longer, which covers every integer INCR can see). Values compare with ==:
// two Values are equal when the bytes they stand for are (up to a
// fingerprint collision). The zero Value is the empty string.
type Value struct {
	hash uint64
	n    uint32
	head [valueHeadMax]byte
}

// valueHeadMax is how many leading bytes a Value keeps: 20 is the longest
// integer Redis accepts ("-9223372036854775808").
const valueHeadMax = 20

// valueLenMax is the longest value a Value stands for (Redis allows 512
// MB).
const valueLenMax = math.MaxUint32

const (
	mersenne61      = 1<<61 - 1
	fingerprintBase = 0x1f3d5b79a2c4e687 % mersenne61
)

// ValueOf returns the Value of s, a string or the bytes of one (no copy
// is made of either).
func ValueOf[S ~string | ~[]byte](s S) Value {
	if len(s) > valueLenMax {
		panic("checker: invariant value-len-max broken: a value longer than 4 GB")
	}
	v := Value{n: uint32(len(s)), hash: fingerprint(s)}
	copy(v.head[:], s)
	return v
}

// fingerprint is the hash above, eight bytes a step: with T_k[c] = c·B^k,
// eight bytes add up to T_7[b0] + ... + T_0[b7] (each below 2^61 - 1, so
// the sum does not overflow) and the hash so far moves up by B^8. It is
// the byte-at-a-time Horner form, reordered: the same number.
func fingerprint[S ~string | ~[]byte](s S) uint64 {
	t := &byteTerms
	var h uint64
	i := 0
	for ; i+8 <= len(s); i += 8 {
		sum := t[7][s[i]] + t[6][s[i+1]] + t[5][s[i+2]] + t[4][s[i+3]] +
			t[3][s[i+4]] + t[2][s[i+5]] + t[1][s[i+6]] + t[0][s[i+7]]
		h = addMod(mulMod(h, base8), reduce(sum))
	}
	for ; i < len(s); i++ {
		h = addMod(mulMod(h, fingerprintBase), uint64(s[i]))
	}
	return h
}

// byteTerms[k][c] is c·B^k mod 2^61-1; base8 is B^8.
var (
	byteTerms = func() (t [8][256]uint64) {
		pk := uint64(1)
		for k := range t {
			for c := range t[k] {
				t[k][c] = mulMod(uint64(c), pk)
			}
			pk = mulMod(pk, fingerprintBase)
		}
		return t
	}()
	base8 = powMod(fingerprintBase, 8)
)

// reduce returns x mod 2^61-1 for any x.
func reduce(x uint64) uint64 {
	r := x&mersenne61 + x>>61
	if r >= mersenne61 {
		r -= mersenne61
	}
	return r
}

// Len is the value's length in bytes.
func (v Value) Len() int { return int(v.n) }

// Fingerprint is the value's hash (see above).
func (v Value) Fingerprint() uint64 { return v.hash }

// Exact reports whether the Value keeps the whole value (it is at most
// valueHeadMax bytes long).
func (v Value) Exact() bool { return v.n <= valueHeadMax }

// Head is the value's first bytes: the whole value when Exact.
func (v Value) Head() string { return string(v.head[:min(int(v.n), valueHeadMax)]) }

// Concat returns the Value of v followed by w.
func (v Value) Concat(w Value) Value {
	n := uint64(v.n) + uint64(w.n)
	if n > valueLenMax {
		panic("checker: invariant value-len-max broken: a value longer than 4 GB")
	}
	out := Value{n: uint32(n), head: v.head}
	if v.n < valueHeadMax {
		copy(out.head[v.n:], w.head[:])
	}
	out.hash = addMod(mulMod(v.hash, powMod(fingerprintBase, uint64(w.n))), w.hash)
	return out
}

// String renders the value for people: quoted, and cut after 12 bytes with
// "…" when longer (values are random hex, so a prefix tells them apart).
func (v Value) String() string {
	const max = 12
	if v.n <= max {
		return strconv.Quote(v.Head())
	}
	return strconv.Quote(string(v.head[:max])) + "…"
}

func mulMod(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	// a, b < 2^61, so the product is below 2^122: split it at bit 61.
	r := (hi<<3 | lo>>61) + lo&mersenne61
	if r >= mersenne61 {
		r -= mersenne61
	}
	return r
}

func addMod(a, b uint64) uint64 {
	r := a + b
	if r >= mersenne61 {
		r -= mersenne61
	}
	return r
}

func powMod(b, e uint64) uint64 {
	r := uint64(1)
	for ; e > 0; e >>= 1 {
		if e&1 == 1 {
			r = mulMod(r, b)
		}
		b = mulMod(b, b)
	}
	return r
}

// valueJSON is the compact form of a Value longer than valueHeadMax in a
// history file; shorter ones are written as plain strings.
type valueJSON struct {
	Len         int64  `json:"len"`
	Fingerprint string `json:"fingerprint"`
	Head        string `json:"head"`
}

// MarshalJSON writes the value as a JSON string when it is exact, else in
// its compact form {"len": N, "fingerprint": "16 hex digits", "head":
// "its first 20 bytes"}.
func (v Value) MarshalJSON() ([]byte, error) {
	if v.Exact() {
		return json.Marshal(v.Head())
	}
	return json.Marshal(valueJSON{Len: int64(v.n), Fingerprint: fmt.Sprintf("%016x", v.hash), Head: v.Head()})
}

// UnmarshalJSON reads either form: a plain string, whatever its length, is
// fingerprinted.
func (v *Value) UnmarshalJSON(b []byte) error {
	if s := strings.TrimSpace(string(b)); strings.HasPrefix(s, `"`) {
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return err
		}
		*v = ValueOf(str)
		return nil
	}
	var c valueJSON
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return fmt.Errorf("a value is a string or {\"len\", \"fingerprint\", \"head\"}: %w", err)
	}
	h, err := strconv.ParseUint(c.Fingerprint, 16, 64)
	switch {
	case c.Len <= valueHeadMax || c.Len > valueLenMax:
		return fmt.Errorf("value of length %d: the compact form is for lengths %d to %d; write a shorter value as a string", c.Len, valueHeadMax+1, int64(valueLenMax))
	case err != nil || len(c.Fingerprint) != 16 || h >= mersenne61:
		return fmt.Errorf("value fingerprint %q: want 16 hex digits below 2^61-1", c.Fingerprint)
	case len(c.Head) != valueHeadMax:
		return fmt.Errorf("value head %q: want the value's first %d bytes", c.Head, valueHeadMax)
	}
	*v = Value{hash: h, n: uint32(c.Len)}
	copy(v.head[:], c.Head)
	return nil
}
