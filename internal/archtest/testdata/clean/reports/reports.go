package reports

import (
	"os"

	"example.com/clean/checker"
	"example.com/clean/reports/html"
	"example.com/clean/scenarios"
	"github.com/anishathalye/porcupine"
	"github.com/dustin/go-humanize"
	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
)
