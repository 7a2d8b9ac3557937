package model

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Set sets one configuration parameter by its redis.conf name, with Redis's
// units: sizes take 1k = 1000, 1kb = 1024, 1m, 1mb, 1g, 1gb (case-insensitive,
// integers only); times take a plain integer in Redis's own unit for that
// parameter (seconds for repl-timeout, and so on) or a duration with a unit
// such as 500ms, 30s, 1h. The simulator's own knobs (protocol, persistence,
// rdb-save-rate, rdb-load-rate) use the same forms.
func (c *Config) Set(name, value string) error {
	name = strings.ToLower(name)
	p, ok := configParams[name]
	if !ok {
		return fmt.Errorf("unknown config parameter %q", name)
	}
	if err := p(c, strings.TrimSpace(value)); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// ConfigNames lists the parameters Set accepts, sorted.
func ConfigNames() []string {
	names := make([]string, 0, len(configParams))
	for n := range configParams {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

var configParams = map[string]func(*Config, string) error{
	"port": func(c *Config, v string) error { return setInt(&c.Port, v, 1, 65535) },
	"replicaof": func(c *Config, v string) error {
		f := strings.Fields(v)
		if len(f) == 2 && strings.EqualFold(f[0], "no") && strings.EqualFold(f[1], "one") {
			c.ReplicaOfHost, c.ReplicaOfPort = "", 0
			return nil
		}
		if len(f) != 2 {
			return fmt.Errorf("want \"host port\" or \"no one\", got %q", v)
		}
		c.ReplicaOfHost = f[0]
		return setInt(&c.ReplicaOfPort, f[1], 1, 65535)
	},
	"repl-backlog-size": func(c *Config, v string) error { return setBytes(&c.ReplBacklogSizeBytes, v, 1) },
	"repl-backlog-ttl":  func(c *Config, v string) error { return setDuration(&c.ReplBacklogTTL, v, time.Second, 0) },
	"repl-timeout":      func(c *Config, v string) error { return setDuration(&c.ReplTimeout, v, time.Second, time.Second) },
	"repl-ping-replica-period": func(c *Config, v string) error {
		return setDuration(&c.ReplPingReplicaPeriod, v, time.Second, time.Second)
	},
	"repl-diskless-sync": func(c *Config, v string) error { return setBool(&c.ReplDisklessSync, v) },
	"repl-diskless-sync-delay": func(c *Config, v string) error {
		return setDuration(&c.ReplDisklessSyncDelay, v, time.Second, 0)
	},
	"repl-diskless-sync-max-replicas": func(c *Config, v string) error {
		return setInt(&c.ReplDisklessSyncMaxReplicas, v, 0, 1<<30)
	},
	"min-replicas-to-write":    func(c *Config, v string) error { return setInt(&c.MinReplicasToWrite, v, 0, 1<<30) },
	"min-replicas-max-lag":     func(c *Config, v string) error { return setDuration(&c.MinReplicasMaxLag, v, time.Second, 0) },
	"replica-serve-stale-data": func(c *Config, v string) error { return setBool(&c.ReplicaServeStaleData, v) },
	"replica-read-only":        func(c *Config, v string) error { return setBool(&c.ReplicaReadOnly, v) },
	"replica-priority":         func(c *Config, v string) error { return setInt(&c.ReplicaPriority, v, 0, 1<<30) },
	"client-output-buffer-limit": func(c *Config, v string) error {
		f := strings.Fields(v)
		if len(f) != 4 {
			return fmt.Errorf("want \"<class> <hard> <soft> <soft seconds>\", got %q", v)
		}
		switch strings.ToLower(f[0]) {
		case "replica", "slave":
		case "normal", "pubsub":
			return nil // the model only limits replicas
		default:
			return fmt.Errorf("unknown class %q (want replica, normal or pubsub)", f[0])
		}
		var l OutputBufferLimit
		if err := setBytes(&l.HardBytes, f[1], 0); err != nil {
			return err
		}
		if err := setBytes(&l.SoftBytes, f[2], 0); err != nil {
			return err
		}
		if err := setDuration(&l.SoftSeconds, f[3], time.Second, 0); err != nil {
			return err
		}
		c.ReplicaOutputBufferLimit = l
		return nil
	},
	"persistence": func(c *Config, v string) error {
		switch strings.ToLower(v) {
		case "none":
			c.Persistence = PersistNone
		case "rdb":
			c.Persistence = PersistRDB
		default:
			return fmt.Errorf("want none or rdb, got %q", v)
		}
		return nil
	},
	"protocol": func(c *Config, v string) error {
		p, err := ParseProtocol(strings.ToLower(v))
		if err != nil {
			return err
		}
		c.Protocol = p
		return nil
	},
	"rdb-save-rate": func(c *Config, v string) error { return setRate(&c.RDBSaveBytesPerSec, v) },
	"rdb-load-rate": func(c *Config, v string) error { return setRate(&c.RDBLoadBytesPerSec, v) },
}

func setInt(dst *int, v string, lo, hi int) error {
	n, err := strconv.Atoi(v)
	if err != nil {
		return fmt.Errorf("invalid integer %q", v)
	}
	if n < lo || n > hi {
		return fmt.Errorf("%d out of range [%d, %d]", n, lo, hi)
	}
	*dst = n
	return nil
}

func setBool(dst *bool, v string) error {
	switch strings.ToLower(v) {
	case "yes", "true":
		*dst = true
	case "no", "false":
		*dst = false
	default:
		return fmt.Errorf("want yes or no, got %q", v)
	}
	return nil
}

func setBytes(dst *int64, v string, min int64) error {
	n, err := ParseBytes(v)
	if err != nil {
		return err
	}
	if n < min {
		return fmt.Errorf("%d is below the minimum %d", n, min)
	}
	*dst = n
	return nil
}

// setRate parses bytes per second: a size ("200mb") optionally followed by
// "/s".
func setRate(dst *int64, v string) error {
	return setBytes(dst, strings.TrimSuffix(strings.ToLower(v), "/s"), 0)
}

func setDuration(dst *time.Duration, v string, unit, min time.Duration) error {
	d, err := ParseDuration(v, unit)
	if err != nil {
		return err
	}
	if d < min {
		return fmt.Errorf("%s is below the minimum %s", d, min)
	}
	*dst = d
	return nil
}

// ParseBytes parses a size with Redis's units (memtoull): a non-negative
// integer, optionally followed by k, kb, m, mb, g or gb, case-insensitively;
// k = 1000, kb = 1024 and so on.
func ParseBytes(s string) (int64, error) {
	l := strings.ToLower(strings.TrimSpace(s))
	mul := int64(1)
	for _, u := range []struct {
		suffix string
		mul    int64
	}{{"kb", 1 << 10}, {"mb", 1 << 20}, {"gb", 1 << 30}, {"k", 1000}, {"m", 1000 * 1000}, {"g", 1000 * 1000 * 1000}, {"b", 1}} {
		if strings.HasSuffix(l, u.suffix) {
			l, mul = strings.TrimSuffix(l, u.suffix), u.mul
			break
		}
	}
	if l == "" || strings.IndexFunc(l, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
		return 0, fmt.Errorf("invalid size %q (Redis units: 1k=1000, 1kb=1024, 1m, 1mb, 1g, 1gb)", s)
	}
	n, err := strconv.ParseInt(l, 10, 64)
	if err != nil || n > (1<<62)/mul {
		return 0, fmt.Errorf("size %q out of range", s)
	}
	return n * mul, nil
}

// ParseDuration parses a plain non-negative integer in the given unit, or a
// Go duration with units (500us, 100ms, 30s, 5m, 1h, 1h30m).
func ParseDuration(s string, unit time.Duration) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n < 0 {
			return 0, fmt.Errorf("negative duration %q", s)
		}
		if n > int64(math.MaxInt64/unit) {
			return 0, fmt.Errorf("duration %q out of range", s)
		}
		return time.Duration(n) * unit, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q (examples: 60, 500ms, 30s, 5m, 1h)", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("negative duration %q", s)
	}
	return d, nil
}

// Lines renders the effective configuration in redis.conf form, one
// parameter per line in a fixed order, for traces and reports.
func (c *Config) Lines() []string {
	yes := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	secs := func(d time.Duration) string { return strconv.FormatInt(int64(d/time.Second), 10) }
	persist := "none"
	if c.Persistence == PersistRDB {
		persist = "rdb"
	}
	replicaof := "no one"
	if c.ReplicaOfHost != "" {
		replicaof = fmt.Sprintf("%s %d", c.ReplicaOfHost, c.ReplicaOfPort)
	}
	l := c.ReplicaOutputBufferLimit
	out := []string{
		fmt.Sprintf("port %d", c.Port),
		"replicaof " + replicaof,
		fmt.Sprintf("repl-backlog-size %d", c.ReplBacklogSizeBytes),
		"repl-backlog-ttl " + secs(c.ReplBacklogTTL),
		"repl-timeout " + secs(c.ReplTimeout),
		"repl-ping-replica-period " + secs(c.ReplPingReplicaPeriod),
		"repl-diskless-sync " + yes(c.ReplDisklessSync),
		"repl-diskless-sync-delay " + secs(c.ReplDisklessSyncDelay),
		fmt.Sprintf("repl-diskless-sync-max-replicas %d", c.ReplDisklessSyncMaxReplicas),
		fmt.Sprintf("min-replicas-to-write %d", c.MinReplicasToWrite),
		"min-replicas-max-lag " + secs(c.MinReplicasMaxLag),
		"replica-serve-stale-data " + yes(c.ReplicaServeStaleData),
		"replica-read-only " + yes(c.ReplicaReadOnly),
		fmt.Sprintf("client-output-buffer-limit replica %d %d %s", l.HardBytes, l.SoftBytes, secs(l.SoftSeconds)),
		"persistence " + persist,
		"protocol " + c.Protocol.String(),
		fmt.Sprintf("rdb-save-rate %d", c.RDBSaveBytesPerSec),
		fmt.Sprintf("rdb-load-rate %d", c.RDBLoadBytesPerSec),
	}
	if bugs := c.Bugs.Enabled(); len(bugs) > 0 {
		out = append(out, "bugs "+strings.Join(bugs, " "))
	}
	return out
}
