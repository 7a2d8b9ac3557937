package world

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/replsim/replsim/checker"
	"github.com/replsim/replsim/model/resp"
	"github.com/replsim/replsim/scenarios/spec"
	"github.com/replsim/replsim/sim"
)

// workload is the scenario's clients: each a simulated process on its own
// host, issuing operations at its share of the scenario's rate (exponential
// or even gaps) with up to Pipeline of them in flight, recording every
// operation with its call and return times.
type workload struct {
	r       *runner
	rng     *rand.Rand
	clients []*wclient
	burst   *Client
	history opLog
	stopped bool
	keys    []string // the key space of set, get, append, del
	ctrs    []string // the key space of incr
	// keyArgs and ctrArgs are keys and ctrs as command arguments; val
	// holds the value of the operation being sent (the command is
	// encoded at once, so one buffer serves every operation).
	keyArgs, ctrArgs [][]byte
	val              []byte
	// blocks maps the tag of a MULTI/EXEC block's EXEC to the history
	// indexes of its SETs; blockSeq numbers the blocks.
	blocks   map[int][]int
	blockSeq int
}

// The command names a client sends.
var (
	cmdSet    = []byte("SET")
	cmdGet    = []byte("GET")
	cmdAppend = []byte("APPEND")
	cmdDel    = []byte("DEL")
	cmdIncr   = []byte("INCR")
)

// argsOf returns the keys as command arguments.
func argsOf(keys []string) [][]byte {
	out := make([][]byte, len(keys))
	for i, k := range keys {
		out[i] = []byte(k)
	}
	return out
}

type wclient struct {
	name        string
	w           *workload
	main        *Client // to the master of the moment
	reads       *Client // to a replica, when reads go to replicas
	meanGap     time.Duration
	waitingFire bool // the next operation is due but the client is busy
	// unwaited are the history indexes of acknowledged writes that the
	// next WAIT covers; waitSent: that WAIT is in flight.
	unwaited []int
	waitSent bool
	args     [5][]byte // the arguments of the operation being sent
	nextFn   func()    // next, made once
	db       int       // the database the client SELECTs
}

const (
	tagSelect = -2
	tagWait   = -3
)

func padKey(prefix string, i, size int) string {
	digits := strconv.Itoa(i)
	if pad := size - len(prefix) - len(digits); pad > 0 {
		return prefix + fmt.Sprintf("%0*d", pad+len(digits), i)
	}
	return prefix + digits
}

const hexDigits = "0123456789abcdef"

func randomValue(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	fillRandom(rng, b)
	return b
}

// fillRandom fills b with random hex digits.
func fillRandom(rng *rand.Rand, b []byte) {
	var bits uint64
	for i := range b {
		if i%16 == 0 {
			bits = rng.Uint64()
		}
		b[i] = hexDigits[bits&15]
		bits >>= 4
	}
}

// keyTable returns the n padded key names of a key space, built once.
func keyTable(prefix string, n, size int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = padKey(prefix, i, size)
	}
	return keys
}

// historyRoom is the room a history kept in memory reserves: about the
// operations the workload issues, with a margin for Poisson arrivals, and
// room for the checker's final reads (one per key the operations touched:
// no more than the operations, nor than the key spaces of set and incr in
// every database used), up to maxHistoryRoom (a longer run grows by
// chunks, and its history is copied once at the end).
func historyRoom(s *spec.Spec) int {
	n := s.Workload.RatePerSec * s.Duration.Seconds()
	for _, b := range s.Workload.Bursts {
		n += float64(b.Writes)
	}
	n += 4*math.Sqrt(n) + 64
	keys := 2 * float64(s.Workload.Keys) * float64(max(1, s.Workload.DBs))
	return int(min(n+min(n, keys), maxHistoryRoom))
}

// maxHistoryRoom bounds historyRoom: about 200 MB of operations.
const maxHistoryRoom = 1 << 20

