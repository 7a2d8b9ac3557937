package resp

import (
	"bytes"
	"strings"
	"testing"
)

// TestHandshake reads what a master sends a replica during a full
// synchronization, out of one stream and byte-exactly: the +FULLRESYNC
// reply, keep-alive newlines, the RDB payload (not framed as a reply: no
// CRLF after it), then the commands that follow.
func TestHandshake(t *testing.T) {
	const replid = "8de1d6d1a1f8e4ed5b2ddc6c9bfc1c6a3ed2e4a7"
	rdb := "REDIS0010\xfa\r\n\x00\xff"
	mark := strings.Repeat("m", 40)
	ping := string(AppendCommandString(nil, "PING"))
	for _, tt := range []struct {
		name    string
		payload string // what follows the keep-alives
		header  string
		rdbLen  int // bytes after the header line that form the RDB
	}{
		{name: "disk-based, length-prefixed", payload: "$12\r\n" + rdb, header: "$12", rdbLen: len(rdb)},
		{name: "diskless, EOF-marked", payload: "$EOF:" + mark + "\r\n" + rdb + mark, header: "$EOF:" + mark, rdbLen: len(rdb) + 40},
	} {
		t.Run(tt.name, func(t *testing.T) {
			stream := "+FULLRESYNC " + replid + " 0\r\n" + "\n\n" + tt.payload + ping + "\n"
			for _, seg := range []int{1, 3, len(stream)} {
				r := &Reader{} // the zero Reader works too
				fed, offset := 0, 0
				feed := func() bool {
					if fed == len(stream) {
						return false
					}
					s := min(seg, len(stream)-fed)
					r.Feed([]byte(stream[fed : fed+s]))
					fed += s
					return true
				}
				line := func() string {
					for {
						l, n, ok, err := r.ReadLine()
						if err != nil {
							t.Fatalf("ReadLine: %v", err)
						}
						if ok {
							offset += n
							return string(l)
						}
						if !feed() {
							t.Fatalf("stream ended while reading a line")
						}
					}
				}
				if got := line(); got != "+FULLRESYNC "+replid+" 0" {
					t.Fatalf("first line %q", got)
				}
				for range 2 {
					if got := line(); got != "" {
						t.Fatalf("keep-alive %q", got)
					}
				}
				if got := line(); got != tt.header {
					t.Fatalf("header %q, want %q", got, tt.header)
				}
				var payload []byte
				for len(payload) < tt.rdbLen {
					b := r.Buffered()
					take := min(len(b), tt.rdbLen-len(payload))
					payload = append(payload, b[:take]...)
					r.Discard(take)
					offset += take
					if len(payload) < tt.rdbLen && !feed() {
						t.Fatalf("stream ended in the RDB")
					}
				}
				if !bytes.HasPrefix(payload, []byte(rdb)) {
					t.Fatalf("payload %q", payload)
				}
				var cmds []string
				for len(cmds) < 2 {
					argv, n, ok, err := r.ReadCommand()
					if err != nil {
						t.Fatalf("ReadCommand: %v", err)
					}
					if !ok {
						if !feed() {
							t.Fatalf("stream ended in the commands")
						}
						continue
					}
					offset += n
					cmds = append(cmds, renderCommand(r.Form(), argv, n))
				}
				if want := []string{`multibulk ["PING"] n=14`, `newline [] n=1`}; strings.Join(cmds, "|") != strings.Join(want, "|") {
					t.Fatalf("commands %q, want %q", cmds, want)
				}
				if feed() || offset != len(stream) {
					t.Fatalf("consumed %d of %d bytes", offset, len(stream))
				}
			}
		})
	}
}

// TestReadLine checks line ends and the line limit.
func TestReadLine(t *testing.T) {
	r := NewReader(Limits{})
	r.Feed([]byte("a\r\nb\n\r\n\n\r\rc"))
	for _, want := range []struct {
		line string
		n    int
	}{{"a", 3}, {"b", 2}, {"", 2}, {"", 1}} {
		l, n, ok, err := r.ReadLine()
		if string(l) != want.line || n != want.n || !ok || err != nil {
			t.Fatalf("got %q n=%d ok=%v err=%v, want %q n=%d", l, n, ok, err, want.line, want.n)
		}
	}
	if _, _, ok, err := r.ReadLine(); ok || err != nil {
		t.Fatalf("an unterminated line: ok=%v err=%v", ok, err)
	}
	r.Feed([]byte("\n"))
	if l, n, _, _ := r.ReadLine(); string(l) != "\r\rc" || n != 4 {
		t.Fatalf("got %q n=%d, want a CR kept inside the line", l, n)
	}

	r = NewReader(Limits{})
	r.Feed(bytes.Repeat([]byte("x"), 64*1024))
	if _, _, ok, err := r.ReadLine(); ok || err != nil {
		t.Fatalf("64 KiB without LF: ok=%v err=%v, want to wait", ok, err)
	}
	r.Feed([]byte("x"))
	if _, _, _, err := r.ReadLine(); err != errReplyLineTooBig {
		t.Fatalf("64 KiB + 1 without LF: %v", err)
	}
}

// TestDiscardBeyondBuffered checks that the caller's bug is caught.
func TestDiscardBeyondBuffered(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	r := NewReader(Limits{})
	r.Feed([]byte("ab"))
	r.Discard(3)
}

// TestBufferBounded checks that the buffer is compacted as commands are
// read, and given back after one big payload.
func TestBufferBounded(t *testing.T) {
	cmd := AppendCommandString(nil, "SET", "key:000000000001", strings.Repeat("v", 100))
	var stream []byte
	for range 1000 {
		stream = append(stream, cmd...)
	}
	r := NewReader(Limits{})
	for len(stream) > 0 {
		s := min(7, len(stream))
		r.Feed(stream[:s])
		stream = stream[s:]
		for {
			if _, _, ok, _ := r.ReadCommand(); !ok {
				break
			}
		}
	}
	if c := cap(r.buf); c > 4*len(cmd) {
		t.Errorf("buffer capacity %d after reading commands of %d bytes", c, len(cmd))
	}

	big := AppendCommand(nil, []byte("SET"), []byte("k"), bytes.Repeat([]byte("v"), 4<<20))
	r.Feed(big)
	if _, n, ok, _ := r.ReadCommand(); !ok || n != len(big) {
		t.Fatalf("big command: ok=%v n=%d", ok, n)
	}
	r.Feed(cmd)
	if _, _, ok, _ := r.ReadCommand(); !ok {
		t.Fatal("command after the big one not read")
	}
	if c := cap(r.buf); c > bufBytesKeepMax {
		t.Errorf("buffer capacity %d kept after a big payload", c)
	}
}

// TestReadCommandAllocs checks that reading commands allocates nothing once
// the buffers have grown.
func TestReadCommandAllocs(t *testing.T) {
	cmd := AppendCommandString(nil, "SET", strings.Repeat("k", 16), strings.Repeat("v", 100))
	inline := []byte("set \"k\\x00\" v\r\n")
	r := NewReader(Limits{})
	read := func() {
		r.Feed(cmd[:10])
		r.ReadCommand()
		r.Feed(cmd[10:])
		r.ReadCommand()
		r.Feed(inline)
		r.ReadCommand()
	}
	read()
	if a := testing.AllocsPerRun(100, read); a != 0 {
		t.Errorf("%v allocations per run, want 0", a)
	}
}
