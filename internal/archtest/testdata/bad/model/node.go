package model

import (
	"example.com/bad/model/resp"
	"example.com/bad/sim"
)

var _ = resp.Version
var _ = sim.Tick
