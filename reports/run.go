package reports

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/replsim/replsim/checker"
	"github.com/replsim/replsim/scenarios"
)

// The artifacts of one run, in its output directory.
const (
	SummaryFile = "summary.json"
	TraceFile   = "trace.log"
	HistoryFile = "history.json"
	HistoryHTML = "history.html"
)

// TraceMode says which lines of the trace a run writes to trace.log. The
// trace hash (trace_sha256 in summary.json) covers every line whatever the
// mode, so runs compare by it in any mode.
type TraceMode int

const (
	// TraceFull writes every line.
	TraceFull TraceMode = iota
	// TraceFaults writes every line but the network's, one per message
	// sent, delivered or dropped ("net ..."): the configuration at the
	// start, faults, notes, the nodes' logs, phases and the end remain.
	TraceFaults
	// TraceOff writes no trace.log.
	TraceOff
)

var traceModeNames = []string{TraceFull: "full", TraceFaults: "faults", TraceOff: "off"}

func (m TraceMode) String() string { return traceModeNames[m] }

// ParseTraceMode reads off, faults or full.
func ParseTraceMode(s string) (TraceMode, error) {
	for m, name := range traceModeNames {
		if s == name {
			return TraceMode(m), nil
		}
	}
	return 0, fmt.Errorf("trace %q: want off, faults or full", s)
}

// TraceLog is trace.log of a run being written: hand its Writer to
// scenarios.Run as the trace and Close it when the run is over.
type TraceLog struct {
	f    *os.File
	w    *bufio.Writer
	mode TraceMode
}

// CreateTrace creates dir and, unless mode is TraceOff, its trace.log.
func CreateTrace(dir string, mode TraceMode) (*TraceLog, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	t := &TraceLog{mode: mode}
	if mode == TraceOff {
		return t, nil
	}
	f, err := os.Create(filepath.Join(dir, TraceFile))
	if err != nil {
		return nil, err
	}
	t.f, t.w = f, bufio.NewWriterSize(f, 1<<20)
	return t, nil
}

// Writer returns where the run writes its trace lines: nil when the mode
// is TraceOff (the run then only hashes them).
func (t *TraceLog) Writer() io.Writer {
	if t.mode == TraceOff {
		return nil
	}
	return t
}

// Write writes one trace line, or drops it when the mode leaves it out.
// The trace writes each line in one call.
func (t *TraceLog) Write(line []byte) (int, error) {
	if t.mode == TraceFaults && isNetLine(line) {
		return len(line), nil
	}
	return t.w.Write(line)
}

// isNetLine reports whether a trace line ("<time> <what> ...") is the
// network's.
func isNetLine(line []byte) bool {
	i := bytes.IndexByte(line, ' ')
	return i >= 0 && bytes.HasPrefix(line[i+1:], []byte("net "))
}

// Close flushes and closes the trace; an error writing any of it is
// reported here.
func (t *TraceLog) Close() error {
	if t.f == nil {
		return nil
	}
	return errors.Join(t.w.Flush(), t.f.Close())
}

// WriteRun writes the artifacts of a run into dir: summary.json,
// history.json (the history as checked, one operation per line) and, when
// the history is not linearizable, history.html (porcupine's
// visualization, annotated with the faults and replication events). It
// sets rec.HistoryHTML when it writes the visualization.
func WriteRun(dir string, rec *scenarios.Record) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if l := rec.Verdict.Linearizability; l.Result == checker.ResultIllegal {
		if err := l.WriteHTML(filepath.Join(dir, HistoryHTML), rec.Timeline); err != nil {
			return err
		}
		rec.HistoryHTML = HistoryHTML
	}
	b, err := json.MarshalIndent(rec.Summary(), "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, SummaryFile), append(b, '\n'), 0o644); err != nil {
		return err
	}
	return writeHistory(filepath.Join(dir, HistoryFile), rec.History)
}

// writeHistory writes the history as a JSON array with one operation per
// line, streamed: a long run's history is not built in memory twice.
func writeHistory(path string, ops []checker.Op) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString("[")
	for i := range ops {
		b, err := json.Marshal(&ops[i])
		if err != nil {
			f.Close()
			return err
		}
		if i > 0 {
			w.WriteString(",")
		}
		w.WriteString("\n  ")
		w.Write(b)
	}
	w.WriteString("\n]\n")
	return errors.Join(w.Flush(), f.Close())
}
