package resp

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// renderCommand is one ReadCommand result as a line: the form, the
// arguments quoted as Redis quotes them, and the bytes consumed.
func renderCommand(form Form, argv [][]byte, n int) string {
	var b []byte
	b = append(b, [...]string{"multibulk", "inline", "newline"}[form]...)
	b = append(b, " ["...)
	for i, a := range argv {
		if i > 0 {
			b = append(b, ' ')
		}
		b = appendQuoted(b, string(a))
	}
	return fmt.Sprintf("%s] n=%d", b, n)
}

// drainCommands reads every command r can return now. It ends with the
// error, if any, or with the count of bytes still waiting for more.
func drainCommands(r *Reader) []string {
	var out []string
	for {
		argv, n, ok, err := r.ReadCommand()
		switch {
		case err != nil:
			return append(out, "error: "+err.Error())
		case !ok:
			if p := len(r.Buffered()); p > 0 {
				out = append(out, fmt.Sprintf("pending %d", p))
			}
			return out
		}
		out = append(out, renderCommand(r.Form(), argv, n))
	}
}

// readWhole reads in, fed whole to a new Reader, with read (ReadCommand or
// ReadReply) until an error or the end, and renders what it reads as
// drainCommands and drainReplies do. Every error must be one of the
// reader's (ours), and the bytes consumed and pending must add up to the
// input.
func readWhole[T any](t interface{ Fatalf(string, ...any) }, in []byte, read func(*Reader) (T, int, bool, error),
	ours func(error) bool, render func(*Reader, T, int) string) []string {
	r := NewReader(Limits{})
	r.Feed(in)
	var out []string
	consumed := 0
	for {
		v, n, ok, err := read(r)
		if err != nil {
			if !ours(err) {
				t.Fatalf("input %q: unexpected error %q", in, err)
			}
			return append(out, "error: "+err.Error())
		}
		if !ok {
			if p := len(r.Buffered()); consumed+p != len(in) {
				t.Fatalf("input %q: consumed %d + pending %d != %d", in, consumed, p, len(in))
			} else if p > 0 {
				out = append(out, fmt.Sprintf("pending %d", p))
			}
			return out
		}
		if n <= 0 || consumed+n > len(in) {
			t.Fatalf("input %q: %d bytes read at %d", in, n, consumed)
		}
		consumed += n
		out = append(out, render(r, v, n))
	}
}

// readSegmented feeds in to a new Reader in segments of the given sizes
// (then the rest in one) and drains it after each, stopping at an error.
// Only the final pending count is kept.
func readSegmented(lim Limits, in []byte, sizes []int, drain func(*Reader) []string) []string {
	r := NewReader(lim)
	var out []string
	for {
		s := len(in)
		if len(sizes) > 0 {
			s, sizes = min(sizes[0], len(in)), sizes[1:]
		}
		r.Feed(in[:s])
		in = in[s:]
		got := drain(r)
		last := ""
		if len(got) > 0 {
			last = got[len(got)-1]
		}
		if strings.HasPrefix(last, "pending") && len(in) > 0 {
			got = got[:len(got)-1]
		}
		out = append(out, got...)
		if len(in) == 0 || strings.HasPrefix(last, "error") {
			return out
		}
	}
}

// isProtocolError reports whether err is one of the errors Redis answers
// malformed requests with.
func isProtocolError(err error) bool {
	switch err {
	case errMultibulkLen, errBulkLen, errMultibulkTooBig, errBulkTooBig, errInlineTooBig, errUnbalanced:
		return true
	}
	const dollar = "Protocol error: expected '$', got '"
	msg := err.Error()
	return strings.HasPrefix(msg, dollar) && len(msg) == len(dollar)+2 && msg[len(msg)-1] == '\''
}

