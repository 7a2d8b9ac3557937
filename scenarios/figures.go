package scenarios

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/replsim/replsim/checker"
)

// figures.go is the one definition of every figure of a run: its name,
// kind, unit, a one-line doc and the function that computes it from the
// run's raw facts. Expectations (expect:), summary.json, the printed
// summary, a sweep's rows, results.csv, summary.csv, the report's tables
// and its plots all read this table; docs/figures.md is generated from it.

// Kind is what a figure measures, which fixes how it is written and how a
// sweep aggregates it over the runs of a point.
type Kind uint8

const (
	KindCount    Kind = iota + 1 // a whole number of things
	KindBytes                    // a number of bytes
	KindDuration                 // a span of virtual time (kept in ns, written in seconds)
	KindBool                     // true or false; may be unknown
	KindReasons                  // counts by reason
)

func (k Kind) String() string {
	switch k {
	case KindCount:
		return "count"
	case KindBytes:
		return "bytes"
	case KindDuration:
		return "duration"
	case KindBool:
		return "bool"
	case KindReasons:
		return "reasons"
	}
	return "kind?"
}

// Agg is how a sweep sums a figure up over the runs of one point.
type Agg uint8

const (
	AggSum       Agg = iota + 1 // the total over the runs
	AggMax                      // the largest of the runs
	AggCountTrue                // the number of runs where it was true
)

func (a Agg) String() string {
	switch a {
	case AggSum:
		return "sum over the runs"
	case AggMax:
		return "the largest of the runs"
	case AggCountTrue:
		return "runs where true"
	}
	return "agg?"
}

// Figure is one named figure of a run.
type Figure struct {
	Name  string
	Kind  Kind
	Unit  string // "", "bytes", "s"
	Agg   Agg
	Group string // the line of the printed summary it is on
	Doc   string
	// Expectable: an expect: may name it.
	Expectable bool
	value      func(*Record) Value
}

// Value is one figure's value in one run. Known is false when the run did
// not measure it (linearizable when the check was left out or ran out of
// time); Int holds counts, bytes, nanoseconds, and 0 or 1 for a bool.
type Value struct {
	Known   bool
	Int     int64
	Reasons map[string]int64
}

func known(n int64) Value { return Value{Known: true, Int: n} }

func knownBool(b bool) Value {
	if b {
		return known(1)
	}
	return known(0)
}

func knownDur(d time.Duration) Value { return known(int64(d)) }

// The groups of the printed summary, in order.
var figureGroups = []string{"run", "replication", "info", "writes", "failover", "latency", "checks"}

