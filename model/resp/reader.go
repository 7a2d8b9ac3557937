// Package resp reads and writes RESP2, the protocol Redis 7.0 speaks between
// clients and servers and between a master and its replicas.
//
// A Reader is fed bytes in whatever segments the network delivers them and
// hands back whole items: commands on the server side (ReadCommand), replies
// on the client side (ReadReply), and raw lines and payload bytes for the
// replica handshake (ReadLine, Buffered, Discard). Every item carries the
// exact number of bytes it occupied, because a replica advances its
// replication offset by that count, and no result depends on how the bytes
// were segmented.
//
// The Append functions write what Redis writes: commands as it propagates
// them to replicas, and replies.
package resp

import "errors"

// inlineBytesMax is PROTO_INLINE_MAX_SIZE: the longest line Redis buffers
// while waiting for its terminator (an inline command, a "*N" or "$N" header).
const inlineBytesMax = 64 * 1024

// bufBytesKeepMax is the buffer capacity a Reader keeps once it is nearly
// empty; a larger buffer, grown for one big payload, is given back.
const bufBytesKeepMax = 1 << 20

// The request errors carry Redis's exact words: the server writes them after
// "-ERR " and closes the connection.
var (
	errMultibulkLen    = errors.New("Protocol error: invalid multibulk length")
	errBulkLen         = errors.New("Protocol error: invalid bulk length")
	errMultibulkTooBig = errors.New("Protocol error: too big mbulk count string")
	errBulkTooBig      = errors.New("Protocol error: too big bulk count string")
	errInlineTooBig    = errors.New("Protocol error: too big inline request")
	errUnbalanced      = errors.New("Protocol error: unbalanced quotes in request")
)

// Limits bound what a Reader accepts. The zero value means Redis 7.0's
// defaults for an ordinary client.
type Limits struct {
	// MultibulkCountMax is the largest N accepted in a "*N" header, for
	// commands and for reply arrays alike. Zero means 1024*1024, the cap
	// Redis enforced before 7.0; 7.0 itself accepts up to INT_MAX
	// (math.MaxInt32), which can be set here.
	MultibulkCountMax int
	// BulkBytesMax is proto-max-bulk-len, the largest N accepted in a "$N"
	// header. Zero means 512 MiB. Redis does not apply it to the stream a
	// replica reads from its master: set math.MaxInt for that.
	BulkBytesMax int
}

func (l Limits) multibulkCountMax() int {
	if l.MultibulkCountMax <= 0 {
		return 1024 * 1024
	}
	return l.MultibulkCountMax
}

func (l Limits) bulkBytesMax() int {
	if l.BulkBytesMax <= 0 {
		return 512 * 1024 * 1024
	}
	return l.BulkBytesMax
}

// owner names the read method whose partial progress the Reader caches.
type owner uint8

const (
	ownerNone owner = iota
	ownerCommand
	ownerReply
	ownerLine
)

// Reader parses one direction of a connection. Bytes go in with Feed; the
// Read methods return an item once all of its bytes are buffered, and
// ok=false until then. An item's bytes are consumed only when it is
// returned, so one stream may be read with several methods in turn, as a
// replica does: replies during the handshake, then the RDB payload, then
// its master's commands.
//
// Any malformed input makes every later Read return the same error; the
// connection is then to be closed, since its framing can no longer be
// trusted. No input makes a Reader panic.
//
// Slices returned by a Reader alias its buffer and are valid only until the
// next call of any of its methods. The zero value is ready to use, with the
// default Limits.
type Reader struct {
	lim   Limits
	buf   []byte // buf[start:] is unread
	start int
	err   error // sticky
	form  Form  // of the command last returned

	// Progress through the incomplete item at the head of the buffer. No
	// byte is consumed before its item is complete, so this cache can be
	// dropped at any time and rebuilt by parsing from start again; it only
	// keeps an item that arrives in many small segments from being parsed
	// quadratically often.
	owner   owner
	pos     int   // bytes of the item already parsed
	scanned int   // bytes after pos known to hold no line terminator
	bulks   int   // commands: bulk strings still to read, 0 before the header
	bulkLen int   // length announced by the last "$N" header, -1 if none
	spans   []int // commands: offset and length of each argument in the item
	open    []int // replies: elements still to read in each enclosing array

	argv    [][]byte
	scratch []byte // unquoted inline arguments
}

