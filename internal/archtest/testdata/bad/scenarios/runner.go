package scenarios

import (
	"os"
	"time"

	"example.com/bad/checker"
	"example.com/bad/faults"
	"example.com/bad/model"
	"example.com/bad/reports"
	"example.com/bad/scenarios/world"
	"example.com/bad/sim"
	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"gonum.org/v1/plot"
)

// Outside the world, the runner may read files and start goroutines.
func load() { go func() {}(); _ = time.Now(); _, _ = os.ReadFile("x") }
