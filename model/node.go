package model

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/replsim/replsim/model/replbuf"
	"github.com/replsim/replsim/model/resp"
)

// Node is one Redis server: keyspace, clients, and both sides of
// replication. It is a deterministic state machine: it changes only when the
// runner calls one of its entry points, and it acts on the world only through
// its Env.
type Node struct {
	name string
	cfg  Config
	env  Env
	rng  *rand.Rand
	// syncBuf is the buffer the last full-sync payload was received in,
	// kept for the next one (memory only: nothing reads its old bytes).
	syncBuf []byte

	up        bool
	startedAt time.Duration // process start, for cron loop counting
	cronTimer Timer
	cronLoops int64 // serverCron calls since start
	replLoops int64 // replicationCron calls since start

	dbs     [numDBs]*db
	clients []*client // in creation order, as Redis's server.clients
	byConn  map[Conn]*client
	pubsub  map[string][]*client // channel: subscribers in subscription order
	runID   string               // run_id: new for every process start
	nextID  uint64

	// Replication, master side (also used by a replica for its own
	// sub-replicas, which it feeds with the bytes it applied).
	replid             string
	replid2            string
	secondReplidOffset int64
	buf                *replbuf.Buffer // shared replication buffer; buf.Offset() is master_repl_offset
	slaves             []*client       // in the order they were added
	slaveseldb         int
	noSlavesSince      int64 // unix seconds
	goodSlaves         int
	child              *snapshotChild // the fork child writing a snapshot, if any
	getAckPending      bool           // a WAIT blocked in this event loop iteration
	waiting            []*client      // clients blocked in WAIT

	// Replication, replica side.
	masterHost   string
	masterPort   int
	replState    replState
	master       *client // the master client once CONNECTED
	cached       *cachedMaster
	link         *masterLink // connection during connect, handshake and transfer
	downSince    int64       // unix seconds the master link went down; -1 never up
	loading      *loadState  // a received snapshot being loaded
	masterReplid string      // the id the master gave in +FULLRESYNC
	fwd          []byte      // applied bytes to forward to sub-replicas

	// persisted is what is on disk: the last RDB saved, for restarts.
	persisted []byte

	stats Stats // this process's counters, zero at start as in Redis
	prior Stats // counters of earlier processes of this node (before restarts)

	pending []propOp // operations to propagate when the current command ends
	inExec  bool     // EXEC is running its queue: propagate once at the end
	scratch []byte

	lastFirst, trimmedFrom int64 // backlog start before the latest trim (planted bug)

	// The Observer of env, if it has one, and what it saw last.
	obs       Observer
	obsDone   bool
	obsOffset int64
	obsHash   uint64
	obsReplid string

	// The EventLoop of env, if it has one, and whether this iteration's
	// beforeSleep is still to run.
	loop         EventLoop
	sleepPending bool
}

// New returns a node named name with the given configuration. It does
// nothing until Start.
func New(name string, cfg Config, env Env, rng *rand.Rand) (*Node, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("node %s: %w", name, err)
	}
	n := &Node{name: name, cfg: cfg, env: env, rng: rng}
	n.obs, _ = env.(Observer)
	n.loop, _ = env.(EventLoop)
	return n, nil
}

// Name returns the node's name (its host).
func (n *Node) Name() string { return n.name }

// Config returns the node's configuration.
func (n *Node) Config() Config { return n.cfg }

// Up reports whether the node's process is running.
func (n *Node) Up() bool { return n.up }

// Start boots the process: empty keyspace, or the persisted RDB when
// persistence is on; a replica configured with replicaof starts connecting at
// its first cron tick.
func (n *Node) Start() error {
	n.reset()
	n.up = true
	n.startedAt = n.env.Now()
	n.noSlavesSince = n.unixtime()
	if len(n.persisted) > 0 && n.cfg.Persistence == PersistRDB {
		if err := n.loadPersisted(); err != nil {
			return fmt.Errorf("node %s: loading RDB: %w", n.name, err)
		}
	}
	if n.cfg.ReplicaOfHost != "" {
		// replicaof in the config: connect at the first replicationCron,
		// with "PSYNC ? -1" unless the RDB gave a cached master.
		n.masterHost, n.masterPort = n.cfg.ReplicaOfHost, n.cfg.ReplicaOfPort
		n.replState = replConnect
	}
	n.scheduleCron()
	n.observe(observeStart)
	return nil
}