func (r *runner) startWorkload() {
	ws := r.s.Workload
	if ws.Clients == 0 || (ws.RatePerSec == 0 && len(ws.Bursts) == 0) {
		return
	}
	wl := &workload{r: r, rng: r.w.Seeds.Stream("workload"),
		keys: keyTable("key:", ws.Keys, ws.KeySize)}
	wl.history.sink = r.history
	if r.history == nil {
		wl.history.reserve(historyRoom(r.s))
	}
	wl.keyArgs = argsOf(wl.keys)
	for _, m := range ws.Mix {
		if m.Op == "incr" {
			wl.ctrs = keyTable("cnt:", ws.Keys, ws.KeySize)
			wl.ctrArgs = argsOf(wl.ctrs)
		}
	}
	r.work = wl
	master := r.w.Node(r.master)
	addr := sim.Addr{Host: r.master, Port: master.Port()}
	var replicas []string
	for _, n := range r.sortedNames() {
		if n != r.master {
			replicas = append(replicas, n)
		}
	}
	if ws.RatePerSec > 0 {
		for i := 0; i < ws.Clients; i++ {
			wc := &wclient{name: fmt.Sprintf("c%d", i+1), w: wl, db: wl.clientDB(i)}
			wc.nextFn = wc.next
			wc.meanGap = time.Duration(float64(ws.Clients) / ws.RatePerSec * float64(time.Second))
			wc.main = wl.newClient(wc.name, addr, wc)
			if ws.ReadsFrom != "master" && len(replicas) > 0 {
				rep := replicas[i%len(replicas)]
				wc.reads = wl.newClient(wc.name+"-r", sim.Addr{Host: rep, Port: r.w.Node(rep).Port()}, wc)
			}
			wl.clients = append(wl.clients, wc)
			wc.main.Host.At(wc.firstGap(i), wc.fire)
		}
	}
	if len(ws.Bursts) > 0 {
		wl.burst = wl.dial("burst", addr)
		wl.burst.Pipeline = 1 << 30
		wl.burst.OnReply = func(call *Call) { wl.finish(call) }
		wl.selectDB(wl.burst, ws.DB)
		for _, b := range ws.Bursts {
			r.w.Sched.At(b.At, func() { wl.fireBurst(b.Writes, b.ValueSize) })
		}
	}
	if ws.Pipeline > 1 || ws.Arrival != spec.ArrivalPoisson {
		r.w.Trace.Printf(0, "workload %d clients %.0f ops/s mix %v reads-from %s pipeline %d arrival %s", ws.Clients, ws.RatePerSec, ws.Mix, ws.ReadsFrom, ws.Pipeline, ws.Arrival)
		return
	}
	r.w.Trace.Printf(0, "workload %d clients %.0f ops/s mix %v reads-from %s", ws.Clients, ws.RatePerSec, ws.Mix, ws.ReadsFrom)
}

// firstGap is when client i issues its first operation: after an
// exponential gap, or with fixed arrivals an equal share of the gap after
// client i-1, half a share from the start, so that the clients together
// issue evenly at the rate.
func (wc *wclient) firstGap(i int) time.Duration {
	ws := wc.w.r.s.Workload
	if ws.Arrival == spec.ArrivalFixed {
		return time.Duration((float64(i) + 0.5) / float64(ws.Clients) * float64(wc.meanGap))
	}
	return time.Duration(wc.w.rng.ExpFloat64() * float64(wc.meanGap))
}

// gap is the time from one operation of a client to its next.
func (wc *wclient) gap() time.Duration {
	if wc.w.r.s.Workload.Arrival == spec.ArrivalFixed {
		return wc.meanGap
	}
	return time.Duration(wc.w.rng.ExpFloat64() * float64(wc.meanGap))
}

// inFlight is the calls of the client waiting for replies, on both its
// connections.
func (wc *wclient) inFlight() int {
	k := wc.main.InFlight()
	if wc.reads != nil {
		k += wc.reads.InFlight()
	}
	return k
}

