// Package scenarios turns a scenario file into a verdict: it reads the YAML
// format strictly (unknown keys, bad units and impossible topologies are
// errors naming the file, line and column), applies --set overrides,
// validates into a spec.Spec, runs it in a simulated world (package
// scenarios/world) under a seed, checks the expectations and writes
// summary.json, trace.log and history.json.
//
// A scenario describes nodes and their redis.conf parameters (Redis's names
// and units), the network (latency, jitter, bandwidth, per-link overrides),
// a dataset loaded before the start, a workload (clients, rate, key space,
// operation mix, reads from master or replicas, WAIT after writes, bursts
// of pipelined writes), faults (disconnect, stall, partition, crash,
// restart, pause, failover; at a time, repeating, or random), and
// expectations on the figures of the run (full_resyncs, partial_resyncs,
// lost_writes, converged, ...). testdata/example.yaml shows every key; the
// shipped files in this directory are the library, each run by go test
// under its seeds.
//
// Test runs a file from a Go test in one line; Run and LoadFile are what
// simrun uses.
package scenarios
