package sim

import (
	"io"
	"strconv"
	"time"
)

// stream is one direction of a connection: the bytes one end writes and the
// other reads, and the segments carrying them over the link.
//
// Every byte written and not yet handed to the reader sits in q; that is the
// window Write checks. The segments in segs describe q's bytes front to back,
// plus the control messages (SYN, SYN-ACK, FIN, RST) in their place:
//
//	segs[:arrived]   reached a paused reader, wait for its resume
//	segs[arrived:]   on the wire; timer fires at segs[arrived].arrive
//	held             not sent yet because the link is stalled
//
// One scheduler event is pending per stream at most, and it always calls the
// same method value, so delivering does not allocate.
type stream struct {
	net      *Network
	from, to *Conn // writer's end, reader's end
	link     *link

	q          byteQueue
	segs       segRing
	arrived    int
	lastArrive time.Duration
	timer      Timer

	// What a stall holds, in the order it will be sent: at most one
	// handshake message, bytes, at most one FIN or RST.
	heldOpen  segKind
	heldBytes int
	heldClose segKind

	blocked bool   // a Write came back short: tell the writer when space frees
	gen     uint64 // bumped by clear, so a callback can tell it happened

	arriveFn, handFn, writableFn func()
}

func newStream(from, to *Conn, l *link) *stream {
	s := &stream{net: from.net, from: from, to: to, link: l}
	s.arriveFn, s.handFn, s.writableFn = s.arrive, s.hand, s.writable
	return s
}

// push sends a segment of n bytes from the back of q, or a control message
// (n = 0), unless the link holds or drops it.
func (s *stream) push(kind segKind, n int) {
	switch s.link.state {
	case LinkCut:
		// Nothing crosses a cut link; every connection on it was reset.
	case LinkStalled:
		s.hold(kind, n)
	default:
		s.transmit(kind, n)
	}
}

func (s *stream) hold(kind segKind, n int) {
	switch kind {
	case segData:
		s.heldBytes += n
	case segSYN, segSYNACK:
		s.heldOpen = kind
	default:
		s.heldClose = kind
	}
}

// transmit cuts data into segments and puts them on the link.
func (s *stream) transmit(kind segKind, n int) {
	if kind != segData {
		s.send(kind, 0)
		return
	}
	cfg := &s.link.cfg
	for n > 0 {
		size := min(n, cfg.segmentBytes())
		if cfg.RandomSplit {
			size = 1 + s.net.rng.IntN(size)
		}
		s.send(segData, size)
		n -= size
	}
}

// send puts one segment on the link; see [Network] for the timing. Control
// messages carry no bytes and do not wait for the link to be free (a RST
// would otherwise wait behind the very bytes it drops); they still arrive
// after the segments before them in their stream.
func (s *stream) send(kind segKind, n int) {
	l, now := s.link, s.net.s.Now()
	sent := now // when the segment's last byte has left
	if kind == segData {
		depart := max(now, l.busyUntil)
		l.busyUntil = addTime(depart, transmitTime(n, l.cfg.BandwidthBytesPerSec))
		sent = l.busyUntil
	}
	arrive := addTime(sent, l.cfg.Latency)
	if l.cfg.Jitter > 0 {
		arrive = addTime(arrive, time.Duration(s.net.rng.Int64N(int64(l.cfg.Jitter)+1)))
	}
	arrive = max(arrive, s.lastArrive)
	s.lastArrive = arrive
	s.segs.push(seg{arrive: arrive, n: n, kind: kind})
	if s.segs.len() == s.arrived+1 {
		s.timer = s.net.s.At(arrive, s.arriveFn)
	}
}

// arrive is the next segment on the wire reaching the reader's host. The
// kernel handles control messages at once; bytes and FIN go to the owner,
// now or at the resume of a paused host.
func (s *stream) arrive() {
	sg := *s.segs.at(s.arrived)
	s.timer = Timer{}
	if sg.kind == segData || sg.kind == segFIN {
		s.arrived++
		s.next()
		if s.to.receiving() {
			s.to.host.run(s.handFn, Timer{})
		} else {
			s.hand() // dropped: frees the writer's window at once
		}
		return
	}
	// Control messages never queue behind undelivered bytes: SYN and
	// SYN-ACK come first in their stream, RST comes after a clear.
	s.segs.popFront()
	s.next()
	switch sg.kind {
	case segSYN:
		s.to.synArrived()
	case segSYNACK:
		s.to.synackArrived()
	case segRST:
		s.to.rstArrived()
	}
}

