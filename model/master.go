package model

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// syncCommand serves PSYNC and SYNC (spec §3.5, §4.3, §5.1).
func syncCommand(n *Node, c *client, argv [][]byte) {
	if c.replica {
		return
	}
	if !n.isMaster() && n.replState != replConnected {
		c.addError("NOMASTERLINK Can't SYNC while not connected with my master")
		return
	}
	if len(c.out) > 0 {
		c.addError("ERR SYNC and PSYNC are invalid with pending output")
		return
	}
	psync := len(argv) >= 3 && strings.EqualFold(string(argv[0]), "psync")
	if psync {
		id := string(argv[1])
		ok, reason := n.tryPartialResync(c, id, argv[2])
		if ok {
			n.stats.SyncPartialOK++
			return
		}
		if id != "?" {
			n.stats.SyncPartialErr++
		}
		c.fullResyncReason = reason
	} else {
		c.prePsync = true
		c.fullResyncReason = ReasonProtocol
	}
	n.stats.SyncFull++
	c.replica = true
	c.slaveState = slaveWaitBgsaveStart
	n.slaves = append(n.slaves, c)
	if len(n.slaves) == 1 && !n.buf.HasBacklog() {
		n.changeReplicationID()
		n.clearReplicationID2()
		n.createBacklog()
		n.env.Log(fmt.Sprintf("Replication backlog created, my new replication IDs are '%s' and '%s'", n.replid, n.replid2))
	}
	switch {
	case n.child != nil && !n.child.socket:
		// A disk snapshot is being written: reuse it when another replica
		// is waiting for the same one (copyReplicaOutputBuffer).
		for _, other := range n.slaves {
			if other != c && other.slaveState == slaveWaitBgsaveEnd && other.reader != nil {
				c.reader = n.buf.CopyReplica(other.reader)
				n.setupFullResync(c, other.psyncInitialOff)
				n.child.targets = append(n.child.targets, c)
				n.env.Log("Waiting for end of BGSAVE for SYNC")
				return
			}
		}
		n.env.Log("Can't attach the replica to the current BGSAVE. Waiting for next BGSAVE for SYNC")
	case n.child != nil:
		n.env.Log("Current BGSAVE has socket target. Waiting for next BGSAVE for SYNC")
	default:
		if n.cfg.ReplDisklessSync && c.capaEOF && n.cfg.ReplDisklessSyncDelay > 0 {
			n.env.Log("Delay next BGSAVE for diskless SYNC")
		} else {
			n.startBgsaveForReplication()
		}
	}
}

