//go:build !linux || ignore

package sim

import "time"

var started = time.Now()
