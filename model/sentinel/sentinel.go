// Package sentinel is Redis Sentinel 7.0 as a deterministic state machine:
// one sentinel process monitoring one master by name, detecting failure
// (SDOWN, ODOWN), electing a leader by epoch and running the failover, with
// Sentinel's own rules and timings (src/sentinel.c at tag 7.0.15, as the
// project's Sentinel specification states them; "spec §n" in comments cites
// its sections). Function names in comments are Redis's.
//
// Like a model.Node, a Sentinel changes only when the runner calls one of
// its entry points (Accept, Connected, Data, Writable, Closed, and the
// timers it asked for through Env.After), and acts on the world only through
// its Env: virtual time and a seeded random stream are its inputs, and it
// speaks RESP over the connections the Env gives it.
//
// Not modelled: TILT (a virtual clock does not jump), the REBOOT rule
// (master-reboot-down-after-period, off by default), AUTH, SCRIPT KILL,
// SENTINEL SET/RESET/REMOVE/MONITOR at run time, instances shared between
// several masters, and the configuration file.
package sentinel

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/replsim/replsim/model"
	"github.com/replsim/replsim/model/resp"
)

// Env is everything a sentinel needs from the world: the same services a
// node gets (model.Env), with Event in place of Note.
type Env interface {
	// Now returns the current time since the start of the run.
	Now() time.Duration
	// Dial starts connecting to host:port and returns the connection at
	// once; the sentinel later gets Connected(conn, err).
	Dial(host string, port int) model.Conn
	// After calls fn once, d from now, unless stopped first.
	After(d time.Duration, fn func()) model.Timer
	// Log records one line of the sentinel's log.
	Log(msg string)
	// Event reports one Sentinel event (+sdown, +odown, +switch-master,
	// ...), the same one the sentinel publishes on the channel of its name.
	Event(e Event)
}

// Event is one Sentinel event: Kind is the channel it is published on
// ("+sdown"), Payload the message, formatted as sentinelEvent does
// ("master mymaster 10.0.0.1 6379 #quorum 2/2").
type Event struct {
	Kind    string
	Payload string
}

func (e Event) String() string { return e.Kind + " " + e.Payload }

// Config is one sentinel's configuration: where it listens and the one
// master it monitors (sentinel monitor <name> <host> <port> <quorum>).
type Config struct {
	// Host is the address the sentinel announces in its hellos (its host
	// name in the simulated world); Port its port, 26379 by default.
	Host string
	Port int

	MasterName string
	MasterHost string
	MasterPort int
	Quorum     int
	// DownAfter is down-after-milliseconds (default 30 s).
	DownAfter time.Duration
	// FailoverTimeout is failover-timeout (default 180 s).
	FailoverTimeout time.Duration
	// ParallelSyncs is parallel-syncs (default 1).
	ParallelSyncs int
}

// DefaultConfig returns Sentinel's defaults for a master named mymaster;
// the master's address, the quorum and Host are to be filled in.
func DefaultConfig() Config {
	return Config{
		Port:            26379,
		MasterName:      "mymaster",
		MasterPort:      6379,
		Quorum:          2,
		DownAfter:       30 * time.Second,
		FailoverTimeout: 180 * time.Second,
		ParallelSyncs:   1,
	}
}

// Validate reports a configuration Sentinel would refuse.
func (c Config) Validate() error {
	switch {
	case c.Host == "":
		return fmt.Errorf("sentinel has no host")
	case c.Port <= 0 || c.Port > 65535:
		return fmt.Errorf("port %d out of range", c.Port)
	case c.MasterName == "" || c.MasterHost == "":
		return fmt.Errorf("no master to monitor")
	case c.MasterPort <= 0 || c.MasterPort > 65535:
		return fmt.Errorf("master port %d out of range", c.MasterPort)
	case c.Quorum <= 0:
		return fmt.Errorf("quorum %d must be positive", c.Quorum)
	case c.DownAfter <= 0:
		return fmt.Errorf("down-after-milliseconds must be positive")
	case c.FailoverTimeout <= 0:
		return fmt.Errorf("failover-timeout must be positive")
	case c.ParallelSyncs <= 0:
		return fmt.Errorf("parallel-syncs must be positive")
	}
	return nil
}

// Sentinel timings (spec §9), in milliseconds as in sentinel.c.
const (
	pingPeriod           = 1000 * time.Millisecond
	infoPeriod           = 10000 * time.Millisecond
	askPeriod            = 1000 * time.Millisecond
	publishPeriod        = 2000 * time.Millisecond
	maxDesync            = 1000 // ms
	electionTimeout      = 10000 * time.Millisecond
	slaveReconfTimeout   = 10000 * time.Millisecond
	minLinkReconnectTime = 15000 * time.Millisecond
	maxPendingCommands   = 100
	helloChannel         = "__sentinel__:hello"
)

// epoch is added to the virtual clock so that a zero time means "never", as
// it does for Redis's mstime() values.
const epoch = 1_700_000_000_000 * time.Millisecond

// Sentinel is one sentinel process.
type Sentinel struct {
	cfg  Config
	env  Env
	rng  *rand.Rand
	myid string

	up           bool
	timer        model.Timer
	currentEpoch uint64
	master       *instance

	conns   map[model.Conn]*peer // every connection, by its Conn
	clients []*client            // accepted connections, in accept order
}

