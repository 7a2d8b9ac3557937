package scenarios

import (
	"fmt"
	"strings"
	"time"

	"github.com/replsim/replsim/checker"
)

// Text renders the summary simrun run prints: the verdict, then every
// figure of the table by group, named as in expect: and summary.json, then
// the expectations, the checker's findings and the replay line.
func (r *Record) Text() string {
	var b strings.Builder
	verdict := "OK"
	if !r.OK {
		verdict = "FAILED"
	}
	fmt.Fprintf(&b, "%s: %s (seed %d, protocol %s, %s wall, trace %.16s)\n", r.Spec.Name, verdict, r.Seed, r.Spec.Protocol,
		r.WallTime.Round(time.Millisecond), r.Facts.TraceSHA)
	for _, g := range figureGroups {
		var parts []string
		for i := range Figures {
			if f := &Figures[i]; f.Group == g {
				parts = append(parts, f.Name+" "+f.Format(r.Figures[i]))
			}
		}
		fmt.Fprintf(&b, "  %s: %s\n", g, strings.Join(parts, ", "))
	}
	if !r.Facts.Converged {
		fmt.Fprintf(&b, "  not converged: %s\n", r.Facts.ConvergeReason)
	}
	if r.Facts.Limit != "" {
		fmt.Fprintf(&b, "  limit: %s\n", r.Facts.Limit)
	}
	if len(r.Expectations) > 0 {
		b.WriteString("  expectations:\n")
		for _, e := range r.Expectations {
			mark := "ok  "
			switch {
			case e.Inconclusive:
				mark = "??  "
			case !e.OK:
				mark = "FAIL"
			}
			fmt.Fprintf(&b, "    %s %s: want %s, got %s\n", mark, e.Name, e.Want, e.Got)
		}
	}
	writeVerdict(&b, r.Verdict.Linearizability, r.Verdict.Invariants)
	if st := r.Staleness; st != nil && st.Count > 0 {
		fmt.Fprintf(&b, "  staleness of %d stale reads: behind by p50 %s, p99 %s, max %s; replica lag p50 %d, max %d bytes\n",
			st.Count, time.Duration(st.TimeNs.P50).Round(time.Microsecond), time.Duration(st.TimeNs.P99).Round(time.Microsecond),
			time.Duration(st.TimeNs.Max).Round(time.Microsecond), st.LagByte.P50, st.LagByte.Max)
	}
	if e := r.Verdict.Explanation(); e != "" {
		fmt.Fprintf(&b, "  explanation: %s\n", e)
	}
	if r.HistoryHTML != "" {
		fmt.Fprintf(&b, "  visualization: %s\n", r.HistoryHTML)
	}
	fmt.Fprintf(&b, "  replay: %s\n", r.Replay())
	return b.String()
}

// Text renders the verdict on a history file.
func (h *HistoryVerdict) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d operations\n", h.File, h.Ops)
	writeVerdict(&b, h.Verdict.Linearizability, h.Verdict.Invariants)
	if e := h.Verdict.Explanation(); e != "" {
		fmt.Fprintf(&b, "  explanation: %s\n", e)
	}
	return b.String()
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
