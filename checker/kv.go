package checker

import (
	"fmt"
	"hash/maphash"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/anishathalye/porcupine"
)

// kv.go is the sequential specification porcupine checks histories against:
// one Redis string key, as SET, GET, INCR, APPEND, DEL and EXPIRE see it.
// The history is partitioned by key before it gets here, so a state is the
// value of a single key.
//
// Expiry. A SET with EX or PX, or an EXPIRE, gives the key a deadline on
// the master's clock: the master ran the write at some instant t between
// its call and its return, so the key dies at t+ttl, within
// [call+ttl, return+ttl], widened by a millisecond on each side for the
// millisecond clock (Redis expires a key once its clock has passed the
// deadline). An operation on a key with a deadline finds it alive, or
// expired (missing), or, when its interval overlaps the deadline's, either:
// the state forks. Ordering the operations of one history in time is
// porcupine's business; the deadline is tested against each operation's own
// interval, which accepts every history a real master can produce (never a
// false alarm) and a few more.

type opKind uint8

const (
	opSet opKind = iota
	opGet
	opIncr
	opAppend
	opDel
	opExpire
	// opInit starts a window of a long key history: it moves the state to
	// the candidate states the previous window may have ended in.
	opInit
)

var opNames = map[string]opKind{"set": opSet, "get": opGet, "incr": opIncr, "append": opAppend, "del": opDel, "expire": opExpire}

func (k opKind) String() string {
	return [...]string{"set", "get", "incr", "append", "del", "expire", "init"}[k]
}

// kvInput is an operation's call.
type kvInput struct {
	op    opKind
	key   string
	value Value     // set and append
	init  []kvState // opInit
	// client names the client in the visualization, whose rows are
	// numbered.
	client string
	// after is the state a SET leaves, built once so that a step
	// allocates nothing.
	after kvState
	// call and ret bound when the operation ran (ret is MaxInt64 for an
	// unknown outcome); ttl is the time to live of a set or expire, in
	// nanoseconds (0: none).
	call, ret, ttl int64
}

// deadline returns the interval in which a key the operation gave a time
// to live expires.
func (in *kvInput) deadline() (lo, hi int64) {
	const ms = int64(1e6)
	lo = in.call + in.ttl - ms
	if hi = in.ret + in.ttl + ms; hi < in.ret {
		hi = math.MaxInt64 // an unknown outcome: no upper bound
	}
	return lo, hi
}

// kvOutput is what the client learned. unknown: nothing (the operation may
// have happened at any time after its call); Step accepts every output then.
type kvOutput struct {
	unknown bool
	null    bool  // get: the key did not exist
	reply   Value // get: the value
	n       int64 // incr: the new value; append: the new length; del: keys removed
}

// kvState is the value of one key. any is the state at the start of a
// window whose predecessor's end could not be narrowed down: it accepts the
// first observation and tracks exactly from there.
type kvState struct {
	val    Value
	exists bool
	any    bool
	// dlo and dhi bound the key's deadline (dhi 0: it has none): it is
	// alive before dlo and expired from dhi on.
	dlo, dhi int64
}

// kvStates is a set of two or more candidate states, sorted, distinct.
// Porcupine holds a state as *kvState or kvStates; a *kvState is never
// changed once made.
type kvStates []kvState

// absent is the state of a missing key.
var absent = &kvState{}

func (s kvState) less(o kvState) bool {
	if s.any != o.any {
		return s.any
	}
	if s.exists != o.exists {
		return o.exists
	}
	// As the values' strings order, as far as their heads tell.
	if s.val.head != o.val.head {
		return string(s.val.head[:]) < string(o.val.head[:])
	}
	if s.val.n != o.val.n {
		return s.val.n < o.val.n
	}
	if s.val.hash != o.val.hash {
		return s.val.hash < o.val.hash
	}
	if s.dlo != o.dlo {
		return s.dlo < o.dlo
	}
	return s.dhi < o.dhi
}

