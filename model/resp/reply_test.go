package resp

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// drainReplies reads every reply r can return now, rendered with
// Value.String. It ends with the error, if any, or with the count of bytes
// still waiting for more.
func drainReplies(r *Reader) []string {
	var out []string
	for {
		v, n, ok, err := r.ReadReply()
		switch {
		case err != nil:
			return append(out, "error: "+err.Error())
		case !ok:
			if p := len(r.Buffered()); p > 0 {
				out = append(out, fmt.Sprintf("pending %d", p))
			}
			return out
		}
		out = append(out, fmt.Sprintf("%s n=%d", v, n))
	}
}

// isReplyError reports whether err is one of the errors ReadReply gives.
func isReplyError(err error) bool {
	switch err {
	case errReplyLineTooBig, errReplyInt, errReplyBulkEnd, errReplyDepth, errBulkLen, errMultibulkLen:
		return true
	}
	const typ = "Protocol error: invalid reply type '"
	msg := err.Error()
	return strings.HasPrefix(msg, typ) && len(msg) == len(typ)+2 && msg[len(msg)-1] == '\''
}

// TestReadReply checks reply parsing and rendering, case by case.
func TestReadReply(t *testing.T) {
	nest := func(depth int) string { return strings.Repeat("*1\r\n", depth) + ":1\r\n" }
	tests := []struct {
		name string
		lim  Limits
		in   string
		want []string
	}{
		{name: "simple string", in: "+OK\r\n", want: []string{"OK n=5"}},
		{name: "empty simple string", in: "+\r\n", want: []string{" n=3"}},
		{name: "error", in: "-ERR unknown command 'foo'\r\n", want: []string{"(error) ERR unknown command 'foo' n=28"}},
		{name: "integer", in: ":3\r\n:-12\r\n:0\r\n", want: []string{"(integer) 3 n=4", "(integer) -12 n=6", "(integer) 0 n=4"}},
		{name: "int64 bounds", in: ":9223372036854775807\r\n:-9223372036854775808\r\n",
			want: []string{"(integer) 9223372036854775807 n=22", "(integer) -9223372036854775808 n=23"}},
		{name: "bulk string", in: "$3\r\nfoo\r\n", want: []string{`"foo" n=9`}},
		{name: "binary bulk string", in: "$6\r\n\r\n\x00\xff\"\\\r\n", want: []string{`"\r\n\x00\xff\"\\" n=12`}},
		{name: "empty bulk string", in: "$0\r\n\r\n", want: []string{`"" n=6`}},
		{name: "null bulk", in: "$-1\r\n", want: []string{"(nil) n=5"}},
		{name: "null array", in: "*-1\r\n", want: []string{"(nil array) n=5"}},
		{name: "empty array", in: "*0\r\n", want: []string{"[] n=4"}},
		{name: "array", in: "*2\r\n$1\r\na\r\n$1\r\nb\r\n", want: []string{`["a" "b"] n=18`}},
		{name: "nested array, as EXEC returns", in: "*3\r\n+OK\r\n*2\r\n:1\r\n$-1\r\n*0\r\n",
			want: []string{`[OK [(integer) 1 (nil)] []] n=26`}},
		{name: "lone CR and LF inside a line", in: "+a\rb\nc\r\n", want: []string{`a\x0db\x0ac n=8`}},
		{name: "partial array", in: "*2\r\n$1\r\na\r\n$1\r\n", want: []string{"pending 15"}},
		{name: "arrays 32 deep", in: nest(32), want: []string{strings.Repeat("[", 32) + "(integer) 1" + strings.Repeat("]", 32) + " n=132"}},
		{name: "arrays 33 deep", in: nest(33), want: []string{"error: Protocol error: reply arrays nested too deep"}},
		{name: "unknown type byte", in: "?x\r\n", want: []string{"error: Protocol error: invalid reply type '?'"}},
		{name: "RESP3 type byte", in: "_\r\n", want: []string{"error: Protocol error: invalid reply type '_'"}},
		{name: "empty line", in: "\r\n", want: []string{"error: Protocol error: invalid reply type ' '"}},
		{name: "integer with a plus", in: ":+1\r\n", want: []string{"error: Protocol error: invalid integer reply"}},
		{name: "empty integer", in: ":\r\n", want: []string{"error: Protocol error: invalid integer reply"}},
		{name: "bulk not followed by CRLF", in: "$3\r\nfooXY", want: []string{"error: Protocol error: bulk reply not followed by CRLF"}},
		{name: "bulk length -2", in: "$-2\r\n", want: []string{"error: Protocol error: invalid bulk length"}},
		{name: "bulk past proto-max-bulk-len", lim: Limits{BulkBytesMax: 2}, in: "$3\r\n", want: []string{"error: Protocol error: invalid bulk length"}},
		{name: "array length -2", in: "*-2\r\n", want: []string{"error: Protocol error: invalid multibulk length"}},
		{name: "array past the cap", lim: Limits{MultibulkCountMax: 1}, in: "*2\r\n", want: []string{"error: Protocol error: invalid multibulk length"}},
		{name: "a line of 64 KiB", in: "+" + strings.Repeat("x", 64*1024-1) + "\r\n",
			want: []string{strings.Repeat("x", 64*1024-1) + " n=65538"}},
		{name: "a line of 64 KiB + 1", in: "+" + strings.Repeat("x", 64*1024) + "\r\n",
			want: []string{"error: Protocol error: too big reply line"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(tt.lim)
			r.Feed([]byte(tt.in))
			if got := drainReplies(r); !slices.Equal(got, tt.want) {
				t.Errorf("ReadReply(%.80q)\n got %.200q\nwant %.200q", tt.in, got, tt.want)
			}
			sizes := slices.Repeat([]int{1}, len(tt.in))
			if got := readSegmented(tt.lim, []byte(tt.in), sizes, drainReplies); !slices.Equal(got, tt.want) {
				t.Errorf("byte by byte:\n got %.200q\nwant %.200q", got, tt.want)
			}
		})
	}
}

