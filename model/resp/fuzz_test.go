package resp

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// FuzzReadReply checks the reply reader on fuzzed input: it fails only
// with its own errors; without an error the bytes of the replies read and
// the bytes pending add up to the input; the input read whole, cut once at
// a point taken from the input, or fed byte by byte gives the same
// replies; and every reply it reads, written back with AppendValue, reads
// back to itself in exactly the bytes written.
func FuzzReadReply(f *testing.F) {
	for _, seed := range []string{
		"+OK\r\n-ERR unknown command\r\n:42\r\n:-1\r\n",
		"$3\r\nfoo\r\n$0\r\n\r\n$-1\r\n*-1\r\n*0\r\n",
		"*2\r\n*1\r\n:1\r\n$1\r\na\r\n",
		"+FULLRESYNC 8de1787ba490483314a4d30f1c628bc5025eb761 0\r\n",
		"+CONTINUE\r\n*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n",
		"$2\r\nabX\r\n",
		":9223372036854775808\r\n",
		"*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n",
		"%1\r\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		want := readWhole(t, in, (*Reader).ReadReply, isReplyError, func(_ *Reader, v Value, n int) string {
			checkReplyRoundTrip(t, v)
			return fmt.Sprintf("%s n=%d", v, n)
		})
		cut := 0
		if len(in) > 0 {
			cut = int(in[0]) % (len(in) + 1)
		}
		for _, sizes := range [][]int{{cut}, slices.Repeat([]int{1}, len(in))} {
			if got := readSegmented(Limits{}, in, sizes, drainReplies); !slices.Equal(got, want) {
				t.Fatalf("input %q, segments %v\nsegmented %q\n    whole %q", in, sizes, got, want)
			}
		}
	})
}

// checkReplyRoundTrip writes v with AppendValue and reads it back. A
// simple string or error may hold a lone CR, which AppendSimple and
// AppendError write as a space; it reads back so.
func checkReplyRoundTrip(t *testing.T, v Value) {
	t.Helper()
	wire := AppendValue(nil, v)
	v = oneLine(v)
	r := NewReader(Limits{})
	r.Feed(wire)
	got, n, ok, err := r.ReadReply()
	if !ok || err != nil || n != len(wire) || len(r.Buffered()) != 0 {
		t.Fatalf("%s written as %q: n=%d ok=%v err=%v", v, wire, n, ok, err)
	}
	if !valueEqual(got, v) {
		t.Fatalf("%s written as %q read back as %s", v, wire, got)
	}
	if again := AppendValue(nil, got); !bytes.Equal(again, wire) {
		t.Fatalf("%s written twice: %q then %q", v, wire, again)
	}
}

// checkCommandRoundTrip writes argv with AppendCommand and reads it back,
// in exactly CommandLen bytes.
func checkCommandRoundTrip(t *testing.T, argv [][]byte) {
	t.Helper()
	if len(argv) == 0 {
		return
	}
	wire := AppendCommand(nil, argv...)
	if len(wire) != CommandLen(argv...) {
		t.Fatalf("CommandLen %d, AppendCommand wrote %d", CommandLen(argv...), len(wire))
	}
	r := NewReader(Limits{})
	r.Feed(wire)
	got, n, ok, err := r.ReadCommand()
	if !ok || err != nil || n != len(wire) || !slices.EqualFunc(got, argv, bytes.Equal) {
		t.Fatalf("%q written as %q read back as %q: n=%d ok=%v err=%v", argv, wire, got, n, ok, err)
	}
}

// oneLine is v with CR and LF in its simple strings and errors written as
// spaces, as AppendValue writes them.
func oneLine(v Value) Value {
	if v.Kind == KindSimple || v.Kind == KindError {
		v.Str = strings.NewReplacer("\r", " ", "\n", " ").Replace(v.Str)
	}
	if v.Array != nil {
		v.Array = slices.Clone(v.Array)
		for i := range v.Array {
			v.Array[i] = oneLine(v.Array[i])
		}
	}
	return v
}
