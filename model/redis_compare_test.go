//go:build linux

package model

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/replsim/replsim/model/resp"
)

// TestCompareWithRealRedis runs the same scripted steps against two real
// redis-server 7.0 processes on 127.0.0.1 (a master m1 and a replica r1)
// and against the engine in the test world, and requires the same INFO
// fields and replies after every step: stream byte costs (spec §2.2), the
// worked example's partial/full boundary (§11.2) and a failover (§8.1,
// §8.2). It skips with -short or without redis-server on PATH, and takes
// about three seconds of real time, most of it full syncs and the 10,000
// writes of the worked example.
//
// Both sides run the same commands. A link cut is REPLICAOF to a port
// nothing listens on, issued on the replica: Redis frees the master client
// there, caching it with its replid and offset (replicationSetMaster ->
// freeClient -> replicationCacheMaster), and the master sees the connection
// close at once, so no replica client pins its backlog. The replica then
// retries the dead address once a second until REPLICAOF points it back, and
// it PSYNCs from its cached master. The engine goes through the same code
// path with REPLICAOF nowhere 1.
func TestCompareWithRealRedis(t *testing.T) {
	needRealRedis(t)
	for _, st := range compareSteps {
		t.Run(st.name, func(t *testing.T) {
			fromReal := runCompareScript(t, newRealPair(t), st.script)
			fromEngine := runCompareScript(t, newEnginePair(t), st.script)
			var bad []string
			for i := 0; i < max(len(fromReal), len(fromEngine)); i++ {
				var r, s observation
				if i < len(fromReal) {
					r = fromReal[i]
				}
				if i < len(fromEngine) {
					s = fromEngine[i]
				}
				mark := " "
				if r != s {
					mark = "≠"
					if r.key != s.key {
						bad = append(bad, fmt.Sprintf("%s: real %s=%s, engine %s=%s", r.label, r.key, r.value, s.key, s.value))
					} else {
						bad = append(bad, fmt.Sprintf("%s: %s real %s, engine %s", r.label, r.key, r.value, s.value))
					}
				}
				t.Logf("%s %-34s %-34s real %-12s engine %s", mark, r.label, r.key, r.value, s.value)
			}
			if len(bad) == 0 {
				return
			}
			if st.known != "" {
				t.Skipf("known difference: %s\n%s", st.known, strings.Join(bad, "\n"))
			}
			t.Errorf("real redis-server and the engine differ:\n%s", strings.Join(bad, "\n"))
		})
	}
}

// compareStep is one subtest: a script run on both sides. known, when set,
// describes a difference still open; the subtest then skips, not fails.
type compareStep struct {
	name   string
	script func(o *observer)
	known  string
}

var compareSteps = []compareStep{
	{name: "stream_bytes", script: streamBytesScript},
	{name: "worked_example/W=7359", script: func(o *observer) { workedExampleScript(o, 7359) }},
	{name: "worked_example/W=7360", script: func(o *observer) { workedExampleScript(o, 7360) }},
	{name: "failover", script: failoverScript},
	{name: "expire", script: expireScript},
}

// The INFO fields compared after each step.
var (
	masterFields  = []string{"role", "master_repl_offset", "repl_backlog_first_byte_offset", "repl_backlog_histlen", "connected_slaves", "sync_full", "sync_partial_ok", "sync_partial_err"}
	replicaFields = []string{"role", "master_link_status", "slave_repl_offset", "master_repl_offset", "repl_backlog_first_byte_offset", "repl_backlog_histlen"}
)

