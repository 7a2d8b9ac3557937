package reports

import (
	"fmt"
	"math"
	"strings"
)

// Lines explain a recommendation in Redis's units, one statement a line,
// for the terminal and the page alike: the answer with its evidence, the
// rule of thumb it can be checked against (the longest outage seen times
// the stream rate, and Redis's block overshoot), what the answer means in
// full resyncs per day, and that it holds for the modelled load only.
func (r Recommendation) Lines(target float64) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	switch {
	case r.Found && r.Fixed:
		add("recommended: repl-backlog-size %s, the smallest size tried with no full resync (0 in %s); every seed gave the same outcome (fixed faults), so no confidence bound applies and more seeds would not change it",
			r.Value, Plural(r.Point.Fig("reconnects"), "reconnect"))
	case r.Found:
		add("recommended: repl-backlog-size %s: %s in %s (%s, upper 95%% bound %s < target %s)",
			r.Value, Plural(r.Point.Fig("full_resyncs"), "full resync"), Plural(r.Point.Fig("reconnects"), "reconnect"), percent(r.Point.Freq), percent(r.Point.High), percent(target))
	case r.Fixed:
		add("no backlog size tried avoids full resyncs: the largest, %s, had %s in %s under every seed (fixed faults: more seeds would not change it); try larger sizes",
			r.LargestValue, Plural(r.Largest.Fig("full_resyncs"), "full resync"), Plural(r.Largest.Fig("reconnects"), "reconnect"))
	default:
		add("no backlog size tried keeps the upper 95%% bound under %s: the largest, %s, had %s in %s (upper bound %s); with none at all the bound falls under %s only after about %d reconnects: more seeds (--resume --seeds N) or larger sizes",
			percent(target), r.LargestValue, Plural(r.Largest.Fig("full_resyncs"), "full resync"), Plural(r.Largest.Fig("reconnects"), "reconnect"), percent(r.Largest.High), percent(target), reconnectsNeeded(target))
	}
	rt := r.Rule
	if rt.ObservedOutage > 0 && rt.StreamBytesPerSec > 0 {
		add("basis, Redis's rule of thumb (stream rate x longest outage): longest outage seen %s x replication stream %s/s = %s; Redis keeps repl-backlog-size and at most one %s block more, so the outage needs repl-backlog-size >= %s: %s in powers of two",
			formatDuration(rt.ObservedOutage), formatBytes(rt.StreamBytesPerSec), formatBytes(float64(rt.ObservedBytes)),
			formatBytes(blockBytes), formatBytes(float64(rt.ObservedBytes)), sizeLabel(rt.RuleSize()))
		if pt := r.RulePoint; pt != nil && r.RuleValue != r.Value {
			why := ""
			if r.Found && r.Bytes > rt.RuleSize() {
				why = ": not enough, as a replica comes back only on its next once-a-second retry and outages overlap"
			}
			add("  the rule's %s had %s in %s (%s, upper 95%% bound %s)%s",
				r.RuleValue, Plural(pt.Fig("full_resyncs"), "full resync"), Plural(pt.Fig("reconnects"), "reconnect"), percent(pt.Freq), percent(pt.High), why)
		}
	}
	if r.Found && r.Point.ReconnectsPerDay > 0 {
		exp, high := r.Point.FullResyncsPerDay()
		bound := fmt.Sprintf(", at most %s at the upper 95%% bound", formatCount(high))
		if r.Fixed {
			bound = ""
		}
		add("per day: at the modelled outage rate (%s reconnects per simulated day), %s means about %s full resyncs per day%s",
			formatCount(r.Point.ReconnectsPerDay), r.Value, formatCount(exp), bound)
	}
	if rt.StreamBytesPerSec > 0 {
		faults := ""
		if rt.Outage > 0 {
			faults = fmt.Sprintf(" (%s: %s)", rt.OutageHow, formatDuration(rt.Outage))
		}
		add("this holds for the modelled load only: %s/s of replication stream and this scenario's outages%s; more writes or longer outages need a larger backlog",
			formatBytes(rt.StreamBytesPerSec), faults)
	}
	if r.Series != "" {
		for i := range out {
			out[i] = r.Series + ": " + strings.TrimLeft(out[i], " ")
		}
	}
	return out
}

// reconnectsNeeded is the number of reconnects without a full resync after
// which the upper Wilson bound falls under the target: z^2 (1 - t) / t.
func reconnectsNeeded(t float64) int64 { return int64(math.Ceil(z95 * z95 * (1 - t) / t)) }

// formatCount writes a rate to three significant digits (0.012, 2.3, 342).
func formatCount(f float64) string {
	if f == 0 {
		return "0"
	}
	return strings.TrimSuffix(UnitPercent.Format(f), "%")
}
