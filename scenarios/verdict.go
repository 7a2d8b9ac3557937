package scenarios

import (
	"sort"

	"github.com/replsim/replsim/checker"
	"github.com/replsim/replsim/scenarios/world"
)

// verdict.go hands a run's records to the checker and puts its verdict in
// the summary.
//
// What is checked for linearizability: the operations sent to the master
// of the moment (with failovers, the clients follow the new master, and a
// write the demoted master acknowledged and then lost is a violation).
// With sentinels, the operations each client sent to the node it found as
// master: the deployment as a whole is checked, as one register per key,
// so under split brain the writes two masters acknowledged side by side
// are all in the history, and one lost when its master rejoined as a
// replica is missing from the final reads: a violation,
// plus one read per key of the final master's dataset after the heal
// phase. Reads sent to replicas are left out: a replica serves the past by
// design. They are checked against the weaker model "reads from the past"
// (checker.CheckReplicaReads) and measured as stale reads.

// judge runs the checker on the run's records.
func (r *Record) judge(final map[string]checker.Value, opts RunOptions) {
	res := r.Facts
	hist := res.History
	if res.FinalMasterUp && len(hist) > 0 {
		n := len(hist)
		hist = append(hist, checker.FinalReads(res.History, final, res.FinalMaster, int64(res.SimTime))...)
		// The run's history is the checked one's prefix: one array for
		// both, not a copy of a long run's history.
		res.History = hist[:n:n]
	}
	r.History = hist
	r.Timeline = timeline(res)
	prefix := res.Prefix
	in := checker.Input{History: hist, Timeline: r.Timeline, Offsets: res.Offsets, Continues: res.Continues, Prefix: &prefix}
	r.Verdict = checker.Check(in, checker.Options{Timeout: opts.CheckTimeout, Skip: opts.SkipLinearizability})
}

// timeline merges the replication notes and the faults in time order.
func timeline(res *world.Facts) []checker.Event {
	out := make([]checker.Event, 0, len(res.Notes)+len(res.FaultLog))
	for _, n := range res.Notes {
		out = append(out, checker.Event{At: int64(n.At), Kind: n.Kind.String(), Node: n.Node, Peer: n.Peer, Offset: n.Offset})
	}
	out = append(out, res.FaultLog...)
	out = append(out, sentinelEvents(res.SentinelEvents)...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].At < out[j].At })
	return out
}