// tryPartialResync is masterTryPartialResynchronization. When it cannot
// serve the replica a partial resync, it returns why (a Reason* constant).
func (n *Node) tryPartialResync(c *client, id string, offArg []byte) (ok bool, reason string) {
	p, err := strconv.ParseInt(string(offArg), 10, 64)
	if err != nil {
		return false, ReasonProtocol
	}
	switch n.cfg.Protocol {
	case SYNC:
		return false, ReasonProtocol
	case PSYNC:
		// Redis 2.8–3.2: the run id and a circular backlog holding exactly
		// repl-backlog-size bytes.
		if !strings.EqualFold(id, n.replid) {
			return false, idMismatch(id)
		}
		if !n.buf.HasBacklog() || p > n.buf.Offset()+1 || n.buf.Offset()-p+1 > n.cfg.ReplBacklogSizeBytes ||
			p < n.buf.FirstByteOffset() {
			n.env.Log(fmt.Sprintf("Unable to partial resync with replica %s for lack of backlog (Replica request was: %d).", c.conn.Peer(), p))
			return false, n.lackOfBacklog()
		}
	default:
		if !strings.EqualFold(id, n.replid) {
			if !strings.EqualFold(id, n.replid2) {
				if id != "?" {
					n.env.Log(fmt.Sprintf("Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '%s', my replication IDs are '%s' and '%s')", id, n.replid, n.replid2))
				}
				return false, idMismatch(id)
			}
			if p > n.secondReplidOffset {
				n.env.Log(fmt.Sprintf("Partial resynchronization not accepted: Requested offset for second ID was %d, but I can reply up to %d", p, n.secondReplidOffset))
				return false, ReasonReplid
			}
		}
		if !n.psyncInRange(p) {
			n.env.Log(fmt.Sprintf("Unable to partial resync with replica %s for lack of backlog (Replica request was: %d).", c.conn.Peer(), p))
			if p > n.buf.Offset()+1 {
				n.env.Log(fmt.Sprintf("Warning: replica %s tried to PSYNC with an offset that is greater than the master replication offset.", c.conn.Peer()))
			}
			return false, n.lackOfBacklog()
		}
	}
	c.replica = true
	c.slaveState = slaveOnline
	c.ackTime = n.unixtime()
	c.startStreamOnAck = false
	c.streamStarted = true
	n.slaves = append(n.slaves, c)
	if c.capaPsync2 && n.cfg.Protocol == PSYNC2 {
		c.conn.Write([]byte("+CONTINUE " + n.replid + "\r\n"))
	} else {
		c.conn.Write([]byte("+CONTINUE\r\n"))
	}
	from := p
	if n.cfg.Bugs.PsyncOffByOne && p <= n.buf.Offset() {
		from = p + 1
	}
	if n.cfg.Bugs.DropLastBlockOnTrim && from < n.buf.FirstByteOffset() {
		from = n.buf.FirstByteOffset()
	}
	c.reader = n.buf.AddReplicaAt(from)
	sent := n.buf.Offset() - p + 1
	n.env.Log(fmt.Sprintf("Partial resynchronization request from %s accepted. Sending %d bytes of backlog starting from offset %d.", c.conn.Peer(), sent, p))
	n.env.Note(Note{Kind: NoteContinue, Peer: c.conn.Peer(), Offset: p})
	n.observeContinue(c.conn.Peer(), id, p)
	n.refreshGoodSlavesCount()
	return true, ""
}

// idMismatch is the reason a PSYNC for a history other than the master's
// fails: "?" asks for none.
func idMismatch(id string) string {
	if id == "?" {
		return ReasonNoCachedMaster
	}
	return ReasonReplid
}

// lackOfBacklog is the reason a PSYNC for the master's history fails on
// the backlog: a window that misses the offset, or no backlog at all.
func (n *Node) lackOfBacklog() string {
	if n.buf.HasBacklog() {
		return ReasonBacklog
	}
	return ReasonNoBacklog
}

// psyncInRange is the range test of spec §3.5: a backlog exists and
// offset <= p <= offset + histlen.
func (n *Node) psyncInRange(p int64) bool {
	if n.buf.InRange(p) {
		return true
	}
	if n.cfg.Bugs.DropLastBlockOnTrim && n.buf.HasBacklog() {
		n.noteTrim()
		return p >= n.trimmedFrom && p < n.buf.FirstByteOffset()
	}
	return false
}

// noteTrim remembers where the backlog started before its latest trim, for
// the planted bug drop-last-block-on-trim.
func (n *Node) noteTrim() {
	if first := n.buf.FirstByteOffset(); first != n.lastFirst {
		if first > n.lastFirst && n.lastFirst > 0 {
			n.trimmedFrom = n.lastFirst
		}
		n.lastFirst = first
	}
}

