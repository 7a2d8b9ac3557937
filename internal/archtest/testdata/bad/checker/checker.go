package checker

import (
	"github.com/anishathalye/porcupine"
	"example.com/bad/util"
	"github.com/spf13/cobra"
)

// The checker may use goroutines and the real clock.
func check() {
	go func() {}()
}
