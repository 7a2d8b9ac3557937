package checker

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// The fingerprint of a concatenation is the composition of the parts'
// fingerprints, whatever their lengths; the head and the length follow.
func TestValueConcatComposes(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := rapid.String().Draw(t, "a")
		b := rapid.String().Draw(t, "b")
		if got, want := ValueOf(a).Concat(ValueOf(b)), ValueOf(a+b); got != want {
			t.Fatalf("Concat(%q, %q) = %+v, want %+v", a, b, got, want)
		}
	})
}

// Different values of a length are told apart, and a short value is kept
// whole.
func TestValueDistinguishes(t *testing.T) {
	seen := map[Value]string{}
	for i := range 100000 {
		s := fmt.Sprintf("%040d", i)
		if prev, ok := seen[ValueOf(s)]; ok {
			t.Fatalf("%q and %q have the same Value", prev, s)
		}
		seen[ValueOf(s)] = s
	}
	if v := ValueOf("-9223372036854775808"); !v.Exact() || v.Head() != "-9223372036854775808" {
		t.Fatalf("a 20-byte value is not kept whole: %+v", v)
	}
	if got, want := ValueOf(strings.Repeat("ab", 20)).String(), `"abababababab"…`; got != want {
		t.Fatalf("String() = %s, want %s", got, want)
	}
}

// A history written out reads back the same: short values as strings,
// long ones in the compact form; a history with long values as plain
// strings reads to the same operations.
func TestHistoryRoundTrip(t *testing.T) {
	long := strings.Repeat("9f2c", 256)
	h := []Op{
		set("c1", "k", long, 1, 2),
		set("c1", "j", "short", 1, 2),
		get("c2", "k", long, 3, 4),
		get("c2", "j", "short", 3, 4),
		getNil("c2", "z", 3, 4),
		appendOp("c1", "k", "tail", 5, 6, "1028"),
		incr("c1", "n", 5, 6, "7"),
		failed(set("c3", "k", long+"x", 7, 8)),
		unknown(get("c3", "k", "", 9, 0)),
	}
	h[2].Replica, h[2].LagBytes = true, 12
	var b bytes.Buffer
	for i := range h {
		line, err := json.Marshal(&h[i])
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(map[bool]string{true: "[", false: ","}[i == 0] + "\n" + string(line))
	}
	b.WriteString("\n]\n")
	if strings.Contains(b.String(), long) || !strings.Contains(b.String(), `"len":1024`) {
		t.Fatalf("long values not in the compact form:\n%s", b.String())
	}
	got, err := ReadHistory("h.json", &b)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, h) {
		t.Fatalf("read back\n%+v\nwant\n%+v", got, h)
	}
	plain := `[{"client": "c1", "op": "set", "key": "k", "value": ` + strconv.Quote(long) +
		`, "call": 1, "return": 2, "outcome": "ok", "reply": "OK", "waited": -1},
	{"client": "c2", "op": "get", "key": "k", "call": 3, "return": 4, "outcome": "ok", "reply": ` + strconv.Quote(long) + `, "waited": -1}]`
	got, err = ReadHistory("plain.json", strings.NewReader(plain))
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Value != ValueOf(long) || got[1].Value != ValueOf(long) {
		t.Fatalf("plain strings not fingerprinted: %+v", got)
	}
	for _, bad := range []string{
		`{"len": 5, "fingerprint": "0000000000000001", "head": "abcde"}`,
		`{"len": 30, "fingerprint": "xyz", "head": "abcdefghijabcdefghij"}`,
		`{"len": 30, "fingerprint": "0000000000000001", "head": "abc"}`,
		`{"len": 30, "fingerprint": "0000000000000001", "head": "abcdefghijabcdefghij", "x": 1}`,
	} {
		in := `[{"client": "c1", "op": "set", "key": "k", "value": ` + bad + `, "outcome": "ok"}]`
		if _, err := ReadHistory("bad.json", strings.NewReader(in)); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

// The checker, which sees values by their fingerprints, gives the verdict a
// brute-force search over the plain strings gives, on random small
// histories of one key, short values and long ones (and appends that make
// them long), legal or not.
func TestFingerprintVerdictMatchesValues(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h, strs := smallHistory(t)
		want := linearizableByHand(h, strs)
		got := CheckLinearizable(h, Options{WindowOps: -1})
		if (got.Result == ResultOK) != want || got.Result == ResultInconclusive {
			t.Fatalf("checker says %s, by hand linearizable = %v", got.Result, want)
		}
	})
}

