// Package scenarios turns a scenario file into a run record: it reads the
// YAML format strictly (unknown keys, bad units and impossible topologies
// are errors naming the file, line and column, or the command-line flag
// that brought the value), applies overrides (--set, --vary values, --bug),
// validates into a spec.Spec, runs it in a simulated world (package
// scenarios/world) under a seed, checks it with package checker and
// computes every figure from one table (figures.go, listed in
// docs/figures.md).
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
// LoadFile and Run are what simrun uses; package reports writes a run's
// artifacts; package scenariotest runs a file from a Go test in one line.
package scenarios