// startBgsaveForReplication forks a snapshot child for every replica waiting
// in WAIT_BGSAVE_START: to the sockets when diskless sync is on and they all
// understand EOF-marked payloads, else to disk.
func (n *Node) startBgsaveForReplication() {
	socket := n.cfg.ReplDisklessSync
	for _, s := range n.slaves {
		if s.slaveState == slaveWaitBgsaveStart && !s.capaEOF {
			socket = false
		}
	}
	n.env.Log(fmt.Sprintf("Starting BGSAVE for SYNC with target: %s", map[bool]string{true: "replicas sockets", false: "disk"}[socket]))
	child := n.forkSnapshot(socket)
	for _, s := range n.slaves {
		if s.slaveState == slaveWaitBgsaveStart {
			n.setupFullResync(s, child.offset)
			child.targets = append(child.targets, s)
		}
	}
	n.childProgress()
}

// setupFullResync is replicationSetupSlaveForFullResync: +FULLRESYNC with the
// offset of the fork, and from now on the replica references every byte fed.
// It may run long after syncCommand (when the next BGSAVE starts), so the
// reason for the full resync waits on the client.
func (n *Node) setupFullResync(c *client, offset int64) {
	c.psyncInitialOff = offset
	c.slaveState = slaveWaitBgsaveEnd
	if !n.cfg.Bugs.ForgetSelectAfterFullSync {
		n.slaveseldb = -1
	}
	if c.reader == nil {
		c.reader = n.buf.AddReplica()
	}
	if !c.prePsync {
		c.conn.Write([]byte(fmt.Sprintf("+FULLRESYNC %s %d\r\n", n.replid, offset)))
	}
	n.env.Note(Note{Kind: NoteFullResync, Peer: c.conn.Peer(), Offset: offset, Reason: c.fullResyncReason})
}

// replicaPutOnline is called when the snapshot has been sent.
func (n *Node) replicaPutOnline(c *client) {
	c.slaveState = slaveOnline
	c.ackTime = n.unixtime()
	n.refreshGoodSlavesCount()
	n.env.Log(fmt.Sprintf("Synchronization with replica %s:%d succeeded", c.conn.Peer(), c.listeningPort))
}

// writeToReplica sends the rest of the snapshot, then the stream.
func (n *Node) writeToReplica(c *client) {
	for len(c.bulk) > 0 {
		w := c.conn.Write(c.bulk[0])
		if w == 0 {
			return
		}
		c.lastPartialWrite = n.unixtime()
		if w < len(c.bulk[0]) {
			c.bulk[0] = c.bulk[0][w:]
			return
		}
		c.bulk[0] = nil
		c.bulk = c.bulk[1:]
	}
	if c.slaveState == slaveSendBulk {
		// A disk snapshot is fully sent: the stream starts at once.
		c.bulk = nil
		n.replicaPutOnline(c)
		c.streamStarted = true
	}
	if !c.streamStarted || c.reader == nil {
		return
	}
	// _writeToClient: a reader at the end of a block moves on with
	// Advance(0), so a PSYNC served from a block boundary is not stuck.
	for c.reader.HasPending() {
		chunk := c.reader.Chunk()
		w := 0
		if len(chunk) > 0 {
			if w = c.conn.Write(chunk); w == 0 {
				return
			}
		}
		c.reader.Advance(w)
		n.stats.StreamBytesSent += int64(w)
		if w < len(chunk) {
			return
		}
	}
}

// removeSlave forgets a replica client that is being freed.
func (n *Node) removeSlave(c *client) {
	for i, s := range n.slaves {
		if s == c {
			n.slaves = append(n.slaves[:i], n.slaves[i+1:]...)
			break
		}
	}
	if c.reader != nil {
		c.reader.Release()
		c.reader = nil
	}
	if n.child != nil {
		n.child.removeTarget(c)
		if n.child.socket && len(n.child.targets) == 0 {
			n.env.Log("Diskless rdb transfer, last replica dropped, killing fork child.")
			n.child.stop()
			n.child = nil
		}
	}
	if len(n.slaves) == 0 {
		n.noSlavesSince = n.unixtime()
	}
	n.refreshGoodSlavesCount()
	n.env.Log(fmt.Sprintf("Connection with replica %s:%d lost.", c.conn.Peer(), c.listeningPort))
	n.env.Note(Note{Kind: NoteReplicaDropped, Peer: c.conn.Peer(), Offset: c.ackOff, Reason: c.dropReason})
}

