package model

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/replsim/replsim/model/rdb"
	"github.com/replsim/replsim/model/resp"
)

// cachedMaster is what a replica keeps of its master after the link drops,
// so that it can ask for a partial resync (spec §4.4).
type cachedMaster struct {
	replid  string
	reploff int64
	db      int
}

// masterLink is the replica's connection to its master before the stream
// starts: connecting, the handshake, and the snapshot transfer.
type masterLink struct {
	conn   Conn
	rr     *resp.Reader
	lastIO int64 // unix seconds, repl_transfer_lastio

	masterReplid  string // from +FULLRESYNC
	initialOffset int64  // from +FULLRESYNC, -1 for SYNC

	// Transfer.
	sizeKnown bool
	eofMark   []byte // $EOF:<mark> mode
	size      int64  // $<len> mode
	payload   []byte
}

// loadState is a replica loading a received snapshot: Redis blocks while it
// loads; the model answers -LOADING and holds the stream until it is done.
type loadState struct {
	file      *rdb.File
	conn      Conn
	rr        *resp.Reader
	replid    string
	offset    int64
	eof       bool
	timer     Timer
	lastNewln int64
}

// newReplyReader reads what a master sends. Redis applies no bulk length
// limit to its master's stream.
func newReplyReader() *resp.Reader { return resp.NewReader(resp.Limits{BulkBytesMax: math.MaxInt}) }

// replicaOffset is slave_repl_offset in INFO.
func (n *Node) replicaOffset() int64 {
	switch {
	case n.master != nil:
		return n.master.reploff
	case n.cached != nil:
		return n.cached.reploff
	}
	return 1
}

// setMaster is replicationSetMaster (REPLICAOF host port at run time).
func (n *Node) setMaster(host string, port int) {
	wasMaster := n.isMaster()
	n.masterHost, n.masterPort = host, port
	if n.master != nil {
		n.handleMasterDisconnection("REPLICAOF")
	}
	n.cancelHandshake(false)
	if wasMaster {
		n.cached = nil
		if n.cfg.Protocol != SYNC {
			// replicationCacheMasterUsingMyself: PSYNC with our own id.
			n.cached = &cachedMaster{replid: n.replid, reploff: n.buf.Offset(), db: -1}
		}
	}
	n.replState = replConnect
	n.env.Log(fmt.Sprintf("Connecting to MASTER %s:%d", host, port))
	n.connectWithMaster()
}

// unsetMaster is replicationUnsetMaster (REPLICAOF NO ONE): the node
// becomes a master and keeps its history reachable through replid2.
func (n *Node) unsetMaster() {
	if n.isMaster() {
		return
	}
	n.masterHost, n.masterPort = "", 0
	if n.master != nil {
		m := n.master
		n.master = nil
		n.dropClientConn(m)
	}
	n.cached = nil
	n.cancelHandshake(false)
	if n.cfg.Protocol == PSYNC2 {
		n.shiftReplicationID()
	} else {
		n.changeReplicationID()
		n.clearReplicationID2()
	}
	n.disconnectSlaves()
	n.replState = replNone
	n.slaveseldb = -1
	n.noSlavesSince = n.unixtime()
	n.env.Note(Note{Kind: NotePromoted, Offset: n.buf.Offset()})
}

// dropClientConn removes a client and closes its connection, without the
// caching a master client would get.
func (n *Node) dropClientConn(c *client) {
	c.freed = true
	c.closing = true
	delete(n.byConn, c.conn)
	c.conn.Close()
	for i, x := range n.clients {
		if x == c {
			n.clients = append(n.clients[:i], n.clients[i+1:]...)
			break
		}
	}
}

// connectWithMaster starts a non-blocking connect.
func (n *Node) connectWithMaster() {
	conn := n.env.Dial(n.masterHost, n.masterPort)
	n.link = &masterLink{conn: conn, rr: newReplyReader(), lastIO: n.unixtime(), initialOffset: -1}
	n.replState = replConnecting
	n.env.Log(fmt.Sprintf("MASTER <-> REPLICA sync started"))
}

