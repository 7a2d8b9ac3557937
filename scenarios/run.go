package scenarios

import (
	"fmt"
	"io"
	"time"

	"github.com/replsim/replsim/checker"
	"github.com/replsim/replsim/model"
	"github.com/replsim/replsim/scenarios/spec"
	"github.com/replsim/replsim/scenarios/world"
)

// Summary is summary.json: a view of a Record. Every field but WallTime is
// the same for the same scenario, seed and overrides.
type Summary struct {
	Scenario       string              `json:"scenario"`
	File           string              `json:"file"`
	Seed           uint64              `json:"seed"`
	Protocol       string              `json:"protocol"`
	Bugs           []string            `json:"bugs,omitempty"`
	WallTime       string              `json:"wall_time"`
	TraceSHA256    string              `json:"trace_sha256"`
	Figures        Values              `json:"figures"`
	ConvergeReason string              `json:"converge_reason,omitempty"`
	Limit          string              `json:"limit,omitempty"`
	Expectations   []ExpectationResult `json:"expectations"`
	OK             bool                `json:"ok"`
	// Linearizability says what the porcupine check covered and found,
	// Invariants each replication invariant (any violation fails the
	// run), Staleness how stale the stale reads were, Explanation what
	// went wrong in words, HistoryHTML the visualization written.
	Linearizability *checker.Linearizability `json:"linearizability"`
	Invariants      []checker.Invariant      `json:"invariants"`
	Staleness       *checker.Staleness       `json:"staleness,omitempty"`
	Explanation     string                   `json:"explanation,omitempty"`
	HistoryHTML     string                   `json:"history_html,omitempty"`
	Nodes           map[string]model.Stats   `json:"nodes"`
	Replay          string                   `json:"replay"`
}

// Summary returns the record's summary.json.
func (r *Record) Summary() Summary {
	return Summary{
		Scenario: r.Spec.Name, File: r.Spec.File, Seed: r.Seed, Protocol: r.Spec.Protocol.String(),
		Bugs: r.Spec.Bugs.Enabled(), WallTime: r.WallTime.Round(time.Millisecond).String(),
		TraceSHA256: r.Facts.TraceSHA, Figures: r.Figures,
		ConvergeReason: r.Facts.ConvergeReason, Limit: r.Facts.Limit,
		Expectations: r.Expectations, OK: r.OK,
		Linearizability: r.Verdict.Linearizability, Invariants: r.Verdict.Invariants,
		Staleness: r.Staleness, Explanation: r.Verdict.Explanation(), HistoryHTML: r.HistoryHTML,
		Nodes: r.Facts.Nodes, Replay: r.Replay(),
	}
}

// Replay is the command line that reproduces the run.
func (r *Record) Replay() string { return ReplayCommand(r.Spec, r.Seed) }

// RunOptions control one run from the outside.
type RunOptions struct {
	// Trace receives trace.log as the world runs; nil keeps only its hash.
	Trace io.Writer
	// SampleEvery, when positive, records the replicas' lag at this period
	// of virtual time in Record.Facts.Samples, without changing the run.
	SampleEvery time.Duration
	// CheckTimeout bounds the wall time of the linearizability check (0:
	// 30s); past it the result is inconclusive.
	CheckTimeout time.Duration
	// Progress, when set, is called every few thousand events of the
	// simulation with its virtual time and the events fired so far (see
	// world.RunOptions.Progress); it does not change the run.
	Progress func(now time.Duration, events uint64)
	// SkipLinearizability leaves the porcupine check out (linearizable
	// unknown, "not checked"), for sweeps that only need figures; the
	// replication invariants are still checked.
	SkipLinearizability bool
	// WallLimit, when positive, bounds the wall time of the simulation
	// (not of the checks after it): a run still going after it ends with
	// the limit "wall-clock limit <WallLimit> passed", unconverged. 0: no
	// bound.
	WallLimit time.Duration
	// HistoryFile, when set, keeps the clients' history out of memory: it
	// is written to this file as the run goes (checker.Spill) and read
	// back one partition of keys at a time for the checks, so a run's
	// memory does not grow with its operations. Only with
	// SkipLinearizability (porcupine needs the history whole); the record
	// then has no History.
	HistoryFile checker.SpillFile
}

