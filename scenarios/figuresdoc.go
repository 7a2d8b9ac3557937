package scenarios

import (
	"fmt"
	"strings"
)

// FiguresMarkdown renders the figures table as docs/figures.md: the words,
// then one row per figure. A test keeps the file equal to it.
func FiguresMarkdown() string {
	var b strings.Builder
	b.WriteString(`# Figures

<!-- Generated from scenarios/figures.go by "go test ./scenarios -run TestFiguresDoc -update"; do not edit. -->

Every figure of a run is defined once, in the table of ` + "`scenarios/figures.go`" + `,
and every output reads it by name: ` + "`expect:`" + ` in a scenario file, the
` + "`figures`" + ` object of ` + "`summary.json`" + `, the summary ` + "`simrun run`" + ` prints, each line of a
sweep's ` + "`results.jsonl`" + `, the columns of ` + "`results.csv`" + ` and ` + "`summary.csv`" + `, the report's
table and its plots.

## Words

- A **first sync** is the initial full sync of a node that starts the run as
  a replica; if it is cut off and started again, the retries are part of it
  (` + "`first_sync_retries`" + `).
- A **reconnect** is any later link-up of a node to a master: after an
  outage, a restart, a timeout, or a failover (a replica re-pointed to the
  new master, the old master joining it as a replica).
- A **full resync** is a reconnect that needed a snapshot: the last answer to
  the node's PSYNC before its link came up was ` + "`+FULLRESYNC`" + ` (or it used
  SYNC). A **partial resync** is one served from the backlog (` + "`+CONTINUE`" + `).
  So ` + "`reconnects = full_resyncs + partial_resyncs`" + `, and the full-resync
  frequency of a sweep is ` + "`full_resyncs / reconnects`" + `.
- Each full resync carries its **reason**, as the master decided it:
  ` + "`backlog`" + ` (the offset asked for is outside the backlog window), ` + "`replid`" + `
  (replication ID mismatch), ` + "`no-backlog`" + ` (the master has no backlog),
  ` + "`no-cached-master`" + ` (the replica lost its state and asked ` + "`PSYNC ? -1`" + `),
  ` + "`protocol`" + ` (SYNC, or a protocol generation without partial resyncs),
  ` + "`output-buffer`" + ` (the master dropped the replica mid-sync for its output
  buffer, and it started over).

## Units

Counts are whole numbers; bytes are bytes; durations are seconds in JSON
and CSV (exact to the nanosecond: ` + "`12.5`" + `), and Go durations in the
printed summary; a bool is ` + "`true`" + `/` + "`false`" + `, or ` + "`null`" + ` (an empty CSV cell)
when the run did not measure it. ` + "`full_resync_reasons`" + ` is an object
(` + "`{\"backlog\": 2}`" + `) in JSON and ` + "`backlog=2 replid=1`" + ` in CSV.

In ` + "`summary.csv`" + ` and the report, the runs of one point are summed up by
each figure's rule: the sum, the largest, or the number of runs where a
bool was true.

## The table

| figure | kind | unit | over the runs of a point | in ` + "`expect:`" + ` | meaning |
| --- | --- | --- | --- | --- | --- |
`)
	for _, f := range Figures {
		exp := "no"
		if f.Expectable {
			exp = "yes"
		}
		unit := f.Unit
		if unit == "" {
			unit = "-"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s |\n", f.Name, f.Kind, unit, f.Agg, exp, f.Doc)
	}
	return b.String()
}
