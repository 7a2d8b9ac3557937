package spec

// The spec is read by everything else in scenarios, and reads none of it.
import "example.com/bad/scenarios/world"
