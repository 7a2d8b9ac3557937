package model

import "time"

// Env is everything a node needs from the world around it. The runner in
// package scenarios implements it over the simulated network and clock; the
// same engine could run over real TCP and a real clock. The engine never
// reads a clock or starts a goroutine of its own.
//
// Calls into the node (Accept, Connected, Data, Writable, Closed, and the
// timers it set) are made one at a time by the runner. Each is the work of
// one event loop iteration; the node ends the iteration with its beforeSleep
// work before returning, unless the Env is also an EventLoop.
type Env interface {
	// Now returns the current time since the start of the run.
	Now() time.Duration
	// Dial starts connecting to host:port and returns the connection at
	// once; the node later gets Connected(conn, err). Closing a connection
	// that has not connected yet abandons the attempt.
	Dial(host string, port int) Conn
	// After calls fn once, d from now, unless the returned timer is stopped
	// first. Timers belong to the node's host: they wait while it is paused
	// and vanish when it crashes.
	After(d time.Duration, fn func()) Timer
	// Log records one line of the node's log (Redis's own log words), which
	// the runner adds to the trace. Used for rare events only.
	Log(msg string)
	// Note reports a replication event the checker draws on its timeline.
	Note(n Note)
}

// Note is one replication event, as the node decided it.
type Note struct {
	Kind NoteKind
	// Peer is the other node ("" for NotePromoted); Offset the replication
	// offset the event concerns.
	Peer   string
	Offset int64
	// Reason says why, for NoteFullResync and NoteReplicaDropped (see the
	// Reason* constants); "" otherwise.
	Reason string
}

// Reasons of a NoteFullResync: why the master could not serve the replica
// a partial resynchronization. The master checks, in Redis's order, the
// offset argument and its protocol, the replication ID, then the backlog:
// the reason is the first check that failed.
const (
	// ReasonNoCachedMaster: the replica sent "PSYNC ? -1", having no
	// cached master (its first sync, or it lost its replication state).
	// Redis logs "Full resync requested by replica %s".
	ReasonNoCachedMaster = "no-cached-master"
	// ReasonReplid: the replica asked for a history the master does not
	// share. Redis logs "Partial resynchronization not accepted:
	// Replication ID mismatch (Replica asked for '%s', my replication IDs
	// are '%s' and '%s')", or, for the master's previous ID, "Partial
	// resynchronization not accepted: Requested offset for second ID was
	// %d, but I can reply up to %d". A master that freed its backlog
	// after repl-backlog-ttl took a new replication ID at that moment, so
	// its old replicas end here too.
	ReasonReplid = "replid"
	// ReasonBacklog: the master has a backlog, but the requested offset is
	// outside its window. Redis logs "Unable to partial resync with
	// replica %s for lack of backlog (Replica request was: %d)."
	ReasonBacklog = "backlog"
	// ReasonNoBacklog: the history is the master's, but it has no backlog
	// at all (for instance a replica restarted from its RDB file and
	// promoted before it linked to a master again). Redis logs the same
	// line as for ReasonBacklog. A master that freed its backlog after
	// repl-backlog-ttl has none either, but answers ReasonReplid first.
	ReasonNoBacklog = "no-backlog"
	// ReasonProtocol: no partial resync is possible in this protocol: the
	// replica sent SYNC (before Redis 2.8), the master speaks protocol
	// sync, or the PSYNC offset is not a number (Redis 7.0 refuses such a
	// PSYNC with an error, "Replica %s asks for synchronization but with a
	// wrong offset"; the engine full-syncs it, as Redis did before).
	ReasonProtocol = "protocol"
)

// Reasons of a NoteReplicaDropped: why the master closed the replica's
// connection; "" when the connection was otherwise lost (closed by the
// peer or the network, or all replicas disconnected on a role change).
const (
	// ReasonTimeout: no REPLCONF ACK within repl-timeout, or a diskless
	// transfer that made no progress. Redis logs "Disconnecting timedout
	// replica (streaming sync): %s" or "(full sync)".
	ReasonTimeout = "timeout"
	// ReasonOutputBuffer: the replica's output buffer passed
	// client-output-buffer-limit replica. Redis logs "Client %s scheduled
	// to be closed ASAP for overcoming of output buffer limits."
	ReasonOutputBuffer = "output-buffer-limit"
)

