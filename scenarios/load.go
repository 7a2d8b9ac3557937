package scenarios

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"

	"github.com/replsim/replsim/scenarios/spec"
)

// Error is a problem with a scenario: bad YAML, an unknown key, a bad value
// or an impossible combination. It names the file, line and column when
// there is one, and shows the line with a caret.
type Error struct {
	File string
	// Flag is the command-line flag and value at fault ("--set
	// workload.rate=fast", "--bug frob"), when the problem came from the
	// command line rather than the file.
	Flag    string
	Line    int // 0 when the problem has no single place
	Col     int
	Msg     string
	Excerpt string // the source line and a caret, or ""
}

func (e *Error) Error() string {
	if e.Flag != "" {
		return e.Flag + ": " + e.Msg
	}
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Col)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	if e.Excerpt != "" {
		b.WriteString("\n")
		b.WriteString(e.Excerpt)
	}
	return b.String()
}

// LoadFile reads, overrides (--set, --bug) and validates a scenario file.
func LoadFile(path string, ov Overrides) (*spec.Spec, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{File: path, Msg: err.Error()}
	}
	return Load(path, src, ov)
}

// Load parses a scenario from bytes; name is used in error messages. An
// error in a value that an override put in the file names the override,
// not a place in the file.
func Load(name string, src []byte, ov Overrides) (*spec.Spec, error) {
	// YAML reads "\r\n" and "\r" as "\n"; the parser miscounts lines
	// when they are mixed, so it sees only "\n".
	src = []byte(lineBreaks.Replace(string(src)))
	f, err := parser.ParseBytes(src, 0)
	if err != nil {
		return nil, wrapErr(name, src, err, nil)
	}
	if len(f.Docs) != 1 || f.Docs[0].Body == nil {
		return nil, &Error{File: name, Msg: "a scenario file holds exactly one YAML document"}
	}
	body := f.Docs[0].Body
	from := map[*token.Token]Override{}
	for _, o := range ov.Sets {
		added, err := applySet(body, o)
		if err != nil {
			return nil, &Error{File: name, Flag: o.String(), Msg: err.Error()}
		}
		for _, n := range added {
			ast.Walk(tokenVisitor(func(tk *token.Token) { from[tk] = o }), n)
		}
	}
	if err := noTags(body); err != nil {
		return nil, wrapErr(name, src, err, from)
	}
	if err := checkKeys(body, reflect.TypeFor[fileYAML](), ""); err != nil {
		return nil, wrapErr(name, src, err, from)
	}
	var raw fileYAML
	if err := nodeToStrict(body, &raw); err != nil {
		return nil, wrapErr(name, src, err, from)
	}
	s, err := validate(&raw, ov.Bugs)
	if err != nil {
		return nil, wrapErr(name, src, err, from)
	}
	s.File = name
	s.Overrides = Overrides{Sets: slices.Clone(ov.Sets), Bugs: slices.Clone(ov.Bugs)}
	return s, nil
}

// tokenVisitor calls a function with the token of every node it visits.
type tokenVisitor func(*token.Token)

func (v tokenVisitor) Visit(n ast.Node) ast.Visitor {
	if tk := n.GetToken(); tk != nil {
		v(tk)
	}
	return v
}

func nodeToStrict(n ast.Node, v any) error {
	return yaml.NodeToValue(n, v, yaml.DisallowUnknownField())
}

// wrapErr turns a YAML or validation error into an Error with position.
// A token that an override put in the file names the override instead.
func wrapErr(name string, src []byte, err error, from map[*token.Token]Override) error {
	var ye yaml.Error
	if errors.As(err, &ye) {
		tk := ye.GetToken()
		msg := ye.GetMessage()
		var ufe *yaml.UnknownFieldError
		if errors.As(err, &ufe) {
			msg = strings.Replace(msg, "unknown field", "unknown key", 1)
		}
		if o, ok := from[tk]; ok && tk != nil {
			return &Error{File: name, Flag: o.String(), Msg: msg}
		}
		if tk == nil {
			return &Error{File: name, Msg: msg}
		}
		return positioned(name, src, tk, msg)
	}
	var se *Error
	if errors.As(err, &se) {
		return se
	}
	return &Error{File: name, Msg: err.Error()}
}

// positioned is an error at a token, with the line and a caret under the
// token's column (in characters, as the parser counts). A token past the
// end of its line (an empty value at the end of the file) gets the caret
// just after the line.
func positioned(name string, src []byte, tk *token.Token, msg string) *Error {
	e := &Error{File: name, Line: tk.Position.Line, Col: tk.Position.Column, Msg: msg}
	lines := sourceLines(src)
	if e.Line >= 1 && e.Line <= len(lines) {
		line := lines[e.Line-1]
		e.Col = min(max(e.Col, 1), utf8.RuneCountInString(line)+1)
		pad := strings.Repeat(" ", e.Col-1)
		e.Excerpt = fmt.Sprintf("%5d | %s\n      | %s^", e.Line, line, pad)
	}
	return e
}

