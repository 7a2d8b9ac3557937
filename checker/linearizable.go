package checker

import (
	"fmt"
	"math"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/anishathalye/porcupine"
)

// linearizable.go checks a history for linearizability with porcupine: the
// history is partitioned by key, each key is checked on its own, a long key
// in windows, on a pool of goroutines, within one wall-clock budget.
//
// Which operations are checked:
//   - operations with outcome ok, against the KV model of kv.go;
//   - writes with an unknown outcome (or none: the run ended first), as
//     returning at +infinity with any output: they may have happened at any
//     time after their call, or not at all. An unknown SET whose value no
//     read ever returned, on a key touched only by SET and GET, is left out:
//     it can always be placed after everything else, so it cannot change
//     the verdict, and leaving it out keeps long keys cheap;
//   - not reads with an unknown outcome: they observed nothing;
//   - not operations that failed with a definite error: they did not happen;
//   - not reads sent to replicas (Op.Replica): a replica serves reads from
//     the past by design; ReplicaReads checks them against a weaker model.
//
// Windows: a key with more than Options.WindowOps operations is cut at
// quiescent points (every operation called before has returned) into
// windows of about that many. Each window starts from the set of states the
// previous window may have ended in (the effects of the writes that no other
// write definitely followed), and unknown writes called earlier are carried
// into every later window. The windows together accept every history the
// whole key accepts (no false alarms); a violation that needs operations on
// both sides of a cut may go unnoticed.

// Linearizability is the verdict of the check and what it covered.
type Linearizability struct {
	// Result is "ok", "illegal", "inconclusive" (the wall-clock budget
	// ran out first: neither a pass nor a failure) or "not checked".
	Result string `json:"result"`
	// Model names the sequential specification.
	Model string `json:"model"`
	// Keys and Partitions checked (a long key counts one partition per
	// window).
	Keys       int `json:"keys"`
	Partitions int `json:"partitions"`
	// CheckedOps are the operations given to porcupine (window starts not
	// counted), FinalReads of them the reads of the final master's
	// dataset.
	CheckedOps int `json:"checked_ops"`
	FinalReads int `json:"final_reads"`
	// UnknownWrites were checked as returning at +infinity;
	// UnobservedUnknownWrites of them were left out (see above).
	UnknownWrites           int `json:"unknown_writes"`
	UnobservedUnknownWrites int `json:"unobserved_unknown_writes_left_out"`
	UnknownReadsDropped     int `json:"unknown_reads_dropped"`
	FailedLeftOut           int `json:"failed_ops_left_out"`
	ReplicaReadsExcluded    int `json:"replica_reads_excluded"`
	// IllegalKeys are the keys no order explains, sorted, at most 10 of
	// IllegalKeyCount.
	IllegalKeys     []string `json:"illegal_keys,omitempty"`
	IllegalKeyCount int      `json:"illegal_key_count,omitempty"`
	// Explanation names the key, the operations and the faults around
	// them, for the first illegal key.
	Explanation string `json:"explanation,omitempty"`
	// Inconclusive says why an inconclusive check stopped: its time ran
	// out, or its memory passed Options.MemoryLimit.
	Inconclusive string `json:"inconclusive,omitempty"`

	illegal []*partition // for the visualization
	history []Op
}

// Linearizable returns true or false, or nil when the check was
// inconclusive.
func (l *Linearizability) Linearizable() *bool {
	var b bool
	switch l.Result {
	case ResultOK:
		b = true
	case ResultIllegal:
	default:
		return nil
	}
	return &b
}

// Results of the linearizability check.
const (
	ResultOK           = "ok"
	ResultIllegal      = "illegal"
	ResultInconclusive = "inconclusive"
	ResultNotChecked   = "not checked"
)

const modelName = "one Redis string per key: set, get, incr, append, del, expire; times to live; keys of each database apart"

// Options bound the linearizability check.
type Options struct {
	// Timeout is the wall-clock budget of the whole check (0: 30s). When it
	// runs out the result is inconclusive, never a pass or a failure.
	Timeout time.Duration
	// WindowOps: a key with more operations than this is checked in
	// windows of about this many (0: 1000; negative: never).
	WindowOps int
	// Workers check partitions in parallel (0: GOMAXPROCS).
	Workers int
	// Skip leaves linearizability out (result "not checked"); the
	// invariants are still checked.
	Skip bool
	// MemoryLimit bounds the heap in use while porcupine searches (its
	// search can grow to gigabytes on one hot key within its time): past
	// it the search is stopped and the result is inconclusive (0: 4 GiB;
	// the history itself counts too).
	MemoryLimit uint64
}

