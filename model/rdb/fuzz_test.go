package rdb

import (
	"bytes"
	"cmp"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// FuzzDecode checks the decoder on fuzzed input, seeded with the real
// Redis files in testdata and snapshots of our own: every error is a
// *DecodeError of one of the four kinds at an offset inside the input,
// and a file that decodes keeps its keyspace and aux fields through encode
// and decode again, with and without compression.
func FuzzDecode(f *testing.F) {
	files, err := filepath.Glob("testdata/*.rdb")
	if err != nil || len(files) == 0 {
		f.Fatalf("no RDB files in testdata (%v): run from the package directory", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, opts := range []Options{{}, {NoChecksum: true}, {NoCompression: true}} {
		b, err := Append(nil, &Snapshot{
			Aux: Aux{CtimeSec: 1, UsedMemBytes: 2, ReplStreamDB: 0, ReplID: string(bytes.Repeat([]byte("a"), 40)), ReplOffset: 7},
			DBs: []DB{{Number: 0, Entries: []Entry{
				{Key: []byte("k"), Value: bytes.Repeat([]byte("abc"), 40)},
				{Key: []byte("12"), Value: []byte("-3"), ExpireAtMs: 1700000000000},
			}}, {Number: 9, Entries: []Entry{{Key: []byte{0, 255}, Value: nil}}}},
		}, opts)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := Decode(b)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			if de.Offset < 0 || de.Offset > len(b) {
				t.Fatalf("offset %d in %d bytes: %v", de.Offset, len(b), err)
			}
			if !slices.ContainsFunc([]error{ErrTruncated, ErrCorrupt, ErrChecksum, ErrUnsupported}, func(k error) bool { return errors.Is(err, k) }) {
				t.Fatalf("error of no known kind: %v", err)
			}
			return
		}
		want := keyspace(file.DBs)
		// The encoder writes the replication fields only with a replid, as
		// Redis does; a file with an offset or a db and no replid loses
		// them.
		wantAux := file.Aux
		if wantAux.ReplID == "" {
			wantAux.ReplStreamDB, wantAux.ReplOffset = -1, -1
		}
		for _, opts := range []Options{{}, {NoCompression: true}} {
			again, err := Append(nil, &file.Snapshot, opts)
			if err != nil {
				t.Fatalf("a decoded snapshot does not encode (%+v): %v", opts, err)
			}
			back, err := Decode(again)
			if err != nil {
				t.Fatalf("an encoded snapshot does not decode (%+v): %v", opts, err)
			}
			if got := keyspace(back.DBs); !slices.EqualFunc(got, want, dbEqual) {
				t.Fatalf("keyspace changed through encode and decode (%+v):\n got %v\nwant %v", opts, got, want)
			}
			if back.Aux != wantAux {
				t.Fatalf("aux changed through encode and decode (%+v): got %+v, want %+v", opts, back.Aux, wantAux)
			}
		}
	})
}

// keyspace is dbs without the empty ones, in ascending number, each with
// its entries sorted: what survives an encode.
func keyspace(dbs []DB) []DB {
	var out []DB
	for _, db := range dbs {
		if len(db.Entries) > 0 {
			db.Entries = slices.Clone(db.Entries)
			SortEntries(db.Entries)
			out = append(out, db)
		}
	}
	slices.SortFunc(out, func(a, b DB) int { return cmp.Compare(a.Number, b.Number) })
	return out
}

func dbEqual(a, b DB) bool {
	return a.Number == b.Number && slices.EqualFunc(a.Entries, b.Entries, func(x, y Entry) bool {
		return bytes.Equal(x.Key, y.Key) && bytes.Equal(x.Value, y.Value) && x.ExpireAtMs == y.ExpireAtMs
	})
}