// streamBytesScript checks what each write costs in the stream (spec
// §2.2): master_repl_offset after each command, with a replica attached
// and PINGs pushed an hour away.
func streamBytesScript(o *observer) {
	o.attach()
	o.look("attached", "m1", masterFields...)
	o.look("attached", "r1", replicaFields...)
	for _, c := range []struct {
		label string
		args  []string
	}{
		{"SELECT 0 + SET 16B/100B", setWrite(0)},
		{"SET k1 v EX 100 (PXAT)", []string{"SET", "k1", "v", "EX", "100"}},
		{"SET k1 x NX (no bytes)", []string{"SET", "k1", "x", "NX"}},
		{"INCR cnt", []string{"INCR", "cnt"}},
		{"APPEND k1 -more", []string{"APPEND", "k1", "-more"}},
		{"DEL k1", []string{"DEL", "k1"}},
		{"DEL missing (no bytes)", []string{"DEL", "missing"}},
		{"SET k v PX 50", []string{"SET", "k", "v", "PX", "50"}},
		{"wait 60ms", nil},
		{"SET k v on expired k", []string{"SET", "k", "v"}},
		{"SELECT 3", []string{"SELECT", "3"}},
		{"SELECT 3 + SET k3 v", []string{"SET", "k3", "v"}},
		{"FLUSHALL from db 3", []string{"FLUSHALL"}},
		{"FLUSHALL on empty", []string{"FLUSHALL"}},
		{"SELECT 0", []string{"SELECT", "0"}},
		{"SELECT 0 + SET k0 v", []string{"SET", "k0", "v"}},
	} {
		if c.args == nil {
			o.side.sleep(60 * time.Millisecond)
			continue
		}
		o.cmd(c.label, "m1", c.args...)
		o.settle("m1", "r1")
		o.look(c.label, "m1", "master_repl_offset")
		o.look(c.label, "r1", "slave_repl_offset")
	}
	o.look("end", "m1", masterFields...)
	o.look("end", "r1", replicaFields...)
}

// expireScript checks EXPIRE and its kin: their replies, what they cost in
// the stream (PEXPIREAT <13 digits> with the options kept, DEL for a past
// deadline, nothing when nothing changed), and that a replica hides a key
// whose time to live ran out from its clients.
func expireScript(o *observer) {
	o.attach()
	for _, c := range []struct {
		label string
		args  []string
	}{
		{"SET k v", []string{"SET", "k", "v"}},
		{"EXPIRE k 100 (PEXPIREAT)", []string{"EXPIRE", "k", "100"}},
		{"PEXPIRE k 5000", []string{"PEXPIRE", "k", "5000"}},
		{"EXPIRE k 50 NX (no bytes)", []string{"EXPIRE", "k", "50", "NX"}},
		{"EXPIRE k 100 GT (later: kept, with GT)", []string{"EXPIRE", "k", "100", "GT"}},
		{"EXPIRE k 1 LT", []string{"EXPIRE", "k", "1", "LT"}},
		{"EXPIREAT k 4102444800", []string{"EXPIREAT", "k", "4102444800"}},
		{"EXPIRE nokey 10 (no bytes)", []string{"EXPIRE", "nokey", "10"}},
		{"EXPIRE k 1 NX XX", []string{"EXPIRE", "k", "1", "NX", "XX"}},
		{"EXPIRE k 0 (DEL)", []string{"EXPIRE", "k", "0"}},
		{"SET j v", []string{"SET", "j", "v"}},
		{"PEXPIRE j 50", []string{"PEXPIRE", "j", "50"}},
		{"wait 60ms", nil},
	} {
		if c.args == nil {
			o.side.sleep(60 * time.Millisecond)
			continue
		}
		o.cmd(c.label, "m1", c.args...)
		o.settle("m1", "r1")
		o.look(c.label, "m1", "master_repl_offset")
		o.look(c.label, "r1", "slave_repl_offset")
	}
	o.cmd("GET j on the replica", "r1", "GET", "j")
	o.cmd("EXISTS j on the replica", "r1", "EXISTS", "j")
	o.cmd("TTL j on the replica", "r1", "TTL", "j")
}

