package model

import (
	"fmt"
	"time"

	"github.com/replsim/replsim/model/replbuf"
)

// Protocol is the replication protocol generation a node speaks. Sweeps
// compare them: the same faults cost very different numbers of full syncs.
type Protocol int

const (
	// PSYNC2 is Redis 4.0 and later (7.0 here): replication IDs with replid2,
	// partial resync after failover and after a restart from an RDB.
	PSYNC2 Protocol = iota
	// PSYNC is Redis 2.8 to 3.2: a circular backlog of exactly
	// repl-backlog-size bytes and the master's run id; no partial resync
	// after a failover or a restart.
	PSYNC
	// SYNC is Redis before 2.8: every (re)connection is a full sync and
	// replicas send no ACKs.
	SYNC
)

func (p Protocol) String() string {
	switch p {
	case PSYNC2:
		return "psync2"
	case PSYNC:
		return "psync"
	case SYNC:
		return "sync"
	}
	return fmt.Sprintf("Protocol(%d)", int(p))
}

// ParseProtocol parses "psync2", "psync" or "sync".
func ParseProtocol(s string) (Protocol, error) {
	switch s {
	case "psync2":
		return PSYNC2, nil
	case "psync":
		return PSYNC, nil
	case "sync":
		return SYNC, nil
	}
	return 0, fmt.Errorf("unknown protocol %q (want psync2, psync or sync)", s)
}

// OutputBufferLimit is one class of client-output-buffer-limit.
type OutputBufferLimit struct {
	HardBytes   int64
	SoftBytes   int64
	SoftSeconds time.Duration
}

// Persistence says what survives a restart.
type Persistence int

const (
	// PersistNone: a restarted node starts empty, with a new replication ID.
	PersistNone Persistence = iota
	// PersistRDB: the node saves an RDB on shutdown and crash-restarts from
	// its last save; the RDB carries repl-id and repl-offset (spec §9).
	PersistRDB
)

// Config is one node's configuration. Fields carry redis.conf names in their
// comments and Redis's defaults in DefaultConfig. Times that Redis keeps in
// whole seconds are compared in whole seconds by the engine.
type Config struct {
	// Port is the port the node listens on (port).
	Port int
	// ReplicaOf names the master this node replicates from at start
	// (replicaof host port); empty for a master.
	ReplicaOfHost string
	ReplicaOfPort int

	ReplBacklogSizeBytes        int64         // repl-backlog-size
	ReplBacklogTTL              time.Duration // repl-backlog-ttl; 0 never frees
	ReplTimeout                 time.Duration // repl-timeout
	ReplPingReplicaPeriod       time.Duration // repl-ping-replica-period
	ReplDisklessSync            bool          // repl-diskless-sync
	ReplDisklessSyncDelay       time.Duration // repl-diskless-sync-delay
	ReplDisklessSyncMaxReplicas int           // repl-diskless-sync-max-replicas
	MinReplicasToWrite          int           // min-replicas-to-write
	MinReplicasMaxLag           time.Duration // min-replicas-max-lag
	ReplicaServeStaleData       bool          // replica-serve-stale-data
	ReplicaReadOnly             bool          // replica-read-only
	// ReplicaPriority is replica-priority: Sentinel promotes the replica
	// with the lowest one first, and never one with 0.
	ReplicaPriority          int
	ReplicaOutputBufferLimit OutputBufferLimit
	Persistence              Persistence

	// Protocol is the replication protocol generation (per run).
	Protocol Protocol

	// RDBSaveBytesPerSec is how fast the fork child writes a snapshot; it
	// gives a full sync its generation time. 0 means instantly.
	RDBSaveBytesPerSec int64
	// RDBLoadBytesPerSec is how fast a replica loads a received snapshot.
	// 0 means instantly.
	RDBLoadBytesPerSec int64
	// BacklogAllocator models the allocator's usable size for a requested
	// backlog block; nil means jemalloc's size classes (C = 20440).
	BacklogAllocator replbuf.Allocator

	// Bugs plants named defects for testing the tester. Off by default.
	Bugs Bugs
}

// DefaultConfig returns Redis 7.0's defaults (spec §1), with snapshot
// generation and load rates typical of a small server.
func DefaultConfig() Config {
	return Config{
		Port:                        6379,
		ReplicaPriority:             100,
		ReplBacklogSizeBytes:        1 << 20,
		ReplBacklogTTL:              3600 * time.Second,
		ReplTimeout:                 60 * time.Second,
		ReplPingReplicaPeriod:       10 * time.Second,
		ReplDisklessSync:            true,
		ReplDisklessSyncDelay:       5 * time.Second,
		ReplDisklessSyncMaxReplicas: 0,
		MinReplicasToWrite:          0,
		MinReplicasMaxLag:           10 * time.Second,
		ReplicaServeStaleData:       true,
		ReplicaReadOnly:             true,
		ReplicaOutputBufferLimit: OutputBufferLimit{
			HardBytes:   256 << 20,
			SoftBytes:   64 << 20,
			SoftSeconds: 60 * time.Second,
		},
		Persistence:        PersistNone,
		Protocol:           PSYNC2,
		RDBSaveBytesPerSec: 200 << 20,
		RDBLoadBytesPerSec: 400 << 20,
	}
}

// Validate reports a configuration Redis would refuse to start with.
func (c *Config) Validate() error {
	switch {
	case c.Port <= 0 || c.Port > 65535:
		return fmt.Errorf("port %d out of range", c.Port)
	case c.ReplBacklogSizeBytes < 1:
		return fmt.Errorf("repl-backlog-size must be at least 1")
	case c.ReplTimeout < time.Second:
		return fmt.Errorf("repl-timeout must be at least 1s")
	case c.ReplPingReplicaPeriod < time.Second:
		return fmt.Errorf("repl-ping-replica-period must be at least 1s")
	case c.ReplBacklogTTL < 0, c.ReplDisklessSyncDelay < 0, c.MinReplicasMaxLag < 0:
		return fmt.Errorf("negative duration in replication config")
	case c.MinReplicasToWrite < 0 || c.ReplDisklessSyncMaxReplicas < 0:
		return fmt.Errorf("negative count in replication config")
	case c.ReplicaOutputBufferLimit.HardBytes < 0 || c.ReplicaOutputBufferLimit.SoftBytes < 0:
		return fmt.Errorf("negative client-output-buffer-limit")
	case c.RDBSaveBytesPerSec < 0 || c.RDBLoadBytesPerSec < 0:
		return fmt.Errorf("negative snapshot rate")
	}
	return nil
}

// seconds truncates a configured duration to Redis's whole seconds.
func seconds(d time.Duration) int64 { return int64(d / time.Second) }
