package rdb

// These tests check the encoder and decoder against the real Redis 7.0
// binaries (Debian 12: apt-get install redis-server). They skip when the
// binaries are not on PATH. Servers listen on a Unix socket in the test's
// temporary directory, or on 127.0.0.1 when replication needs TCP; every
// command runs under a deadline and every server is killed at the end.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// farFutureMs is an expire time (2100-01-01) that a real server will not
// consider past when it loads the file.
const farFutureMs = 4102444800000

func needBinary(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s not on PATH; install Debian's redis-server to run this test", name)
	}
	return path
}

// realisticSnapshot has every string form the encoder can choose, binary
// keys, expiries, several databases and replication info, plus a few
// thousand generated keys so that output is flushed in several chunks.
func realisticSnapshot(seed uint64) *Snapshot {
	rng := rand.New(rand.NewPCG(seed, 1))
	db0 := []Entry{
		{Key: []byte("int8"), Value: []byte("-5")},
		{Key: []byte("int16"), Value: []byte("12345")},
		{Key: []byte("int32"), Value: []byte("-2147483648")},
		{Key: []byte("notint"), Value: []byte("007")},
		{Key: []byte("long-number"), Value: []byte("12345678901")},
		{Key: []byte("123"), Value: []byte("integer-looking key")},
		{Key: []byte("compressed"), Value: bytes.Repeat([]byte("replsim "), 500)},
		{Key: []byte("short21"), Value: bytes.Repeat([]byte("a"), 21)},
		{Key: []byte("empty"), Value: nil},
		{Key: []byte("bin\x00\xff\r\n"), Value: []byte{0, 1, 2, 0xff, '\r', '\n'}},
		{Key: []byte("ttl"), Value: []byte("soon"), ExpireAtMs: farFutureMs + 1234},
	}
	var db7 []Entry
	for i := range 3000 {
		v := make([]byte, rng.IntN(400))
		switch i % 3 {
		case 0: // incompressible
			for j := range v {
				v[j] = byte(rng.Uint32())
			}
		case 1: // compressible text
			for j := range v {
				v[j] = "abcab "[rng.IntN(6)]
			}
		default:
			v = strconv.AppendInt(v[:0], rng.Int64N(1<<40)-1<<39, 10)
		}
		e := Entry{Key: fmt.Appendf(nil, "key:%06d", i), Value: v}
		if i%5 == 0 {
			e.ExpireAtMs = farFutureMs + int64(i)
		}
		db7 = append(db7, e)
	}
	return &Snapshot{
		Aux: Aux{CtimeSec: 1700000000, UsedMemBytes: 5 << 30, ReplID: strings.Repeat("0123456789abcdef", 3)[:40], ReplOffset: 1<<33 + 7, ReplStreamDB: 7},
		DBs: []DB{{Number: 7, Entries: db7}, {Number: 0, Entries: db0}},
	}
}

// redis-check-rdb must accept what we write, in each of Redis's modes.
func TestRealRedisCheckRDB(t *testing.T) {
	bin := needBinary(t, "redis-check-rdb")
	for _, opts := range []Options{{}, {NoCompression: true}, {NoChecksum: true}} {
		b, err := Append(nil, realisticSnapshot(1), opts)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "ours.rdb")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		out, err := exec.CommandContext(ctx, bin, path).CombinedOutput()
		cancel()
		t.Logf("%+v: %s %s (%d bytes) ->\n%s", opts, bin, path, len(b), out)
		if err != nil || !bytes.Contains(out, []byte("RDB looks OK")) {
			t.Fatalf("redis-check-rdb rejected our file (%+v): %v", opts, err)
		}
	}
}

