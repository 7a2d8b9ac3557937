package checker

import (
	"testing"

	"pgregory.net/rapid"
)

// A replica whose keyspace at an offset equals its master's there is
// counted as compared; one that differs is recorded with its fields.
func TestPrefixLogComparesAtTheSameOffset(t *testing.T) {
	var p PrefixLog
	p.Add("m1", 100, 0xaa, 3)
	p.Add("m1", 200, 0xbb, 4)
	p.Compare(1e9, "r1", "m1", 100, 0xaa, 3)
	if r := p.Report(); r.Compared != 1 || r.Unpaired != 0 || r.MismatchCount != 0 || r.Mismatches != nil {
		t.Fatalf("equal prefix: %+v", r)
	}
	p.Compare(2e9, "r1", "m1", 200, 0xcc, 5)
	r := p.Report()
	want := PrefixMismatch{At: 2e9, Replica: "r1", Master: "m1", Offset: 200, ReplicaKeys: 5, MasterKeys: 4}
	if r.Compared != 2 || r.MismatchCount != 1 || len(r.Mismatches) != 1 || r.Mismatches[0] != want {
		t.Fatalf("mismatch: %+v", r)
	}
	p.Compare(3e9, "r1", "m1", 150, 0xaa, 3) // never logged
	p.Compare(3e9, "r1", "m9", 100, 0xaa, 3) // an unknown master
	if r := p.Report(); r.Unpaired != 2 || r.Compared != 2 {
		t.Fatalf("unpaired: %+v", r)
	}
}

// Only the first few mismatches are described; all are counted.
func TestPrefixLogCountsEveryMismatch(t *testing.T) {
	var p PrefixLog
	for off := int64(1); off <= 2*prefixMismatchesMax; off++ {
		p.Add("m1", off, 1, 1)
		p.Compare(off, "r1", "m1", off, 2, 1)
	}
	r := p.Report()
	if r.MismatchCount != 2*prefixMismatchesMax || len(r.Mismatches) != prefixMismatchesMax || r.Mismatches[0].Offset != 1 {
		t.Fatalf("%d mismatches, %d described, first %+v", r.MismatchCount, len(r.Mismatches), r.Mismatches[0])
	}
}

// A replica further behind than the bounded log is counted as unpaired:
// once the log is full, its older half is dropped.
func TestPrefixLogIsBounded(t *testing.T) {
	var p PrefixLog
	for off := int64(1); off <= prefixEntriesMax+1; off++ {
		p.Add("m1", off, uint64(off), 1)
	}
	p.Compare(0, "r1", "m1", 1, 1, 1)
	p.Compare(0, "r1", "m1", prefixEntriesMax/2, prefixEntriesMax/2, 1)
	if r := p.Report(); r.Unpaired != 2 || r.Compared != 0 {
		t.Fatalf("dropped offsets: %+v", r)
	}
	p.Compare(0, "r1", "m1", prefixEntriesMax/2+1, prefixEntriesMax/2+1, 1)
	p.Compare(0, "r1", "m1", prefixEntriesMax+1, prefixEntriesMax+1, 1)
	if r := p.Report(); r.Unpaired != 2 || r.Compared != 2 || r.MismatchCount != 0 {
		t.Fatalf("kept offsets: %+v", r)
	}
}

// An offset going backwards starts the node's log again, and so does Reset:
// the old history is no longer compared against.
func TestPrefixLogStartsAgain(t *testing.T) {
	var p PrefixLog
	p.Add("m1", 100, 0xaa, 1)
	p.Add("m1", 200, 0xbb, 2)
	p.Add("m1", 150, 0xcc, 3)
	p.Compare(0, "r1", "m1", 100, 0xaa, 1)
	if r := p.Report(); r.Unpaired != 1 || r.Compared != 0 {
		t.Fatalf("offset backwards, the old history: %+v", r)
	}
	p.Compare(0, "r1", "m1", 150, 0xcc, 3)
	if r := p.Report(); r.Unpaired != 1 || r.Compared != 1 || r.MismatchCount != 0 {
		t.Fatalf("offset backwards, the new history: %+v", r)
	}
	p.Reset("m1")
	p.Compare(0, "r1", "m1", 150, 0xcc, 3)
	if r := p.Report(); r.Unpaired != 2 || r.Compared != 1 {
		t.Fatalf("reset: %+v", r)
	}
}

// A report at the offset last logged replaces the previous one: a master
// without replicas changes its data without moving its offset.
func TestPrefixLogReplacesAtTheSameOffset(t *testing.T) {
	var p PrefixLog
	p.Add("m1", 100, 0xaa, 1)
	p.Add("m1", 100, 0xbb, 2)
	p.Compare(0, "r1", "m1", 100, 0xbb, 2)
	p.Compare(0, "r1", "m1", 100, 0xaa, 1)
	r := p.Report()
	if r.Compared != 2 || r.MismatchCount != 1 || r.Mismatches[0].MasterKeys != 2 {
		t.Fatalf("%+v", r)
	}
}

func TestPrefixLogProtocolSync(t *testing.T) {
	var p PrefixLog
	p.ProtocolSync()
	if r := p.Report(); r.Note == "" || r.Compared != 0 {
		t.Fatalf("%+v", r)
	}
}

// The log answers like a plain map of the master's current history: offset
// to the last hash reported there, emptied whenever the history starts
// again. A comparison is a match when the map holds the replica's hash at
// its offset, a mismatch when it holds another, unpaired when it holds none.
// (The histories drawn stay far below the bound.) Comparisons often take
// the master's offsets in order, as a replica does, which is the path the
// replica's hint into the master's log serves.
func TestPrefixLogActsLikeAMap(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var p PrefixLog
		model := map[int64]uint64{}
		last, compared := int64(-1), int64(-1)
		var want PrefixReport
		steps := rapid.IntRange(1, 200).Draw(t, "steps")
		for range steps {
			off := rapid.Int64Range(0, 30).Draw(t, "offset")
			hash := rapid.Uint64Range(0, 3).Draw(t, "hash")
			switch rapid.IntRange(0, 3).Draw(t, "step") {
			case 0, 1:
				p.Add("m1", off, hash, 0)
				if off < last {
					clear(model)
				}
				model[off], last = hash, off
			case 2:
				if rapid.Bool().Draw(t, "in order") {
					// the next offset the master logged after the last compared
					next := int64(-1)
					for o := range model {
						if o > compared && (next < 0 || o < next) {
							next = o
						}
					}
					if next >= 0 {
						off = next
						if rapid.Bool().Draw(t, "same hash") {
							hash = model[off]
						}
					}
				}
				compared = off
				p.Compare(0, "r1", "m1", off, hash, 0)
				h, ok := model[off]
				switch {
				case !ok:
					want.Unpaired++
				case h != hash:
					want.Compared++
					want.MismatchCount++
				default:
					want.Compared++
				}
			case 3:
				if rapid.IntRange(0, 4).Draw(t, "reset") == 0 {
					p.Reset("m1")
					clear(model)
					last = -1
				}
			}
		}
		r := p.Report()
		if r.Compared != want.Compared || r.Unpaired != want.Unpaired || r.MismatchCount != want.MismatchCount {
			t.Fatalf("got %+v, want %+v", r, want)
		}
	})
}
