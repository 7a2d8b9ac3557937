// Package spec is the typed, validated form of a scenario: what the runner
// in scenarios/world needs to build and drive a world. Package scenarios
// makes it from a YAML file; tests and sweeps may also build it directly.
package spec

import (
	"slices"
	"time"

	"github.com/replsim/replsim/faults"
	"github.com/replsim/replsim/model"
	"github.com/replsim/replsim/sim"
)

// Spec is a validated scenario: everything the runner needs, typed.
type Spec struct {
	File        string
	Overrides   Overrides // applied to the file, for the replay command
	Name        string
	Description string
	Duration    time.Duration // the fault phase
	HealTimeout time.Duration // bound of the heal phase
	Seeds       []uint64
	// Protocol is the file's protocol: every node's unless its own
	// config says otherwise (NodeSpec.Config.Protocol is the one it runs).
	Protocol model.Protocol
	Nodes    []NodeSpec
	Network  NetworkSpec
	Dataset  DatasetSpec
	Workload WorkloadSpec
	Faults   []faults.Schedule
	// Sentinels, when set, monitor the master and fail it over; the
	// clients then find the master through them.
	Sentinels *SentinelsSpec
	Expect    []Expectation
	// Bugs are the planted bugs of the file and of --bug, switched on in
	// every node's config.
	Bugs model.Bugs
	// Explore is the file's explore: section, the space simrun explore
	// searches; nil when the file has none. A run ignores it.
	Explore *Explore
}

// NodeSpec is one node with its effective configuration.
type NodeSpec struct {
	Name      string
	ReplicaOf string
	Config    model.Config
}

// SentinelsSpec is the file's Sentinel deployment: one sentinel process
// per name, each on its own host, all monitoring the file's master under
// one master name with the same settings (sentinel monitor and sentinel
// set in sentinel.conf).
type SentinelsSpec struct {
	Names           []string
	MasterName      string
	Quorum          int
	DownAfter       time.Duration // down-after-milliseconds
	FailoverTimeout time.Duration // failover-timeout
	ParallelSyncs   int
}

// IsSentinel reports whether name is one of the file's sentinels.
func (s *Spec) IsSentinel(name string) bool {
	return s.Sentinels != nil && slices.Contains(s.Sentinels.Names, name)
}

// NetworkSpec is the default link and per-link overrides.
type NetworkSpec struct {
	Link        sim.LinkConfig
	WindowBytes int
	Links       []LinkOverride
}

// LinkOverride changes the link between two hosts.
type LinkOverride struct {
	A, B string
	Link sim.LinkConfig
}

// DatasetSpec is loaded on the master before the run starts.
type DatasetSpec struct {
	Keys      int
	KeySize   int
	ValueSize int
}

// WorkloadSpec drives the clients.
type WorkloadSpec struct {
	Clients    int
	RatePerSec float64
	Keys       int
	KeySize    int
	ValueSize  int
	Mix        []MixItem
	ReadsFrom  string // master | replicas | any
	DB         int
	Wait       *WaitSpec
	Bursts     []Burst
	// Pipeline is how many operations a client keeps in flight at once
	// (1: one at a time).
	Pipeline int
	// Arrival is how a client spaces its operations: ArrivalPoisson
	// (exponential gaps, the zero value) or ArrivalFixed (even gaps).
	Arrival Arrival
	// DBs is how many databases the clients spread over: client i uses
	// database DB + i mod DBs on each connection (1: DB only).
	DBs int
	// TTL is the time to live of the mix's set-ttl (SET ... PX) and
	// expire (EXPIRE, or PEXPIRE below a whole second) operations.
	TTL time.Duration
	// MultiSize is how many SETs a multi operation queues between MULTI
	// and EXEC.
	MultiSize int
}

// UsesDB reports whether the workload's clients write to database db.
func (w WorkloadSpec) UsesDB(db int) bool { return db >= w.DB && db < w.DB+max(w.DBs, 1) }

// Arrival is how a client spaces its operations at its share of the rate.
type Arrival int

const (
	// ArrivalPoisson draws exponential gaps from the seed.
	ArrivalPoisson Arrival = iota
	// ArrivalFixed spaces operations evenly, the clients staggered by an
	// equal share of the gap.
	ArrivalFixed
)

func (a Arrival) String() string {
	if a == ArrivalFixed {
		return "fixed"
	}
	return "poisson"
}

// MixItem is one operation's share of the workload, in percent.
type MixItem struct {
	Op      string
	Percent int
}

// WaitSpec adds WAIT after each write.
type WaitSpec struct {
	Replicas int
	Timeout  time.Duration
}

// Burst is a number of writes issued at one instant, pipelined, to the
// master of the moment.
type Burst struct {
	At        time.Duration
	Writes    int
	ValueSize int // bytes of each write's value
}

// Expectation is one figure of the run and what it must be: true or
// false, or a value or bounds in the figure's base unit (bytes, or
// nanoseconds for a duration).
type Expectation struct {
	Name     string
	Eq       *int64
	Bool     *bool
	Min, Max *int64
	// Want renders it as written: "true", "0", ">= 1", "1..5", "<= 30s".
	Want string
}

// Node returns the named node, or nil.
func (s *Spec) Node(name string) *NodeSpec {
	for i := range s.Nodes {
		if s.Nodes[i].Name == name {
			return &s.Nodes[i]
		}
	}
	return nil
}

// Master returns the name of the node without replicaof.
func (s *Spec) Master() string {
	for _, n := range s.Nodes {
		if n.ReplicaOf == "" {
			return n.Name
		}
	}
	return ""
}
