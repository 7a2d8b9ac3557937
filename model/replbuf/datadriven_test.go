package replbuf

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
)

// TestScenarios runs the walkthroughs in testdata/*.txt. Each command prints
// what it did and then the whole buffer, one block per line (runs of
// unremarkable full blocks folded into one line). Regenerate with -rewrite.
//
// Commands:
//
//	new [size=N] [capacity=C]   a buffer; capacity=C uses FixedCapacity(C), else jemalloc
//	create-backlog / free-backlog / set-offset m=N / rebase base=N / resize size=N
//	feed n=N                    one Feed of N bytes (letters a-z by offset)
//	select                      one Feed of the 23-byte SELECT 0
//	write n=K                   K 144-byte SETs via FeedCommand, each followed by trim 640
//	trim [max=N]                Trim(N), default 640
//	replica name=X              AddReplica
//	psync name=X p=N            the range test, and AddReplicaAt if it passes
//	copy name=X from=Y          CopyReplica
//	send name=X max=N           Send with a socket that takes N bytes
//	release name=X              Release
//	state                       only the dump
func TestScenarios(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		var b *Buffer
		readers := map[string]*Reader{}
		writes := 0
		datadriven.RunTest(t, path, func(t *testing.T, td *datadriven.TestData) string {
			arg := func(key string, def int64) int64 {
				if !td.HasArg(key) {
					return def
				}
				var s string
				td.ScanArgs(t, key, &s)
				return parseBytes(t, s)
			}
			name := func(key string) string {
				var s string
				td.ScanArgs(t, key, &s)
				return s
			}
			var out strings.Builder
			switch td.Cmd {
			case "new":
				opts := Options{BacklogSizeBytes: arg("size", 0)}
				if c := arg("capacity", 0); c > 0 {
					opts.Allocator = FixedCapacity(int(c))
				}
				b, readers, writes = New(opts), map[string]*Reader{}, 0
			case "create-backlog":
				b.CreateBacklog()
			case "free-backlog":
				b.FreeBacklog()
			case "set-offset":
				b.SetOffset(arg("m", 0))
			case "rebase":
				b.Rebase(arg("base", 0))
			case "resize":
				b.Resize(arg("size", 0))
			case "feed":
				n := int(arg("n", 0))
				p := make([]byte, n)
				for i := range p {
					p[i] = byte('a' + (b.Offset()+1+int64(i))%26)
				}
				fmt.Fprintf(&out, "blocks created: %d\n", b.Feed(p))
			case "select":
				fmt.Fprintf(&out, "blocks created: %d\n", b.Feed(selectCmd))
			case "write":
				created := 0
				for range arg("n", 1) {
					created += b.FeedCommand(setCmd, key16(writes), value100)
					b.Trim(TrimBlocksBeforeSleep)
					writes++
				}
				fmt.Fprintf(&out, "blocks created: %d\n", created)
			case "trim":
				fmt.Fprintf(&out, "freed: %d\n", b.Trim(int(arg("max", TrimBlocksBeforeSleep))))
			case "replica":
				readers[name("name")] = b.AddReplica()
			case "psync":
				p := arg("p", 0)
				ok := b.InRange(p)
				fmt.Fprintf(&out, "range test p=%d: %v\n", p, ok)
				if ok {
					r := b.AddReplicaAt(p)
					readers[name("name")] = r
					fmt.Fprintf(&out, "owed %d bytes\n", r.Unsent())
				}
			case "copy":
				readers[name("name")] = b.CopyReplica(readers[name("from")])
			case "send":
				r := readers[name("name")]
				from := r.NextOffset()
				got := r.Send(nil, int(arg("max", 0)))
				text := string(got)
				if len(text) > 30 {
					text = text[:12] + "..." + text[len(text)-12:]
				}
				fmt.Fprintf(&out, "sent %d bytes [%d,%d]: %q\n", len(got), from, from+int64(len(got))-1, text)
			case "release":
				readers[name("name")].Release()
				delete(readers, name("name"))
			case "state":
			default:
				t.Fatalf("unknown command %q", td.Cmd)
			}
			var live []*Reader
			for _, r := range readers {
				live = append(live, r)
			}
			if err := verify(b, live); err != nil {
				t.Fatal(err)
			}
			dump(&out, b, readers)
			return out.String()
		})
	})
}

// parseBytes reads a count with an optional Redis unit (1kb = 1024, 1mb).
func parseBytes(t *testing.T, s string) int64 {
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"kb", 1 << 10}, {"mb", 1 << 20}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSuffix(s, u.suffix), u.mult
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("bad number %q", s)
	}
	return n * mult
}

// dump renders the buffer: a header line, then blocks as
// "#id [first,last] used/capacity rc=N", with "indexed" for offset-index
// entries and the readers standing in the block, then one line per reader.
func dump(out *strings.Builder, b *Buffer, readers map[string]*Reader) {
	fmt.Fprintf(out, "%v\n", b)
	names := make([]string, 0, len(readers))
	for n := range readers {
		names = append(names, n)
	}
	sort.Strings(names)
	at := map[*block][]string{}
	for _, n := range names {
		if r := readers[n]; r.blk != nil {
			at[r.blk] = append(at[r.blk], fmt.Sprintf("%s@%d", n, r.pos))
		}
	}
	plain := func(i int) bool {
		k := b.blocks[i]
		return i > 0 && i < len(b.blocks)-1 && k.refcount == 0 && !k.indexed && len(at[k]) == 0 &&
			k.capacity == b.blocks[i-1].capacity
	}
	for i := 0; i < len(b.blocks); i++ {
		k := b.blocks[i]
		fmt.Fprintf(out, "  #%d [%d,%d] %d/%d rc=%d%s\n", k.id, k.start, k.end()-1, k.used, k.capacity, k.refcount, marks(k, at))
		j := i
		for j+1 < len(b.blocks) && plain(j+1) {
			j++
		}
		if j-i >= 2 {
			f, l := b.blocks[i+1], b.blocks[j]
			fmt.Fprintf(out, "  #%d..#%d [%d,%d] %d full blocks of %d, rc=0\n", f.id, l.id, f.start, l.end()-1, j-i, f.capacity)
			i = j
		}
	}
	for _, n := range names {
		r := readers[n]
		fmt.Fprintf(out, "  %s: %v usage=%d\n", n, r, r.MemUsage())
	}
}

func marks(k *block, at map[*block][]string) string {
	s := ""
	if k.indexed {
		s += " indexed"
	}
	if rs := at[k]; len(rs) > 0 {
		s += " " + strings.Join(rs, " ")
	}
	return s
}
