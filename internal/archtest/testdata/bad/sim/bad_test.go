package sim

import (
	"os"
	"testing"
	"time"
)

// Tests may use the real clock, goroutines and files.
func TestReal(t *testing.T) {
	_ = time.Now()
	go func() {}()
	_, _ = os.Getwd()
}
