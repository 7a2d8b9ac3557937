package sentinel

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/replsim/replsim/model"
	"pgregory.net/rapid"
)

// TestElectionProperties drives a master, two replicas and three to five
// sentinels through drawn crashes, restarts, cuts and heals, and checks
// Sentinel's safety promises at every event: a sentinel votes at most once
// per epoch; its current and config epochs never decrease; and a sentinel
// that declares itself elected leader holds votes from at least the quorum
// and a majority of the sentinels in that epoch.
func TestElectionProperties(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(rt *rapid.T) {
		w := newWorld(t)
		w.addNode("m1", model.DefaultConfig())
		for _, r := range []string{"r1", "r2"} {
			cfg := model.DefaultConfig()
			cfg.ReplicaOfHost, cfg.ReplicaOfPort = "m1", 6379
			w.addNode(r, cfg)
		}
		n := rapid.IntRange(3, 5).Draw(rt, "sentinels")
		quorum := rapid.IntRange(1, n).Draw(rt, "quorum")
		var names []string
		for i := range n {
			cfg := DefaultConfig()
			cfg.MasterHost = "m1"
			cfg.Quorum = quorum
			cfg.DownAfter = time.Duration(rapid.IntRange(1, 5).Draw(rt, fmt.Sprintf("down-after-s%d", i))) * time.Second
			cfg.FailoverTimeout = 20 * time.Second
			name := fmt.Sprintf("s%d", i+1)
			names = append(names, name)
			w.addSentinel(name, cfg)
		}
		byID := map[string]string{}
		for _, name := range names {
			byID[w.sentinels[name].ID()] = name
		}
		votes := map[string]map[uint64]string{} // voter -> epoch -> leader id
		w.onEvent = func(host string, e Event) {
			switch e.Kind {
			case "+vote-for-leader":
				f := strings.Fields(e.Payload)
				epoch, _ := strconv.ParseUint(f[1], 10, 64)
				if votes[host] == nil {
					votes[host] = map[uint64]string{}
				}
				if prev, ok := votes[host][epoch]; ok {
					rt.Fatalf("%s voted twice in epoch %d: %s then %s", host, epoch, prev, f[0])
				}
				votes[host][epoch] = f[0]
			case "+elected-leader":
				s := w.sentinels[host]
				epoch := s.master.failoverEpoch
				got := 0
				for _, v := range votes {
					if v[epoch] == s.ID() {
						got++
					}
				}
				if got < quorum || got < n/2+1 {
					rt.Fatalf("%s elected in epoch %d with %d votes (quorum %d, %d sentinels)", host, epoch, got, quorum, n)
				}
			}
		}
		w.runFor(20 * time.Second) // discovery
		type epochs struct{ current, config uint64 }
		last := map[string]epochs{}
		steps := rapid.IntRange(1, 8).Draw(rt, "steps")
		procs := append([]string{"m1", "r1", "r2"}, names...)
		for range steps {
			a := rapid.SampledFrom(procs).Draw(rt, "a")
			switch rapid.IntRange(0, 3).Draw(rt, "verb") {
			case 0:
				if w.up(a) {
					w.crash(a)
				}
			case 1:
				if !w.up(a) {
					if nd := w.nodes[a]; nd != nil {
						if err := nd.Start(); err != nil {
							rt.Fatal(err)
						}
					} else {
						w.sentinels[a].Start()
					}
				}
			case 2:
				w.cutLink(a, rapid.SampledFrom(procs).Draw(rt, "b"))
			case 3:
				clear(w.cut)
			}
			w.runFor(time.Duration(rapid.IntRange(1, 60).Draw(rt, "gap-s")) * time.Second)
			for _, name := range names {
				s := w.sentinels[name]
				now := epochs{s.CurrentEpoch(), s.ConfigEpoch()}
				if p := last[name]; now.current < p.current || now.config < p.config {
					rt.Fatalf("%s epochs went back: %+v then %+v", name, p, now)
				}
				last[name] = now
			}
		}
	})
}

// TestDeterministic runs the same failover twice and requires the same
// events at the same instants: time and randomness are inputs.
func TestDeterministic(t *testing.T) {
	run := func() []string {
		w := newWorld(t)
		w.addNode("m1", model.DefaultConfig())
		cfg := model.DefaultConfig()
		cfg.ReplicaOfHost, cfg.ReplicaOfPort = "m1", 6379
		w.addNode("r1", cfg)
		for _, name := range []string{"s1", "s2", "s3"} {
			c := DefaultConfig()
			c.MasterHost = "m1"
			c.DownAfter = 2 * time.Second
			w.addSentinel(name, c)
		}
		w.runFor(15 * time.Second)
		w.crash("m1")
		w.runFor(30 * time.Second)
		return w.events
	}
	a, b := run(), run()
	if !slices.Equal(a, b) {
		t.Fatalf("two runs differ:\n%s\n----\n%s", strings.Join(a, "\n"), strings.Join(b, "\n"))
	}
	if !slices.ContainsFunc(a, func(e string) bool { return strings.Contains(e, "+switch-master") }) {
		t.Fatalf("no failover happened:\n%s", strings.Join(a, "\n"))
	}
}
