package model

import (
	"bytes"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/replsim/replsim/model/resp"
)

// pubsubScript is a subscriber's and a publisher's conversation, in steps:
// each step is one client's pipelined commands. What each client receives
// must be the same bytes from the engine as from redis-server 7.0.15.
var pubsubScript = []struct {
	client string
	cmds   []string
}{
	{"sub", []string{"SUBSCRIBE __sentinel__:hello b", "GET x", "PING", "PING hi", "SUBSCRIBE b", "PUBLISH b x"}},
	{"pub", []string{"PUBLISH __sentinel__:hello 127.0.0.1,26379,0123,0,mymaster,127.0.0.1,6379,0", "PUBLISH nobody y", "PUBLISH b", "SUBSCRIBE"}},
	{"sub", []string{"UNSUBSCRIBE b", "UNSUBSCRIBE", "UNSUBSCRIBE", "GET x", "SUBSCRIBE c", "RESET", "GET x"}},
	{"pub", []string{"MULTI", "SUBSCRIBE d", "EXEC", "CLIENT KILL TYPE pubsub", "CLIENT SETNAME sentinel-1-cmd", "CLIENT GETNAME", "CLIENT KILL TYPE normal", "QUIT"}},
}

// TestPubSubMatchesRealRedis runs pubsubScript against a real redis-server
// and against the engine and compares every byte each client received.
func TestPubSubMatchesRealRedis(t *testing.T) {
	needRealRedis(t)
	s := startRealRedis(t, "m1")
	real := map[string]net.Conn{}
	got := map[string]*bytes.Buffer{}
	for _, name := range []string{"sub", "pub"} {
		c, err := net.Dial("tcp", s.addr())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		real[name] = c
		got[name] = new(bytes.Buffer)
	}
	for _, step := range pubsubScript {
		var req []byte
		for _, l := range step.cmds {
			req = resp.AppendCommandString(req, strings.Fields(l)...)
		}
		if _, err := real[step.client].Write(req); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
		for name, c := range real {
			c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
			io.Copy(got[name], c)
		}
	}

	w := newWorld(t)
	w.addNode("m1", DefaultConfig())
	w.client("sub", "m1")
	w.client("pub", "m1")
	for _, step := range pubsubScript {
		w.send(step.client, "m1", step.cmds)
	}
	for _, name := range []string{"sub", "pub"} {
		engine := w.clients[name+"@m1"].raw
		if got[name].Len() == 0 {
			t.Fatalf("%s received nothing from redis-server", name)
		}
		if !bytes.Equal(engine, got[name].Bytes()) {
			t.Errorf("%s received different bytes\nredis-server: %q\nengine:       %q", name, got[name].Bytes(), engine)
		}
	}
}
