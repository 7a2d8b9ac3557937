package scenariotest

import (
	"testing"

	"example.com/bad/scenarios"
	"example.com/bad/scenarios/spec"
	"example.com/bad/scenarios/sweep"
)