// cancelHandshake is cancelReplicationHandshake.
func (n *Node) cancelHandshake(reconnect bool) {
	switch {
	case n.loading != nil:
		if n.loading.timer != nil {
			n.loading.timer.Stop()
		}
		n.loading.conn.Close()
		n.loading = nil
	case n.link != nil:
		n.link.conn.Close()
		n.link = nil
	default:
		return
	}
	n.replState = replConnect
	if reconnect && !n.isMaster() {
		n.connectWithMaster()
	}
}

// linkConnected continues after the connect completes or fails.
func (n *Node) linkConnected(err error) {
	if err != nil {
		n.env.Log(fmt.Sprintf("Error condition on socket for SYNC: %v", err))
		n.link.conn.Close()
		n.link = nil
		n.replState = replConnect // retried by the next replicationCron
		return
	}
	n.env.Log("Non blocking connect for SYNC fired the event.")
	n.link.lastIO = n.unixtime()
	n.link.conn.Write(resp.AppendCommandString(nil, "PING"))
	n.replState = replReceivePingReply
}

// linkData handles bytes from the master before the stream starts.
func (n *Node) linkData(p []byte) {
	l := n.link
	l.rr.Feed(p)
	for n.link == l && n.loading == nil {
		if n.replState == replTransfer {
			if !n.readBulkPayload() {
				return
			}
			continue
		}
		line, _, ok, err := l.rr.ReadLine()
		if err != nil {
			n.env.Log(fmt.Sprintf("Error reading from MASTER: %v", err))
			n.linkError()
			return
		}
		if !ok {
			return
		}
		n.handshakeReply(string(line))
	}
}

// linkError is syncWithMaster's error path: close, retry at the next cron.
func (n *Node) linkError() {
	n.link.conn.Close()
	n.link = nil
	n.replState = replConnect
}

// handshakeReply advances the handshake with one reply line (spec §4.1).
func (n *Node) handshakeReply(line string) {
	l := n.link
	switch n.replState {
	case replReceivePingReply:
		if strings.HasPrefix(line, "-") && !strings.HasPrefix(line, "-NOAUTH") &&
			!strings.HasPrefix(line, "-NOPERM") && !strings.HasPrefix(line, "-ERR operation not permitted") {
			n.env.Log(fmt.Sprintf("Error reply to PING from master: '%s'", line))
			n.linkError()
			return
		}
		n.env.Log("Master replied to PING, replication can continue...")
		var out []byte
		out = resp.AppendCommandString(out, "REPLCONF", "listening-port", strconv.Itoa(n.cfg.Port))
		if n.cfg.Protocol == PSYNC2 {
			out = resp.AppendCommandString(out, "REPLCONF", "capa", "eof", "capa", "psync2")
		}
		l.conn.Write(out)
		n.replState = replReceivePortReply
	case replReceivePortReply:
		if strings.HasPrefix(line, "-") {
			n.env.Log(fmt.Sprintf("(Non critical) Master does not understand REPLCONF listening-port: %s", line))
		}
		if n.cfg.Protocol == PSYNC2 {
			n.replState = replReceiveCapaReply
			return
		}
		n.sendPsync()
	case replReceiveCapaReply:
		if strings.HasPrefix(line, "-") {
			n.env.Log(fmt.Sprintf("(Non critical) Master does not understand REPLCONF capa: %s", line))
		}
		n.sendPsync()
	case replReceivePsyncReply:
		n.psyncReply(line)
	}
}

// sendPsync sends PSYNC with the cached master, or PSYNC ? -1, or (for the
// oldest protocol) SYNC.
func (n *Node) sendPsync() {
	l := n.link
	if n.cfg.Protocol == SYNC {
		l.conn.Write(resp.AppendCommandString(nil, "SYNC"))
		n.replState = replTransfer
		n.env.Log("MASTER <-> REPLICA sync: Master accepted a Full Resynchronization.")
		return
	}
	id, off := "?", "-1"
	if n.cached != nil {
		id, off = n.cached.replid, strconv.FormatInt(n.cached.reploff+1, 10)
		n.env.Log(fmt.Sprintf("Trying a partial resynchronization (request %s:%s).", id, off))
	} else {
		n.env.Log("Partial resynchronization not possible (no cached master)")
	}
	l.conn.Write(resp.AppendCommandString(nil, "PSYNC", id, off))
	n.replState = replReceivePsyncReply
}

