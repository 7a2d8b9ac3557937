package world

import (
	"example.com/bad/scenarios"
	"example.com/bad/scenarios/spec"
)
