package helper

import (
	"example.com/bad/cmd/simrun"
	"example.com/bad/sim"
	"example.com/bad/util"
	"github.com/anything/at/all"
	"os"
)