// psyncReply handles the master's answer to PSYNC (spec §4.2).
func (n *Node) psyncReply(line string) {
	l := n.link
	switch {
	case line == "":
		// Keep-alive newline while the master prepares the snapshot.
		l.lastIO = n.unixtime()
	case strings.HasPrefix(line, "+FULLRESYNC"):
		f := strings.Fields(line)
		if len(f) == 3 {
			l.masterReplid = f[1]
			l.initialOffset, _ = strconv.ParseInt(f[2], 10, 64)
		}
		n.env.Log(fmt.Sprintf("Full resync from master: %s:%d", l.masterReplid, l.initialOffset))
		n.replState = replTransfer
		l.lastIO = n.unixtime()
	case strings.HasPrefix(line, "+CONTINUE"):
		n.resurrectCachedMaster(strings.TrimSpace(strings.TrimPrefix(line, "+CONTINUE")))
	case strings.HasPrefix(line, "-NOMASTERLINK"), strings.HasPrefix(line, "-LOADING"):
		n.env.Log(fmt.Sprintf("Master is currently unable to PSYNC but should be in the future: %s", line))
		n.linkError()
	default:
		n.env.Log(fmt.Sprintf("Unexpected reply to PSYNC from master: %s", line))
		l.conn.Write(resp.AppendCommandString(nil, "SYNC"))
		n.replState = replTransfer
	}
}

// resurrectCachedMaster turns the cached master into the live master client
// after +CONTINUE [newid].
func (n *Node) resurrectCachedMaster(newid string) {
	l := n.link
	cm := n.cached
	n.cached = nil
	n.link = nil
	n.env.Log("Successful partial resynchronization with master.")
	if newid != "" && !strings.EqualFold(newid, cm.replid) && n.cfg.Protocol == PSYNC2 {
		// The master's history continues ours under a new id (failover).
		n.replid2 = cm.replid
		n.secondReplidOffset = n.buf.Offset() + 1
		n.replid = newid
		n.env.Log(fmt.Sprintf("Master replication ID changed to %s", newid))
		n.disconnectSlaves()
	}
	if !n.buf.HasBacklog() {
		n.buf.SetOffset(cm.reploff)
		n.createBacklog()
	}
	m := n.newClient(l.conn)
	m.req = newReplyReader()
	m.reploff, m.readReploff, m.db = cm.reploff, cm.reploff, cm.db
	if m.db < 0 {
		m.db = 0
	}
	n.master = m
	n.replState = replConnected
	n.env.Note(Note{Kind: NoteLinkUp, Peer: n.masterHost, Offset: m.reploff})
	n.observe(observeForce)
	n.env.Log("MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.")
	if rest := l.rr.Buffered(); len(rest) > 0 {
		m.req.Feed(rest)
		n.processInput(m)
	}
}

