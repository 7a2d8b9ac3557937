package scenarios

import "testing"

// The same faults cost very different numbers of full syncs under the three
// protocol generations.
func TestProtocolGenerations(t *testing.T) {
	for _, tc := range []struct {
		protocol      string
		full, partial int64
	}{{"sync", 6, 0}, {"psync", 2, 4}, {"psync2", 0, 6}} {
		s, err := LoadFile("protocol-sync-vs-psync.yaml", mustSets(t, "protocol="+tc.protocol))
		if err != nil {
			t.Fatal(err)
		}
		o, err := Run(s, 1, RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		full, partial, converged := o.Figures.Int("full_resyncs"), o.Figures.Int("partial_resyncs"), o.Figures.Int("converged")
		if full != tc.full || partial != tc.partial || converged != 1 {
			t.Errorf("%s: full_resyncs %d partial_resyncs %d converged %d, want %d %d 1",
				tc.protocol, full, partial, converged, tc.full, tc.partial)
		}
	}
}
