package reports

import (
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/dustin/go-humanize"

	"github.com/replsim/replsim/scenarios/spec"
	"github.com/replsim/replsim/scenarios/sweep"
)

// page is what report.html shows.
type page struct {
	Plan     *sweep.Plan
	Meta     *sweep.Meta
	Dir      string
	Report   *Report
	Target   float64
	Base     *spec.Spec
	Timeline *sweep.Record

	FreqSVG, BytesSVG, LagSVG []byte
}

func (pg *page) render(w io.Writer) error {
	return pageTemplate.Execute(w, pg)
}

// Command is the command line that runs the sweep again.
func (pg *page) Command() string { return pg.Plan.Command(pg.Dir) }

// TimelineReplay replays the run of the lag timeline.
func (pg *page) TimelineReplay() string { return pg.Plan.ReplayCommand(pg.Dir, pg.Timeline.Run) }

func (pg *page) Keys() []string { return pg.Plan.Keys() }

// Speed sums the sessions: simulated time, wall time and throughput.
type Speed struct {
	Runs             int
	Sim, Wall        time.Duration
	Workers          string
	SimPerWall       float64 // simulated seconds per wall second, all workers
	SimPerRunWall    float64 // per run, on one core
	RunsPerSec       float64
	Sessions         int
	SessionsRecorded bool
}

func (pg *page) Speed() Speed {
	var sp Speed
	var runWall time.Duration
	workers := map[int]bool{}
	var ws []string
	for _, s := range pg.Meta.Sessions {
		sp.Sessions++
		sp.Wall += time.Duration(s.WallNs)
		if !workers[s.Workers] {
			workers[s.Workers] = true
			ws = append(ws, fmt.Sprint(s.Workers))
		}
	}
	sp.Workers = strings.Join(ws, ", ")
	for _, pt := range pg.Report.Points {
		sp.Runs += pt.Runs
		sp.Sim += time.Duration(pt.Fig("sim_time"))
		runWall += time.Duration(pt.WallNs)
	}
	if sp.Wall > 0 {
		sp.SimPerWall = sp.Sim.Seconds() / sp.Wall.Seconds()
		sp.RunsPerSec = float64(sp.Runs) / sp.Wall.Seconds()
	}
	if runWall > 0 {
		sp.SimPerRunWall = sp.Sim.Seconds() / runWall.Seconds()
	}
	return sp
}

// srcAttr is an img's src attribute holding an image as a data URI. It is
// an attribute rather than a URL so that the template does not escape
// every '+' of the base64 text.
func srcAttr(mime string, b []byte) template.HTMLAttr {
	return template.HTMLAttr(`src="data:` + mime + ";base64," + base64.StdEncoding.EncodeToString(b) + `"`)
}

var funcs = template.FuncMap{
	"svg":       func(b []byte) template.HTMLAttr { return srcAttr("image/svg+xml", b) },
	"percent":   percent,
	"size":      func(n int64) string { return formatBytes(float64(n)) },
	"sizeLabel": sizeLabel,
	"dur":       formatDuration,
	"ns":        func(n int64) time.Duration { return time.Duration(n) },
	"per":       func(n int64, runs int) int64 { return n / int64(max(runs, 1)) },
	"f2":        func(f float64) string { return fmt.Sprintf("%.2f", f) },
	"count":     formatCount,
	"thousands": func(n any) string {
		switch v := n.(type) {
		case int:
			return humanize.Comma(int64(v))
		case int64:
			return humanize.Comma(v)
		}
		return fmt.Sprint(n)
	},
	"int64": func(f float64) int64 { return int64(f) },
	"perDay": func(pt Point) string {
		if pt.ReconnectsPerDay == 0 {
			return "-"
		}
		exp, high := pt.FullResyncsPerDay()
		if !pt.Varies {
			return formatCount(exp)
		}
		return formatCount(exp) + " (≤ " + formatCount(high) + ")"
	},
	"syncs": func(r *sweep.Record) SyncCounts { return CountSyncs(r.Timeline) },
	"isRecommended": func(pt Point, recs []Recommendation) bool {
		for _, r := range recs {
			if r.Found && r.Point.Index == pt.Index {
				return true
			}
		}
		return false
	},
}

