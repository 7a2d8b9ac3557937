// Package sweep runs a scenario many times: the cross product of the values
// of some knobs (--vary config.repl-backlog-size=16kb..64mb*2) times a number
// of seeds, one world per worker goroutine. Each finished run is appended to
// results.jsonl at once, so an interrupted sweep loses nothing and resumes
// where it stopped; a shard runs a deterministic share of the runs so that a
// large sweep can be spread over machines and merged back.
//
// Nothing a sweep records depends on the number of workers or on the order
// in which runs finish: every run is named by its index in the plan, and
// readers sort by it. Package reports turns the records into tables, plots
// and a page.
package sweep

import (
	_ "embed"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/replsim/replsim/faults"
	"github.com/replsim/replsim/scenarios"
	"github.com/replsim/replsim/scenarios/spec"
)

// DefaultScenario is the scenario swept when no file is given: a master and
// two replicas under a steady write load, with random disconnects of random
// length between the master and one replica at a time.
//
//go:embed default.yaml
var DefaultScenario []byte

// The default sweep: DefaultScenario over backlog sizes from 16kb to 64mb.
const (
	DefaultFile  = "default"
	DefaultVary  = "config.repl-backlog-size=16kb..64mb*2"
	DefaultSeeds = 40
)

// MaxRuns bounds the runs of one sweep (points times seeds): beyond it a
// plan is more likely a slip of the keyboard than a sweep anyone can wait
// for.
const MaxRuns = 1_000_000

// Plan is a sweep: the scenario, the knobs varied and the number of seeds.
// Run r is point r % Points() under seed r / Points() + 1: seed-major, so
// that more seeds add runs after the ones there are without renumbering
// them, and so that runs started in index order cover every point before
// the next seed. Points are the cross product of the knobs' values, the
// first knob varying slowest.
type Plan struct {
	Scenario string               `json:"scenario"` // the scenario's name
	File     string               `json:"file"`     // the file given, or "default"
	Source   string               `json:"source"`   // the scenario's YAML
	Sets     []scenarios.Override `json:"sets,omitempty"`
	Vary     []Vary               `json:"vary"`
	Seeds    int                  `json:"seeds"`
	// SampleEveryNs is the period of the lag samples in each record's
	// timeline.
	SampleEveryNs int64 `json:"sample_every_ns"`
	// Target is the full-resync frequency the recommendation aims under,
	// as given (--target 2%); "" means the default. simrun report and merge
	// keep it unless told otherwise.
	Target string `json:"target,omitempty"`

	// specs are the points' scenarios, loaded and validated once by
	// NewPlan (or by Run, for a plan read from sweep.json) and shared,
	// read-only, by every run of the point.
	specs []*spec.Spec
}

// sameRuns reports whether two plans define the same runs under the same
// numbers: the same file and source, --set values, knobs' keys and values,
// and sample period. The number of seeds is left out (more seeds add runs
// after the others; see Run), and so is the target, which only changes
// the report.
func (p *Plan) sameRuns(q *Plan) bool {
	return p.File == q.File && p.Source == q.Source && slices.Equal(p.Sets, q.Sets) &&
		slices.EqualFunc(p.Vary, q.Vary, func(a, b Vary) bool { return a.Key == b.Key && slices.Equal(a.Values, b.Values) }) &&
		p.SampleEveryNs == q.SampleEveryNs
}

