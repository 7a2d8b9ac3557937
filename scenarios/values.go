package scenarios

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"

	"github.com/replsim/replsim/model"
)

// The value types below decode one YAML scalar each and keep its token, so
// that an error found later (an unknown node name, a fault after the end of
// the run) can still point at the line and column it came from.

// scalarText returns the text of a scalar node, or an error naming the
// node when it is a mapping or a sequence.
func scalarText(n ast.Node, what string) (string, error) {
	switch v := n.(type) {
	case *ast.StringNode:
		return v.Value, nil
	case *ast.LiteralNode:
		// A block scalar (| or >): its text, not its indicator.
		return v.Value.Value, nil
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		return v.GetToken().Value, nil
	case *ast.NullNode:
		return "", errAt(n.GetToken(), fmt.Sprintf("%s is empty", what))
	}
	return "", errAt(n.GetToken(), fmt.Sprintf("%s must be a single value, not a %s", what, strings.ToLower(n.Type().String())))
}

// errAt is an error at a token; FormatError prints it with line, column,
// the source line and a caret.
func errAt(tk *token.Token, msg string) error {
	return &yaml.SyntaxError{Message: msg, Token: tk}
}

// decodeScalar decodes the scalar n with parse into *v and keeps its token
// in *tok, even when it fails, so that later errors can point at it. what
// names the kind of value in the error for a mapping, a list or nothing.
func decodeScalar[T any](n ast.Node, what string, tok **token.Token, v *T, parse func(string) (T, error)) error {
	*tok = n.GetToken()
	s, err := scalarText(n, what)
	if err != nil {
		return err
	}
	x, err := parse(s)
	if err != nil {
		return errAt(*tok, err.Error())
	}
	*v = x
	return nil
}

// Text is a string scalar with its position.
type Text struct {
	V   string
	Tok *token.Token
}

// UnmarshalYAML implements yaml.NodeUnmarshaler.
func (t *Text) UnmarshalYAML(n ast.Node) error {
	return decodeScalar(n, "value", &t.Tok, &t.V, func(s string) (string, error) { return s, nil })
}

// Duration is a time with a unit: 500us, 100ms, 30s, 5m, 1h30m.
type Duration struct {
	D   time.Duration
	Tok *token.Token
}

// UnmarshalYAML implements yaml.NodeUnmarshaler.
func (d *Duration) UnmarshalYAML(n ast.Node) error {
	return decodeScalar(n, "duration", &d.Tok, &d.D, parseDuration)
}

func parseDuration(s string) (time.Duration, error) {
	if _, err := parseFloat(s); err == nil && s != "0" {
		return 0, fmt.Errorf("duration %q needs a unit (e.g. %ss)", s, s)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q (examples: 500us, 100ms, 30s, 5m, 1h30m)", s)
	}
	if v < 0 {
		return 0, fmt.Errorf("negative duration %q", s)
	}
	if v > maxSimTime {
		return 0, fmt.Errorf("duration %q is longer than %s, the most simulated time a run may take", s, maxSimTime)
	}
	return v, nil
}

// Size is a byte count in Redis's units: 1k = 1000, 1kb = 1024, 1m, 1mb,
// 1g, 1gb.
type Size struct {
	N   int64
	Tok *token.Token
}

// UnmarshalYAML implements yaml.NodeUnmarshaler.
func (z *Size) UnmarshalYAML(n ast.Node) error {
	return decodeScalar(n, "size", &z.Tok, &z.N, model.ParseBytes)
}

// Bandwidth is a link speed: 1gbit, 100mbit, 512kbit (SI, bits per second)
// or a size per second in Redis's units (10mb/s).
type Bandwidth struct {
	BytesPerSec int64
	Tok         *token.Token
}

// UnmarshalYAML implements yaml.NodeUnmarshaler.
func (b *Bandwidth) UnmarshalYAML(n ast.Node) error {
	return decodeScalar(n, "bandwidth", &b.Tok, &b.BytesPerSec, parseBandwidth)
}