// dropSlave frees a replica for a reason (ReasonTimeout,
// ReasonOutputBuffer) counted in the stats.
func (n *Node) dropSlave(c *client, reason string) {
	switch reason {
	case ReasonTimeout:
		n.stats.ReplicaDisconnectsTimeout++
	case ReasonOutputBuffer:
		n.stats.ReplicaDisconnectsOutputBuffer++
	}
	c.dropReason = reason
	n.freeClient(c, reason)
}

// checkOutputBufferLimits is closeClientOnOutputBufferLimitReached for every
// replica that references the buffer. Redis frees them asynchronously when a
// new block was created; here they are freed at the end of the event.
func (n *Node) checkOutputBufferLimits(async bool) {
	lim := n.cfg.ReplicaOutputBufferLimit
	hard := lim.HardBytes
	if hard != 0 && hard < n.cfg.ReplBacklogSizeBytes {
		hard = n.cfg.ReplBacklogSizeBytes
	}
	for _, s := range n.slaves {
		if s.reader == nil || s.closing {
			continue
		}
		used := s.reader.MemUsage()
		reached := hard != 0 && used >= hard
		if lim.SoftBytes != 0 && used >= lim.SoftBytes {
			if s.obufSoftSince == 0 {
				s.obufSoftSince = n.unixtime()
			} else if n.unixtime()-s.obufSoftSince > seconds(lim.SoftSeconds) {
				reached = true
			}
		} else {
			s.obufSoftSince = 0
		}
		if reached {
			n.env.Log(fmt.Sprintf("Client id=%d addr=%s flags=S scheduled to be closed ASAP for overcoming of output buffer limits.", s.id, s.conn.Peer()))
			n.stats.ReplicaDisconnectsOutputBuffer++
			s.dropReason = ReasonOutputBuffer
			s.closing = true
			s.closeAfterReply = true
			s.out, s.bulk = nil, nil
			s.streamStarted = false
		}
	}
}

// REPLCONF.
func replconfCommand(n *Node, c *client, argv [][]byte) {
	if len(argv)%2 == 0 {
		c.addError("ERR syntax error")
		return
	}
	for i := 1; i < len(argv); i += 2 {
		opt := strings.ToLower(string(argv[i]))
		val := argv[i+1]
		switch opt {
		case "listening-port":
			p, err := strconv.Atoi(string(val))
			if err != nil {
				c.addError("ERR value is not an integer or out of range")
				return
			}
			c.listeningPort = p
		case "ip-address":
		case "capa":
			switch strings.ToLower(string(val)) {
			case "eof":
				c.capaEOF = true
			case "psync2":
				c.capaPsync2 = true
			}
		case "ack":
			if !c.replica {
				return
			}
			off, err := strconv.ParseInt(string(val), 10, 64)
			if err != nil {
				return
			}
			if off > c.ackOff {
				c.ackOff = off
			}
			c.ackTime = n.unixtime()
			if c.slaveState == slaveWaitBgsaveEnd && n.child != nil && n.child.socket {
				n.checkChildDone()
			}
			if c.startStreamOnAck && c.slaveState == slaveOnline {
				c.startStreamOnAck = false
				c.streamStarted = true
			}
			return // no reply
		case "getack":
			if !n.isMaster() && n.master == c {
				n.sendAck()
			}
			return // no reply
		default:
			c.addError(fmt.Sprintf("ERR Unrecognized REPLCONF option: %s", argv[i]))
			return
		}
	}
	c.addSimple("OK")
}