// NewPlan checks a sweep: the scenario must load with every combination of
// values, and keys may not repeat. file is "default" for DefaultScenario.
func NewPlan(file string, src []byte, sets []scenarios.Override, vary []Vary, seeds int) (*Plan, error) {
	if seeds < 1 {
		return nil, fmt.Errorf("--seeds must be at least 1")
	}
	if seeds > scenarios.MaxSeeds {
		return nil, fmt.Errorf("--seeds %d: at most %d seeds", seeds, scenarios.MaxSeeds)
	}
	points := 1
	for _, v := range vary {
		points *= max(len(v.Values), 1)
		if points*seeds > MaxRuns {
			return nil, fmt.Errorf("--vary and --seeds: more than %d runs (the points so far times %d seeds); vary fewer values or run fewer seeds", MaxRuns, seeds)
		}
	}
	seen := map[string]bool{}
	for _, v := range vary {
		if seen[v.Key] {
			return nil, fmt.Errorf("--vary %s given twice", v.Key)
		}
		seen[v.Key] = true
	}
	p := &Plan{File: file, Source: string(src), Sets: slices.Clone(sets), Vary: vary, Seeds: seeds}
	base, err := scenarios.Load(file, src, scenarios.Overrides{Sets: sets})
	if err != nil {
		return nil, err
	}
	p.Scenario = base.Name
	p.SampleEveryNs = int64(max(10*time.Millisecond, (base.Duration / 200).Round(10*time.Millisecond)))
	// Each value alone, so that an error names the value at fault; then
	// every point, for values that are only wrong together.
	for _, v := range vary {
		for _, val := range v.Values {
			if _, err := scenarios.Load(file, src, scenarios.Overrides{Sets: append(slices.Clone(sets), v.override(val))}); err != nil {
				return nil, err
			}
		}
	}
	if err := p.loadSpecs(); err != nil {
		return nil, err
	}
	return p, nil
}

// loadSpecs loads the scenario of every point, unless it is loaded.
func (p *Plan) loadSpecs() error {
	if len(p.specs) == p.Points() {
		return nil
	}
	specs := make([]*spec.Spec, p.Points())
	for i := range specs {
		s, err := p.load(i)
		if err != nil {
			return err
		}
		specs[i] = s
	}
	p.specs = specs
	return nil
}

// Points returns the number of points: the product of the numbers of
// values.
func (p *Plan) Points() int {
	n := 1
	for _, v := range p.Vary {
		n *= len(v.Values)
	}
	return n
}

// Runs returns the number of runs: points times seeds.
func (p *Plan) Runs() int { return p.Points() * p.Seeds }

// Values returns the values of the knobs at a point, in the order of Vary.
func (p *Plan) Values(point int) []string {
	out := make([]string, len(p.Vary))
	for i := len(p.Vary) - 1; i >= 0; i-- {
		n := len(p.Vary[i].Values)
		out[i] = p.Vary[i].Values[point%n]
		point /= n
	}
	return out
}

// Keys returns the varied keys, in order.
func (p *Plan) Keys() []string {
	keys := make([]string, len(p.Vary))
	for i, v := range p.Vary {
		keys[i] = v.Key
	}
	return keys
}

// PointOverrides returns the overrides of a point: the plan's --set
// values, then one per knob.
func (p *Plan) PointOverrides(point int) scenarios.Overrides {
	sets := slices.Clone(p.Sets)
	for i, val := range p.Values(point) {
		sets = append(sets, p.Vary[i].override(val))
	}
	return scenarios.Overrides{Sets: sets}
}

// Spec returns the scenario of a point: the one NewPlan loaded, which
// every run of the point shares and no one may change, or, for a plan read
// from sweep.json, one loaded afresh.
func (p *Plan) Spec(point int) (*spec.Spec, error) {
	if len(p.specs) == p.Points() {
		return p.specs[point], nil
	}
	return p.load(point)
}

// load loads the scenario of a point from the file and the overrides.
// NewPlan loads each value alone first, so an error here is of the values
// of the point together: it names them all, as the flags gave them.
func (p *Plan) load(point int) (*spec.Spec, error) {
	s, err := scenarios.Load(p.File, []byte(p.Source), p.PointOverrides(point))
	if err == nil || len(p.Vary) == 0 {
		return s, err
	}
	var flags []string
	for i, val := range p.Values(point) {
		flags = append(flags, p.Vary[i].override(val).String())
	}
	var se *scenarios.Error
	if !errors.As(err, &se) || se.Flag == "" {
		return nil, fmt.Errorf("%s: %w", strings.Join(flags, " "), err)
	}
	if !slices.Contains(flags, se.Flag) {
		flags = append([]string{se.Flag}, flags...)
	}
	return nil, &scenarios.Error{File: se.File, Flag: strings.Join(flags, " "), Msg: se.Msg}
}

