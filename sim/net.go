package sim

import (
	"errors"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// Network connects named hosts with TCP-like byte streams. Each ordered pair
// of hosts has a directed link with its own latency, jitter and bandwidth; all
// connections from one host to another share that link. Links and hosts can be
// broken at run time (see the fault methods and [Host.Crash]).
//
// Timing of one direction of a connection, for each segment of n bytes:
//
//	depart    = max(now, link.busyUntil)
//	busyUntil = depart + n/bandwidth
//	arrive    = max(busyUntil + latency + jitter, arrival of the previous segment)
//
// Jitter is drawn uniformly from [0, Jitter] and changes spacing, never order.
// The handshake, FIN and RST take the latency (and jitter) but no bandwidth.
//
// Flow control: bytes written to a connection and not yet handed to the
// reading application count against a window of WindowBytes per direction.
// Write accepts at most the free window and returns a short count; the writer
// gets Writable when the reader has taken bytes. A reader that is paused, or a
// link that is stalled, therefore makes the writer keep the data itself.
// Space frees the moment bytes are handed over: acknowledgements take no time.
type Network struct {
	// ConnectTimeout is how long a dial waits for an answer before failing
	// with ErrTimeout. It only matters when a stall holds the handshake.
	ConnectTimeout time.Duration
	// WindowBytes bounds the bytes in flight in one direction of a
	// connection: roughly a socket's send and receive buffers together.
	WindowBytes int

	s        *Scheduler
	rng      *rand.Rand
	tr       *Trace
	defaults LinkConfig
	hosts    map[string]*Host
	links    map[[2]*Host]*link
	linkList []*link // in creation order, for HealAll
	conns    []*Conn // client ends of connections that may still matter, in dial order
	gcAt     int     // length of conns that triggers the next sweep
	lastID   uint64
}

// Defaults of [Network]: the connect timeout of Linux's six SYN retries, and
// buffers of a few MiB as Linux autotunes them on a fast LAN.
const (
	DefaultConnectTimeout = 127 * time.Second
	DefaultWindowBytes    = 4 << 20
	DefaultSegmentBytes   = 64 << 10
)

// LinkConfig describes one direction of the link between two hosts. The zero
// value is an instant link of unlimited bandwidth.
type LinkConfig struct {
	Latency time.Duration
	// Jitter adds a delay drawn uniformly from [0, Jitter] to each segment.
	Jitter time.Duration
	// BandwidthBytesPerSec limits the link; 0 means unlimited.
	BandwidthBytesPerSec int64
	// SegmentBytes is the most bytes one delivery carries: a larger write
	// arrives as several deliveries. 0 means DefaultSegmentBytes.
	SegmentBytes int
	// RandomSplit cuts every write at random points: each segment's length
	// is drawn uniformly from [1, SegmentBytes]. It exists to exercise
	// incremental parsers.
	RandomSplit bool
}

func (c LinkConfig) String() string {
	s := fmt.Sprintf("latency=%s jitter=%s bandwidth=%dB/s segment=%dB", c.Latency, c.Jitter, c.BandwidthBytesPerSec, c.segmentBytes())
	if c.RandomSplit {
		s += " split=random"
	}
	return s
}

func (c LinkConfig) segmentBytes() int {
	if c.SegmentBytes <= 0 {
		return DefaultSegmentBytes
	}
	return c.SegmentBytes
}

// LinkState is the health of a directed link.
type LinkState uint8

const (
	// LinkUp carries bytes normally.
	LinkUp LinkState = iota
	// LinkCut resets every connection across it and refuses new ones, like
	// a firewall that answers with RST.
	LinkCut
	// LinkStalled holds every byte, without loss and without reset, until
	// healed, like a black hole that TCP retransmits through.
	LinkStalled
)

func (s LinkState) String() string {
	switch s {
	case LinkUp:
		return "up"
	case LinkCut:
		return "cut"
	case LinkStalled:
		return "stall"
	}
	return "LinkState(" + strconv.Itoa(int(s)) + ")"
}

// Errors reported by connections and hosts.
var (
	ErrRefused      = errors.New("sim: connection refused")
	ErrTimeout      = errors.New("sim: connect timed out")
	ErrReset        = errors.New("sim: connection reset by peer")
	ErrClosed       = errors.New("sim: use of closed connection")
	ErrNotConnected = errors.New("sim: connection not established")
	ErrHostDown     = errors.New("sim: host is down")
	ErrPortInUse    = errors.New("sim: port already in use")
)

// link is one direction between two hosts.
type link struct {
	from, to  *Host
	cfg       LinkConfig
	state     LinkState
	busyUntil time.Duration // when the last byte put on the link has left
}

// NewNetwork returns a network without hosts. Every link starts with the
// given defaults. rng draws jitter and random splits; tr records one line per
// delivered network event and per fault (nil: a trace that only hashes).
func NewNetwork(s *Scheduler, rng *rand.Rand, tr *Trace, defaults LinkConfig) *Network {
	if tr == nil {
		tr = NewTrace(nil)
	}
	return &Network{
		ConnectTimeout: DefaultConnectTimeout,
		WindowBytes:    DefaultWindowBytes,
		s:              s,
		rng:            rng,
		tr:             tr,
		defaults:       defaults,
		hosts:          make(map[string]*Host),
		links:          make(map[[2]*Host]*link),
	}
}

// AddHost adds a host, up and with no listeners. Names are unique.
func (n *Network) AddHost(name string) *Host {
	if name == "" || strings.ContainsAny(name, " :>|,") {
		panic(fmt.Sprintf("sim: bad host name %q", name))
	}
	if n.hosts[name] != nil {
		panic(fmt.Sprintf("sim: host %q added twice", name))
	}
	h := &Host{net: n, name: name, up: true, listeners: make(map[int]func(*Conn)), lastPort: firstEphemeralPort - 1}
	h.resumeFn = h.resume
	n.hosts[name] = h
	return h
}

// Host returns the named host, or nil.
func (n *Network) Host(name string) *Host { return n.hosts[name] }

func (n *Network) mustHost(name string) *Host {
	h := n.hosts[name]
	if h == nil {
		panic(fmt.Sprintf("sim: unknown host %q", name))
	}
	return h
}

func (n *Network) link(from, to *Host) *link {
	l := n.links[[2]*Host{from, to}]
	if l == nil {
		l = &link{from: from, to: to, cfg: n.defaults}
		n.links[[2]*Host{from, to}] = l
		n.linkList = append(n.linkList, l)
	}
	return l
}

// SetLink sets both directions between a and b. Bytes already on their way
// keep their timing; bytes written afterwards use the new settings.
func (n *Network) SetLink(a, b string, cfg LinkConfig) {
	n.fault("link", a, b, true, cfg.String())
	n.link(n.mustHost(a), n.mustHost(b)).cfg = cfg
	n.link(n.mustHost(b), n.mustHost(a)).cfg = cfg
}

// SetLinkOneWay sets the direction from → to only.
func (n *Network) SetLinkOneWay(from, to string, cfg LinkConfig) {
	n.fault("link", from, to, false, cfg.String())
	n.link(n.mustHost(from), n.mustHost(to)).cfg = cfg
}

// Cut breaks both directions between a and b: every connection between them
// is reset at both ends at once, and new dials are refused until Heal.
func (n *Network) Cut(a, b string) { n.setPair("cut", a, b, true, LinkCut) }

// CutOneWay breaks the direction from → to. A TCP connection needs both
// directions, so existing connections between the two hosts are reset and
// dials either way are refused, as with Cut; the one-way form exists so that
// Partition-style schedules can say exactly which direction failed.
func (n *Network) CutOneWay(from, to string) { n.setPair("cut", from, to, false, LinkCut) }

// Stall blackholes both directions between a and b: connections stay open,
// their bytes are held without loss, and only application timeouts notice.
// On Heal the held bytes are sent in order, leaving at the heal. Dials hang
// and fail with ErrTimeout after ConnectTimeout unless healed first.
func (n *Network) Stall(a, b string) { n.setPair("stall", a, b, true, LinkStalled) }

// StallOneWay holds only the bytes going from → to.
func (n *Network) StallOneWay(from, to string) { n.setPair("stall", from, to, false, LinkStalled) }

// Heal restores both directions between a and b.
func (n *Network) Heal(a, b string) { n.setPair("heal", a, b, true, LinkUp) }

// HealAll restores every link.
func (n *Network) HealAll() {
	n.tr.Printf(n.s.Now(), "fault heal all")
	for _, l := range n.linkList {
		n.setState(l, LinkUp)
	}
}

// Partition puts every pair of hosts that are in different groups into state
// (LinkCut or LinkStalled, both directions; LinkUp heals them). Hosts in no
// group, and pairs within one group, are left as they are.
func (n *Network) Partition(state LinkState, groups ...[]string) {
	parts := make([]string, len(groups))
	for i, g := range groups {
		parts[i] = strings.Join(g, ",")
	}
	n.tr.Printf(n.s.Now(), "fault partition %s %s", state, strings.Join(parts, "|"))
	for i, ga := range groups {
		for _, gb := range groups[i+1:] {
			for _, a := range ga {
				for _, b := range gb {
					ha, hb := n.mustHost(a), n.mustHost(b)
					n.setState(n.link(ha, hb), state)
					n.setState(n.link(hb, ha), state)
				}
			}
		}
	}
}

func (n *Network) fault(verb, a, b string, both bool, detail string) {
	sep := ">"
	if both {
		sep = " "
	}
	if detail != "" {
		detail = " " + detail
	}
	n.tr.Printf(n.s.Now(), "fault %s %s%s%s%s", verb, a, sep, b, detail)
}

func (n *Network) setPair(verb, a, b string, both bool, state LinkState) {
	n.fault(verb, a, b, both, "")
	ha, hb := n.mustHost(a), n.mustHost(b)
	n.setState(n.link(ha, hb), state)
	if both {
		n.setState(n.link(hb, ha), state)
	}
}

// setState moves one directed link to a new state and applies what the move
// means to the connections across it.
func (n *Network) setState(l *link, state LinkState) {
	old := l.state
	if old == state {
		return
	}
	l.state = state
	switch {
	case state == LinkCut:
		n.eachConn(func(c *Conn) {
			if c.between(l.from, l.to) {
				c.cut()
			}
		})
	case state == LinkStalled:
		// Whatever was on the wire is lost and will be sent again after the
		// heal, so the link is idle from now on.
		l.busyUntil = min(l.busyUntil, n.s.Now())
		n.eachStream(l, (*stream).stall)
	case old == LinkStalled:
		n.eachStream(l, (*stream).release)
	}
}

// eachConn calls fn for the client end of every connection that may still
// matter, in dial order.
func (n *Network) eachConn(fn func(c *Conn)) {
	for _, c := range n.conns {
		if !c.over() {
			fn(c)
		}
	}
}

func (n *Network) eachStream(l *link, fn func(*stream)) {
	n.eachConn(func(c *Conn) {
		if c.out.link == l {
			fn(c.out)
		}
		if c.in.link == l {
			fn(c.in)
		}
	})
}

// track remembers a new connection for faults and crashes, and now and then
// forgets those that are over, so that a long run of short connections does
// not slow faults down.
func (n *Network) track(c *Conn) {
	if len(n.conns) >= n.gcAt {
		live := n.conns[:0]
		for _, c := range n.conns {
			if !c.over() {
				live = append(live, c)
			}
		}
		clear(n.conns[len(live):])
		n.conns = live
		n.gcAt = 2*len(live) + 64
	}
	n.conns = append(n.conns, c)
}

// transmitTime is how long n bytes occupy a link of the given bandwidth,
// rounded up so that n bytes never take less than n/bandwidth.
func transmitTime(n int, bytesPerSec int64) time.Duration {
	if bytesPerSec <= 0 || n <= 0 {
		return 0
	}
	hi, lo := bits.Mul64(uint64(n), uint64(time.Second))
	if hi >= uint64(bytesPerSec) {
		return Forever
	}
	q, r := bits.Div64(hi, lo, uint64(bytesPerSec))
	if r != 0 {
		q++
	}
	if q > uint64(Forever) {
		return Forever
	}
	return time.Duration(q)
}
