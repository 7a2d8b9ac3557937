package sentinel

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/replsim/replsim/model"
	"github.com/replsim/replsim/model/resp"
)

// leaderPhases are the events of a failover's leader, in the order Sentinel
// emits them, that the differential test compares.
var leaderPhases = []string{
	"+sdown", "+odown", "+new-epoch", "+try-failover", "+vote-for-leader", "+elected-leader",
	"+failover-state-select-slave", "+selected-slave", "+failover-state-send-slaveof-noone",
	"+failover-state-wait-promotion", "+promoted-slave", "+failover-state-reconf-slaves",
	"+slave-reconf-sent", "+slave-reconf-inprog", "+slave-reconf-done", "+failover-end", "+switch-master",
}

// failoverRecord is what the differential test compares: the leader's
// phases in order, the replica it chose, the new config epoch, and the time
// from the master's death to each phase.
type failoverRecord struct {
	phases []string
	at     map[string]time.Duration // first time of each phase, from the kill
	chosen string                   // r1 or r2
	epoch  string
}

// TestFailoverMatchesRealSentinel kills the master of a real trio (three
// redis-server processes, three sentinels: quorum 2, down-after 5 s) on
// 127.0.0.1 and the master of the same deployment in the engine, and
// compares the leader's phases in order, the chosen replica (r2, by its
// lower replica-priority), the new config epoch, and the times from the
// kill to SDOWN and to +switch-master within what Sentinel's 1-second PING
// period and 52-100 ms ticks allow. It takes about 20 s of wall time, most
// of it waiting on the real sentinels, so it runs beside the package's
// other tests and the engine's run beside the real one; it skips with
// -short or without redis-server.
func TestFailoverMatchesRealSentinel(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real redis-server and sentinel processes; skipped with -short")
	}
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server not on PATH")
	}
	t.Parallel()
	var real, sim failoverRecord
	t.Run("side-by-side", func(t *testing.T) {
		t.Run("real", func(t *testing.T) { t.Parallel(); real = realFailover(t) })
		t.Run("engine", func(t *testing.T) { t.Parallel(); sim = simFailover(t) })
	})
	if t.Failed() {
		return
	}
	t.Logf("phase                              real      sim")
	for _, p := range leaderPhases {
		t.Logf("%-34s %8.3fs %8.3fs", p, real.at[p].Seconds(), sim.at[p].Seconds())
	}
	if !slices.Equal(real.phases, sim.phases) {
		t.Errorf("leader phases differ:\nreal %v\nsim  %v", real.phases, sim.phases)
	}
	if real.chosen != sim.chosen || real.epoch != sim.epoch {
		t.Errorf("real chose %s in epoch %s, the engine %s in epoch %s", real.chosen, real.epoch, sim.chosen, sim.epoch)
	}
	for _, p := range []string{"+sdown", "+switch-master"} {
		if d := real.at[p] - sim.at[p]; d > 1500*time.Millisecond || d < -1500*time.Millisecond {
			t.Errorf("%s: real %s after the kill, the engine %s", p, real.at[p], sim.at[p])
		}
	}
}

func simFailover(t *testing.T) failoverRecord {
	w := newWorld(t)
	w.addNode("m1", model.DefaultConfig())
	for _, r := range []string{"r1", "r2"} {
		cfg := model.DefaultConfig()
		cfg.ReplicaOfHost, cfg.ReplicaOfPort = "m1", 6379
		if r == "r2" {
			cfg.ReplicaPriority = 50
		}
		w.addNode(r, cfg)
	}
	for _, s := range []string{"s1", "s2", "s3"} {
		cfg := DefaultConfig()
		cfg.MasterHost = "m1"
		cfg.DownAfter = 5 * time.Second
		cfg.FailoverTimeout = 60 * time.Second
		w.addSentinel(s, cfg)
	}
	w.runFor(25 * time.Second)
	killed := w.now
	w.crash("m1")
	mark := len(w.events)
	w.runFor(30 * time.Second)
	var evs []timedEvent
	for _, e := range w.events[mark:] {
		f := strings.SplitN(e, " ", 4)
		at, _ := time.ParseDuration(f[0])
		evs = append(evs, timedEvent{at: at - killed, host: f[1], kind: f[2], payload: f[3]})
	}
	return record(t, evs, func(payload string) string {
		if strings.Contains(payload, "r2:6379") {
			return "r2"
		}
		return "r1"
	})
}

type timedEvent struct {
	at                  time.Duration
	host, kind, payload string
}

// record finds the leader (the sentinel that emitted +elected-leader) and
// keeps its phases.
func record(t *testing.T, evs []timedEvent, replica func(payload string) string) failoverRecord {
	leader := ""
	for _, e := range evs {
		if e.kind == "+elected-leader" {
			leader = e.host
			break
		}
	}
	if leader == "" {
		t.Fatalf("no leader elected; events: %v", evs)
	}
	r := failoverRecord{at: map[string]time.Duration{}}
	for _, e := range evs {
		if e.host != leader || !slices.Contains(leaderPhases, e.kind) {
			continue
		}
		if _, seen := r.at[e.kind]; seen {
			continue
		}
		r.at[e.kind] = e.at
		r.phases = append(r.phases, e.kind)
		switch e.kind {
		case "+selected-slave":
			r.chosen = replica(e.payload)
		case "+new-epoch":
			r.epoch = e.payload
		}
	}
	return r
}