// Figures is the table. Its order is the order of every output.
var Figures = []Figure{
	{Name: "sim_time", Kind: KindDuration, Unit: "s", Agg: AggSum, Group: "run",
		Doc:   "Virtual time the run lasted: the fault phase and the heal phase.",
		value: func(r *Record) Value { return knownDur(r.Facts.SimTime) }},
	{Name: "events", Kind: KindCount, Agg: AggSum, Group: "run",
		Doc:   "Events the scheduler fired.",
		value: func(r *Record) Value { return known(int64(r.Facts.Events)) }},
	{Name: "heal_time", Kind: KindDuration, Unit: "s", Agg: AggMax, Group: "run", Expectable: true,
		Doc:   "How long the heal phase (faults lifted, workload stopped) ran: until the replicas converged, checked every 100ms, or its bound.",
		value: func(r *Record) Value { return knownDur(max(0, r.Facts.SimTime-r.Spec.Duration)) }},

	{Name: "first_syncs", Kind: KindCount, Agg: AggSum, Group: "replication", Expectable: true,
		Doc:   "Initial full syncs of the nodes that start the run as replicas, one per replica that began one; retries are part of it.",
		value: func(r *Record) Value { return known(r.syncs.firstSyncs) }},
	{Name: "first_sync_retries", Kind: KindCount, Agg: AggSum, Group: "replication", Expectable: true,
		Doc:   "Full syncs started again before a replica's first sync completed (the master dropped it mid-sync, or the link broke).",
		value: func(r *Record) Value { return known(r.syncs.firstSyncRetries) }},
	{Name: "reconnects", Kind: KindCount, Agg: AggSum, Group: "replication", Expectable: true,
		Doc:   "Links of a node to its master that came up after its first sync: every link-up but the first syncs. Always full_resyncs + partial_resyncs.",
		value: func(r *Record) Value { return known(r.syncs.reconnects) }},
	{Name: "full_resyncs", Kind: KindCount, Agg: AggSum, Group: "replication", Expectable: true,
		Doc:   "Reconnects that needed a snapshot: the last answer to the node's PSYNC before its link came up was +FULLRESYNC (or it used SYNC).",
		value: func(r *Record) Value { return known(r.syncs.full) }},
	{Name: "partial_resyncs", Kind: KindCount, Agg: AggSum, Group: "replication", Expectable: true,
		Doc:   "Reconnects served from the master's backlog (+CONTINUE).",
		value: func(r *Record) Value { return known(r.syncs.partial) }},
	{Name: "full_resync_reasons", Kind: KindReasons, Agg: AggSum, Group: "replication",
		Doc: "Full resyncs by reason, as the engine logged it: backlog (offset outside the backlog window), replid (replication ID mismatch), " +
			"no-backlog (the master had none), no-cached-master (the replica had lost its state), protocol (SYNC, or a protocol without partial resyncs), " +
			"output-buffer (the master dropped the replica mid-sync for its output buffer, and it started over).",
		value: func(r *Record) Value { return Value{Known: true, Reasons: maps.Clone(r.syncs.reasons)} }},
	{Name: "outage_max", Kind: KindDuration, Unit: "s", Agg: AggMax, Group: "replication", Expectable: true,
		Doc:   "The longest time a replica's link to its master stayed down, from link-down to the next link-up.",
		value: func(r *Record) Value { return knownDur(r.syncs.outageMax) }},
	{Name: "snapshot_bytes", Kind: KindBytes, Unit: "bytes", Agg: AggSum, Group: "replication", Expectable: true,
		Doc:   "Bytes every node sent as RDB snapshots for full syncs.",
		value: func(r *Record) Value { return r.nodeSum(func(s nodeStats) int64 { return s.SnapshotBytesSent }) }},
	{Name: "stream_bytes", Kind: KindBytes, Unit: "bytes", Agg: AggSum, Group: "replication", Expectable: true,
		Doc:   "Bytes every node sent as the replication stream (backlog replays included).",
		value: func(r *Record) Value { return r.nodeSum(func(s nodeStats) int64 { return s.StreamBytesSent }) }},
	{Name: "master_repl_offset", Kind: KindBytes, Unit: "bytes", Agg: AggSum, Group: "replication",
		Doc: "The final master's master_repl_offset: the replication stream the writes made.",
		value: func(r *Record) Value {
			return known(r.Facts.Nodes[r.Facts.FinalMaster].MasterReplOffset)
		}},

	{Name: "mem_total_replication_buffers", Kind: KindBytes, Unit: "bytes", Agg: AggMax, Group: "replication",
		Doc: "The final master's INFO memory mem_total_replication_buffers at the end of the run: the memory its backlog (and the replicas' output buffers, which share it) holds.",
		value: func(r *Record) Value {
			return known(r.Facts.Nodes[r.Facts.FinalMaster].MemTotalReplicationBuffers)
		}},

	{Name: "sync_full", Kind: KindCount, Agg: AggSum, Group: "info", Expectable: true,
		Doc:   "INFO stats sync_full summed over the nodes: full syncs served, first syncs and their retries included.",
		value: func(r *Record) Value { return r.nodeSum(func(s nodeStats) int64 { return s.SyncFull }) }},
	{Name: "sync_partial_ok", Kind: KindCount, Agg: AggSum, Group: "info", Expectable: true,
		Doc:   "INFO stats sync_partial_ok summed over the nodes: PSYNCs accepted.",
		value: func(r *Record) Value { return r.nodeSum(func(s nodeStats) int64 { return s.SyncPartialOK }) }},
	{Name: "sync_partial_err", Kind: KindCount, Agg: AggSum, Group: "info", Expectable: true,
		Doc:   "INFO stats sync_partial_err summed over the nodes: PSYNCs with a replication ID refused (PSYNC ? -1 is not counted).",
		value: func(r *Record) Value { return r.nodeSum(func(s nodeStats) int64 { return s.SyncPartialErr }) }},
	{Name: "replica_timeouts", Kind: KindCount, Agg: AggSum, Group: "info", Expectable: true,
		Doc: "Replicas a master dropped after repl-timeout without a REPLCONF ACK.",
		value: func(r *Record) Value {
			return r.nodeSum(func(s nodeStats) int64 { return s.ReplicaDisconnectsTimeout })
		}},
	{Name: "output_buffer_disconnects", Kind: KindCount, Agg: AggSum, Group: "info", Expectable: true,
		Doc: "Replicas a master dropped for crossing client-output-buffer-limit replica.",
		value: func(r *Record) Value {
			return r.nodeSum(func(s nodeStats) int64 { return s.ReplicaDisconnectsOutputBuffer })
		}},
	{Name: "master_link_timeouts", Kind: KindCount, Agg: AggSum, Group: "info", Expectable: true,
		Doc:   "Times a replica gave up on a master silent for repl-timeout.",
		value: func(r *Record) Value { return r.nodeSum(func(s nodeStats) int64 { return s.MasterLinkTimeouts }) }},

	{Name: "operations", Kind: KindCount, Agg: AggSum, Group: "writes", Expectable: true,
		Doc:   "Operations the clients issued, reads included.",
		value: func(r *Record) Value { return known(int64(r.Facts.Operations)) }},
	{Name: "writes_acked", Kind: KindCount, Agg: AggSum, Group: "writes", Expectable: true,
		Doc:   "Writes that got a reply other than an error.",
		value: func(r *Record) Value { return known(r.writes.acked) }},
	{Name: "writes_rejected", Kind: KindCount, Agg: AggSum, Group: "writes", Expectable: true,
		Doc:   "Writes answered with an error (NOREPLICAS, READONLY, ...).",
		value: func(r *Record) Value { return known(r.writes.rejected) }},
	{Name: "noreplicas_errors", Kind: KindCount, Agg: AggSum, Group: "writes", Expectable: true,
		Doc:   "Writes refused with -NOREPLICAS: min-replicas-to-write was not met.",
		value: func(r *Record) Value { return known(r.writes.noreplicas) }},
	{Name: "lost_writes", Kind: KindCount, Agg: AggSum, Group: "writes", Expectable: true,
		Doc:   "Acknowledged writes missing from the final master's dataset and not overwritten by a later write.",
		value: func(r *Record) Value { return known(r.writes.lost) }},
	{Name: "lost_waited_writes", Kind: KindCount, Agg: AggSum, Group: "writes", Expectable: true,
		Doc:   "Lost writes that WAIT had reported as reached by the replicas it asked for.",
		value: func(r *Record) Value { return known(r.writes.lostWaited) }},
	{Name: "stale_reads", Kind: KindCount, Agg: AggSum, Group: "writes", Expectable: true,
		Doc:   "Reads sent to replicas that returned a value older than the master's at the time of the call.",
		value: func(r *Record) Value { return known(r.writes.stale) }},

	{Name: "failovers_started", Kind: KindCount, Agg: AggSum, Group: "failover", Expectable: true,
		Doc:   "Failover attempts the sentinels started: +try-failover events, one per sentinel and epoch (0 without sentinels). Each ends completed or aborted, unless the run ended first.",
		value: func(r *Record) Value { return known(r.failovers.started) }},
	{Name: "failovers_completed", Kind: KindCount, Agg: AggSum, Group: "failover", Expectable: true,
		Doc:   "Failovers a leader sentinel carried to the end: +failover-end or +failover-end-for-timeout events.",
		value: func(r *Record) Value { return known(r.failovers.completed) }},
	{Name: "failovers_aborted", Kind: KindCount, Agg: AggSum, Group: "failover", Expectable: true,
		Doc:   "Failover attempts abandoned: -failover-abort-not-elected (no majority of votes in time), -failover-abort-no-good-slave, -failover-abort-slave-timeout.",
		value: func(r *Record) Value { return known(r.failovers.aborted) }},
	{Name: "write_unavailability", Kind: KindDuration, Unit: "s", Agg: AggMax, Group: "failover", Expectable: true,
		Doc: "From the master's failure (the first fault that took the starting master down or away: a crash, restart or pause of it, a disconnect, stall or partition of a link between it and a client or a sentinel, or a failover fault) " +
			"to the reply of the first write another node acknowledged after it; when none did (no failover), to the reply of the first write called after it that the starting master acknowledged; when writes were tried after it but none was acknowledged, to the end of the fault phase. 0 without such a fault, or without a write tried after it.",
		value: (*Record).writeUnavailability},
	{Name: "split_brain_time", Kind: KindDuration, Unit: "s", Agg: AggMax, Group: "failover", Expectable: true,
		Doc: "Time two nodes accepted writes at once: the run cut into 100ms slices (by the reply time of each acknowledged write sent to a master), " +
			"the slices in which writes were acknowledged by two or more different nodes, times 100ms.",
		value: func(r *Record) Value { return knownDur(time.Duration(len(r.acks.multi)) * splitBrainSlice) }},

	latencyFigure("write", "Writes (SET, APPEND, DEL, INCR)", "p50", func(l *checker.Latencies) int64 { return l.Quantile(0.5) }),
	latencyFigure("write", "Writes (SET, APPEND, DEL, INCR)", "p99", func(l *checker.Latencies) int64 { return l.Quantile(0.99) }),
	latencyFigure("write", "Writes (SET, APPEND, DEL, INCR)", "max", (*checker.Latencies).Max),
	latencyFigure("read", "Reads (GET, from the master or a replica)", "p50", func(l *checker.Latencies) int64 { return l.Quantile(0.5) }),
	latencyFigure("read", "Reads (GET, from the master or a replica)", "p99", func(l *checker.Latencies) int64 { return l.Quantile(0.99) }),
	latencyFigure("read", "Reads (GET, from the master or a replica)", "max", (*checker.Latencies).Max),

	{Name: "converged", Kind: KindBool, Agg: AggCountTrue, Group: "checks", Expectable: true,
		Doc:   "At the end every node was up and every replica linked, caught up and holding the master's data.",
		value: func(r *Record) Value { return knownBool(r.Facts.Converged) }},
	{Name: "linearizable", Kind: KindBool, Agg: AggCountTrue, Group: "checks", Expectable: true,
		Doc: "Porcupine found the master's history (plus a read of every key at the end) linearizable; unknown when the check was left out (sweeps) or ran out of time or memory.",
		value: func(r *Record) Value {
			if l := r.Verdict.Linearizability.Linearizable(); l != nil {
				return knownBool(*l)
			}
			return Value{}
		}},
	{Name: "invariant_violations", Kind: KindCount, Agg: AggSum, Group: "checks", Expectable: true,
		Doc: "Violations of the replication invariants (prefix, offsets-monotonic, partial-resync-in-backlog, replica-reads-from-the-past); any fails the run.",
		value: func(r *Record) Value {
			var n int64
			for _, inv := range r.Verdict.Invariants {
				n += inv.Violations
			}
			return known(n)
		}},
}

