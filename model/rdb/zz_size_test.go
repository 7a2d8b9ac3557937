package rdb
import "testing"
func TestZZSizes(t *testing.T) {
	t.Logf("%q %d", jsonValue(nil, 12345678), len(jsonValue(nil, 1)))
	for _, c := range []bool{false, true} {
		a, _ := Append(nil, benchSnapshot(c), Options{})
		b, _ := Append(nil, benchSnapshot(c), Options{NoCompression: true})
		t.Logf("compressible=%v: %d bytes compressed, %d raw", c, len(a), len(b))
	}
}
