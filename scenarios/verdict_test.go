package scenarios

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A run whose history is not linearizable says so in summary.json and in
// the printed summary, explains it, and draws history.html.
func TestViolationIsExplainedAndDrawn(t *testing.T) {
	s, err := LoadFile("wait-failover.yaml", Overrides{Bugs: []string{"ack-before-apply"}})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	o, err := Run(s, 1, RunOptions{OutDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	text := o.Summary.Text()
	for _, want := range []string{"FAIL linearizable: want true, got false", "linearizability: illegal", "explanation: key key:", "r1 promoted", "visualization: history.html"} {
		if !strings.Contains(text, want) {
			t.Errorf("summary lacks %q:\n%s", want, text)
		}
	}
	var sum map[string]any
	b, _ := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	if sum["linearizable"] != false || !strings.Contains(sum["explanation"].(string), "the final read of r1's dataset") || sum["history_html"] != "history.html" {
		t.Errorf("summary.json: linearizable %v, explanation %q, history_html %v", sum["linearizable"], sum["explanation"], sum["history_html"])
	}
	if st, err := os.Stat(filepath.Join(dir, "history.html")); err != nil || st.Size() < 10_000 {
		t.Errorf("history.html: %v", err)
	}
	// history.json holds what was checked, final reads included: checked
	// on its own it gives the same verdict.
	v, err := CheckHistoryFile(filepath.Join(dir, "history.json"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if lin := v.Linearizable(); lin == nil || *lin {
		t.Errorf("history.json checked on its own: %v", lin)
	}
}

// A check that runs out of time is inconclusive: neither a pass nor a
// failure of the linearizable expectation.
func TestInconclusiveIsNeitherPassNorFail(t *testing.T) {
	s, err := LoadFile("wait-acknowledged.yaml", Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	o, err := Run(s, 1, RunOptions{CheckTimeout: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	sum := o.Summary
	var exp *ExpectationResult
	for i := range sum.Expectations {
		if sum.Expectations[i].Name == "linearizable" {
			exp = &sum.Expectations[i]
		}
	}
	if sum.Linearizable != nil || exp == nil || !exp.Inconclusive || !exp.OK || !sum.OK ||
		!strings.Contains(sum.Text(), "??   linearizable: want true, got inconclusive") {
		t.Errorf("linearizable %v, expectation %+v, ok %v\n%s", sum.Linearizable, exp, sum.OK, sum.Text())
	}
}