// stepOne applies one operation to one state.
func stepOne(s *kvState, in *kvInput, out *kvOutput) (bool, *kvState) {
	switch in.op {
	case opSet:
		return true, &in.after
	case opGet:
		if s.any {
			if out.null {
				return true, absent
			}
			return true, &kvState{val: out.reply, exists: true}
		}
		if out.null {
			return !s.exists, s
		}
		return s.exists && s.val == out.reply, s
	case opDel:
		if out.unknown || s.any {
			return true, absent
		}
		if s.exists {
			return out.n == 1, absent
		}
		return out.n == 0, s
	case opIncr:
		if s.any {
			if out.unknown {
				return true, s
			}
			return true, &kvState{val: ValueOf(strconv.FormatInt(out.n, 10)), exists: true}
		}
		var v int64
		if s.exists {
			var err error
			if v, err = parseRedisInt(s.val); err != nil || v == 1<<63-1 {
				// Redis refuses: an unknown INCR changed nothing, an
				// acknowledged one cannot have run here.
				return out.unknown, s
			}
		}
		if !out.unknown && out.n != v+1 {
			return false, s
		}
		return true, &kvState{val: ValueOf(strconv.FormatInt(v+1, 10)), exists: true, dlo: s.dlo, dhi: s.dhi}
	case opAppend:
		if s.any {
			return true, s
		}
		if !out.unknown && out.n != int64(s.val.Len()+in.value.Len()) {
			return false, s
		}
		return true, &kvState{val: s.val.Concat(in.value), exists: true, dlo: s.dlo, dhi: s.dhi}
	case opExpire:
		switch {
		case s.any:
			// Whatever the key held, it may now expire: stay unknown.
			if !out.unknown && out.n == 0 {
				return true, absent
			}
			return true, s
		case !s.exists:
			return out.unknown || out.n == 0, s
		case !out.unknown && out.n != 1:
			return false, s
		}
		lo, hi := in.deadline()
		return true, &kvState{val: s.val, exists: true, dlo: lo, dhi: hi}
	}
	return false, s
}

// parseRedisInt accepts what Redis's string2ll accepts.
func parseRedisInt(v Value) (int64, error) {
	if !v.Exact() {
		return 0, strconv.ErrSyntax
	}
	return parseRedisIntString(v.Head())
}

func parseRedisIntString(s string) (int64, error) {
	if len(s) == 0 || len(s) > 20 || s[0] == '+' || (len(s) > 1 && s[0] == '0') || (len(s) > 1 && s[0] == '-' && s[1] == '0') {
		return 0, strconv.ErrSyntax
	}
	return strconv.ParseInt(s, 10, 64)
}

func kvStep(state, input, output any) (bool, any) {
	in, out := input.(*kvInput), output.(*kvOutput)
	if in.op == opInit {
		return true, makeStates(in.init)
	}
	switch s := state.(type) {
	case *kvState:
		if s.dhi == 0 || !s.exists {
			ok, next := stepOne(s, in, out)
			return ok, next
		}
		return stepAll(s, in, out)
	case kvStates:
		return stepAll(s, in, out)
	}
	panic(fmt.Sprintf("checker: invariant kv-state-type broken: %T", state))
}

// stepAll applies one operation to each state of a set, after forking
// each state with a deadline into the states the operation may find: alive
// (it ran before the deadline) or expired.
func stepAll[S *kvState | kvStates](states S, in *kvInput, out *kvOutput) (bool, any) {
	var list []kvState
	switch s := any(states).(type) {
	case *kvState:
		list = []kvState{*s}
	case kvStates:
		list = s
	}
	var next []kvState
	try := func(s *kvState) {
		if ok, n := stepOne(s, in, out); ok {
			next = append(next, *n)
		}
	}
	for i := range list {
		s := &list[i]
		if s.dhi == 0 || !s.exists || s.any {
			try(s)
			continue
		}
		if in.call < s.dhi {
			try(s)
		}
		if in.ret >= s.dlo {
			try(absent)
		}
	}
	if len(next) == 0 {
		return false, nil
	}
	return true, makeStates(next)
}

