package reports

import (
	"fmt"
	"math"
	"strings"
)

var nan = math.NaN()

// Plural writes a count with its noun, singular for 1 and plural
// otherwise: "1 run", "2 runs", "0 runs", "3 full resyncs", "2
// directories". Nouns are English and regular: an s is added, or ies
// for a y after a consonant.
func Plural[N int | int64](n N, noun string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, noun)
	}
	if stem, ok := strings.CutSuffix(noun, "y"); ok && stem != "" && !strings.ContainsRune("aeiou", rune(stem[len(stem)-1])) {
		return fmt.Sprintf("%d %sies", n, stem)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
