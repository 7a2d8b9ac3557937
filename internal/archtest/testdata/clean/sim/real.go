//go:build ignore

package main

import (
	"os"
	"time"
)

func main() { go func() {}(); _ = time.Now(); os.Exit(0) }
