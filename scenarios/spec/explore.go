package spec

import "time"

// Explore is a scenario's explore: section: what simrun explore may draw
// on top of the file. Everything it does not name stays as the file says.
type Explore struct {
	// Kinds are the fault kinds that may be drawn, in ExploreKinds order.
	Kinds []string
	// FaultsMax bounds the faults of one case.
	FaultsMax int
	// At is the window of a fault's start, For the length of a fault that
	// lasts, RestartAfter how long a crashed node stays down.
	At, For, RestartAfter [2]time.Duration
	// Nodes are the nodes (and sentinels) faults may target (all nodes by
	// default).
	Nodes []string
	// Config are the redis.conf keys that vary, in file order.
	Config []ExploreKey
	// Rate, ValueSize and Clients vary the workload when set; so do
	// TTLMs (the ttl of set-ttl and expire, in milliseconds: applied to
	// a case whose mix has either) and DBs.
	Rate, ValueSize, Clients, TTLMs, DBs *[2]int64
	// Mixes are the workload mixes that may be drawn, each as flow YAML
	// ({set: 50, get: 50}); none: the file's.
	Mixes []string
	// Linearizable adds linearizable: true to the property unless the file
	// expects something of linearizable itself (default true).
	Linearizable bool
}

// ExploreKinds are the fault kinds of explore:, simplest first: a case
// draws its kinds from those allowed in this order.
var ExploreKinds = []string{"disconnect", "stall", "one-way", "pause", "crash", "restart", "partition", "failover"}

// ExploreKey is one redis.conf key that varies: over Values, or over the
// whole numbers of Range (bytes for a size).
type ExploreKey struct {
	Key    string
	Values []string
	Range  *[2]int64
}
