package resp

import (
	"errors"
	"strconv"
)

// replyDepthMax bounds how deeply reply arrays nest. Redis's deepest replies
// (EXEC of commands that return nested arrays) stay far below it.
const replyDepthMax = 32

// The reply errors are this package's words: Redis never parses replies,
// and a client that meets one of these drops the connection.
var (
	errReplyLineTooBig = errors.New("Protocol error: too big reply line")
	errReplyInt        = errors.New("Protocol error: invalid integer reply")
	errReplyBulkEnd    = errors.New("Protocol error: bulk reply not followed by CRLF")
	errReplyDepth      = errors.New("Protocol error: reply arrays nested too deep")
)

// Kind is the type of a reply, named by its first byte on the wire.
type Kind uint8

const (
	// KindSimple is a simple string, "+OK".
	KindSimple Kind = iota + 1
	// KindError is an error, "-ERR unknown command".
	KindError
	// KindInt is an integer, ":3".
	KindInt
	// KindBulk is a bulk string, "$1\r\na", or the null bulk "$-1".
	KindBulk
	// KindArray is an array, "*2" then two replies, or the null array "*-1".
	KindArray
)

// Value is one RESP2 reply. The zero Value has no Kind and is not a reply.
type Value struct {
	Kind Kind
	// Str is the text of a simple string or error (without its '+' or '-')
	// or the bytes of a bulk string.
	Str string
	// Int is the value of an integer.
	Int int64
	// Array holds the elements of an array.
	Array []Value
	// Null marks the null bulk string or the null array.
	Null bool
}

// String renders v on one line, deterministically and without losing
// information, in redis-cli's manner: OK for a simple string, "a\r\n" for a
// bulk string (quoted and escaped as Redis's sdscatrepr does), (error) ERR x,
// (integer) 3, (nil) for the null bulk, (nil array) for the null array, and
// ["a" (integer) 1] for an array. Control bytes in a simple string or error,
// which Redis never sends, are written as \xHH.
func (v Value) String() string {
	return string(v.appendTo(nil))
}

func (v Value) appendTo(b []byte) []byte {
	switch v.Kind {
	case KindSimple:
		return appendPlain(b, v.Str)
	case KindError:
		return appendPlain(append(b, "(error) "...), v.Str)
	case KindInt:
		return strconv.AppendInt(append(b, "(integer) "...), v.Int, 10)
	case KindBulk:
		if v.Null {
			return append(b, "(nil)"...)
		}
		return appendQuoted(b, v.Str)
	case KindArray:
		if v.Null {
			return append(b, "(nil array)"...)
		}
		b = append(b, '[')
		for i, e := range v.Array {
			if i > 0 {
				b = append(b, ' ')
			}
			b = e.appendTo(b)
		}
		return append(b, ']')
	}
	return append(b, "(invalid)"...)
}

const hexDigits = "0123456789abcdef"

// appendQuoted writes s in double quotes, escaped so that Redis's inline
// parser (and redis-cli) reads it back as s.
func appendQuoted(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\', '"':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		case '\a':
			b = append(b, '\\', 'a')
		case '\b':
			b = append(b, '\\', 'b')
		default:
			if c < 0x20 || c >= 0x7f {
				b = append(b, '\\', 'x', hexDigits[c>>4], hexDigits[c&15])
			} else {
				b = append(b, c)
			}
		}
	}
	return append(b, '"')
}

// appendPlain writes s as it is, but for control bytes, so that it stays on
// one line.
func appendPlain(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f {
			b = append(b, '\\', 'x', hexDigits[c>>4], hexDigits[c&15])
		} else {
			b = append(b, c)
		}
	}
	return b
}

// ReadReply returns the next reply, with n the exact number of bytes it
// occupied, or ok=false until all of them have arrived. Lines end at the
// first "\r\n" and must be at most 64 KiB long; a bulk string must be
// followed by "\r\n"; arrays nest at most 32 deep; the counts and lengths of
// the Reader's Limits apply. The returned Value does not alias the buffer.
func (r *Reader) ReadReply() (v Value, n int, ok bool, err error) {
	if r.err != nil {
		return Value{}, 0, false, r.err
	}
	r.claim(ownerReply)
	if ok, err = r.scanReply(); !ok {
		return Value{}, 0, false, err
	}
	n = r.pos
	v, _ = decodeReply(r.buf[r.start : r.start+n])
	r.consume(n)
	return v, n, true, nil
}

