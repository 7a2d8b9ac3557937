package sweep

import (
	"example.com/bad/scenarios"
	"example.com/bad/scenarios/spec"
	"example.com/bad/scenarios/world"
)