// smallHistory draws up to 7 overlapping operations on one key, replies
// mostly those of a sequential run, some of them wrong. strs[i] is the
// plain string of operation i's Value.
func smallHistory(t *rapid.T) ([]Op, []string) {
	pad := rapid.SampledFrom([]string{"", strings.Repeat("p", 24)}).Draw(t, "pad")
	padAppend := rapid.SampledFrom([]string{"", strings.Repeat("q", 19)}).Draw(t, "padAppend")
	n := rapid.IntRange(1, 7).Draw(t, "ops")
	var h []Op
	var strs []string
	store, exists := "", false
	for i := range n {
		point := int64(10 * (i + 1))
		op := Op{Client: fmt.Sprintf("c%d", i), Node: "m1", Key: "k", Outcome: OK, Waited: -1,
			Op:     rapid.SampledFrom([]string{"set", "get", "get", "incr", "append", "del"}).Draw(t, "op"),
			Call:   point - int64(rapid.IntRange(0, 25).Draw(t, "before")),
			Return: point + int64(rapid.IntRange(0, 25).Draw(t, "after"))}
		wrong := rapid.IntRange(0, 5).Draw(t, "wrong") == 0
		var s string
		switch op.Op {
		case "set":
			s = pad + rapid.SampledFrom([]string{"1", "x", "9"}).Draw(t, "value")
			op.Reply, store, exists = "OK", s, true
		case "get":
			s, op.Null = store, !exists
			if wrong {
				s = pad + rapid.SampledFrom([]string{"1", "x", "2"}).Draw(t, "read")
				op.Null = false
			}
		case "incr":
			v, err := parseRedisIntString(store)
			if exists && err != nil {
				op.Outcome, op.Reply = Fail, "ERR value is not an integer or out of range"
				break
			}
			if !exists {
				v = 0
			}
			store, exists = strconv.FormatInt(v+1, 10), true
			op.Reply = store
		case "append":
			s = padAppend + rapid.SampledFrom([]string{"a", "bc"}).Draw(t, "value")
			store, exists = store+s, true
			op.Reply = strconv.Itoa(len(store))
		case "del":
			op.Reply = map[bool]string{true: "1", false: "0"}[exists]
			store, exists = "", false
		}
		if wrong && op.Op != "get" && op.Outcome == OK && op.Op != "set" {
			op.Reply += "1"
		}
		if rapid.IntRange(0, 6).Draw(t, "unknown") == 0 && op.Outcome == OK {
			op.Outcome, op.Reply, op.Null = Unknown, "", false
			if op.Op == "get" {
				s = ""
			}
		}
		op.Value = ValueOf(s)
		h, strs = append(h, op), append(strs, s)
	}
	return h, strs
}

// linearizableByHand searches every order of the operations that respects
// real time, applying them to a plain string. Failed operations are left
// out, reads with an unknown outcome observed nothing, writes with an
// unknown outcome may take effect at any time after their call (or never:
// last).
func linearizableByHand(h []Op, strs []string) bool {
	var idx []int
	for i, op := range h {
		if op.Outcome == Fail || (op.Outcome == Unknown && op.Op == "get") {
			continue
		}
		idx = append(idx, i)
	}
	ret := func(i int) int64 {
		if h[i].Outcome != OK {
			return 1 << 62
		}
		return h[i].Return
	}
	done := make([]bool, len(h))
	var search func(left int, val string, exists bool) bool
	search = func(left int, val string, exists bool) bool {
		if left == 0 {
			return true
		}
		for _, i := range idx {
			if done[i] {
				continue
			}
			first := true
			for _, j := range idx {
				if !done[j] && j != i && ret(j) < h[i].Call {
					first = false
				}
			}
			if !first {
				continue
			}
			ok, v, e := stepByHand(&h[i], strs[i], val, exists)
			if !ok {
				continue
			}
			done[i] = true
			found := search(left-1, v, e)
			done[i] = false
			if found {
				return true
			}
		}
		return false
	}
	return search(len(idx), "", false)
}

func stepByHand(op *Op, s, val string, exists bool) (bool, string, bool) {
	known := op.Outcome == OK
	n, _ := strconv.ParseInt(op.Reply, 10, 64)
	switch op.Op {
	case "set":
		return true, s, true
	case "get":
		if op.Null {
			return !exists, val, exists
		}
		return exists && val == s, val, exists
	case "incr":
		v := int64(0)
		if exists {
			var err error
			if v, err = parseRedisIntString(val); err != nil || v == 1<<63-1 {
				return !known, val, exists
			}
		}
		return !known || n == v+1, strconv.FormatInt(v+1, 10), true
	case "append":
		return !known || n == int64(len(val)+len(s)), val + s, true
	case "del":
		want := map[bool]int64{true: 1, false: 0}[exists]
		return !known || n == want, "", false
	}
	return false, val, exists
}

// The fingerprint taken eight bytes at a time is the byte-at-a-time one.
func TestFingerprintIsHorner(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := rapid.String().Draw(t, "s")
		var h uint64
		for i := 0; i < len(s); i++ {
			h = addMod(mulMod(h, fingerprintBase), uint64(s[i]))
		}
		if got := fingerprint(s); got != h {
			t.Fatalf("%q: %x, byte by byte %x", s, got, h)
		}
	})
}

func BenchmarkValueOf1KB(b *testing.B) {
	s := strings.Repeat("0123456789abcdef", 64)
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		_ = ValueOf(s)
	}
}
