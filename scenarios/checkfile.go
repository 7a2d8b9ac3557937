package scenarios

import (
	"os"
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
	Verdict *checker.Verdict
}

// CheckHistoryFile reads a history file (the format of history.json,
// documented in package checker) and checks it within timeout (0: 30s)
// and a heap of maxMemory bytes (0: checker.DefaultMemoryLimit). A file
// that cannot be read or parsed is an error naming the line and column.
func CheckHistoryFile(path string, timeout time.Duration, maxMemory uint64) (*HistoryVerdict, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ops, err := checker.ReadHistory(path, f)
	if err != nil {
		return nil, err
	}
	v := checker.Check(checker.Input{History: ops}, checker.Options{Timeout: timeout, MemoryLimit: maxMemory})
	return &HistoryVerdict{File: path, Ops: len(ops), Verdict: v}, nil
}

// Linearizable reports true or false, or nil when the check was
// inconclusive (it ran out of time or memory).
func (h *HistoryVerdict) Linearizable() *bool { return h.Verdict.Linearizability.Linearizable() }

// InvariantsOK reports whether the reads sent to replicas read the past.
func (h *HistoryVerdict) InvariantsOK() bool { return h.Verdict.InvariantsOK() }

// WriteHTML writes porcupine's visualization of the keys that are not
// linearizable.
func (h *HistoryVerdict) WriteHTML(path string) error {
	return h.Verdict.Linearizability.WriteHTML(path, h.File+": not linearizable", nil)
}
