package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"html/template"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/replsim/replsim/scenarios/outdir"
	"github.com/replsim/replsim/scenarios/sweep"
)

// IndexHTML is the page that lists the runs and sweeps of an output root
// (simrun-out/index.html).
const IndexHTML = "index.html"

// indexDepthMax is how deep under the root WriteIndex looks for runs and
// sweeps: root/<name>/<stamp>/summary.json is two folders down.
const indexDepthMax = 3

// IndexEntry is one run or sweep folder under the root.
type IndexEntry struct {
	Path    string // relative to the root, with slashes
	Kind    string // "run" or "sweep"
	Name    string // the scenario
	Seed    uint64 // a run's
	OK      bool
	Verdict string // OK or FAILED; a sweep's runs
	Note    string // what the run found, shortened: its limit or its explanation
	Page    string // the page to link to, relative to the root
	Time    time.Time
}

// IndexEntries finds the runs (a summary.json) and sweeps (a sweep.json)
// under root, newest first by the time their file was written; links
// (latest) are not followed, so each appears once.
func IndexEntries(root string) ([]IndexEntry, error) {
	var out []IndexEntry
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == root {
				return err
			}
			return nil // a folder being removed or unreadable: leave it out
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			if strings.Count(filepath.ToSlash(rel), "/") >= indexDepthMax {
				return fs.SkipDir
			}
			return nil
		}
		var e IndexEntry
		var ok bool
		switch d.Name() {
		case SummaryFile:
			e, ok = runEntry(path)
		case sweep.MetaFile:
			e, ok = sweepEntry(path)
		default:
			return nil
		}
		if ok {
			dir := filepath.Dir(rel)
			e.Path = filepath.ToSlash(dir)
			e.Page = filepath.ToSlash(filepath.Join(dir, e.Page))
			if info, err := d.Info(); err == nil {
				e.Time = info.ModTime()
			}
			out = append(out, e)
		}
		return nil
	})
	slices.SortStableFunc(out, func(a, b IndexEntry) int {
		if c := b.Time.Compare(a.Time); c != 0 {
			return c
		}
		return strings.Compare(b.Path, a.Path)
	})
	return out, err
}

// verdictRunesMax bounds the explanation the index quotes.
const verdictRunesMax = 160

// runEntry reads a run's summary.json.
func runEntry(path string) (IndexEntry, bool) {
	var s struct {
		Scenario    string `json:"scenario"`
		Seed        uint64 `json:"seed"`
		OK          bool   `json:"ok"`
		Explanation string `json:"explanation"`
		Limit       string `json:"limit"`
	}
	b, err := os.ReadFile(path)
	if err != nil || json.Unmarshal(b, &s) != nil || s.Scenario == "" {
		return IndexEntry{}, false
	}
	e := IndexEntry{Kind: "run", Name: s.Scenario, Seed: s.Seed, OK: s.OK, Verdict: "OK", Page: RunHTML}
	if !s.OK {
		e.Verdict = "FAILED"
	}
	if why := cmpOr(s.Limit, s.Explanation); why != "" {
		if r := []rune(why); len(r) > verdictRunesMax {
			why = string(r[:verdictRunesMax]) + "…"
		}
		e.Note = why
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(path), RunHTML)); err != nil {
		e.Page = SummaryFile // a run written before run.html existed
	}
	return e, true
}

// sweepEntry reads a sweep's sweep.json.
func sweepEntry(path string) (IndexEntry, bool) {
	b, err := os.ReadFile(path)
	var m sweep.Meta
	if err != nil || json.Unmarshal(b, &m) != nil {
		return IndexEntry{}, false
	}
	runs := 0
	for _, s := range m.Sessions {
		runs += s.Runs
	}
	e := IndexEntry{Kind: "sweep", Name: m.Plan.Scenario, OK: true, Page: HTMLFile,
		Verdict: Plural(runs, "run") + " of " + Plural(m.Plan.Runs(), "run")}
	if _, err := os.Stat(filepath.Join(filepath.Dir(path), HTMLFile)); err != nil {
		e.Page, e.Verdict = sweep.MetaFile, e.Verdict+", no report yet"
	}
	return e, true
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// WriteIndex writes root/index.html, listing every run and sweep under
// root, newest first, with its verdict and a link to its page. A root
// that does not exist is no error: there is nothing to list.
func WriteIndex(root string) error {
	entries, err := IndexEntries(root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := indexTemplate.Execute(&b, struct {
		Root    string
		Entries []IndexEntry
	}{root, entries}); err != nil {
		return err
	}
	return outdir.WriteFile(filepath.Join(root, IndexHTML), b.Bytes())
}

var indexTemplate = template.Must(template.New("index").Funcs(template.FuncMap{
	"when": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05Z") },
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>replsim runs and sweeps: {{.Root}}</title>
<style>
body { font-family: "Liberation Sans", Arial, Helvetica, sans-serif; max-width: 70rem; margin: 2rem auto; padding: 0 1rem; color: #222; line-height: 1.45; }
h1 { font-size: 1.6rem; }
table { border-collapse: collapse; font-size: 0.9rem; }
th, td { padding: 0.25rem 0.6rem; border-bottom: 1px solid #e4e4e4; text-align: left; vertical-align: top; }
th { background: #f5f5f5; } td.t { white-space: nowrap; } td.note { color: #666; font-size: 0.8rem; }
.ok { color: #1a7a30; } .failed { color: #b01c1c; }
</style>
</head>
<body>
<h1>Runs and sweeps in {{.Root}}</h1>
{{if .Entries}}<p>Newest first. Each run's page shows its timeline, lag, latency, errors and figures; each sweep's, its report.</p>
<table id="entries">
<tr><th>written (UTC)</th><th>kind</th><th>scenario</th><th>seed</th><th>verdict</th><th>folder</th><th>found</th></tr>
{{range .Entries}}<tr><td class="t">{{when .Time}}</td><td>{{.Kind}}</td><td class="t">{{.Name}}</td><td>{{if eq .Kind "run"}}{{.Seed}}{{end}}</td>
<td class="t {{if .OK}}ok{{else}}failed{{end}}">{{.Verdict}}</td><td class="t"><a href="{{.Page}}">{{.Path}}</a></td><td class="note">{{.Note}}</td></tr>
{{end}}</table>
{{else}}<p>No runs or sweeps yet.</p>{{end}}
</body>
</html>
`))