// parseBandwidth parses a link speed of at least one byte per second
// (0 would be an unlimited link, which is the absence of the key, not a
// value of it).
func parseBandwidth(s string) (int64, error) {
	l := strings.ToLower(strings.TrimSpace(s))
	if strings.HasSuffix(l, "/s") {
		v, err := model.ParseBytes(strings.TrimSuffix(l, "/s"))
		if err == nil && v < 1 {
			return 0, fmt.Errorf("bandwidth %q is less than 1 byte per second", s)
		}
		return v, err
	}
	for _, u := range []struct {
		suffix string
		bits   float64
	}{{"gbit", 1e9}, {"mbit", 1e6}, {"kbit", 1e3}, {"bit", 1}} {
		if strings.HasSuffix(l, u.suffix) {
			num := strings.TrimSuffix(l, u.suffix)
			f, err := strconv.ParseFloat(num, 64)
			if err != nil || f <= 0 || math.IsInf(f, 0) || math.IsNaN(f) || f*u.bits/8 > math.MaxInt64/2 {
				break
			}
			if f*u.bits/8 < 1 {
				return 0, fmt.Errorf("bandwidth %q is less than 1 byte per second", s)
			}
			return int64(f * u.bits / 8), nil
		}
	}
	return 0, fmt.Errorf("invalid bandwidth %q (examples: 1gbit, 100mbit, 10mb/s)", s)
}

// Int is an integer with its position.
type Int struct {
	N   int64
	Tok *token.Token
}

// UnmarshalYAML implements yaml.NodeUnmarshaler.
func (i *Int) UnmarshalYAML(n ast.Node) error {
	return decodeScalar(n, "number", &i.Tok, &i.N, parseInt)
}

func parseInt(s string) (int64, error) {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("invalid integer %q", s)
	}
	return v, nil
}

// Float is a number with its position.
type Float struct {
	F   float64
	Tok *token.Token
}

// UnmarshalYAML implements yaml.NodeUnmarshaler.
func (f *Float) UnmarshalYAML(n ast.Node) error {
	return decodeScalar(n, "number", &f.Tok, &f.F, parseFloat)
}

// parseFloat parses a finite number: NaN and infinities, in Go's
// spelling or YAML's (.nan, .inf), and numbers too large for a float64
// are refused.
func parseFloat(s string) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if nonFinite.MatchString(s) || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, fmt.Errorf("%q is not a finite number", s)
	}
	if err != nil {
		return 0, fmt.Errorf("invalid number %q", s)
	}
	return v, nil
}

var nonFinite = regexp.MustCompile(`(?i)^[+-]?\.?(inf|infinity|nan)$`)

// Bool accepts true/false and Redis's yes/no.
type Bool struct {
	B   bool
	Tok *token.Token
}

// UnmarshalYAML implements yaml.NodeUnmarshaler.
func (b *Bool) UnmarshalYAML(n ast.Node) error {
	return decodeScalar(n, "boolean", &b.Tok, &b.B, parseBool)
}

func parseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "true", "yes":
		return true, nil
	case "false", "no":
		return false, nil
	}
	return false, fmt.Errorf("want true/false or yes/no, got %q", s)
}

// DurationRange is a fault length: a duration, a uniform range "5s..2m",
// or {dist: exponential, mean: 20s}.
type DurationRange struct {
	Min, Max    time.Duration
	Exponential bool
	Mean        time.Duration
	Tok         *token.Token
}

// UnmarshalYAML implements yaml.NodeUnmarshaler.
func (r *DurationRange) UnmarshalYAML(n ast.Node) error {
	r.Tok = n.GetToken()
	if m, ok := n.(*ast.MappingNode); ok {
		var d distYAML
		if err := yaml.NodeToValue(m, &d, yaml.DisallowUnknownField()); err != nil {
			return err
		}
		if d.Dist.V != "exponential" {
			return errAt(r.Tok, fmt.Sprintf("unknown distribution %q (want exponential)%s", d.Dist.V, didYouMean(d.Dist.V, []string{"exponential"})))
		}
		if d.Mean.D <= 0 {
			return errAt(r.Tok, "an exponential distribution needs mean > 0")
		}
		r.Exponential, r.Mean = true, d.Mean.D
		return nil
	}
	var span [2]time.Duration
	err := decodeScalar(n, "duration", &r.Tok, &span, parseDurationRange)
	r.Min, r.Max = span[0], span[1]
	return err
}

// parseDurationRange parses a duration or a range of them, "5s..2m".
func parseDurationRange(s string) ([2]time.Duration, error) {
	lo, hi, isRange := strings.Cut(s, "..")
	a, err := parseDuration(strings.TrimSpace(lo))
	if err != nil {
		return [2]time.Duration{}, err
	}
	b := a
	if isRange {
		if b, err = parseDuration(strings.TrimSpace(hi)); err != nil {
			return [2]time.Duration{}, err
		}
		if b < a {
			return [2]time.Duration{}, fmt.Errorf("range %q ends before it starts", s)
		}
	}
	return [2]time.Duration{a, b}, nil
}

// distYAML is the mapping form of a DurationRange.
type distYAML struct {
	Dist Text     `yaml:"dist"`
	Mean Duration `yaml:"mean"`
}

// Set reports whether a value was given.
func (r DurationRange) Set() bool { return r.Tok != nil }
