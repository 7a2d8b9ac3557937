package sweep

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/replsim/replsim/scenarios"
	"github.com/replsim/replsim/scenarios/outdir"
)

// The files of a sweep's directory.
const (
	MetaFile     = "sweep.json"
	ResultsFile  = "results.jsonl"
	ScenarioFile = "scenario.yaml"
)

// Meta is sweep.json: the plan, the shard this directory holds, and one
// entry per time simrun sweep worked on it.
type Meta struct {
	Plan     Plan      `json:"plan"`
	Shard    string    `json:"shard,omitempty"`
	Sessions []Session `json:"sessions,omitempty"`
}

// Session is one invocation of a sweep on a directory: how many runs it
// finished, on how many workers, in how much wall time.
type Session struct {
	Workers   int   `json:"workers"`
	Runs      int   `json:"runs"`
	WallNs    int64 `json:"wall_ns"`
	SimTimeNs int64 `json:"sim_time_ns"`
}

// Options control where and how a sweep runs. The zero value runs the
// whole plan on every core into the current directory, afresh.
type Options struct {
	Dir     string
	Workers int // 0: runtime.NumCPU(); below 0 is refused
	// Resume keeps the runs already in results.jsonl and runs the rest;
	// the directory must hold the same runs (Plan.sameRuns) and shard, with
	// as many seeds or fewer. The target of the directory is kept unless
	// the plan has one.
	Resume bool
	// Force replaces the runs of a directory that holds a sweep (see
	// HoldsRuns). Without Resume or Force such a directory is refused,
	// and left as it was.
	Force bool
	Shard Shard
	// WallLimit, when positive, ends a run still going after this much
	// wall time, with that limit in its record: a guard against a run that
	// would not end, at the cost of a record that depends on the machine.
	WallLimit time.Duration
	// Progress, when set, is called after each finished run, from one
	// goroutine.
	Progress func(Progress)
}

// Refusal is a sweep that does not start as asked: options that make no
// sense, or a directory that holds other runs. Nothing was touched. Any
// other error of Run is the machine's (a file that cannot be written) or
// ours (a run that failed).
type Refusal struct{ Msg string }

func (r *Refusal) Error() string { return r.Msg }

func refuse(format string, args ...any) error { return &Refusal{Msg: fmt.Sprintf(format, args...)} }

// Check refuses options that contradict each other or make no sense.
func (opts Options) Check() error {
	switch {
	case opts.Workers < 0:
		return refuse("--workers %d: want 1 or more, or 0 for every core", opts.Workers)
	case opts.WallLimit < 0:
		return refuse("--wall-limit %s: want 0 (no limit) or more", opts.WallLimit)
	case opts.Resume && opts.Force:
		return refuse("--resume keeps a directory's runs and --force replaces them: give one")
	}
	return nil
}

// Progress is the state of a sweep after a run finished.
type Progress struct {
	Done    int // runs finished by this invocation
	Total   int // runs this invocation set out to do
	Skipped int // runs found done in results.jsonl (--resume)
	Elapsed time.Duration
	Record  *Record
}

// Tally says what an invocation did.
type Tally struct {
	Ran, Skipped, Total int
	// Interrupted is set when the context ended the sweep before every run
	// was done; the finished runs are in results.jsonl.
	Interrupted bool
	Elapsed     time.Duration
}