// New returns a sentinel with the given configuration; it does nothing
// until Start. Its run id (myid) is drawn from rng.
func New(cfg Config, env Env, rng *rand.Rand) (*Sentinel, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("sentinel %s: %w", cfg.Host, err)
	}
	s := &Sentinel{cfg: cfg, env: env, rng: rng}
	const hex = "0123456789abcdef"
	var b [40]byte
	for i := range b {
		b[i] = hex[rng.IntN(16)]
	}
	s.myid = string(b[:])
	return s, nil
}

// ID returns the sentinel's run id (myid).
func (s *Sentinel) ID() string { return s.myid }

// Config returns the sentinel's configuration.
func (s *Sentinel) Config() Config { return s.cfg }

// Up reports whether the process runs.
func (s *Sentinel) Up() bool { return s.up }

// CurrentEpoch returns current_epoch.
func (s *Sentinel) CurrentEpoch() uint64 { return s.currentEpoch }

// ConfigEpoch returns the monitored master's config_epoch.
func (s *Sentinel) ConfigEpoch() uint64 { return s.master.configEpoch }

// Vote returns the leader this sentinel voted for last and the epoch of
// that vote ("" and 0 before any vote).
func (s *Sentinel) Vote() (string, uint64) { return s.master.leader, s.master.leaderEpoch }

// MasterAddr is SENTINEL get-master-addr-by-name for the monitored master.
func (s *Sentinel) MasterAddr() (string, int) {
	a := s.currentMasterAddr()
	return a.host, a.port
}

// Start boots the process. A restarted sentinel keeps what its config file
// keeps (Sentinel rewrites it on every change): its myid, current_epoch, the
// master's address, config_epoch and leader_epoch (so it cannot vote twice
// in an epoch), and the addresses of the replicas and sentinels it knew
// (known-replica, known-sentinel). Everything else starts afresh: links,
// flags, INFO, votes of others, and any failover in progress.
func (s *Sentinel) Start() {
	s.up = true
	s.conns = map[model.Conn]*peer{}
	s.clients = nil
	if s.master == nil {
		s.master = s.newInstance(kindMaster, s.cfg.MasterName, s.cfg.MasterHost, s.cfg.MasterPort)
		s.scheduleTick()
		return
	}
	m := s.master
	replicas, sentinels := m.replicas, m.sentinels
	m.replicas, m.sentinels = map[string]*instance{}, map[string]*instance{}
	s.resetInstance(m)
	m.infoAt, m.lastPubAt = 0, 0
	m.sdownSince, m.odownSince = 0, 0
	for k, r := range replicas {
		m.replicas[k] = s.newInstance(kindReplica, r.name, r.host, r.port)
	}
	for k, p := range sentinels {
		si := s.newInstance(kindSentinel, p.name, p.host, p.port)
		si.runid = p.runid
		m.sentinels[k] = si
	}
	s.scheduleTick()
}

// Crash stops the process; in-memory state other than what a config file
// keeps is lost at the next Start.
func (s *Sentinel) Crash() {
	if !s.up {
		return
	}
	s.up = false
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	s.env.Log("crashed")
}

func (s *Sentinel) now() time.Duration { return epoch + s.env.Now() }

// scheduleTick arms the next sentinelTimer call: Sentinel sets hz to
// 10 + rand()%10 at the end of each tick, so ticks are 52 to 100 ms apart.
func (s *Sentinel) scheduleTick() {
	hz := 10 + s.rng.IntN(10)
	s.timer = s.env.After(time.Second/time.Duration(hz), s.tick)
}

// tick is sentinelTimer: the monitored master, then its replicas and
// sentinels, then the switch to a promoted replica (spec §2).
func (s *Sentinel) tick() {
	if !s.up {
		return
	}
	m := s.master
	s.handleInstance(m)
	for _, r := range sortedInstances(m.replicas) {
		s.handleInstance(r)
	}
	for _, p := range sortedInstances(m.sentinels) {
		s.handleInstance(p)
	}
	if m.failoverState == stateUpdateConfig {
		s.switchToPromoted()
	}
	s.scheduleTick()
}

// handleInstance is sentinelHandleRedisInstance.
func (s *Sentinel) handleInstance(ri *instance) {
	s.reconnect(ri)
	s.sendPeriodic(ri)
	s.checkSubjectivelyDown(ri)
	if ri.kind == kindMaster {
		s.checkObjectivelyDown(ri)
		if s.startFailoverIfNeeded(ri) {
			s.askMasterState(ri, true)
		}
		s.failoverStateMachine(ri)
		s.askMasterState(ri, false)
	}
}

// event logs, reports and publishes one event. An instance payload starts
// "<type> <name> <ip> <port>", plus " @ <master> <ip> <port>" for replicas
// and sentinels; more follows after a space.
func (s *Sentinel) event(kind string, ri *instance, format string, args ...any) {
	var msg string
	if ri != nil {
		msg = fmt.Sprintf("%s %s %s %d", ri.kind, ri.name, ri.host, ri.port)
		if ri.kind != kindMaster {
			m := s.master
			msg += fmt.Sprintf(" @ %s %s %d", m.name, m.host, m.port)
		}
		if format != "" {
			msg += " "
		}
	}
	msg += fmt.Sprintf(format, args...)
	s.env.Log(kind + " " + msg)
	s.env.Event(Event{Kind: kind, Payload: msg})
	for _, c := range s.clients {
		if slices.Contains(c.channels, kind) {
			c.peer.out = resp.AppendArrayLen(c.peer.out, 3)
			c.peer.out = resp.AppendBulkString(c.peer.out, "message")
			c.peer.out = resp.AppendBulkString(c.peer.out, kind)
			c.peer.out = resp.AppendBulkString(c.peer.out, msg)
			s.flush(c.peer)
		}
	}
}
