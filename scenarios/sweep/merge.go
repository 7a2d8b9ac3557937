package sweep

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// Merge joins the directories of the shards of one sweep into dir: the
// same runs (their targets and numbers of seeds may differ: the merged plan
// has the most seeds, and target, or else the first shard's target), the
// union of their records (sorted by run index), and their sessions. It
// returns the number of runs of the plan that no shard holds.
func Merge(dir string, shards []string, target string) (missing int, err error) {
	if len(shards) == 0 {
		return 0, fmt.Errorf("merge needs at least one sweep directory")
	}
	var meta *Meta
	byRun := map[int]Record{}
	for _, d := range shards {
		m, recs, err := ReadDir(d)
		if err != nil {
			return 0, err
		}
		if meta == nil {
			meta = &Meta{Plan: m.Plan}
		} else if !meta.Plan.sameRuns(&m.Plan) {
			return 0, fmt.Errorf("%s holds another sweep than %s (%s, not %s)", d, shards[0], m.Plan.describe(""), meta.Plan.describe(""))
		}
		meta.Plan.Seeds = max(meta.Plan.Seeds, m.Plan.Seeds)
		meta.Sessions = append(meta.Sessions, m.Sessions...)
		for _, r := range recs {
			if old, dup := byRun[r.Run]; dup && old.TraceSHA256 != r.TraceSHA256 {
				return 0, fmt.Errorf("run %d differs between shards (trace %s vs %s)", r.Run, old.TraceSHA256[:16], r.TraceSHA256[:16])
			}
			byRun[r.Run] = r
		}
	}
	if target != "" {
		meta.Plan.Target = target
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	f, err := os.Create(filepath.Join(dir, ResultsFile))
	if err != nil {
		return 0, err
	}
	for _, r := range sortRecords(byRun) {
		line, err := json.Marshal(r)
		if err == nil {
			_, err = f.Write(append(line, '\n'))
		}
		if err != nil {
			f.Close()
			return 0, err
		}
	}
	if err := f.Close(); err != nil {
		return 0, err
	}
	if err := os.WriteFile(filepath.Join(dir, ScenarioFile), []byte(meta.Plan.Source), 0o644); err != nil {
		return 0, err
	}
	return meta.Plan.Runs() - len(byRun), writeMeta(dir, meta)
}