// reset drops every piece of in-memory state, as a process exit does.
func (n *Node) reset() {
	for i := range n.dbs {
		n.dbs[i] = newDB(i)
	}
	n.clients = nil
	n.byConn = make(map[Conn]*client)
	n.pubsub = make(map[string][]*client)
	n.replid = n.randomID()
	n.runID = runIDFor(n.replid)
	n.replid2 = zeroID
	n.secondReplidOffset = -1
	n.buf = replbuf.New(replbuf.Options{BacklogSizeBytes: n.cfg.ReplBacklogSizeBytes, Allocator: n.cfg.BacklogAllocator})
	n.slaves = nil
	n.slaveseldb = -1
	n.goodSlaves = 0
	n.child = nil
	n.waiting = nil
	n.masterHost, n.masterPort = "", 0
	n.replState = replNone
	n.master = nil
	n.cached = nil
	n.link = nil
	n.downSince = -1
	n.loading = nil
	n.cronLoops, n.replLoops = 0, 0
	n.sleepPending = false
	if n.cronTimer != nil {
		n.cronTimer.Stop()
		n.cronTimer = nil
	}
}

// Crash kills the process: all in-memory state is lost. The runner resets
// its connections. With persistence on, what was saved last survives.
func (n *Node) Crash() {
	if !n.up {
		return
	}
	if n.child != nil {
		n.child.stop()
	}
	n.up = false
	n.prior.addCounters(n.stats)
	n.stats = Stats{}
	n.reset()
	n.env.Log("crashed")
}

// Shutdown stops the process the way SHUTDOWN does: with persistence on, it
// saves an RDB first (with replication info, so a restart can PSYNC).
func (n *Node) Shutdown() {
	if !n.up {
		return
	}
	if n.cfg.Persistence == PersistRDB {
		n.persisted = n.saveRDB()
	}
	for _, c := range append([]*client(nil), n.clients...) {
		c.conn.Close()
	}
	n.Crash()
}

// unixtime is Redis's server.unixtime: whole seconds.
func (n *Node) unixtime() int64 { return epochMs/1000 + int64(n.env.Now()/time.Second) }

// mstime is unix milliseconds.
func (n *Node) mstime() int64 { return epochMs + int64(n.env.Now()/time.Millisecond) }

const zeroID = "0000000000000000000000000000000000000000"

// randomID returns 40 hex characters from the node's random stream.
func (n *Node) randomID() string {
	const hex = "0123456789abcdef"
	var b [40]byte
	for i := range b {
		b[i] = hex[n.rng.IntN(16)]
	}
	return string(b[:])
}

// isMaster reports whether the node is a master (Redis: masterhost == NULL).
func (n *Node) isMaster() bool { return n.masterHost == "" }

// Accept is called when a client connects to the node's port.
func (n *Node) Accept(conn Conn) {
	if !n.up {
		conn.Close()
		return
	}
	n.newClient(conn)
	n.endIteration()
}

func (n *Node) newClient(conn Conn) *client {
	n.nextID++
	c := &client{id: n.nextID, conn: conn, req: resp.NewReader(resp.Limits{}), lastInteraction: n.unixtime()}
	n.clients = append(n.clients, c)
	n.byConn[conn] = c
	return c
}

// protoIOBufLen is Redis's PROTO_IOBUF_LEN: readQueryFromClient reads at
// most this many bytes from a socket per event loop iteration.
const protoIOBufLen = 16 * 1024

