// Package sim is the simulated world every replsim run lives in: a virtual
// clock, a single-threaded scheduler, seeded random streams, a trace with a
// running hash, and a TCP-like network with latency, bandwidth and faults.
//
// Nothing here reads the real clock, the global random source or the file
// system, and nothing starts a goroutine: the same root seed and the same
// inputs give the same sequence of events, byte for byte. A whole world runs on
// the goroutine that calls [Scheduler.Run]; parallelism belongs to sweeps,
// which run many worlds side by side.
//
// The pieces, in the order a newcomer should read them:
//
//   - scheduler.go: virtual time and the event queue ordered by (time,
//     insertion sequence), cancelable timers, limits on events and time.
//   - rand.go: one root seed, named sub-streams derived from it.
//   - trace.go: one line per delivered event and a SHA-256 over all lines.
//   - net.go: the network, its links, and the link faults (cut, stall,
//     partition, heal).
//   - host.go: hosts, their timers, and the host faults (crash, restart,
//     pause).
//   - conn.go: connections as their owners see them: dial, accept, write,
//     close, reset, and the handshake behind them.
//   - stream.go: one direction of a connection: segments, timing, flow
//     control, delivery; queue.go holds its two containers.
//
// The package knows nothing of Redis. The runner in package scenarios wires
// replication nodes (package model) onto hosts and connections.
package sim
