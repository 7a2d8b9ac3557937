package model

import (
	"strings"
	"testing"
	"time"
)

func TestParseBytesRedisUnits(t *testing.T) {
	for in, want := range map[string]int64{
		"1": 1, "1k": 1000, "1kb": 1024, "1K": 1000, "1KB": 1024, "1m": 1000000, "1mb": 1048576,
		"1g": 1000000000, "1gb": 1073741824, "16kb": 16384, "0": 0, "20440b": 20440,
	} {
		if got, err := ParseBytes(in); err != nil || got != want {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "1.5mb", "-1", "1mib", "mb", "1 mb", "99999999999gb"} {
		if _, err := ParseBytes(bad); err == nil {
			t.Errorf("ParseBytes(%q) accepted", bad)
		}
	}
}

// A plain number of seconds too large for a time.Duration is refused; it
// used to wrap around (repl-timeout 92233720368 read as -547ms).
func TestParseDurationRange(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"60": time.Minute, "500ms": 500 * time.Millisecond, "0": 0,
		"9223372036": 9223372036 * time.Second,
	} {
		if got, err := ParseDuration(in, time.Second); err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{"92233720368", "9223372036854775807", "-1", "NaN", "1e9", "Inf"} {
		if d, err := ParseDuration(bad, time.Second); err == nil {
			t.Errorf("ParseDuration(%q) = %s, accepted", bad, d)
		}
	}
}

// The effective configuration prints in redis.conf form and parses back to
// the same configuration.
func TestConfigLinesRoundTrip(t *testing.T) {
	c := DefaultConfig()
	for _, kv := range [][2]string{
		{"repl-backlog-size", "4mb"}, {"repl-timeout", "30s"}, {"replicaof", "m1 6380"}, {"persistence", "rdb"},
		{"protocol", "psync"}, {"client-output-buffer-limit", "replica 1mb 512kb 5"}, {"repl-diskless-sync", "no"},
		{"min-replicas-to-write", "2"}, {"repl-backlog-ttl", "1h"},
	} {
		if err := c.Set(kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	back := DefaultConfig()
	for _, line := range c.Lines() {
		k, v, _ := strings.Cut(line, " ")
		if err := back.Set(k, v); err != nil {
			t.Fatalf("line %q does not parse back: %v", line, err)
		}
	}
	if strings.Join(back.Lines(), "\n") != strings.Join(c.Lines(), "\n") {
		t.Fatalf("round trip changed the configuration:\n%s\nvs\n%s", strings.Join(c.Lines(), "\n"), strings.Join(back.Lines(), "\n"))
	}
	if c.ReplBacklogTTL != time.Hour || c.ReplicaOutputBufferLimit.SoftSeconds != 5*time.Second {
		t.Fatalf("parsed %v %v", c.ReplBacklogTTL, c.ReplicaOutputBufferLimit)
	}
}