// Data is called with bytes that arrived on one of the node's connections.
// The node reads them as Redis does, at most protoIOBufLen per iteration:
// every complete command in a read runs at once, and the rest of a larger
// delivery waits in the socket for the next iteration.
func (n *Node) Data(conn Conn, p []byte) {
	for n.up {
		k := min(len(p), protoIOBufLen)
		n.read(conn, p[:k])
		p = p[k:]
		if len(p) == 0 {
			break
		}
		n.beforeSleep() // the end of the iteration that read p[:k]
	}
	n.endIteration()
}

// read handles one read from conn.
func (n *Node) read(conn Conn, p []byte) {
	if n.link != nil && n.link.conn == conn {
		n.linkData(p)
	} else if n.loading != nil && n.loading.conn == conn {
		n.loading.rr.Feed(p) // applied once the snapshot is loaded
	} else if c := n.byConn[conn]; c != nil {
		c.lastInteraction = n.unixtime()
		c.req.Feed(p)
		if c == n.master && n.cfg.Bugs.AckBeforeApply {
			// Planted bug: acknowledge what arrived, apply it later.
			n.sendAck()
		} else {
			n.processInput(c)
		}
	}
}

// Writable is called when a connection can take more bytes.
func (n *Node) Writable(conn Conn) {
	if !n.up {
		return
	}
	if c := n.byConn[conn]; c != nil {
		n.writeToClient(c)
	}
	n.endIteration()
}

// Closed is called when a connection ends (EOF or reset).
func (n *Node) Closed(conn Conn, err error) {
	if !n.up {
		return
	}
	if n.link != nil && n.link.conn == conn {
		n.env.Log(fmt.Sprintf("Error condition on socket for SYNC: %v", err))
		n.cancelHandshake(true)
	} else if n.loading != nil && n.loading.conn == conn {
		n.cancelHandshake(true)
	} else if c := n.byConn[conn]; c != nil {
		n.freeClient(c, "connection closed")
	}
	n.endIteration()
}

// Connected is called when a dial the node started completes or fails.
func (n *Node) Connected(conn Conn, err error) {
	if !n.up {
		return
	}
	if n.link != nil && n.link.conn == conn {
		n.linkConnected(err)
	}
	n.endIteration()
}

func (n *Node) scheduleCron() {
	n.cronTimer = n.env.After(100*time.Millisecond, n.serverCron)
}

// endIteration ends the event loop iteration of an entry point: beforeSleep
// runs now, or, when the Env is an EventLoop, once for every entry point of
// the same instant, when the runner calls BeforeSleep.
func (n *Node) endIteration() {
	switch {
	case n.loop == nil:
		n.beforeSleep()
	case !n.sleepPending && n.up:
		n.sleepPending = true
		n.loop.Wake()
	}
}

// BeforeSleep ends the event loop iteration the node asked for with
// EventLoop.Wake; it does nothing if there is none (after a crash, say).
func (n *Node) BeforeSleep() {
	if n.sleepPending {
		n.sleepPending = false
		n.beforeSleep()
	}
}

// beforeSleep runs at the end of every event loop iteration: WAIT bookkeeping
// and GETACK, backlog trimming, and flushing output to clients and replicas.
func (n *Node) beforeSleep() {
	if !n.up {
		return
	}
	n.processClientsWaitingReplicas()
	if n.getAckPending && n.isMaster() {
		n.feedCommand(n.slaveseldb, [][]byte{[]byte("REPLCONF"), []byte("GETACK"), []byte("*")})
		n.getAckPending = false
	}
	if n.buf.HasBacklog() {
		n.buf.Trim(640)
		if n.cfg.Bugs.DropLastBlockOnTrim {
			n.noteTrim()
		}
	}
	for _, c := range n.clients {
		if c.pendingWrite() {
			n.writeToClient(c)
		}
	}
	n.freeClosing()
	if n.isMaster() {
		n.observe(observeChange)
	}
}

