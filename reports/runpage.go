package reports

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strings"
	"time"

	"gonum.org/v1/plot"

	"github.com/replsim/replsim/checker"
	"github.com/replsim/replsim/scenarios"
	"github.com/replsim/replsim/scenarios/sweep"
)

// RunHTML is the page of one run: run.html, beside summary.json.
const RunHTML = "run.html"

// SampleEvery is the lag sampling period simrun run uses for a run of the
// given fault phase: 500 samples, at least 10ms apart.
func SampleEvery(duration time.Duration) time.Duration {
	return max(10*time.Millisecond, duration/500)
}

// eventRowsMax bounds the rows of run.html's table of events.
const eventRowsMax = 300

// runPage is what run.html shows.
type runPage struct {
	Rec                       *scenarios.Record
	Verdict, VerdictWhy       string
	Ops, Errors               int
	ErrorCounts               []classCount
	Figures                   []figureRow
	Events                    []eventRow
	EventsLeftOut             int
	TimelineSVG, LagSVG       []byte
	LatencySVG, ThroughputSVG []byte
	ErrorsSVG                 []byte
}

type classCount struct {
	Class string
	N     int
}

type figureRow struct{ Group, Name, Value, Doc string }

// eventRow is one line of the table of events.
type eventRow struct{ At, Node, What, Detail string }

// WriteRunPage writes run.html for a run: its verdict, a timeline of its
// events, the replicas' lag (when the run sampled it), the clients'
// latency, throughput and errors over time, every figure, and the command
// that replays it. Every plot is inline: the page is one file.
func WriteRunPage(w io.Writer, rec *scenarios.Record) error {
	pg := &runPage{Rec: rec, Verdict: "OK", VerdictWhy: "every expectation held"}
	if !rec.OK {
		pg.Verdict, pg.VerdictWhy = "FAILED", "an expectation or an invariant failed"
	}
	ops := clientOps(rec.History)
	pg.Ops = len(ops)
	counts := map[string]int{}
	for i := range ops {
		if c := ErrorClass(&ops[i]); c != "" {
			counts[c]++
			pg.Errors++
		}
	}
	for _, c := range slices.Sorted(func(yield func(string) bool) {
		for k := range counts {
			if !yield(k) {
				return
			}
		}
	}) {
		pg.ErrorCounts = append(pg.ErrorCounts, classCount{c, counts[c]})
	}
	for i := range scenarios.Figures {
		f := &scenarios.Figures[i]
		pg.Figures = append(pg.Figures, figureRow{f.Group, f.Name, f.Format(rec.Figures[i]), f.Doc})
	}
	pg.Events, pg.EventsLeftOut = eventRows(rec)
	if err := pg.draw(rec, ops); err != nil {
		return err
	}
	return runTemplate.Execute(w, pg)
}

// draw renders the page's plots as SVG.
func (pg *runPage) draw(rec *scenarios.Record, ops []checker.Op) error {
	svg := func(dst *[]byte, plt *plot.Plot, err error) error {
		if err != nil || plt == nil {
			return err
		}
		*dst, err = render(plt, "svg")
		return err
	}
	plt, err := TimelinePlot(rec)
	if err := svg(&pg.TimelineSVG, plt, err); err != nil {
		return err
	}
	if tl := runTimeline(rec); tl != nil {
		plt, err := lagPlot("Replication lag of each replica", tl, int64(rec.Spec.Duration), masterBacklogOf(rec))
		if err := svg(&pg.LagSVG, plt, err); err != nil {
			return err
		}
	}
	if len(ops) == 0 {
		return nil
	}
	plt, err = LatencyPlot(rec, ops)
	if err := svg(&pg.LatencySVG, plt, err); err != nil {
		return err
	}
	plt, err = ThroughputPlot(rec, ops)
	if err := svg(&pg.ThroughputSVG, plt, err); err != nil {
		return err
	}
	plt, err = ErrorsPlot(rec, ops)
	return svg(&pg.ErrorsSVG, plt, err)
}

// runTimeline is the lag timeline of a run that sampled its lag, or nil.
// The sampling period is read off the samples: they start at 0 and come
// every period.
func runTimeline(rec *scenarios.Record) *sweep.Timeline {
	var every time.Duration
	for _, sm := range rec.Facts.Samples {
		if sm.At > 0 {
			every = sm.At
			break
		}
	}
	if every == 0 {
		return nil
	}
	return sweep.NewRecord(0, 0, nil, rec, every, 0).Timeline
}

