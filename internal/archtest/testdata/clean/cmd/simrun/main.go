package main

import (
	"os"

	"example.com/clean/reports"
	"example.com/clean/reports/html"
	"example.com/clean/scenarios"
	"github.com/dustin/go-humanize"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"
)

func main() { os.Exit(run(os.Args[1:])) }
