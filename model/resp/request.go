package resp

import "errors"

// Form is how a command was written on the wire.
type Form uint8

const (
	// FormMultibulk is "*N\r\n" followed by N bulk strings, what clients
	// and masters send. N of zero or less is an empty command.
	FormMultibulk Form = iota
	// FormInline is a line of words, as typed into telnet.
	FormInline
	// FormNewline is an empty inline line, "\n" or "\r\n". Replication
	// gives it a meaning: a replica sends it while loading an RDB so that
	// its master refreshes its ack time, and a master sends it to keep the
	// link alive.
	FormNewline
)

// ReadCommand returns the next command as its arguments, with n the exact
// number of bytes it occupied, or ok=false until all of them have arrived.
// It parses as processMultibulkBuffer and processInlineBuffer do in Redis
// 7.0, quirks included: a bulk string is followed by two bytes that are
// skipped unread, a "*N" or "$N" header ends at '\r' plus any one byte, and
// a NUL byte in a header or inline line hides the terminator after it (Redis
// looks for it with strchr), so that line can only end up refused as too
// big.
//
// An empty command (FormNewline, a blank inline line, or "*N" with N <= 0)
// is returned with len(argv) == 0 and n > 0, so that its bytes are counted.
//
// Redis refuses a line of more than 64 KiB while its terminator has not
// arrived, so whether it accepts a longer one depends on how the bytes were
// segmented. A Reader refuses it in every case, as Redis does when the bytes
// arrive one by one; that keeps results independent of segmentation.
func (r *Reader) ReadCommand() (argv [][]byte, n int, ok bool, err error) {
	if r.err != nil {
		return nil, 0, false, r.err
	}
	r.claim(ownerCommand)
	if r.start == len(r.buf) {
		return nil, 0, false, nil
	}
	if r.buf[r.start] != '*' {
		return r.readInline()
	}
	item := r.buf[r.start:]
	if r.bulks == 0 {
		end, ok, err := r.headerLine(errMultibulkTooBig)
		if !ok {
			return nil, 0, false, err
		}
		count, ok := parseInt(item[1:end])
		if !ok || count > int64(r.lim.multibulkCountMax()) {
			return nil, 0, false, r.fail(errMultibulkLen)
		}
		r.pos = end + 2
		if count <= 0 {
			return r.complete(FormMultibulk)
		}
		r.bulks = int(count)
	}
	for r.bulks > 0 {
		if r.bulkLen < 0 {
			end, ok, err := r.headerLine(errBulkTooBig)
			if !ok {
				return nil, 0, false, err
			}
			head := item[r.pos:]
			if head[0] != '$' {
				return nil, 0, false, r.fail(byteError("Protocol error: expected '$', got ", head[0]))
			}
			l, ok := parseInt(head[1:end])
			if !ok || l < 0 || l > int64(r.lim.bulkBytesMax()) {
				return nil, 0, false, r.fail(errBulkLen)
			}
			r.pos += end + 2
			r.bulkLen = int(l)
		}
		if r.bulkLen > len(item)-r.pos-2 {
			return nil, 0, false, nil
		}
		r.spans = append(r.spans, r.pos, r.bulkLen)
		r.pos += r.bulkLen + 2
		r.bulkLen = -1
		r.bulks--
	}
	return r.complete(FormMultibulk)
}

// Form reports how the command last returned by ReadCommand was written.
// Redis needs it in replication: a replica drops its master's link when the
// master sends a non-empty inline line, a sign that the stream is out of
// step, and a master refreshes a replica's ack time on a FormNewline.
func (r *Reader) Form() Form {
	return r.form
}

// headerLine finds the '\r' that ends the header line at r.pos, as Redis's
// strchr does, and reports it once one more byte (the '\n', unchecked) has
// arrived. It returns the offset of that '\r' from the line's start.
func (r *Reader) headerLine(tooBig error) (end int, ok bool, err error) {
	end, ok, err = r.findLine('\r', tooBig)
	if ok && end+2 > len(r.buf)-r.start-r.pos {
		r.scanned = end
		return 0, false, nil
	}
	return end, ok, err
}

// findLine looks for term from r.pos on, within the first 64 KiB + 1 bytes,
// and fails with tooBig once more than 64 KiB have arrived without it. A NUL
// byte ends the search, as it ends strchr's.
func (r *Reader) findLine(term byte, tooBig error) (end int, ok bool, err error) {
	line := r.buf[r.start+r.pos:]
	win := line[:min(len(line), inlineBytesMax+1)]
	i := r.scanned
	for ; i < len(win); i++ {
		if win[i] == term {
			r.scanned = 0
			return i, true, nil
		}
		if win[i] == 0 {
			i = inlineBytesMax + 1
			break
		}
	}
	r.scanned = i
	if len(line) > inlineBytesMax {
		return 0, false, r.fail(tooBig)
	}
	return 0, false, nil
}