// Run runs the scenario under one seed, checks it and computes its
// figures. It writes nothing but the trace (package reports writes a run's
// artifacts).
func Run(s *spec.Spec, seed uint64, opts RunOptions) (*Record, error) {
	start := time.Now()
	wo := world.RunOptions{Trace: opts.Trace, SampleEvery: opts.SampleEvery, WallLimit: opts.WallLimit, Progress: opts.Progress}
	if opts.WallLimit > 0 {
		deadline := start.Add(opts.WallLimit)
		wo.WallPassed = func() bool { return time.Now().After(deadline) }
	}
	var spill *checker.Spill
	if opts.HistoryFile != nil {
		if !opts.SkipLinearizability {
			return nil, fmt.Errorf("a history kept out of memory cannot be checked for linearizability")
		}
		spill = checker.NewSpill(opts.HistoryFile, checker.SpillPartitions(expectedOps(s)))
		wo.History = spill.Add
	}
	res, err := world.Run(s, seed, wo)
	if err != nil {
		return nil, err
	}
	r := &Record{Spec: s, Seed: seed, Facts: res}
	final := map[string]checker.Value{}
	for _, e := range res.FinalDataset {
		if s.Workload.UsesDB(e.DB) && !e.Expired(res.SimTime) {
			final[checker.KeyOf(e.DB, e.Key)] = checker.ValueOf(e.Value)
		}
	}
	r.judge(final, opts)
	var stale []checker.StaleRead
	if spill == nil {
		stale = checker.StaleReads(res.History)
		r.writes = countWrites(s, res.History, final, stale)
		r.acks = countAcks(res, s.Master(), res.History)
	} else if stale, err = r.checkSpilled(spill, final); err != nil {
		return nil, err
	}
	if len(stale) > 0 {
		st := checker.StalenessOf(stale)
		r.Staleness = &st
	}
	r.failovers = countFailovers(res.SentinelEvents)
	r.syncs = classifySyncs(s, res.Notes)
	r.SyncEvents = r.syncs.events
	r.computeFigures()
	r.OK = r.Verdict.InvariantsOK()
	for _, e := range s.Expect {
		er := r.check(e)
		r.Expectations = append(r.Expectations, er)
		r.OK = r.OK && er.OK
	}
	r.WallTime = time.Since(start)
	return r, nil
}

// expectedOps is about how many operations the scenario's workload issues.
func expectedOps(s *spec.Spec) int64 {
	n := int64(s.Workload.RatePerSec * s.Duration.Seconds())
	for _, b := range s.Workload.Bursts {
		n += int64(b.Writes)
	}
	return n
}

// checkSpilled runs the checks that look at one key at a time on a history
// kept out of memory, a partition of keys at a time: the write figures,
// the stale reads (returned) and the invariant on reads from replicas.
func (r *Record) checkSpilled(spill *checker.Spill, final map[string]checker.Value) ([]checker.StaleRead, error) {
	var stale []checker.StaleRead
	r.acks = newAckFigures()
	reads := checker.Invariant{Name: checker.InvReplicaReads}
	err := spill.Partitions(func(ops []checker.Op) error {
		st := checker.StaleReads(ops)
		stale = append(stale, st...)
		r.writes.add(countWrites(r.Spec, ops, final, st))
		r.acks.add(countAcks(r.Facts, r.Spec.Master(), ops))
		reads.Merge(checker.CheckReplicaReads(ops))
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i := range r.Verdict.Invariants {
		if r.Verdict.Invariants[i].Name == reads.Name {
			r.Verdict.Invariants[i] = reads
		}
	}
	return stale, nil
}

// check checks one expectation against the figures.
func (r *Record) check(e spec.Expectation) ExpectationResult {
	er := ExpectationResult{Name: e.Name, Want: e.Want}
	f, ok := FigureByName(e.Name)
	if !ok {
		er.Got = "not a figure"
		return er
	}
	v := r.Figures.Get(e.Name)
	switch {
	case !v.Known && e.Name == "linearizable" && r.Verdict.Linearizability.Result == checker.ResultInconclusive:
		er.Got, er.OK, er.Inconclusive = "inconclusive ("+r.Verdict.Linearizability.Inconclusive+")", true, true
		return er
	case !v.Known:
		er.Got = "not checked"
		return er
	}
	er.Got = f.Format(v)
	if f.Kind == KindDuration {
		er.Got = time.Duration(v.Int).String() // exact: a bound may sit within the rounding
	}
	if e.Bool != nil {
		er.OK = (v.Int != 0) == *e.Bool
		return er
	}
	n := v.Int
	er.OK = (e.Eq == nil || n == *e.Eq) && (e.Min == nil || n >= *e.Min) && (e.Max == nil || n <= *e.Max)
	return er
}
