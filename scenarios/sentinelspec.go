package scenarios

import (
	"fmt"
	"slices"
	"time"

	"github.com/replsim/replsim/model"
	"github.com/replsim/replsim/scenarios/spec"
)

// Bounds of a Sentinel deployment.
const maxSentinels = 15

// validateSentinels checks the sentinels: section: names that are hosts of
// their own (not a node's, a client's or a selector), a quorum between 1
// and the number of sentinels, and Sentinel's settings in its units
// (down-after-milliseconds and failover-timeout in milliseconds, or with a
// unit), each with Sentinel's default when left out.
func (s builder) validateSentinels(f *fileYAML) error {
	y := f.Sentinels
	if y == nil {
		return nil
	}
	ss := &spec.SentinelsSpec{MasterName: "mymaster", DownAfter: 30 * time.Second, FailoverTimeout: 180 * time.Second, ParallelSyncs: 1}
	if len(y.Names) == 0 {
		return errAt(y.tok, "sentinels need names: [s1, s2, s3]")
	}
	if len(y.Names) > maxSentinels {
		return errAt(y.Names[maxSentinels].Tok, fmt.Sprintf("more than %d sentinels", maxSentinels))
	}
	for _, t := range y.Names {
		switch name := t.V; {
		case !hostName.MatchString(name):
			return errAt(t.Tok, fmt.Sprintf("sentinel name %q: use lowercase letters, digits and '-', starting with a letter", name))
		case reservedName(name) || name == "sentinels":
			return errAt(t.Tok, fmt.Sprintf("%q is reserved (fault selectors and client hosts)", name))
		case s.node(name) != nil:
			return errAt(t.Tok, fmt.Sprintf("sentinel %q has the name of a node: each is a host of its own", name))
		case slices.Contains(ss.Names, name):
			return errAt(t.Tok, fmt.Sprintf("sentinel %q is named twice", name))
		}
		ss.Names = append(ss.Names, t.V)
	}
	if y.MasterName.Tok != nil {
		if !hostName.MatchString(y.MasterName.V) {
			return errAt(y.MasterName.Tok, fmt.Sprintf("master-name %q: use lowercase letters, digits and '-' (Sentinel's master name, e.g. mymaster)", y.MasterName.V))
		}
		ss.MasterName = y.MasterName.V
	}
	if y.Quorum.Tok == nil {
		return errAt(y.tok, "sentinels need a quorum (sentinel monitor <name> <host> <port> <quorum>)")
	}
	if y.Quorum.N < 1 || y.Quorum.N > int64(len(ss.Names)) {
		return errAt(y.Quorum.Tok, fmt.Sprintf("quorum %d: want between 1 and the %d sentinels", y.Quorum.N, len(ss.Names)))
	}
	ss.Quorum = int(y.Quorum.N)
	var err error
	if ss.DownAfter, err = sentinelMillis(y.DownAfter, "down-after-milliseconds", ss.DownAfter); err != nil {
		return err
	}
	if ss.FailoverTimeout, err = sentinelMillis(y.FailoverTimeout, "failover-timeout", ss.FailoverTimeout); err != nil {
		return err
	}
	if y.ParallelSyncs.Tok != nil {
		if y.ParallelSyncs.N < 1 || y.ParallelSyncs.N > 1000 {
			return errAt(y.ParallelSyncs.Tok, "parallel-syncs must be between 1 and 1000")
		}
		ss.ParallelSyncs = int(y.ParallelSyncs.N)
	}
	s.Sentinels = ss
	return nil
}

// sentinelMillis reads a Sentinel time: milliseconds, or a duration with a
// unit; at least a millisecond.
func sentinelMillis(t Text, key string, def time.Duration) (time.Duration, error) {
	if t.Tok == nil {
		return def, nil
	}
	d, err := model.ParseDuration(t.V, time.Millisecond)
	if err != nil {
		return 0, errAt(t.Tok, key+": "+err.Error())
	}
	if d < time.Millisecond {
		return 0, errAt(t.Tok, key+" must be at least 1 millisecond")
	}
	if d > maxSimTime {
		return 0, errAt(t.Tok, fmt.Sprintf("%s %s is more than %s", key, d, maxSimTime))
	}
	return d, nil
}
