// Package reports turns the records of a sweep into what people read:
// results.csv (one row per run), summary.csv (one row per point, with the
// full-resync frequency and its 95% Wilson interval), plots drawn with
// gonum/plot as PNG and SVG, and report.html, one self-contained page with
// the plots, the table, the scenario, the command that reproduces it and a
// recommended backlog size.
//
// Everything here is a function of the records and the plan: the same input
// gives the same CSV and plot files, byte for byte, whatever the number of
// workers that produced it or the order in which runs finished. Only
// report.html shows wall-clock figures.
package reports
