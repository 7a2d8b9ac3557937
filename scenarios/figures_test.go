package scenarios

import (
	"encoding/json"
	"flag"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

var update = flag.Bool("update", false, "rewrite generated files (docs/figures.md)")

// docs/figures.md is the figures table, generated: the two never disagree.
func TestFiguresDoc(t *testing.T) {
	const path = "../docs/figures.md"
	want := FiguresMarkdown()
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("%s differs from the figures table; run go test ./scenarios -run TestFiguresDoc -update", path)
	}
	for _, f := range Figures {
		if !strings.Contains(string(got), "| `"+f.Name+"` |") {
			t.Errorf("%s does not list %s", path, f.Name)
		}
	}
}

// The table is well formed: unique names, a kind, a rule, a group, a doc,
// and a unit that says what the kind is.
func TestFiguresTable(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range Figures {
		switch {
		case seen[f.Name]:
			t.Errorf("%s defined twice", f.Name)
		case f.Kind == 0 || f.Agg == 0 || f.value == nil || f.Doc == "":
			t.Errorf("%s: kind, agg, value and doc are required", f.Name)
		case !slices.Contains(figureGroups, f.Group):
			t.Errorf("%s: unknown group %q", f.Name, f.Group)
		case (f.Kind == KindDuration) != (f.Unit == "s"), (f.Kind == KindBytes) != (f.Unit == "bytes"):
			t.Errorf("%s: kind %s with unit %q", f.Name, f.Kind, f.Unit)
		case f.Kind == KindBool && f.Agg != AggCountTrue, f.Kind != KindBool && f.Agg == AggCountTrue:
			t.Errorf("%s: a bool is counted over runs, and only a bool", f.Name)
		}
		seen[f.Name] = true
	}
}

// Values written as JSON read back equal, whatever the values.
func TestValuesJSONRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		vs := make(Values, len(Figures))
		for i, f := range Figures {
			if !rapid.Bool().Draw(t, "known") {
				continue
			}
			v := Value{Known: true}
			switch f.Kind {
			case KindBool:
				v.Int = int64(rapid.IntRange(0, 1).Draw(t, "b"))
			case KindReasons:
				v.Reasons = rapid.MapOf(rapid.SampledFrom([]string{"backlog", "replid", "no-backlog", "output-buffer"}), rapid.Int64Range(0, 1e6)).Draw(t, "reasons")
			default:
				v.Int = rapid.Int64().Draw(t, "n")
			}
			vs[i] = v
		}
		b, err := json.Marshal(vs)
		if err != nil {
			t.Fatal(err)
		}
		var back Values
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		for i, f := range Figures {
			a, z := vs[i], back[i]
			if a.Known != z.Known || a.Int != z.Int || len(a.Reasons) != len(z.Reasons) {
				t.Fatalf("%s: wrote %+v, read %+v (%s)", f.Name, a, z, b)
			}
			for k, n := range a.Reasons {
				if z.Reasons[k] != n {
					t.Fatalf("%s: reason %s wrote %d read %d", f.Name, k, n, z.Reasons[k])
				}
			}
		}
	})
	var vs Values
	if err := json.Unmarshal([]byte(`{"frobs": 1}`), &vs); err == nil || !strings.Contains(err.Error(), `unknown figure "frobs"`) {
		t.Errorf("an unknown figure: %v", err)
	}
	if err := json.Unmarshal([]byte(`{"outage_max": "1s"}`), &vs); err == nil {
		t.Error("a duration as a string was accepted")
	}
}

func TestSecondsExact(t *testing.T) {
	for _, ns := range []int64{0, 1, 999, 1e9, 1500000000, 12000000001, -2500000000, 1<<62 + 7, math.MinInt64, math.MaxInt64} {
		s := seconds(ns)
		back, err := parseSeconds(s)
		if err != nil || back != ns {
			t.Errorf("%d -> %s -> %d, %v", ns, s, back, err)
		}
	}
	if got := seconds(12_500_000_000); got != "12.5" {
		t.Errorf("seconds(12.5s) = %s", got)
	}
}
