package reports

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/replsim/replsim/checker"
	"github.com/replsim/replsim/scenarios"
	"github.com/replsim/replsim/scenarios/outdir"
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

// The artifacts a run may write, every one of which Commit removes when
// the run did not write it: a folder never holds artifacts of two runs.
var runArtifacts = []string{SummaryFile, TraceFile, HistoryFile, HistoryHTML, RunHTML, PanicFile}

// PanicFile holds the stack of a run that panicked (our bug).
const PanicFile = "panic.txt"

// RunDir is the output folder of one run being written. Every artifact
// goes to a temporary name in the folder; Commit removes the artifacts of
// an earlier run and renames this run's into place, so that an interrupted
// run leaves the earlier run's artifacts whole or none of them, never a
// trace of one seed beside the summary of another.
type RunDir struct {
	dir    string
	staged []*outdir.File
}

// NewRunDir makes dir if needed and removes temporary files an earlier,
// killed run left in it.
func NewRunDir(dir string) (*RunDir, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if err := outdir.RemoveTemps(dir); err != nil {
		return nil, err
	}
	return &RunDir{dir: dir}, nil
}

// Dir is the folder.
func (d *RunDir) Dir() string { return d.dir }

// create stages one artifact.
func (d *RunDir) create(name string) (*outdir.File, error) {
	f, err := outdir.Create(filepath.Join(d.dir, name))
	if err != nil {
		return nil, err
	}
	d.staged = append(d.staged, f)
	return f, nil
}

// WriteFile stages one artifact holding b.
func (d *RunDir) WriteFile(name string, b []byte) error {
	f, err := d.create(name)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	return err
}

// Commit renames the staged artifacts into place, after removing the
// artifacts of an earlier run that this one does not replace. Every write
// and close error of the staged files is reported here; on one, nothing
// is renamed and the staged files are removed.
func (d *RunDir) Commit() error {
	var errs []error
	for _, f := range d.staged {
		errs = append(errs, f.Close())
	}
	if err := errors.Join(errs...); err != nil {
		d.Abort()
		return err
	}
	for _, name := range runArtifacts {
		if !slices.ContainsFunc(d.staged, func(f *outdir.File) bool { return filepath.Base(f.Path()) == name }) {
			if err := os.Remove(filepath.Join(d.dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				d.Abort()
				return err
			}
		}
	}
	for i, f := range d.staged {
		if err := f.Commit(); err != nil {
			for _, g := range d.staged[i+1:] {
				g.Abort()
			}
			return err
		}
	}
	d.staged = nil
	return nil
}

// Abort removes the staged artifacts; the folder is as it was.
func (d *RunDir) Abort() {
	for _, f := range d.staged {
		f.Abort()
	}
	d.staged = nil
}

// TraceLog is trace.log of a run being written: hand its Writer to
// scenarios.Run as the trace and Close it when the run is over. It is
// staged in its RunDir, renamed into place by Commit.
type TraceLog struct {
	f    *outdir.File
	w    *bufio.Writer
	mode TraceMode
}

// CreateTrace stages trace.log, unless mode is TraceOff.
func (d *RunDir) CreateTrace(mode TraceMode) (*TraceLog, error) {
	t := &TraceLog{mode: mode}
	if mode == TraceOff {
		return t, nil
	}
	f, err := d.create(TraceFile)
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
// reported here. Its RunDir's Commit gives it its name.
func (t *TraceLog) Close() error {
	if t.f == nil {
		return nil
	}
	return errors.Join(t.w.Flush(), t.f.Close())
}

// WriteRun stages the artifacts of a run: summary.json, history.json (the
// history as checked, one operation per line), run.html (the run's page,
// see WriteRunPage) and, when the history is not
// linearizable, history.html (porcupine's visualization, annotated with
// the faults and replication events). It sets rec.HistoryHTML when it
// writes the visualization.
func (d *RunDir) WriteRun(rec *scenarios.Record) error {
	if l := rec.Verdict.Linearizability; l.Result == checker.ResultIllegal {
		f, err := d.create(HistoryHTML)
		if err != nil {
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		if err := l.WriteHTML(f.TempPath(), fmt.Sprintf("%s, seed %d: not linearizable", rec.Spec.Name, rec.Seed), rec.Timeline); err != nil {
			return err
		}
		rec.HistoryHTML = HistoryHTML
	}
	b, err := json.MarshalIndent(rec.Summary(), "", "  ")
	if err != nil {
		return err
	}
	if err := d.WriteFile(SummaryFile, append(b, '\n')); err != nil {
		return err
	}
	f, err := d.create(HistoryFile)
	if err != nil {
		return err
	}
	if err := writeHistory(f, rec.History); err != nil {
		return err
	}
	page, err := d.create(RunHTML)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(page)
	if err := WriteRunPage(w, rec); err != nil {
		return err
	}
	return w.Flush()
}

// WriteRun writes the artifacts of a run into dir (see RunDir.WriteRun),
// replacing those of an earlier run.
func WriteRun(dir string, rec *scenarios.Record) error {
	d, err := NewRunDir(dir)
	if err != nil {
		return err
	}
	if err := d.WriteRun(rec); err != nil {
		d.Abort()
		return err
	}
	return d.Commit()
}

// writeHistory writes the history as a JSON array with one operation per
// line, streamed: a long run's history is not built in memory twice.
func writeHistory(f io.Writer, ops []checker.Op) error {
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString("[")
	for i := range ops {
		b, err := json.Marshal(&ops[i])
		if err != nil {
			return err
		}
		if i > 0 {
			w.WriteString(",")
		}
		w.WriteString("\n  ")
		w.Write(b)
	}
	w.WriteString("\n]\n")
	return w.Flush()
}