// latencyFigure is the figure <kind>_latency_<stat> (kind "read" or
// "write"; stat p50, p99 or max) of the record's latency histograms.
func latencyFigure(kind, what, stat string, of func(*checker.Latencies) int64) Figure {
	which := map[string]string{"p50": "the median", "p99": "the 99th percentile", "max": "the largest"}[stat]
	precision := "to 1/64"
	if stat == "max" {
		precision = "exact"
	}
	return Figure{Name: kind + "_latency_" + stat, Kind: KindDuration, Unit: "s", Agg: AggMax, Group: "latency", Expectable: true,
		Doc: what + " answered (an error included): " + which + " of the time from call to reply, in virtual time (" + precision +
			"); 0 without any. A sweep keeps the largest of its runs.",
		value: func(r *Record) Value {
			if kind == "read" {
				return known(of(&r.writes.readLat))
			}
			return known(of(&r.writes.writeLat))
		}}
}

// FigureByName returns the figure of the table with that name.
func FigureByName(name string) (*Figure, bool) {
	i := slices.IndexFunc(Figures, func(f Figure) bool { return f.Name == name })
	if i < 0 {
		return nil, false
	}
	return &Figures[i], true
}

// FigureIndex returns the position of the named figure in the table, or
// -1.
func FigureIndex(name string) int {
	return slices.IndexFunc(Figures, func(f Figure) bool { return f.Name == name })
}