// DefaultMemoryLimit is Options.MemoryLimit's default.
const DefaultMemoryLimit = 4 << 30

func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.WindowOps == 0 {
		o.WindowOps = 1000
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.MemoryLimit == 0 {
		o.MemoryLimit = DefaultMemoryLimit
	}
	return o
}

// partition is one key, or one window of a long key. Its porcupine
// operations are built when it is checked, and kept only when it is
// illegal, so that a long history is not held twice.
type partition struct {
	key    string
	window int
	start  int64     // the window's first call; 0 for the first window
	init   []kvState // the window's start states (window > 0; nil: anything)
	hist   []int     // history index of each operation, -1 for the init operation
	calls  []int64   // each operation's call, when windows moved some; nil otherwise
	ops    []porcupine.Operation
	result porcupine.CheckResult
}

// operations builds the partition's porcupine operations.
func (p *partition) operations(h []Op) []porcupine.Operation {
	ops := make([]porcupine.Operation, len(p.hist))
	ins := make([]kvInput, len(p.hist))
	outs := make([]kvOutput, len(p.hist))
	for j, i := range p.hist {
		if i < 0 {
			ins[j] = kvInput{op: opInit, key: p.key, init: p.init}
			ops[j] = porcupine.Operation{Input: &ins[j], Call: p.start - 2, Output: &outs[j], Return: p.start - 2}
			continue
		}
		ops[j] = toOperation(&h[i], &ins[j], &outs[j])
		if p.calls != nil {
			ops[j].Call = p.calls[j]
		}
	}
	return ops
}

// CheckLinearizable checks the history against the KV model.
func CheckLinearizable(history []Op, opts Options) *Linearizability {
	opts = opts.withDefaults()
	l := &Linearizability{Model: modelName, history: history}
	if opts.Skip {
		l.Result = ResultNotChecked
		return l
	}
	parts := l.partition(history, opts.WindowOps)
	l.Partitions = len(parts)

	outOfMemory := checkPartitions(parts, history, opts)

	l.Result = ResultOK
	inconclusive := false
	for _, p := range parts {
		switch p.result {
		case porcupine.Illegal:
			l.illegal = append(l.illegal, p)
		case porcupine.Unknown:
			inconclusive = true
		}
	}
	switch {
	case len(l.illegal) > 0:
		l.Result = ResultIllegal
		seen := map[string]bool{}
		for _, p := range l.illegal {
			if !seen[p.key] {
				seen[p.key] = true
				l.IllegalKeyCount++
				if len(l.IllegalKeys) < 10 {
					l.IllegalKeys = append(l.IllegalKeys, p.key)
				}
			}
		}
	case inconclusive:
		l.Result = ResultInconclusive
		l.Inconclusive = fmt.Sprintf("the check ran out of time (%s)", opts.Timeout)
		if outOfMemory {
			l.Inconclusive = fmt.Sprintf("the check's memory passed its bound (%d MiB of heap)", opts.MemoryLimit>>20)
		}
	}
	return l
}

// checkPartitions runs porcupine on every partition, on opts.Workers
// goroutines, within opts.Timeout and opts.MemoryLimit, setting each
// partition's result; it reports whether the memory bound stopped it.
func checkPartitions(parts []*partition, history []Op, opts Options) (outOfMemory bool) {
	// The biggest partitions first, so one long key does not finish last.
	order := make([]int, len(parts))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return len(parts[order[a]].hist) > len(parts[order[b]].hist) })
	deadline := time.Now().Add(opts.Timeout)
	guard := newMemoryGuard(opts.MemoryLimit)
	defer guard.close()
	model := kvModel
	model.Step = func(state, input, output any) (bool, any) {
		if guard.tripped.Load() {
			// Fail every step: porcupine backtracks to the start and gives
			// up, adding nothing to its cache on the way.
			return false, state
		}
		return kvStep(state, input, output)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < min(opts.Workers, len(parts)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(order) {
					return
				}
				p := parts[order[i]]
				left := time.Until(deadline)
				if left <= 0 || guard.tripped.Load() {
					p.result = porcupine.Unknown
					continue
				}
				ops := p.operations(history)
				p.result = porcupine.CheckOperationsTimeout(model, ops, left)
				if guard.tripped.Load() {
					p.result = porcupine.Unknown
				}
				if p.result == porcupine.Illegal {
					p.ops = ops
				}
			}
		}()
	}
	wg.Wait()
	guard.close()
	return guard.tripped.Load()
}

