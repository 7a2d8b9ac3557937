package model

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"strings"
)

// Stats are one node's counters and replication state, named as in INFO.
type Stats struct {
	Role                       string `json:"role"`
	MasterReplid               string `json:"master_replid"`
	MasterReplid2              string `json:"master_replid2"`
	MasterReplOffset           int64  `json:"master_repl_offset"`
	SecondReplOffset           int64  `json:"second_repl_offset"`
	ReplBacklogFirstByteOffset int64  `json:"repl_backlog_first_byte_offset"`
	ReplBacklogHistlen         int64  `json:"repl_backlog_histlen"`
	// MemTotalReplicationBuffers is INFO memory's
	// mem_total_replication_buffers: the blocks of the shared replication
	// buffer (the backlog and the replicas' output buffers) with their
	// allocator overhead.
	MemTotalReplicationBuffers int64 `json:"mem_total_replication_buffers"`
	ConnectedSlaves            int   `json:"connected_slaves"`
	MasterLinkUp               bool  `json:"master_link_up"`
	SlaveReplOffset            int64 `json:"slave_repl_offset"`

	SyncFull       int64 `json:"sync_full"`
	SyncPartialOK  int64 `json:"sync_partial_ok"`
	SyncPartialErr int64 `json:"sync_partial_err"`
	ExpiredKeys    int64 `json:"expired_keys"`
	ForkCount      int64 `json:"total_forks"`

	// Not in INFO: what the sweeps plot.
	SnapshotBytesSent              int64 `json:"snapshot_bytes_sent"`
	SnapshotBytesReceived          int64 `json:"snapshot_bytes_received"`
	StreamBytesSent                int64 `json:"stream_bytes_sent"`
	ReplicaDisconnectsTimeout      int64 `json:"replica_disconnects_timeout"`
	ReplicaDisconnectsOutputBuffer int64 `json:"replica_disconnects_output_buffer_limit"`
	MasterLinkTimeouts             int64 `json:"master_link_timeouts"`

	Replicas []ReplicaInfo `json:"replicas,omitempty"`
}

// addCounters adds the cumulative counters of o to s.
func (s *Stats) addCounters(o Stats) {
	s.SyncFull += o.SyncFull
	s.SyncPartialOK += o.SyncPartialOK
	s.SyncPartialErr += o.SyncPartialErr
	s.ExpiredKeys += o.ExpiredKeys
	s.ForkCount += o.ForkCount
	s.SnapshotBytesSent += o.SnapshotBytesSent
	s.SnapshotBytesReceived += o.SnapshotBytesReceived
	s.StreamBytesSent += o.StreamBytesSent
	s.ReplicaDisconnectsTimeout += o.ReplicaDisconnectsTimeout
	s.ReplicaDisconnectsOutputBuffer += o.ReplicaDisconnectsOutputBuffer
	s.MasterLinkTimeouts += o.MasterLinkTimeouts
}

// ReplicaInfo is one slaveN line of INFO replication.
type ReplicaInfo struct {
	Host   string `json:"host"`
	State  string `json:"state"`
	Offset int64  `json:"offset"`
	Lag    int64  `json:"lag"`
}

// Info renders INFO for the given section ("replication", "stats", or ""
// for both), with Redis's field names and CRLF line ends.
func (n *Node) Info(section string) string {
	var b strings.Builder
	section = strings.ToLower(section)
	all := section == "" || section == "all" || section == "default" || section == "everything"
	if all || section == "server" {
		fmt.Fprintf(&b, "# Server\r\nredis_version:7.0.15\r\nrun_id:%s\r\ntcp_port:%d\r\n", n.runID, n.cfg.Port)
	}
	if all || section == "replication" {
		if b.Len() > 0 {
			b.WriteString("\r\n")
		}
		n.infoReplication(&b)
	}
	if all || section == "stats" {
		if b.Len() > 0 {
			b.WriteString("\r\n")
		}
		fmt.Fprintf(&b, "# Stats\r\n")
		fmt.Fprintf(&b, "expired_keys:%d\r\n", n.stats.ExpiredKeys)
		fmt.Fprintf(&b, "total_forks:%d\r\n", n.stats.ForkCount)
		fmt.Fprintf(&b, "sync_full:%d\r\n", n.stats.SyncFull)
		fmt.Fprintf(&b, "sync_partial_ok:%d\r\n", n.stats.SyncPartialOK)
		fmt.Fprintf(&b, "sync_partial_err:%d\r\n", n.stats.SyncPartialErr)
	}
	return b.String()
}

