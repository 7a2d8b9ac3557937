package scenarios

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/replsim/replsim/checker"
	"github.com/replsim/replsim/model"
	"github.com/replsim/replsim/scenarios/spec"
	"github.com/replsim/replsim/scenarios/world"
)

// Summary is summary.json: the figures of one run, its expectations and
// the verdict. Everything but WallTime is the same for the same scenario and
// seed.
type Summary struct {
	Scenario       string `json:"scenario"`
	File           string `json:"file"`
	Seed           uint64 `json:"seed"`
	Protocol       string `json:"protocol"`
	SimTime        string `json:"sim_time"`
	SimTimeNs      int64  `json:"sim_time_ns"`
	WallTime       string `json:"wall_time"`
	Events         uint64 `json:"events"`
	TraceSHA256    string `json:"trace_sha256"`
	SyncFull       int64  `json:"sync_full"`
	SyncPartialOK  int64  `json:"sync_partial_ok"`
	SyncPartialErr int64  `json:"sync_partial_err"`
	FullResyncs    int64  `json:"full_resyncs"`
	PartialResyncs int64  `json:"partial_resyncs"`
	Reconnects     int64  `json:"reconnects"`
	WritesAcked    int64  `json:"writes_acked"`
	WritesRejected int64  `json:"writes_rejected"`
	LostWrites     int64  `json:"lost_writes"`
	LostWaited     int64  `json:"lost_waited_writes"`
	StaleReads     int64  `json:"stale_reads"`
	SnapshotBytes  int64  `json:"snapshot_bytes"`
	StreamBytes    int64  `json:"stream_bytes"`
	Converged      bool   `json:"converged"`
	ConvergeReason string `json:"converge_reason,omitempty"`
	ConvergeTime   string `json:"converge_time,omitempty"`
	Linearizable   *bool  `json:"linearizable"`
	// Linearizability says what the porcupine check covered and found,
	// Invariants each replication invariant (any violation fails the
	// run), Staleness how stale the stale reads were, Explanation what
	// went wrong in words, HistoryHTML the visualization written.
	Linearizability *checker.Linearizability `json:"linearizability"`
	Invariants      []checker.Invariant      `json:"invariants"`
	Staleness       *checker.Staleness       `json:"staleness,omitempty"`
	Explanation     string                   `json:"explanation,omitempty"`
	HistoryHTML     string                   `json:"history_html,omitempty"`
	Limit           string                   `json:"limit,omitempty"`
	Bugs            []string                 `json:"bugs,omitempty"`
	Expectations    []ExpectationResult      `json:"expectations"`
	OK              bool                     `json:"ok"`
	Nodes           map[string]model.Stats   `json:"nodes"`
	Replay          string                   `json:"replay"`

	figures  map[string]int64
	history  []checker.Op // as checked: with the final reads
	timeline []checker.Event
	verdict  *checker.Verdict
}

// ExpectationResult is one expectation checked.
type ExpectationResult struct {
	Name string `json:"name"`
	Want string `json:"want"`
	Got  string `json:"got"`
	OK   bool   `json:"ok"`
	// Inconclusive: the linearizability check ran out of time. Neither a
	// pass nor a failure: OK stays true so that it never fails a run.
	Inconclusive bool `json:"inconclusive,omitempty"`
}

// Outcome of one run: the summary plus the raw result.
type Outcome struct {
	Summary *Summary
	Result  *world.Result
}

// RunOptions control one run from the outside.
type RunOptions struct {
	// OutDir receives summary.json, trace.log and history.json; "" writes
	// nothing.
	OutDir string
	// Trace receives trace lines as well (or instead of OutDir).
	Trace io.Writer
	// SampleEvery, when positive, records the replicas' lag at this period
	// of virtual time in Outcome.Result.Samples, without changing the run.
	SampleEvery time.Duration
	// CheckTimeout bounds the wall time of the linearizability check (0:
	// 30s); past it the result is inconclusive.
	CheckTimeout time.Duration
	// SkipLinearizability leaves the porcupine check out (linearizable:
	// null, "not checked"), for sweeps that only need figures; the
	// replication invariants are still checked.
	SkipLinearizability bool
}