var pageTemplate = template.Must(template.New("report").Funcs(funcs).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Backlog sweep: {{.Plan.Scenario}}</title>
<style>
body { font-family: "Liberation Sans", Arial, Helvetica, sans-serif; max-width: 70rem; margin: 2rem auto; padding: 0 1rem; color: #222; line-height: 1.45; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ddd; }
img { width: 100%; max-width: 60rem; border: 1px solid #eee; }
.wide { overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.85rem; }
th, td { padding: 0.25rem 0.5rem; border-bottom: 1px solid #e4e4e4; text-align: right; }
td { white-space: nowrap; }
th { background: #f5f5f5; } td.l, th.l { text-align: left; }
tr.rec td { background: #e8f6ea; font-weight: 600; }
pre, code { background: #f6f6f6; font-size: 0.85rem; } pre { padding: 0.8rem; overflow-x: auto; }
.box { background: #f3f7fc; border-left: 4px solid #3a78c2; padding: 0.6rem 1rem; margin: 1rem 0; }
.warn { background: #fff6e5; border-left-color: #d08a00; }
</style>
</head>
<body>
<h1>How big must the replication backlog be? <small>{{.Plan.Scenario}}</small></h1>
<p>{{.Base.Description}}</p>
<p>{{len .Report.Points}} points{{range .Plan.Vary}} ({{.Key}}: {{len .Values}} values){{end}} &times; {{.Plan.Seeds}} seeds:
{{thousands .Speed.Runs}} runs of {{dur .Base.Duration}} of simulated time each, then a heal phase until the replicas converge.
A <em>first sync</em> is a replica's initial full sync (retries included); a <em>reconnect</em> is a replica's link coming up again after it;
a <em>full resync</em> is a reconnect that needed a new RDB snapshot, a <em>partial resync</em> one served from the backlog.
The <em>full-resync frequency</em> is full resyncs per reconnect. Every figure is defined once, in docs/figures.md.</p>
{{if .Report.Missing}}<p class="box warn">{{.Report.Missing}} runs of this {{if .Meta.Shard}}shard{{else}}sweep{{end}} have no result yet: the figures below cover the runs that finished.</p>{{end}}

<h2>Recommendation</h2>
{{$target := .Target}}
{{range .Report.Recommended}}
<div class="box">
{{if .Series}}<p><strong>{{.Series}}</strong></p>{{end}}
{{range $i, $l := .Lines $target}}<p>{{if eq $i 0}}<strong>{{$l}}</strong>{{else}}{{$l}}{{end}}</p>
{{end}}
{{with .Rule}}{{if .Outage}}<p>The scenario's faults are meant to cause outages of up to {{dur .Outage}} ({{.OutageHow}}): {{size .Bytes}} of stream at the same rate.
An outage counts from a replica's link going down to its coming up again, which waits for the replica's once-a-second reconnect and for overlapping faults.</p>{{end}}{{end}}
</div>
{{else}}
<p>No recommendation: this sweep does not vary repl-backlog-size.</p>
{{end}}

<h2>Full-resync frequency</h2>
<img alt="full resyncs per reconnect against the backlog size" {{svg .FreqSVG}}>
<p>Files: <a href="full-resync-frequency.png">PNG</a>, <a href="full-resync-frequency.svg">SVG</a>.</p>

<h2>Bytes sent to the replicas</h2>
<img alt="snapshot and stream bytes per run against the backlog size" {{svg .BytesSVG}}>
<p>Snapshot and stream bytes are means per run; snapshot bytes count every RDB sent, the first sync of each replica included.
Backlog memory is the master's INFO memory <code>mem_total_replication_buffers</code> at the end of a run (the largest run):
the backlog fills only as the stream grows, up to repl-backlog-size and at most one 16kb block more. Files: <a href="bytes-sent.png">PNG</a>, <a href="bytes-sent.svg">SVG</a>.</p>

{{with .Timeline}}
<h2>Lag timeline of one run</h2>
<img alt="replication lag of each replica over time" {{svg $.LagSVG}}>
{{$c := syncs .}}<p>Run {{.Run}}: {{.Figures.Int "first_syncs"}} first syncs (grey squares: each replica's initial sync, not a resync),
then {{.Figures.Int "reconnects"}} reconnects: {{.Figures.Int "full_resyncs"}} full resyncs (red triangles) and {{.Figures.Int "partial_resyncs"}} partial resyncs (green rings),
as drawn ({{$c.First}}, {{$c.Full}} and {{$c.Partial}} marks). Shaded: each replica's link down, in its colour (both colours: both down); the dashed grey line is where the heal phase starts.
The dashed black line is repl-backlog-size: a replica further behind than it when its link comes back needs a full resync. Replay it with<br><code>{{$.TimelineReplay}}</code></p>
{{end}}

<h2>Table</h2>
<div class="wide"><table>
<tr>{{range .Keys}}<th class="l">{{.}}</th>{{end}}<th>runs</th><th>reconnects</th><th>full_resyncs</th><th>frequency</th><th>95% interval</th>
<th>full resyncs / day</th><th>partial_resyncs</th><th>snapshot_bytes / run</th><th>stream_bytes / run</th><th>heal_time (max)</th><th>converged (runs)</th><th>lost_writes</th></tr>
{{$recs := .Report.Recommended}}
{{range .Report.Points}}<tr{{if isRecommended . $recs}} class="rec"{{end}}>{{range .Values}}<td class="l">{{.}}</td>{{end}}
<td>{{.Runs}}</td><td>{{.Fig "reconnects"}}</td><td>{{.Fig "full_resyncs"}}</td><td>{{percent .Freq}}</td><td>{{percent .Low}} &ndash; {{percent .High}}</td><td>{{perDay .}}</td>
<td>{{.Fig "partial_resyncs"}}</td><td>{{size (per (.Fig "snapshot_bytes") .Runs)}}</td><td>{{size (per (.Fig "stream_bytes") .Runs)}}</td><td>{{dur (ns (.Fig "heal_time"))}}</td>
<td>{{.Fig "converged"}}</td><td>{{.Fig "lost_writes"}}</td></tr>
{{end}}
</table></div>
<p><em>Full resyncs / day</em>: the frequency times the reconnects per simulated day of the fault phase (the modelled outage rate), with the same at the upper 95% bound in brackets; a figure to hold against an SLO, for this load and these outages.</p>
<p>Every figure: <a href="summary.csv">summary.csv</a> (per point), <a href="results.csv">results.csv</a> (per run), results.jsonl (per run, with lag samples).</p>

<h2>Speed</h2>
{{with .Speed}}
<p>{{thousands .Runs}} runs simulated {{dur .Sim}}{{if .Wall}} in {{dur .Wall}} of wall time on {{.Workers}} worker(s){{if gt .Sessions 1}} over {{.Sessions}} sessions{{end}}:
<strong>{{thousands (int64 .SimPerWall)}} simulated seconds per wall second</strong>, {{f2 .RunsPerSec}} runs per second{{end}};
one run on one core simulates {{thousands (int64 .SimPerRunWall)}} seconds per wall second.</p>
{{end}}

<h2>Scenario</h2>
<p>{{if eq .Plan.File "default"}}The embedded default scenario{{else}}<code>{{.Plan.File}}</code>{{end}}{{range .Plan.Sets}}, <code>--set {{.Arg}}</code>{{end}}; a copy is in <code>scenario.yaml</code>.</p>
<pre>{{.Plan.Source}}</pre>

<h2>Reproduce</h2>
<pre>{{.Command}}</pre>
<p>Every run is deterministic: the same scenario, knob values and seed give the same trace, byte for byte, whatever the number of workers.
<code>simrun report {{.Dir}}</code> redraws this page from results.jsonl without running anything.</p>
</body>
</html>
`))
