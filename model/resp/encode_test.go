package resp

import (
	"bytes"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// TestCommandLen checks the byte cost of commands a master propagates.
func TestCommandLen(t *testing.T) {
	tests := []struct {
		args []string
		want int
	}{
		{[]string{"SET", strings.Repeat("k", 16), strings.Repeat("v", 100)}, 144},
		{[]string{"SELECT", "0"}, 23},
		{[]string{"ping"}, 14},
		{[]string{"REPLCONF", "GETACK", "*"}, 37},
		{[]string{"SET", "k1", "v", "PXAT", "1700000000000"}, 58},
		{[]string{}, 4},
		{[]string{""}, 10},
		{[]string{strings.Repeat("x", 10)}, 21},
	}
	for _, tt := range tests {
		args := make([][]byte, len(tt.args))
		for i, a := range tt.args {
			args[i] = []byte(a)
		}
		if got := CommandLen(args...); got != tt.want {
			t.Errorf("CommandLen(%.40q) = %d, want %d", tt.args, got, tt.want)
		}
		if got := len(AppendCommand(nil, args...)); got != tt.want {
			t.Errorf("len(AppendCommand(%.40q)) = %d, want %d", tt.args, got, tt.want)
		}
	}
}

// TestCommandLenProperty checks the formula against the bytes written, for
// arguments long enough to have lengths of several digits.
func TestCommandLenProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		lens := rapid.SliceOfN(rapid.OneOf(rapid.IntRange(0, 12), rapid.IntRange(0, 20000)), 0, 12).Draw(t, "lens")
		args := make([][]byte, len(lens))
		for i, l := range lens {
			args[i] = bytes.Repeat([]byte{'a'}, l)
		}
		prefix := []byte("prefix")
		if got := AppendCommand(prefix, args...); len(got)-len(prefix) != CommandLen(args...) || !bytes.HasPrefix(got, prefix) {
			t.Fatalf("AppendCommand wrote %d bytes, CommandLen says %d", len(got)-len(prefix), CommandLen(args...))
		}
	})
}

// TestAppendReplies checks the bytes of each reply form.
func TestAppendReplies(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{string(AppendSimple(nil, "OK")), "+OK\r\n"},
		{string(AppendSimple(nil, "a\r\nb")), "+a  b\r\n"},
		{string(AppendError(nil, "READONLY You can't write against a read only replica.")), "-READONLY You can't write against a read only replica.\r\n"},
		{string(AppendError(nil, "ERR bad\nline")), "-ERR bad line\r\n"},
		{string(AppendInt(nil, -42)), ":-42\r\n"},
		{string(AppendBulk(nil, []byte("a\r\n"))), "$3\r\na\r\n\r\n"},
		{string(AppendBulk(nil, nil)), "$0\r\n\r\n"},
		{string(AppendBulkString(nil, "foo")), "$3\r\nfoo\r\n"},
		{string(AppendNull(nil)), "$-1\r\n"},
		{string(AppendNullArray(nil)), "*-1\r\n"},
		{string(AppendArrayLen(nil, 2)), "*2\r\n"},
		{string(AppendCommandString(nil, "SELECT", "0")), "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n"},
		{string(AppendValue(nil, Value{Kind: KindArray, Array: []Value{{Kind: KindInt, Int: 1}, {Kind: KindBulk, Null: true}}})), "*2\r\n:1\r\n$-1\r\n"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

// BenchmarkAppendCommand writes a SET with a 16-byte key and a 100-byte
// value into a reused buffer.
func BenchmarkAppendCommand(b *testing.B) {
	args := [][]byte{[]byte("SET"), bytes.Repeat([]byte("k"), 16), bytes.Repeat([]byte("v"), 100)}
	buf := make([]byte, 0, 256)
	b.SetBytes(int64(CommandLen(args...)))
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendCommand(buf[:0], args...)
	}
}
