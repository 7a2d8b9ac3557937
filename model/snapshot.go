package model

import (
	"fmt"
	"time"

	"github.com/replsim/replsim/model/rdb"
)

// snapshotChild models the fork child that writes an RDB for replication.
// The dataset is captured at the fork (copy-on-write), encoded at once, and
// released at RDBSaveBytesPerSec: to disk (then sent whole, with a $<len>
// preamble) or, diskless, straight to the replicas' sockets between
// $EOF:<mark> lines. Redis notices the child's exit in serverCron, so the
// model checks it every 100 ms too.
type snapshotChild struct {
	socket    bool
	offset    int64 // master_repl_offset at the fork
	payload   []byte
	startedAt time.Duration
	released  int // diskless: bytes already handed to the targets
	marked    bool
	eofMark   string
	targets   []*client
	stopped   bool
}

func (ch *snapshotChild) removeTarget(c *client) {
	for i, t := range ch.targets {
		if t == c {
			ch.targets = append(ch.targets[:i], ch.targets[i+1:]...)
			return
		}
	}
}

func (ch *snapshotChild) stop() { ch.stopped = true }

// generated returns how many payload bytes the child has written by now.
func (n *Node) generated(ch *snapshotChild) int {
	rate := n.cfg.RDBSaveBytesPerSec
	if rate == 0 {
		return len(ch.payload)
	}
	elapsed := n.env.Now() - ch.startedAt
	g := int64(float64(elapsed) / float64(time.Second) * float64(rate))
	if g > int64(len(ch.payload)) {
		return len(ch.payload)
	}
	return int(g)
}

// forkSnapshot starts a child writing the current dataset.
func (n *Node) forkSnapshot(socket bool) *snapshotChild {
	ch := &snapshotChild{
		socket:    socket,
		offset:    n.buf.Offset(),
		startedAt: n.env.Now(),
	}
	ch.payload = n.encodeRDB(n.saveInfo())
	n.stats.ForkCount++
	if socket {
		ch.eofMark = n.randomID()
	}
	n.child = ch
	return ch
}

// saveInfo is rdbPopulateSaveInfo: replication info goes into an RDB only
// from a master with a backlog, or a replica with a (cached) master.
func (n *Node) saveInfo() rdb.Aux {
	aux := rdb.Aux{CtimeSec: n.unixtime(), ReplStreamDB: -1, ReplOffset: -1}
	switch {
	case n.isMaster() && n.buf.HasBacklog():
		aux.ReplStreamDB = n.slaveseldb
		if aux.ReplStreamDB == -1 {
			aux.ReplStreamDB = 0
		}
		aux.ReplID = n.replid
		aux.ReplOffset = n.buf.Offset()
	case !n.isMaster() && n.master != nil:
		aux.ReplStreamDB = n.master.db
		aux.ReplID = n.replid
		aux.ReplOffset = n.master.reploff
	case !n.isMaster() && n.cached != nil:
		aux.ReplStreamDB = n.cached.db
		aux.ReplID = n.cached.replid
		aux.ReplOffset = n.cached.reploff
	}
	return aux
}

// encodeRDB writes the whole dataset as an RDB file.
func (n *Node) encodeRDB(aux rdb.Aux) []byte {
	snap := rdb.Snapshot{Aux: aux}
	var used, size int64
	for i, d := range n.dbs {
		if len(d.keys) == 0 {
			continue
		}
		keys := d.sorted()
		entries := make([]rdb.Entry, len(keys))
		for j, e := range keys {
			k, it := e.key, e.it
			entries[j] = rdb.Entry{Key: []byte(k), Value: it.val, ExpireAtMs: it.expireMs}
			used += int64(len(k) + len(it.val) + 64)
			size += int64(len(k) + len(it.val) + 24) // lengths, type, expiry
		}
		snap.DBs = append(snap.DBs, rdb.DB{Number: i, Entries: entries})
	}
	snap.Aux.UsedMemBytes = used + 1<<20
	// Room for the whole file at once: growing a snapshot of many
	// megabytes by appends copies it several times over.
	out, err := rdb.Append(make([]byte, 0, size+1024), &snap, rdb.Options{})
	if err != nil {
		panic(fmt.Sprintf("model: encoding our own snapshot failed: %v", err))
	}
	return out
}

