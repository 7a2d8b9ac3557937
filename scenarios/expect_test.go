package scenarios

import (
	"strings"
	"testing"
	"time"
)

// An expectation reads its values in the figure's unit: a count, a size,
// a duration; a name that is not a figure suggests the closest one.
func TestExpectationUnits(t *testing.T) {
	base := "name: e\nduration: 10s\nnodes: [{name: m1}, {name: r1, replicaof: m1}]\nexpect:\n"
	s, err := Load("e.yaml", []byte(base+"  outage_max: {max: 30s}\n  snapshot_bytes: {min: 1kb, max: 4mb}\n  reconnects: 0\n  converged: true\n"), Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		name, text string
		min, max   int64
	}{{"outage_max", "<= 30s", -1, int64(30 * time.Second)}, {"snapshot_bytes", "1kb..4mb", 1024, 4 << 20}, {"reconnects", "0", -1, -1}, {"converged", "true", -1, -1}}
	for i, w := range want {
		e := s.Expect[i]
		if e.Name != w.name || e.Want != w.text || (w.min >= 0 && *e.Min != w.min) || (w.max >= 0 && *e.Max != w.max) {
			t.Errorf("expectation %d: %+v, want %+v", i, e, w)
		}
	}
	for _, tc := range []struct{ yaml, want string }{
		{"  outage_max: 30\n", `e.yaml:5:15: outage_max is a duration: want a duration (500ms, 30s), got "30"`},
		{"  snapshot_bytes: {max: lots}\n", `e.yaml:5:25: snapshot_bytes is a bytes: want a size (4mb, 1000), got "lots"`},
		{"  full_resync: 0\n", `e.yaml:5:3: unknown figure "full_resync" (did you mean "full_resyncs"?)`},
		{"  reconnects: -1\n", `e.yaml:5:15: reconnects is a count: want a whole number, got "-1"`},
		{"  converged: 1\n", `e.yaml:5:3: converged is true or false`},
		{"  full_resync_reasons: 0\n", `e.yaml:5:3: unknown figure "full_resync_reasons"`},
	} {
		_, err := Load("e.yaml", []byte(base+tc.yaml), Overrides{})
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q: got %v\nwant %s", tc.yaml, err, tc.want)
		}
	}
}

// A duration expectation is checked against the figure, and the summary
// shows both in the figure's unit.
func TestDurationExpectationChecked(t *testing.T) {
	// The 20s disconnect in a 40s run: the outage is the same.
	ov, err := SetArgs("duration=40s", "faults.0.at=15s", "expect.outage_max={max: 1ms}", "expect.heal_time={max: 1m}")
	if err != nil {
		t.Fatal(err)
	}
	s, err := LoadFile("short-disconnect.yaml", ov)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := Run(s, 1, RunOptions{SkipLinearizability: true})
	if err != nil {
		t.Fatal(err)
	}
	text := rec.Text()
	for _, want := range []string{"FAIL outage_max: want <= 1ms, got 20.00", "ok   heal_time: want <= 1m, got 100ms"} {
		if !strings.Contains(text, want) {
			t.Errorf("the summary lacks %q:\n%s", want, text)
		}
	}
	if rec.OK {
		t.Error("a failed expectation left the run OK")
	}
}
