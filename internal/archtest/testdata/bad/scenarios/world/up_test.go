package world_test

// A test may import any package of its layer.
import (
	"example.com/bad/scenarios"
	"example.com/bad/scenarios/world"
)