// makeStates returns the set of states as one *kvState, or kvStates when
// there are several.
func makeStates(cands []kvState) any {
	if len(cands) == 0 {
		return &kvState{any: true}
	}
	s := append(kvStates(nil), cands...)
	sort.Slice(s, func(i, j int) bool { return s[i].less(s[j]) })
	out := s[:1]
	for _, c := range s[1:] {
		if c != out[len(out)-1] {
			out = append(out, c)
		}
	}
	if len(out) == 1 {
		return &out[0]
	}
	return out
}

func kvEqual(a, b any) bool {
	switch x := a.(type) {
	case *kvState:
		y, ok := b.(*kvState)
		return ok && *x == *y
	case kvStates:
		y, ok := b.(kvStates)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if x[i] != y[i] {
				return false
			}
		}
		return true
	}
	return false
}

// hashSeed seeds the states' hashes, which only speed up porcupine's cache
// (Equal decides): their values never reach any output.
var hashSeed = maphash.MakeSeed()

func hashState(s kvState) uint64 {
	h := maphash.Comparable(hashSeed, s.val)
	if s.exists {
		h ^= 0x9e3779b97f4a7c15
	}
	if s.any {
		h ^= 0xc2b2ae3d27d4eb4f
	}
	return h ^ uint64(s.dlo)*0x165667b19e3779f9 ^ uint64(s.dhi)*0x27d4eb2f165667c5
}

func kvHash(state any) uint64 {
	switch s := state.(type) {
	case *kvState:
		return hashState(*s)
	case kvStates:
		var h uint64
		for _, c := range s {
			h = h*31 + hashState(c)
		}
		return h
	}
	return 0
}

func describeState(s kvState) string {
	switch {
	case s.any:
		return "?"
	case !s.exists:
		return "nil"
	case s.dhi != 0:
		return fmt.Sprintf("%s (expires in [%s, %s])", s.val, fmtTime(s.dlo), fmtDeadline(s.dhi))
	}
	return s.val.String()
}

func kvDescribeOperation(input, output any) string {
	in, out := input.(*kvInput), output.(*kvOutput)
	var b strings.Builder
	if in.client != "" {
		b.WriteString(in.client + ": ")
	}
	switch in.op {
	case opInit:
		parts := make([]string, len(in.init))
		for i, c := range in.init {
			parts[i] = describeState(c)
		}
		if len(parts) == 0 {
			parts = []string{"?"}
		}
		return "window starts in {" + strings.Join(parts, ", ") + "}"
	case opSet, opAppend:
		fmt.Fprintf(&b, "%s(%s, %s", in.op, in.key, in.value)
		if in.ttl > 0 {
			fmt.Fprintf(&b, ", px %d", in.ttl/1e6)
		}
		b.WriteString(")")
	case opExpire:
		fmt.Fprintf(&b, "pexpire(%s, %d)", in.key, in.ttl/1e6)
	default:
		fmt.Fprintf(&b, "%s(%s)", in.op, in.key)
	}
	switch {
	case out.unknown:
		b.WriteString(" -> ?")
	case in.op == opSet:
		b.WriteString(" -> OK")
	case in.op == opGet && out.null:
		b.WriteString(" -> nil")
	case in.op == opGet:
		b.WriteString(" -> " + out.reply.String())
	default:
		fmt.Fprintf(&b, " -> %d", out.n)
	}
	return b.String()
}

func kvDescribeState(state any) string {
	switch s := state.(type) {
	case *kvState:
		return describeState(*s)
	case kvStates:
		parts := make([]string, len(s))
		for i, c := range s {
			parts[i] = describeState(c)
		}
		return "{" + strings.Join(parts, " | ") + "}"
	}
	return fmt.Sprint(state)
}

// kvModel is the model of one key; the checker partitions the history by
// key (and long keys into windows) itself.
var kvModel = porcupine.Model{
	Init:              func() any { return absent },
	Step:              kvStep,
	Equal:             kvEqual,
	Hash:              kvHash,
	DescribeOperation: kvDescribeOperation,
	DescribeState:     kvDescribeState,
	DescribeOperationMetadata: func(info any) string {
		if info == nil {
			return ""
		}
		return info.(string)
	},
}

// fmtDeadline is fmtTime but for a deadline without an upper bound.
func fmtDeadline(t int64) string {
	if t == math.MaxInt64 {
		return "never"
	}
	return fmtTime(t)
}
