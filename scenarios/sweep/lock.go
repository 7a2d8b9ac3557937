package sweep

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// LockFile is the advisory lock of a sweep directory, held while a sweep,
// a resume, a merge or a report writes to it: two writers would mix their
// records.
const LockFile = "sweep.lock"

// Holder is what the lock file says of the process that holds it.
type Holder struct {
	PID     int       `json:"pid"`
	Host    string    `json:"host"`
	Start   time.Time `json:"start"`
	Command string    `json:"command"`
}

func (h Holder) String() string {
	return fmt.Sprintf("pid %d on %s since %s (%s)", h.PID, h.Host, h.Start.UTC().Format(time.RFC3339), h.Command)
}

// DirLock is a held lock of a directory.
type DirLock struct {
	path string
	me   Holder
}

// Lock takes dir's lock, making dir if needed. A lock held by a live
// process (or one on another host, or one that cannot be read) is a
// Refusal naming the lock file and its holder; a lock left by a process
// of this host that is gone is taken over, with a notice on notice. The
// lock is advisory: it keeps simrun from mixing two writers, not a
// determined user.
func Lock(dir string, notice io.Writer) (*DirLock, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	l := &DirLock{
		path: filepath.Join(dir, LockFile),
		me:   Holder{PID: os.Getpid(), Host: host, Start: time.Now().UTC().Truncate(time.Millisecond), Command: strings.Join(os.Args, " ")},
	}
	b, err := json.Marshal(l.me)
	if err != nil {
		return nil, err
	}
	for range 2 {
		f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			_, err = f.Write(append(b, '\n'))
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				os.Remove(l.path)
				return nil, err
			}
			return l, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		old, err := readHolder(l.path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue // released meanwhile
		case err != nil:
			return nil, refuse("%s is locked by %s, which cannot be read (%v): if no simrun writes to %s, remove the lock file", dir, l.path, err, dir)
		case old.Host != host || alive(old.PID):
			return nil, refuse("%s is in use: %s is held by %s; wait for it to end, or use another --out (remove the lock file only if that process is gone)", dir, l.path, old)
		}
		fmt.Fprintf(notice, "simrun: taking over the stale lock %s of %s: that process is gone\n", l.path, old)
		if err := os.Remove(l.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	return nil, refuse("%s is in use: another simrun took %s at the same time", dir, l.path)
}

// Unlock releases the lock, if the lock file is still this one's.
func (l *DirLock) Unlock() error {
	if l == nil {
		return nil
	}
	h, err := readHolder(l.path)
	if err != nil || h != l.me {
		return fmt.Errorf("%s was taken from this process (%v)", l.path, err)
	}
	return os.Remove(l.path)
}

func readHolder(path string) (Holder, error) {
	var h Holder
	b, err := os.ReadFile(path)
	if err != nil {
		return h, err
	}
	if err := json.Unmarshal(b, &h); err != nil {
		return h, fmt.Errorf("%s: %v", path, err)
	}
	return h, nil
}
