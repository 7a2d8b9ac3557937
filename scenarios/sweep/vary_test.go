package sweep

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

func TestParseVary(t *testing.T) {
	for _, tc := range []struct {
		in   string
		key  string
		want []string
	}{
		{"config.repl-backlog-size=16kb,64kb,256kb", "config.repl-backlog-size", []string{"16kb", "64kb", "256kb"}},
		{"config.repl-backlog-size=16kb..1mb*2", "config.repl-backlog-size", []string{"16kb", "32kb", "64kb", "128kb", "256kb", "512kb", "1mb"}},
		{"config.repl-backlog-size=16kb..64mb*4", "config.repl-backlog-size", []string{"16kb", "64kb", "256kb", "1mb", "4mb", "16mb", "64mb"}},
		{"config.repl-backlog-size=1m..10m*10", "config.repl-backlog-size", []string{"1m", "10m"}},
		{"workload.rate=100..1000*2", "workload.rate", []string{"100", "200", "400", "800"}},
		{"workload.rate=100..300*1.5", "workload.rate", []string{"100", "150", "225"}},
		{"faults.0.for=1s..1m4s*4", "faults.0.for", []string{"1s", "4s", "16s", "1m4s"}},
		{"protocol=sync,psync,psync2", "protocol", []string{"sync", "psync", "psync2"}},
		{"faults.0.between=[m1,r1],[m1,r2]", "faults.0.between", []string{"[m1,r1]", "[m1,r2]"}},
	} {
		v, err := ParseVary(tc.in)
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if v.Key != tc.key || !reflect.DeepEqual(v.Values, tc.want) {
			t.Errorf("%s: %s = %q, want %s = %q", tc.in, v.Key, v.Values, tc.key, tc.want)
		}
	}
	for _, tc := range []struct{ in, msg string }{
		{"config.repl-backlog-size", "want KEY=V1"},
		{"=1,2", "want KEY=V1"},
		{"x=16kb..64mb", "needs a factor"},
		{"x=16kb..64mb*1", "greater than 1"},
		{"x=64mb..16kb*2", "0 < LO <= HI"},
		{"x=16kb..1s*2", "want two sizes"},
		{"x=1,,2", "empty value"},
		{"x=1..1000000000*1.0000001", "more than 1000"},
	} {
		_, err := ParseVary(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: error %v, want %q", tc.in, err, tc.msg)
		}
	}
}

func TestFormatSize(t *testing.T) {
	for n, want := range map[int64]string{16 << 10: "16kb", 64 << 20: "64mb", 1 << 30: "1gb", 1000: "1000", 1536: "1536", 0: "0"} {
		if got := FormatSize(n, true); got != want {
			t.Errorf("FormatSize(%d) = %s, want %s", n, got, want)
		}
	}
	if got := FormatSize(5_000_000, false); got != "5m" {
		t.Errorf("SI: %s", got)
	}
}

// An error in a --vary names the flag and its value, as --set errors do:
// the value at fault alone, or every knob's value of a point whose values
// are only wrong together; never a place in the file they were not in.
func TestVaryErrorsNameTheFlag(t *testing.T) {
	src, err := os.ReadFile("testdata/tiny.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		vary []string
		want string
	}{
		{[]string{"config.repl-backlog-size"}, "--vary config.repl-backlog-size: want KEY=V1,V2,... or KEY=LO..HI*FACTOR"},
		{[]string{"=1,2"}, "--vary =1,2: want KEY=V1,V2,... or KEY=LO..HI*FACTOR"},
		{[]string{"config.repl-backlog-size=lots"}, `--vary config.repl-backlog-size=lots: repl-backlog-size: invalid size "lots" (Redis units: 1k=1000, 1kb=1024, 1m, 1mb, 1g, 1gb)`},
		{[]string{"config.repl-backlog-size=16kb", "workload.rate=50,fast"}, `--vary workload.rate=fast: invalid number "fast"`},
		{[]string{"config.repl-backlog-size=16kb..1mb*0"}, `--vary config.repl-backlog-size=16kb..1mb*0: factor "0": want a number greater than 1`},
		{[]string{"nodes.1.replicaof=m1,r2", "nodes.2.replicaof=m1,r1"}, `--vary nodes.1.replicaof=r2 --vary nodes.2.replicaof=r1: replicas form a cycle through "r1": some node must be a master`},
		{[]string{"duration=1s,20s", "faults.0.from=10s"}, `--vary duration=1s --vary faults.0.from=10s: from 10s is outside the fault phase (duration 1s)`},
	} {
		var knobs []Vary
		for _, v := range tc.vary {
			k, err := ParseVary(v)
			if err == nil {
				knobs = append(knobs, k)
				continue
			}
			if err.Error() != tc.want {
				t.Errorf("ParseVary %s:\n got %v\nwant %s", v, err, tc.want)
			}
			knobs = nil
			break
		}
		if knobs == nil {
			continue
		}
		_, err := NewPlan("testdata/tiny.yaml", src, nil, knobs, 1)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%v:\n got %v\nwant %s", tc.vary, err, tc.want)
		}
	}
}