// Run runs the plan's runs of the shard that are not done yet, each world
// on one of the workers, and appends each record to results.jsonl as soon
// as it is finished. When ctx ends, no new run starts; the runs under way
// finish and are recorded, and Run returns with Interrupted set.
func Run(ctx context.Context, p *Plan, opts Options) (*Tally, error) {
	if err := opts.Check(); err != nil {
		return nil, err
	}
	workers := cmp.Or(opts.Workers, runtime.NumCPU())
	dir := cmp.Or(opts.Dir, ".")
	if err := p.loadSpecs(); err != nil {
		return nil, err
	}
	meta, done, err := prepare(dir, p, opts)
	if err != nil {
		return nil, err
	}
	f, err := openResults(dir)
	if err != nil {
		return nil, err
	}

	// History files a killed sweep left behind (runPool makes them).
	if left, _ := filepath.Glob(filepath.Join(dir, ".history-*")); len(left) > 0 {
		for _, name := range left {
			os.Remove(name)
		}
	}

	todo, skipped := p.todo(opts.Shard, done)
	out := &Tally{Skipped: skipped, Total: len(todo)}
	start := time.Now()
	var simTime int64
	err = runPool(ctx, p, dir, todo, workers, opts.WallLimit, func(rec *Record) error {
		if err := appendRecord(f, rec); err != nil {
			return err
		}
		out.Ran++
		simTime += rec.SimTimeNs()
		if opts.Progress != nil {
			opts.Progress(Progress{Done: out.Ran, Total: out.Total, Skipped: skipped, Elapsed: time.Since(start), Record: rec})
		}
		return nil
	})
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("closing %s: %w", f.Name(), cerr)
	}
	out.Elapsed = time.Since(start)
	out.Interrupted = out.Ran < out.Total && err == nil
	meta.Sessions = append(meta.Sessions, Session{Workers: workers, Runs: out.Ran, WallNs: int64(out.Elapsed), SimTimeNs: simTime})
	if werr := writeMeta(dir, meta); err == nil {
		err = werr
	}
	return out, err
}

// prepare decides what becomes of dir: refused when it holds a sweep and
// neither Resume nor Force is set (and then nothing in it changes),
// resumed, or started afresh. It readies the files and returns the meta
// to keep and the runs already done.
func prepare(dir string, p *Plan, opts Options) (*Meta, map[int]bool, error) {
	meta := &Meta{Plan: *p, Shard: opts.Shard.String()}
	done := map[int]bool{}
	switch {
	case opts.Resume:
		old, recs, err := resumable(dir, p, meta.Shard)
		if err != nil {
			return nil, nil, err
		}
		if old != nil {
			meta.Plan.Target = cmp.Or(p.Target, old.Plan.Target)
			meta.Sessions = old.Sessions
			for _, r := range recs {
				done[r.Run] = true
			}
		}
	case !opts.Force && HoldsRuns(dir):
		return nil, nil, refuse("%s already holds a sweep; --resume keeps its runs and goes on, --force replaces them", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, err
	}
	if len(done) == 0 {
		if err := outdir.WriteFile(filepath.Join(dir, ResultsFile), nil); err != nil {
			return nil, nil, err
		}
	}
	if err := writeMeta(dir, meta); err != nil {
		return nil, nil, err
	}
	if err := outdir.WriteFile(filepath.Join(dir, ScenarioFile), []byte(p.Source)); err != nil {
		return nil, nil, err
	}
	return meta, done, nil
}

// resumable reads the sweep in dir that p resumes: nil when there is none
// to resume, an error when dir holds another one (other runs, another
// shard, more seeds than p) or runs without a sweep.json. Only once it is
// accepted is a last line cut short dropped from results.jsonl.
func resumable(dir string, p *Plan, shard string) (*Meta, []Record, error) {
	old, recs, err := ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if _, metaErr := os.Stat(filepath.Join(dir, MetaFile)); metaErr != nil && HoldsRuns(dir) {
			return nil, nil, refuse("%s holds runs but no %s to resume them by; --force replaces them", dir, MetaFile)
		}
		return nil, nil, nil
	case err != nil:
		return nil, nil, &Refusal{Msg: err.Error()} // a directory that cannot be resumed
	case !old.Plan.sameRuns(p) || old.Shard != shard:
		return nil, nil, refuse("%s holds another sweep (%s); resume it with the same file, --set, --vary and --shard, or use another --out", dir, old.Plan.describe(old.Shard))
	case p.Seeds < old.Plan.Seeds:
		return nil, nil, refuse("%s holds a sweep of %d seeds per point; resume it with --seeds %d or more (fewer would leave finished runs out), or use another --out", dir, old.Plan.Seeds, old.Plan.Seeds)
	}
	if err := plainFile(filepath.Join(dir, ResultsFile)); err != nil {
		return nil, nil, &Refusal{Msg: err.Error()}
	}
	if err := cutPartialLine(filepath.Join(dir, ResultsFile)); err != nil {
		return nil, nil, err
	}
	return old, recs, nil
}