// processInput runs every complete command buffered for c.
func (n *Node) processInput(c *client) {
	for !c.closing {
		if c == n.master && n.loading != nil {
			return // the stream waits until the snapshot is loaded
		}
		raw := c.req.Buffered()
		argv, consumed, ok, err := c.req.ReadCommand()
		if err == nil && ok && c == n.master && c.req.Form() == resp.FormInline {
			err = errors.New("Master using the inline protocol. Desync?")
			n.env.Log("WARNING: Receiving inline protocol from master, master stream corruption? Closing the master connection and discarding the cached master.")
		}
		if err != nil {
			n.env.Log(fmt.Sprintf("Protocol error (%v) from client: id=%d", err, c.id))
			c.addError("ERR " + err.Error())
			c.closeAfterReply = true
			if c == n.master {
				// A protocol error discards the cached master: the next
				// sync is a full one.
				n.handleMasterDisconnection("protocol error")
				n.cached = nil
			}
			return
		}
		if !ok {
			return
		}
		if c == n.master {
			n.masterCommand(c, argv, raw[:consumed])
			continue
		}
		if len(argv) == 0 {
			// A bare newline from a replica is its keep-alive while it
			// loads a snapshot (processInlineBuffer).
			if c.isReplica() && c.req.Form() == resp.FormNewline {
				c.ackTime = n.unixtime()
			}
			continue
		}
		n.processCommand(c, argv)
	}
}

// freeClient drops a client. A master client is cached instead, so the
// replica can PSYNC later (spec §4.4).
func (n *Node) freeClient(c *client, reason string) {
	if c.freed {
		return
	}
	if c == n.master {
		n.handleMasterDisconnection(reason)
		return
	}
	n.dropClientConn(c)
	n.unsubscribeAll(c)
	n.unblockWait(c)
	if c.isReplica() {
		n.removeSlave(c)
	}
}

// freeClosing frees clients whose last reply has been written.
func (n *Node) freeClosing() {
	for i := 0; i < len(n.clients); i++ {
		c := n.clients[i]
		if c.closeAfterReply && !c.pendingWrite() {
			n.freeClient(c, "close after reply")
			i--
		}
	}
}

// writeToClient hands pending output to the socket: first the reply buffer,
// then, for an online replica, the replication stream. The reply buffer is
// reused once it has all been written, unless a large reply grew it.
func (n *Node) writeToClient(c *client) {
	for c.sent < len(c.out) {
		w := c.conn.Write(c.out[c.sent:])
		if w == 0 {
			return
		}
		c.sent += w
		c.lastPartialWrite = n.unixtime()
	}
	c.out, c.sent = c.out[:0], 0
	if cap(c.out) > replyBufKeepBytes {
		c.out = nil
	}
	if c.isReplica() {
		n.writeToReplica(c)
	}
}

// replyBufKeepBytes is the largest reply buffer a client keeps for reuse.
const replyBufKeepBytes = 64 << 10

// Stats returns the node's state and counters. Counters cover every
// process of the node, across restarts (INFO would show only the current
// process's).
func (n *Node) Stats() Stats {
	s := n.stats
	s.addCounters(n.prior)
	s.MasterReplOffset = n.buf.Offset()
	s.ConnectedSlaves = len(n.slaves)
	s.ReplBacklogHistlen = n.buf.HistLen()
	s.ReplBacklogFirstByteOffset = n.buf.FirstByteOffset()
	s.MemTotalReplicationBuffers = n.buf.Memory(len(n.slaves)).TotalReplicationBuffersBytes
	s.MasterReplid = n.replid
	s.MasterReplid2 = n.replid2
	s.SecondReplOffset = n.secondReplidOffset
	s.Role = "master"
	if !n.isMaster() {
		s.Role = "slave"
		s.MasterLinkUp = n.replState == replConnected
		s.SlaveReplOffset = n.replicaOffset()
	}
	for _, sl := range n.slaves {
		s.Replicas = append(s.Replicas, ReplicaInfo{
			Host:   sl.conn.Peer(),
			State:  sl.slaveState.String(),
			Offset: sl.ackOff,
			Lag:    n.unixtime() - sl.ackTime,
		})
	}
	return s
}
