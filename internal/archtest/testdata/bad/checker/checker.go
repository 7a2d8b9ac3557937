package checker

import (
	"example.com/bad/util"
	"github.com/anishathalye/porcupine"
	"github.com/spf13/cobra"
)

// The checker may use goroutines and the real clock.
func check() {
	go func() {}()
}
