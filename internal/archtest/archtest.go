// Package archtest checks that the module keeps the shape its architecture gives it:
// imports point one way (the table in rules.go, between layers and, inside scenarios,
// between its packages: spec, world, scenarios, then sweep, explore and scenariotest), and the
// simulated world (sim, model,
// faults, scenarios/world) reads no real clock, draws from no global random source,
// starts no goroutines, uses no select and does no I/O.
//
// It is an ordinary test, in the manner of pebble's internal/lint. The scanner reads
// the source with go/parser only, never the type checker, so it works while the
// packages it checks are half-written; the scanner is exported so that its own tests
// can run it on small fixture modules under testdata.
package archtest

import (
	"cmp"
	"errors"
	"fmt"
	"go/ast"
	"go/build/constraint"
	"go/parser"
	"go/scanner"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// A Finding is one place where the source breaks the architecture.
type Finding struct {
	Pos     token.Position // Filename is slash-separated and relative to the scanned root.
	Message string         // what is wrong and which rule says so
}

// String renders the finding as file:line:col: message, the way compilers do.
func (f Finding) String() string {
	return fmt.Sprintf("%s:%d:%d: %s", f.Pos.Filename, f.Pos.Line, f.Pos.Column, f.Message)
}

// Check scans the Go files of the module rooted at root, whose module path is
// modulePath, and returns every finding, sorted by position. It skips testdata,
// vendor, directories whose names start with "." or "_", nested modules, and files
// whose build constraint can never hold without the "ignore" tag. A file that does not
// parse is a finding; the error is only for a tree that cannot be walked or read.
func Check(root, modulePath string) ([]Finding, error) {
	c := &checker{
		mod:      modulePath,
		fset:     token.NewFileSet(),
		reported: make(map[string]bool),
	}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		name := d.Name()
		if d.IsDir() {
			if rel == "." {
				return nil
			}
			if name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(p, "go.mod")); err == nil {
				return filepath.SkipDir // another module, with rules of its own
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || !d.Type().IsRegular() {
			return nil
		}
		return c.file(p, rel)
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(c.findings, func(a, b Finding) int {
		return cmp.Or(
			cmp.Compare(a.Pos.Filename, b.Pos.Filename),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Column, b.Pos.Column),
			cmp.Compare(a.Message, b.Message),
		)
	})
	return c.findings, nil
}

type checker struct {
	mod      string
	fset     *token.FileSet
	findings []Finding
	reported map[string]bool // directories already reported as outside the table
}

func (c *checker) report(pos token.Pos, format string, args ...any) {
	c.findings = append(c.findings, Finding{Pos: c.fset.Position(pos), Message: fmt.Sprintf(format, args...)})
}

// file checks one Go file; p is its path on disk, rel its slash path from the root.
func (c *checker) file(p, rel string) error {
	src, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	dir := path.Dir(rel)
	if dir == "." {
		dir = ""
	}
	isTest := strings.HasSuffix(rel, "_test.go")
	world := !isTest && underAny(dir, worldDirs)

	// The import table needs only the import block; the world rules need the bodies,
	// and the parser's object resolution to tell an import from a local of that name.
	mode := parser.ParseComments
	if !world {
		mode |= parser.ImportsOnly
	}
	f, perr := parser.ParseFile(c.fset, rel, src, mode)
	if f != nil && f.Package.IsValid() && c.neverBuilt(f) {
		return nil
	}
	if perr != nil {
		c.parseError(rel, perr)
		return nil
	}

	l := layerOf(dir)
	if l == nil {
		if !c.reported[dir] {
			c.reported[dir] = true
			c.report(f.Package, "package %s is not in the architecture table (internal/archtest/rules.go)", describeDir(dir))
		}
	} else {
		c.imports(l, dir, f, isTest)
	}
	if world {
		c.world(f)
	}
	return nil
}

func (c *checker) parseError(rel string, err error) {
	var list scanner.ErrorList
	if errors.As(err, &list) && len(list) > 0 {
		list.Sort()
		c.findings = append(c.findings, Finding{Pos: list[0].Pos, Message: "does not parse: " + list[0].Msg})
		return
	}
	c.findings = append(c.findings, Finding{
		Pos:     token.Position{Filename: rel, Line: 1, Column: 1},
		Message: "does not parse: " + err.Error(),
	})
}

// neverBuilt reports whether the file's //go:build line can hold for no set of tags
// once "ignore" is false, as with //go:build ignore. A file built on some platform
// only (//go:build !linux) is still checked. A malformed line is a finding.
func (c *checker) neverBuilt(f *ast.File) bool {
	for _, g := range f.Comments {
		if g.Pos() >= f.Package {
			break
		}
		for _, line := range g.List {
			if !constraint.IsGoBuild(line.Text) {
				continue
			}
			expr, err := constraint.Parse(line.Text)
			if err != nil {
				c.report(line.Pos(), "malformed build constraint: %v", err)
				return false
			}
			return !satisfiable(expr)
		}
	}
	return false
}

// satisfiable reports whether some assignment of the tags other than "ignore" makes
// expr true. Constraints name a handful of tags; past 16 it gives up and says yes.
func satisfiable(expr constraint.Expr) bool {
	var tags []string
	expr.Eval(func(tag string) bool {
		if tag != "ignore" && !slices.Contains(tags, tag) {
			tags = append(tags, tag)
		}
		return false
	})
	if len(tags) > 16 {
		return true
	}
	for set := 0; set < 1<<len(tags); set++ {
		ok := expr.Eval(func(tag string) bool {
			i := slices.Index(tags, tag)
			return i >= 0 && set&(1<<i) != 0
		})
		if ok {
			return true
		}
	}
	return false
}

// imports checks the imports of a file in dir against its layer's row of the table.
func (c *checker) imports(l *layer, dir string, f *ast.File, isTest bool) {
	if l.anything {
		return
	}
	allowed := l.thirdParty
	if isTest {
		allowed = slices.Concat(allowed, testThirdParty)
	}
	for _, spec := range f.Imports {
		ip, err := strconv.Unquote(spec.Path.Value)
		if err != nil {
			c.report(spec.Pos(), "import path %s is not a string literal", spec.Path.Value)
			continue
		}
		switch {
		case ip == c.mod || strings.HasPrefix(ip, c.mod+"/"):
			targetDir := strings.TrimPrefix(strings.TrimPrefix(ip, c.mod), "/")
			target := layerOf(targetDir)
			switch {
			case target == nil:
				c.report(spec.Pos(), "imports %q: package %s is not in the architecture table", ip, describeDir(targetDir))
			case target != l && !slices.Contains(l.imports, target.dir):
				c.report(spec.Pos(), "imports %q: %s may not import %s (allowed: %s)", ip, l.dir, target.dir, list(l.imports))
			case target != l && !isTest && narrowed(l, dir, target.dir):
				sub := sublayerOf(l, dir)
				c.report(spec.Pos(), "imports %q: %s may not import %s (of the other layers it may import only: %s)", ip, sub.dir, target.dir, list(sub.only))
			case target == l && !isTest:
				c.inside(l, dir, ip, targetDir, spec)
			}
		case isStd(ip):
		case !matchAny(ip, allowed):
			c.report(spec.Pos(), "imports %q: %s may not use this third-party package (allowed: %s)", ip, l.dir, list(allowed))
		}
	}
}

// narrowed reports whether dir's sublayer narrows its layer's imports and
// leaves target out.
func narrowed(l *layer, dir, target string) bool {
	sub := sublayerOf(l, dir)
	return sub != nil && sub.only != nil && !slices.Contains(sub.only, target)
}

// inside checks an import from dir of a package (at targetDir) of the same layer
// against the order of the layer's packages.
func (c *checker) inside(l *layer, dir, ip, targetDir string, spec *ast.ImportSpec) {
	from, to := sublayerOf(l, dir), sublayerOf(l, targetDir)
	if from == nil || to == nil || from == to || slices.Contains(from.imports, to.dir) {
		return
	}
	c.report(spec.Pos(), "imports %q: %s may not import %s: against the order inside %s (allowed: %s)", ip, from.dir, to.dir, l.dir, list(from.imports))
}

// world checks the rules of the simulated world on a fully parsed non-test file.
func (c *checker) world(f *ast.File) {
	watched := make(map[string]string) // local name -> "time" or "math/rand/v2"
	for _, spec := range f.Imports {
		ip, err := strconv.Unquote(spec.Path.Value)
		if err != nil {
			continue // reported by imports
		}
		for _, w := range worldImports {
			if match(ip, w.pattern) {
				c.report(spec.Pos(), "imports %q: %s", ip, w.reason)
				break
			}
		}
		if ip != "time" && ip != "math/rand/v2" {
			continue
		}
		name := "time"
		if ip == "math/rand/v2" {
			name = "rand"
		}
		if spec.Name != nil {
			name = spec.Name.Name
		}
		switch name {
		case "_":
		case ".":
			c.report(spec.Pos(), "dot-imports %q: its names would escape this check; import it by name", ip)
		default:
			watched[name] = ip
		}
	}

	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.GoStmt:
			c.report(n.Pos(), "go statement: %s", reasonOneG)
		case *ast.SelectStmt:
			c.report(n.Pos(), "select statement: %s", reasonOneG)
		case *ast.SelectorExpr:
			id, ok := n.X.(*ast.Ident)
			// A non-nil Obj means the parser resolved the name to a declaration in
			// this file (a parameter or variable called time, say), not to an import.
			if !ok || id.Obj != nil {
				break
			}
			used := id.Name + "." + n.Sel.Name
			switch ip := watched[id.Name]; {
			case ip == "time" && clockFuncs[n.Sel.Name]:
				if id.Name != "time" {
					used += " (time." + n.Sel.Name + ")"
				}
				c.report(n.Pos(), "uses %s: %s", used, reasonClock)
			case ip == "math/rand/v2" && !randNames[n.Sel.Name]:
				c.report(n.Pos(), "uses %s from math/rand/v2: the global source ignores the seed; draw from a seeded *rand.Rand", used)
			}
		}
		return true
	})
}

