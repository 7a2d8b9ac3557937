// Package checker turns a run into a verdict people can trust: the client
// history checked for linearizability, and the replication invariants.
//
// history.go defines the history: every client operation with its call and
// return in virtual time and its outcome. It is written as history.json, a
// format documented here so that histories recorded elsewhere (a real Redis,
// another tool) can be checked too.
package checker

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
)

// Outcome is what a client learned of an operation.
type Outcome string

const (
	// OK: the reply came; Reply holds it.
	OK Outcome = "ok"
	// Fail: a definite error (-NOREPLICAS, -READONLY, ...): the operation
	// did not happen.
	Fail Outcome = "fail"
	// Unknown: the connection broke or timed out before the reply; the
	// operation may or may not have happened.
	Unknown Outcome = "unknown"
)

// Op is one client operation. Times are virtual nanoseconds since the start
// of the run. For an unknown outcome Return is when the client gave up.
//
// In history.json an operation looks like:
//
//	{"client": "c3", "node": "m1", "op": "set", "key": "key:0000000042",
//	 "value": "9f2c...", "call": 61000250000, "return": 61000751000,
//	 "outcome": "ok", "reply": "OK"}
//
// op is one of set, get, incr, append, del, expire. value is the argument of set
// and append. reply is the reply as text: "OK", the bulk string for get
// (with "null": true when the key did not exist), the integer for incr, del
// and append, or the error message for a failed operation. waited is the
// number of replicas WAIT reported after a write, -1 when no WAIT was sent.
//
// A value (set's and append's value, get's reply) is a JSON string, or,
// for a value longer than 20 bytes, its compact form
//
//	{"len": 1024, "fingerprint": "0a1b2c3d4e5f6071", "head": "9f2c4d...(20 bytes)"}
//
// with the value's length, its fingerprint (see value.go) as 16 hex digits
// and its first 20 bytes. A history is written in the compact form; a string
// of any length is read too (and fingerprinted), so histories recorded
// elsewhere need not compute fingerprints.
//
// Two optional fields concern reads from replicas: "replica": true marks an
// operation sent to a node that was a replica at the time (it is not part
// of the linearizability check, see linearizable.go), and lag_bytes is how
// many stream bytes that replica was behind the master of the moment when
// the read was sent.
//
// Three optional fields concern what real clients send: ttl_ms is the
// time to live of a set with EX or PX, or of an expire (whose reply is 1
// when the key existed); db is the database (SELECT) the operation ran in,
// 0 when absent; block numbers the MULTI/EXEC block a write was queued in:
// the writes of one block share the call of its MULTI and the return of
// its EXEC.
//
// outcome is one of ok, fail, unknown. A history may end with reads of the
// final master's dataset, one per key, made by client "final" after the
// heal phase (see FinalReads): they turn writes that were acknowledged and
// then lost into linearizability violations.
//
// The whole file is a JSON array of operations in any order; ReadHistory
// reads and validates it.
type Op struct {
	Client string
	Node   string
	Op     string
	Key    string
	// Value is the value the operation wrote (set, append) or read (get,
	// the bulk string of its reply; in history.json it is get's "reply").
	Value   Value
	Call    int64
	Return  int64
	Outcome Outcome
	// Reply is the reply as text, but for a get's value (see Value).
	Reply  string
	Waited int
	// LagBytes: see above; 0 for reads from the master.
	LagBytes int64
	Null     bool
	Replica  bool
	// TTLMs is the time to live a set or expire gave the key, in
	// milliseconds of the master's clock (0: none).
	TTLMs int64
	// DB is the database the operation ran in: keys of different
	// databases are different keys (see KeyOf).
	DB int
	// Block numbers the MULTI/EXEC block the operation was queued in (0:
	// none); the operations of a block share its call and return.
	Block int
}

// KeyOf names a key of a database for the checkers: the key itself in
// database 0, "key@db" in another.
func KeyOf(db int, key string) string {
	if db == 0 {
		return key
	}
	return key + "@" + strconv.Itoa(db)
}