func realFailover(t *testing.T) failoverRecord {
	dir := t.TempDir()
	ports := map[string]int{}
	for _, name := range []string{"m1", "r1", "r2", "s1", "s2", "s3"} {
		ports[name] = freePort(t)
	}
	pids := map[string]*exec.Cmd{}
	start := func(name string, args ...string) {
		d := filepath.Join(dir, name)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("redis-server", args...)
		cmd.Dir = d
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		pids[name] = cmd
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	}
	for _, name := range []string{"m1", "r1", "r2"} {
		args := []string{"--port", strconv.Itoa(ports[name]), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
			"--logfile", "redis.log"}
		if name != "m1" {
			args = append(args, "--replicaof", "127.0.0.1", strconv.Itoa(ports["m1"]))
		}
		if name == "r2" {
			args = append(args, "--replica-priority", "50")
		}
		start(name, args...)
	}
	for _, name := range []string{"s1", "s2", "s3"} {
		conf := filepath.Join(dir, name+".conf")
		text := fmt.Sprintf("port %d\nbind 127.0.0.1\ndir %s\nlogfile sentinel.log\n"+
			"sentinel monitor mymaster 127.0.0.1 %d 2\nsentinel down-after-milliseconds mymaster 5000\n"+
			"sentinel failover-timeout mymaster 60000\n", ports[name], filepath.Join(dir, name), ports["m1"])
		if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		start(name, conf, "--sentinel")
	}
	events := make(chan timedEvent, 1000)
	for _, name := range []string{"s1", "s2", "s3"} {
		var conn net.Conn
		var err error
		for try := 0; try < 100; try++ {
			if conn, err = net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[name]))); err == nil {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if err != nil {
			log, _ := os.ReadFile(filepath.Join(dir, name, "sentinel.log"))
			t.Fatalf("%s: %v\n%s", name, err, log)
		}
		t.Cleanup(func() { conn.Close() })
		conn.Write(resp.AppendCommandString(nil, append([]string{"SUBSCRIBE"}, leaderPhases...)...))
		go func() {
			rr := resp.NewReader(resp.Limits{})
			buf := make([]byte, 64<<10)
			for {
				n, err := conn.Read(buf)
				if err != nil {
					return
				}
				rr.Feed(buf[:n])
				for {
					v, _, ok, err := rr.ReadReply()
					if err != nil || !ok {
						break
					}
					if len(v.Array) == 3 && v.Array[0].Str == "message" {
						events <- timedEvent{at: time.Duration(time.Now().UnixNano()), host: name, kind: v.Array[1].Str, payload: v.Array[2].Str}
					}
				}
			}
		}()
	}
	// Discovery: wait until every sentinel knows both replicas and both
	// other sentinels (at least 12 s, so that each has had its replicas'
	// INFO more than once), rather than a fixed 25 s.
	start0 := time.Now()
	for {
		known := 0
		for _, name := range []string{"s1", "s2", "s3"} {
			if replicas, sentinels := sentinelKnows(ports[name]); replicas == 2 && sentinels == 2 {
				known++
			}
		}
		if known == 3 && time.Since(start0) >= 12*time.Second {
			break
		}
		if time.Since(start0) > 40*time.Second {
			t.Fatal("the real sentinels did not discover each other and the replicas within 40 s")
		}
		time.Sleep(200 * time.Millisecond)
	}
	// Drop what came before the kill (discovery).
	for len(events) > 0 {
		<-events
	}
	t0 := time.Now()
	pids["m1"].Process.Kill()
	var evs []timedEvent
	deadline := time.After(30 * time.Second)
	switched := 0
	for switched < 3 {
		select {
		case e := <-events:
			e.at = time.Duration(int64(e.at) - t0.UnixNano())
			evs = append(evs, e)
			if e.kind == "+switch-master" {
				switched++
			}
		case <-deadline:
			t.Fatalf("real sentinels did not all switch within 30 s; events: %v", evs)
		}
	}
	return record(t, evs, func(payload string) string {
		if strings.Contains(payload, ":"+strconv.Itoa(ports["r2"])+" ") {
			return "r2"
		}
		return "r1"
	})
}

// sentinelKnows asks the sentinel on port how many replicas and other
// sentinels it knows of mymaster (SENTINEL MASTER's num-slaves and
// num-other-sentinels); -1 when it cannot tell.
func sentinelKnows(port int) (replicas, sentinels int) {
	conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), time.Second)
	if err != nil {
		return -1, -1
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(time.Second))
	conn.Write(resp.AppendCommandString(nil, "SENTINEL", "MASTER", "mymaster"))
	rr := resp.NewReader(resp.Limits{})
	buf := make([]byte, 16<<10)
	for {
		n, err := conn.Read(buf)
		if err != nil {
			return -1, -1
		}
		rr.Feed(buf[:n])
		v, _, ok, err := rr.ReadReply()
		if err != nil {
			return -1, -1
		}
		if !ok {
			continue
		}
		replicas, sentinels = -1, -1
		for i := 0; i+1 < len(v.Array); i += 2 {
			n, _ := strconv.Atoi(v.Array[i+1].Str)
			switch v.Array[i].Str {
			case "num-slaves":
				replicas = n
			case "num-other-sentinels":
				sentinels = n
			}
		}
		return replicas, sentinels
	}
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