// TestReadCommand checks requests against what Redis 7.0 does with them.
// The cases named in Redis's words come from its tests/unit/protocol.tcl.
func TestReadCommand(t *testing.T) {
	long := func(s string, n int) string { return strings.Repeat(s, n) }
	tests := []struct {
		name string
		lim  Limits
		in   string
		want []string
	}{
		{name: "Handle an empty query", in: "\r\n", want: []string{`newline [] n=2`}},
		{name: "a bare LF is an empty query too", in: "\n", want: []string{`newline [] n=1`}},
		{name: "Negative multibulk length", in: "*-10\r\n", want: []string{`multibulk [] n=6`}},
		{name: "zero multibulk length", in: "*0\r\n", want: []string{`multibulk [] n=4`}},
		{name: "Out of range multibulk length", in: "*20000000\r\n",
			want: []string{"error: Protocol error: invalid multibulk length"}},
		{name: "Wrong multibulk payload header", in: "*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n",
			want: []string{"error: Protocol error: expected '$', got 'f'"}},
		{name: "Negative multibulk payload length", in: "*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$-10\r\n",
			want: []string{"error: Protocol error: invalid bulk length"}},
		{name: "Out of range multibulk payload length", in: "*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$2000000000\r\n",
			want: []string{"error: Protocol error: invalid bulk length"}},
		{name: "Non-number multibulk payload length", in: "*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$blabla\r\n",
			want: []string{"error: Protocol error: invalid bulk length"}},
		{name: "Multi bulk request not followed by bulk arguments", in: "*1\r\nfoo\r\n",
			want: []string{"error: Protocol error: expected '$', got 'f'"}},
		{name: "Unbalanced number of quotes", in: "set \"\"\"test-key\"\"\" test-value\r\nping\r\n",
			want: []string{"error: Protocol error: unbalanced quotes in request"}},
		{name: "an empty bulk header line is reported with a space", in: "*1\r\n\r\n",
			want: []string{"error: Protocol error: expected '$', got ' '"}},

		{name: "pipelined multibulk commands and a partial one", in: "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET",
			want: []string{`multibulk ["SET" "k" "v"] n=27`, `multibulk ["PING"] n=14`, `pending 11`}},
		{name: "binary bulk strings", in: "*2\r\n$2\r\n\r\n\r\n$3\r\n\x00\xff*\r\n",
			want: []string{`multibulk ["\r\n" "\x00\xff*"] n=21`}},
		{name: "empty bulk string", in: "*1\r\n$0\r\n\r\n", want: []string{`multibulk [""] n=10`}},
		{name: "the two bytes after a bulk string are skipped unread", in: "*1\r\n$3\r\nfooXY",
			want: []string{`multibulk ["foo"] n=13`}},
		{name: "a header line ends at CR and any one byte", in: "*1\rX$4\rYPING\r\n",
			want: []string{`multibulk ["PING"] n=14`}},
		{name: "a header waits for the byte after its CR", in: "*1\r", want: []string{`pending 3`}},
		{name: "a count with a plus sign", in: "*+1\r\n", want: []string{"error: Protocol error: invalid multibulk length"}},
		{name: "a count with a leading zero", in: "*01\r\n", want: []string{"error: Protocol error: invalid multibulk length"}},
		{name: "minus zero", in: "*-0\r\n", want: []string{"error: Protocol error: invalid multibulk length"}},
		{name: "a count with a space", in: "* 1\r\n", want: []string{"error: Protocol error: invalid multibulk length"}},
		{name: "no count", in: "*\r\n", want: []string{"error: Protocol error: invalid multibulk length"}},
		{name: "a count past int64", in: "*99999999999999999999\r\n", want: []string{"error: Protocol error: invalid multibulk length"}},
		{name: "a bulk length with a leading zero", in: "*1\r\n$03\r\nfoo\r\n", want: []string{"error: Protocol error: invalid bulk length"}},
		{name: "no bulk length", in: "*1\r\n$\r\n", want: []string{"error: Protocol error: invalid bulk length"}},
		{name: "a null bulk is no request", in: "*1\r\n$-1\r\n", want: []string{"error: Protocol error: invalid bulk length"}},
		{name: "count at the configured cap", lim: Limits{MultibulkCountMax: 2}, in: "*2\r\n$1\r\na\r\n$1\r\nb\r\n",
			want: []string{`multibulk ["a" "b"] n=18`}},
		{name: "count past the configured cap", lim: Limits{MultibulkCountMax: 2}, in: "*3\r\n",
			want: []string{"error: Protocol error: invalid multibulk length"}},
		{name: "count past the default cap of 1024*1024", in: "*1048577\r\n",
			want: []string{"error: Protocol error: invalid multibulk length"}},
		{name: "count at the default cap", in: "*1048576\r\n", want: []string{"pending 10"}},
		{name: "bulk past proto-max-bulk-len", lim: Limits{BulkBytesMax: 3}, in: "*1\r\n$4\r\n",
			want: []string{"error: Protocol error: invalid bulk length"}},
		{name: "bulk past the default proto-max-bulk-len of 512 MiB", in: "*1\r\n$536870913\r\n",
			want: []string{"error: Protocol error: invalid bulk length"}},
		{name: "bulk at the default proto-max-bulk-len", in: "*1\r\n$536870912\r\n", want: []string{"pending 16"}},

		{name: "inline command", in: "PING\r\nset k v\n",
			want: []string{`inline ["PING"] n=6`, `inline ["set" "k" "v"] n=8`}},
		{name: "a blank inline line is an empty command but not a newline", in: "  \t\r\n",
			want: []string{`inline [] n=5`}},
		{name: "a lone CR before CRLF is blank", in: "\r\r\n", want: []string{`inline [] n=3`}},
		{name: "inline lines end at LF, not CR", in: "a\rb\r\n", want: []string{`inline ["a" "b"] n=5`}},
		{name: "an inline line waits for its LF", in: "GET k\r", want: []string{`pending 6`}},
		{name: "a NUL hides the line end from Redis", in: "GET a\x00b\r\nPING\r\n", want: []string{`pending 15`}},
		{name: "a NUL hides a header's end", in: "*1\x00\r\n$4\r\nPING\r\n", want: []string{`pending 15`}},
		{name: "newline then commands, as a replica's keep-alive", in: "\n*1\r\n$4\r\nPING\r\n\r\n",
			want: []string{`newline [] n=1`, `multibulk ["PING"] n=14`, `newline [] n=2`}},

		{name: "inline line of 64 KiB", in: long("a", 64*1024) + "\n",
			want: []string{fmt.Sprintf("inline [%q] n=%d", long("a", 64*1024), 64*1024+1)}},
		{name: "inline line of 64 KiB + 1 waiting", in: long("a", 64*1024+1),
			want: []string{"error: Protocol error: too big inline request"}},
		{name: "inline line of 64 KiB + 1, refused even when whole", in: long("a", 64*1024+1) + "\n",
			want: []string{"error: Protocol error: too big inline request"}},
		{name: "count line of 64 KiB + 1 without CR", in: "*" + long("1", 64*1024),
			want: []string{"error: Protocol error: too big mbulk count string"}},
		{name: "count line of 64 KiB then CR", in: "*" + long("1", 64*1024-1) + "\r\n",
			want: []string{"error: Protocol error: invalid multibulk length"}},
		{name: "bulk count line of 64 KiB + 1 without CR", in: "*1\r\n$" + long("1", 64*1024),
			want: []string{"error: Protocol error: too big bulk count string"}},
	}
	for _, seq := range []string{"\x00", "*\x00", "$\x00"} {
		// Redis's "Protocol desync regression test" sends one of these, then
		// lines of 1024 'A's until the server gives up.
		want := "error: Protocol error: too big inline request"
		if seq[0] == '*' {
			want = "error: Protocol error: too big mbulk count string"
		}
		tests = append(tests, struct {
			name string
			lim  Limits
			in   string
			want []string
		}{name: fmt.Sprintf("Protocol desync regression test %q", seq),
			in: seq + long(long("A", 1024)+"\n", 65), want: []string{want}})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(tt.lim)
			r.Feed([]byte(tt.in))
			if got := drainCommands(r); !slices.Equal(got, tt.want) {
				t.Errorf("ReadCommand(%.80q)\n got %.200q\nwant %.200q", tt.in, got, tt.want)
			}
			// The same bytes one at a time give the same results.
			sizes := slices.Repeat([]int{1}, len(tt.in))
			if got := readSegmented(tt.lim, []byte(tt.in), sizes, drainCommands); !slices.Equal(got, tt.want) {
				t.Errorf("byte by byte:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

// TestInlineQuoting checks the splitting of inline commands against
// sdssplitargs's rules.
func TestInlineQuoting(t *testing.T) {
	tests := []struct {
		line string
		want []string // nil: unbalanced quotes
	}{
		{`set "a b" 'c d'`, []string{"set", "a b", "c d"}},
		{`"\x41\x4a\x4A" "\n\r\t\b\a\\\"\q"`, []string{"AJJ", "\n\r\t\b\a\\\"q"}},
		{`"\x4" "\xZZ" "\x"`, []string{"x4", "xZZ", "x"}},
		{`"\x00\xff"`, []string{"\x00\xff"}},
		{`'it\'s' 'a\\b' 'a\"' 'a"b'`, []string{"it's", `a\\b`, `a\"`, `a"b`}},
		{`a"b c"`, []string{"ab c"}},
		{`a'b c' d`, []string{"ab c", "d"}},
		{`a\nb`, []string{`a\nb`}},
		{`"" ''`, []string{"", ""}},
		{"a\tb  c", []string{"a", "b", "c"}},
		{"\v\fa\vb", []string{"a\vb"}},
		{"\"a\"\tb", []string{"a", "b"}},
		{"\"a\"\vb", []string{"a", "b"}},
		{"'a'\fb", []string{"a", "b"}},
		{`"a"b`, nil},
		{`'a'b`, nil},
		{`a"b c"d`, nil},
		{`"abc`, nil},
		{`'abc`, nil},
		{`"abc\`, nil},
		{`"abc\"`, nil},
		{`'abc\'`, nil},
		{`"`, nil},
	}
	for _, tt := range tests {
		for _, end := range []string{"\n", "\r\n"} {
			r := NewReader(Limits{})
			r.Feed([]byte(tt.line + end))
			argv, n, ok, err := r.ReadCommand()
			if tt.want == nil {
				if err != errUnbalanced {
					t.Errorf("%q: got %q, %v; want unbalanced quotes", tt.line, argv, err)
				}
				continue
			}
			var got []string
			for _, a := range argv {
				got = append(got, string(a))
			}
			if !ok || err != nil || n != len(tt.line)+len(end) || !slices.Equal(got, tt.want) || r.Form() != FormInline {
				t.Errorf("%q: got %q n=%d ok=%v err=%v form=%d; want %q", tt.line, got, n, ok, err, r.Form(), tt.want)
			}
		}
	}
}

// commandItem is one request of a generated stream: its bytes and the
// result ReadCommand must give for them.
type commandItem struct {
	wire []byte
	want string
}

var specialBytes = []byte("\r\n*$\"'\\ \t\x00\xff-0x")

// genArg draws an argument that is often short and often holds the bytes
// that matter to the protocol.
var genArg = rapid.Custom(func(t *rapid.T) []byte {
	return rapid.SliceOfN(rapid.OneOf(rapid.Byte(), rapid.SampledFrom(specialBytes), rapid.ByteRange('a', 'z')), 0, 24).Draw(t, "arg")
})

// genCommandItem draws a multibulk or inline command, a newline or an
// empty multibulk.
var genCommandItem = rapid.Custom(func(t *rapid.T) commandItem {
	switch rapid.IntRange(0, 3).Draw(t, "form") {
	case 0:
		args := rapid.SliceOfN(genArg, 1, 6).Draw(t, "args")
		return commandItem{AppendCommand(nil, args...), renderCommand(FormMultibulk, args, CommandLen(args...))}
	case 1:
		args := rapid.SliceOfN(genArg, 1, 6).Draw(t, "args")
		var line []byte
		for i, a := range args {
			if i > 0 {
				line = append(line, rapid.SampledFrom([]string{" ", "  ", "\t"}).Draw(t, "sep")...)
			}
			if isWord(a) {
				line = append(line, a...)
			} else {
				line = appendQuoted(line, string(a))
			}
		}
		line = append(line, rapid.SampledFrom([]string{"\n", "\r\n"}).Draw(t, "end")...)
		return commandItem{line, renderCommand(FormInline, args, len(line))}
	case 2:
		nl := rapid.SampledFrom([]string{"\n", "\r\n"}).Draw(t, "newline")
		return commandItem{[]byte(nl), renderCommand(FormNewline, nil, len(nl))}
	}
	empty := rapid.SampledFrom([]string{"*0\r\n", "*-1\r\n", "*-12\r\n"}).Draw(t, "empty")
	return commandItem{[]byte(empty), renderCommand(FormMultibulk, nil, len(empty))}
})

// isWord reports whether a can be written unquoted in an inline command.
func isWord(a []byte) bool {
	for _, c := range a {
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return len(a) > 0
}

// TestSegmentationProperty checks that a stream of commands parses to the
// same commands and byte counts however the network cuts it.
func TestSegmentationProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		items := rapid.SliceOfN(genCommandItem, 1, 12).Draw(t, "items")
		var stream []byte
		var want []string
		for _, it := range items {
			stream = append(stream, it.wire...)
			want = append(want, it.want)
		}
		sizes := rapid.SliceOf(rapid.IntRange(0, 40)).Draw(t, "sizes")
		if got := readSegmented(Limits{}, stream, sizes, drainCommands); !slices.Equal(got, want) {
			t.Fatalf("stream %q\n got %q\nwant %q", stream, got, want)
		}
	})
}

// TestRequestRoundTrip checks that AppendCommand's bytes parse back to the
// same arguments, in exactly CommandLen bytes.
func TestRequestRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		args := rapid.SliceOfN(genArg, 0, 8).Draw(t, "args")
		wire := AppendCommand(nil, args...)
		if len(wire) != CommandLen(args...) {
			t.Fatalf("CommandLen %d, AppendCommand wrote %d", CommandLen(args...), len(wire))
		}
		strs := make([]string, len(args))
		for i, a := range args {
			strs[i] = string(a)
		}
		if s := AppendCommandString(nil, strs...); !bytes.Equal(s, wire) {
			t.Fatalf("AppendCommandString %q, AppendCommand %q", s, wire)
		}
		r := NewReader(Limits{})
		r.Feed(wire)
		argv, n, ok, err := r.ReadCommand()
		if !ok || err != nil || n != len(wire) || len(r.Buffered()) != 0 {
			t.Fatalf("ReadCommand(%q): n=%d ok=%v err=%v", wire, n, ok, err)
		}
		if !slices.EqualFunc(argv, args, bytes.Equal) {
			t.Fatalf("got %q, want %q", argv, args)
		}
	})
}

