package scenarios_test

// An external test package may import what sits above the package it tests.
import "example.com/clean/scenarios/scenariotest"
