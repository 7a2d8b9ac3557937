package sweep

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/replsim/replsim/scenarios/outdir"
)

// Missing is what a merge lacks: the runs of the plan that no directory
// holds, and where they seem to have gone.
type Missing struct {
	Runs  int // runs of the plan in no directory
	Total int // runs of the plan
	// Shards are the shards (i/n) that no directory holds, when every
	// directory holds a shard of the same n.
	Shards []string
	// Short are the directories that hold fewer runs than their shard
	// has (interrupted, or run with fewer seeds), and how many they lack.
	Short []ShortDir
	// Seeds are the seeds of which no directory holds a single run.
	Seeds []uint64
}

// ShortDir is a directory of a merge that lacks runs of its shard.
type ShortDir struct {
	Dir   string
	Lacks int
}

func (m Missing) String() string {
	if m.Runs == 0 {
		return fmt.Sprintf("all %d runs", m.Total)
	}
	parts := []string{fmt.Sprintf("%d of %d runs missing", m.Runs, m.Total)}
	for _, s := range m.Shards {
		parts = append(parts, "shard "+s+" absent")
	}
	for _, s := range m.Short {
		n := fmt.Sprintf("%d runs", s.Lacks)
		if s.Lacks == 1 {
			n = "1 run"
		}
		parts = append(parts, fmt.Sprintf("%s short of %s of its shard", s.Dir, n))
	}
	if len(m.Seeds) > 0 {
		parts = append(parts, "no run of seed "+seedRanges(m.Seeds))
	}
	return strings.Join(parts, "; ")
}

// shardDir is one directory of a merge.
type shardDir struct {
	dir   string
	shard Shard
	runs  int
}

// Merge joins the directories of the shards of one sweep into dir: the
// same runs (their targets and numbers of seeds may differ: the merged plan
// has the most seeds, and target, or else the first shard's target), the
// union of their records (sorted by run index), and their sessions. It
// writes what it has even when runs are missing, and says which. dir may
// not be one of the shards' directories, nor hold a shard at all, even
// with force: the merge would replace its sweep.json, and with it the
// shard it holds (a later --shard i/n --resume there would be refused).
func Merge(dir string, shards []string, target string, force bool) (Missing, error) {
	if len(shards) == 0 {
		return Missing{}, refuse("merge needs at least one sweep directory")
	}
	for _, d := range shards {
		if sameDir(dir, d) {
			return Missing{}, refuse("--out %s is the directory of a shard being merged; merging into it would replace that shard's sweep.json: use another --out", dir)
		}
	}
	if old, _, err := ReadDir(dir); err == nil && old.Shard != "" {
		return Missing{}, refuse("--out %s holds shard %s of a sweep; merging into it would erase that shard, --force or not: name it among the directories to merge, and use another --out", dir, old.Shard)
	}
	if !force && HoldsRuns(dir) {
		return Missing{}, refuse("--out %s already holds a sweep; merging into it would replace it: use another --out, or --force", dir)
	}
	meta, byRun, dirs, err := readShards(shards)
	if err != nil {
		return Missing{}, &Refusal{Msg: err.Error()} // shards that cannot be read or joined
	}
	if target != "" {
		meta.Plan.Target = target
	}
	if err := writeMerged(dir, meta, byRun); err != nil {
		return Missing{}, err
	}
	return findMissing(&meta.Plan, byRun, dirs), nil
}

// readShards reads the shards' directories: the merged meta, the records
// by run, and what each directory holds.
func readShards(shards []string) (*Meta, map[int]Record, []shardDir, error) {
	var meta *Meta
	byRun := map[int]Record{}
	var dirs []shardDir
	for _, d := range shards {
		m, recs, err := ReadDir(d)
		if err != nil {
			return nil, nil, nil, err
		}
		if meta == nil {
			meta = &Meta{Plan: m.Plan}
		} else if !meta.Plan.sameRuns(&m.Plan) {
			return nil, nil, nil, fmt.Errorf("%s holds another sweep than %s (%s, not %s)", d, shards[0], m.Plan.describe(""), meta.Plan.describe(""))
		}
		meta.Plan.Seeds = max(meta.Plan.Seeds, m.Plan.Seeds)
		meta.Sessions = append(meta.Sessions, m.Sessions...)
		for _, r := range recs {
			if old, dup := byRun[r.Run]; dup && old.TraceSHA256 != r.TraceSHA256 {
				return nil, nil, nil, fmt.Errorf("run %d differs between shards (trace %s vs %s)", r.Run, old.TraceSHA256[:16], r.TraceSHA256[:16])
			}
			byRun[r.Run] = r
		}
		sh, _ := ParseShard(m.Shard) // "" or malformed: the whole sweep
		dirs = append(dirs, shardDir{dir: d, shard: sh, runs: len(recs)})
	}
	return meta, byRun, dirs, nil
}

func writeMerged(dir string, meta *Meta, byRun map[int]Record) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := outdir.Create(filepath.Join(dir, ResultsFile))
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	for _, r := range sortRecords(byRun) {
		line, err := json.Marshal(r)
		if err == nil {
			_, err = w.Write(append(line, '\n'))
		}
		if err != nil {
			f.Abort()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		f.Abort()
		return err
	}
	if err := f.Commit(); err != nil {
		return err
	}
	if err := outdir.WriteFile(filepath.Join(dir, ScenarioFile), []byte(meta.Plan.Source)); err != nil {
		return err
	}
	return writeMeta(dir, meta)
}

// findMissing says which runs of the plan no directory holds, which
// shards seem absent, which directories are short, and which seeds have
// no run at all.
func findMissing(p *Plan, byRun map[int]Record, dirs []shardDir) Missing {
	m := Missing{Total: p.Runs(), Runs: p.Runs() - len(byRun)}
	if m.Runs == 0 {
		return m
	}
	held := map[int]bool{}
	for _, d := range dirs {
		if d.shard.N != dirs[0].shard.N {
			clear(held)
			break
		}
		held[d.shard.I] = true
	}
	if n := dirs[0].shard.N; n > 1 && len(held) > 0 {
		for i := range n {
			if !held[i] {
				m.Shards = append(m.Shards, Shard{I: i, N: n}.String())
			}
		}
	}
	for _, d := range dirs {
		want := 0
		for r := range p.Runs() {
			if p.InShard(d.shard, r) {
				want++
			}
		}
		if d.runs < want {
			m.Short = append(m.Short, ShortDir{Dir: d.dir, Lacks: want - d.runs})
		}
	}
	seen := make([]bool, p.Seeds)
	for r := range byRun {
		_, seed := p.PointSeed(r)
		seen[seed-1] = true
	}
	for k, ok := range seen {
		if !ok {
			m.Seeds = append(m.Seeds, uint64(k)+1)
		}
	}
	return m
}

// seedRanges renders sorted seeds compactly: 3, 5..9, 12.
func seedRanges(seeds []uint64) string {
	var parts []string
	for i := 0; i < len(seeds); {
		j := i
		for j+1 < len(seeds) && seeds[j+1] == seeds[j]+1 {
			j++
		}
		if j == i {
			parts = append(parts, fmt.Sprint(seeds[i]))
		} else {
			parts = append(parts, fmt.Sprintf("%d..%d", seeds[i], seeds[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}

// sameDir reports whether two paths name the same directory.
func sameDir(a, b string) bool {
	if absA, err := filepath.Abs(a); err == nil {
		if absB, err := filepath.Abs(b); err == nil && absA == absB {
			return true
		}
	}
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(sa, sb)
}