// PointSeed returns the point and the seed of run r.
func (p *Plan) PointSeed(r int) (point int, seed uint64) {
	return r % p.Points(), uint64(r/p.Points()) + 1
}

// Command is the command line that runs the whole sweep again into dir.
func (p *Plan) Command(dir string) string {
	args := []string{"go", "run", "./cmd/simrun", "sweep"}
	if p.File != DefaultFile {
		args = append(args, p.File)
	}
	for _, s := range p.Sets {
		args = append(args, "--set", s.Arg())
	}
	for _, v := range p.Vary {
		args = append(args, "--vary", v.Key+"="+v.Text)
	}
	args = append(args, "--seeds", fmt.Sprint(p.Seeds))
	if p.Target != "" {
		args = append(args, "--target", p.Target)
	}
	args = append(args, "--out", dir)
	return scenarios.ShellJoin(args)
}

// ReplayCommand is the command line that replays one run of the sweep with
// simrun run, from the copy of the scenario in the sweep's directory.
func (p *Plan) ReplayCommand(dir string, r int) string {
	point, seed := p.PointSeed(r)
	return scenarios.ShellJoin(scenarios.ReplayArgs(dir+"/"+ScenarioFile, seed, p.PointOverrides(point)))
}

// Shard is a deterministic share of a sweep's runs (see Plan.InShard). The
// zero Shard is the whole sweep.
type Shard struct {
	I, N int
}

// ParseShard parses "i/n" with 0 <= i < n (a Kubernetes indexed Job's
// JOB_COMPLETION_INDEX over its completions, for example).
func ParseShard(s string) (Shard, error) {
	var sh Shard
	if _, err := fmt.Sscanf(s, "%d/%d", &sh.I, &sh.N); err != nil || fmt.Sprintf("%d/%d", sh.I, sh.N) != s || sh.N < 1 || sh.I < 0 || sh.I >= sh.N {
		return Shard{}, fmt.Errorf("--shard %q: want i/n with 0 <= i < n (e.g. 0/4)", s)
	}
	return sh, nil
}

func (s Shard) String() string {
	if s.N <= 1 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.I, s.N)
}

// InShard reports whether run r belongs to shard s. Run r (point p, seed
// index k) belongs to shard (p + k) mod N: along the seeds each point
// visits every shard in turn, so with at least N seeds every shard runs
// every point, whatever the numbers of points and of shards.
func (p *Plan) InShard(s Shard, r int) bool {
	if s.N <= 1 {
		return true
	}
	point, k := r%p.Points(), r/p.Points()
	return (point+k)%s.N == s.I
}

// ShardPoints returns how many of the plan's points shard s runs: all of
// them, unless there are fewer seeds than shards.
func (p *Plan) ShardPoints(s Shard) int {
	seen := map[int]bool{}
	for r := range p.Runs() {
		if p.InShard(s, r) {
			seen[r%p.Points()] = true
		}
	}
	return len(seen)
}

// LongestOutage is the longest outage a scenario's faults are meant to
// cause, for Redis's rule of thumb (write rate x longest outage): the
// longest disconnect, stall, partition or pause, or crash before its
// restart. An exponential length counts at its 99th percentile, and how
// says so; 0 when the scenario has no such fault.
func LongestOutage(s *spec.Spec) (d time.Duration, how string) {
	for _, f := range s.Faults {
		l, h := f.For.Max, "the longest "+string(f.Action.Verb)
		switch {
		case f.Action.Verb == faults.Crash || f.Action.Verb == faults.Restart:
			l = f.Action.RestartAfter
		case !f.Action.Lasting():
			continue
		case f.For.Exponential:
			l, h = time.Duration(float64(f.For.Mean)*math.Log(100)), "the 99th percentile of the "+string(f.Action.Verb)+"s"
		}
		if l > d {
			d, how = l, h
		}
	}
	return d, how
}