// expectableNames lists the names of the figures an expectation may name.
func expectableNames() []string {
	var out []string
	for _, f := range Figures {
		if f.Expectable {
			out = append(out, f.Name)
		}
	}
	return out
}

// Values are the figures of one run (or of the runs of a point), in the
// order of the table.
type Values []Value

// Get returns the value of the named figure; it panics on a name that is
// not in the table, which is a bug of the caller.
func (vs Values) Get(name string) Value {
	for i, f := range Figures {
		if f.Name == name && i < len(vs) {
			return vs[i]
		}
	}
	panic("scenarios: no figure " + name)
}

// Int returns a figure's number (0 when unknown).
func (vs Values) Int(name string) int64 { return vs.Get(name).Int }

// Format renders a value for people: counts as numbers, bytes in binary
// units, durations rounded, reasons as reason=count, unknown as "unknown".
func (f *Figure) Format(v Value) string {
	if !v.Known {
		return "unknown"
	}
	switch f.Kind {
	case KindBytes:
		return formatBytes(v.Int)
	case KindDuration:
		return roundDuration(time.Duration(v.Int)).String()
	case KindBool:
		return strconv.FormatBool(v.Int != 0)
	case KindReasons:
		return formatReasons(v.Reasons, " ", "none")
	}
	return strconv.FormatInt(v.Int, 10)
}

