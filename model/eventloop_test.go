package model

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// loopEnv is an Env that runs nothing by itself: timers never fire, and, as
// an EventLoop, it only counts the wakes; the test calls BeforeSleep.
type loopEnv struct {
	wakes int
}

type noTimer struct{}

func (noTimer) Stop() bool { return false }

func (e *loopEnv) Now() time.Duration                { return time.Second }
func (e *loopEnv) Dial(string, int) Conn             { panic("no dials in this test") }
func (e *loopEnv) After(time.Duration, func()) Timer { return noTimer{} }
func (e *loopEnv) Log(string)                        {}
func (e *loopEnv) Note(Note)                         {}

type eventLoopEnv struct{ *loopEnv }

func (e eventLoopEnv) Wake() { e.wakes++ }

// writesConn records each Write separately.
type writesConn struct{ writes []string }

func (c *writesConn) Write(p []byte) int { c.writes = append(c.writes, string(p)); return len(p) }
func (c *writesConn) Close()             {}
func (c *writesConn) Peer() string       { return "client" }
func (c *writesConn) PeerPort() int      { return 40001 }

func startNode(t *testing.T, env Env) *Node {
	t.Helper()
	n, err := New("m1", DefaultConfig(), env, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Start(); err != nil {
		t.Fatal(err)
	}
	return n
}

// With an EventLoop Env, the deliveries of one instant run their commands
// at once but share one beforeSleep: each client gets its replies in one
// write, when the runner ends the iteration.
func TestEventLoopOneBeforeSleepPerIteration(t *testing.T) {
	env := &loopEnv{}
	n := startNode(t, eventLoopEnv{env})
	a, b := &writesConn{}, &writesConn{}
	n.Accept(a)
	n.Accept(b)
	set := "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"
	n.Data(a, []byte(set))
	n.Data(a, []byte(set+set))
	n.Data(b, []byte(set))
	if env.wakes != 1 || len(a.writes) != 0 || len(b.writes) != 0 {
		t.Fatalf("before BeforeSleep: %d wakes (want 1), writes %q %q (want none)", env.wakes, a.writes, b.writes)
	}
	n.BeforeSleep()
	if want := []string{"+OK\r\n+OK\r\n+OK\r\n"}; len(a.writes) != 1 || a.writes[0] != want[0] {
		t.Errorf("client a got writes %q, want %q", a.writes, want)
	}
	if len(b.writes) != 1 || b.writes[0] != "+OK\r\n" {
		t.Errorf("client b got writes %q, want one +OK", b.writes)
	}
	n.BeforeSleep() // no iteration pending: nothing happens
	n.Data(b, []byte(set))
	if env.wakes != 2 || len(b.writes) != 1 {
		t.Fatalf("a new iteration: %d wakes (want 2), %d writes to b (want 1 until BeforeSleep)", env.wakes, len(b.writes))
	}
}

// A node reads at most 16 KB (PROTO_IOBUF_LEN) per iteration: a larger
// delivery of pipelined PINGs is answered in two writes, the first with the
// replies to the commands complete in the first 16384 bytes.
func TestDataReads16KBPerIteration(t *testing.T) {
	n := startNode(t, &loopEnv{})
	c := &writesConn{}
	n.Accept(c)
	const ping = "*1\r\n$4\r\nPING\r\n" // 14 bytes
	const pings = 1500
	n.Data(c, []byte(strings.Repeat(ping, pings)))
	first := protoIOBufLen / len(ping)
	if len(c.writes) != 2 {
		t.Fatalf("%d writes, want 2", len(c.writes))
	}
	if got := bytes.Count([]byte(c.writes[0]), []byte("+PONG\r\n")); got != first {
		t.Errorf("first iteration answered %d PINGs, want %d", got, first)
	}
	if got := bytes.Count([]byte(c.writes[1]), []byte("+PONG\r\n")); got != pings-first {
		t.Errorf("second iteration answered %d PINGs, want %d", got, pings-first)
	}
}
