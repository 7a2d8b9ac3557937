package sweep

import (
	"strings"
	"testing"
)

// A sweep of more than MaxRuns runs, or more than scenarios.MaxSeeds seeds,
// is refused before any point is loaded, naming the flags.
func TestPlanBounds(t *testing.T) {
	elevenValues := Vary{Key: "config.repl-backlog-size", Values: strings.Split("1mb,2mb,3mb,4mb,5mb,6mb,7mb,8mb,9mb,10mb,11mb", ",")}
	for _, tc := range []struct {
		name  string
		vary  []Vary
		seeds int
		want  string
	}{
		{"seeds", nil, 100_001, "--seeds 100001: at most 100000 seeds"},
		{"runs", []Vary{elevenValues}, 100_000, "--vary and --seeds: more than 1000000 runs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewPlan(DefaultFile, DefaultScenario, nil, tc.vary, tc.seeds)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
	if _, err := NewPlan(DefaultFile, DefaultScenario, nil, []Vary{{Key: "config.repl-backlog-size", Values: []string{"1mb"}}}, 100_000); err != nil {
		t.Fatalf("100000 seeds of one point refused: %v", err)
	}
}
