package model

import (
	"fmt"
	"sort"
	"strings"
)

// Bugs are named, off-by-default defects planted in the engine so that the
// harness can be shown to catch them ("testing the tester"). Each one is a
// mistake a real implementation could make.
type Bugs struct {
	// PsyncOffByOne ("psync-offset-off-by-one"): on an accepted partial
	// resync the master sends the backlog from p+1 instead of p, so the
	// replica misses one byte of the stream.
	PsyncOffByOne bool
	// AckBeforeApply ("ack-before-apply"): a replica acknowledges the bytes
	// it has read from its master rather than the bytes it has applied, so
	// WAIT can count a replica that does not have the write yet.
	AckBeforeApply bool
	// DropLastBlockOnTrim ("drop-last-block-on-trim"): the PSYNC range test
	// keeps accepting offsets in the blocks trimmed from the backlog since
	// the previous event loop iteration, and serves them from the first
	// byte still held, so the replica silently misses bytes.
	DropLastBlockOnTrim bool
	// ForgetSelectAfterFullSync ("forget-select-after-full-sync"): the master
	// does not reset its stream database after a full sync, so the stream
	// that follows the snapshot lacks the SELECT the replica needs.
	ForgetSelectAfterFullSync bool
	// ExpireRelative ("expire-relative"): EXPIRE and PEXPIRE go to
	// replicas as they came, relative, rather than as PEXPIREAT, so each
	// replica starts the key's time to live when it applies the command:
	// later than the master, and later still after a backlog replay.
	ExpireRelative bool
	// ReplicaActiveExpire ("replica-active-expire"): a replica runs the
	// active expire cycle too and deletes expired keys on its own instead
	// of waiting for its master's DEL.
	ReplicaActiveExpire bool
	// SetKeepsTTL ("set-keeps-ttl"): a SET without options keeps the
	// key's time to live, as only SET ... KEEPTTL should.
	SetKeepsTTL bool
	// ExecForgetsQueuedBytes ("exec-forgets-queued-bytes"): a replica
	// applying a MULTI/EXEC block from its master's stream counts only the
	// EXEC's bytes in its offset, not those of MULTI and the queued
	// commands.
	ExecForgetsQueuedBytes bool
}

var bugNames = map[string]func(*Bugs) *bool{
	"psync-offset-off-by-one":       func(b *Bugs) *bool { return &b.PsyncOffByOne },
	"ack-before-apply":              func(b *Bugs) *bool { return &b.AckBeforeApply },
	"drop-last-block-on-trim":       func(b *Bugs) *bool { return &b.DropLastBlockOnTrim },
	"forget-select-after-full-sync": func(b *Bugs) *bool { return &b.ForgetSelectAfterFullSync },
	"expire-relative":               func(b *Bugs) *bool { return &b.ExpireRelative },
	"replica-active-expire":         func(b *Bugs) *bool { return &b.ReplicaActiveExpire },
	"set-keeps-ttl":                 func(b *Bugs) *bool { return &b.SetKeepsTTL },
	"exec-forgets-queued-bytes":     func(b *Bugs) *bool { return &b.ExecForgetsQueuedBytes },
}

// BugNames lists every planted bug by name, sorted.
func BugNames() []string {
	names := make([]string, 0, len(bugNames))
	for n := range bugNames {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Enable switches on the named bug.
func (b *Bugs) Enable(name string) error {
	f, ok := bugNames[name]
	if !ok {
		return fmt.Errorf("unknown bug %q (known: %s)", name, strings.Join(BugNames(), ", "))
	}
	*f(b) = true
	return nil
}

// Enabled returns the names of the bugs switched on, sorted.
func (b Bugs) Enabled() []string {
	var out []string
	for _, n := range BugNames() {
		if *bugNames[n](&b) {
			out = append(out, n)
		}
	}
	return out
}