// ID is the operation's key as the checkers tell keys apart: KeyOf its
// database and key.
func (o *Op) ID() string { return KeyOf(o.DB, o.Key) }

// Expires reports whether the operation gives its key a time to live:
// then the key's final value does not name a single write, and reads may
// find it gone.
func (o *Op) Expires() bool { return o.TTLMs > 0 || o.Op == "expire" }

// opJSON is an operation in history.json.
type opJSON struct {
	Client   string          `json:"client"`
	Node     string          `json:"node"`
	Op       string          `json:"op"`
	Key      string          `json:"key"`
	Value    *Value          `json:"value,omitempty"`
	Call     int64           `json:"call"`
	Return   int64           `json:"return"`
	Outcome  Outcome         `json:"outcome"`
	Reply    json.RawMessage `json:"reply,omitempty"`
	Null     bool            `json:"null,omitempty"`
	Waited   int             `json:"waited"`
	Replica  bool            `json:"replica,omitempty"`
	LagBytes int64           `json:"lag_bytes,omitempty"`
	TTLMs    int64           `json:"ttl_ms,omitempty"`
	DB       int             `json:"db,omitempty"`
	Block    int             `json:"block,omitempty"`
}

// MarshalJSON writes the operation as documented above.
func (o Op) MarshalJSON() ([]byte, error) {
	j := opJSON{Client: o.Client, Node: o.Node, Op: o.Op, Key: o.Key, Call: o.Call, Return: o.Return,
		Outcome: o.Outcome, Null: o.Null, Waited: o.Waited, Replica: o.Replica, LagBytes: o.LagBytes,
		TTLMs: o.TTLMs, DB: o.DB, Block: o.Block}
	var err error
	switch {
	case o.readValue():
		if o.Value.Len() == 0 {
			break
		}
		if j.Reply, err = json.Marshal(o.Value); err != nil {
			return nil, err
		}
	case o.Reply != "":
		if j.Reply, err = json.Marshal(o.Reply); err != nil {
			return nil, err
		}
	}
	if o.Op != "get" && o.Value.Len() > 0 {
		j.Value = &o.Value
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads an operation as documented above; unknown fields
// are errors.
func (o *Op) UnmarshalJSON(b []byte) error {
	if t := bytes.TrimSpace(b); len(t) == 0 || t[0] != '{' {
		return &json.UnmarshalTypeError{Value: jsonKind(t), Type: reflect.TypeFor[Op]()}
	}
	var j opJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return err
	}
	*o = Op{Client: j.Client, Node: j.Node, Op: j.Op, Key: j.Key, Call: j.Call, Return: j.Return,
		Outcome: j.Outcome, Null: j.Null, Waited: j.Waited, Replica: j.Replica, LagBytes: j.LagBytes,
		TTLMs: j.TTLMs, DB: j.DB, Block: j.Block}
	if j.Value != nil {
		o.Value = *j.Value
	}
	if len(j.Reply) == 0 {
		return nil
	}
	if o.readValue() {
		if err := json.Unmarshal(j.Reply, &o.Value); err != nil {
			return fmt.Errorf("reply: %w", err)
		}
		return nil
	}
	if err := json.Unmarshal(j.Reply, &o.Reply); err != nil {
		return fmt.Errorf("reply of %s: want a string: %w", o.Op, err)
	}
	return nil
}

// readValue reports whether the operation's reply is a value read: that
// of a get that succeeded.
func (o *Op) readValue() bool { return o.Op == "get" && o.Outcome == OK }

// jsonKind names the kind of a JSON value for an error.
func jsonKind(b []byte) string {
	if len(b) == 0 {
		return "nothing"
	}
	switch b[0] {
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	}
	return "number"
}

// FinalClient is the client name of the reads of the final dataset.
const FinalClient = "final"

// IsWrite reports whether the operation changes the dataset when it
// succeeds.
func (o Op) IsWrite() bool { return o.Op != "get" }