// Cell renders a value for a CSV cell: numbers in the figure's unit
// (durations in seconds, to the nanosecond), reasons as reason:count
// separated by spaces, unknown as an empty cell.
func (f *Figure) Cell(v Value) string {
	if !v.Known {
		return ""
	}
	switch f.Kind {
	case KindDuration:
		return seconds(v.Int)
	case KindBool:
		return strconv.FormatBool(v.Int != 0)
	case KindReasons:
		return formatReasons(v.Reasons, " ", "")
	}
	return strconv.FormatInt(v.Int, 10)
}

// appendJSON appends a value as JSON: numbers, seconds for durations,
// true/false, an object for reasons, null when unknown.
func (f *Figure) appendJSON(b []byte, v Value) []byte {
	if !v.Known {
		return append(b, "null"...)
	}
	switch f.Kind {
	case KindReasons:
		enc, _ := json.Marshal(v.Reasons) // a map[string]int64 always encodes, keys sorted
		if v.Reasons == nil {
			enc = []byte("{}")
		}
		return append(b, enc...)
	}
	return append(b, f.Cell(v)...)
}

// parseJSON reads a value written by appendJSON.
func (f *Figure) parseJSON(raw json.RawMessage) (Value, error) {
	if string(raw) == "null" {
		return Value{}, nil
	}
	switch f.Kind {
	case KindReasons:
		var m map[string]int64
		if err := json.Unmarshal(raw, &m); err != nil {
			return Value{}, err
		}
		return Value{Known: true, Reasons: m}, nil
	case KindBool:
		var b bool
		if err := json.Unmarshal(raw, &b); err != nil {
			return Value{}, err
		}
		return knownBool(b), nil
	case KindDuration:
		ns, err := parseSeconds(string(raw))
		return known(ns), err
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		return Value{}, fmt.Errorf("want a whole number, got %s", raw)
	}
	return known(n), nil
}

// MarshalJSON writes the values as one object, in the table's order.
func (vs Values) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for i := range Figures {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, Figures[i].Name)
		b = append(b, ':')
		var v Value
		if i < len(vs) {
			v = vs[i]
		}
		b = Figures[i].appendJSON(b, v)
	}
	return append(b, '}'), nil
}