// workedExampleScript is spec §11.2: 10,000 SETs of 144 bytes, a cut, w
// more, a reconnect. 7,359 allow a partial resync, 7,360 do not.
func workedExampleScript(o *observer, w int) {
	o.attach()
	o.pipeline("m1", setWrites(0, 10000))
	o.settle("m1", "r1")
	o.look("10000 writes", "m1", masterFields...)
	o.look("10000 writes", "r1", replicaFields...)

	o.cut()
	o.look("cut", "m1", masterFields...)
	o.look("cut", "r1", replicaFields...)

	o.pipeline("m1", setWrites(10000, w))
	o.look(fmt.Sprintf("%d writes while cut", w), "m1", masterFields...)

	o.replicaof("reconnect", "r1", "m1")
	o.settle("m1", "r1")
	o.look("reconnected", "m1", masterFields...)
	o.look("reconnected", "r1", replicaFields...)

	// A full sync resets the stream's db, so the next write costs a SELECT
	// more than after a partial one.
	o.cmd("one more write", "m1", setWrite(20000)...)
	o.settle("m1", "r1")
	o.look("one more write", "m1", "master_repl_offset")
	o.look("one more write", "r1", "slave_repl_offset")
}

// failoverScript is spec §8.1-§8.2: r1 is promoted, m1 takes one more
// write, then m1 follows r1 and must full-sync, losing that write.
func failoverScript(o *observer) {
	o.attach()
	o.pipeline("m1", setWrites(0, 100))
	o.settle("m1", "r1")
	o.look("100 writes", "m1", masterFields...)
	o.look("100 writes", "r1", replicaFields...)
	oldID := o.side.info("m1")["master_replid"]

	o.replicaof("promote r1", "r1", "")
	o.side.waitUntil("m1 frees its replica", func() bool { return o.side.info("m1")["connected_slaves"] == "0" })
	o.look("promoted", "r1", "role", "master_repl_offset", "second_repl_offset", "repl_backlog_first_byte_offset", "repl_backlog_histlen", "connected_slaves")
	r1 := o.side.info("r1")
	o.note("promoted", "r1 master_replid2 == old replid", fmt.Sprint(r1["master_replid2"] == oldID))
	o.note("promoted", "r1 master_replid != old replid", fmt.Sprint(r1["master_replid"] != oldID))

	o.cmd("write on old master", "m1", "SET", "lost-on-failover", "1")
	o.look("write on old master", "m1", "master_repl_offset")

	o.replicaof("demote m1", "m1", "r1")
	o.settle("r1", "m1")
	o.look("demoted", "r1", masterFields...)
	o.look("demoted", "m1", replicaFields...)
	o.look("demoted", "m1", "second_repl_offset")
	m1, r1 := o.side.info("m1"), o.side.info("r1")
	o.note("demoted", "m1 master_replid == r1 master_replid", fmt.Sprint(m1["master_replid"] == r1["master_replid"]))
	o.note("demoted", "m1 master_replid2 cleared", fmt.Sprint(m1["master_replid2"] == zeroID))
	o.cmd("lost write", "m1", "GET", "lost-on-failover")

	o.cmd("write on new master", "r1", setWrite(1)...)
	o.settle("r1", "m1")
	o.look("write on new master", "r1", "master_repl_offset")
	o.look("write on new master", "m1", "slave_repl_offset")
}

func setWrites(from, n int) [][]string {
	cmds := make([][]string, n)
	for i := range cmds {
		cmds[i] = setWrite(from + i)
	}
	return cmds
}

// observation is one compared value: after step label, key had value.
type observation struct{ label, key, value string }

// observer runs a script on one side and records what it sees.
type observer struct {
	t    *testing.T
	side pairSide
	obs  []observation
}

func runCompareScript(t *testing.T, side pairSide, script func(*observer)) []observation {
	t.Helper()
	o := &observer{t: t, side: side}
	script(o)
	t.Logf("%s: %s", side, strings.Join(side.psyncLog(), "\n\t"))
	return o.obs
}

func (o *observer) note(label, key, value string) {
	o.obs = append(o.obs, observation{label, key, value})
}

