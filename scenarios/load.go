package scenarios

import (
	"errors"
	"fmt"
	"os"
	"strings"

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
	File    string
	Line    int // 0 when the problem has no single place (e.g. --set)
	Col     int
	Msg     string
	Excerpt string // the source line and a caret, or ""
}

func (e *Error) Error() string {
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

// LoadFile reads, overrides (--set key=value) and validates a scenario file.
func LoadFile(path string, sets []string) (*spec.Spec, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{File: path, Msg: err.Error()}
	}
	return Load(path, src, sets)
}

// Load parses a scenario from bytes; name is used in error messages.
func Load(name string, src []byte, sets []string) (*spec.Spec, error) {
	f, err := parser.ParseBytes(src, 0)
	if err != nil {
		return nil, wrapErr(name, src, err)
	}
	if len(f.Docs) != 1 || f.Docs[0].Body == nil {
		return nil, &Error{File: name, Msg: "a scenario file holds exactly one YAML document"}
	}
	body := f.Docs[0].Body
	for _, s := range sets {
		if body, err = applySet(body, s); err != nil {
			return nil, &Error{File: name, Msg: fmt.Sprintf("--set %s: %v", s, err)}
		}
	}
	var raw fileYAML
	if err := nodeToStrict(body, &raw); err != nil {
		return nil, wrapErr(name, src, err)
	}
	spec, err := validate(&raw)
	if err != nil {
		return nil, wrapErr(name, src, err)
	}
	spec.File = name
	spec.Sets = append([]string(nil), sets...)
	return spec, nil
}

func nodeToStrict(n ast.Node, v any) error {
	return yaml.NodeToValue(n, v, yaml.DisallowUnknownField())
}

// wrapErr turns a YAML or validation error into an Error with position.
func wrapErr(name string, src []byte, err error) error {
	var ye yaml.Error
	if errors.As(err, &ye) {
		tk := ye.GetToken()
		msg := ye.GetMessage()
		var ufe *yaml.UnknownFieldError
		if errors.As(err, &ufe) {
			msg = strings.Replace(msg, "unknown field", "unknown key", 1)
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

func positioned(name string, src []byte, tk *token.Token, msg string) *Error {
	e := &Error{File: name, Line: tk.Position.Line, Col: tk.Position.Column, Msg: msg}
	lines := strings.Split(string(src), "\n")
	if e.Line >= 1 && e.Line <= len(lines) {
		line := strings.TrimRight(lines[e.Line-1], "\r")
		pad := strings.Repeat(" ", max(e.Col-1, 0))
		e.Excerpt = fmt.Sprintf("%5d | %s\n      | %s^", e.Line, line, pad)
	}
	return e
}

// applySet overrides one key, given as a dotted path (config.repl-backlog-size,
// workload.rate, nodes.1.config.repl-timeout) and a YAML value, in the
// parsed document. A missing key is added.
func applySet(body ast.Node, set string) (ast.Node, error) {
	path, value, ok := strings.Cut(set, "=")
	if !ok || path == "" {
		return nil, fmt.Errorf("want key=value")
	}
	parts := strings.Split(path, ".")
	doc, err := parser.ParseBytes([]byte("v: "+value), 0)
	if err != nil || len(doc.Docs) != 1 {
		return nil, fmt.Errorf("invalid value %q", value)
	}
	vm, ok := doc.Docs[0].Body.(*ast.MappingNode)
	if !ok || len(vm.Values) != 1 {
		return nil, fmt.Errorf("invalid value %q", value)
	}
	newValue := vm.Values[0].Value
	cur := body
	for i, key := range parts {
		last := i == len(parts)-1
		switch n := cur.(type) {
		case *ast.MappingNode:
			var found *ast.MappingValueNode
			for _, kv := range n.Values {
				if k, err := scalarText(kv.Key, "key"); err == nil && k == key {
					found = kv
				}
			}
			if found == nil {
				if !last {
					// Create the intermediate mapping.
					sub, err := parser.ParseBytes([]byte(key+": {}"), 0)
					if err != nil {
						return nil, err
					}
					kv := sub.Docs[0].Body.(*ast.MappingNode).Values[0]
					n.Values = append(n.Values, kv)
					found = kv
				} else {
					sub, err := parser.ParseBytes([]byte(key+": "+value), 0)
					if err != nil {
						return nil, fmt.Errorf("invalid value %q", value)
					}
					n.Values = append(n.Values, sub.Docs[0].Body.(*ast.MappingNode).Values[0])
					return body, nil
				}
			}
			if last {
				found.Value = newValue
				return body, nil
			}
			cur = found.Value
		case *ast.SequenceNode:
			var idx int
			if _, err := fmt.Sscanf(key, "%d", &idx); err != nil || idx < 0 || idx >= len(n.Values) {
				return nil, fmt.Errorf("%q is not an index of the list at %s (0..%d)", key, strings.Join(parts[:i], "."), len(n.Values)-1)
			}
			if last {
				n.Values[idx] = newValue
				return body, nil
			}
			cur = n.Values[idx]
		default:
			return nil, fmt.Errorf("%s is not a mapping or a list", strings.Join(parts[:i], "."))
		}
	}
	return body, nil
}