// TestValueString checks the rendering of values built by hand, including
// those no parser returns.
func TestValueString(t *testing.T) {
	tests := []struct {
		v    Value
		want string
	}{
		{Value{Kind: KindSimple, Str: "OK"}, `OK`},
		{Value{Kind: KindBulk, Str: "OK"}, `"OK"`},
		{Value{Kind: KindError, Str: "READONLY You can't write against a read only replica."},
			`(error) READONLY You can't write against a read only replica.`},
		{Value{Kind: KindInt, Int: -3}, `(integer) -3`},
		{Value{Kind: KindBulk, Null: true}, `(nil)`},
		{Value{Kind: KindArray, Null: true}, `(nil array)`},
		{Value{Kind: KindArray}, `[]`},
		{Value{Kind: KindBulk, Str: "\a\b\t\n\r\x00\x1f\x7f\x80\xff é"}, `"\a\b\t\n\r\x00\x1f\x7f\x80\xff \xc3\xa9"`},
		{Value{}, `(invalid)`},
	}
	for _, tt := range tests {
		if got := tt.v.String(); got != tt.want {
			t.Errorf("%#v.String() = %s, want %s", tt.v, got, tt.want)
		}
	}
}

// valueEqual compares two replies, an empty array's nil and non-nil
// element slices alike.
func valueEqual(a, b Value) bool {
	if a.Kind != b.Kind || a.Str != b.Str || a.Int != b.Int || a.Null != b.Null || len(a.Array) != len(b.Array) {
		return false
	}
	for i := range a.Array {
		if !valueEqual(a.Array[i], b.Array[i]) {
			return false
		}
	}
	return true
}

// genValue draws a reply nesting arrays at most depth deep. Simple strings
// and errors hold no CR or LF, which AppendSimple and AppendError replace.
func genValue(depth int) *rapid.Generator[Value] {
	return rapid.Custom(func(t *rapid.T) Value {
		kinds := 6
		if depth == 0 {
			kinds = 5
		}
		line := rapid.StringMatching(`[ -~]{0,20}`)
		switch rapid.IntRange(0, kinds-1).Draw(t, "kind") {
		case 0:
			return Value{Kind: KindSimple, Str: line.Draw(t, "simple")}
		case 1:
			return Value{Kind: KindError, Str: line.Draw(t, "error")}
		case 2:
			return Value{Kind: KindInt, Int: rapid.Int64().Draw(t, "int")}
		case 3:
			return Value{Kind: KindBulk, Str: string(genArg.Draw(t, "bulk"))}
		case 4:
			return Value{Kind: rapid.SampledFrom([]Kind{KindBulk, KindArray}).Draw(t, "null"), Null: true}
		}
		return Value{Kind: KindArray, Array: rapid.SliceOfN(genValue(depth-1), 0, 4).Draw(t, "array")}
	})
}

// TestReplyRoundTrip checks that replies written with AppendValue parse
// back to themselves, in exactly the bytes written, however segmented.
func TestReplyRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		vs := rapid.SliceOfN(genValue(3), 1, 5).Draw(t, "values")
		var wire []byte
		var ns []int
		for _, v := range vs {
			before := len(wire)
			wire = AppendValue(wire, v)
			ns = append(ns, len(wire)-before)
		}
		sizes := rapid.SliceOf(rapid.IntRange(0, 16)).Draw(t, "sizes")
		r := NewReader(Limits{})
		var got []Value
		for len(wire) > 0 || len(sizes) > 0 {
			s := len(wire)
			if len(sizes) > 0 {
				s, sizes = min(sizes[0], len(wire)), sizes[1:]
			}
			r.Feed(wire[:s])
			wire = wire[s:]
			for {
				v, n, ok, err := r.ReadReply()
				if err != nil {
					t.Fatalf("ReadReply: %v", err)
				}
				if !ok {
					break
				}
				if i := len(got); i >= len(ns) || n != ns[i] {
					t.Fatalf("reply %d: n=%d, want %v", i, n, ns)
				}
				got = append(got, v)
			}
		}
		if !slices.EqualFunc(got, vs, valueEqual) || len(r.Buffered()) != 0 {
			t.Fatalf("got %v, want %v, %d bytes left", got, vs, len(r.Buffered()))
		}
	})
}

// TestReplyGarbageProperty checks that malformed replies never panic, fail
// only with ReadReply's errors, and do not depend on segmentation.
func TestReplyGarbageProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		in := rapid.OneOf(genGarbage, rapid.SliceOfN(rapid.Byte(), 0, 64)).Draw(t, "in")
		r := NewReader(Limits{})
		r.Feed(in)
		want := drainReplies(r)
		if _, _, _, err := r.ReadReply(); err != nil && !isReplyError(err) {
			t.Fatalf("input %q: unexpected error %q", in, err)
		}
		sizes := rapid.SliceOf(rapid.IntRange(0, 8)).Draw(t, "sizes")
		if got := readSegmented(Limits{}, in, sizes, drainReplies); !slices.Equal(got, want) {
			t.Fatalf("input %q\nsegmented %q\n    whole %q", in, got, want)
		}
	})
}