// A real server loads our file as its dump and serves exactly our keys,
// values and expire times.
func TestRealRedisLoadsOurRDB(t *testing.T) {
	needBinary(t, "redis-server")
	dir := t.TempDir()
	s := realisticSnapshot(2)
	b, err := Append(nil, s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "x.rdb"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	srv := startRedis(t, dir, "--dbfilename", "x.rdb")
	for _, db := range s.DBs {
		srv.mustDo(t, "SELECT", strconv.Itoa(db.Number))
		if n := srv.mustDo(t, "DBSIZE"); n != int64(len(db.Entries)) {
			t.Fatalf("db %d: DBSIZE %v, want %d", db.Number, n, len(db.Entries))
		}
		for _, e := range db.Entries {
			got, _ := srv.mustDo(t, "GET", string(e.Key)).([]byte)
			if !bytes.Equal(got, e.Value) {
				t.Fatalf("db %d key %q: GET %.40q, want %.40q", db.Number, e.Key, got, e.Value)
			}
			wantExp := e.ExpireAtMs
			if wantExp == 0 {
				wantExp = -1
			}
			if exp := srv.mustDo(t, "PEXPIRETIME", string(e.Key)); exp != wantExp {
				t.Fatalf("db %d key %q: PEXPIRETIME %v, want %d", db.Number, e.Key, exp, wantExp)
			}
		}
	}
	t.Logf("redis-server loaded %d bytes and served all %d+%d keys", len(b), len(s.DBs[0].Entries), len(s.DBs[1].Entries))
}

// What a real server SAVEs, we decode to what was SET.
func TestRealRedisSaveDecodes(t *testing.T) {
	needBinary(t, "redis-server")
	dir := t.TempDir()
	srv := startRedis(t, dir, "--dbfilename", "dump.rdb")
	s := realisticSnapshot(3)
	for _, db := range s.DBs {
		srv.mustDo(t, "SELECT", strconv.Itoa(db.Number))
		for _, e := range db.Entries {
			if e.ExpireAtMs != 0 {
				srv.mustDo(t, "SET", string(e.Key), string(e.Value), "PXAT", strconv.FormatInt(e.ExpireAtMs, 10))
			} else {
				srv.mustDo(t, "SET", string(e.Key), string(e.Value))
			}
		}
	}
	srv.mustDo(t, "SELECT", "7")
	srv.mustDo(t, "SET", "px", "relative", "PX", "3600000")
	srv.mustDo(t, "SAVE")
	raw, err := os.ReadFile(filepath.Join(dir, "dump.rdb"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := Decode(raw)
	if err != nil {
		t.Fatalf("decoding Redis's dump: %v", err)
	}
	if f.Aux.HasReplInfo() {
		t.Errorf("a master without replicas wrote replication info: %+v", f.Aux)
	}
	byNumber := map[int]map[string]Entry{}
	for _, db := range f.DBs {
		byNumber[db.Number] = map[string]Entry{}
		for _, e := range db.Entries {
			byNumber[db.Number][string(e.Key)] = e
		}
	}
	px, ok := byNumber[7]["px"]
	if !ok || px.ExpireAtMs < time.Now().UnixMilli() {
		t.Errorf("key set with PX: %+v", px)
	}
	delete(byNumber[7], "px")
	for _, db := range s.DBs {
		if len(byNumber[db.Number]) != len(db.Entries) {
			t.Fatalf("db %d: decoded %d keys, want %d", db.Number, len(byNumber[db.Number]), len(db.Entries))
		}
		for _, e := range db.Entries {
			got := byNumber[db.Number][string(e.Key)]
			if !bytes.Equal(got.Value, e.Value) || got.ExpireAtMs != e.ExpireAtMs {
				t.Fatalf("db %d key %q: decoded %.40q exp %d, want %.40q exp %d", db.Number, e.Key, got.Value, got.ExpireAtMs, e.Value, e.ExpireAtMs)
			}
		}
	}
	ours, _ := Append(nil, &f.Snapshot, Options{})
	t.Logf("Redis saved %d bytes; the same entries in the same order encode to %d bytes here", len(raw), len(ours))
}

// The replication aux fields work end to end: a replica restarted from an
// RDB that we wrote, carrying its replid and offset, resumes with a partial
// resynchronization (spec section 9) and receives the writes it missed.
func TestRealRedisReplicaResumesFromOurRDB(t *testing.T) {
	needBinary(t, "redis-server")
	masterPort, replicaPort := freePort(t), freePort(t)
	masterDir, replicaDir := t.TempDir(), t.TempDir()
	master := startRedis(t, masterDir, "--port", strconv.Itoa(masterPort), "--repl-diskless-sync-delay", "0")
	replicaArgs := []string{"--port", strconv.Itoa(replicaPort), "--dbfilename", "r.rdb",
		"--replicaof", "127.0.0.1", strconv.Itoa(masterPort)}
	replica := startRedis(t, replicaDir, replicaArgs...)
	replica.waitInfo(t, "replication", "master_link_status", "up")

	var entries []Entry
	for i := range 50 {
		e := Entry{Key: fmt.Appendf(nil, "k%02d", i), Value: bytes.Repeat([]byte{'a' + byte(i%26)}, i*3)}
		master.mustDo(t, "SET", string(e.Key), string(e.Value))
		entries = append(entries, e)
	}
	if n := master.mustDo(t, "WAIT", "1", "5000"); n != int64(1) {
		t.Fatalf("WAIT: %v", n)
	}
	replID := replica.info(t, "replication", "master_replid")
	offset, _ := strconv.ParseInt(replica.info(t, "replication", "master_repl_offset"), 10, 64)
	replica.stop(t)

	// The replica's own dump is replaced by ours.
	s := &Snapshot{
		Aux: Aux{CtimeSec: time.Now().Unix(), UsedMemBytes: 1 << 20, ReplID: replID, ReplOffset: offset, ReplStreamDB: 0},
		DBs: []DB{{Number: 0, Entries: entries}},
	}
	b, err := Append(nil, s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(replicaDir, "r.rdb"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	master.mustDo(t, "SET", "missed", "while-down")

	replica = startRedis(t, replicaDir, replicaArgs...)
	replica.waitInfo(t, "replication", "master_link_status", "up")
	master.waitInfo(t, "stats", "sync_partial_ok", "1")
	if full := master.info(t, "stats", "sync_full"); full != "1" {
		t.Fatalf("sync_full = %s: the restart needed a full sync", full)
	}
	if n := master.mustDo(t, "WAIT", "1", "5000"); n != int64(1) {
		t.Fatalf("WAIT after restart: %v", n)
	}
	if got, _ := replica.mustDo(t, "GET", "missed").([]byte); string(got) != "while-down" {
		t.Fatalf("replica missed the write made while it was down: %q", got)
	}
	if n := replica.mustDo(t, "DBSIZE"); n != int64(len(entries)+1) {
		t.Fatalf("replica DBSIZE %v", n)
	}
	t.Logf("replica restarted from our RDB (repl-id %s, repl-offset %d): master sync_full=1 sync_partial_ok=1", replID, offset)
}

// redisProc is a redis-server started by a test, and a connection to it.
type redisProc struct {
	cmd    *exec.Cmd
	conn   net.Conn
	r      *bufio.Reader
	log    string
	reaped bool
}

// startRedis runs redis-server in dir with a Unix socket and without
// persistence of its own unless args ask for it, and waits until it
// answers PING (not LOADING).
func startRedis(t *testing.T, dir string, args ...string) *redisProc {
	t.Helper()
	sock := filepath.Join(dir, "s")
	all := append([]string{"--port", "0", "--bind", "127.0.0.1", "--unixsocket", sock, "--dir", dir,
		"--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", filepath.Join(dir, "log")}, args...)
	cmd := exec.Command("redis-server", all...)
	t.Logf("$ redis-server %s", strings.Join(all, " "))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &redisProc{cmd: cmd, log: filepath.Join(dir, "log")}
	t.Cleanup(p.kill)
	deadline := time.Now().Add(15 * time.Second)
	for {
		conn, err := net.DialTimeout("unix", sock, time.Second)
		if err == nil {
			p.conn, p.r = conn, bufio.NewReader(conn)
			if reply, err := p.do("PING"); err == nil && reply == "PONG" {
				return p
			}
			conn.Close()
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(p.log)
			t.Fatalf("redis-server did not answer in time; log:\n%s", log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill ends the server, if it still runs, and reaps it.
func (p *redisProc) kill() {
	if p.reaped {
		return
	}
	if p.conn != nil {
		p.conn.Close()
	}
	p.cmd.Process.Kill()
	p.cmd.Wait()
	p.reaped = true
}

// stop shuts the server down without saving. The server closes the
// connection as it exits, so SHUTDOWN returns (with EOF) once it is gone,
// or after the connection's deadline; kill then reaps it.
func (p *redisProc) stop(t *testing.T) {
	t.Helper()
	if _, err := p.do("SHUTDOWN", "NOSAVE"); !errors.Is(err, io.EOF) {
		t.Logf("SHUTDOWN NOSAVE: %v (killing)", err)
	}
	p.kill()
}

// do sends one command in RESP and reads one reply: string for a status,
// error for an error, int64, []byte or nil for a bulk, []any for an array.
func (p *redisProc) do(args ...string) (any, error) {
	var req bytes.Buffer
	fmt.Fprintf(&req, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&req, "$%d\r\n%s\r\n", len(a), a)
	}
	p.conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := p.conn.Write(req.Bytes()); err != nil {
		return nil, err
	}
	return p.reply()
}

func (p *redisProc) reply() (any, error) {
	line, err := p.r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	if len(line) < 3 || !strings.HasSuffix(line, "\r\n") {
		return nil, fmt.Errorf("bad reply line %q", line)
	}
	kind, body := line[0], line[1:len(line)-2]
	switch kind {
	case '+':
		return body, nil
	case '-':
		return errors.New(body), nil
	case ':':
		return strconv.ParseInt(body, 10, 64)
	case '$':
		n, err := strconv.Atoi(body)
		if err != nil || n < 0 {
			return nil, err
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(p.r, buf); err != nil {
			return nil, err
		}
		return buf[:n], nil
	case '*':
		n, err := strconv.Atoi(body)
		if err != nil {
			return nil, err
		}
		items := make([]any, 0, max(n, 0))
		for range n {
			item, err := p.reply()
			if err != nil {
				return nil, err
			}
			items = append(items, item)
		}
		return items, nil
	}
	return nil, fmt.Errorf("unknown reply type %q", line)
}

func (p *redisProc) mustDo(t *testing.T, args ...string) any {
	t.Helper()
	reply, err := p.do(args...)
	if err != nil {
		t.Fatalf("%v: %v", args[0], err)
	}
	if e, ok := reply.(error); ok {
		t.Fatalf("%v: %v", args[0], e)
	}
	return reply
}

// info returns one field of an INFO section.
func (p *redisProc) info(t *testing.T, section, field string) string {
	t.Helper()
	text, _ := p.mustDo(t, "INFO", section).([]byte)
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(field) + `:(.*)\r$`).FindSubmatch(text)
	if m == nil {
		t.Fatalf("INFO %s has no %s:\n%s", section, field, text)
	}
	return string(m[1])
}

// waitInfo polls an INFO field until it has the wanted value.
func (p *redisProc) waitInfo(t *testing.T, section, field, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for p.info(t, section, field) != want {
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(p.log)
			t.Fatalf("INFO %s: %s never became %s; log:\n%s", section, field, want, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// freePort finds a loopback TCP port that is free now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
