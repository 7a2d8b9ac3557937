package checker

import (
	"strings"
	"testing"
)

// A check whose heap passes its bound stops and is inconclusive, saying
// why; with room it gives its verdict.
func TestMemoryLimit(t *testing.T) {
	h := []Op{
		{Client: "c1", Node: "m1", Op: "set", Key: "a", Value: ValueOf("1"), Call: 10, Return: 20, Outcome: OK},
		{Client: "c2", Node: "m1", Op: "get", Key: "a", Value: ValueOf("1"), Call: 30, Return: 40, Outcome: OK},
	}
	l := CheckLinearizable(h, Options{MemoryLimit: 1})
	if l.Result != ResultInconclusive || !strings.Contains(l.Inconclusive, "memory passed its bound") {
		t.Errorf("1 byte of heap: %s (%s)", l.Result, l.Inconclusive)
	}
	if l := CheckLinearizable(h, Options{}); l.Result != ResultOK || l.Inconclusive != "" {
		t.Errorf("default bound: %s (%s)", l.Result, l.Inconclusive)
	}
}
