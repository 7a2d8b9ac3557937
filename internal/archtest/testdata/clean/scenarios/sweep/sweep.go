package sweep

import (
	"example.com/clean/scenarios"
	"example.com/clean/scenarios/spec"
)
