// Package checker turns a run into a verdict people can trust: the client
// history checked for linearizability, and the replication invariants.
//
// history.go defines the history: every client operation with its call and
// return in virtual time and its outcome. It is written as history.json, a
// format documented here so that histories recorded elsewhere (a real Redis,
// another tool) can be checked too.
package checker

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
// op is one of set, get, incr, append, del. value is the argument of set
// and append. reply is the reply as text: "OK", the bulk string for get
// (with "null": true when the key did not exist), the integer for incr, del
// and append, or the error message for a failed operation. waited is the
// number of replicas WAIT reported after a write, -1 when no WAIT was sent.
//
// Two optional fields concern reads from replicas: "replica": true marks an
// operation sent to a node that was a replica at the time (it is not part
// of the linearizability check, see linearizable.go), and lag_bytes is how
// many stream bytes that replica was behind the master of the moment when
// the read was sent.
//
// outcome is one of ok, fail, unknown. A history may end with reads of the
// final master's dataset, one per key, made by client "final" after the
// heal phase (see FinalReads): they turn writes that were acknowledged and
// then lost into linearizability violations.
//
// The whole file is a JSON array of operations in any order; ReadHistory
// reads and validates it.
type Op struct {
	Client  string  `json:"client"`
	Node    string  `json:"node"`
	Op      string  `json:"op"`
	Key     string  `json:"key"`
	Value   string  `json:"value,omitempty"`
	Call    int64   `json:"call"`
	Return  int64   `json:"return"`
	Outcome Outcome `json:"outcome"`
	Reply   string  `json:"reply,omitempty"`
	Null    bool    `json:"null,omitempty"`
	Waited  int     `json:"waited"`
	Replica bool    `json:"replica,omitempty"`
	// LagBytes: see above; 0 for reads from the master.
	LagBytes int64 `json:"lag_bytes,omitempty"`
}

// FinalClient is the client name of the reads of the final dataset.
const FinalClient = "final"

// IsWrite reports whether the operation changes the dataset when it
// succeeds.
func (o Op) IsWrite() bool { return o.Op != "get" }