// look records the named INFO fields of a node; a missing field is
// recorded as "(absent)".
func (o *observer) look(label, node string, fields ...string) {
	m := o.side.info(node)
	for _, f := range fields {
		v, ok := m[f]
		if !ok {
			v = "(absent)"
		}
		o.note(label, node+" "+f, v)
	}
}

// cmd runs one command and records its reply.
func (o *observer) cmd(label, node string, args ...string) {
	o.note(label, node+" reply", o.side.do(node, args...).String())
}

func (o *observer) pipeline(node string, cmds [][]string) { o.side.pipeline(node, cmds) }

func (o *observer) replicaof(label, node, target string) {
	o.note(label, node+" reply", o.side.replicaof(node, target).String())
}

// settle waits until replica has applied everything master has.
func (o *observer) settle(master, replica string) {
	o.side.waitUntil(replica+" caught up with "+master, func() bool {
		r := o.side.info(replica)
		return r["master_link_status"] == "up" && r["slave_repl_offset"] == o.side.info(master)["master_repl_offset"]
	})
}

// attach makes r1 a replica of m1 at run time and waits for the sync.
func (o *observer) attach() {
	o.replicaof("attach", "r1", "m1")
	o.settle("m1", "r1")
}

// cut moves r1 to a dead address and waits until m1 has freed its client.
func (o *observer) cut() {
	o.replicaof("cut", "r1", "nowhere")
	o.side.waitUntil("m1 frees its replica", func() bool { return o.side.info("m1")["connected_slaves"] == "0" })
}

// pairSide is one way to run nodes m1 and r1: real redis-server processes
// or the engine. Failures are fatal to the test.
type pairSide interface {
	do(node string, args ...string) resp.Value
	// pipeline sends cmds at once and returns when all are answered.
	pipeline(node string, cmds [][]string)
	// replicaof points node at target: "m1", "r1", "nowhere" (a port
	// nothing listens on), or "" for NO ONE.
	replicaof(node, target string) resp.Value
	sleep(d time.Duration)
	// waitUntil polls cond, failing the test after a limit.
	waitUntil(what string, cond func() bool)
	info(node string) map[string]string
	// psyncLog returns the log lines about partial resynchronization.
	psyncLog() []string
	String() string
}

// compareConfig is applied to both sides: PINGs an hour apart so they do
// not move offsets, and full syncs without the 5 s diskless delay.
var compareConfig = [][2]string{
	{"repl-ping-replica-period", "3600"},
	{"repl-diskless-sync-delay", "0"},
}

// realPair is the real side. Active expiry is switched off on the real
// servers (DEBUG SET-ACTIVE-EXPIRE 0) so that an expired key is still
// there for the next write to delete lazily, whatever the timing; on the
// engine, virtual time gives the same order.
type realPair struct {
	t       *testing.T
	nodes   map[string]*realRedis
	deadEnd int // a port nothing listens on
}

const realWaitTimeout = 30 * time.Second

func newRealPair(t *testing.T) *realPair {
	p := &realPair{t: t, nodes: map[string]*realRedis{}, deadEnd: freeLocalPort(t)}
	for _, name := range []string{"m1", "r1"} {
		s := startRealRedis(t, name, "--enable-debug-command", "local")
		for _, kv := range compareConfig {
			s.mustDo(t, "CONFIG", "SET", kv[0], kv[1])
		}
		s.mustDo(t, "DEBUG", "SET-ACTIVE-EXPIRE", "0")
		p.nodes[name] = s
	}
	return p
}

func (p *realPair) String() string { return "real" }

func (p *realPair) do(node string, args ...string) resp.Value {
	s := p.nodes[node]
	v, err := s.do(args...)
	if err != nil {
		p.t.Fatalf("%s: %s: %v; log:\n%s", s, strings.Join(args, " "), err, s.logTail(20))
	}
	return v
}