// readBulkPayload reads the snapshot (spec §5.3). It returns false when it
// needs more bytes or the link went away.
func (n *Node) readBulkPayload() bool {
	l := n.link
	if !l.sizeKnown {
		line, _, ok, err := l.rr.ReadLine()
		if err != nil {
			n.cancelHandshake(true)
			return false
		}
		if !ok {
			return false
		}
		l.lastIO = n.unixtime()
		s := string(line)
		switch {
		case s == "":
			return true // keep-alive
		case strings.HasPrefix(s, "-"):
			n.env.Log(fmt.Sprintf("MASTER aborted replication with an error: %s", s))
			n.cancelHandshake(true)
			return false
		case strings.HasPrefix(s, "$EOF:") && len(s) == 5+40:
			l.eofMark = []byte(s[5:])
		case strings.HasPrefix(s, "$"):
			size, err := strconv.ParseInt(s[1:], 10, 64)
			if err != nil || size < 0 {
				n.env.Log(fmt.Sprintf("Bad protocol from MASTER, the first byte is not '$' (we received '%s'), are you sure the host and port are right?", s))
				n.cancelHandshake(true)
				return false
			}
			l.size = size
			// The payload's length is announced: take room for it at once
			// (up to the largest bulk Redis accepts) instead of growing.
			if int64(cap(n.syncBuf)) < size {
				n.syncBuf = make([]byte, 0, min(size, 512<<20))
			}
		default:
			n.env.Log(fmt.Sprintf("Bad protocol from MASTER, the first byte is not '$' (we received '%s'), are you sure the host and port are right?", s))
			n.cancelHandshake(true)
			return false
		}
		l.sizeKnown = true
		// The buffer of the last sync received is reused: a replica that
		// full-syncs again does not grow a new one from nothing.
		l.payload = n.syncBuf[:0]
		if l.eofMark != nil {
			n.env.Log("MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to disk")
		} else {
			n.env.Log(fmt.Sprintf("MASTER <-> REPLICA sync: receiving %d bytes from master to disk", l.size))
		}
	}
	b := l.rr.Buffered()
	if len(b) == 0 {
		return false
	}
	l.lastIO = n.unixtime()
	var take int
	done := false
	if l.eofMark != nil {
		take = len(b)
		if cap(l.payload)-len(l.payload) < take {
			// The size is not announced: double the room, as append
			// would not for large buffers (it grows them by a quarter,
			// copying a snapshot of many megabytes several times over).
			grown := make([]byte, len(l.payload), 2*cap(l.payload)+take)
			copy(grown, l.payload)
			l.payload = grown
		}
		l.payload = append(l.payload, b...)
		if len(l.payload) >= len(l.eofMark) && bytes.Equal(l.payload[len(l.payload)-len(l.eofMark):], l.eofMark) {
			l.payload = l.payload[:len(l.payload)-len(l.eofMark)]
			done = true
		}
	} else {
		need := l.size - int64(len(l.payload))
		take = len(b)
		if int64(take) > need {
			take = int(need)
		}
		l.payload = append(l.payload, b[:take]...)
		done = int64(len(l.payload)) == l.size
	}
	l.rr.Discard(take)
	n.stats.SnapshotBytesReceived += int64(take)
	if !done {
		return false
	}
	n.loadReceivedSnapshot()
	return true
}

// loadReceivedSnapshot is the end of readSyncBulkPayload: drop the old
// master, sub-replicas and backlog, flush, and load (which takes time).
func (n *Node) loadReceivedSnapshot() {
	l := n.link
	n.env.Log(fmt.Sprintf("MASTER <-> REPLICA sync: Flushing old data"))
	f, err := rdb.Decode(l.payload)
	// The decoded snapshot keeps copies, never the payload's bytes: the
	// buffer serves the next sync.
	defer func() { n.syncBuf = l.payload[:0] }()
	if err != nil {
		n.env.Log(fmt.Sprintf("Failed trying to load the MASTER synchronization DB from socket: %v", err))
		n.cancelHandshake(true)
		return
	}
	// replicationAttachToNewMaster.
	n.cached = nil
	n.disconnectSlaves()
	n.buf.FreeBacklog()
	n.loadDataset(&f.Snapshot)
	ls := &loadState{file: f, conn: l.conn, rr: l.rr, replid: l.masterReplid, offset: l.initialOffset, eof: l.eofMark != nil, lastNewln: n.unixtime()}
	n.link = nil
	n.loading = ls
	d := time.Duration(0)
	if n.cfg.RDBLoadBytesPerSec > 0 {
		d = time.Duration(float64(len(l.payload)) / float64(n.cfg.RDBLoadBytesPerSec) * float64(time.Second))
	}
	n.env.Log(fmt.Sprintf("MASTER <-> REPLICA sync: Loading DB in memory"))
	ls.timer = n.env.After(d, func() {
		if n.up && n.loading == ls {
			n.finishSync()
			n.endIteration()
		}
	})
}

// finishSync creates the master client once the snapshot is loaded.
func (n *Node) finishSync() {
	ls := n.loading
	n.loading = nil
	off := ls.offset
	if off < 0 {
		off = 0 // SYNC: the old protocol has no offsets
	}
	if n.cfg.Protocol == PSYNC2 {
		n.replid = ls.replid
		n.clearReplicationID2()
	}
	n.buf.SetOffset(off)
	n.createBacklog()
	m := n.newClient(ls.conn)
	m.req = newReplyReader()
	m.reploff, m.readReploff = off, off
	m.db = ls.file.Aux.ReplStreamDB
	if m.db < 0 || n.cfg.Bugs.ForgetSelectAfterFullSync {
		m.db = 0
	}
	n.master = m
	n.masterReplid = ls.replid
	n.replState = replConnected
	n.env.Log("MASTER <-> REPLICA sync: Finished with success")
	n.env.Note(Note{Kind: NoteSyncDone, Peer: n.masterHost, Offset: off})
	n.env.Note(Note{Kind: NoteLinkUp, Peer: n.masterHost, Offset: off})
	n.observe(observeLoaded)
	if ls.eof {
		n.sendAck()
	}
	if rest := ls.rr.Buffered(); len(rest) > 0 {
		m.req.Feed(rest)
		n.processInput(m)
	}
}

