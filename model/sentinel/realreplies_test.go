package sentinel

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/replsim/replsim/model/resp"
)

// sentinelScript is what a client and a peer sentinel send a sentinel whose
// master has never answered (it is not yet SDOWN). Every byte of the replies
// must be the same from the engine as from a real sentinel (redis-server
// 7.0.15 --sentinel). MASTER is replaced by the master's port. UNSUBSCRIBE
// names its channels: without arguments Redis confirms them in hash order.
var sentinelScript = []string{
	"PING",
	"SENTINEL get-master-addr-by-name nosuch",
	"SENTINEL get-master-addr-by-name mymaster",
	"SENTINEL is-master-down-by-addr 10.0.0.9 1 0 *",
	"SENTINEL is-master-down-by-addr 127.0.0.1 MASTER 3 abcd",
	"SENTINEL is-master-down-by-addr 127.0.0.1 MASTER 3 efgh",
	"SENTINEL is-master-down-by-addr 127.0.0.1 MASTER 2 efgh",
	"SENTINEL is-master-down-by-addr 127.0.0.1 MASTER x abcd",
	"PUBLISH foo bar",
	"GET x",
	"SENTINEL nosuch",
	"SENTINEL replicas nosuch",
	"SENTINEL myid x",
	"CLIENT SETNAME abc",
	"SUBSCRIBE +switch-master +sdown",
	"GET x",
	"SENTINEL masters",
	"PING",
	"UNSUBSCRIBE +sdown +switch-master",
	"UNSUBSCRIBE",
	"QUIT",
}

// TestRepliesMatchRealSentinel runs sentinelScript against a real sentinel
// and against the engine and compares the bytes.
func TestRepliesMatchRealSentinel(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real sentinel; skipped with -short")
	}
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server not on PATH")
	}
	t.Parallel()
	port, masterPort := freePort(t), freePort(t)
	script := strings.ReplaceAll(strings.Join(sentinelScript, "\n"), "MASTER", strconv.Itoa(masterPort))
	var req []byte
	for _, l := range strings.Split(script, "\n") {
		req = resp.AppendCommandString(req, strings.Fields(l)...)
	}

	dir := t.TempDir()
	conf := filepath.Join(dir, "s.conf")
	text := fmt.Sprintf("port %d\nbind 127.0.0.1\ndir %s\nsentinel monitor mymaster 127.0.0.1 %d 2\n", port, dir, masterPort)
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("redis-server", conf, "--sentinel")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	var conn net.Conn
	var err error
	for try := 0; try < 100; try++ {
		if conn, err = net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port))); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write(req); err != nil {
		t.Fatal(err)
	}
	var real bytes.Buffer
	conn.SetReadDeadline(time.Now().Add(time.Second))
	io.Copy(&real, conn)
	if real.Len() == 0 {
		t.Fatal("the real sentinel answered nothing")
	}

	w := newWorld(t)
	cfg := DefaultConfig()
	cfg.MasterHost, cfg.MasterPort = "127.0.0.1", masterPort
	w.addSentinel("s1", cfg)
	w.runFor(500 * time.Millisecond)
	tc := w.client("c1", "s1")
	var got []byte
	tc.conn.owner = rawEndpoint{&got}
	tc.conn.Write(req)
	w.runFor(100 * time.Millisecond)
	if !bytes.Equal(got, real.Bytes()) {
		t.Errorf("replies differ\nreal:   %q\nengine: %q", real.Bytes(), got)
	}
}

type rawEndpoint struct{ b *[]byte }

func (r rawEndpoint) data(c *conn, p []byte)    { *r.b = append(*r.b, p...) }
func (r rawEndpoint) closed(c *conn, err error) {}