// next schedules the arrival of the first segment still on the wire.
func (s *stream) next() {
	if s.arrived < s.segs.len() {
		s.timer = s.net.s.At(s.segs.at(s.arrived).arrive, s.arriveFn)
	}
}

// hand gives the oldest arrived segment to the reader, or drops it if the
// reader no longer reads.
func (s *stream) hand() {
	if s.arrived == 0 {
		return // cleared by a reset while waiting for a resume
	}
	sg := s.segs.popFront()
	s.arrived--
	r := s.to
	if sg.kind == segFIN {
		if r.reading() {
			s.net.traceStream("fin", s, 0)
			r.mustHandler().Closed(r, io.EOF)
		}
		return
	}
	if !r.reading() {
		s.net.traceStream("drop", s, sg.n)
		s.q.drop(sg.n)
		s.freed()
		return
	}
	s.net.traceStream("deliver", s, sg.n)
	gen := s.gen
	s.q.pinned = true
	r.mustHandler().Data(r, s.q.front(sg.n))
	if s.gen != gen {
		return // the handler reset the connection
	}
	s.q.pinned = false
	s.q.drop(sg.n)
	s.freed()
}

// freed tells a writer whose Write came back short that there is room.
func (s *stream) freed() {
	if s.blocked && s.from.reading() {
		s.blocked = false
		s.from.host.run(s.writableFn, Timer{})
	}
}

// writable is not traced: it follows from a delivery at the same instant.
func (s *stream) writable() {
	if w := s.from; w.reading() {
		w.mustHandler().Writable(w)
	}
}

// clear drops everything in the stream: bytes, segments, held messages.
// The link stays busy for the dropped bytes that were already queued on it,
// as a NIC would still send what it holds.
func (s *stream) clear() {
	s.net.s.Stop(s.timer)
	s.timer = Timer{}
	s.q.reset()
	s.segs.reset()
	s.arrived = 0
	s.lastArrive = 0
	s.heldOpen, s.heldBytes, s.heldClose = 0, 0, 0
	s.blocked = false
	s.gen++
}

// stall takes back every segment still on the wire: a stalled link delivers
// nothing, and what it lost will be sent again on heal. Segments that already
// reached a paused reader stay.
func (s *stream) stall() {
	s.net.s.Stop(s.timer)
	s.timer = Timer{}
	for s.segs.len() > s.arrived {
		sg := s.segs.popBack()
		s.hold(sg.kind, sg.n)
	}
}

// release sends what a stall held, leaving now.
func (s *stream) release() {
	open, n, end := s.heldOpen, s.heldBytes, s.heldClose
	s.heldOpen, s.heldBytes, s.heldClose = 0, 0, 0
	if open != 0 {
		s.transmit(open, 0)
	}
	if n > 0 {
		s.transmit(segData, n)
	}
	if end != 0 {
		s.transmit(end, 0)
	}
}

// traceStream records an event of one direction: "net deliver c3 m1>r1 144B".
// n = 0 leaves the size out.
func (n *Network) traceStream(what string, s *stream, size int) {
	b := n.tr.Line(n.s.Now())
	b = append(b, "net "...)
	b = append(b, what...)
	b = append(b, " c"...)
	b = strconv.AppendUint(b, s.from.id, 10)
	b = append(b, ' ')
	b = append(b, s.from.host.name...)
	b = append(b, '>')
	b = append(b, s.to.host.name...)
	if size > 0 {
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(size), 10)
		b = append(b, 'B')
	}
	n.tr.End(b)
}

// addTime adds without overflowing past Forever.
func addTime(t, d time.Duration) time.Duration {
	if t > Forever-d {
		return Forever
	}
	return t + d
}
