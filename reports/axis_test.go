package reports

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/plot"
	"pgregory.net/rapid"
)

// Every number the report prints goes through Unit: sizes in Redis's
// units, durations in seconds, percentages, to three significant digits.
func TestUnitFormat(t *testing.T) {
	for _, tc := range []struct {
		u    Unit
		x    float64
		want string
	}{
		{UnitBytes, 0, "0"},
		{UnitBytes, 512, "512b"},
		{UnitBytes, 16 << 10, "16kb"},
		{UnitBytes, 52.3 * 1024, "52.3kb"},
		{UnitBytes, 3 << 20, "3mb"},
		{UnitBytes, 1.2000000000000002 * (1 << 20), "1.2mb"},
		{UnitBytes, 3.18 * (1 << 20), "3.18mb"},
		{UnitBytes, 64 << 20, "64mb"},
		{UnitBytes, 1 << 30, "1gb"},
		{UnitSeconds, 60, "60s"},
		{UnitSeconds, 62.5, "62.5s"},
		{UnitSeconds, 79.5234, "79.5s"},
		{UnitSeconds, 0.25, "250ms"},
		{UnitSeconds, 15973, "4.44h"},
		{UnitPercent, 0.35, "0.35%"},
		{UnitPercent, 1.2755, "1.28%"},
		{UnitPercent, 100, "100%"},
		{UnitPercent, math.NaN(), "-"},
	} {
		if got := tc.u.Format(tc.x); got != tc.want {
			t.Errorf("Format(%v) = %q, want %q", tc.x, got, tc.want)
		}
	}
	if got := formatDuration(time.Minute); got != "60s" {
		t.Errorf("formatDuration(1m) = %q, want 60s (not 1m0s)", got)
	}
	if got := percent(0); got != "0%" {
		t.Errorf("percent(0) = %q", got)
	}
}

// The labelled ticks of a few ranges, among them the one that printed
// 1.2000000000000002MB.
func TestUnitTicks(t *testing.T) {
	for _, tc := range []struct {
		u      Unit
		lo, hi float64
		want   string
	}{
		{UnitBytes, 0, 1.3 * (1 << 20), "0 0.2mb 0.4mb 0.6mb 0.8mb 1mb 1.2mb"},
		{UnitBytes, 0, 15.5 * (1 << 20), "0 2.5mb 5mb 7.5mb 10mb 12.5mb 15mb"},
		{UnitBytes, 0, 300 << 10, "0 50kb 100kb 150kb 200kb 250kb 300kb"},
		{UnitSeconds, 0, 125.3, "0 20s 40s 60s 80s 100s 120s"},
		{UnitSeconds, 0, 0.7, "0 100ms 200ms 300ms 400ms 500ms 600ms 700ms"},
		{UnitPercent, 0, 10, "0 2% 4% 6% 8% 10%"},
	} {
		if got := strings.Join(labels(tc.u.Ticks(tc.lo, tc.hi)), " "); got != tc.want {
			t.Errorf("%v Ticks(%v, %v) = %s, want %s", tc.u, tc.lo, tc.hi, got, tc.want)
		}
	}
	if got := strings.Join(labels(logPercentTicks(0.01)), " "); got != "0 0.1% 1% 10% 100%" {
		t.Errorf("logPercentTicks(0.01) = %s", got)
	}
}

func labels(ticks []plot.Tick) []string {
	var out []string
	for _, tk := range ticks {
		if tk.Label != "" {
			out = append(out, tk.Label)
		}
	}
	return out
}

// A label is a short decimal number and a unit: no run of zeros or nines
// left by binary floating point (1.2000000000000002, 0.30000000000000004,
// 2.9999999999999996).
var cleanLabel = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?(b|kb|mb|gb|ms|s|h|%)?$`)

// significant counts a label's significant digits: a clean label has few.
func significant(label string) int {
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, label)
	return len(strings.Trim(digits, "0"))
}

var artefact = regexp.MustCompile(`\.[0-9]*(0000|9999)`)

// For any range, the labelled ticks are clean, inside the range, strictly
// increasing, and each label reads back as its tick's value.
func TestUnitTicksProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		u := rapid.SampledFrom([]Unit{UnitBytes, UnitSeconds, UnitPercent}).Draw(t, "unit")
		// Byte axes count whole bytes: their ranges start at a byte.
		minExp := -2
		if u == UnitBytes {
			minExp = 0
		}
		hi := math.Pow10(rapid.IntRange(minExp, 11).Draw(t, "exp")) * rapid.Float64Range(1, 10).Draw(t, "mant")
		lo := hi * rapid.Float64Range(-1, 0.99).Draw(t, "lo/hi")
		if rapid.Bool().Draw(t, "from zero") {
			lo = 0
		}
		var last float64
		n := 0
		for _, tk := range u.Ticks(lo, hi) {
			if tk.Value < lo-1e-9*(hi-lo) || tk.Value > hi+1e-9*(hi-lo) {
				t.Fatalf("tick %v outside [%v, %v]", tk.Value, lo, hi)
			}
			if tk.Label == "" {
				continue
			}
			if !cleanLabel.MatchString(tk.Label) || artefact.MatchString(tk.Label) || significant(tk.Label) > 6 {
				t.Fatalf("label %q of %v in [%v, %v]", tk.Label, tk.Value, lo, hi)
			}
			if n > 0 && tk.Value <= last {
				t.Fatalf("tick %v (%s) after %v", tk.Value, tk.Label, last)
			}
			if got := readLabel(tk.Label); math.Abs(got-tk.Value) > 1e-6*(hi-lo) {
				t.Fatalf("label %q reads %v, tick at %v", tk.Label, got, tk.Value)
			}
			last, n = tk.Value, n+1
		}
		if n < 2 {
			t.Fatalf("%d labelled ticks in [%v, %v]", n, lo, hi)
		}
	})
}

// readLabel parses a tick label back into the axis's unit.
func readLabel(s string) float64 {
	mul := 1.0
	for _, u := range []struct {
		suffix string
		mul    float64
	}{{"gb", 1 << 30}, {"mb", 1 << 20}, {"kb", 1 << 10}, {"ms", 1e-3}, {"h", 3600}, {"b", 1}, {"s", 1}, {"%", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mul = strings.TrimSuffix(s, u.suffix), u.mul
			break
		}
	}
	f, _ := strconv.ParseFloat(s, 64)
	return f * mul
}