// sourceLines splits a file into lines as YAML does: at "\r\n", "\n" or
// a lone "\r".
func sourceLines(src []byte) []string {
	return strings.Split(lineBreaks.Replace(string(src)), "\n")
}

var lineBreaks = strings.NewReplacer("\r\n", "\n", "\r", "\n")

// applySet overrides one key, given as a dotted path and a YAML value, in
// the parsed document, and returns the nodes it added. A missing key is
// added, with the mappings on its way.
func applySet(body ast.Node, o Override) ([]ast.Node, error) {
	newValue, err := parseValue(o.Value)
	if err != nil {
		return nil, err
	}
	parts := strings.Split(o.Key, ".")
	added := []ast.Node{newValue}
	cur := body
	for i, key := range parts {
		last := i == len(parts)-1
		switch n := cur.(type) {
		case *ast.MappingNode:
			found := findKey(n, key)
			if found == nil {
				kv, err := newEntry(key)
				if err != nil {
					return nil, err
				}
				n.Values = append(n.Values, kv)
				found = kv
				added = append(added, kv.Key)
			}
			if last {
				found.Value = newValue
				return added, nil
			}
			cur = found.Value
		case *ast.SequenceNode:
			idx, err := strconv.Atoi(key)
			if err != nil || idx < 0 || idx >= len(n.Values) {
				return nil, fmt.Errorf("%q is not an index of the list at %s (0..%d)", key, strings.Join(parts[:i], "."), len(n.Values)-1)
			}
			if last {
				n.Values[idx] = newValue
				return added, nil
			}
			cur = n.Values[idx]
		default:
			if i == 0 {
				return nil, fmt.Errorf("the file is not a mapping")
			}
			return nil, fmt.Errorf("%s is a single value, not a mapping or a list", strings.Join(parts[:i], "."))
		}
	}
	return nil, nil
}

// parseValue parses the YAML value of an override.
func parseValue(value string) (ast.Node, error) {
	doc, err := parser.ParseBytes([]byte("v: "+value), 0)
	if err != nil || len(doc.Docs) != 1 {
		return nil, fmt.Errorf("invalid value %q", value)
	}
	vm, ok := doc.Docs[0].Body.(*ast.MappingNode)
	if !ok || len(vm.Values) != 1 || vm.Values[0].Value == nil {
		return nil, fmt.Errorf("invalid value %q", value)
	}
	return vm.Values[0].Value, nil
}

// findKey returns the entry of a mapping whose key is key, or nil.
func findKey(m *ast.MappingNode, key string) *ast.MappingValueNode {
	var found *ast.MappingValueNode
	for _, kv := range m.Values {
		if k, err := scalarText(kv.Key, "key"); err == nil && k == key {
			found = kv
		}
	}
	return found
}

// newEntry makes a mapping entry key: {} for a key that is a plain word of
// the format (letters, digits, '-' and '_').
func newEntry(key string) (*ast.MappingValueNode, error) {
	if !plainKey.MatchString(key) {
		return nil, fmt.Errorf("%q is not a key of the format (keys are words like repl-backlog-size)", key)
	}
	sub, err := parser.ParseBytes([]byte(key+": {}"), 0)
	if err != nil || len(sub.Docs) != 1 {
		return nil, fmt.Errorf("%q is not a key of the format", key)
	}
	m, ok := sub.Docs[0].Body.(*ast.MappingNode)
	if !ok || len(m.Values) != 1 {
		return nil, fmt.Errorf("%q is not a key of the format", key)
	}
	return m.Values[0], nil
}

var plainKey = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_-]*$`)

// didYouMean returns ` (did you mean "x"?)` naming the word of known
// closest to word, to end an error about an unknown word, or "" when none
// is close. Close is at most one edit (a letter added, dropped, changed,
// or two neighbours swapped) in a word of up to five letters, at most two
// in a longer one; case does not count. Ties go to the alphabetically
// first.
func didYouMean(word string, known []string) string {
	limit := min(2, max(1, utf8.RuneCountInString(word)/3))
	w := []rune(strings.ToLower(word))
	best, bestDist := "", limit+1
	for _, k := range known {
		if k == word {
			continue
		}
		d := editDistance(w, []rune(strings.ToLower(k)), limit)
		if d < bestDist || d == bestDist && best != "" && k < best {
			best, bestDist = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the optimal string alignment distance between a and b
// (Damerau-Levenshtein without edits of a substring twice), or limit+1
// when it is more than limit.
func editDistance(a, b []rune, limit int) int {
	if abs(len(a)-len(b)) > limit {
		return limit + 1
	}
	// d[i][j] is the distance between a[:i] and b[:j]; three rows suffice.
	prev2, prev, cur := make([]int, len(b)+1), make([]int, len(b)+1), make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return min(prev[len(b)], limit+1)
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
