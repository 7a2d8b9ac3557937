package scenariotest

import (
	"testing"

	"example.com/clean/scenarios"
	"example.com/clean/scenarios/spec"
)