// layerOf returns the layer a directory (slash path from the root) belongs to, or nil.
func layerOf(dir string) *layer {
	for i := range layers {
		if under(dir, layers[i].dir) {
			return &layers[i]
		}
	}
	return nil
}

// sublayerOf returns the sublayer of layer l a directory belongs to: the one with the
// longest dir at or above it. It is nil when the layer gives its packages no order.
func sublayerOf(l *layer, dir string) *sublayer {
	var best *sublayer
	for i := range l.inside {
		s := &l.inside[i]
		if under(dir, s.dir) && (best == nil || len(s.dir) > len(best.dir)) {
			best = s
		}
	}
	return best
}

func under(dir, root string) bool {
	return dir == root || strings.HasPrefix(dir, root+"/")
}

func underAny(dir string, roots []string) bool {
	return slices.ContainsFunc(roots, func(r string) bool { return under(dir, r) })
}

// match reports whether an import path matches a pattern: "x/..." matches x and the
// packages below it, anything else only itself.
func match(ip, pattern string) bool {
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return under(ip, base)
	}
	return ip == pattern
}

func matchAny(ip string, patterns []string) bool {
	return slices.ContainsFunc(patterns, func(p string) bool { return match(ip, p) })
}

// isStd reports whether an import path belongs to the standard library, by the rule
// cmd/go uses: no dot in its first element.
func isStd(ip string) bool {
	first, _, _ := strings.Cut(ip, "/")
	return !strings.Contains(first, ".")
}

func describeDir(dir string) string {
	if dir == "" {
		return "at the module root"
	}
	return dir
}

func list(items []string) string {
	if len(items) == 0 {
		return "none"
	}
	return strings.Join(items, ", ")
}
