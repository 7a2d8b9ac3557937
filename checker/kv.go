package checker

import (
	"fmt"
	"hash/maphash"
	"sort"
	"strconv"
	"strings"

	"github.com/anishathalye/porcupine"
)

// kv.go is the sequential specification porcupine checks histories against:
// one Redis string key, as SET, GET, INCR, APPEND and DEL see it. The
// history is partitioned by key before it gets here, so a state is the value
// of a single key.

type opKind uint8

const (
	opSet opKind = iota
	opGet
	opIncr
	opAppend
	opDel
	// opInit starts a window of a long key history: it moves the state to
	// the candidate states the previous window may have ended in.
	opInit
)

var opNames = map[string]opKind{"set": opSet, "get": opGet, "incr": opIncr, "append": opAppend, "del": opDel}

func (k opKind) String() string {
	return [...]string{"set", "get", "incr", "append", "del", "init"}[k]
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
	return s.val.hash < o.val.hash
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
		return true, &kvState{val: ValueOf(strconv.FormatInt(v+1, 10)), exists: true}
	case opAppend:
		if s.any {
			return true, s
		}
		if !out.unknown && out.n != int64(s.val.Len()+in.value.Len()) {
			return false, s
		}
		return true, &kvState{val: s.val.Concat(in.value), exists: true}
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
		ok, next := stepOne(s, in, out)
		return ok, next
	case kvStates:
		var next []kvState
		for i := range s {
			if ok, n := stepOne(&s[i], in, out); ok {
				next = append(next, *n)
			}
		}
		if len(next) == 0 {
			return false, nil
		}
		return true, makeStates(next)
	}
	panic(fmt.Sprintf("checker: invariant kv-state-type broken: %T", state))
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
	return h
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
		fmt.Fprintf(&b, "%s(%s, %s)", in.op, in.key, in.value)
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
