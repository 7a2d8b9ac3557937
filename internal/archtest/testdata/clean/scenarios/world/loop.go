package world

import (
	"example.com/clean/model"
	"example.com/clean/scenarios/spec"
	"example.com/clean/sim"
)

func loop(s *sim.Scheduler) { s.Step() }