// childProgress moves the child along: diskless bytes go to the targets as
// they are generated; a finished child is reaped.
func (n *Node) childProgress() {
	ch := n.child
	if ch == nil {
		return
	}
	gen := n.generated(ch)
	if ch.socket {
		if ch.released == 0 && !ch.marked {
			pre := []byte("$EOF:" + ch.eofMark + "\r\n")
			for _, t := range ch.targets {
				t.bulk = append(t.bulk, pre)
			}
			ch.marked = true
		}
		if gen > ch.released {
			chunk := ch.payload[ch.released:gen]
			for _, t := range ch.targets {
				t.bulk = append(t.bulk, chunk)
				n.stats.SnapshotBytesSent += int64(len(chunk))
			}
			ch.released = gen
			if gen == len(ch.payload) {
				for _, t := range ch.targets {
					t.bulk = append(t.bulk, []byte(ch.eofMark))
				}
			}
		}
	}
	n.checkChildDone()
}

// checkChildDone reaps the child once it has written everything (and,
// diskless, once the parent relayed it to every socket).
func (n *Node) checkChildDone() {
	ch := n.child
	if ch == nil || n.generated(ch) < len(ch.payload) {
		return
	}
	if ch.socket {
		for _, t := range ch.targets {
			if len(t.bulk) > 0 {
				return
			}
		}
	}
	n.child = nil
	n.env.Log("Background RDB transfer terminated with success")
	for _, t := range ch.targets {
		if t.slaveState != slaveWaitBgsaveEnd {
			continue
		}
		if ch.socket {
			// Online, but the stream waits for the replica's first ACK.
			n.replicaPutOnline(t)
			t.startStreamOnAck = true
			continue
		}
		t.slaveState = slaveSendBulk
		t.bulk = append(t.bulk, []byte(fmt.Sprintf("$%d\r\n", len(ch.payload))), ch.payload)
		n.stats.SnapshotBytesSent += int64(len(ch.payload))
		n.writeToClient(t)
	}
	for _, s := range n.slaves {
		if s.slaveState == slaveWaitBgsaveStart {
			n.startBgsaveForReplication()
			break
		}
	}
}

// shouldStartChild is shouldStartChildReplication (spec §5.1), run by
// replicationCron.
func (n *Node) startPendingChild() {
	if n.child != nil {
		return
	}
	waiting, maxIdle := 0, int64(-1)
	for _, s := range n.slaves {
		if s.slaveState == slaveWaitBgsaveStart {
			waiting++
			if idle := n.unixtime() - s.lastInteraction; idle > maxIdle {
				maxIdle = idle
			}
		}
	}
	if waiting == 0 {
		return
	}
	if !n.cfg.ReplDisklessSync ||
		(n.cfg.ReplDisklessSyncMaxReplicas > 0 && waiting >= n.cfg.ReplDisklessSyncMaxReplicas) ||
		maxIdle >= seconds(n.cfg.ReplDisklessSyncDelay) {
		n.startBgsaveForReplication()
	}
}

// saveRDB writes what SHUTDOWN (or a save) would leave on disk.
func (n *Node) saveRDB() []byte { return n.encodeRDB(n.saveInfo()) }

// loadPersisted restores the dataset and, when the RDB carries replication
// info, the replication state (spec §9).
func (n *Node) loadPersisted() error {
	f, err := rdb.Decode(n.persisted)
	if err != nil {
		return err
	}
	n.loadDataset(&f.Snapshot)
	aux := f.Aux
	if !aux.HasReplInfo() || n.cfg.Protocol != PSYNC2 {
		return nil
	}
	if n.cfg.ReplicaOfHost != "" {
		n.replid = aux.ReplID
		n.buf.SetOffset(aux.ReplOffset)
		n.cached = &cachedMaster{replid: aux.ReplID, reploff: aux.ReplOffset, db: aux.ReplStreamDB}
		return nil
	}
	n.replid2 = aux.ReplID
	n.secondReplidOffset = aux.ReplOffset + 1
	n.changeReplicationID()
	n.buf.SetOffset(aux.ReplOffset)
	n.createBacklog()
	return nil
}

// loadDataset replaces the keyspace with a decoded snapshot's.
func (n *Node) loadDataset(s *rdb.Snapshot) {
	for _, d := range n.dbs {
		d.flush()
	}
	for _, d := range s.DBs {
		if d.Number < 0 || d.Number >= numDBs {
			continue
		}
		for _, e := range d.Entries {
			n.dbs[d.Number].set(e.Key, e.Value, e.ExpireAtMs)
		}
	}
}
