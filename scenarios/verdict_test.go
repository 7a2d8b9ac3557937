package scenarios

import (
	"strings"
	"testing"
	"time"
)

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
	var exp *ExpectationResult
	for i := range o.Expectations {
		if o.Expectations[i].Name == "linearizable" {
			exp = &o.Expectations[i]
		}
	}
	lin := o.Figures.Get("linearizable")
	if lin.Known || exp == nil || !exp.Inconclusive || !exp.OK || !o.OK ||
		!strings.Contains(o.Text(), "??   linearizable: want true, got inconclusive") {
		t.Errorf("linearizable %+v, expectation %+v, ok %v\n%s", lin, exp, o.OK, o.Text())
	}
}