// NewReader returns a Reader that enforces lim.
func NewReader(lim Limits) *Reader {
	return &Reader{lim: lim}
}

// Feed appends p to the unread bytes. The Reader keeps no reference to p.
// Bytes fed after an error are dropped.
func (r *Reader) Feed(p []byte) {
	if r.err != nil {
		return
	}
	unread := len(r.buf) - r.start
	switch {
	case cap(r.buf) > bufBytesKeepMax && unread+len(p) <= cap(r.buf)/4:
		nb := make([]byte, unread, max(2*(unread+len(p)), inlineBytesMax))
		copy(nb, r.buf[r.start:])
		r.buf, r.start = nb, 0
	case unread == 0:
		r.buf, r.start = r.buf[:0], 0
	case r.start > 0 && len(r.buf)+len(p) > cap(r.buf):
		copy(r.buf, r.buf[r.start:])
		r.buf, r.start = r.buf[:unread], 0
	}
	r.buf = append(r.buf, p...)
}

// Buffered returns the unread bytes. A replica uses it with Discard to take
// an RDB payload, which is not framed as a reply, out of the stream.
func (r *Reader) Buffered() []byte {
	return r.buf[r.start:len(r.buf):len(r.buf)]
}

// Discard consumes the next n unread bytes. Discarding more than is buffered
// is a bug in the caller and panics.
func (r *Reader) Discard(n int) {
	if n < 0 || n > len(r.buf)-r.start {
		panic("resp: Discard beyond the buffered bytes")
	}
	r.consume(n)
}

// ReadLine returns the next line without its terminator: a line ends at
// "\n", and a "\r" just before it is dropped, as in Redis's syncReadLine. n
// counts the terminator too. A replica reads its master's handshake replies
// this way, the "$<len>" or "$EOF:<mark>" header before an RDB payload, and
// the bare newlines a master sends to keep the link alive meanwhile
// (line empty, n of 1 or 2). A line longer than 64 KiB is an error.
func (r *Reader) ReadLine() (line []byte, n int, ok bool, err error) {
	if r.err != nil {
		return nil, 0, false, r.err
	}
	r.claim(ownerLine)
	rest := r.buf[r.start:]
	win := rest[:min(len(rest), inlineBytesMax+1)]
	for i := r.scanned; i < len(win); i++ {
		if win[i] != '\n' {
			continue
		}
		line = win[:i:i]
		if i > 0 && line[i-1] == '\r' {
			line = line[: i-1 : i-1]
		}
		r.consume(i + 1)
		return line, i + 1, true, nil
	}
	r.scanned = len(win)
	if len(rest) > inlineBytesMax {
		return nil, 0, false, r.fail(errReplyLineTooBig)
	}
	return nil, 0, false, nil
}

// claim makes the cached progress belong to o, dropping another method's.
func (r *Reader) claim(o owner) {
	if r.owner == o {
		return
	}
	r.owner = o
	r.pos, r.scanned, r.bulks, r.bulkLen = 0, 0, 0, -1
	r.spans, r.open = r.spans[:0], r.open[:0]
}

// consume ends the item at the head of the buffer, n bytes long.
func (r *Reader) consume(n int) {
	r.start += n
	r.owner = ownerNone
}

func (r *Reader) fail(err error) error {
	r.err = err
	r.owner = ownerNone
	return err
}

// parseInt reads a decimal integer as Redis's string2ll does: an optional
// '-', no '+', no spaces, no leading zeros ("0" itself aside, "-0" refused),
// within int64.
func parseInt(b []byte) (int64, bool) {
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || b[0] < '1' || b[0] > '9' {
		return 0, false
	}
	var u uint64
	for _, c := range b {
		if c < '0' || c > '9' || u > (1<<63)/10 {
			return 0, false
		}
		u = u*10 + uint64(c-'0')
	}
	switch {
	case neg && u <= 1<<63:
		return int64(-u), true
	case !neg && u < 1<<63:
		return int64(u), true
	}
	return 0, false
}