// busy reports whether a due operation must wait: the client has its
// pipeline full, or owes a WAIT (a WAIT is a barrier; see sendWait).
func (wc *wclient) busy() bool {
	return wc.inFlight() >= wc.w.r.s.Workload.Pipeline || len(wc.unwaited) > 0 || wc.waitSent
}

func (wl *workload) newClient(name string, addr sim.Addr, wc *wclient) *Client {
	c := wl.dial(name, addr)
	c.Pipeline = wl.r.s.Workload.Pipeline
	c.OnReply = func(call *Call) { wc.reply(c, call) }
	wl.selectDB(c, wc.db)
	for _, l := range wl.r.s.Network.Links {
		if l.A == name || l.B == name {
			wl.r.w.Net.SetLink(l.A, l.B, l.Link)
		}
	}
	return c
}

// dial adds the host of a client of the master: one that finds the master
// through the sentinels when the scenario has them, else one connected to
// addr.
func (wl *workload) dial(name string, addr sim.Addr) *Client {
	r := wl.r
	ss := r.s.Sentinels
	if ss == nil {
		return r.w.NewClient(name, addr)
	}
	d := &Discovery{MasterName: ss.MasterName, Timeout: clientTimeout}
	if w := r.s.Workload.Wait; w != nil {
		d.Timeout = max(d.Timeout, w.Timeout+time.Second)
	}
	for _, s := range r.w.Sentinels() {
		d.Sentinels = append(d.Sentinels, sim.Addr{Host: s.Name(), Port: s.Port()})
	}
	return r.w.NewDiscoveringClient(name, d)
}

// clientTimeout is how long a client that discovers the master waits for
// a reply before it drops the connection and asks the sentinels again
// (Jedis's default socket timeout), or a second more than WAIT's timeout.
const clientTimeout = 2 * time.Second

// selectDB makes a client use database db on every connect.
func (wl *workload) selectDB(c *Client, db int) {
	if db == 0 {
		return
	}
	c.OnConnect = func() { c.DoTag(tagSelect, []byte("SELECT"), []byte(strconv.Itoa(db))) }
}

func (wl *workload) stop() { wl.stopped = true }

// hosts returns the host names of one client (its main and read
// connections), or of every client when name is "".
func (wl *workload) hosts(name string) []string {
	var out []string
	for _, wc := range wl.clients {
		if name != "" && wc.name != name {
			continue
		}
		out = append(out, wc.main.Host.Name())
		if wc.reads != nil {
			out = append(out, wc.reads.Host.Name())
		}
	}
	if name == "" && wl.burst != nil {
		out = append(out, wl.burst.Host.Name())
	}
	return out
}

func (wl *workload) inFlight() int {
	k := 0
	for _, wc := range wl.clients {
		k += wc.main.InFlight()
		if wc.reads != nil {
			k += wc.reads.InFlight()
		}
	}
	if wl.burst != nil {
		k += wl.burst.InFlight()
	}
	return k
}

func (wl *workload) retarget(addr sim.Addr) {
	if wl.r.s.Sentinels != nil {
		return // the clients find the new master through the sentinels
	}
	for _, wc := range wl.clients {
		wc.main.Retarget(addr)
	}
	if wl.burst != nil {
		wl.burst.Retarget(addr)
	}
}

// pickOp draws an operation from the mix.
func (wl *workload) pickOp() string {
	n := wl.rng.IntN(100)
	for _, m := range wl.r.s.Workload.Mix {
		if n < m.Percent {
			return m.Op
		}
		n -= m.Percent
	}
	return wl.r.s.Workload.Mix[len(wl.r.s.Workload.Mix)-1].Op
}

