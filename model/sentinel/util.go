package sentinel

import (
	"strconv"
	"time"
)

func itoa(n int) string    { return strconv.Itoa(n) }
func utoa(n uint64) string { return strconv.FormatUint(n, 10) }
func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func ms(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) }
