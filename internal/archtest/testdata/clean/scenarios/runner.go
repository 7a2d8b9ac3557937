package scenarios

import (
	"os"

	"example.com/clean/checker"
	"example.com/clean/faults"
	"example.com/clean/model"
	"example.com/clean/scenarios/spec"
	"example.com/clean/scenarios/world"
	"example.com/clean/sim"
	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/parser"
)

func load() { go func() {}(); _, _ = os.ReadFile("x") }
