package reports

import "math"

var nan = math.NaN()