// fire issues the client's next operation.
func (wc *wclient) fire() {
	wl := wc.w
	if wl.stopped {
		return
	}
	ws := wl.r.s.Workload
	op := wl.pickOp()
	c := wc.main
	if op == "get" && wc.reads != nil && (ws.ReadsFrom == "replicas" || wl.rng.IntN(2) == 0) {
		c = wc.reads
	}
	var key string
	var value []byte
	args := wc.args[:2]
	switch op {
	case "incr":
		k := wl.rng.IntN(ws.Keys)
		key, args[0], args[1] = wl.ctrs[k], cmdIncr, wl.ctrArgs[k]
	default:
		k := wl.rng.IntN(ws.Keys)
		key, args[1] = wl.keys[k], wl.keyArgs[k]
	}
	switch op {
	case "set":
		value = wl.value(ws.ValueSize)
		args[0], args = cmdSet, append(args, value)
	case "append":
		value = wl.value(8)
		args[0], args = cmdAppend, append(args, value)
	case "get":
		args[0] = cmdGet
	case "del":
		args[0] = cmdDel
	case "set-ttl":
		value = wl.value(ws.ValueSize)
		args[0], args = cmdSet, wl.ttlCommand(op, append(args, value))
	case "expire":
		args = wl.ttlCommand(op, args)
	}
	gap := wc.gap()
	if !c.Ready() || wc.busy() {
		// Not connected (it reconnects by itself) or still busy: this
		// operation is not issued; try again after the next gap.
		c.Host.After(gap, wc.fire)
		return
	}
	if op == "multi" {
		wc.fireMulti(c, int64(wl.r.w.Now()))
		c.Host.After(gap, wc.nextFn)
		return
	}
	var ttlMs int64
	if op == "set-ttl" || op == "expire" {
		ttlMs = ws.TTL.Milliseconds()
	}
	if op == "set-ttl" {
		op = "set"
	}
	idx := wl.history.add(checker.Op{
		Client: c.Name, Node: c.Target().Host, Op: op, Key: key, Value: checker.ValueOf(value),
		Call: int64(wl.r.w.Now()), Waited: -1, TTLMs: ttlMs, DB: wc.db,
	})
	if c == wc.reads {
		// Sent to a replica: not part of the linearizability check; how
		// far behind it is measures staleness in bytes.
		h := wl.history.at(idx)
		h.Replica = true
		if m, rep := wl.r.w.Node(wl.r.master), wl.r.w.Node(c.Target().Host); m != nil && rep != nil {
			h.LagBytes = max(m.Engine.Offset()-rep.Engine.Offset(), 0)
		}
	}
	c.DoTag(idx, args...)
	c.Host.After(gap, wc.nextFn)
}

// value returns n random bytes in the workload's value buffer, valid
// until the next call.
func (wl *workload) value(n int) []byte {
	if cap(wl.val) < n {
		wl.val = make([]byte, n)
	}
	wl.val = wl.val[:n]
	fillRandom(wl.rng, wl.val)
	return wl.val
}

// next waits for a free place in the client's pipeline before firing
// again.
func (wc *wclient) next() {
	if wc.busy() {
		wc.waitingFire = true
		return
	}
	wc.fire()
}

func (wc *wclient) reply(c *Client, call *Call) {
	wl := wc.w
	if ids, ok := wl.blocks[call.Tag]; ok {
		acked := wl.finishBlock(call, ids)
		if wl.r.s.Workload.Wait != nil {
			for _, id := range acked {
				wc.unwaited = append(wc.unwaited, id)
				wl.history.hold(id, true)
			}
		}
		wc.sendWait(c)
		if wc.waitingFire && !wc.busy() {
			wc.waitingFire = false
			wc.fire()
		}
		return
	}
	switch call.Tag {
	case tagSelect, tagQueued:
		return
	case tagWait:
		if !call.Broken && call.Reply.Kind == resp.KindInt {
			for _, i := range wc.unwaited {
				wl.history.at(i).Waited = int(call.Reply.Int)
			}
		}
		wc.release()
		wc.waitSent = false
	default:
		op := wl.finish(call)
		if wl.r.s.Workload.Wait != nil && op != nil && op.IsWrite() && op.Outcome == checker.OK {
			wc.unwaited = append(wc.unwaited, call.Tag)
			wl.history.hold(call.Tag, true)
		}
		if wc.sendWait(c) {
			return
		}
	}
	if wc.waitingFire && !wc.busy() {
		wc.waitingFire = false
		wc.fire()
	}
}

