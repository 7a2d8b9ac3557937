package model

import (
	"fmt"
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// The db's key order, kept from one snapshot to the next, is always the
// keys in byte order with their current values, whatever sets, overwrites,
// deletes, expiries and flushes came between two passes.
func TestSortedFollowsTheKeyspace(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		d := newDB(0)
		want := map[string]string{}
		steps := rapid.IntRange(1, 300).Draw(t, "steps")
		for i := 0; i < steps; i++ {
			key := fmt.Sprintf("k%d", rapid.IntRange(0, 20).Draw(t, "key"))
			val := fmt.Sprint(i)
			switch rapid.IntRange(0, 9).Draw(t, "op") {
			case 0, 1, 2, 3:
				d.set([]byte(key), []byte(val), 0)
				want[key] = val
			case 4, 5:
				d.set([]byte(key), []byte(val), 1000)
				want[key] = val
				if k, ok := d.nextExpired(2000); ok {
					d.del(k)
					delete(want, k)
				}
			case 6, 7:
				d.del(key)
				delete(want, key)
			case 8:
				if rapid.IntRange(0, 9).Draw(t, "flush") == 0 {
					d.flush()
					clear(want)
				}
			case 9:
				var keys []string
				for k := range want {
					keys = append(keys, k)
				}
				slices.Sort(keys)
				got := d.sorted()
				if len(got) != len(keys) {
					t.Fatalf("%d keys in order, %d in the db", len(got), len(keys))
				}
				for j, e := range got {
					if e.key != keys[j] || string(e.it.val) != want[keys[j]] {
						t.Fatalf("entry %d is %s=%s, want %s=%s", j, e.key, e.it.val, keys[j], want[keys[j]])
					}
				}
			}
		}
	})
}