// genGarbage draws bytes that look enough like RESP to reach every branch.
var genGarbage = rapid.Custom(func(t *rapid.T) []byte {
	tokens := []string{"*", "$", "\r", "\n", "\r\n", "0", "1", "3", "9", "-", "\"", "'", "\\", " ", "x", "A",
		"\x00", "*1\r\n", "*2\r\n", "$3\r\n", "$-1\r\n", "foo", "+OK\r\n", ":1\r\n", "-ERR\r\n", "\\x4"}
	var b []byte
	for _, tok := range rapid.SliceOfN(rapid.SampledFrom(tokens), 0, 40).Draw(t, "tokens") {
		b = append(b, tok...)
	}
	return b
})

// checkGarbage reads in whole and in the given segments: the results must
// agree, every error must be one of Redis's, and without an error the bytes
// consumed and pending must add up to the input.
func checkGarbage(t interface{ Fatalf(string, ...any) }, in []byte, sizes []int) {
	want := readWhole(t, in, (*Reader).ReadCommand, isProtocolError, func(r *Reader, argv [][]byte, n int) string {
		return renderCommand(r.Form(), argv, n)
	})
	if got := readSegmented(Limits{}, in, sizes, drainCommands); !slices.Equal(got, want) {
		t.Fatalf("input %q\nsegmented %q\n    whole %q", in, got, want)
	}
}

