package sweep

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/replsim/replsim/scenarios"
)

// Vary is one knob of a sweep: a key of the scenario format, as a dotted
// path (config.repl-backlog-size, workload.rate, nodes.1.config.repl-timeout,
// protocol), and the values it takes, in the order given.
type Vary struct {
	Key    string   `json:"key"`
	Text   string   `json:"text"` // as given on the command line, after '='
	Values []string `json:"values"`
}

// override is the --vary value val of the knob, as an override.
func (v Vary) override(val string) scenarios.Override {
	return scenarios.Override{Flag: "--vary", Key: v.Key, Value: val}
}

// maxValues bounds one knob, so that a range with a tiny factor is an
// error rather than a sweep that never ends.
const maxValues = 1000

// ParseVary parses KEY=V1,V2,... or a geometric range KEY=LO..HI*FACTOR
// (config.repl-backlog-size=16kb..64mb*2: 16kb, 32kb, ..., 64mb). A range
// takes Redis sizes (16kb, 1m), durations (100ms, 30s) or plain numbers.
// Values are YAML scalars or flow collections; commas inside [...] or {...}
// do not split.
func ParseVary(s string) (Vary, error) {
	key, text, ok := strings.Cut(s, "=")
	key = strings.TrimSpace(key)
	if !ok || key == "" || text == "" {
		return Vary{}, fmt.Errorf("--vary %s: want KEY=V1,V2,... or KEY=LO..HI*FACTOR", s)
	}
	v := Vary{Key: key, Text: text}
	if lo, rest, isRange := strings.Cut(text, ".."); isRange && !strings.ContainsAny(text, ",[{") {
		hi, factor, ok := strings.Cut(rest, "*")
		if !ok {
			return Vary{}, fmt.Errorf("--vary %s: a range needs a factor: LO..HI*FACTOR (16kb..64mb*2)", s)
		}
		vals, err := geometric(strings.TrimSpace(lo), strings.TrimSpace(hi), strings.TrimSpace(factor))
		if err != nil {
			return Vary{}, fmt.Errorf("--vary %s: %v", s, err)
		}
		v.Values = vals
		return v, nil
	}
	for _, val := range splitTop(text) {
		val = strings.TrimSpace(val)
		if val == "" {
			return Vary{}, fmt.Errorf("--vary %s: empty value", s)
		}
		v.Values = append(v.Values, val)
	}
	if len(v.Values) > maxValues {
		return Vary{}, fmt.Errorf("--vary %s: more than %d values", s, maxValues)
	}
	return v, nil
}

// splitTop splits at commas outside brackets and braces.
func splitTop(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, c := range s {
		switch c {
		case '[', '{':
			depth++
		case ']', '}':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

// geometric expands LO..HI*FACTOR: LO, LO*F, LO*F^2, ... up to HI, each
// rounded to a whole number of the range's unit, rendered in the form of
// LO (binary sizes as kb/mb/gb, SI sizes as k/m/g, durations, numbers).
func geometric(lo, hi, factor string) ([]string, error) {
	f, err := strconv.ParseFloat(factor, 64)
	if err != nil || !(f > 1) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("factor %q: want a number greater than 1", factor)
	}
	var a, b int64
	var format func(int64) string
	switch {
	case isInt(lo) && isInt(hi):
		a, _ = strconv.ParseInt(lo, 10, 64)
		b, _ = strconv.ParseInt(hi, 10, 64)
		format = func(n int64) string { return strconv.FormatInt(n, 10) }
	case isSize(lo) && isSize(hi):
		a, _ = scenarios.ParseSize(lo)
		b, _ = scenarios.ParseSize(hi)
		binary := strings.HasSuffix(strings.ToLower(lo), "b")
		format = func(n int64) string { return FormatSize(n, binary) }
	default:
		da, errA := scenarios.ParseConfigDuration(lo, time.Second)
		db, errB := scenarios.ParseConfigDuration(hi, time.Second)
		if errA != nil || errB != nil || isInt(lo) != isInt(hi) {
			return nil, fmt.Errorf("range %s..%s: want two sizes (16kb..64mb), two durations (1s..1m) or two numbers", lo, hi)
		}
		a, b = int64(da), int64(db)
		format = func(n int64) string { return time.Duration(n).String() }
	}
	if a <= 0 || b < a {
		return nil, fmt.Errorf("range %s..%s: want 0 < LO <= HI", lo, hi)
	}
	if n := math.Log(float64(b)/float64(a))/math.Log(f) + 1; n > maxValues {
		return nil, fmt.Errorf("more than %d values", maxValues)
	}
	var out []string
	for i := 0; ; i++ {
		x := float64(a) * math.Pow(f, float64(i))
		if x > float64(b)*(1+1e-9) {
			break
		}
		s := format(int64(math.Round(x)))
		if len(out) == 0 || out[len(out)-1] != s {
			out = append(out, s)
		}
	}
	return out, nil
}

func isInt(s string) bool {
	_, err := strconv.ParseInt(s, 10, 64)
	return err == nil
}

func isSize(s string) bool {
	_, err := scenarios.ParseSize(s)
	return err == nil && !isInt(s)
}

// FormatSize renders a byte count in Redis's units, in the largest unit
// that divides it: binary (1kb = 1024) or SI (1k = 1000); plain bytes
// otherwise. The result parses back to n.
func FormatSize(n int64, binary bool) string {
	units := []struct {
		suffix string
		mul    int64
	}{{"gb", 1 << 30}, {"mb", 1 << 20}, {"kb", 1 << 10}}
	if !binary {
		units = []struct {
			suffix string
			mul    int64
		}{{"g", 1e9}, {"m", 1e6}, {"k", 1e3}}
	}
	for _, u := range units {
		if n != 0 && n%u.mul == 0 {
			return strconv.FormatInt(n/u.mul, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10)
}