// UnmarshalJSON reads an object of figures; a name the table does not
// know is an error, a figure missing from it is unknown.
func (vs *Values) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&raw); err != nil {
		return err
	}
	out := make(Values, len(Figures))
	for _, name := range slices.Sorted(maps.Keys(raw)) {
		f, ok := FigureByName(name)
		if !ok {
			return fmt.Errorf("unknown figure %q", name)
		}
		v, err := f.parseJSON(raw[name])
		if err != nil {
			return fmt.Errorf("figure %s: %v", name, err)
		}
		out[slices.IndexFunc(Figures, func(g Figure) bool { return g.Name == name })] = v
	}
	*vs = out
	return nil
}

// Aggregate sums the figures of several runs up, each by its Agg.
func Aggregate(runs []Values) Values {
	out := make(Values, len(Figures))
	for i, f := range Figures {
		for _, vs := range runs {
			if i >= len(vs) || !vs[i].Known {
				continue
			}
			out[i] = f.add(out[i], vs[i])
		}
	}
	return out
}

func (f *Figure) add(acc, v Value) Value {
	switch f.Agg {
	case AggMax:
		if !acc.Known || v.Int > acc.Int {
			acc.Int = v.Int
		}
	case AggSum:
		acc.Int += v.Int
		for k, n := range v.Reasons {
			if acc.Reasons == nil {
				acc.Reasons = map[string]int64{}
			}
			acc.Reasons[k] += n
		}
	case AggCountTrue:
		acc.Int += v.Int
	}
	acc.Known = true
	return acc
}

// Aggregated is the figure as its aggregate over runs is written: a bool
// becomes the count of runs where it was true.
func (f Figure) Aggregated() Figure {
	if f.Agg == AggCountTrue {
		f.Kind = KindCount
	}
	return f
}

func formatReasons(m map[string]int64, sep, none string) string {
	if len(m) == 0 {
		return none
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, k+"="+strconv.FormatInt(m[k], 10))
	}
	return strings.Join(parts, sep)
}

// formatBytes renders a byte count in binary units with two decimals at
// most: 512 B, 1.5 KiB, 3.25 MiB.
func formatBytes(n int64) string {
	const unit = 1024
	if n < unit && n > -unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	f, i := float64(n), 0
	for ; (f >= unit || f <= -unit) && i < 4; i++ {
		f /= unit
	}
	s := strconv.FormatFloat(f, 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s + " " + []string{"B", "KiB", "MiB", "GiB", "TiB"}[i]
}

// roundDuration keeps milliseconds of seconds, microseconds of
// milliseconds.
func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(time.Microsecond)
	}
	return d
}

// seconds renders nanoseconds as seconds in decimal, exactly: 1.5, 0.000123,
// 12.
func seconds(ns int64) string {
	sign, mag := "", uint64(ns)
	if ns < 0 {
		sign, mag = "-", -uint64(ns)
	}
	s := sign + strconv.FormatUint(mag/1e9, 10)
	if frac := mag % 1e9; frac != 0 {
		s += "." + strings.TrimRight(fmt.Sprintf("%09d", frac), "0")
	}
	return s
}

// parseSeconds reads what seconds writes.
func parseSeconds(s string) (int64, error) {
	whole, frac, _ := strings.Cut(s, ".")
	neg := strings.HasPrefix(whole, "-")
	w, err := strconv.ParseInt(strings.TrimPrefix(whole, "-"), 10, 64)
	if err != nil || len(frac) > 9 || strings.HasPrefix(whole, "+") {
		return 0, fmt.Errorf("want seconds like 1.5, got %s", s)
	}
	var f int64
	if frac != "" {
		f, err = strconv.ParseInt(frac+strings.Repeat("0", 9-len(frac)), 10, 64)
		if err != nil || f < 0 {
			return 0, fmt.Errorf("want seconds like 1.5, got %s", s)
		}
	}
	if w > (math.MaxInt64-f)/1e9 && !(neg && w == 9223372036 && f == 854775808) {
		return 0, fmt.Errorf("%s seconds is out of range", s)
	}
	mag := uint64(w)*1e9 + uint64(f)
	if neg {
		return int64(-mag), nil
	}
	return int64(mag), nil
}