// EventLoop is an optional extension of Env for a runner that gathers the
// events of one instant into one iteration of Redis's event loop (aeMain):
// every connection that became readable or writable and every timer due is
// handled, then beforeSleep runs once, feeding replicas, writing replies and
// output buffers and trimming the backlog. A pipelined batch, or deliveries
// from several clients at the same instant, then cost one beforeSleep, not
// one per event.
type EventLoop interface {
	// Wake asks the runner to call the node's BeforeSleep once, after the
	// events of the current instant that are already pending. The node
	// calls it at most once per iteration.
	Wake()
}

// Timer is a pending call made by Env.After.
type Timer interface {
	// Stop cancels the call and reports whether it was still pending.
	Stop() bool
}

// Conn is one TCP connection as the node sees it.
type Conn interface {
	// Write hands bytes to the socket and returns how many it accepted; the
	// node keeps the rest and retries when it gets Writable.
	Write(p []byte) int
	// Close closes the connection gracefully: bytes already accepted are
	// still delivered.
	Close()
	// Peer returns the remote host name, used in logs and INFO.
	Peer() string
	// PeerPort returns the remote port.
	PeerPort() int
}

// NoteKind names a replication event for the checker's timeline.
type NoteKind int

const (
	NoteLinkUp         NoteKind = iota // a replica's link to its master is CONNECTED
	NoteLinkDown                       // a replica lost its master link
	NoteFullResync                     // a master answered +FULLRESYNC
	NoteContinue                       // a master answered +CONTINUE
	NotePromoted                       // REPLICAOF NO ONE turned a replica into a master
	NoteSyncDone                       // a replica finished loading a full-sync snapshot
	NoteReplicaDropped                 // a master dropped a replica, or lost its connection
)

func (k NoteKind) String() string {
	switch k {
	case NoteLinkUp:
		return "link-up"
	case NoteLinkDown:
		return "link-down"
	case NoteFullResync:
		return "fullresync"
	case NoteContinue:
		return "continue"
	case NotePromoted:
		return "promoted"
	case NoteSyncDone:
		return "sync-done"
	case NoteReplicaDropped:
		return "replica-dropped"
	}
	return "note?"
}

// Observer is an optional extension of Env for the checker's replication
// invariants. An Env that implements it sees the node's keyspace at every
// replication offset the node reaches, and the master's state at every
// partial resynchronization it grants. The engine calls it besides Note;
// the runner in scenarios/world implements it.
type Observer interface {
	// Applied reports the node's keyspace as of a replication offset: on a
	// master after each command that moved its offset and at the end of
	// each event loop iteration that changed its offset or data; on a
	// replica after each command it applied from its master, after loading
	// a full-sync snapshot and when a partial resync is accepted; and at
	// every process start.
	Applied(a Applied)
	// Continued reports a partial resynchronization the node granted.
	Continued(c Continued)
}

// Applied is a node's keyspace as of one replication offset.
type Applied struct {
	// Replid is the replication ID the offset counts in: the node's own,
	// or (a replica under PSYNC of Redis 2.8-3.2) its master's.
	Replid string
	Offset int64
	// Hash and Keys are KeyspaceHash.
	Hash uint64
	Keys int64
	// Start: the process (re)started; Loaded: a full-sync snapshot
	// replaced the dataset. Either begins a new history for this node.
	Start, Loaded bool
}

// Continued is a master's state when it answered +CONTINUE.
type Continued struct {
	Peer string
	// Requested and Offset are the PSYNC's arguments.
	Requested string
	Offset    int64
	// The master's replication IDs (replid2 is valid up to
	// SecondReplOffset) and its backlog window: PSYNC may ask for offsets
	// BacklogFirst through BacklogEnd (master_repl_offset + 1).
	Replid, Replid2  string
	SecondReplOffset int64
	Backlog          bool
	BacklogFirst     int64
	BacklogEnd       int64
}
