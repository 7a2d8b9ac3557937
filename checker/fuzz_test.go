package checker

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"
)

// fuzzOpsMax bounds the histories FuzzCheckHistory checks, so that the
// whole check, without windows, stays fast.
const fuzzOpsMax = 120

// FuzzCheckHistory reads fuzzed history files as simrun check does,
// seeded with the histories in testdata/histories. An error names the
// file, a line of the input and a column; a history that reads writes
// back as JSON that reads to the same operations; and a check in windows
// of a few operations never finds a key illegal that the whole check,
// without windows, finds linearizable (windows may miss a violation, never
// invent one).
func FuzzCheckHistory(f *testing.F) {
	files, err := filepath.Glob("testdata/histories/*.json")
	if err != nil || len(files) < 2 {
		f.Fatalf("want the histories in testdata/histories (%v): run from the package directory", err)
	}
	for i, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, uint8(2+i))
	}
	f.Add([]byte(`[{"client":"c1","op":"set","key":"k","value":{"len":1,"fingerprint":"0000000000000001","head":"61"},"call":1,"return":2,"outcome":"ok","reply":"OK"},`+
		`{"client":"c2","op":"get","key":"k","call":3,"return":4,"outcome":"ok","null":true}]`), uint8(1))
	f.Add([]byte("[\n  {\"client\": \"c1\", \"op\": \"incr\", \"key\": \"k\", \"call\": 5, \"return\": 4, \"outcome\": \"ok\", \"reply\": \"1\"}\n]"), uint8(0))
	f.Fuzz(func(t *testing.T, b []byte, window uint8) {
		ops, err := ReadHistory("h.json", bytes.NewReader(b))
		if err != nil {
			checkHistoryError(t, b, err)
			return
		}
		if len(ops) == 0 {
			return
		}
		again, err := json.Marshal(ops)
		if err != nil {
			t.Fatalf("operations that read do not write: %v", err)
		}
		back, err := ReadHistory("again.json", bytes.NewReader(again))
		if err != nil {
			t.Fatalf("operations written back do not read: %v\n%s", err, again)
		}
		if !reflect.DeepEqual(back, ops) {
			t.Fatalf("operations changed through write and read:\n got %+v\nwant %+v", back, ops)
		}
		if len(ops) > fuzzOpsMax {
			return
		}
		whole := CheckLinearizable(ops, Options{Timeout: 10 * time.Second, Workers: 1, WindowOps: -1})
		windowed := CheckLinearizable(ops, Options{Timeout: 10 * time.Second, Workers: 1, WindowOps: 1 + int(window%16)})
		if whole.Result == ResultInconclusive || windowed.Result == ResultInconclusive {
			return
		}
		if windowed.Result == ResultIllegal && whole.Result != ResultIllegal {
			t.Fatalf("windows of %d found keys %v illegal; the whole check found the history %s", 1+window%16, windowed.IllegalKeys, whole.Result)
		}
		if windowed.IllegalKeyCount <= len(windowed.IllegalKeys) && whole.IllegalKeyCount <= len(whole.IllegalKeys) {
			for _, k := range windowed.IllegalKeys {
				if !slices.Contains(whole.IllegalKeys, k) {
					t.Fatalf("windows of %d found key %q illegal; the whole check did not (%v)", 1+window%16, k, whole.IllegalKeys)
				}
			}
		}
	})
}

// historyErrorAt matches the place ReadHistory names, or the file alone
// for an empty one.
var historyErrorAt = regexp.MustCompile(`^h\.json(:(\d+):(\d+))?: `)

// checkHistoryError checks that err names the file and a line and column
// inside b (the column may be one past the end of its line).
func checkHistoryError(t *testing.T, b []byte, err error) {
	t.Helper()
	m := historyErrorAt.FindStringSubmatch(err.Error())
	if m == nil {
		t.Fatalf("error does not name the file: %v", err)
	}
	if m[1] == "" {
		if len(bytes.TrimSpace(b)) != 0 {
			t.Fatalf("error names no line in a file that is not empty: %v", err)
		}
		return
	}
	line, _ := strconv.Atoi(m[2])
	col, _ := strconv.Atoi(m[3])
	lines := bytes.Split(b, []byte("\n"))
	if line < 1 || line > len(lines) {
		t.Fatalf("line %d of a %d-line input: %v", line, len(lines), err)
	}
	if col < 1 || col > len(lines[line-1])+1 {
		t.Fatalf("column %d of a line of %d bytes: %v", col, len(lines[line-1]), err)
	}
}