// readInline reads a command written as a line of words.
func (r *Reader) readInline() (argv [][]byte, n int, ok bool, err error) {
	end, ok, err := r.findLine('\n', errInlineTooBig)
	if !ok {
		return nil, 0, false, err
	}
	r.pos = end + 1
	line := r.buf[r.start : r.start+end]
	if end > 0 && line[end-1] == '\r' {
		line = line[:end-1]
	}
	if len(line) == 0 {
		return r.complete(FormNewline)
	}
	r.scratch, r.spans, ok = splitArgs(r.scratch[:0], r.spans[:0], line)
	if !ok {
		return nil, 0, false, r.fail(errUnbalanced)
	}
	return r.complete(FormInline)
}

// complete returns the command whose arguments r.spans locates, in the item
// or, for an inline command, in r.scratch, and consumes its r.pos bytes.
func (r *Reader) complete(form Form) (argv [][]byte, n int, ok bool, err error) {
	src := r.buf[r.start:]
	if form == FormInline {
		src = r.scratch
	}
	argv = r.argv[:0]
	for i := 0; i < len(r.spans); i += 2 {
		off, l := r.spans[i], r.spans[i+1]
		argv = append(argv, src[off:off+l:off+l])
	}
	r.argv, r.form, n = argv, form, r.pos
	r.consume(n)
	return argv, n, true, nil
}

// splitArgs splits an inline line as Redis's
// sdssplitargs does: words separated by spaces; double quotes with the
// escapes \n \r \t \b \a \xHH and a backslash before any other byte
// standing for that byte; single quotes with \' alone; a closing quote must
// be followed by a space or the end of the line. The arguments are appended
// to out, their offsets and lengths to spans; ok is false on unbalanced
// quotes.
func splitArgs(out []byte, spans []int, line []byte) ([]byte, []int, bool) {
	// at mimics reading a C string: the line holds no NUL (findLine stops
	// there), so NUL stands for its end.
	at := func(i int) byte {
		if i < len(line) {
			return line[i]
		}
		return 0
	}
	p := 0
	for {
		for p < len(line) && isSpace(line[p]) {
			p++
		}
		if p == len(line) {
			return out, spans, true
		}
		begin := len(out)
		inDouble, inSingle := false, false
		for done := false; !done; {
			c := at(p)
			switch {
			case inDouble:
				switch {
				case c == '\\' && at(p+1) == 'x' && isHex(at(p+2)) && isHex(at(p+3)):
					out = append(out, unhex(at(p+2))<<4|unhex(at(p+3)))
					p += 3
				case c == '\\' && at(p+1) != 0:
					p++
					out = append(out, unescape(line[p]))
				case c == '"':
					if next := at(p + 1); next != 0 && !isSpace(next) {
						return out, spans, false
					}
					done = true
				case c == 0:
					return out, spans, false
				default:
					out = append(out, c)
				}
			case inSingle:
				switch {
				case c == '\\' && at(p+1) == '\'':
					p++
					out = append(out, '\'')
				case c == '\'':
					if next := at(p + 1); next != 0 && !isSpace(next) {
						return out, spans, false
					}
					done = true
				case c == 0:
					return out, spans, false
				default:
					out = append(out, c)
				}
			default:
				switch c {
				case ' ', '\n', '\r', '\t', 0:
					done = true
				case '"':
					inDouble = true
				case '\'':
					inSingle = true
				default:
					out = append(out, c)
				}
			}
			if at(p) != 0 {
				p++
			}
		}
		spans = append(spans, begin, len(out)-begin)
	}
}

// byteError is the error msg followed by the offending byte in single
// quotes. As in Redis, CR and LF become spaces so that the error stays one
// line on the wire.
func byteError(msg string, c byte) error {
	if c == '\r' || c == '\n' {
		c = ' '
	}
	return errors.New(msg + "'" + string([]byte{c}) + "'")
}

// isSpace is C's isspace in the C locale.
func isSpace(c byte) bool {
	return c == ' ' || (c >= '\t' && c <= '\r')
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

func unescape(c byte) byte {
	switch c {
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	case 'b':
		return '\b'
	case 'a':
		return '\a'
	}
	return c
}
