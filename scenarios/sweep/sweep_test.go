package sweep

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/replsim/replsim/scenarios/spec"
)

func tinyPlan(t *testing.T, seeds int, vary ...string) *Plan {
	t.Helper()
	src, err := os.ReadFile("testdata/tiny.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var knobs []Vary
	for _, v := range vary {
		k, err := ParseVary(v)
		if err != nil {
			t.Fatal(err)
		}
		knobs = append(knobs, k)
	}
	p, err := NewPlan("testdata/tiny.yaml", src, nil, knobs, seeds)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// records runs a plan into a fresh directory and returns its records
// without wall times.
func records(t *testing.T, dir string) []Record {
	t.Helper()
	_, recs, err := ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i := range recs {
		recs[i].WallNs = 0
	}
	return recs
}

func runSweep(t *testing.T, ctx context.Context, p *Plan, opts Options) *Tally {
	t.Helper()
	o, err := Run(ctx, p, opts)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// The plan numbers its runs seed-major: every point under seed 1, then
// every point under seed 2, ...; points are the first knob varying slowest.
// More seeds add runs at the end and renumber none.
func TestPlanOrder(t *testing.T) {
	p := tinyPlan(t, 2, "config.repl-backlog-size=16kb,1mb", "workload.rate=50,100,200")
	if p.Points() != 6 || p.Runs() != 12 {
		t.Fatalf("%d points, %d runs", p.Points(), p.Runs())
	}
	if got := p.Values(4); !reflect.DeepEqual(got, []string{"1mb", "100"}) {
		t.Errorf("point 4 = %v", got)
	}
	if point, seed := p.PointSeed(9); point != 3 || seed != 2 {
		t.Errorf("run 9 = point %d seed %d, want point 3 seed 2", point, seed)
	}
	if point, seed := p.PointSeed(4); point != 4 || seed != 1 {
		t.Errorf("run 4 = point %d seed %d, want point 4 seed 1", point, seed)
	}
	more := tinyPlan(t, 5, "config.repl-backlog-size=16kb,1mb", "workload.rate=50,100,200")
	for r := range p.Runs() {
		point, seed := p.PointSeed(r)
		if mp, ms := more.PointSeed(r); mp != point || ms != seed {
			t.Errorf("run %d is point %d seed %d with 2 seeds, point %d seed %d with 5", r, point, seed, mp, ms)
		}
	}
	if got := p.Command("out"); got != "go run ./cmd/simrun sweep testdata/tiny.yaml --vary config.repl-backlog-size=16kb,1mb --vary workload.rate=50,100,200 --seeds 2 --out out" {
		t.Errorf("command: %s", got)
	}
	if got := p.ReplayCommand("out", 9); got != "go run ./cmd/simrun run out/scenario.yaml --seed 2 --set config.repl-backlog-size=1mb --set workload.rate=50" {
		t.Errorf("replay: %s", got)
	}
	if _, err := NewPlan("tiny.yaml", []byte(p.Source), nil, []Vary{{Key: "config.repl-backlog-size", Values: []string{"16kb", "lots"}}}, 1); err == nil || !strings.Contains(err.Error(), "--vary config.repl-backlog-size=lots") {
		t.Errorf("bad value: %v", err)
	}
}

// The records do not depend on the number of workers.
func TestWorkersDoNotChangeRecords(t *testing.T) {
	p := tinyPlan(t, 3, "config.repl-backlog-size=16kb,1mb")
	dir := t.TempDir()
	var got [2][]Record
	for i, w := range []int{1, 2} {
		d := filepath.Join(dir, string(rune('a'+i)))
		// A history file a killed sweep left behind is cleared away.
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, ".history-123"), []byte("left"), 0o644); err != nil {
			t.Fatal(err)
		}
		runSweep(t, context.Background(), p, Options{Dir: d, Workers: w})
		got[i] = records(t, d)
		// The workers' history files are gone.
		if left, _ := filepath.Glob(filepath.Join(d, ".history-*")); len(left) > 0 {
			t.Errorf("%d workers left %v behind", w, left)
		}
	}
	if _, err := Run(context.Background(), p, Options{Dir: filepath.Join(dir, "n"), Workers: -1}); err == nil || !strings.Contains(err.Error(), "--workers -1") {
		t.Errorf("-1 workers: %v", err)
	}
	if len(got[0]) != p.Runs() || !reflect.DeepEqual(got[0], got[1]) {
		t.Errorf("1 and 2 workers gave different records (%d and %d)", len(got[0]), len(got[1]))
	}
	if got[0][0].Timeline == nil || len(got[0][0].Timeline.LagBytes) != 2 {
		t.Errorf("no lag timeline of two replicas in %+v", got[0][0].Timeline)
	}
}

// A sweep stopped after a few runs, plus a line cut short by a crash,
// resumes to the same records as a sweep that ran through.
func TestInterruptedSweepResumes(t *testing.T) {
	p := tinyPlan(t, 3, "config.repl-backlog-size=16kb,1mb")
	dir := t.TempDir()
	whole := filepath.Join(dir, "whole")
	runSweep(t, context.Background(), p, Options{Dir: whole, Workers: 2})

	part := filepath.Join(dir, "part")
	ctx, cancel := context.WithCancel(context.Background())
	o := runSweep(t, ctx, p, Options{Dir: part, Workers: 2, Progress: func(pr Progress) {
		if pr.Done == 2 {
			cancel()
		}
	}})
	cancel()
	if !o.Interrupted || o.Ran < 2 || o.Ran >= p.Runs() {
		t.Fatalf("interrupted %v after %d of %d runs", o.Interrupted, o.Ran, p.Runs())
	}
	f, err := os.OpenFile(filepath.Join(part, ResultsFile), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"run":5,"point":1,"val`)
	f.Close()
	// A resume that is refused leaves the directory as it was, the line
	// cut short included.
	cut, err := os.ReadFile(filepath.Join(part, ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Run(context.Background(), tinyPlan(t, 3, "config.repl-backlog-size=16kb,2mb"), Options{Dir: part, Resume: true}); err == nil {
		t.Error("resumed another sweep")
	}
	if after, _ := os.ReadFile(filepath.Join(part, ResultsFile)); !bytes.Equal(after, cut) {
		t.Error("a refused resume changed results.jsonl")
	}
	recs := records(t, part)
	if len(recs) != o.Ran {
		t.Fatalf("%d records after %d runs", len(recs), o.Ran)
	}
	// Runs start seed by seed across the points: both points have one.
	points := map[int]bool{}
	for _, r := range recs {
		points[r.Point] = true
	}
	if len(points) != 2 {
		t.Errorf("an interrupted sweep covers points %v, want both", points)
	}
	o2 := runSweep(t, context.Background(), p, Options{Dir: part, Workers: 2, Resume: true})
	if o2.Skipped != o.Ran || o2.Ran != p.Runs()-o.Ran || o2.Interrupted {
		t.Errorf("resume skipped %d and ran %d, want %d and %d", o2.Skipped, o2.Ran, o.Ran, p.Runs()-o.Ran)
	}
	if !reflect.DeepEqual(records(t, whole), records(t, part)) {
		t.Error("the resumed sweep differs from the whole one")
	}
	m, _, _ := ReadDir(part)
	if len(m.Sessions) != 2 {
		t.Errorf("%d sessions recorded, want 2", len(m.Sessions))
	}
	// Resuming with other runs, or fewer seeds, is refused.
	other := tinyPlan(t, 3, "config.repl-backlog-size=16kb,2mb")
	if _, err := Run(context.Background(), other, Options{Dir: part, Resume: true}); err == nil || !strings.Contains(err.Error(), "holds another sweep") {
		t.Errorf("resume with another plan: %v", err)
	}
	fewer := tinyPlan(t, 2, "config.repl-backlog-size=16kb,1mb")
	if _, err := Run(context.Background(), fewer, Options{Dir: part, Resume: true}); err == nil || !strings.Contains(err.Error(), "holds a sweep of 3 seeds per point; resume it with --seeds 3 or more") {
		t.Errorf("resume with fewer seeds: %v", err)
	}
}

// Resuming with more seeds keeps the finished runs, runs only the new
// seeds' runs, and ends with the records of a sweep that had as many
// seeds from the start; sweep.json says how many.
func TestResumeWithMoreSeeds(t *testing.T) {
	dir := t.TempDir()
	two, three := tinyPlan(t, 2, "config.repl-backlog-size=16kb,1mb"), tinyPlan(t, 3, "config.repl-backlog-size=16kb,1mb")
	whole := filepath.Join(dir, "whole")
	runSweep(t, context.Background(), three, Options{Dir: whole, Workers: 2})
	grown := filepath.Join(dir, "grown")
	runSweep(t, context.Background(), two, Options{Dir: grown, Workers: 2})
	o := runSweep(t, context.Background(), three, Options{Dir: grown, Workers: 2, Resume: true})
	if o.Skipped != two.Runs() || o.Ran != three.Runs()-two.Runs() {
		t.Errorf("resume with 3 seeds skipped %d and ran %d, want %d and %d", o.Skipped, o.Ran, two.Runs(), three.Runs()-two.Runs())
	}
	if !reflect.DeepEqual(records(t, whole), records(t, grown)) {
		t.Error("2 seeds resumed with 3 differ from 3 seeds at once")
	}
	m, _, err := ReadDir(grown)
	if err != nil {
		t.Fatal(err)
	}
	if m.Plan.Seeds != 3 || len(m.Sessions) != 2 {
		t.Errorf("sweep.json: %d seeds, %d sessions; want 3 and 2", m.Plan.Seeds, len(m.Sessions))
	}
}

// The target only changes the report: a sweep resumes with another one
// (and keeps its own when none is given), and shards of different
// targets merge, under the first shard's target unless one is given.
func TestTargetIsNotPartOfThePlan(t *testing.T) {
	dir := t.TempDir()
	p := tinyPlan(t, 1, "config.repl-backlog-size=16kb,1mb")
	withTarget := func(target string) *Plan {
		q := *p
		q.Target = target
		return &q
	}
	target := func(d string) string {
		t.Helper()
		m, _, err := ReadDir(d)
		if err != nil {
			t.Fatal(err)
		}
		return m.Plan.Target
	}
	d := filepath.Join(dir, "sweep")
	runSweep(t, context.Background(), p, Options{Dir: d})
	if o := runSweep(t, context.Background(), withTarget("2%"), Options{Dir: d, Resume: true}); o.Skipped != p.Runs() || o.Ran != 0 {
		t.Errorf("resume with --target 2%%: skipped %d, ran %d", o.Skipped, o.Ran)
	}
	runSweep(t, context.Background(), p, Options{Dir: d, Resume: true})
	if got := target(d); got != "2%" {
		t.Errorf("target after resuming without one: %q, want 2%%", got)
	}

	var shards []string
	for i, tg := range []string{"2%", "5%"} {
		sh := filepath.Join(dir, "shard"+string(rune('0'+i)))
		runSweep(t, context.Background(), withTarget(tg), Options{Dir: sh, Shard: Shard{I: i, N: 2}})
		shards = append(shards, sh)
	}
	for _, tc := range []struct{ given, want string }{{"", "2%"}, {"3%", "3%"}} {
		merged := filepath.Join(dir, "merged"+tc.want)
		if _, err := Merge(merged, shards, tc.given, false); err != nil {
			t.Fatalf("merge of shards with targets 2%% and 5%%: %v", err)
		}
		if got := target(merged); got != tc.want {
			t.Errorf("merged with target %q: %q, want %q", tc.given, got, tc.want)
		}
	}
}

// Shards run disjoint shares of the runs; merged, they equal the whole.
func TestShardsMergeToTheWhole(t *testing.T) {
	p := tinyPlan(t, 3, "config.repl-backlog-size=16kb,1mb")
	dir := t.TempDir()
	whole := filepath.Join(dir, "whole")
	runSweep(t, context.Background(), p, Options{Dir: whole, Workers: 2})
	var shards []string
	total := 0
	for i := range 3 {
		d := filepath.Join(dir, "shard"+string(rune('0'+i)))
		o := runSweep(t, context.Background(), p, Options{Dir: d, Workers: 1, Shard: Shard{I: i, N: 3}})
		total += o.Ran
		shards = append(shards, d)
	}
	if total != p.Runs() {
		t.Errorf("shards ran %d runs, want %d", total, p.Runs())
	}
	merged := filepath.Join(dir, "merged")
	if missing, err := Merge(merged, shards[:2], "", false); err != nil || missing.Runs != 2 || !reflect.DeepEqual(missing.Shards, []string{"2/3"}) ||
		missing.String() != "2 of 6 runs missing; shard 2/3 absent" {
		t.Errorf("two of three shards: %v (%+v), %v", missing, missing, err)
	}
	// Merging again into the merged directory replaces it only when told.
	if _, err := Merge(merged, shards, "", false); err == nil || !strings.Contains(err.Error(), "already holds a sweep") {
		t.Errorf("a merge into a directory that holds a sweep: %v", err)
	}
	if missing, err := Merge(merged, shards, "", true); err != nil || missing.Runs != 0 {
		t.Fatalf("merge: %v, %v", missing, err)
	}
	if !reflect.DeepEqual(records(t, whole), records(t, merged)) {
		t.Error("the merged shards differ from the whole sweep")
	}
	other := filepath.Join(dir, "other")
	runSweep(t, context.Background(), tinyPlan(t, 1, "config.repl-backlog-size=16kb"), Options{Dir: other})
	if _, err := Merge(filepath.Join(dir, "bad"), []string{whole, other}, "", false); err == nil || !strings.Contains(err.Error(), "another sweep") {
		t.Errorf("merging two sweeps: %v", err)
	}
	// 2 points over any number of shards up to the number of seeds (3):
	// each shard runs both points. Over 4 shards, with 3 seeds, shard 0
	// runs one.
	for n, want := range map[int]int{1: 2, 2: 2, 3: 2, 4: 1} {
		if got := p.ShardPoints(Shard{I: 0, N: n}); got != want {
			t.Errorf("2 points over %d shards: a shard runs %d points, want %d", n, got, want)
		}
	}
	if _, err := ParseShard("3/3"); err == nil {
		t.Error("shard 3/3 accepted")
	}
}

// The default sweep: the embedded scenario over 13 backlog sizes from 16kb
// to 64mb; its longest outage, for the rule of thumb, is a minute.
func TestDefaultPlan(t *testing.T) {
	v, err := ParseVary(DefaultVary)
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPlan(DefaultFile, DefaultScenario, nil, []Vary{v}, DefaultSeeds)
	if err != nil {
		t.Fatal(err)
	}
	vals := p.Vary[0].Values
	if len(vals) != 13 || vals[0] != "16kb" || vals[12] != "64mb" || p.Scenario != "replica-outages" {
		t.Errorf("%s: %v", p.Scenario, vals)
	}
	if got := p.Command("simrun-out/sweep-replica-outages"); got != "go run ./cmd/simrun sweep --vary 'config.repl-backlog-size=16kb..64mb*2' --seeds 40 --out simrun-out/sweep-replica-outages" {
		t.Errorf("command: %s", got)
	}
	s, err := p.Spec(0)
	if err != nil {
		t.Fatal(err)
	}
	if d, how := LongestOutage(s); d.Seconds() != 60 || how != "the longest disconnect" {
		t.Errorf("longest outage %s (%s)", d, how)
	}
}

// A results.jsonl numbered point by point, as simrun did before runs were
// numbered seed by seed, is refused rather than read as other runs.
func TestRecordsOfAnotherNumberingRefused(t *testing.T) {
	p := tinyPlan(t, 2, "config.repl-backlog-size=16kb,1mb")
	dir := t.TempDir()
	runSweep(t, context.Background(), p, Options{Dir: dir, Workers: 2})
	recs := records(t, dir)
	var b bytes.Buffer
	for _, rec := range recs {
		rec.Run = rec.Point*p.Seeds + int(rec.Seed) - 1
		line, err := json.Marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(append(line, '\n'))
	}
	if err := os.WriteFile(filepath.Join(dir, ResultsFile), b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err := ReadDir(dir)
	if err == nil || !strings.Contains(err.Error(), "run 2 is point 0 seed 2, but the record is of point 1 seed 1") {
		t.Errorf("point-major records: %v", err)
	}
	if _, err := Run(context.Background(), p, Options{Dir: dir, Resume: true}); err == nil {
		t.Error("resumed a sweep numbered point by point")
	}
}

// A directory that holds a sweep (a sweep.json, or a results.jsonl with a
// record) is refused, and left as it was, unless the sweep resumes it or
// is forced to replace it; an empty results.jsonl holds nothing.
func TestOccupiedDirRefused(t *testing.T) {
	p := tinyPlan(t, 1, "config.repl-backlog-size=16kb,1mb")
	dir := t.TempDir()
	d := filepath.Join(dir, "sweep")
	runSweep(t, context.Background(), p, Options{Dir: d})
	files := func(d string) map[string]string {
		t.Helper()
		out := map[string]string{}
		entries, err := os.ReadDir(d)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			b, err := os.ReadFile(filepath.Join(d, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			out[e.Name()] = string(b)
		}
		return out
	}
	before := files(d)
	if _, err := Run(context.Background(), p, Options{Dir: d}); err == nil || !strings.Contains(err.Error(), "already holds a sweep") || !strings.Contains(err.Error(), "--resume") || !strings.Contains(err.Error(), "--force") {
		t.Errorf("a sweep into a sweep's directory: %v", err)
	}
	if !reflect.DeepEqual(files(d), before) {
		t.Error("a refused sweep changed the directory")
	}
	if _, err := Run(context.Background(), p, Options{Dir: d, Resume: true, Force: true}); err == nil {
		t.Error("--resume with --force accepted")
	}
	if o := runSweep(t, context.Background(), p, Options{Dir: d, Force: true}); o.Ran != p.Runs() || o.Skipped != 0 {
		t.Errorf("forced: ran %d, skipped %d", o.Ran, o.Skipped)
	}
	if m, _, err := ReadDir(d); err != nil || len(m.Sessions) != 1 {
		t.Errorf("forced sweep: %v, sessions %+v; want one", err, m)
	}

	// results.jsonl alone: refused with a record, accepted empty.
	lone := filepath.Join(dir, "lone")
	os.MkdirAll(lone, 0o755)
	if err := os.WriteFile(filepath.Join(lone, ResultsFile), []byte(before[ResultsFile]), 0o644); err != nil {
		t.Fatal(err)
	}
	if !HoldsRuns(lone) {
		t.Error("a results.jsonl with records holds no runs")
	}
	if _, err := Run(context.Background(), p, Options{Dir: lone}); err == nil {
		t.Error("a sweep over a results.jsonl with records")
	}
	if err := os.WriteFile(filepath.Join(lone, ResultsFile), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if HoldsRuns(lone) {
		t.Error("an empty results.jsonl holds runs")
	}
	runSweep(t, context.Background(), p, Options{Dir: lone})
}

// A merge names the runs it lacks: a shard run with fewer seeds than the
// others is short, and seeds no directory ran are named. It refuses to
// merge into a shard's own directory, and leaves that directory as it was.
func TestMergeNamesWhatIsMissing(t *testing.T) {
	dir := t.TempDir()
	shards := []string{filepath.Join(dir, "s0"), filepath.Join(dir, "s1")}
	// One point: run r is seed r+1; shard 0/2 holds seeds 1 and 3, shard
	// 1/2 would hold seed 2 but ran only seed 1, none of its own.
	runSweep(t, context.Background(), tinyPlan(t, 3, "config.repl-backlog-size=1mb"), Options{Dir: shards[0], Shard: Shard{I: 0, N: 2}})
	runSweep(t, context.Background(), tinyPlan(t, 1, "config.repl-backlog-size=1mb"), Options{Dir: shards[1], Shard: Shard{I: 1, N: 2}})
	missing, err := Merge(filepath.Join(dir, "merged"), shards, "", false)
	if err != nil {
		t.Fatal(err)
	}
	want := "1 of 3 runs missing; " + shards[1] + " short of 1 run of its shard; no run of seed 2"
	if missing.String() != want {
		t.Errorf("missing:\n got %s\nwant %s", missing, want)
	}
	if got := seedRanges([]uint64{1, 3, 4, 5, 9, 10}); got != "1, 3..5, 9..10" {
		t.Errorf("seed ranges: %s", got)
	}

	before, err := os.ReadFile(filepath.Join(shards[0], MetaFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{shards[0], shards[0] + "/", filepath.Join(dir, "x", "..", "s0")} {
		if _, err := Merge(out, shards, "", false); err == nil || !strings.Contains(err.Error(), "is the directory of a shard being merged") {
			t.Errorf("merge into %s: %v", out, err)
		}
	}
	// Nor into a shard's folder that is not merged, even with force: the
	// shard would lose its identity and its runs.
	if _, err := Merge(shards[0], shards[1:], "", true); err == nil || !strings.Contains(err.Error(), "holds shard ") {
		t.Errorf("merge --force into another shard's folder: %v", err)
	}
	if after, _ := os.ReadFile(filepath.Join(shards[0], MetaFile)); !bytes.Equal(after, before) {
		t.Error("a refused merge changed the shard's sweep.json")
	}
}

// The file is parsed once per point, by NewPlan, not once per run: every
// run of a point shares its spec. Runs only read it: after a sweep (with
// -race, on two workers) the shared specs equal freshly loaded ones. A
// plan read back from sweep.json loads its points' specs when asked.
func TestSpecsParsedOncePerPoint(t *testing.T) {
	p := tinyPlan(t, 3, "config.repl-backlog-size=16kb,1mb")
	var shared []*spec.Spec
	for i := range p.Points() {
		a, err := p.Spec(i)
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := p.Spec(i); a != b {
			t.Fatalf("point %d: the spec is loaded again on each call", i)
		}
		shared = append(shared, a)
	}
	dir := t.TempDir()
	runSweep(t, context.Background(), p, Options{Dir: dir, Workers: 2})
	fresh := tinyPlan(t, 3, "config.repl-backlog-size=16kb,1mb")
	m, _, err := ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range shared {
		want, _ := fresh.Spec(i)
		if !reflect.DeepEqual(s, want) {
			t.Errorf("point %d: the runs changed the shared spec", i)
		}
		if got, err := m.Plan.Spec(i); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("point %d of the plan in sweep.json: %v", i, err)
		}
	}
}
