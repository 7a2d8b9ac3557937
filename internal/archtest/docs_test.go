package archtest

import (
	"bufio"
	"cmp"
	"fmt"
	"go/token"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestDocPaths: every path of the repository that README.md and docs/*.md name (in
// backquotes, or as the target of a link) exists, so that a move or a rename cannot
// leave the documentation pointing at nothing.
func TestDocPaths(t *testing.T) {
	root, _ := moduleRoot(t)
	findings, err := docPaths(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range findings {
		t.Error(f)
	}
}

// TestDocPathsFixtures checks the check on a small tree: stale paths in backquotes
// and links are found, and placeholders, patterns, commands, artifacts outside the
// repository and code blocks are left alone.
func TestDocPathsFixtures(t *testing.T) {
	root := t.TempDir()
	for _, f := range []string{"docs/a.md", "sim/clock.go", "scenarios/x.yaml", ".ci/run"} {
		writeTree(t, root, f, "")
	}
	writeTree(t, root, ".gitignore", "/out/\n*.test\n")
	writeTree(t, root, "README.md", strings.Join([]string{
		"There: `sim/clock.go`, `./sim`, `sim/`, `.ci/run`, [a](docs/a.md#top), [top](#top).",
		"Not there: `sim/gone.go` and [b](docs/b.md); `shared/notes.md` nor `docs/old/`.",
		"Left alone: `scenarios/*.yaml`, `out/<name>/x`, `out/run-1/trace.md`, `go doc ./sim`.",
		"```sh",
		"go run ./cmd/simrun `sim/none.go`",
		"```",
		"Not paths here: [porcupine](https://x.org/p), `github.com/x/y`, `model/`, `summary.json`, `i/n`.",
	}, "\n"))
	writeTree(t, root, "docs/c.md", "Up one: [readme](../README.md), [gone](../gone.md).\n")
	findings, err := docPaths(root)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range findings {
		got = append(got, f.String())
	}
	want := []string{
		"README.md:2:13: sim/gone.go does not exist",
		"README.md:2:34: docs/b.md does not exist",
		"README.md:2:47: shared/notes.md does not exist",
		"README.md:2:69: docs/old/ does not exist",
		"docs/c.md:1:40: ../gone.md does not exist",
	}
	if !slices.Equal(got, want) {
		t.Errorf("findings:\n\t%s\nwant:\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
}

func writeTree(t *testing.T, root, name, text string) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

var (
	codeSpan = regexp.MustCompile("`([^`]+)`")
	linkDest = regexp.MustCompile(`\]\(([^)\s]+)\)`)
)

// docPaths returns the paths README.md and docs/*.md name that do not exist under
// root. A backquoted span is a path of the repository when it has no spaces, no
// placeholder or pattern characters, and starts with an entry of the root that
// .gitignore does not leave out (sim/..., .ci/run, go.mod); a link target is one
// unless it has a scheme or is an anchor, and is read from the file's directory.
// Fenced code blocks are commands and output, not references, and are skipped.
func docPaths(root string) ([]Finding, error) {
	top, ignored, err := topEntries(root)
	if err != nil {
		return nil, err
	}
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		return nil, err
	}
	var findings []Finding
	for _, p := range append([]string{filepath.Join(root, "README.md")}, docs...) {
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return nil, err
		}
		rel = filepath.ToSlash(rel)
		f, err := os.Open(p)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(f)
		fenced := false
		for line := 1; sc.Scan(); line++ {
			text := sc.Text()
			if strings.HasPrefix(strings.TrimSpace(text), "```") {
				fenced = !fenced
				continue
			}
			if fenced {
				continue
			}
			missing := func(at int, ref, target string) {
				if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(target))); err != nil {
					findings = append(findings, Finding{
						Pos:     token.Position{Filename: rel, Line: line, Column: at + 1},
						Message: fmt.Sprintf("%s does not exist", ref),
					})
				}
			}
			for _, m := range codeSpan.FindAllStringSubmatchIndex(text, -1) {
				span := text[m[2]:m[3]]
				if p, ok := repoPath(span, top, ignored); ok {
					missing(m[2], span, p)
				}
			}
			for _, m := range linkDest.FindAllStringSubmatchIndex(text, -1) {
				dest := text[m[2]:m[3]]
				if strings.Contains(dest, ":") || strings.HasPrefix(dest, "#") {
					continue
				}
				target, _, _ := strings.Cut(dest, "#")
				missing(m[2], dest, path.Join(path.Dir(rel), target))
			}
		}
		err = sc.Err()
		f.Close()
		if err != nil {
			return nil, err
		}
	}
	slices.SortFunc(findings, func(a, b Finding) int {
		return cmp.Or(
			cmp.Compare(a.Pos.Filename, b.Pos.Filename),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Column, b.Pos.Column),
		)
	})
	return findings, nil
}

// repoPath reports whether a backquoted span names a path of the repository, and
// which, relative to the root: one that starts with an entry of the root, or a path
// of directories down to a file with the extension of a source or a document
// (shared/notes.md), unless it starts with an entry .gitignore leaves out.
func repoPath(span string, top, ignored map[string]bool) (string, bool) {
	if strings.ContainsAny(span, " \t<>*?{}[]$=") {
		return "", false
	}
	p := strings.TrimPrefix(span, "./")
	first, _, nested := strings.Cut(p, "/")
	switch {
	case ignored[first]:
		return "", false
	case top[first]:
		return p, true
	}
	return p, nested && docExts[path.Ext(p)]
}

// docExts are the extensions of the files a document may point to in the repository.
var docExts = map[string]bool{".go": true, ".md": true, ".yaml": true, ".txt": true, ".mod": true}

// topEntries returns the names of the entries at the root of the repository, and
// apart the names left out: .git and what the root's .gitignore leaves out with a
// plain name (/out/, out).
func topEntries(root string) (top, ignored map[string]bool, err error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, nil, err
	}
	ignored = map[string]bool{".git": true}
	if b, err := os.ReadFile(filepath.Join(root, ".gitignore")); err == nil {
		for line := range strings.Lines(string(b)) {
			name := strings.Trim(strings.TrimSpace(line), "/")
			if name != "" && !strings.ContainsAny(name, "*?[!#/") {
				ignored[name] = true
			}
		}
	} else if !os.IsNotExist(err) {
		return nil, nil, err
	}
	top = make(map[string]bool)
	for _, e := range entries {
		if !ignored[e.Name()] {
			top[e.Name()] = true
		}
	}
	return top, ignored, nil
}