// masterBacklogOf is the repl-backlog-size of the run's first master.
func masterBacklogOf(rec *scenarios.Record) int64 {
	for _, n := range rec.Spec.Nodes {
		if n.ReplicaOf == "" {
			return n.Config.ReplBacklogSizeBytes
		}
	}
	return 0
}

// eventRows lists the faults, link-downs, syncs (with a full resync's
// reason) and promotions in time order, at most eventRowsMax of them, and
// how many were left out.
func eventRows(rec *scenarios.Record) ([]eventRow, int) {
	type ev struct {
		at  int64
		row eventRow
	}
	var evs []ev
	for _, e := range rec.Timeline {
		switch {
		case e.IsFault():
			detail := e.Text
			if e.End > 0 {
				detail += fmt.Sprintf(" (until %s)", fmtAt(e.End))
			}
			evs = append(evs, ev{e.At, eventRow{What: "fault: " + e.Kind, Detail: detail}})
		case e.Kind == "promoted":
			evs = append(evs, ev{e.At, eventRow{Node: e.Node, What: "promoted to master", Detail: fmt.Sprintf("at offset %d", e.Offset)}})
		case e.Kind == "sentinel":
			what, detail, _ := strings.Cut(e.Text, " ")
			evs = append(evs, ev{e.At, eventRow{Node: e.Node, What: "sentinel " + what, Detail: detail}})
		}
	}
	for _, s := range rec.SyncEvents {
		r := eventRow{Node: s.Replica, What: s.Kind}
		if s.Reason != "" {
			r.Detail = "reason: " + s.Reason
		}
		evs = append(evs, ev{s.AtNs, r})
	}
	slices.SortStableFunc(evs, func(a, b ev) int { return int(min(max(a.at-b.at, -1), 1)) })
	left := max(0, len(evs)-eventRowsMax)
	evs = evs[:len(evs)-left]
	rows := make([]eventRow, len(evs))
	for i, e := range evs {
		rows[i] = e.row
		rows[i].At = fmtAt(e.at)
	}
	return rows, left
}

// fmtAt writes a virtual time to the millisecond: 20.005s.
func fmtAt(ns int64) string {
	return time.Duration(ns).Round(time.Millisecond).String()
}

// Fig is one figure of the run, formatted as the summary prints it.
func (pg *runPage) Fig(name string) string {
	i := scenarios.FigureIndex(name)
	return scenarios.Figures[i].Format(pg.Rec.Figures[i])
}

// svgImage is an img's src holding an SVG.
func svgImage(b []byte) template.HTMLAttr { return srcAttr("image/svg+xml", b) }

