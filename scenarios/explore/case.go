package explore

import (
	"fmt"
	"strings"
	"time"
)

// A Fault is one drawn fault: a kind of spec.ExploreKinds, when it
// starts, how long it lasts, and its targets.
type Fault struct {
	Kind         string
	At, For      time.Duration
	RestartAfter time.Duration // crash
	Nodes        []string      // one node; two for disconnect and stall; one side of a partition
	Other        []string      // the other side of a partition
}

// Lasting reports whether the fault has a length (for:).
func (f Fault) Lasting() bool {
	switch f.Kind {
	case "disconnect", "stall", "one-way", "pause", "partition":
		return true
	}
	return false
}

// End is when the fault is over, node back up included.
func (f Fault) End() time.Duration {
	if f.Lasting() {
		return f.At + f.For
	}
	return f.At + f.RestartAfter
}

// YAML renders the fault as one entry of faults:, in flow style.
func (f Fault) YAML() string {
	at := "at: " + f.At.String()
	switch f.Kind {
	case "disconnect", "stall":
		return fmt.Sprintf("{%s, %s: [%s], for: %s}", at, f.Kind, strings.Join(f.Nodes, ", "), f.For)
	case "one-way":
		return fmt.Sprintf("{%s, disconnect: [%s], one-way: true, for: %s}", at, strings.Join(f.Nodes, ", "), f.For)
	case "partition":
		return fmt.Sprintf("{%s, partition: [[%s], [%s]], for: %s}", at, strings.Join(f.Nodes, ", "), strings.Join(f.Other, ", "), f.For)
	case "pause":
		return fmt.Sprintf("{%s, pause: %s, for: %s}", at, f.Nodes[0], f.For)
	case "crash":
		return fmt.Sprintf("{%s, crash: %s, restart-after: %s}", at, f.Nodes[0], f.RestartAfter)
	}
	return fmt.Sprintf("{%s, %s: %s}", at, f.Kind, f.Nodes[0]) // restart, failover
}

// A Setting is one redis.conf key and the value drawn for it.
type Setting struct{ Key, Value string }

// A Case is one point of the space: what it changes in the file, and
// the seed it runs under. Zero values leave the file's setting.
type Case struct {
	Seed     uint64 // the run's seed
	Kinds    []string
	Faults   []Fault
	Config   []Setting
	Rate     int64
	Value    int64 // value-size in bytes
	Clients  int64
	Mix      string
	TTLMs    int64 // the workload's ttl, when its mix has set-ttl or expire
	DBs      int64
	Duration time.Duration
}

// clone copies the case deeply enough for a shrink step to change it.
func (c Case) clone() Case {
	d := c
	d.Faults = append([]Fault(nil), c.Faults...)
	d.Config = append([]Setting(nil), c.Config...)
	return d
}

// Describe says in one line what the case draws.
func (c Case) Describe() string {
	var parts []string
	for _, f := range c.Faults {
		parts = append(parts, f.YAML())
	}
	for _, s := range c.Config {
		parts = append(parts, s.Key+"="+s.Value)
	}
	if c.Rate > 0 {
		parts = append(parts, fmt.Sprintf("rate=%d", c.Rate))
	}
	if c.Value > 0 {
		parts = append(parts, fmt.Sprintf("value-size=%d", c.Value))
	}
	if c.Clients > 0 {
		parts = append(parts, fmt.Sprintf("clients=%d", c.Clients))
	}
	if c.Mix != "" {
		parts = append(parts, "mix="+c.Mix)
	}
	if c.TTLMs > 0 {
		parts = append(parts, fmt.Sprintf("ttl=%dms", c.TTLMs))
	}
	if c.DBs > 0 {
		parts = append(parts, fmt.Sprintf("dbs=%d", c.DBs))
	}
	return strings.Join(parts, " ")
}
