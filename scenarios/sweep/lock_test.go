package sweep

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// deadPID is the pid of a process that has ended.
func deadPID(t *testing.T) int {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("no signal 0 to tell a dead process")
	}
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip(err)
	}
	return cmd.Process.Pid
}

func writeHolder(t *testing.T, dir string, h Holder) {
	t.Helper()
	b, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, LockFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// One writer at a time: a second is refused naming the lock file and its
// holder; a lock left by a process that is gone is taken over with a
// notice; a lock of another host is never taken over.
func TestLock(t *testing.T) {
	dir := t.TempDir()
	var notice bytes.Buffer
	l, err := Lock(dir, &notice)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Lock(dir, &notice)
	var refused *Refusal
	if !errors.As(err, &refused) || !strings.Contains(err.Error(), filepath.Join(dir, LockFile)) || !strings.Contains(err.Error(), "pid ") {
		t.Errorf("a second Lock: %v; want a refusal naming the lock file and its holder", err)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, LockFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the lock file outlives Unlock: %v", err)
	}

	host, _ := os.Hostname()
	writeHolder(t, dir, Holder{PID: deadPID(t), Host: host, Start: time.Now(), Command: "simrun sweep"})
	l, err = Lock(dir, &notice)
	if err != nil || !strings.Contains(notice.String(), "taking over the stale lock") {
		t.Fatalf("a stale lock: %v, notice %q", err, notice.String())
	}
	l.Unlock()

	writeHolder(t, dir, Holder{PID: deadPID(t), Host: host + "-elsewhere", Start: time.Now(), Command: "simrun sweep"})
	if _, err := Lock(dir, &notice); !errors.As(err, &refused) || !strings.Contains(err.Error(), "-elsewhere") {
		t.Errorf("a lock of another host: %v; want a refusal", err)
	}
}

// A sweep never writes through a link in its folder: results.jsonl
// replaced by a link is refused on resume, and the link's target is left
// as it was.
func TestResumeRefusesLinkedResults(t *testing.T) {
	dir := t.TempDir()
	p := tinyPlan(t, 2, "config.repl-backlog-size=1mb")
	runSweep(t, t.Context(), p, Options{Dir: dir})
	results := filepath.Join(dir, ResultsFile)
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.Rename(results, victim); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, results); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(victim)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Run(t.Context(), tinyPlan(t, 3, "config.repl-backlog-size=1mb"), Options{Dir: dir, Resume: true}); err == nil || !strings.Contains(err.Error(), "not a plain file") {
		t.Errorf("resume with a linked results.jsonl: %v", err)
	}
	if after, _ := os.ReadFile(victim); !bytes.Equal(after, before) {
		t.Error("the link's target was written through")
	}
}
