package model

import (
	"testing"
	"time"
)

// The worked example of spec §11.2, measured on a real Redis 7.0.15:
// 10,000 SETs of 144 bytes, a disconnect, then W more writes. 7,359 writes
// still allow a partial resync; 7,360 force a full one. The naive rule
// "partial iff missed bytes <= repl-backlog-size" would put the limit at
// 7,281.
func TestWorkedExampleBacklogBoundary(t *testing.T) {
	for _, tc := range []struct {
		writes  int
		partial bool
		first   string
		histlen string
	}{
		{7359, true, "1430801", "1068919"},
		{7360, false, "1451241", "1048623"},
	} {
		w := replicaPair(t, func(*Config) {})
		if got := w.info("r1")["master_link_status"]; got != "up" {
			t.Fatalf("replica link %q after 10s, want up; log:\n%v", got, w.logs)
		}
		var cmds [][]string
		for i := 0; i < 10000; i++ {
			cmds = append(cmds, setWrite(i))
		}
		w.pipeline("m1", cmds)
		w.runFor(time.Second)
		if got := w.info("r1")["slave_repl_offset"]; got != "1440023" {
			t.Fatalf("replica offset %s before the cut, want 1440023", got)
		}
		w.cutLink("m1", "r1")
		cmds = cmds[:0]
		for i := 0; i < tc.writes; i++ {
			cmds = append(cmds, setWrite(10000+i))
		}
		w.pipeline("m1", cmds)
		w.runFor(100 * time.Millisecond)
		m := w.info("m1")
		if m["repl_backlog_first_byte_offset"] != tc.first || m["repl_backlog_histlen"] != tc.histlen {
			t.Errorf("W=%d: backlog first_byte %s histlen %s, want %s %s", tc.writes,
				m["repl_backlog_first_byte_offset"], m["repl_backlog_histlen"], tc.first, tc.histlen)
		}
		w.heal("m1", "r1")
		w.runFor(10 * time.Second)
		m = w.info("m1")
		wantOK, wantFull := "1", "1"
		if !tc.partial {
			wantOK, wantFull = "0", "2"
		}
		if m["sync_partial_ok"] != wantOK || m["sync_full"] != wantFull {
			t.Errorf("W=%d: sync_partial_ok %s sync_full %s, want %s %s", tc.writes, m["sync_partial_ok"], m["sync_full"], wantOK, wantFull)
		}
		r := w.info("r1")
		if r["slave_repl_offset"] != m["master_repl_offset"] || r["master_link_status"] != "up" {
			t.Errorf("W=%d: replica at %s (link %s), master at %s", tc.writes, r["slave_repl_offset"], r["master_link_status"], m["master_repl_offset"])
		}
		if w.nodes["r1"].Digest() != w.nodes["m1"].Digest() {
			t.Errorf("W=%d: datasets differ after resync", tc.writes)
		}
	}
}
