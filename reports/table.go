package reports

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"github.com/replsim/replsim/scenarios/sweep"
)

// Point is the aggregate of the runs of one point of a sweep.
type Point struct {
	Index  int
	Values []string // the knobs' values, in the order of the plan's Vary
	Runs   int

	Reconnects     int64
	ReconnectsFull int64
	// Freq is ReconnectsFull / Reconnects, and [Low, High] its 95% Wilson
	// interval; Freq is NaN without reconnects.
	Freq, Low, High float64

	FullResyncs   int64
	SyncFull      int64
	SnapshotBytes int64 // over every run
	StreamBytes   int64
	// MasterReplOffset is summed over runs: the stream the writes made.
	MasterReplOffset int64
	OutageMaxNs      int64
	LostWrites       int64
	StaleReads       int64
	NotConverged     int
	HealMeanNs       int64 // over the converged runs
	HealMaxNs        int64
	SimTimeNs        int64
	WallNs           int64
}

// Aggregate groups records by point, in the plan's order of points; points
// without records are left out.
func Aggregate(p *sweep.Plan, recs []sweep.Record) []Point {
	byPoint := make([]*Point, p.Points())
	var healSum = make([]int64, p.Points())
	for _, r := range recs {
		pt := byPoint[r.Point]
		if pt == nil {
			pt = &Point{Index: r.Point, Values: p.Values(r.Point)}
			byPoint[r.Point] = pt
		}
		pt.Runs++
		pt.Reconnects += r.Reconnects
		pt.ReconnectsFull += r.ReconnectsFull
		pt.FullResyncs += r.FullResyncs
		pt.SyncFull += r.SyncFull
		pt.SnapshotBytes += r.SnapshotBytes
		pt.StreamBytes += r.StreamBytes
		pt.MasterReplOffset += r.MasterReplOffset
		pt.OutageMaxNs = max(pt.OutageMaxNs, r.OutageMaxNs)
		pt.LostWrites += r.LostWrites
		pt.StaleReads += r.StaleReads
		pt.SimTimeNs += r.SimTimeNs
		pt.WallNs += r.WallNs
		if r.Converged {
			healSum[r.Point] += r.HealNs
			pt.HealMaxNs = max(pt.HealMaxNs, r.HealNs)
		} else {
			pt.NotConverged++
		}
	}
	var out []Point
	for i, pt := range byPoint {
		if pt == nil {
			continue
		}
		if c := int64(pt.Runs - pt.NotConverged); c > 0 {
			pt.HealMeanNs = healSum[i] / c
		}
		pt.Freq = nan
		if pt.Reconnects > 0 {
			pt.Freq = float64(pt.ReconnectsFull) / float64(pt.Reconnects)
		}
		pt.Low, pt.High = Wilson(pt.ReconnectsFull, pt.Reconnects)
		out = append(out, *pt)
	}
	return out
}

// WriteResultsCSV writes results.csv: one row per run, sorted by run index,
// without the wall-clock time.
func WriteResultsCSV(w io.Writer, p *sweep.Plan, recs []sweep.Record) error {
	cw := csv.NewWriter(w)
	head := []string{"run"}
	head = append(head, p.Keys()...)
	head = append(head, "seed", "sim_time_s", "events", "reconnects", "reconnects_full",
		"full_resyncs", "partial_resyncs", "sync_full", "snapshot_bytes", "stream_bytes",
		"master_repl_offset", "outage_max_s", "writes_acked", "writes_rejected", "lost_writes",
		"stale_reads", "invariant_violations", "converged", "heal_s", "limit", "ok", "trace_sha256")
	cw.Write(head)
	for _, r := range recs {
		row := []string{itoa(int64(r.Run))}
		row = append(row, r.Values...)
		row = append(row, strconv.FormatUint(r.Seed, 10), seconds(r.SimTimeNs), strconv.FormatUint(r.Events, 10),
			itoa(r.Reconnects), itoa(r.ReconnectsFull), itoa(r.FullResyncs), itoa(r.PartialResyncs),
			itoa(r.SyncFull), itoa(r.SnapshotBytes), itoa(r.StreamBytes), itoa(r.MasterReplOffset),
			seconds(r.OutageMaxNs), itoa(r.WritesAcked), itoa(r.WritesRejected), itoa(r.LostWrites),
			itoa(r.StaleReads), itoa(r.InvariantViolations), strconv.FormatBool(r.Converged), seconds(r.HealNs), r.Limit,
			strconv.FormatBool(r.OK), r.TraceSHA256)
		cw.Write(row)
	}
	cw.Flush()
	return cw.Error()
}

// WriteSummaryCSV writes summary.csv: one row per point.
func WriteSummaryCSV(w io.Writer, p *sweep.Plan, points []Point) error {
	cw := csv.NewWriter(w)
	head := append(p.Keys(), "runs", "reconnects", "reconnects_full", "full_resync_freq",
		"ci95_low", "ci95_high", "full_resyncs", "sync_full", "snapshot_bytes_per_run",
		"stream_bytes_per_run", "converge_s_mean", "converge_s_max", "not_converged",
		"lost_writes", "stale_reads", "outage_max_s")
	cw.Write(head)
	for _, pt := range points {
		row := append([]string(nil), pt.Values...)
		runs := int64(pt.Runs)
		row = append(row, itoa(runs), itoa(pt.Reconnects), itoa(pt.ReconnectsFull),
			ratio(pt.Freq), ratio(pt.Low), ratio(pt.High), itoa(pt.FullResyncs), itoa(pt.SyncFull),
			itoa(pt.SnapshotBytes/runs), itoa(pt.StreamBytes/runs), seconds(pt.HealMeanNs),
			seconds(pt.HealMaxNs), itoa(int64(pt.NotConverged)), itoa(pt.LostWrites),
			itoa(pt.StaleReads), seconds(pt.OutageMaxNs))
		cw.Write(row)
	}
	cw.Flush()
	return cw.Error()
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// seconds renders nanoseconds as seconds with millisecond precision, in
// integer arithmetic.
func seconds(ns int64) string {
	sign := ""
	if ns < 0 {
		sign, ns = "-", -ns
	}
	ms := (ns + 500_000) / 1_000_000
	return fmt.Sprintf("%s%d.%03d", sign, ms/1000, ms%1000)
}

// ratio renders a proportion with four decimals; NaN is empty.
func ratio(f float64) string {
	if f != f {
		return ""
	}
	return strconv.FormatFloat(f, 'f', 4, 64)
}