// partition sorts the operations into keys and windows and counts what is
// left out.
func (l *Linearizability) partition(h []Op, windowOps int) []*partition {
	byKey := map[string][]int{}
	for i := range h {
		op := &h[i]
		switch {
		case op.Replica:
			l.ReplicaReadsExcluded++
			continue
		case op.Outcome == Fail:
			l.FailedLeftOut++
			continue
		case op.Outcome != OK && !op.IsWrite():
			l.UnknownReadsDropped++
			continue
		case op.Outcome != OK:
			l.UnknownWrites++
		}
		byKey[op.ID()] = append(byKey[op.ID()], i)
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	l.Keys = len(keys)
	var parts []*partition
	for _, k := range keys {
		idx := l.pruneUnobserved(h, byKey[k])
		for _, i := range idx {
			if h[i].Client == FinalClient {
				l.FinalReads++
			}
		}
		l.CheckedOps += len(idx)
		sort.SliceStable(idx, func(a, b int) bool { return h[idx[a]].Call < h[idx[b]].Call })
		parts = append(parts, windows(h, k, idx, windowOps)...)
	}
	return parts
}

// pruneUnobserved leaves out the unknown SETs whose value no read returned,
// on keys that only SET and GET touch.
func (l *Linearizability) pruneUnobserved(h []Op, idx []int) []int {
	unknown := false
	for _, i := range idx {
		unknown = unknown || h[i].Outcome != OK
	}
	if !unknown {
		return idx
	}
	observed := map[Value]bool{}
	for _, i := range idx {
		switch op := &h[i]; {
		case op.Op == "get":
			if !op.Null {
				observed[op.Value] = true
			}
		case op.Op == "set" && op.TTLMs == 0:
		default:
			// Other writes, and a SET with a time to live, which may
			// explain a read that finds the key missing.
			return idx
		}
	}
	kept := idx[:0]
	for _, i := range idx {
		if op := &h[i]; op.Op == "set" && op.Outcome != OK && !observed[op.Value] {
			l.UnobservedUnknownWrites++
			continue
		}
		kept = append(kept, i)
	}
	return kept
}

// maxCarried bounds the unknown operations carried across a window cut.
const maxCarried = 6

// windows cuts one key's operations, sorted by call, into partitions.
func windows(h []Op, key string, idx []int, windowOps int) []*partition {
	var definite, unknown []int
	for _, i := range idx {
		if h[i].Outcome == OK {
			definite = append(definite, i)
		} else {
			unknown = append(unknown, i)
		}
	}
	expires := false
	for _, i := range idx {
		expires = expires || h[i].Expires()
	}
	if windowOps < 0 || len(idx) <= windowOps || expires {
		// A key that may expire is checked whole: a window that starts
		// in an unknown state would not know the key's deadline.
		return []*partition{{key: key, hist: idx}}
	}
	// When each value was last read: an unknown SET is carried into the
	// windows up to there.
	lastSeen := map[Value]int64{}
	for _, i := range definite {
		if op := &h[i]; op.Op == "get" && !op.Null {
			lastSeen[op.Value] = max(lastSeen[op.Value], op.Call)
		}
	}
	carried := func(t int64) int {
		n := 0
		for _, i := range unknown {
			if op := &h[i]; op.Call < t && (op.Op != "set" || lastSeen[op.Value] >= t) {
				n++
			}
		}
		return n
	}
	// Cut points: the call of a definite operation that every earlier
	// definite operation returned before, where few unknown operations
	// would be carried across (each multiplies the orders to try).
	var cuts []int // indices into definite where a window starts
	maxRet := int64(math.MinInt64)
	since := 0
	for j, i := range definite {
		if since >= windowOps && maxRet < h[i].Call && carried(h[i].Call) <= maxCarried {
			cuts = append(cuts, j)
			since = 0
		}
		maxRet = max(maxRet, h[i].Return)
		since++
	}
	var parts []*partition
	var cands []kvState // nil: the initial, missing key
	lo := 0
	for w := 0; w <= len(cuts); w++ {
		hi := len(definite)
		if w < len(cuts) {
			hi = cuts[w]
		}
		p := &partition{key: key, window: w}
		end := int64(math.MaxInt64)
		if hi < len(definite) {
			end = h[definite[hi]].Call
		}
		if w > 0 {
			p.start, p.init = h[definite[lo]].Call, cands
			p.hist, p.calls = append(p.hist, -1), append(p.calls, p.start-2)
		}
		// Definite and unknown operations of the window in call order;
		// unknown ones called before the window are carried in at its
		// start.
		type entry struct {
			call int64
			i    int
		}
		var es []entry
		register := true
		seen := map[Value]bool{}
		for _, i := range definite[lo:hi] {
			es = append(es, entry{h[i].Call, i})
			switch op := &h[i]; op.Op {
			case "get":
				seen[op.Value] = !op.Null || seen[op.Value]
			case "set":
			default:
				register = false
			}
		}
		for _, i := range unknown {
			op := &h[i]
			if op.Op != "set" {
				register = false
			}
			if op.Call >= end {
				continue
			}
			es = append(es, entry{max(op.Call, p.start-1), i})
		}
		if register {
			// In a window of SETs and GETs, an unknown SET whose value
			// no read of the window returned can happen after all of
			// them: it changes nothing here.
			kept := es[:0]
			for _, e := range es {
				if op := &h[e.i]; op.Outcome == OK || seen[op.Value] {
					kept = append(kept, e)
				}
			}
			es = kept
		}
		sort.SliceStable(es, func(a, b int) bool { return es[a].call < es[b].call })
		for _, e := range es {
			p.hist, p.calls = append(p.hist, e.i), append(p.calls, e.call)
		}
		cands = endStates(h, definite[lo:hi], cands, w == 0)
		parts = append(parts, p)
		lo = hi
	}
	return parts
}

// endStates returns the states a window may end in: the effects of the
// writes that no other write of the window definitely followed. nil means
// anything (an APPEND's result is not known from its reply).
func endStates(h []Op, ops []int, in []kvState, first bool) []kvState {
	var writes []int
	for _, i := range ops {
		if h[i].IsWrite() {
			writes = append(writes, i)
		}
	}
	if len(writes) == 0 {
		if first {
			return []kvState{{}}
		}
		return in
	}
	var out []kvState
	for _, i := range writes {
		last := true
		for _, j := range writes {
			if h[j].Call > h[i].Return {
				last = false
				break
			}
		}
		if !last {
			continue
		}
		switch op := &h[i]; op.Op {
		case "set":
			out = append(out, kvState{val: op.Value, exists: true})
		case "del":
			out = append(out, kvState{})
		case "incr":
			out = append(out, kvState{val: ValueOf(op.Reply), exists: true})
		default:
			return nil
		}
		if len(out) > 16 {
			return nil
		}
	}
	return out
}

// toOperation turns a history operation into porcupine's, filling in and
// out.
func toOperation(op *Op, in *kvInput, out *kvOutput) porcupine.Operation {
	ret := op.Return
	if op.Outcome != OK {
		out.unknown = true
		ret = math.MaxInt64
	}
	*in = kvInput{op: kindOf(op.Op), key: op.ID(), value: op.Value, call: op.Call, ret: ret, ttl: op.TTLMs * 1e6}
	if in.op == opSet {
		in.after = kvState{val: op.Value, exists: true}
		if in.ttl > 0 {
			in.after.dlo, in.after.dhi = in.deadline()
		}
	}
	if op.Outcome == OK {
		switch in.op {
		case opGet:
			out.null, out.reply = op.Null, op.Value
		case opIncr, opAppend, opDel, opExpire:
			n, err := strconv.ParseInt(op.Reply, 10, 64)
			if err != nil {
				n = math.MinInt64 // no state gives this reply
			}
			out.n = n
		}
	}
	return porcupine.Operation{Input: in, Call: op.Call, Output: out, Return: ret}
}

// kindOf returns the kind of a valid operation name.
func kindOf(name string) opKind {
	switch name {
	case "set":
		return opSet
	case "get":
		return opGet
	case "incr":
		return opIncr
	case "append":
		return opAppend
	case "expire":
		return opExpire
	}
	return opDel
}
