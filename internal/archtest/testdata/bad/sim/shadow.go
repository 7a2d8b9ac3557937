package sim

import "time"

type fakeClock struct{}

func (fakeClock) Now() time.Duration { return 0 }

// A parameter named time hides the package: not a use of the real clock.
func shadowed(time fakeClock) {
	_ = time.Now()
}

// Taking the function as a value is a use all the same.
var now = time.Now
