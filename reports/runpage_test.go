package reports

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/replsim/replsim/scenarios"
)

// runRecord runs a library scenario with lag sampling, as simrun run does,
// with the --set values given.
func runRecord(t *testing.T, name string, sets ...string) *scenarios.Record {
	t.Helper()
	if name == "failover-loses-writes" && len(sets) == 0 {
		failoverRun.once.Do(func() { failoverRun.rec, failoverRun.err = runRecordErr(name) })
		if failoverRun.err != nil {
			t.Fatal(failoverRun.err)
		}
		return failoverRun.rec
	}
	rec, err := runRecordErr(name, sets...)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// failoverRun is the one run of failover-loses-writes under seed 1 that
// the run page's test and the lag plot's test both read (neither changes
// it).
var failoverRun struct {
	once sync.Once
	rec  *scenarios.Record
	err  error
}

func runRecordErr(name string, sets ...string) (*scenarios.Record, error) {
	ov, err := scenarios.SetArgs(sets...)
	if err != nil {
		return nil, err
	}
	s, err := scenarios.LoadFile("../scenarios/"+name+".yaml", ov)
	if err != nil {
		return nil, err
	}
	return scenarios.Run(s, 1, scenarios.RunOptions{SampleEvery: SampleEvery(s.Duration)})
}

// The page of a run with known figures (short-disconnect: one first sync,
// one reconnect served by a partial resync, no errors) has every section,
// its events in the table, the counts in the timeline's legend, and the
// replay command.
func TestRunPageOfAKnownRun(t *testing.T) {
	rec := runRecord(t, "short-disconnect", "workload.rate=100") // the sections and counts are the point, not the load
	if got := [3]int64{rec.Figures.Int("first_syncs"), rec.Figures.Int("partial_resyncs"), rec.Figures.Int("full_resyncs")}; got != [3]int64{1, 1, 0} {
		t.Fatalf("short-disconnect: first, partial, full = %v; the test assumes 1, 1, 0", got)
	}
	var b bytes.Buffer
	if err := WriteRunPage(&b, rec); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{
		`id="verdict"`, `>OK</span>`, `id="timeline"`, `id="lag"`, `id="latency"`, `id="throughput"`, `id="errors"`, `id="figures"`,
		`<pre id="replay">go run ./cmd/simrun run ../scenarios/short-disconnect.yaml --seed 1 --set workload.rate=100</pre>`,
		`<td>r1</td><td>first-sync</td>`, `<td>r1</td><td>partial-resync</td>`, `<td>fault: disconnect</td>`,
		`<p id="no-errors">`, `<code>partial_resyncs</code></td><td class="n">1</td>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("run.html lacks %q", want)
		}
	}
	if n := strings.Count(page, `src="data:image/svg+xml;base64,`); n != 4 {
		t.Errorf("run.html has %d inline plots, want 4 (timeline, lag, latency, throughput; no errors plot)", n)
	}
	if strings.Contains(page, "http://") || strings.Contains(page, "https://") {
		t.Error("run.html refers to something outside itself")
	}
	plt, err := TimelinePlot(rec)
	if err != nil {
		t.Fatal(err)
	}
	svg, err := render(plt, "svg")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"first sync: 1", "partial resync: 1", "fault: 1", "link down", ">disconnect<"} {
		if !bytes.Contains(svg, []byte(want)) {
			t.Errorf("the timeline lacks %q", want)
		}
	}
	if bytes.Contains(svg, []byte("full resync")) {
		t.Error("the timeline draws a full resync the run did not have")
	}
}

// A failover run: the promotion and the full resync with its reason are
// on the timeline and in the table; the operation that timed out is
// counted and drawn on the errors plot.
func TestRunPageOfAFailover(t *testing.T) {
	t.Parallel()
	rec := runRecord(t, "failover-loses-writes")
	var b bytes.Buffer
	if err := WriteRunPage(&b, rec); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{
		`<td>r1</td><td>promoted to master</td>`, `<td>m1</td><td>full-resync</td><td>reason: replid</td>`,
		`1 operation failed or timed out: 1 timeout.`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("run.html lacks %q", want)
		}
	}
	if n := strings.Count(page, `src="data:image/svg+xml;base64,`); n != 5 {
		t.Errorf("run.html has %d inline plots, want 5", n)
	}
	plt, err := ErrorsPlot(rec, clientOps(rec.History))
	if err != nil || plt == nil {
		t.Fatalf("errors plot: %v, %v", plt, err)
	}
	svg, err := render(plt, "svg")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(svg, []byte("timeout: 1")) {
		t.Error("the errors plot does not count the timeout")
	}
}

// index.html lists runs and sweeps newest first, each with its verdict and
// a link to its page, and follows no link (latest).
func TestIndexNewestFirst(t *testing.T) {
	root := t.TempDir()
	write := func(rel, body string, at time.Time) {
		t.Helper()
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, at, at); err != nil {
			t.Fatal(err)
		}
	}
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	write("a/20261201T100000.000Z-seed1/summary.json", `{"scenario":"a","seed":1,"ok":true}`, t0)
	write("a/20261201T100000.000Z-seed1/run.html", ``, t0)
	write("b/20261201T110000.000Z-seed7/summary.json", `{"scenario":"b","seed":7,"ok":false,"explanation":"lost a write"}`, t0.Add(time.Hour))
	write("sweep-c/sweep.json", `{"plan":{"scenario":"c","seeds":2},"sessions":[{"runs":2}]}`, t0.Add(30*time.Minute))
	write("sweep-c/report.html", ``, t0)
	if err := os.Symlink("20261201T100000.000Z-seed1", filepath.Join(root, "a", "latest")); err != nil {
		t.Fatal(err)
	}
	if err := WriteIndex(root); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, IndexHTML))
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	var at []int
	for _, want := range []string{
		`<a href="b/20261201T110000.000Z-seed7/summary.json">`,
		`<a href="sweep-c/report.html">sweep-c</a>`,
		`<a href="a/20261201T100000.000Z-seed1/run.html">`,
	} {
		i := strings.Index(page, want)
		if i < 0 {
			t.Fatalf("index.html lacks %q:\n%s", want, page)
		}
		at = append(at, i)
	}
	if !(at[0] < at[1] && at[1] < at[2]) {
		t.Errorf("not newest first: positions %v\n%s", at, page)
	}
	for _, want := range []string{">FAILED</td>", ">lost a write</td>", ">OK</td>", "2 runs of"} {
		if !strings.Contains(page, want) {
			t.Errorf("index.html lacks %q", want)
		}
	}
	if n := strings.Count(page, "<tr><td"); n != 3 {
		t.Errorf("index.html lists %d entries, want 3 (latest is a link, not a run)", n)
	}
}

func TestPlural(t *testing.T) {
	for _, tc := range []struct {
		n    int
		noun string
		want string
	}{
		{0, "run", "0 runs"}, {1, "run", "1 run"}, {2, "run", "2 runs"},
		{1, "reconnect", "1 reconnect"}, {3, "full resync", "3 full resyncs"},
		{1, "directory", "1 directory"}, {2, "directory", "2 directories"}, {2, "key", "2 keys"},
	} {
		if got := Plural(tc.n, tc.noun); got != tc.want {
			t.Errorf("Plural(%d, %q) = %q, want %q", tc.n, tc.noun, got, tc.want)
		}
	}
}
