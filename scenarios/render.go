package scenarios

import (
	"fmt"
	"slices"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// Render returns the scenario file src as YAML text with sets applied
// the way --set applies them, the faults (each one entry of faults: in
// flow style, {at: 5s, crash: r1}) added after the file's own, and the
// explore: section left out; header lines come first as comments. Load
// reads the text back as an ordinary scenario, so a case that simrun
// explore ran and the minimal file it writes are the same text.
func Render(src []byte, sets []Override, faults []string, header []string) ([]byte, error) {
	src = []byte(lineBreaks.Replace(string(src)))
	f, err := parser.ParseBytes(src, parser.ParseComments)
	if err != nil || len(f.Docs) != 1 {
		return nil, fmt.Errorf("render: the file does not parse: %v", err)
	}
	body, ok := f.Docs[0].Body.(*ast.MappingNode)
	if !ok {
		return nil, fmt.Errorf("render: the file is not a mapping")
	}
	body.Values = slices.DeleteFunc(body.Values, func(kv *ast.MappingValueNode) bool {
		k, err := scalarText(kv.Key, "key")
		return err == nil && k == "explore"
	})
	for _, o := range sets {
		if err := renderSet(body, o); err != nil {
			return nil, fmt.Errorf("render: %s: %w", o.Arg(), err)
		}
	}
	if len(faults) > 0 {
		if err := addFaults(body, faults); err != nil {
			return nil, err
		}
	}
	var b strings.Builder
	for _, h := range header {
		b.WriteString(strings.TrimRight("# "+h, " ") + "\n")
	}
	b.WriteString(body.String())
	b.WriteString("\n")
	return []byte(b.String()), nil
}

// addFaults appends fault entries to the file's faults:, or makes the
// list. The entries are parsed as one block list, so that each is on a
// line of its own.
func addFaults(body *ast.MappingNode, faults []string) error {
	text := "faults:\n"
	for _, f := range faults {
		text += "  - " + f + "\n"
	}
	doc, err := parser.ParseBytes([]byte(text), 0)
	if err != nil || len(doc.Docs) != 1 {
		return fmt.Errorf("render: faults do not parse: %v", err)
	}
	added := doc.Docs[0].Body.(*ast.MappingNode).Values[0]
	kv := findKey(body, "faults")
	if kv == nil {
		body.Values = append(body.Values, added)
		return nil
	}
	seq, ok := kv.Value.(*ast.SequenceNode)
	if !ok {
		kv.Value = added.Value
		return nil
	}
	seq.Values = append(seq.Values, added.Value.(*ast.SequenceNode).Values...)
	return nil
}

// renderSet applies one set, indenting an entry it adds to a block
// mapping like the entries already there (the printer indents by the
// tokens' columns).
func renderSet(body *ast.MappingNode, o Override) error {
	parts := strings.Split(o.Key, ".")
	parent := ast.Node(body)
	for _, key := range parts[:len(parts)-1] {
		m, ok := parent.(*ast.MappingNode)
		if !ok {
			break
		}
		kv := findKey(m, key)
		if kv == nil {
			parent = nil
			break
		}
		parent = kv.Value
	}
	var siblingCol, before int
	if m, ok := parent.(*ast.MappingNode); ok && !m.IsFlowStyle && len(m.Values) > 0 {
		siblingCol, before = m.Values[0].Key.GetToken().Position.Column, len(m.Values)
	}
	if _, err := applySet(body, o); err != nil {
		return err
	}
	if m, ok := parent.(*ast.MappingNode); ok && siblingCol > 0 && len(m.Values) > before {
		kv := m.Values[len(m.Values)-1]
		kv.AddColumn(siblingCol - kv.Key.GetToken().Position.Column)
	}
	return nil
}
