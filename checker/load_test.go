package checker

import (
	"strings"
	"testing"
)

// A history file that is corrupt or malformed is an error naming the
// place, never a panic.
func TestReadHistoryErrors(t *testing.T) {
	good := `{"client": "c1", "node": "m1", "op": "set", "key": "a", "value": "1", "call": 1, "return": 2, "outcome": "ok", "reply": "OK", "waited": -1}`
	for _, tc := range []struct{ in, want string }{
		{"", "h.json: empty file"},
		{"  \n", "h.json: empty file"},
		{"{}", "h.json:1:1: want a JSON array of operations"},
		{"[" + good + ",\n  {\"client\": \"c1\" \"op\": \"get\"}]", "h.json:2:19: invalid character '\"' after object key:value pair"},
		{"[" + good + ",\n  {\"client\": \"c1\", \"frob\": 1}]", `h.json:2:3: unknown field "frob"`},
		{"[\n  {\"client\": \"c1\", \"call\": \"soon\"}]", "h.json:2:3: call: want int64, got JSON string"},
		{"[\n  {\"client\": \"c1\", \"op\": \"mset\", \"outcome\": \"ok\"}]", `h.json:2:3: operation 1: op "mset": want set, get, incr, append, del or expire`},
		{"[{\"client\": \"c1\", \"op\": \"get\"}]", `h.json:1:2: operation 1: "outcome" missing`},
		{"[{\"client\": \"c1\", \"op\": \"get\", \"outcome\": \"maybe\"}]", `outcome "maybe": want ok, fail or unknown`},
		{"[{\"op\": \"get\", \"outcome\": \"ok\"}]", `"client" missing`},
		{"[{\"client\": \"c1\", \"op\": \"incr\", \"outcome\": \"ok\", \"reply\": \"x\", \"call\": 1, \"return\": 2}]", `reply "x" of incr: want an integer`},
		{"[{\"client\": \"c1\", \"op\": \"get\", \"outcome\": \"ok\", \"call\": 5, \"return\": 2}]", "returns at 2, before its call at 5"},
		{"[" + good, "h.json:1:" + "unexpected end of file"},
		{"[" + good + "] [", "data after the array"},
		{"[1]", "h.json:1:2: operation: want checker.Op, got JSON number"},
		{"[{\"client\": \"c1\", \"op\": \"get\", \"outcome\": \"ok\", \"ttl_ms\": 5}]", "ttl_ms on a get: only set and expire give a key a time to live"},
		{"[{\"client\": \"c1\", \"op\": \"expire\", \"outcome\": \"ok\", \"reply\": \"1\"}]", `an expire without "ttl_ms"`},
		{"[{\"client\": \"c1\", \"op\": \"set\", \"outcome\": \"ok\", \"ttl_ms\": -1}]", "ttl_ms -1: want a positive time to live"},
		{"[{\"client\": \"c1\", \"op\": \"set\", \"outcome\": \"ok\", \"db\": -2}]", "db -2: want 0 or more"},
	} {
		_, err := ReadHistory("h.json", strings.NewReader(tc.in))
		if err == nil || !strings.Contains(err.Error(), strings.TrimSuffix(tc.want, "unexpected end of file")) || (strings.HasSuffix(tc.want, "unexpected end of file") && !strings.Contains(err.Error(), "unexpected end of file")) {
			t.Errorf("%q: got %v, want %q", tc.in, err, tc.want)
		}
	}
	ops, err := ReadHistory("h.json", strings.NewReader("[\n"+good+",\n"+good+"\n]\n"))
	if err != nil || len(ops) != 2 || ops[1].Value != ValueOf("1") {
		t.Fatalf("good file: %v %v", ops, err)
	}
	if ops, err := ReadHistory("h.json", strings.NewReader("[]")); err != nil || len(ops) != 0 {
		t.Fatalf("empty array: %v %v", ops, err)
	}
}
