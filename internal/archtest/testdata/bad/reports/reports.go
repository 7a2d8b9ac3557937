package reports

import (
	"example.com/bad/checker"
	"example.com/bad/scenarios"
	"example.com/bad/sim"
	"github.com/dustin/go-humanize"
	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/plot/plotter"
)
