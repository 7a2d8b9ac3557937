package model

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
	"github.com/replsim/replsim/model/resp"
)

// TestEngine runs the engine scenarios in testdata/engine: reviewable text
// with each step and the offsets, replies and verdicts it must produce.
// Regenerate the expectations after an intended change with
//
//	go test ./model -run TestEngine -rewrite
//
// and read the diff.
func TestEngine(t *testing.T) {
	datadriven.Walk(t, filepath.Join("testdata", "engine"), func(t *testing.T, path string) {
		w := newWorld(t)
		logMark := 0
		noteMark := 0
		configs := map[string]Config{}
		rawMark := map[*testClient]int{}
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			arg := func(key string) string {
				for _, a := range d.CmdArgs {
					if a.Key == key && len(a.Vals) > 0 {
						return a.Vals[0]
					}
				}
				return ""
			}
			switch d.Cmd {
			case "reset":
				w = newWorld(t)
				logMark, noteMark = 0, 0
				return ""
			case "node":
				name := arg("name")
				cfg := DefaultConfig()
				for _, line := range strings.Split(strings.TrimSpace(d.Input), "\n") {
					if line = strings.TrimSpace(line); line == "" {
						continue
					}
					k, v, _ := strings.Cut(line, " ")
					if k == "replicaof" && !strings.Contains(v, " ") {
						v += " 6379"
					}
					if err := cfg.Set(k, v); err != nil {
						return "error: " + err.Error()
					}
				}
				configs[name] = cfg
				w.addNode(name, cfg)
				return ""
			case "run":
				dur, err := time.ParseDuration(arg("for"))
				if err != nil {
					t.Fatal(err)
				}
				w.runFor(dur)
				return ""
			case "writes":
				var n, from int
				fmt.Sscan(arg("n"), &n)
				fmt.Sscan(arg("from"), &from)
				var cmds [][]string
				for i := 0; i < n; i++ {
					cmds = append(cmds, setWrite(from+i))
				}
				w.pipeline(arg("node"), cmds)
				w.runFor(time.Millisecond)
				return ""
			case "load":
				// A steady stream of 144-byte SETs: rate per second, sent in
				// batches every 100ms, for the given time.
				var rate int
				fmt.Sscan(arg("rate"), &rate)
				dur, err := time.ParseDuration(arg("for"))
				if err != nil {
					t.Fatal(err)
				}
				node := arg("node")
				per := rate / 10
				next := 0
				for at := time.Duration(0); at < dur; at += 100 * time.Millisecond {
					from := next
					next += per
					w.at(at, func() {
						var cmds [][]string
						for i := 0; i < per; i++ {
							cmds = append(cmds, setWrite(from+i))
						}
						w.pipeline(node, cmds)
					})
				}
				w.runFor(dur)
				return ""
			case "write-bytes":
				// One SET whose propagated form is exactly this many bytes.
				var size int
				fmt.Sscan(arg("bytes"), &size)
				key := "k:exact"
				for l := 0; l < size; l++ {
					v := strings.Repeat("x", l)
					if resp.CommandLen([]byte("SET"), []byte(key), []byte(v)) == size {
						w.pipeline(arg("node"), [][]string{{"SET", key, v}})
						w.runFor(time.Millisecond)
						return ""
					}
				}
				return fmt.Sprintf("error: no SET encodes to %d bytes", size)
			case "cmd":
				var out strings.Builder
				for _, line := range strings.Split(strings.TrimSpace(d.Input), "\n") {
					v := w.do(arg("node"), strings.Fields(line)...)
					fmt.Fprintf(&out, "%s\n", v)
				}
				return out.String()
			case "send":
				// Commands from a named client, without waiting.
				w.send(arg("client"), arg("node"), strings.Split(strings.TrimSpace(d.Input), "\n"))
				return ""
			case "received":
				// The bytes a named client received since the last look,
				// one RESP line per output line.
				tc := w.clients[arg("client")+"@"+arg("node")]
				if tc == nil {
					return "error: no such client"
				}
				var out strings.Builder
				for _, l := range strings.SplitAfter(string(tc.raw[rawMark[tc]:]), "\r\n") {
					if l != "" {
						fmt.Fprintf(&out, "%q\n", l)
					}
				}
				rawMark[tc] = len(tc.raw)
				if tc.err != nil {
					fmt.Fprintf(&out, "closed: %v\n", tc.err)
				}
				return out.String()
			case "cut":
				w.cutLink(d.CmdArgs[0].Key, d.CmdArgs[1].Key)
				return ""
			case "stall":
				w.stallLink(d.CmdArgs[0].Key, d.CmdArgs[1].Key)
				return ""
			case "heal":
				w.heal(d.CmdArgs[0].Key, d.CmdArgs[1].Key)
				return ""
			case "crash":
				w.crash(d.CmdArgs[0].Key)
				return ""
			case "shutdown":
				name := d.CmdArgs[0].Key
				w.nodes[name].Shutdown()
				w.crash(name)
				return ""
			case "restart":
				if err := w.nodes[d.CmdArgs[0].Key].Start(); err != nil {
					return "error: " + err.Error()
				}
				return ""
			case "info":
				var fields []string
				if f := arg("fields"); f != "" {
					fields = strings.Split(f, ",")
				} else {
					fields = []string{"role", "master_link_status", "master_repl_offset", "slave_repl_offset",
						"repl_backlog_first_byte_offset", "repl_backlog_histlen", "sync_full", "sync_partial_ok", "sync_partial_err"}
				}
				var out strings.Builder
				m := w.info(arg("node"))
				for _, f := range fields {
					if v, ok := m[f]; ok {
						fmt.Fprintf(&out, "%s:%s\n", f, v)
					}
				}
				return out.String()
			case "same-data":
				a, b := d.CmdArgs[0].Key, d.CmdArgs[1].Key
				return fmt.Sprint(w.nodes[a].Digest() == w.nodes[b].Digest())
			case "log":
				var out strings.Builder
				node := arg("node")
				grep := arg("grep")
				for _, l := range w.logs[logMark:] {
					f := strings.SplitN(l, " ", 3)
					if (node == "" || f[1] == node) && (grep == "" || strings.Contains(l, grep)) {
						out.WriteString(l + "\n")
					}
				}
				logMark = len(w.logs)
				return out.String()
			case "notes":
				out := strings.Join(w.notes[noteMark:], "\n")
				noteMark = len(w.notes)
				return out
			}
			t.Fatalf("unknown command %q", d.Cmd)
			return ""
		})
	})
}