// sendWait sends the WAIT the client owes, once its master connection c
// has nothing else in flight, and reports whether it did. WAIT is a
// barrier: the client issues nothing while it owes one or waits for one.
// Redis answers a client's commands in order but does not hold back the
// commands behind a blocked WAIT, so a WAIT among other calls in flight
// would be answered out of order. One WAIT covers every write acknowledged
// since the last, because it waits for the offset of the client's latest
// write; each of them records its answer. With pipeline 1 this is a WAIT
// after each write.
func (wc *wclient) sendWait(c *Client) bool {
	if len(wc.unwaited) == 0 || wc.waitSent || c != wc.main || c.InFlight() > 0 {
		return false
	}
	if !c.Ready() {
		// The connection broke: the writes are left without WAIT.
		wc.release()
		return false
	}
	ws := wc.w.r.s.Workload
	wc.waitSent = true
	c.DoTag(tagWait, []byte("WAIT"), []byte(strconv.Itoa(ws.Wait.Replicas)),
		[]byte(strconv.FormatInt(ws.Wait.Timeout.Milliseconds(), 10)))
	return true
}

// release lets the writes the client owed a WAIT leave the history.
func (wc *wclient) release() {
	for _, i := range wc.unwaited {
		wc.w.history.hold(i, false)
	}
	wc.unwaited = wc.unwaited[:0]
}

// finish records the outcome of a call in the history.
func (wl *workload) finish(call *Call) *checker.Op {
	op := wl.history.at(call.Tag)
	if op == nil {
		return nil
	}
	op.Return = int64(call.End)
	switch {
	case call.Broken:
		op.Outcome = checker.Unknown
	case call.Reply.Kind == resp.KindError:
		op.Outcome = checker.Fail
		op.Reply = call.Reply.Str
	default:
		op.Outcome = checker.OK
		switch call.Reply.Kind {
		case resp.KindInt:
			op.Reply = strconv.FormatInt(call.Reply.Int, 10)
		case resp.KindSimple:
			op.Reply = call.Reply.Str
			if op.Reply == "OK" {
				op.Reply = "OK" // the constant: the history keeps no copy
			}
		default:
			op.Value = checker.ValueOf(call.Reply.Str)
			op.Null = call.Reply.Null
		}
	}
	return op
}

// fireBurst pipelines writes to the master of the moment at one instant.
func (wl *workload) fireBurst(n, valueSize int) {
	if wl.stopped {
		return
	}
	ws := wl.r.s.Workload
	c := wl.burst
	if c.disc == nil && c.Target().Host != wl.r.master {
		c.Retarget(sim.Addr{Host: wl.r.master, Port: wl.r.w.Node(wl.r.master).Port()})
	}
	wl.r.w.Trace.Printf(wl.r.w.Now(), "burst %d writes to %s", n, wl.r.master)
	for i := 0; i < n; i++ {
		k := wl.rng.IntN(ws.Keys)
		key := wl.keys[k]
		value := wl.value(valueSize)
		idx := wl.history.add(checker.Op{
			Client: c.Name, Node: c.Target().Host, Op: "set", Key: key, Value: checker.ValueOf(value),
			Call: int64(wl.r.w.Now()), Waited: -1, DB: ws.DB,
		})
		if !c.DoTag(idx, cmdSet, wl.keyArgs[k], value) {
			wl.history.dropLast()
			wl.r.w.Trace.Printf(wl.r.w.Now(), "burst client not connected: %d writes not sent", n-i)
			return
		}
	}
}
