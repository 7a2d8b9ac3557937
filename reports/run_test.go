package reports

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/replsim/replsim/scenarios"
)

// A run whose history is not linearizable says so in summary.json and in
// the printed summary, explains it, and draws history.html.
func TestViolationIsExplainedAndDrawn(t *testing.T) {
	s, err := scenarios.LoadFile("../scenarios/wait-failover.yaml", scenarios.Overrides{Bugs: []string{"ack-before-apply"}})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	o, err := scenarios.Run(s, 1, scenarios.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteRun(dir, o); err != nil {
		t.Fatal(err)
	}
	text := o.Text()
	for _, want := range []string{"FAIL linearizable: want true, got false", "linearizability: illegal", "explanation: key key:", "r1 promoted", "visualization: history.html"} {
		if !strings.Contains(text, want) {
			t.Errorf("summary lacks %q:\n%s", want, text)
		}
	}
	var sum struct {
		Figures     map[string]any `json:"figures"`
		Explanation string         `json:"explanation"`
		HistoryHTML string         `json:"history_html"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Figures["linearizable"] != false || !strings.Contains(sum.Explanation, "the final read of r1's dataset") || sum.HistoryHTML != "history.html" {
		t.Errorf("summary.json: linearizable %v, explanation %q, history_html %v", sum.Figures["linearizable"], sum.Explanation, sum.HistoryHTML)
	}
	page, err := os.ReadFile(filepath.Join(dir, "history.html"))
	if err != nil || len(page) < 10_000 {
		t.Errorf("history.html: %v", err)
	}
	// Titled with the scenario, the client rows named as in the history,
	// and the times said.
	for _, want := range []string{"<title>wait-failover, seed 1: not linearizable</title>", `const clientNames = ["c`, "of simulated time", "String(clientNames[i] ?? i)"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("history.html lacks %q", want)
		}
	}
	// history.json holds what was checked, final reads included: checked
	// on its own it gives the same verdict.
	v, err := scenarios.CheckHistoryFile(filepath.Join(dir, "history.json"), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if lin := v.Linearizable(); lin == nil || *lin {
		t.Errorf("history.json checked on its own: %v", lin)
	}
}
