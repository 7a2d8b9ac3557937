package sentinel

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
	"github.com/replsim/replsim/model"
)

// TestSentinel runs the scenarios in testdata/sentinel: model.Nodes and
// sentinels in a small world, each step with the events and replies it must
// produce. Regenerate after an intended change with
//
//	go test ./model/sentinel -run TestSentinel -rewrite
//
// and read the diff.
func TestSentinel(t *testing.T) {
	datadriven.Walk(t, filepath.Join("testdata", "sentinel"), func(t *testing.T, path string) {
		w := newWorld(t)
		mark := 0
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			arg := func(key, def string) string {
				for _, a := range d.CmdArgs {
					if a.Key == key && len(a.Vals) > 0 {
						return a.Vals[0]
					}
				}
				return def
			}
			dur := func(key, def string) time.Duration {
				v, err := time.ParseDuration(arg(key, def))
				if err != nil {
					t.Fatal(err)
				}
				return v
			}
			lines := func() []string {
				var out []string
				for _, l := range strings.Split(strings.TrimSpace(d.Input), "\n") {
					if l = strings.TrimSpace(l); l != "" {
						out = append(out, l)
					}
				}
				return out
			}
			switch d.Cmd {
			case "node":
				cfg := model.DefaultConfig()
				for _, l := range lines() {
					k, v, _ := strings.Cut(l, " ")
					if k == "replicaof" && !strings.Contains(v, " ") {
						v += " 6379"
					}
					if err := cfg.Set(k, v); err != nil {
						return "error: " + err.Error()
					}
				}
				w.addNode(arg("name", ""), cfg)
				return ""
			case "sentinels":
				// One sentinel per name, all monitoring master.
				var q int
				fmt.Sscan(arg("quorum", "2"), &q)
				var ps int
				fmt.Sscan(arg("parallel-syncs", "1"), &ps)
				for _, name := range strings.Split(arg("names", ""), ",") {
					cfg := DefaultConfig()
					cfg.MasterHost = arg("master", "m1")
					cfg.Quorum = q
					cfg.DownAfter = dur("down-after", "5s")
					cfg.FailoverTimeout = dur("failover-timeout", "60s")
					cfg.ParallelSyncs = ps
					w.addSentinel(name, cfg)
				}
				return ""
			case "run":
				if c := arg("until", ""); c != "" {
					// until=<event kind>: run until a sentinel emits it.
					before := len(w.events)
					ok := w.runUntil(dur("limit", "300s"), func() bool {
						for _, e := range w.events[before:] {
							if strings.Fields(e)[2] == c {
								return true
							}
						}
						return false
					})
					if !ok {
						return "not reached"
					}
					return ""
				}
				w.runFor(dur("for", "1s"))
				return ""
			case "crash":
				w.crash(d.CmdArgs[0].Key)
				return ""
			case "restart":
				name := d.CmdArgs[0].Key
				if n := w.nodes[name]; n != nil {
					if err := n.Start(); err != nil {
						return "error: " + err.Error()
					}
				} else {
					w.sentinels[name].Start()
				}
				return ""
			case "cut":
				for _, a := range d.CmdArgs[1:] {
					w.cutLink(d.CmdArgs[0].Key, a.Key)
				}
				return ""
			case "stall":
				for _, a := range d.CmdArgs[1:] {
					w.stall(d.CmdArgs[0].Key, a.Key)
				}
				return ""
			case "heal":
				for _, a := range d.CmdArgs[1:] {
					w.heal(d.CmdArgs[0].Key, a.Key)
				}
				return ""
			case "events":
				// Events since the last look; grep= keeps those whose kind
				// contains one of the comma-separated words.
				var out strings.Builder
				grep := arg("grep", "")
				for _, e := range w.events[mark:] {
					kind := strings.Fields(e)[2]
					keep := grep == ""
					for _, g := range strings.Split(grep, ",") {
						keep = keep || (g != "" && strings.Contains(kind, g))
					}
					if keep {
						out.WriteString(e + "\n")
					}
				}
				mark = len(w.events)
				return out.String()
			case "cmd":
				var out strings.Builder
				for _, l := range lines() {
					fmt.Fprintf(&out, "%s\n", w.do(arg("to", ""), strings.Fields(l)...))
				}
				return out.String()
			case "info":
				m := w.info(arg("node", ""))
				var out strings.Builder
				for _, f := range strings.Split(arg("fields", "role"), ",") {
					fmt.Fprintf(&out, "%s:%s\n", f, m[f])
				}
				return out.String()
			case "link":
				// One sentinel's link to the master: when its oldest
				// unanswered PING left and when the master last answered.
				s := w.sentinels[arg("sentinel", "")]
				l := s.master.link
				at := func(t time.Duration) string {
					if t == 0 {
						return "none"
					}
					return fmtTime(t - epoch)
				}
				return fmt.Sprintf("act_ping_time=%s last_avail_time=%s down_after=%s\n", at(l.actPingTime), at(l.lastAvailTime), s.cfg.DownAfter)
			case "replicas":
				// The replicas as one sentinel sees them, in name order.
				s := w.sentinels[arg("sentinel", "")]
				var out strings.Builder
				for _, r := range sortedInstances(s.master.replicas) {
					fmt.Fprintf(&out, "%s runid=%.8s priority=%d offset=%d flags=%s\n", r.name, r.runid, r.slavePriority, r.slaveReplOffset, flags(r))
				}
				return out.String()
			case "state":
				// Each sentinel's epochs, vote and master address.
				var out strings.Builder
				for _, name := range w.order {
					s := w.sentinels[name]
					leader, le := s.Vote()
					if len(leader) > 8 {
						leader = leader[:8]
					}
					host, port := s.MasterAddr()
					fmt.Fprintf(&out, "%s id=%s current_epoch=%d config_epoch=%d vote=%s/%d master=%s:%d\n",
						name, s.ID()[:8], s.CurrentEpoch(), s.ConfigEpoch(), leader, le, host, port)
				}
				return out.String()
			}
			t.Fatalf("unknown command %q", d.Cmd)
			return ""
		})
	})
}