// WAIT numreplicas timeout (spec §7.2).
func waitCommand(n *Node, c *client, argv [][]byte) {
	if !n.isMaster() {
		c.addError("ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.")
		return
	}
	num, err := parseStrictInt(argv[1])
	if err != nil {
		c.addError("ERR value is not an integer or out of range")
		return
	}
	timeoutMs, err := parseStrictInt(argv[2])
	if err != nil {
		c.addError("ERR timeout is not an integer or out of range")
		return
	}
	if timeoutMs < 0 {
		c.addError("ERR timeout is negative")
		return
	}
	acked := n.countAcks(c.woff)
	if acked >= int(num) || c.multi {
		c.addInt(int64(acked))
		return
	}
	c.waitOff = c.woff
	c.waitReplicas = int(num)
	c.waitDeadline = 0
	if timeoutMs > 0 {
		c.waitDeadline = n.mstime() + timeoutMs
		n.env.After(time.Duration(timeoutMs)*time.Millisecond, func() {
			if n.up {
				n.endIteration()
			}
		})
	}
	n.waiting = append(n.waiting, c)
	n.getAckPending = true
}

func (n *Node) countAcks(off int64) int {
	k := 0
	for _, s := range n.slaves {
		if s.slaveState == slaveOnline && s.ackOff >= off {
			k++
		}
	}
	return k
}

// processClientsWaitingReplicas answers WAITs that have their ACKs or
// reached their timeout.
func (n *Node) processClientsWaitingReplicas() {
	if len(n.waiting) == 0 {
		return
	}
	now := n.mstime()
	kept := n.waiting[:0]
	for _, c := range n.waiting {
		acked := n.countAcks(c.waitOff)
		if acked >= c.waitReplicas || (c.waitDeadline != 0 && now >= c.waitDeadline) {
			c.addInt(int64(acked))
			continue
		}
		kept = append(kept, c)
	}
	for i := len(kept); i < len(n.waiting); i++ {
		n.waiting[i] = nil
	}
	n.waiting = kept
}

func (n *Node) unblockWait(c *client) {
	for i, w := range n.waiting {
		if w == c {
			n.waiting = append(n.waiting[:i], n.waiting[i+1:]...)
			return
		}
	}
}

// refreshGoodSlavesCount counts replicas that are online and acknowledged
// within min-replicas-max-lag (spec §7.1).
func (n *Node) refreshGoodSlavesCount() {
	if n.cfg.MinReplicasToWrite == 0 || n.cfg.MinReplicasMaxLag == 0 {
		return
	}
	good := 0
	for _, s := range n.slaves {
		if s.slaveState == slaveOnline && n.unixtime()-s.ackTime <= seconds(n.cfg.MinReplicasMaxLag) {
			good++
		}
	}
	n.goodSlaves = good
}

// goodReplicasOK is checkGoodReplicasStatus.
func (n *Node) goodReplicasOK() bool {
	return !n.isMaster() || n.cfg.MinReplicasToWrite == 0 || seconds(n.cfg.MinReplicasMaxLag) == 0 ||
		n.goodSlaves >= n.cfg.MinReplicasToWrite
}

// Replication IDs (spec §8.1).

func (n *Node) changeReplicationID() { n.replid = n.randomID() }

func (n *Node) clearReplicationID2() {
	n.replid2 = zeroID
	n.secondReplidOffset = -1
}

// shiftReplicationID keeps the old history reachable through replid2.
func (n *Node) shiftReplicationID() {
	n.replid2 = n.replid
	n.secondReplidOffset = n.buf.Offset() + 1
	n.changeReplicationID()
	n.env.Log(fmt.Sprintf("Setting secondary replication ID to %s, valid up to offset: %d. New replication ID is %s", n.replid2, n.secondReplidOffset, n.replid))
}

func (n *Node) createBacklog() {
	n.buf.CreateBacklog()
}

// disconnectSlaves drops every replica; they reconnect and PSYNC.
func (n *Node) disconnectSlaves() {
	for _, s := range append([]*client(nil), n.slaves...) {
		n.freeClient(s, "disconnect replicas")
	}
}