// todo returns the runs of the shard not done yet, in the order they
// start, and how many are done. Runs start in index order, seed by seed
// across every point, so that an interrupted sweep has drawn every point,
// with fewer seeds, rather than half of the points with all of them.
func (p *Plan) todo(sh Shard, done map[int]bool) (todo []int, skipped int) {
	for r := range p.Runs() {
		switch {
		case !p.InShard(sh, r):
		case done[r]:
			skipped++
		default:
			todo = append(todo, r)
		}
	}
	return todo, skipped
}

// runPool runs the runs on at most workers goroutines, one world each,
// and hands each finished record to each, on the calling goroutine. The
// first error, of a run or of each, stops new runs from starting, as does
// the end of ctx; the runs under way finish and are handed over.
//
// Each worker keeps its runs' histories in a temporary file in dir
// (scenarios.RunOptions.HistoryFile), so a sweep's memory does not grow
// with the length of its runs; the files are removed when it ends.
func runPool(ctx context.Context, p *Plan, dir string, todo []int, workers int, wallLimit time.Duration, each func(*Record) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan int)
	results := make(chan result)
	go func() {
		defer close(jobs)
		for _, r := range todo {
			select {
			case <-ctx.Done():
				return
			case jobs <- r:
			}
		}
	}()
	var wg sync.WaitGroup
	for range min(workers, max(len(todo), 1)) {
		wg.Go(func() {
			hist, err := os.CreateTemp(dir, ".history-*")
			if err != nil {
				results <- result{err: fmt.Errorf("a file for the runs' histories: %w", err)}
				return
			}
			defer func() {
				hist.Close()
				os.Remove(hist.Name())
			}()
			for r := range jobs {
				if err := hist.Truncate(0); err != nil {
					results <- result{err: fmt.Errorf("a file for the runs' histories: %w", err)}
					return
				}
				results <- runOne(p, r, hist, wallLimit)
			}
		})
	}
	go func() {
		wg.Wait()
		close(results)
	}()
	var firstErr error
	for res := range results {
		err := res.err
		if err == nil {
			err = each(&res.rec)
		}
		if err != nil && firstErr == nil {
			firstErr = err
			cancel()
		}
	}
	return firstErr
}

// openResults opens results.jsonl to append to it.
func openResults(dir string) (*os.File, error) {
	path := filepath.Join(dir, ResultsFile)
	if err := plainFile(path); err != nil {
		return nil, err
	}
	return os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o644)
}

// plainFile refuses a file a sweep would write in place (append to,
// truncate) that is not a plain file: a link is not written through.
func plainFile(path string) error {
	st, err := os.Lstat(path)
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s is not a plain file (%s): a sweep does not write through it", path, st.Mode().Type())
	}
	return nil
}

func appendRecord(f *os.File, rec *Record) error {
	line, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	_, err = f.Write(append(line, '\n'))
	return err
}

// PanicError is a run that panicked: our bug. It ends the sweep; the
// stack is kept for a file, not for the message.
type PanicError struct {
	Run   int
	Seed  uint64
	Value any
	Stack []byte
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("run %d (seed %d) panicked: %v", e.Run, e.Seed, e.Value)
}

type result struct {
	rec Record
	err error
}

// runOne runs one world, on the spec of its point, which the runs of the
// point share: scenarios.Run and world.Run only read a spec (each engine
// gets a copy of its node's config, faults.Expand makes new events from
// the schedules, the workload reads its mix and rate), so no worker
// changes what another reads. TestSpecsParsedOncePerPoint checks it, with
// -race.
func runOne(p *Plan, r int, hist *os.File, wallLimit time.Duration) (res result) {
	point, seed := p.PointSeed(r)
	defer func() {
		// A panic in one world is our bug: it ends the sweep as an error
		// naming the run and where it happened, not the process.
		if v := recover(); v != nil {
			res = result{err: &PanicError{Run: r, Seed: seed, Value: v, Stack: debug.Stack()}}
		}
	}()
	s := p.specs[point]
	every := time.Duration(p.SampleEveryNs)
	start := time.Now()
	// A sweep needs figures: the porcupine check, whose wall-clock
	// timeout could make a record depend on the machine, is left out.
	o, err := scenarios.Run(s, seed, scenarios.RunOptions{SampleEvery: every, SkipLinearizability: true, WallLimit: wallLimit, HistoryFile: hist})
	wall := time.Since(start)
	if err != nil {
		return result{err: fmt.Errorf("run %d (%s seed %d): %w", r, s.Name, seed, err)}
	}
	return result{rec: NewRecord(r, point, p.Values(point), o, every, wall)}
}