func (n *Node) infoReplication(b *strings.Builder) {
	now := n.unixtime()
	fmt.Fprintf(b, "# Replication\r\n")
	if n.isMaster() {
		fmt.Fprintf(b, "role:master\r\n")
	} else {
		fmt.Fprintf(b, "role:slave\r\n")
		fmt.Fprintf(b, "master_host:%s\r\nmaster_port:%d\r\n", n.masterHost, n.masterPort)
		up := "down"
		if n.replState == replConnected {
			up = "up"
		}
		fmt.Fprintf(b, "master_link_status:%s\r\n", up)
		lastIO := int64(-1)
		if n.master != nil {
			lastIO = now - n.master.lastInteraction
		}
		fmt.Fprintf(b, "master_last_io_seconds_ago:%d\r\n", lastIO)
		inSync := 0
		if n.replState == replTransfer {
			inSync = 1
		}
		fmt.Fprintf(b, "master_sync_in_progress:%d\r\n", inSync)
		read := n.replicaOffset()
		if n.master != nil {
			read = n.master.readReploff
		}
		fmt.Fprintf(b, "slave_read_repl_offset:%d\r\n", read)
		fmt.Fprintf(b, "slave_repl_offset:%d\r\n", n.replicaOffset())
		if n.replState == replTransfer && n.link != nil {
			total := n.link.size
			if n.link.eofMark != nil {
				total = 0
			} else if !n.link.sizeKnown {
				total = -1
			}
			fmt.Fprintf(b, "master_sync_total_bytes:%d\r\n", total)
			fmt.Fprintf(b, "master_sync_read_bytes:%d\r\n", len(n.link.payload))
		}
		if n.replState != replConnected {
			down := int64(-1)
			if n.downSince >= 0 {
				down = now - n.downSince
			}
			fmt.Fprintf(b, "master_link_down_since_seconds:%d\r\n", down)
		}
		fmt.Fprintf(b, "slave_priority:%d\r\n", n.cfg.ReplicaPriority)
		ro := 0
		if n.cfg.ReplicaReadOnly {
			ro = 1
		}
		fmt.Fprintf(b, "slave_read_only:%d\r\nreplica_announced:1\r\n", ro)
	}
	fmt.Fprintf(b, "connected_slaves:%d\r\n", len(n.slaves))
	if n.cfg.MinReplicasToWrite > 0 && n.cfg.MinReplicasMaxLag > 0 {
		fmt.Fprintf(b, "min_slaves_good_slaves:%d\r\n", n.goodSlaves)
	}
	for i, s := range n.slaves {
		lag := int64(0)
		if s.slaveState == slaveOnline {
			lag = now - s.ackTime
		}
		fmt.Fprintf(b, "slave%d:ip=%s,port=%d,state=%s,offset=%d,lag=%d\r\n", i, s.conn.Peer(), s.listeningPort, s.slaveState, s.ackOff, lag)
	}
	fmt.Fprintf(b, "master_failover_state:no-failover\r\n")
	fmt.Fprintf(b, "master_replid:%s\r\nmaster_replid2:%s\r\n", n.replid, n.replid2)
	fmt.Fprintf(b, "master_repl_offset:%d\r\nsecond_repl_offset:%d\r\n", n.buf.Offset(), n.secondReplidOffset)
	active := 0
	if n.buf.HasBacklog() {
		active = 1
	}
	fmt.Fprintf(b, "repl_backlog_active:%d\r\nrepl_backlog_size:%d\r\n", active, n.cfg.ReplBacklogSizeBytes)
	fmt.Fprintf(b, "repl_backlog_first_byte_offset:%d\r\nrepl_backlog_histlen:%d\r\n", n.buf.FirstByteOffset(), n.buf.HistLen())
}

// runIDFor derives a process's run_id from the replication ID it drew at
// start: as random as Redis's, without a draw of its own that would shift
// the node's random stream.
func runIDFor(replid string) string {
	sum := sha1.Sum([]byte("run_id:" + replid))
	return hex.EncodeToString(sum[:])
}

// RunID returns the process's run_id (INFO server).
func (n *Node) RunID() string { return n.runID }

func infoCommand(n *Node, c *client, argv [][]byte) {
	section := ""
	if len(argv) > 1 {
		section = string(argv[1])
	}
	c.addBulkStr(n.Info(section))
}

// ROLE (spec §10).
func roleCommand(n *Node, c *client, argv [][]byte) {
	if n.isMaster() {
		var online []*client
		for _, s := range n.slaves {
			if s.slaveState == slaveOnline {
				online = append(online, s)
			}
		}
		c.addArrayLen(3)
		c.addBulkStr("master")
		c.addInt(n.buf.Offset())
		c.addArrayLen(len(online))
		for _, s := range online {
			c.addArrayLen(3)
			c.addBulkStr(s.conn.Peer())
			c.addBulkStr(fmt.Sprint(s.listeningPort))
			c.addBulkStr(fmt.Sprint(s.ackOff))
		}
		return
	}
	c.addArrayLen(5)
	c.addBulkStr("slave")
	c.addBulkStr(n.masterHost)
	c.addInt(int64(n.masterPort))
	c.addBulkStr(n.replState.String())
	off := int64(-1)
	if n.master != nil {
		off = n.master.reploff
	}
	c.addInt(off)
}
