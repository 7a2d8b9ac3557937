package sweep

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/replsim/replsim/scenarios"
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
	Workers int // 0: runtime.NumCPU()
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
	// Progress, when set, is called after each finished run, from one
	// goroutine.
	Progress func(Progress)
}

// Progress is the state of a sweep after a run finished.
type Progress struct {
	Done    int // runs finished by this invocation
	Total   int // runs this invocation set out to do
	Skipped int // runs found done in results.jsonl (--resume)
	Elapsed time.Duration
	Record  *Record
}

// Outcome says what an invocation did.
type Outcome struct {
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
func Run(ctx context.Context, p *Plan, opts Options) (*Outcome, error) {
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	dir := opts.Dir
	if dir == "" {
		dir = "."
	}
	switch {
	case opts.Resume && opts.Force:
		return nil, errors.New("--resume keeps a directory's runs and --force replaces them: give one")
	case !opts.Resume && !opts.Force && HoldsRuns(dir):
		return nil, fmt.Errorf("%s already holds a sweep; --resume keeps its runs and goes on, --force replaces them", dir)
	}
	if err := p.loadSpecs(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	meta := &Meta{Plan: *p, Shard: opts.Shard.String()}
	done := map[int]bool{}
	if opts.Resume {
		old, recs, err := readDir(dir, true)
		switch {
		case errors.Is(err, os.ErrNotExist):
			// Nothing to resume: start afresh.
		case err != nil:
			return nil, err
		case !old.Plan.sameRuns(p) || old.Shard != meta.Shard:
			return nil, fmt.Errorf("%s holds another sweep (%s); resume it with the same file, --set, --vary and --shard, or use another --out", dir, old.Plan.describe(old.Shard))
		case p.Seeds < old.Plan.Seeds:
			return nil, fmt.Errorf("%s holds a sweep of %d seeds per point; resume it with --seeds %d or more (fewer would leave finished runs out), or use another --out", dir, old.Plan.Seeds, old.Plan.Seeds)
		default:
			if p.Target == "" {
				meta.Plan.Target = old.Plan.Target
			}
			meta.Sessions = old.Sessions
			for _, r := range recs {
				done[r.Run] = true
			}
		}
	}
	if !opts.Resume || len(done) == 0 {
		if err := os.WriteFile(filepath.Join(dir, ResultsFile), nil, 0o644); err != nil {
			return nil, err
		}
	}
	if err := writeMeta(dir, meta); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, ScenarioFile), []byte(p.Source), 0o644); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, ResultsFile), os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer f.Close()

	// Runs start in index order, seed by seed across every point, so that
	// an interrupted sweep has drawn every point, with fewer seeds, rather
	// than half of the points with all of them.
	var todo []int
	skipped := 0
	for r := range p.Runs() {
		switch {
		case !opts.Shard.Has(r):
		case done[r]:
			skipped++
		default:
			todo = append(todo, r)
		}
	}
	out := &Outcome{Skipped: skipped, Total: len(todo)}
	start := time.Now()
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
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range jobs {
				results <- runOne(p, r)
			}
		}()
	}
	go func() {
		wg.Wait()
		close(results)
	}()
	var firstErr error
	var simTime int64
	for res := range results {
		if res.err != nil {
			if firstErr == nil {
				firstErr = res.err
				cancel()
			}
			continue
		}
		line, err := json.Marshal(res.rec)
		if err == nil {
			_, err = f.Write(append(line, '\n'))
		}
		if err != nil {
			if firstErr == nil {
				firstErr = err
				cancel()
			}
			continue
		}
		out.Ran++
		simTime += res.rec.SimTimeNs()
		if opts.Progress != nil {
			opts.Progress(Progress{Done: out.Ran, Total: out.Total, Skipped: skipped, Elapsed: time.Since(start), Record: &res.rec})
		}
	}
	out.Elapsed = time.Since(start)
	out.Interrupted = out.Ran < out.Total && firstErr == nil
	meta.Sessions = append(meta.Sessions, Session{Workers: workers, Runs: out.Ran, WallNs: int64(out.Elapsed), SimTimeNs: simTime})
	if err := writeMeta(dir, meta); err != nil && firstErr == nil {
		firstErr = err
	}
	if firstErr != nil {
		return out, firstErr
	}
	return out, nil
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
func runOne(p *Plan, r int) result {
	point, seed := p.Run(r)
	s := p.specs[point]
	every := time.Duration(p.SampleEveryNs)
	start := time.Now()
	// A sweep needs figures: the porcupine check, whose wall-clock
	// timeout could make a record depend on the machine, is left out.
	o, err := scenarios.Run(s, seed, scenarios.RunOptions{SampleEvery: every, SkipLinearizability: true})
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
	tmp := filepath.Join(dir, MetaFile+".tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, MetaFile))
}

// ReadDir reads a sweep's directory: its meta and its records, one per run
// index, sorted by it. A last line cut short (a sweep killed while writing
// it) is left out.
func ReadDir(dir string) (*Meta, []Record, error) { return readDir(dir, false) }

// readDir is ReadDir; with repair, a last line cut short is also dropped
// from the file, so that appending goes on cleanly.
func readDir(dir string, repair bool) (*Meta, []Record, error) {
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
	if i := bytes.LastIndexByte(data, '\n'); i+1 < len(data) {
		data = data[:i+1]
		if repair {
			if err := os.Truncate(path, int64(len(data))); err != nil {
				return nil, nil, err
			}
		}
	}
	recs, err := parseRecords(bytes.NewReader(data), &m.Plan)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %v", path, err)
	}
	return &m, recs, nil
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
		if point, seed := p.Run(rec.Run); rec.Point != point || rec.Seed != seed {
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
