//go:build linux

package model

// A minimal driver for real redis-server processes, used by the
// differential tests. Linux only: each server is started with
// Pdeathsig, so it dies with the test binary even when a timeout panic
// skips the cleanups.

import (
	"errors"
	"fmt"
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

// Limits of the real-server driver. Loopback replies take microseconds;
// these bound a hung or crashed server, not a slow one.
const (
	realStartTimeout   = 15 * time.Second // until the new server answers PING
	realCommandTimeout = 20 * time.Second // one command or one pipelined batch
	realPipelineBatch  = 1000             // commands written before reading their replies
)

// needRealRedis skips the test unless a real redis-server can be run.
func needRealRedis(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts real redis-server processes; skipped with -short")
	}
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server not on PATH (Debian: apt-get install redis-server)")
	}
}

// freeLocalPort returns a TCP port on 127.0.0.1 that nothing listened on a
// moment ago. Another process may take it in between; the server would
// then fail to start and the test fail with its log.
func freeLocalPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

// realRedis is one redis-server process on 127.0.0.1 and one client
// connection to it.
type realRedis struct {
	name string
	port int
	log  string
	cmd  *exec.Cmd
	conn net.Conn
	rr   *resp.Reader
	buf  []byte
	done bool
}

// startRealRedis starts redis-server on a free loopback port with no
// persistence, in its own temporary directory, and waits until it answers.
// The server is killed and reaped when the test ends.
func startRealRedis(t *testing.T, name string, extra ...string) *realRedis {
	t.Helper()
	dir := t.TempDir()
	s := &realRedis{name: name, port: freeLocalPort(t), log: filepath.Join(dir, "redis.log")}
	args := append([]string{
		"--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", dir, "--daemonize", "no",
		"--logfile", s.log,
	}, extra...)
	s.cmd = exec.Command("redis-server", args...)
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	t.Cleanup(s.kill)
	deadline := time.Now().Add(realStartTimeout)
	for {
		conn, err := net.DialTimeout("tcp", s.addr(), time.Second)
		if err == nil {
			s.conn, s.rr = conn, resp.NewReader(resp.Limits{})
			if v, err := s.do("PING"); err == nil && v.Str == "PONG" {
				return s
			}
			conn.Close()
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: redis-server %s did not answer PING within %s; log:\n%s",
				name, strings.Join(args, " "), realStartTimeout, s.logTail(40))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *realRedis) addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// kill ends the server and reaps it; it is safe to call twice.
func (s *realRedis) kill() {
	if s.done {
		return
	}
	s.done = true
	if s.conn != nil {
		s.conn.Close()
	}
	s.cmd.Process.Kill()
	s.cmd.Wait()
}

// logTail returns the last n lines of the server's log.
func (s *realRedis) logTail(n int) string {
	b, _ := os.ReadFile(s.log)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// logLines returns the log lines that contain sub.
func (s *realRedis) logLines(sub string) []string {
	b, _ := os.ReadFile(s.log)
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return out
}

// do sends one command and returns its reply. An error reply is a Value of
// KindError, not an error: errors are for the connection.
func (s *realRedis) do(args ...string) (resp.Value, error) {
	vs, err := s.pipeline([][]string{args})
	if err != nil {
		return resp.Value{}, err
	}
	return vs[0], nil
}

// pipeline sends cmds in batches and returns every reply in order.
func (s *realRedis) pipeline(cmds [][]string) ([]resp.Value, error) {
	out := make([]resp.Value, 0, len(cmds))
	for len(cmds) > 0 {
		batch := cmds[:min(len(cmds), realPipelineBatch)]
		cmds = cmds[len(batch):]
		var req []byte
		for _, a := range batch {
			req = resp.AppendCommandString(req, a...)
		}
		s.conn.SetDeadline(time.Now().Add(realCommandTimeout))
		if _, err := s.conn.Write(req); err != nil {
			return out, err
		}
		for range batch {
			v, err := s.readReply()
			if err != nil {
				return out, err
			}
			out = append(out, v)
		}
	}
	return out, nil
}

func (s *realRedis) readReply() (resp.Value, error) {
	if s.buf == nil {
		s.buf = make([]byte, 64<<10)
	}
	for {
		v, _, ok, err := s.rr.ReadReply()
		if err != nil {
			return resp.Value{}, err
		}
		if ok {
			return v, nil
		}
		n, err := s.conn.Read(s.buf)
		if n > 0 {
			s.rr.Feed(s.buf[:n])
		}
		if err != nil {
			return resp.Value{}, err
		}
	}
}

// mustDo is do for commands that must succeed.
func (s *realRedis) mustDo(t *testing.T, args ...string) resp.Value {
	t.Helper()
	v, err := s.do(args...)
	if err == nil && v.Kind == resp.KindError {
		err = errors.New(v.Str)
	}
	if err != nil {
		t.Fatalf("%s: %s: %v; log:\n%s", s.name, strings.Join(args, " "), err, s.logTail(20))
	}
	return v
}

// info returns the replication and stats fields of INFO.
func (s *realRedis) info(t *testing.T) map[string]string {
	t.Helper()
	m := infoFields(s.mustDo(t, "INFO", "replication").Str)
	for k, v := range infoFields(s.mustDo(t, "INFO", "stats").Str) {
		m[k] = v
	}
	return m
}

func (s *realRedis) String() string { return fmt.Sprintf("%s(127.0.0.1:%d)", s.name, s.port) }
