package sim

import "time"

// The two containers below hold one direction of a connection without
// allocating once they have grown to the stream's working size.

// byteQueue holds the bytes written to one direction of a connection and not
// yet handed to the reader. Bytes are appended at the end and taken from the
// front; the dead prefix is reclaimed by copying the live bytes down, but only
// when it is at least as long as they are, so every byte is copied at most
// about once.
type byteQueue struct {
	buf    []byte
	head   int
	pinned bool // a slice of buf is out in a Data callback: do not move bytes
}

func (q *byteQueue) len() int { return len(q.buf) - q.head }

func (q *byteQueue) append(p []byte) {
	if q.head > 0 && !q.pinned && len(q.buf)+len(p) > cap(q.buf) && q.head >= q.len() {
		n := copy(q.buf, q.buf[q.head:])
		q.buf = q.buf[:n]
		q.head = 0
	}
	q.buf = append(q.buf, p...)
}

// front returns the first n bytes without taking them.
func (q *byteQueue) front(n int) []byte {
	return q.buf[q.head : q.head+n : q.head+n]
}

// drop takes the first n bytes.
func (q *byteQueue) drop(n int) {
	q.head += n
	if q.head == len(q.buf) && !q.pinned {
		q.buf = q.buf[:0]
		q.head = 0
	}
}

// reset empties the queue. A pinned buffer is abandoned rather than reused, so
// the slice a Data callback holds keeps its bytes until the callback returns.
func (q *byteQueue) reset() {
	if q.pinned {
		q.buf = nil
	} else {
		q.buf = q.buf[:0]
	}
	q.head = 0
	q.pinned = false
}

// segKind says what a segment carries. Only data segments carry bytes; the
// others are the handshake and the two ways a connection ends.
type segKind uint8

const (
	segData   segKind = iota
	segSYN            // client to server: open the connection
	segSYNACK         // server to client: the server's kernel accepted it
	segFIN            // the writer closed: everything before it is delivered first
	segRST            // the writer reset: the reader's end dies
)

// seg is one delivery on its way: n bytes from the front of the byte queue
// (data) or a control message, arriving at a given time.
type seg struct {
	arrive time.Duration
	n      int
	kind   segKind
}

// segRing is a FIFO of segments in a power-of-two ring.
type segRing struct {
	buf  []seg
	head int
	n    int
}

func (r *segRing) len() int { return r.n }

func (r *segRing) at(i int) *seg { return &r.buf[(r.head+i)&(len(r.buf)-1)] }

func (r *segRing) push(s seg) {
	if r.n == len(r.buf) {
		buf := make([]seg, max(8, 2*len(r.buf)))
		for i := range r.n {
			buf[i] = *r.at(i)
		}
		r.buf, r.head = buf, 0
	}
	r.n++
	*r.at(r.n - 1) = s
}

func (r *segRing) popFront() seg {
	s := *r.at(0)
	r.head = (r.head + 1) & (len(r.buf) - 1)
	r.n--
	return s
}

func (r *segRing) popBack() seg {
	r.n--
	return *r.at(r.n)
}

func (r *segRing) reset() { r.head, r.n = 0, 0 }