var runTemplate = template.Must(template.New("run").Funcs(template.FuncMap{
	"svg":    svgImage,
	"plural": Plural[int],
	"thousands": func(n int) string {
		var b bytes.Buffer
		s := fmt.Sprint(n)
		for i, c := range s {
			if i > 0 && (len(s)-i)%3 == 0 {
				b.WriteByte(',')
			}
			b.WriteRune(c)
		}
		return b.String()
	},
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{.Verdict}}: {{.Rec.Spec.Name}}, seed {{.Rec.Seed}}</title>
<style>
body { font-family: "Liberation Sans", Arial, Helvetica, sans-serif; max-width: 70rem; margin: 2rem auto; padding: 0 1rem; color: #222; line-height: 1.45; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ddd; }
img { width: 100%; max-width: 60rem; border: 1px solid #eee; }
table { border-collapse: collapse; font-size: 0.85rem; }
th, td { padding: 0.2rem 0.5rem; border-bottom: 1px solid #e4e4e4; text-align: left; vertical-align: top; }
th { background: #f5f5f5; } td.n { text-align: right; white-space: nowrap; }
pre, code { background: #f6f6f6; font-size: 0.85rem; } pre { padding: 0.8rem; overflow-x: auto; }
.ok { color: #1a7a30; } .failed { color: #b01c1c; }
.scroll { max-height: 28rem; overflow-y: auto; display: inline-block; }
</style>
</head>
<body>
<h1 id="verdict">{{.Rec.Spec.Name}}: <span class="{{if .Rec.OK}}ok{{else}}failed{{end}}">{{.Verdict}}</span> <small>({{.VerdictWhy}}), seed {{.Rec.Seed}}, protocol {{.Rec.Spec.Protocol}}</small></h1>
<p>{{.Rec.Spec.Description}}</p>
{{with .Rec.Verdict.Explanation}}<p><strong>{{.}}</strong></p>{{end}}
{{with .Rec.Facts.Limit}}<p class="failed">The run was ended by a limit: {{.}}</p>{{end}}
<p>Replay it with</p>
<pre id="replay">{{.Rec.Replay}}</pre>
<p>Files: <a href="summary.json">summary.json</a>, <a href="history.json">history.json</a>, <a href="trace.log">trace.log</a> (unless run with --trace off){{with .Rec.HistoryHTML}}, <a href="{{.}}">{{.}}</a> (porcupine's view of the keys that are not linearizable){{end}}.</p>

<h2 id="timeline">Timeline</h2>
<img alt="faults, link states, syncs and promotions of each node over time" {{svg .TimelineSVG}}>
<p>Red: a fault's period on the faults row. Orange: a replica's link to its master down. Marks: first syncs (grey squares), partial resyncs (green rings), full resyncs (red triangles), promotions (purple crosses).{{if .Rec.Spec.Sentinels}} Each sentinel's row: the master subjectively down (orange ring) and objectively down (red ring), elected leader (purple square), +switch-master (purple cross), a failover aborted (red cross); the table below lists every event.{{end}} The dashed line is where the heal phase starts (faults lifted, workload stopped).</p>
<div class="scroll"><table id="events">
<tr><th>time</th><th>node</th><th>event</th><th>detail</th></tr>
{{range .Events}}<tr><td class="n">{{.At}}</td><td>{{.Node}}</td><td>{{.What}}</td><td>{{.Detail}}</td></tr>
{{end}}</table></div>
{{if .EventsLeftOut}}<p>{{plural .EventsLeftOut "more event"}} left out: see trace.log.</p>{{end}}

<h2 id="lag">Replication lag</h2>
{{if .LagSVG}}<img alt="replication lag of each replica over time" {{svg .LagSVG}}>
<p>Each replica's lag behind the master of the moment, in stream bytes. Shaded: its link down. The dashed black line is repl-backlog-size: a replica further behind when its link comes back needs a full resync.</p>
{{else}}<p>This run did not sample its replicas' lag.</p>{{end}}

<h2 id="latency">Client latency</h2>
{{if .LatencySVG}}<img alt="each operation's latency over time, with p50 and p99 per interval" {{svg .LatencySVG}}>
<p>{{plural .Ops "client operation"}}. Writes: p50 {{.Fig "write_latency_p50"}}, p99 {{.Fig "write_latency_p99"}}, max {{.Fig "write_latency_max"}}.
Reads: p50 {{.Fig "read_latency_p50"}}, p99 {{.Fig "read_latency_p99"}}, max {{.Fig "read_latency_max"}}.
Shaded: the faults' periods.</p>
{{else}}<p>This run had no client operations.</p>{{end}}

<h2 id="throughput">Throughput</h2>
{{if .ThroughputSVG}}<img alt="operations that succeeded per second" {{svg .ThroughputSVG}}>{{else}}<p>This run had no client operations.</p>{{end}}

<h2 id="errors">Errors</h2>
{{if .ErrorsSVG}}<img alt="operations that failed or timed out per second" {{svg .ErrorsSVG}}>
<p>{{plural .Errors "operation"}} failed or timed out:{{range $i, $c := .ErrorCounts}}{{if $i}},{{end}} {{$c.N}} {{$c.Class}}{{end}}.
NOREPLICAS: the master refused a write for want of replicas (min-replicas-to-write); READONLY: a write sent to a replica; timeout: the reply never came, so the outcome is unknown.</p>
{{else}}<p id="no-errors">No operation failed or timed out.</p>{{end}}

<h2 id="figures">Figures</h2>
<table>
<tr><th>group</th><th>figure</th><th>value</th><th>what it is</th></tr>
{{range .Figures}}<tr><td>{{.Group}}</td><td><code>{{.Name}}</code></td><td class="n">{{.Value}}</td><td>{{.Doc}}</td></tr>
{{end}}</table>
{{with .Rec.Expectations}}
<h2 id="expectations">Expectations</h2>
<table>
<tr><th></th><th>figure</th><th>want</th><th>got</th></tr>
{{range .}}<tr><td class="{{if .OK}}ok{{else}}failed{{end}}">{{if .Inconclusive}}??{{else if .OK}}ok{{else}}FAIL{{end}}</td><td><code>{{.Name}}</code></td><td>{{.Want}}</td><td>{{.Got}}</td></tr>
{{end}}</table>
{{end}}
<p>Every figure is defined once, in docs/figures.md. Trace SHA-256 <code>{{.Rec.Facts.TraceSHA}}</code>.</p>
</body>
</html>
`))
