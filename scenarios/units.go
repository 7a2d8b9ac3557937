package scenarios

import (
	"time"

	"github.com/replsim/replsim/model"
)

// ParseSize parses a byte count in Redis's units (16kb = 16384, 1m =
// 1000000, 1000), as redis.conf and the scenario format take it.
func ParseSize(s string) (int64, error) { return model.ParseBytes(s) }

// ParseConfigDuration parses a redis.conf duration: a plain number counts
// in unit (repl-timeout 60 is seconds), or a number with a unit (500ms).
func ParseConfigDuration(s string, unit time.Duration) (time.Duration, error) {
	return model.ParseDuration(s, unit)
}
