package archtest

import (
	"example.com/clean/cmd/simrun"
	"example.com/clean/sim"
	"github.com/anything/at/all"
	"os"
)
