package model

import (
	"github.com/replsim/replsim/model/replbuf"
	"github.com/replsim/replsim/model/resp"
)

// client is one connection accepted by the node: an ordinary client, a
// replica attached to this node, or (on a replica) the master.
type client struct {
	id              uint64
	conn            Conn
	req             *resp.Reader
	out             []byte // replies; out[sent:] not yet accepted by the socket
	sent            int
	db              int
	woff            int64 // master_repl_offset after the client's last command (WAIT)
	lastInteraction int64 // unix seconds of the last read

	closing         bool // no more commands are processed
	closeAfterReply bool // free once out is written
	freed           bool

	name     string   // CLIENT SETNAME
	channels []string // subscribed channels, in subscription order

	multi      bool // inside MULTI
	multiQueue [][][]byte
	multiDirty bool // a queued command failed: EXEC aborts

	// Replica attached to this node (Redis's CLIENT_SLAVE).
	replica           bool
	slaveState        slaveState
	reader            *replbuf.Reader // position in the shared replication buffer
	streamStarted     bool            // the stream may be sent (replicaStartCommandStream)
	startStreamOnAck  bool            // diskless: wait for the first ACK
	ackOff            int64           // repl_ack_off
	ackTime           int64           // repl_ack_time, unix seconds
	listeningPort     int
	capaEOF           bool
	capaPsync2        bool
	prePsync          bool     // came with SYNC: no ACKs, no ACK timeout
	psyncInitialOff   int64    // offset of the +FULLRESYNC
	fullResyncReason  string   // why no partial resync: a Reason* constant
	dropReason        string   // why the master closes it: a Reason* constant, or ""
	bulk              [][]byte // snapshot bytes still to send, in order
	lastPartialWrite  int64
	obufSoftSince     int64 // when usage first crossed the soft limit; 0 none
	lastPingSentLoops int64

	// The master, as seen by a replica (Redis's CLIENT_MASTER).
	reploff     int64 // applied offset
	readReploff int64 // bytes read from the master
	multiBytes  int   // bytes of a MULTI block not yet applied

	// Blocked in WAIT.
	waitOff      int64
	waitReplicas int
	waitDeadline int64 // unix ms; 0 waits forever
}

func (c *client) isReplica() bool { return c.replica }

func (c *client) pendingWrite() bool {
	if len(c.out) > 0 {
		return true
	}
	if c.replica && len(c.bulk) > 0 {
		return true
	}
	return c.replica && c.streamStarted && c.reader != nil && c.reader.HasPending()
}

// Replies. A master client never gets replies (Redis suppresses them unless
// CLIENT_MASTER_FORCE_REPLY, used only for ACKs).

func (c *client) addSimple(s string) { c.out = resp.AppendSimple(c.out, s) }
func (c *client) addError(msg string) {
	c.out = resp.AppendError(c.out, msg)
}
func (c *client) addInt(v int64)      { c.out = resp.AppendInt(c.out, v) }
func (c *client) addBulk(b []byte)    { c.out = resp.AppendBulk(c.out, b) }
func (c *client) addNull()            { c.out = resp.AppendNull(c.out) }
func (c *client) addArrayLen(k int)   { c.out = resp.AppendArrayLen(c.out, k) }
func (c *client) addBulkStr(s string) { c.out = resp.AppendBulk(c.out, []byte(s)) }

// replState is a replica's repl_state (spec §4.1).
type replState int

const (
	replNone replState = iota
	replConnect
	replConnecting
	replReceivePingReply
	replReceivePortReply
	replReceiveCapaReply
	replReceivePsyncReply
	replTransfer
	replConnected
)

func (s replState) String() string {
	switch s {
	case replNone:
		return "none"
	case replConnect:
		return "connect"
	case replConnecting:
		return "connecting"
	case replReceivePingReply, replReceivePortReply, replReceiveCapaReply, replReceivePsyncReply:
		return "handshake"
	case replTransfer:
		return "sync"
	case replConnected:
		return "connected"
	}
	return "?"
}

func (s replState) inHandshake() bool {
	return s >= replReceivePingReply && s <= replReceivePsyncReply
}

// slaveState is a replica's state as its master sees it (spec §5.1).
type slaveState int

const (
	slaveWaitBgsaveStart slaveState = iota + 6
	slaveWaitBgsaveEnd
	slaveSendBulk
	slaveOnline
)

func (s slaveState) String() string {
	switch s {
	case slaveWaitBgsaveStart, slaveWaitBgsaveEnd:
		return "wait_bgsave"
	case slaveSendBulk:
		return "send_bulk"
	case slaveOnline:
		return "online"
	}
	return "?"
}