// Run runs the scenario under one seed, checks it, and writes the artifacts.
func Run(s *spec.Spec, seed uint64, opts RunOptions) (*Outcome, error) {
	var traceW io.Writer = opts.Trace
	var traceFile *os.File
	var buf *bufio.Writer
	if opts.OutDir != "" {
		if err := os.MkdirAll(opts.OutDir, 0o755); err != nil {
			return nil, err
		}
		f, err := os.Create(filepath.Join(opts.OutDir, "trace.log"))
		if err != nil {
			return nil, err
		}
		traceFile = f
		buf = bufio.NewWriterSize(f, 1<<20)
		if traceW != nil {
			traceW = io.MultiWriter(traceW, buf)
		} else {
			traceW = buf
		}
	}
	start := time.Now()
	res, err := world.Run(s, seed, world.RunOptions{Trace: traceW, SampleEvery: opts.SampleEvery})
	wall := time.Since(start)
	if traceFile != nil {
		buf.Flush()
		traceFile.Close()
	}
	if err != nil {
		return nil, err
	}
	sum := summarize(s, res, wall, opts)
	if opts.OutDir != "" {
		if l := sum.Linearizability; l.Result == checker.ResultIllegal {
			if err := l.WriteHTML(filepath.Join(opts.OutDir, "history.html"), sum.timeline); err != nil {
				return nil, err
			}
			sum.HistoryHTML = "history.html"
		}
		if err := writeJSON(filepath.Join(opts.OutDir, "summary.json"), sum); err != nil {
			return nil, err
		}
		if err := writeHistory(filepath.Join(opts.OutDir, "history.json"), sum.history); err != nil {
			return nil, err
		}
	}
	return &Outcome{Summary: sum, Result: res}, nil
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
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
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func summarize(s *spec.Spec, res *world.Result, wall time.Duration, opts RunOptions) *Summary {
	sum := &Summary{
		Scenario: s.Name, File: s.File, Seed: res.Seed, Protocol: res.Protocol,
		SimTime: res.SimTime.String(), SimTimeNs: int64(res.SimTime), WallTime: wall.Round(time.Millisecond).String(),
		Events: res.Events, TraceSHA256: res.TraceSHA,
		FullResyncs: res.FullResyncs, PartialResyncs: res.PartialResyncs, Reconnects: res.Reconnects,
		WritesAcked: res.WritesAcked, WritesRejected: res.WritesRejected,
		Converged: res.Converged, ConvergeReason: res.ConvergeReason, Limit: res.Limit,
		Bugs: s.Bugs.Enabled(), Nodes: res.Nodes, Replay: ReplayCommand(s, res.Seed),
	}
	var timeouts, obuf, linkTimeouts int64
	for _, st := range res.Nodes {
		sum.SyncFull += st.SyncFull
		sum.SyncPartialOK += st.SyncPartialOK
		sum.SyncPartialErr += st.SyncPartialErr
		sum.SnapshotBytes += st.SnapshotBytesSent
		sum.StreamBytes += st.StreamBytesSent
		timeouts += st.ReplicaDisconnectsTimeout
		obuf += st.ReplicaDisconnectsOutputBuffer
		linkTimeouts += st.MasterLinkTimeouts
	}
	final := map[string]string{}
	for _, e := range res.Datasets[res.FinalMaster] {
		if e.DB == s.Workload.DB {
			final[e.Key] = string(e.Value)
		}
	}
	waitN := 1
	if s.Workload.Wait != nil && s.Workload.Wait.Replicas > 0 {
		waitN = s.Workload.Wait.Replicas
	}
	for _, op := range checker.LostWrites(res.History, final) {
		sum.LostWrites++
		if op.Waited >= waitN {
			sum.LostWaited++
		}
	}
	stale := checker.StaleReads(res.History)
	sum.StaleReads = int64(len(stale))
	if len(stale) > 0 {
		st := checker.StalenessOf(stale)
		sum.Staleness = &st
	}
	sum.judge(res, final, opts)
	sum.figures = map[string]int64{
		"stale_reads":  sum.StaleReads,
		"full_resyncs": sum.FullResyncs, "partial_resyncs": sum.PartialResyncs, "reconnects": sum.Reconnects,
		"sync_full": sum.SyncFull, "sync_partial_ok": sum.SyncPartialOK, "sync_partial_err": sum.SyncPartialErr,
		"writes_acked": sum.WritesAcked, "writes_rejected": sum.WritesRejected,
		"lost_writes": sum.LostWrites, "lost_waited_writes": sum.LostWaited,
		"replica_timeouts": timeouts, "output_buffer_disconnects": obuf, "master_link_timeouts": linkTimeouts,
		"noreplicas_errors": res.NoreplicasErrors,
	}
	sum.OK = sum.verdict.InvariantsOK()
	for _, e := range s.Expect {
		r := sum.check(e)
		sum.Expectations = append(sum.Expectations, r)
		sum.OK = sum.OK && r.OK
	}
	return sum
}

func (sum *Summary) check(e spec.Expectation) ExpectationResult {
	r := ExpectationResult{Name: e.Name, Want: e.Want()}
	if e.Bool != nil {
		var got *bool
		switch e.Name {
		case "converged":
			got = &sum.Converged
		case "linearizable":
			got = sum.Linearizable
		}
		if got == nil && e.Name == "linearizable" && sum.Linearizability != nil && sum.Linearizability.Result == checker.ResultInconclusive {
			r.Got, r.OK, r.Inconclusive = "inconclusive (the check ran out of time)", true, true
			return r
		}
		if got == nil {
			r.Got = "not checked"
			return r
		}
		r.Got = fmt.Sprint(*got)
		r.OK = *got == *e.Bool
		return r
	}
	v, ok := sum.figures[e.Name]
	if !ok {
		r.Got = "not measured"
		return r
	}
	r.Got = fmt.Sprint(v)
	r.OK = (e.Eq == nil || v == *e.Eq) && (e.Min == nil || v >= *e.Min) && (e.Max == nil || v <= *e.Max)
	return r
}

// Text renders the human summary printed by simrun run.
func (sum *Summary) Text() string {
	var b strings.Builder
	verdict := "OK"
	if !sum.OK {
		verdict = "FAILED"
	}
	fmt.Fprintf(&b, "%s: %s (seed %d, protocol %s)\n", sum.Scenario, verdict, sum.Seed, sum.Protocol)
	fmt.Fprintf(&b, "  simulated %s in %s, %d events, trace %s\n", sum.SimTime, sum.WallTime, sum.Events, sum.TraceSHA256[:16])
	fmt.Fprintf(&b, "  syncs: %d full (%d after the first), %d partial, %d partial refused; %d reconnects\n",
		sum.SyncFull, sum.FullResyncs, sum.SyncPartialOK, sum.SyncPartialErr, sum.Reconnects)
	fmt.Fprintf(&b, "  writes: %d acknowledged, %d rejected, %d lost (%d of them acknowledged by WAIT); %d stale reads\n",
		sum.WritesAcked, sum.WritesRejected, sum.LostWrites, sum.LostWaited, sum.StaleReads)
	conv := "converged"
	if !sum.Converged {
		conv = "NOT converged: " + sum.ConvergeReason
	}
	fmt.Fprintf(&b, "  %s\n", conv)
	if sum.Limit != "" {
		fmt.Fprintf(&b, "  limit: %s\n", sum.Limit)
	}
	names := make([]string, 0, len(sum.Expectations))
	for _, e := range sum.Expectations {
		mark := "ok  "
		switch {
		case e.Inconclusive:
			mark = "??  "
		case !e.OK:
			mark = "FAIL"
		}
		names = append(names, fmt.Sprintf("  %s %s: want %s, got %s", mark, e.Name, e.Want, e.Got))
	}
	if len(names) > 0 {
		b.WriteString("  expectations:\n")
		for _, n := range names {
			b.WriteString("  " + n + "\n")
		}
	}
	sum.verdictText(&b)
	fmt.Fprintf(&b, "  replay: %s\n", sum.Replay)
	return b.String()
}

// String renders the summary as JSON: %v of a summary shows its content,
// never pointers, so two summaries compare by what they say.
func (sum Summary) String() string {
	b, err := json.Marshal(sum)
	if err != nil {
		return "summary: " + err.Error()
	}
	return string(b)
}
