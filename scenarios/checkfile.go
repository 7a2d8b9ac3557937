package scenarios

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/replsim/replsim/checker"
)

// HistoryVerdict is the verdict on a history file checked on its own
// (simrun check): linearizability, and the reads sent to replicas against
// the weaker model. A file has no replication records, so the other
// invariants are not checked.
type HistoryVerdict struct {
	File    string
	Ops     int
	verdict *checker.Verdict
}

// CheckHistoryFile reads a history file (the format of history.json,
// documented in package checker) and checks it within timeout (0: 30s).
// A file that cannot be read or parsed is an error naming the line and
// column.
func CheckHistoryFile(path string, timeout time.Duration) (*HistoryVerdict, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ops, err := checker.ReadHistory(path, f)
	if err != nil {
		return nil, err
	}
	v := checker.Check(checker.Input{History: ops}, checker.Options{Timeout: timeout})
	return &HistoryVerdict{File: path, Ops: len(ops), verdict: v}, nil
}

// Linearizable reports true or false, or nil when the check was
// inconclusive (it ran out of time).
func (h *HistoryVerdict) Linearizable() *bool { return h.verdict.Linearizability.Linearizable() }

// InvariantsOK reports whether the reads sent to replicas read the past.
func (h *HistoryVerdict) InvariantsOK() bool { return h.verdict.InvariantsOK() }

// WriteHTML writes porcupine's visualization of the keys that are not
// linearizable.
func (h *HistoryVerdict) WriteHTML(path string) error {
	return h.verdict.Linearizability.WriteHTML(path, nil)
}

// Text renders the verdict.
func (h *HistoryVerdict) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d operations\n", h.File, h.Ops)
	writeVerdict(&b, h.verdict.Linearizability, h.verdict.Invariants)
	if e := h.verdict.Explanation(); e != "" {
		fmt.Fprintf(&b, "  explanation: %s\n", e)
	}
	return b.String()
}
