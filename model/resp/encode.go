package resp

import (
	"slices"
	"strconv"
)

// AppendCommand appends args as a multibulk array of bulk strings, the form
// in which Redis propagates commands to replicas and its backlog, and
// returns the extended buffer. It writes exactly CommandLen(args...) bytes.
func AppendCommand(dst []byte, args ...[]byte) []byte {
	dst = slices.Grow(dst, CommandLen(args...))
	dst = appendHeader(dst, '*', len(args))
	for _, a := range args {
		dst = AppendBulk(dst, a)
	}
	return dst
}

// AppendCommandString is AppendCommand for string arguments.
func AppendCommandString(dst []byte, args ...string) []byte {
	dst = appendHeader(dst, '*', len(args))
	for _, a := range args {
		dst = AppendBulkString(dst, a)
	}
	return dst
}

// CommandLen is the number of bytes AppendCommand writes for args:
// 3 + d(argc) + Σ (len + d(len) + 5), with d the number of decimal digits.
// A replica's offset advances by this much for each command it applies, so
// it is what replication lag is measured in.
func CommandLen(args ...[]byte) int {
	n := 3 + digits(len(args))
	for _, a := range args {
		n += len(a) + digits(len(a)) + 5
	}
	return n
}

// AppendSimple appends the simple string reply "+s". CR and LF, which would
// end it early, are written as spaces.
func AppendSimple(dst []byte, s string) []byte {
	return appendLine(append(dst, '+'), s)
}

// AppendError appends the error reply "-msg", msg being the whole message
// with its code, such as "ERR unknown command" or "READONLY You can't write
// against a read only replica.". CR and LF are written as spaces, as Redis
// does.
func AppendError(dst []byte, msg string) []byte {
	return appendLine(append(dst, '-'), msg)
}

// AppendInt appends the integer reply ":n".
func AppendInt(dst []byte, n int64) []byte {
	dst = strconv.AppendInt(append(dst, ':'), n, 10)
	return append(dst, '\r', '\n')
}

// AppendBulk appends b as a bulk string.
func AppendBulk(dst []byte, b []byte) []byte {
	dst = appendHeader(dst, '$', len(b))
	dst = append(dst, b...)
	return append(dst, '\r', '\n')
}

// AppendBulkString is AppendBulk for a string.
func AppendBulkString(dst []byte, s string) []byte {
	dst = appendHeader(dst, '$', len(s))
	dst = append(dst, s...)
	return append(dst, '\r', '\n')
}

// AppendNull appends the null bulk string "$-1", RESP2's missing value.
func AppendNull(dst []byte) []byte {
	return append(dst, "$-1\r\n"...)
}

// AppendNullArray appends the null array "*-1", which RESP2 uses for an
// aborted EXEC and a timed-out blocking pop.
func AppendNullArray(dst []byte) []byte {
	return append(dst, "*-1\r\n"...)
}

// AppendArrayLen appends the header of an array of n elements; the caller
// appends the elements.
func AppendArrayLen(dst []byte, n int) []byte {
	return appendHeader(dst, '*', n)
}

// AppendValue appends v as a reply. A Value without a Kind is a bug in the
// caller and panics.
func AppendValue(dst []byte, v Value) []byte {
	switch v.Kind {
	case KindSimple:
		return AppendSimple(dst, v.Str)
	case KindError:
		return AppendError(dst, v.Str)
	case KindInt:
		return AppendInt(dst, v.Int)
	case KindBulk:
		if v.Null {
			return AppendNull(dst)
		}
		return AppendBulkString(dst, v.Str)
	case KindArray:
		if v.Null {
			return AppendNullArray(dst)
		}
		dst = AppendArrayLen(dst, len(v.Array))
		for _, e := range v.Array {
			dst = AppendValue(dst, e)
		}
		return dst
	}
	panic("resp: AppendValue of a Value without a Kind")
}

func appendHeader(dst []byte, c byte, n int) []byte {
	dst = strconv.AppendInt(append(dst, c), int64(n), 10)
	return append(dst, '\r', '\n')
}

func appendLine(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\r' || c == '\n' {
			c = ' '
		}
		dst = append(dst, c)
	}
	return append(dst, '\r', '\n')
}

// digits is the number of decimal digits of n >= 0.
func digits(n int) int {
	d := 1
	for n >= 10 {
		n /= 10
		d++
	}
	return d
}