// masterCommand applies one command from the master's stream: it runs with
// no reply, moves reploff by exactly the bytes it took, and forwards those
// bytes to this node's own replicas (spec §2.3).
func (n *Node) masterCommand(m *client, argv [][]byte, raw []byte) {
	consumed := len(raw)
	m.readReploff += int64(consumed)
	if len(argv) == 0 {
		m.reploff += int64(consumed)
		return
	}
	n.fwd = append(n.fwd, raw...)
	n.processCommand(m, argv)
	m.out = m.out[:0]
	if n.master != m {
		n.fwd = n.fwd[:0]
		return // the command changed the topology (REPLICAOF from the stream)
	}
	if m.multi {
		// Inside MULTI nothing counts until EXEC applies the whole block.
		m.multiBytes += consumed
		return
	}
	queued := m.multiBytes
	if n.cfg.Bugs.ExecForgetsQueuedBytes {
		queued = 0
	}
	m.reploff += int64(consumed + queued)
	m.multiBytes = 0
	if n.buf.HasBacklog() {
		n.feed(n.fwd)
	}
	n.fwd = n.fwd[:0]
	if n.buf.Offset() != m.reploff && n.buf.HasBacklog() {
		panic(fmt.Sprintf("model: invariant replica-offset-matches-backlog broken on %s: backlog %d, reploff %d", n.name, n.buf.Offset(), m.reploff))
	}
	n.observe(observeChange)
}

// sendAck writes REPLCONF ACK <reploff> to the master.
func (n *Node) sendAck() {
	m := n.master
	if m == nil || n.cfg.Protocol == SYNC {
		return
	}
	off := m.reploff
	if n.cfg.Bugs.AckBeforeApply {
		off = m.reploff + int64(len(m.req.Buffered()))
	}
	m.conn.Write(resp.AppendCommandString(nil, "REPLCONF", "ACK", strconv.FormatInt(off, 10)))
}

// handleMasterDisconnection caches the master client and reconnects at once
// (replicationCacheMaster + replicationHandleMasterDisconnection).
func (n *Node) handleMasterDisconnection(reason string) {
	m := n.master
	n.master = nil
	n.dropClientConn(m)
	n.cached = nil
	if n.cfg.Protocol != SYNC {
		db := m.db
		n.cached = &cachedMaster{replid: n.masterReplid, reploff: m.reploff, db: db}
		if n.cfg.Protocol == PSYNC2 {
			n.cached.replid = n.replid
		}
	}
	n.downSince = n.unixtime()
	n.replState = replConnect
	n.env.Log(fmt.Sprintf("Connection with master lost (%s).", reason))
	n.env.Note(Note{Kind: NoteLinkDown, Peer: n.masterHost, Offset: m.reploff})
	if !n.isMaster() {
		n.env.Log("Caching the disconnected master state.")
		n.connectWithMaster()
	}
}

// REPLICAOF host port | NO ONE.
func replicaofCommand(n *Node, c *client, argv [][]byte) {
	if strings.EqualFold(string(argv[1]), "no") && strings.EqualFold(string(argv[2]), "one") {
		if !n.isMaster() {
			n.unsetMaster()
			n.env.Log("MASTER MODE enabled (user request from client)")
		}
		c.addSimple("OK")
		return
	}
	if c.replica {
		c.addError("ERR Command is not valid when client is a replica.")
		return
	}
	port, err := strconv.Atoi(string(argv[2]))
	if err != nil || port < 0 || port > 65535 {
		c.addError("ERR Invalid master port")
		return
	}
	host := string(argv[1])
	if !n.isMaster() && strings.EqualFold(n.masterHost, host) && n.masterPort == port {
		c.addSimple("OK Already connected to specified master")
		return
	}
	n.setMaster(host, port)
	c.addSimple("OK")
}
