package reports

import (
	"bufio"
	"encoding/json"
	"errors"
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

// TraceLog is trace.log of a run being written: hand it to scenarios.Run
// as the trace and Close it when the run is over.
type TraceLog struct {
	f *os.File
	*bufio.Writer
}

// CreateTrace creates dir and its trace.log.
func CreateTrace(dir string) (*TraceLog, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	f, err := os.Create(filepath.Join(dir, TraceFile))
	if err != nil {
		return nil, err
	}
	return &TraceLog{f: f, Writer: bufio.NewWriterSize(f, 1<<20)}, nil
}

// Close flushes and closes the trace; an error writing any of it is
// reported here.
func (t *TraceLog) Close() error {
	return errors.Join(t.Flush(), t.f.Close())
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
