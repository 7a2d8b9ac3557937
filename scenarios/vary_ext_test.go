package scenarios_test

import (
	"os"
	"strings"
	"testing"

	"github.com/replsim/replsim/scenarios/sweep"
)

// A --vary key that is not a plain key of the format is refused when the
// sweep is planned, naming the flag; it used to panic in the loader.
func TestVaryKeyNotPlain(t *testing.T) {
	src, err := os.ReadFile("short-disconnect.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, arg := range []string{"!x=1,2", "#x=1,2", "- x=1,2", "&a=1,2", "!x.y=1,2", "workload.*a=1,2"} {
		v, err := sweep.ParseVary(arg)
		if err == nil {
			_, err = sweep.NewPlan("short-disconnect.yaml", src, nil, []sweep.Vary{v}, 1)
		}
		if err == nil || !strings.Contains(err.Error(), "is not a key of the format") {
			t.Errorf("--vary %s: got %v, want an error saying the key is not a key of the format", arg, err)
		}
	}
}
