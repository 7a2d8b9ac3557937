package sweep

import (
	"time"

	"github.com/replsim/replsim/scenarios"
)

// Record is one finished run: one line of results.jsonl. It holds the
// run's figures as the table defines them (scenarios.Figures), never a copy
// of one field by field. Everything but WallNs is the same for the same
// plan and run index.
type Record struct {
	Run    int      `json:"run"`
	Point  int      `json:"point"`
	Values []string `json:"values"` // the knobs' values, in the order of Plan.Vary
	Seed   uint64   `json:"seed"`

	TraceSHA256 string `json:"trace_sha256"`
	// Figures are every figure of the run; linearizable is unknown (a
	// sweep leaves the porcupine check out: its wall-clock timeout could
	// make a record depend on the machine).
	Figures scenarios.Values `json:"figures"`
	// Limit is the limit that ended the run, if one did.
	Limit string `json:"limit,omitempty"`
	// OK reports whether the invariants and the scenario's own
	// expectations held, an expectation on linearizability aside.
	OK bool `json:"ok"`

	WallNs int64 `json:"wall_ns"` // the only field that varies between machines

	Timeline *Timeline `json:"timeline,omitempty"`
}

// SimTimeNs is the run's virtual time.
func (r *Record) SimTimeNs() int64 { return r.Figures.Int("sim_time") }

// Timeline is the lag of each replica over one run, and its replication
// events.
type Timeline struct {
	EveryNs  int64    `json:"every_ns"`
	Replicas []string `json:"replicas"`
	// LagBytes[i][k] is replica i's lag behind the master at k*EveryNs,
	// -1 when it was not a replica then.
	LagBytes [][]int64 `json:"lag_bytes"`
	// Events are the replicas' links going down and coming up, each
	// link-up classified as the figures classify it.
	Events []scenarios.SyncEvent `json:"events"`
}

// NewRecord makes the record of one run. every is the sampling period of
// the run's lag samples, if any.
func NewRecord(r, point int, values []string, rec *scenarios.Record, every, wall time.Duration) Record {
	out := Record{
		Run: r, Point: point, Values: values, Seed: rec.Seed,
		TraceSHA256: rec.Facts.TraceSHA, Figures: rec.Figures, Limit: rec.Facts.Limit,
		OK: rec.Verdict.InvariantsOK(), WallNs: int64(wall),
	}
	for _, e := range rec.Expectations {
		if !e.OK && e.Name != "linearizable" {
			out.OK = false
		}
	}
	if samples := rec.Facts.Samples; len(samples) > 0 {
		tl := &Timeline{EveryNs: int64(every), Events: rec.SyncEvents}
		index := map[string]int{}
		for _, sm := range samples {
			k, ok := index[sm.Node]
			if !ok {
				k = len(tl.Replicas)
				index[sm.Node] = k
				tl.Replicas = append(tl.Replicas, sm.Node)
				tl.LagBytes = append(tl.LagBytes, nil)
			}
			// A node that becomes a replica late (a failover) has no
			// samples before: -1 up to its first.
			for at := int64(sm.At) / tl.EveryNs; int64(len(tl.LagBytes[k])) < at; {
				tl.LagBytes[k] = append(tl.LagBytes[k], -1)
			}
			tl.LagBytes[k] = append(tl.LagBytes[k], sm.LagBytes)
		}
		out.Timeline = tl
	}
	return out
}