// TestGarbageProperty checks that malformed requests never panic, end in
// one of Redis's protocol errors if they fail, and do not depend on
// segmentation.
func TestGarbageProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		in := rapid.OneOf(genGarbage, rapid.SliceOfN(rapid.Byte(), 0, 64)).Draw(t, "in")
		checkGarbage(t, in, rapid.SliceOf(rapid.IntRange(0, 8)).Draw(t, "sizes"))
	})
}

// FuzzReadCommand checks the garbage properties on fuzzed input, cut at a
// point taken from the input and also fed byte by byte, and that every
// command read, written back with AppendCommand, reads back to itself.
func FuzzReadCommand(f *testing.F) {
	for _, seed := range []string{
		"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n",
		"*1\r\n$4\r\nPING\r\n\n\r\n*0\r\n*-1\r\n",
		"set \"a\\x41\" 'b\\'c'\r\n",
		"*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n",
		"*1\r\n$-10\r\n",
		"\"unbalanced\r\n",
		"GET a\x00b\r\n",
		"*1\rX$3\rYfooZZ",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		cut := 0
		if len(in) > 0 {
			cut = int(in[0]) % (len(in) + 1)
		}
		checkGarbage(t, in, []int{cut})
		checkGarbage(t, in, slices.Repeat([]int{1}, len(in)))
		r := NewReader(Limits{})
		r.Feed(in)
		for {
			argv, _, ok, err := r.ReadCommand()
			if !ok || err != nil {
				break
			}
			checkCommandRoundTrip(t, argv)
		}
	})
}

