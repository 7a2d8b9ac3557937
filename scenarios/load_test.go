package scenarios

import (
	"os"
	"strings"
	"testing"
	"time"
)

// The example of the format in the issue, every key of it, must load.
func TestExampleLoads(t *testing.T) {
	s, err := LoadFile("testdata/example.yaml", Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("testdata/example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "short-disconnect" || len(s.Nodes) != 3 || len(s.Faults) != 8 || len(s.Expect) != 3 {
		t.Fatalf("loaded %+v", s)
	}
	if got := s.Nodes[2].Config.ReplTimeout.String(); got != "30s" {
		t.Errorf("r2 repl-timeout %s, want 30s", got)
	}
	if got := s.Nodes[0].Config.ReplBacklogSizeBytes; got != 1<<20 {
		t.Errorf("repl-backlog-size %d", got)
	}
	// The example's sentinels: section is commented out (a file with
	// sentinels has no failover fault); uncommented, it loads.
	y := strings.ReplaceAll(strings.ReplaceAll(string(src), "# sentinels:", "sentinels:"), "#   ", "  ")
	y = strings.ReplaceAll(y, "  - {at: 4m30s, failover: r1}", "")
	s, err = Load("example.yaml", []byte(y), Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	if ss := s.Sentinels; ss == nil || len(ss.Names) != 3 || ss.FailoverTimeout != 3*time.Minute || ss.DownAfter != 30*time.Second {
		t.Errorf("sentinels %+v", ss)
	}
}

// A block scalar (description: > or |) loads as its text, not as its
// indicator.
func TestBlockScalarDescription(t *testing.T) {
	for _, style := range []string{">", "|"} {
		s, err := Load("d.yaml", []byte("name: d\ndescription: "+style+"\n  Two words.\nduration: 1s\nnodes: [{name: m1}]\n"), Overrides{})
		if err != nil {
			t.Fatal(err)
		}
		if s.Description != "Two words.\n" {
			t.Errorf("description: %s gave %q", style, s.Description)
		}
	}
}