func (p *Plan) describe(shard string) string {
	s := fmt.Sprintf("%s, %d points x %d seeds", p.File, p.Points(), p.Seeds)
	for _, v := range p.Vary {
		s += ", --vary " + v.Key + "=" + v.Text
	}
	if shard != "" {
		s += ", shard " + shard
	}
	return s
}

// HoldsRuns reports whether dir holds a sweep: a sweep.json, or a
// results.jsonl with at least one whole line.
func HoldsRuns(dir string) bool {
	if _, err := os.Stat(filepath.Join(dir, MetaFile)); err == nil {
		return true
	}
	f, err := os.Open(filepath.Join(dir, ResultsFile))
	if err != nil {
		return false
	}
	defer f.Close()
	r := bufio.NewReader(f)
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			return false
		}
		if len(bytes.TrimSpace(line)) > 0 {
			return true
		}
	}
}

func writeMeta(dir string, m *Meta) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return outdir.WriteFile(filepath.Join(dir, MetaFile), append(b, '\n'))
}

// ReadDir reads a sweep's directory: its meta and its records, one per run
// index, sorted by it. A last line cut short (a sweep killed while writing
// it) is left out.
func ReadDir(dir string) (*Meta, []Record, error) {
	b, err := os.ReadFile(filepath.Join(dir, MetaFile))
	if err != nil {
		return nil, nil, err
	}
	var m Meta
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, nil, fmt.Errorf("%s: %v", filepath.Join(dir, MetaFile), err)
	}
	path := filepath.Join(dir, ResultsFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	data = data[:bytes.LastIndexByte(data, '\n')+1]
	recs, err := parseRecords(bytes.NewReader(data), &m.Plan)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %v", path, err)
	}
	return &m, recs, nil
}

// cutPartialLine drops a last line cut short from a file, so that
// appending goes on cleanly.
func cutPartialLine(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if n := bytes.LastIndexByte(data, '\n') + 1; n < len(data) {
		return os.Truncate(path, int64(n))
	}
	return nil
}

// parseRecords reads records, keeps one per run index and sorts them by
// it. Two different records of one run are an error: the plan is
// deterministic, so they mean two plans were mixed. So is a record whose
// point and seed are not those the plan numbers its run with.
func parseRecords(r io.Reader, p *Plan) ([]Record, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), 1<<30)
	byRun := map[int]Record{}
	line := 0
	for sc.Scan() {
		line++
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var rec Record
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			return nil, fmt.Errorf("line %d: %v", line, err)
		}
		if rec.Run < 0 || rec.Run >= p.Runs() {
			return nil, fmt.Errorf("line %d: run %d is outside the plan (%d runs)", line, rec.Run, p.Runs())
		}
		if point, seed := p.PointSeed(rec.Run); rec.Point != point || rec.Seed != seed {
			return nil, fmt.Errorf("line %d: run %d is point %d seed %d, but the record is of point %d seed %d (written by a simrun that numbered runs point by point? run the sweep afresh with --force)",
				line, rec.Run, point, seed, rec.Point, rec.Seed)
		}
		if old, dup := byRun[rec.Run]; dup && old.TraceSHA256 != rec.TraceSHA256 {
			return nil, fmt.Errorf("line %d: run %d recorded twice with different traces", line, rec.Run)
		}
		byRun[rec.Run] = rec
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return sortRecords(byRun), nil
}

func sortRecords(byRun map[int]Record) []Record {
	out := make([]Record, 0, len(byRun))
	for _, rec := range byRun {
		out = append(out, rec)
	}
	slices.SortFunc(out, func(a, b Record) int { return a.Run - b.Run })
	return out
}