// BenchmarkReadCommand parses a SET with a 16-byte key and a 100-byte
// value, fed one command at a time.
func BenchmarkReadCommand(b *testing.B) {
	cmd := AppendCommand(nil, []byte("SET"), bytes.Repeat([]byte("k"), 16), bytes.Repeat([]byte("v"), 100))
	r := NewReader(Limits{})
	b.SetBytes(int64(len(cmd)))
	b.ReportAllocs()
	for b.Loop() {
		r.Feed(cmd)
		if argv, n, ok, _ := r.ReadCommand(); !ok || n != len(cmd) || len(argv) != 3 {
			b.Fatal("SET not parsed")
		}
	}
}

// TestStickyError checks that after a protocol error a Reader keeps
// returning it and drops what it is fed, as Redis closes the connection.
func TestStickyError(t *testing.T) {
	r := NewReader(Limits{})
	r.Feed([]byte("*x\r\n"))
	for range 2 {
		if _, _, ok, err := r.ReadCommand(); ok || err != errMultibulkLen {
			t.Fatalf("got ok=%v err=%v, want invalid multibulk length", ok, err)
		}
		if _, _, _, err := r.ReadReply(); err != errMultibulkLen {
			t.Fatalf("ReadReply after the error: %v", err)
		}
		r.Feed([]byte("PING\r\n"))
	}
	if len(r.Buffered()) != 4 {
		t.Fatalf("buffered %q after an error", r.Buffered())
	}
}
