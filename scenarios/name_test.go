package scenarios

import (
	"strings"
	"testing"
)

// A scenario's name becomes a folder (simrun-out/<name>/, sweep-<name>), so
// a name that would climb out of the output folder, hide, or hold a
// separator is refused at load, with its position, like a bad node name.
func TestScenarioNameIsOnePathSegment(t *testing.T) {
	rest := strings.TrimPrefix(base, "name: t\n")
	for _, name := range []string{`../../../escaped`, `a/b`, `a\\b`, `.hidden`, `..`, `"a b"`, `"x\0y"`, `"` + strings.Repeat("n", 101) + `"`} {
		_, err := Load("t.yaml", []byte("name: "+name+"\n"+rest), Overrides{})
		if err == nil || !strings.Contains(err.Error(), "t.yaml:1:7: name ") {
			t.Errorf("name: %s: err = %v, want a positioned refusal", name, err)
		}
	}
	for _, name := range []string{"t", "backlog-boundary", "Run_2.b", "0x"} {
		if _, err := Load("t.yaml", []byte("name: "+name+"\n"+rest), Overrides{}); err != nil {
			t.Errorf("name: %s: %v", name, err)
		}
	}
	if _, err := Load("t.yaml", []byte(base), mustSets(t, "name=../up")); err == nil || !strings.Contains(err.Error(), "--set name=../up") {
		t.Errorf("--set name=../up: err = %v, want it refused naming the flag", err)
	}
}