// scanReply checks the reply at the head of the buffer, advancing r.pos to
// its end, without building it: a reply arriving in many segments is
// checked once, and built once.
func (r *Reader) scanReply() (ok bool, err error) {
	item := r.buf[r.start:]
	for {
		if r.bulkLen >= 0 {
			l := r.bulkLen
			if l > len(item)-r.pos-2 {
				return false, nil
			}
			if item[r.pos+l] != '\r' || item[r.pos+l+1] != '\n' {
				return false, r.fail(errReplyBulkEnd)
			}
			r.pos += l + 2
			r.bulkLen = -1
			if r.closeElement() {
				return true, nil
			}
			continue
		}
		end, ok, err := r.replyLine()
		if !ok {
			return false, err
		}
		line := item[r.pos : r.pos+end]
		r.pos += end + 2
		switch line[0] {
		case '+', '-':
		case ':':
			if _, ok := parseInt(line[1:]); !ok {
				return false, r.fail(errReplyInt)
			}
		case '$':
			l, ok := parseInt(line[1:])
			if !ok || l < -1 || l > int64(r.lim.bulkBytesMax()) {
				return false, r.fail(errBulkLen)
			}
			if l >= 0 {
				r.bulkLen = int(l)
				continue
			}
		case '*':
			count, ok := parseInt(line[1:])
			if !ok || count < -1 || count > int64(r.lim.multibulkCountMax()) {
				return false, r.fail(errMultibulkLen)
			}
			if count > 0 {
				if len(r.open) == replyDepthMax {
					return false, r.fail(errReplyDepth)
				}
				r.open = append(r.open, int(count))
				continue
			}
		default:
			return false, r.fail(byteError("Protocol error: invalid reply type ", line[0]))
		}
		if r.closeElement() {
			return true, nil
		}
	}
}

// closeElement records that an element ended, closing the arrays it
// completes, and reports whether it completed the whole reply.
func (r *Reader) closeElement() bool {
	for len(r.open) > 0 {
		top := len(r.open) - 1
		if r.open[top]--; r.open[top] > 0 {
			return false
		}
		r.open = r.open[:top]
	}
	return true
}

// replyLine finds the "\r\n" ending the line at r.pos and returns the
// line's length. A line whose content passes 64 KiB is refused as soon as
// that is certain, whatever the segmentation.
func (r *Reader) replyLine() (end int, ok bool, err error) {
	line := r.buf[r.start+r.pos:]
	win := line[:min(len(line), inlineBytesMax+2)]
	for i := r.scanned; i+1 < len(win); i++ {
		if win[i] == '\r' && win[i+1] == '\n' {
			if i == 0 {
				// An empty line has no type byte.
				return 0, false, r.fail(byteError("Protocol error: invalid reply type ", '\r'))
			}
			r.scanned = 0
			return i, true, nil
		}
	}
	r.scanned = max(len(win)-1, 0)
	if len(win) == inlineBytesMax+2 {
		return 0, false, r.fail(errReplyLineTooBig)
	}
	return 0, false, nil
}

// decodeReply builds the reply at the head of b, which scanReply has
// checked, and returns it with its length.
func decodeReply(b []byte) (Value, int) {
	end := 1
	for b[end] != '\r' || b[end+1] != '\n' {
		end++
	}
	line, n := b[1:end], end+2
	switch b[0] {
	case '+':
		return Value{Kind: KindSimple, Str: simpleString(line)}, n
	case '-':
		return Value{Kind: KindError, Str: string(line)}, n
	case ':':
		i, _ := parseInt(line)
		return Value{Kind: KindInt, Int: i}, n
	case '$':
		l, _ := parseInt(line)
		if l < 0 {
			return Value{Kind: KindBulk, Null: true}, n
		}
		return Value{Kind: KindBulk, Str: string(b[n : n+int(l)])}, n + int(l) + 2
	}
	count, _ := parseInt(line)
	if count < 0 {
		return Value{Kind: KindArray, Null: true}, n
	}
	v := Value{Kind: KindArray, Array: make([]Value, count)}
	for i := range v.Array {
		e, en := decodeReply(b[n:])
		v.Array[i], n = e, n+en
	}
	return v, n
}

// simpleString is string(line), without allocating for the simple replies
// a client gets most: one per write.
func simpleString(line []byte) string {
	switch string(line) {
	case "OK":
		return "OK"
	case "PONG":
		return "PONG"
	case "QUEUED":
		return "QUEUED"
	}
	return string(line)
}
