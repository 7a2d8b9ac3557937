// Package model is the replication engine: a Redis 7.0 server reduced to
// what replication needs, faithful to the byte. For the same configuration,
// writes and faults it reaches the decisions a real redis-server 7.0.15
// reaches: the same master_repl_offset, the same backlog window, the same
// partial-or-full verdict at the same byte, the same timeouts. The rules are
// Redis's own, in src/replication.c, src/networking.c and src/server.c at tag
// 7.0.15 of github.com/redis/redis; the function names in comments are
// Redis's, so the two sources can be read side by side.
//
// A Node is a deterministic state machine. The runner calls its entry points
// (Accept, Connected, Data, Writable, Closed, and the timers it asked for
// through Env.After); each call is the work of one iteration of Redis's event
// loop and ends with beforeSleep, or, when the Env is an EventLoop, all the
// calls of one instant share one beforeSleep (BeforeSleep). The node acts on the world only through its Env:
// it never reads a clock, never starts a goroutine and never touches a
// socket or a file. Package sim is not imported; scenarios/world wires the
// two together, and the tests in this package use a small in-memory world of
// their own.
//
// Where things are:
//
//   - node.go: the Node, its entry points, clients and output.
//   - commands.go: the command table, processCommand's checks (-NOREPLICAS,
//     -READONLY, -MASTERDOWN, -LOADING), string commands, propagation.
//   - master.go: PSYNC and SYNC, the partial resync test, full sync setup,
//     feeding replicas, REPLCONF, WAIT, min-replicas, replication IDs.
//   - snapshot.go: the fork child writing an RDB (disk or diskless), and
//     persistence across restarts.
//   - replica.go: the replica's handshake, transfer, loading, applying and
//     forwarding the stream, the cached master, REPLICAOF.
//   - cron.go: serverCron and replicationCron: pings, ACKs, timeouts,
//     keep-alives, backlog TTL, deferred forks.
//   - info.go: INFO, ROLE and Stats.
//   - bugs.go: planted defects for testing the tester.
//   - model/resp, model/rdb, model/replbuf: the protocol, the snapshot file
//     format and the shared replication buffer with its backlog.
//
// Simplifications, each documented where it is made: the 5 s synchronous
// I/O timeout of the handshake is not modelled (repl-timeout covers a dead
// master); a loading replica buffers the stream instead of blocking its
// socket; active expiry walks expiries in time order instead of sampling.
package model