func (p *realPair) pipeline(node string, cmds [][]string) {
	s := p.nodes[node]
	vs, err := s.pipeline(cmds)
	if err != nil {
		p.t.Fatalf("%s: pipeline of %d: %v", s, len(cmds), err)
	}
	for _, v := range vs {
		if v.Kind == resp.KindError {
			p.t.Fatalf("%s: pipeline: %s", s, v)
		}
	}
}

func (p *realPair) replicaof(node, target string) resp.Value {
	switch target {
	case "":
		return p.do(node, "REPLICAOF", "NO", "ONE")
	case "nowhere":
		return p.do(node, "REPLICAOF", "127.0.0.1", strconv.Itoa(p.deadEnd))
	}
	return p.do(node, "REPLICAOF", "127.0.0.1", strconv.Itoa(p.nodes[target].port))
}

func (p *realPair) sleep(d time.Duration) { time.Sleep(d) }

func (p *realPair) waitUntil(what string, cond func() bool) {
	deadline := time.Now().Add(realWaitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			p.t.Fatalf("real: %s: not within %s\nm1 log:\n%s\nr1 log:\n%s", what, realWaitTimeout,
				p.nodes["m1"].logTail(20), p.nodes["r1"].logTail(20))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (p *realPair) info(node string) map[string]string { return p.nodes[node].info(p.t) }

func (p *realPair) psyncLog() []string {
	var out []string
	for _, name := range []string{"m1", "r1"} {
		for _, l := range p.nodes[name].logLines("artial resynchronization") {
			out = append(out, name+" "+l)
		}
	}
	return out
}

// enginePair is the engine side, in the test world's virtual time.
type enginePair struct {
	t *testing.T
	w *world
}

const engineWaitTimeout = 120 * time.Second // virtual

func newEnginePair(t *testing.T) *enginePair {
	w := newWorld(t)
	cfg := DefaultConfig()
	for _, kv := range compareConfig {
		if err := cfg.Set(kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	w.addNode("m1", cfg)
	w.addNode("r1", cfg)
	return &enginePair{t: t, w: w}
}

func (e *enginePair) String() string { return "engine" }

func (e *enginePair) do(node string, args ...string) resp.Value { return e.w.do(node, args...) }

func (e *enginePair) pipeline(node string, cmds [][]string) {
	tc := e.w.client("c1", node)
	want := len(tc.replies) + len(cmds)
	e.w.pipeline(node, cmds)
	e.waitUntil(fmt.Sprintf("%d replies from %s", len(cmds), node), func() bool { return len(tc.replies) >= want })
	for _, v := range tc.replies[want-len(cmds):] {
		if v.Kind == resp.KindError {
			e.t.Fatalf("engine %s: pipeline: %s", node, v)
		}
	}
}

func (e *enginePair) replicaof(node, target string) resp.Value {
	switch target {
	case "":
		return e.do(node, "REPLICAOF", "NO", "ONE")
	case "nowhere":
		return e.do(node, "REPLICAOF", "nowhere", "1")
	}
	return e.do(node, "REPLICAOF", target, "6379")
}

func (e *enginePair) sleep(d time.Duration) { e.w.runFor(d) }

func (e *enginePair) waitUntil(what string, cond func() bool) {
	deadline := e.w.now + engineWaitTimeout
	for !cond() {
		if e.w.now >= deadline {
			e.t.Fatalf("engine: %s: not within %s of virtual time; log:\n%s", what, engineWaitTimeout,
				strings.Join(e.w.logs[max(0, len(e.w.logs)-30):], "\n"))
		}
		e.w.runFor(10 * time.Millisecond)
	}
}

func (e *enginePair) info(node string) map[string]string { return e.w.info(node) }

func (e *enginePair) psyncLog() []string {
	var out []string
	for _, l := range e.w.logs {
		if strings.Contains(l, "artial resynchronization") {
			out = append(out, l)
		}
	}
	return out
}
