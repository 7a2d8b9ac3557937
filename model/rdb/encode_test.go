package rdb

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
)

// tinySnapshot is the keyspace of the golden test: one plain key whose
// value is integer-encoded, and one expiring key whose value "007" must
// stay a string because it does not print back the same as a number.
func tinySnapshot() *Snapshot {
	return &Snapshot{
		Aux: Aux{CtimeSec: 1700000000, UsedMemBytes: 1000000},
		DBs: []DB{{Number: 0, Entries: []Entry{
			{Key: []byte("a"), Value: []byte("1")},
			{Key: []byte("k"), Value: []byte("007"), ExpireAtMs: 1700000005000},
		}}},
	}
}

// The golden bytes were assembled by hand from the format, field by field,
// and the checksum computed by an independent bitwise CRC-64.
func TestEncodeGolden(t *testing.T) {
	want := strings.Join([]string{
		"524544495330303130",                       // REDIS0010
		"fa 09 72656469732d766572 06 372e302e3135", // redis-ver "7.0.15"
		"fa 0a 72656469732d62697473 c0 40",         // redis-bits 64 as INT8
		"fa 05 6374696d65 c2 00f15365",             // ctime 1700000000 as INT32
		"fa 08 757365642d6d656d c2 40420f00",       // used-mem 1000000 as INT32
		"fa 08 616f662d62617365 c0 00",             // aof-base 0
		"fe 00 fb 02 01",                           // SELECTDB 0, RESIZEDB 2 keys, 1 expire
		"00 01 61 c0 01",                           // string "a" = 1 (INT8)
		"fc 887be5cf8b010000 00 01 6b 03 303037",   // expire ms, string "k" = "007"
		"ff 3b193b87c411b897",                      // EOF, CRC-64 little-endian
	}, " ")
	got, err := Append(nil, tinySnapshot(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	wantBytes, _ := hex.DecodeString(strings.ReplaceAll(want, " ", ""))
	if !bytes.Equal(got, wantBytes) {
		t.Fatalf("got\n%x\nwant\n%x", got, wantBytes)
	}
}

// Each string form Redis chooses, at the edges where its choice changes.
func TestStringEncodings(t *testing.T) {
	long := func(n int) string { return strings.Repeat("z", n) }
	for _, tc := range []struct {
		in   string
		opts Options
		want string // hex
	}{
		{"", Options{}, "00"},
		{"0", Options{}, "c000"},
		{"-0", Options{}, "022d30"},
		{"+5", Options{}, "022b35"},
		{"007", Options{}, "03303037"},
		{"127", Options{}, "c07f"},
		{"-128", Options{}, "c080"},
		{"128", Options{}, "c18000"},
		{"-32768", Options{}, "c10080"},
		{"32768", Options{}, "c200800000"},
		{"2147483647", Options{}, "c2ffffff7f"},
		{"-2147483648", Options{}, "c200000080"},
		{"2147483648", Options{}, "0a32313437343833363438"},
		{"12345678901", Options{}, "0b3132333435363738393031"},
		{" 1", Options{}, "022031"},
		// 20 bytes is never compressed; 21 is, when it saves 4 bytes.
		{long(20), Options{}, "14" + strings.Repeat("7a", 20)},
		{long(21), Options{}, "c3 05 15 007a e00b00"},
		{long(21), Options{NoCompression: true}, "15" + strings.Repeat("7a", 21)},
		{"abcdefghijklmnopqrstuvwxyz", Options{}, "1a" + hex.EncodeToString([]byte("abcdefghijklmnopqrstuvwxyz"))},
		// 6-bit, 14-bit and 32-bit lengths.
		{long(63), Options{NoCompression: true}, "3f" + strings.Repeat("7a", 63)},
		{long(64), Options{NoCompression: true}, "4040" + strings.Repeat("7a", 64)},
		{long(16383), Options{NoCompression: true}, "7fff" + strings.Repeat("7a", 16383)},
		{long(16384), Options{NoCompression: true}, "8000004000" + strings.Repeat("7a", 16384)},
	} {
		e := NewEncoder(nil, tc.opts)
		e.appendString([]byte(tc.in))
		want := strings.ReplaceAll(tc.want, " ", "")
		if got := hex.EncodeToString(e.buf); got != want {
			t.Errorf("%.30q (%d bytes): got %.60s, want %.60s", tc.in, len(tc.in), got, want)
		}
	}
	if got := hex.EncodeToString(appendLen(nil, 1<<32)); got != "810000000100000000" {
		t.Errorf("64-bit length: got %s", got)
	}
}

// Encoding through a writer, in chunks, must give the same bytes as
// encoding to memory, and Reset must leave no trace of the previous file.
func TestEncoderWriterMatchesAppend(t *testing.T) {
	s := &Snapshot{Aux: Aux{CtimeSec: 1, ReplID: strings.Repeat("ab", 20), ReplOffset: 1 << 40, ReplStreamDB: 2}}
	var entries []Entry
	for i := range 3000 {
		v := bytes.Repeat([]byte{byte(i)}, i%300)
		entries = append(entries, Entry{Key: []byte(strings.Repeat("k", i%7) + string(rune('a'+i%26)) + hex.EncodeToString([]byte{byte(i >> 8), byte(i)})), Value: v})
	}
	s.DBs = []DB{{Number: 5, Entries: entries}, {Number: 1, Entries: entries[:10]}, {Number: 9}}
	want, err := Append([]byte("junk"), s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want = want[4:]
	var w bytes.Buffer
	e := NewEncoder(&w, Options{})
	for range 2 {
		w.Reset()
		e.Reset(&w)
		if err := e.Encode(s); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(w.Bytes(), want) || e.Size() != int64(len(want)) {
			t.Fatalf("writer output (%d bytes, Size %d) differs from Append (%d bytes)", w.Len(), e.Size(), len(want))
		}
	}
	mem := NewEncoder(nil, Options{})
	if err := mem.Encode(s); err != nil || !bytes.Equal(mem.Bytes(), want) {
		t.Fatalf("in-memory encoder differs: %v", err)
	}
	f, err := Decode(want)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.DBs) != 2 || f.DBs[0].Number != 1 || f.DBs[1].Number != 5 {
		t.Fatalf("databases not ascending or empty one kept: %+v", f.DBs)
	}
}

// Misuse is reported, and the first error sticks.
func TestEncoderMisuse(t *testing.T) {
	kv := Entry{Key: []byte("k"), Value: []byte("v")}
	for _, tc := range []struct {
		name string
		run  func(e *Encoder) error
		want string
	}{
		{"entry before db", func(e *Encoder) error { e.Begin(Aux{}); return e.WriteEntry(kv) }, "outside a database"},
		{"short repl-id", func(e *Encoder) error { return e.Begin(Aux{ReplID: "abc"}) }, "not 40"},
		{"descending dbs", func(e *Encoder) error {
			e.Begin(Aux{})
			e.SelectDB(3, 1, 0)
			e.WriteEntry(kv)
			return e.SelectDB(2, 1, 0)
		}, "must ascend"},
		{"too few entries", func(e *Encoder) error { e.Begin(Aux{}); e.SelectDB(0, 2, 0); e.WriteEntry(kv); return e.End() }, "announced 2"},
		{"too many entries", func(e *Encoder) error {
			e.Begin(Aux{})
			e.SelectDB(0, 1, 0)
			e.WriteEntry(kv)
			return e.WriteEntry(kv)
		}, "more than the 1"},
		{"expire count", func(e *Encoder) error { e.Begin(Aux{}); e.SelectDB(0, 1, 1); e.WriteEntry(kv); return e.End() }, "with expiry"},
		{"duplicate db", func(e *Encoder) error {
			return e.Encode(&Snapshot{DBs: []DB{{Number: 1, Entries: []Entry{kv}}, {Number: 1, Entries: []Entry{kv}}}})
		}, "must ascend"},
		{"negative db", func(e *Encoder) error {
			return e.Encode(&Snapshot{DBs: []DB{{Number: -1, Entries: []Entry{kv}}}})
		}, "negative"},
	} {
		e := NewEncoder(nil, Options{})
		err := tc.run(e)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want error containing %q", tc.name, err, tc.want)
			continue
		}
		if again := e.End(); again != err {
			t.Errorf("%s: error did not stick: %v", tc.name, again)
		}
	}
}

// Options.NoChecksum writes zeros, which readers take as "not checked".
func TestNoChecksum(t *testing.T) {
	b, err := Append(nil, tinySnapshot(), Options{NoChecksum: true})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b[len(b)-8:], make([]byte, 8)) {
		t.Fatalf("checksum not zero: %x", b[len(b)-8:])
	}
	b[len(b)-10] ^= 1 // inside "007": now "006", undetectable without a checksum
	if f, err := Decode(b); err != nil || string(f.DBs[0].Entries[1].Value) != "006" {
		t.Fatalf("decode without checksum: %v", err)
	}
}
