package sim

import (
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
	"pgregory.net/rapid"
)

func TestClock(t *testing.T) {
	_ = time.Now()
	_ = rand.IntN(3)
	go func() {}()
	select {}
	_, _ = os.Getwd()
}
