package scenarios

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/replsim/replsim/checker"
	"github.com/replsim/replsim/scenarios/world"
)

// verdict.go hands a run's records to the checker and puts its verdict in
// the summary.
//
// What is checked for linearizability: the operations sent to the master
// of the moment (with failovers, the clients follow the new master, and a
// write the demoted master acknowledged and then lost is a violation),
// plus one read per key of the final master's dataset after the heal
// phase. Reads sent to replicas are left out: a replica serves the past by
// design. They are checked against the weaker model "reads from the past"
// (checker.CheckReplicaReads) and measured as stale reads.

// judge runs the checker and fills the verdict fields of the summary.
func (sum *Summary) judge(res *world.Result, final map[string]string, opts RunOptions) {
	hist := res.History
	if res.FinalMasterUp && len(hist) > 0 {
		hist = append(append([]checker.Op(nil), res.History...),
			checker.FinalReads(res.History, final, res.FinalMaster, int64(res.SimTime))...)
	}
	sum.history = hist
	sum.timeline = timeline(res)
	prefix := res.Prefix
	in := checker.Input{History: hist, Timeline: sum.timeline, Offsets: res.Offsets, Continues: res.Continues, Prefix: &prefix}
	v := checker.Check(in, checker.Options{Timeout: opts.CheckTimeout, Skip: opts.SkipLinearizability})
	sum.verdict = v
	sum.Invariants = v.Invariants
	sum.Explanation = v.Explanation()
	sum.Linearizability = v.Linearizability
	sum.Linearizable = v.Linearizability.Linearizable()
}

// timeline merges the replication notes and the faults in time order.
func timeline(res *world.Result) []checker.Event {
	out := make([]checker.Event, 0, len(res.Notes)+len(res.FaultLog))
	for _, n := range res.Notes {
		out = append(out, checker.Event{At: int64(n.At), Kind: n.Kind.String(), Node: n.Node, Peer: n.Peer, Offset: n.Offset})
	}
	out = append(out, res.FaultLog...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].At < out[j].At })
	return out
}

// verdictText renders the verdict for Text.
func (sum *Summary) verdictText(b *strings.Builder) {
	writeVerdict(b, sum.Linearizability, sum.Invariants)
	if st := sum.Staleness; st != nil && st.Count > 0 {
		fmt.Fprintf(b, "  staleness of %d stale reads: behind by p50 %s, p99 %s, max %s; replica lag p50 %d, max %d bytes\n",
			st.Count, time.Duration(st.TimeNs.P50).Round(time.Microsecond), time.Duration(st.TimeNs.P99).Round(time.Microsecond),
			time.Duration(st.TimeNs.Max).Round(time.Microsecond), st.LagByte.P50, st.LagByte.Max)
	}
	if sum.Explanation != "" {
		fmt.Fprintf(b, "  explanation: %s\n", sum.Explanation)
	}
	if sum.HistoryHTML != "" {
		fmt.Fprintf(b, "  visualization: %s\n", sum.HistoryHTML)
	}
}

// writeVerdict renders what the linearizability check covered and found,
// and the invariants.
func writeVerdict(b *strings.Builder, l *checker.Linearizability, invariants []checker.Invariant) {
	if l != nil && l.Result == checker.ResultNotChecked {
		b.WriteString("  linearizability: not checked\n")
	} else if l != nil {
		fmt.Fprintf(b, "  linearizability: %s (%d ops over %d keys", l.Result, l.CheckedOps, l.Keys)
		if l.FinalReads > 0 {
			fmt.Fprintf(b, ", with %d reads of the final dataset", l.FinalReads)
		}
		fmt.Fprintf(b, "; %d unknown writes at +infinity (%d never observed, left out); %d unknown reads dropped; %d failed ops left out",
			l.UnknownWrites, l.UnobservedUnknownWrites, l.UnknownReadsDropped, l.FailedLeftOut)
		if l.ReplicaReadsExcluded > 0 {
			fmt.Fprintf(b, "; %d reads sent to replicas excluded, checked as reads from the past", l.ReplicaReadsExcluded)
		}
		b.WriteString(")\n")
	}
	var parts []string
	for _, i := range invariants {
		state := fmt.Sprintf("ok (%d)", i.Checked)
		switch {
		case !i.OK():
			state = fmt.Sprintf("BROKEN %d times (%d)", i.Violations, i.Checked)
		case i.Checked == 0 && i.Note != "":
			state = "not checked: " + i.Note
		}
		parts = append(parts, i.Name+" "+state)
	}
	if len(parts) > 0 {
		fmt.Fprintf(b, "  invariants: %s\n", strings.Join(parts, ", "))
	}
}
