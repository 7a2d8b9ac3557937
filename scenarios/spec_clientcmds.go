package scenarios

import (
	"fmt"
	"slices"
	"time"

	"github.com/replsim/replsim/model"
	"github.com/replsim/replsim/scenarios/spec"
)

// Bounds and defaults of what the workload's clients send besides plain
// commands: keys with a time to live, MULTI/EXEC blocks, several databases.
const (
	defaultTTL       = time.Second
	maxTTL           = 24 * time.Hour
	defaultMultiSize = 3
	maxMultiSize     = 100
)

// clientCommands checks the workload's ttl, multi-size and dbs against its
// mix and database, and fills in their defaults.
func clientCommands(w *workYAML, ws *spec.WorkloadSpec) error {
	uses := func(ops ...string) bool {
		return slices.ContainsFunc(ws.Mix, func(m spec.MixItem) bool { return slices.Contains(ops, m.Op) })
	}
	ws.TTL, ws.MultiSize, ws.DBs = defaultTTL, defaultMultiSize, 1
	if w.TTL.Tok != nil {
		switch d := w.TTL.D; {
		case !uses("set-ttl", "expire"):
			return errAt(w.TTL.Tok, "ttl is the time to live of set-ttl and expire, and the mix has neither")
		case d < time.Millisecond || d > maxTTL || d%time.Millisecond != 0:
			return errAt(w.TTL.Tok, fmt.Sprintf("ttl %s: want whole milliseconds between 1ms and %s", d, maxTTL))
		}
		ws.TTL = w.TTL.D
	}
	if w.MultiSize.Tok != nil {
		switch n := w.MultiSize.N; {
		case !uses("multi"):
			return errAt(w.MultiSize.Tok, "multi-size is the number of SETs of a multi, and the mix has none")
		case n < 1 || n > maxMultiSize:
			return errAt(w.MultiSize.Tok, fmt.Sprintf("multi-size must be between 1 and %d (SETs between MULTI and EXEC)", maxMultiSize))
		}
		ws.MultiSize = int(w.MultiSize.N)
	}
	if w.DBs.Tok != nil {
		if n := w.DBs.N; n < 1 || int(n)+ws.DB > 16 {
			return errAt(w.DBs.Tok, fmt.Sprintf("dbs must be between 1 and %d: the clients use databases db (%d) to db+dbs-1, and Redis has 16", 16-ws.DB, ws.DB))
		}
		ws.DBs = int(w.DBs.N)
	}
	return nil
}

// BugNames lists the bugs planted in the engine (--bug), sorted; see
// docs/checker.md for what each does and which scenario catches it.
func BugNames() []string { return model.BugNames() }
