package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// --trace changes what trace.log holds, never the trace hash: full writes
// every line, faults every line but the network's, off no file.
func TestTraceModesHashTheSameLines(t *testing.T) {
	dir := t.TempDir()
	hashes := map[string]string{}
	for _, mode := range []string{"full", "faults", "off"} {
		out := filepath.Join(dir, mode)
		if code, stdout, stderr := runCLI("run", "../../scenarios/backlog-ttl-expiry.yaml", "--out", out, "--trace", mode); code != 0 {
			t.Fatalf("--trace %s: exit %d\n%s%s", mode, code, stdout, stderr)
		}
		var s struct {
			Trace string `json:"trace_sha256"`
		}
		if err := json.Unmarshal(readFile(t, filepath.Join(out, "summary.json")), &s); err != nil || s.Trace == "" {
			t.Fatalf("--trace %s: summary.json: %v, trace %q", mode, err, s.Trace)
		}
		hashes[mode] = s.Trace
	}
	if hashes["faults"] != hashes["full"] || hashes["off"] != hashes["full"] {
		t.Errorf("trace hashes differ by mode: %v", hashes)
	}
	if _, err := os.Stat(filepath.Join(dir, "off", "trace.log")); !os.IsNotExist(err) {
		t.Errorf("--trace off wrote trace.log: %v", err)
	}
	full := readFile(t, filepath.Join(dir, "full", "trace.log"))
	var want bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(full))
	nets := 0
	for sc.Scan() {
		if _, what, _ := strings.Cut(sc.Text(), " "); strings.HasPrefix(what, "net ") {
			nets++
			continue
		}
		want.WriteString(sc.Text() + "\n")
	}
	got := readFile(t, filepath.Join(dir, "faults", "trace.log"))
	if nets == 0 || !bytes.Equal(got, want.Bytes()) || !bytes.Contains(got, []byte(" fault ")) {
		t.Errorf("--trace faults: %d bytes, want the %d bytes of the full trace without its %d network lines", len(got), want.Len(), nets)
	}
	if code, _, stderr := runCLI("run", "../../scenarios/backlog-ttl-expiry.yaml", "--out", filepath.Join(dir, "x"), "--trace", "some"); code != 2 || !strings.Contains(stderr, `--trace "some": want off, faults or full`) {
		t.Errorf("--trace some: exit %d, stderr %q", code, stderr)
	}
}
