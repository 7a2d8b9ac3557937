package scenarios

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// decodeValue decodes the YAML value src, given as the value of a key "v",
// into dst and returns the error as a positioned line:col: message, or "".
func decodeValue(t *testing.T, dst interface{ UnmarshalYAML(ast.Node) error }, src string) string {
	t.Helper()
	doc := "v: " + src + "\n"
	f, err := parser.ParseBytes([]byte(doc), 0)
	if err != nil {
		t.Fatalf("%q does not parse: %v", src, err)
	}
	m, ok := f.Docs[0].Body.(*ast.MappingNode)
	if !ok || len(m.Values) != 1 {
		t.Fatalf("%q is not one value", src)
	}
	err = dst.UnmarshalYAML(m.Values[0].Value)
	if err == nil {
		return ""
	}
	var se *Error
	if !errors.As(wrapErr("v.yaml", []byte(doc), err, nil), &se) {
		t.Fatalf("%q: error of type %T: %v", src, err, err)
	}
	return fmt.Sprintf("%d:%d: %s", se.Line, se.Col, se.Msg)
}

// Every value type decodes through one helper; its messages and positions
// are the format's, value type by value type.
func TestValueErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		dst  interface{ UnmarshalYAML(ast.Node) error }
		src  string
		want string
	}{
		{"text list", &Text{}, "[a, b]", `1:4: value must be a single value, not a sequence`},
		{"text empty", &Text{}, "", `1:4: value is empty`},
		{"duration without unit", &Duration{}, "300", `1:4: duration "300" needs a unit (e.g. 300s)`},
		{"duration bad", &Duration{}, "5 sec", `1:4: invalid duration "5 sec" (examples: 500us, 100ms, 30s, 5m, 1h30m)`},
		{"duration negative", &Duration{}, "-5s", `1:4: negative duration "-5s"`},
		{"duration mapping", &Duration{}, "{a: 1}", `1:4: duration must be a single value, not a mapping`},
		{"duration empty", &Duration{}, "", `1:4: duration is empty`},
		{"size bad unit", &Size{}, "1mib", `1:4: invalid size "1mib" (Redis units: 1k=1000, 1kb=1024, 1m, 1mb, 1g, 1gb)`},
		{"size negative", &Size{}, "-1", `1:4: invalid size "-1" (Redis units: 1k=1000, 1kb=1024, 1m, 1mb, 1g, 1gb)`},
		{"size list", &Size{}, "[1]", `1:4: size must be a single value, not a sequence`},
		{"bandwidth bad", &Bandwidth{}, "1 gigabit", `1:4: invalid bandwidth "1 gigabit" (examples: 1gbit, 100mbit, 10mb/s)`},
		{"bandwidth mapping", &Bandwidth{}, "{a: 1}", `1:4: bandwidth must be a single value, not a mapping`},
		{"int fraction", &Int{}, "1.5", `1:4: invalid integer "1.5"`},
		{"int word", &Int{}, "many", `1:4: invalid integer "many"`},
		{"int list", &Int{}, "[1]", `1:4: number must be a single value, not a sequence`},
		{"float word", &Float{}, "fast", `1:4: invalid number "fast"`},
		{"float empty", &Float{}, "", `1:4: number is empty`},
		{"bool word", &Bool{}, "maybe", `1:4: want true/false or yes/no, got "maybe"`},
		{"bool list", &Bool{}, "[yes]", `1:4: boolean must be a single value, not a sequence`},
		{"range backwards", &DurationRange{}, "2m..5s", `1:4: range "2m..5s" ends before it starts`},
		{"range bad end", &DurationRange{}, "5s..x", `1:4: invalid duration "x" (examples: 500us, 100ms, 30s, 5m, 1h30m)`},
		{"range list", &DurationRange{}, "[5s]", `1:4: duration must be a single value, not a sequence`},
		{"range distribution", &DurationRange{}, "{dist: uniform, mean: 2s}", `1:4: unknown distribution "uniform" (want exponential)`},
		{"range no mean", &DurationRange{}, "{dist: exponential}", `1:4: an exponential distribution needs mean > 0`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := decodeValue(t, tc.dst, tc.src); got != tc.want {
				t.Errorf("%q:\ngot  %s\nwant %s", tc.src, got, tc.want)
			}
		})
	}
}

// A value that decodes keeps its token, and its value.
func TestValuesDecode(t *testing.T) {
	var (
		txt Text
		d   Duration
		z   Size
		b   Bandwidth
		i   Int
		f   Float
		yes Bool
		r   DurationRange
	)
	for _, tc := range []struct {
		dst interface{ UnmarshalYAML(ast.Node) error }
		src string
	}{{&txt, "hi"}, {&d, "1m30s"}, {&z, "1kb"}, {&b, "8kbit"}, {&i, "-3"}, {&f, "2.5"}, {&yes, "yes"}, {&r, "5s..2m"}} {
		if err := decodeValue(t, tc.dst, tc.src); err != "" {
			t.Fatalf("%q: %s", tc.src, err)
		}
	}
	if txt.V != "hi" || d.D != 90*time.Second || z.N != 1024 || b.BytesPerSec != 1000 || i.N != -3 || f.F != 2.5 || !yes.B ||
		r.Min != 5*time.Second || r.Max != 2*time.Minute {
		t.Errorf("decoded %v %v %v %v %v %v %v %v..%v", txt.V, d.D, z.N, b.BytesPerSec, i.N, f.F, yes.B, r.Min, r.Max)
	}
	for _, tok := range []any{txt.Tok, d.Tok, z.Tok, b.Tok, i.Tok, f.Tok, yes.Tok, r.Tok} {
		if tok == nil {
			t.Errorf("a decoded value lost its token")
		}
	}
}
