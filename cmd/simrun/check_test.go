package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const okHistory = `[
  {"client": "c1", "node": "m1", "op": "set", "key": "a", "value": "1", "call": 10, "return": 20, "outcome": "ok", "reply": "OK", "waited": -1},
  {"client": "c2", "node": "m1", "op": "get", "key": "a", "call": 30, "return": 40, "outcome": "ok", "reply": "1", "waited": -1},
  {"client": "c2", "node": "m1", "op": "incr", "key": "n", "call": 30, "return": 40, "outcome": "unknown", "waited": -1},
  {"client": "c1", "node": "m1", "op": "incr", "key": "n", "call": 50, "return": 60, "outcome": "ok", "reply": "2", "waited": -1}
]
`

// A lost write: acknowledged, then the final read misses it.
const badHistory = `[
  {"client": "c1", "node": "m1", "op": "set", "key": "a", "value": "1", "call": 10, "return": 20, "outcome": "ok", "reply": "OK", "waited": -1},
  {"client": "final", "node": "r1", "op": "get", "key": "a", "call": 100, "return": 100, "outcome": "ok", "null": true, "waited": -1}
]
`

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCheckExitCodes(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good.json", okHistory)
	if code, stdout, stderr := runCLI("check", good); code != 0 || !strings.Contains(stdout, "verdict: linearizable") {
		t.Errorf("linearizable history: exit %d\n%s%s", code, stdout, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "history.html")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("history.html written for a linearizable history (stat: %v)", err)
	}

	bad := writeFile(t, dir, "bad.json", badHistory)
	out := filepath.Join(dir, "out")
	code, stdout, _ := runCLI("check", bad, "--out", out)
	if code != 1 || !strings.Contains(stdout, "verdict: NOT linearizable") ||
		!strings.Contains(stdout, `key a: the final read of r1's dataset at 100ns found the key missing; but SET "1" by c1 on m1 (called 10ns, acknowledged 20ns)`) {
		t.Errorf("lost write: exit %d\n%s", code, stdout)
	}
	if st, err := os.Stat(filepath.Join(out, "history.html")); err != nil || st.Size() < 1000 {
		t.Errorf("history.html: %v", err)
	}

	// history.html cannot be written (--out is a file): the verdict is
	// printed and its exit 1 not hidden, the output error follows it.
	code, stdout, stderr := runCLI("check", bad, "--out", good)
	if code != 1 || !strings.Contains(stdout, "verdict: NOT linearizable") || !strings.HasPrefix(stderr, "simrun: writing history.html: ") {
		t.Errorf("unwritable history.html: exit %d\n%s%s", code, stdout, stderr)
	}
	// A linearizable history with an --out that cannot be made: an output
	// error, exit 4, after the verdict.
	code, stdout, stderr = runCLI("check", good, "--out", filepath.Join(good, "sub"))
	if code != 4 || !strings.Contains(stdout, "verdict: linearizable") || !strings.HasPrefix(stderr, "simrun: --out: ") {
		t.Errorf("--out under a file: exit %d\n%s%s", code, stdout, stderr)
	}
	// A negative budget is a bad flag, not a default.
	if code, _, stderr := runCLI("check", good, "--timeout", "-1s"); code != 2 || !strings.Contains(stderr, "--timeout -1s") {
		t.Errorf("--timeout -1s: exit %d, stderr %q", code, stderr)
	}

	// The budget runs out at once: inconclusive, exit 3.
	if code, stdout, _ := runCLI("check", good, "--timeout", "1ns"); code != 3 || !strings.Contains(stdout, "inconclusive") {
		t.Errorf("no time: exit %d\n%s", code, stdout)
	}

	// The heap is past the bound from the start: inconclusive, exit 3,
	// saying why; a bound that is not a size is a bad flag.
	if code, stdout, _ := runCLI("check", good, "--max-memory", "1"); code != 3 || !strings.Contains(stdout, "verdict: inconclusive (the check's memory passed its bound") {
		t.Errorf("no memory: exit %d\n%s", code, stdout)
	}
	for _, bad := range []string{"lots", "0", "-1gb"} {
		if code, _, stderr := runCLI("check", good, "--max-memory", bad); code != 2 || !strings.Contains(stderr, "--max-memory "+bad) {
			t.Errorf("--max-memory %s: exit %d, stderr %q", bad, code, stderr)
		}
	}

	for _, tc := range []struct{ text, want string }{
		{"[\n  {\"client\": \"c1\",, \"op\": \"get\"}\n]", "malformed.json:2:19: invalid character ','"},
		{"[\n  {\"client\": \"c1\", \"op\": \"frob\", \"outcome\": \"ok\"}\n]", `malformed.json:2:3: operation 1: op "frob"`},
		{"not json", "malformed.json:1:2: invalid character 'o' in literal null"},
	} {
		p := writeFile(t, dir, "malformed.json", tc.text)
		if code, _, stderr := runCLI("check", p); code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%q: exit %d, stderr %q, want %q", tc.text, code, stderr, tc.want)
		}
	}
	if code, _, _ := runCLI("check", filepath.Join(dir, "missing.json")); code != 2 {
		t.Errorf("missing file: exit %d", code)
	}
	if code, _, _ := runCLI("check"); code != 2 {
		t.Errorf("no file: exit %d", code)
	}
}

// A corrupt file is bad input, never a panic: every truncation and every
// single-byte change of a good file gives exit 2, or a verdict.
func TestCheckCorruptFiles(t *testing.T) {
	dir := t.TempDir()
	for i := 0; i < len(okHistory)-2; i += 3 {
		p := writeFile(t, dir, "h.json", okHistory[:i])
		if code, stdout, stderr := runCLI("check", p); code != 2 {
			t.Fatalf("truncated at %d: exit %d\n%s%s", i, code, stdout, stderr)
		}
	}
	for i := 0; i < len(okHistory); i += 2 {
		b := []byte(okHistory)
		b[i] ^= 0x15
		p := writeFile(t, dir, "h.json", string(b))
		if code, stdout, stderr := runCLI("check", p, "--out", dir); code != 0 && code != 1 && code != 2 {
			t.Fatalf("byte %d changed: exit %d\n%s%s", i, code, stdout, stderr)
		}
	}
}
