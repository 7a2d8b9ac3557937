package model

import (
	"strconv"
	"strings"
)

// expire.go is EXPIRE and its kin (Redis 7.0's expire.c): a time to live
// on an existing key, propagated to replicas as an absolute PEXPIREAT so
// that a replica, and a master promoted from it, expires the key at the
// same instant as the master; a deadline already past deletes the key and
// propagates a DEL instead. A replica never deletes a key on its own: it
// hides an expired key from ordinary clients (lookupKey) and waits for
// its master's DEL. TTL and PTTL read what is left.

// expireGeneric is expireGenericCommand: argv is CMD key when [NX|XX|GT|LT];
// when is in seconds (unitMs 1000) or milliseconds (unitMs 1), relative to
// the node's clock (relative) or to the unix epoch.
func expireGeneric(n *Node, c *client, argv [][]byte, relative bool, unitMs int64) {
	when, err := strconv.ParseInt(string(argv[2]), 10, 64)
	if err != nil {
		c.addError("ERR value is not an integer or out of range")
		return
	}
	var nx, xx, gt, lt bool
	for _, a := range argv[3:] {
		switch strings.ToUpper(string(a)) {
		case "NX":
			nx = true
		case "XX":
			xx = true
		case "GT":
			gt = true
		case "LT":
			lt = true
		default:
			c.addError("ERR Unsupported option " + string(a))
			return
		}
	}
	switch {
	case nx && (xx || gt || lt):
		c.addError("ERR NX and XX, GT or LT options at the same time are not compatible")
		return
	case gt && lt:
		c.addError("ERR GT and LT options at the same time are not compatible")
		return
	}
	const maxMs = 1<<63 - 1
	if unitMs > 1 && (when > maxMs/unitMs || when < -maxMs/unitMs) {
		c.addError("ERR invalid expire time in '" + strings.ToLower(string(argv[0])) + "' command")
		return
	}
	when *= unitMs
	if relative {
		now := n.mstime()
		if (when > 0 && now > maxMs-when) || (when < 0 && now < -maxMs-when) {
			c.addError("ERR invalid expire time in '" + strings.ToLower(string(argv[0])) + "' command")
			return
		}
		when += now
	}
	it, ok := n.lookupKey(c, argv[1])
	if !ok {
		c.addInt(0)
		return
	}
	cur := it.expireMs // 0: none, which GT takes as infinite
	if (nx && cur != 0) || (xx && cur == 0) || (gt && (cur == 0 || when <= cur)) || (lt && cur != 0 && when >= cur) {
		c.addInt(0)
		return
	}
	d := n.dbs[c.db]
	if when <= n.mstime() && n.isMaster() && n.loading == nil {
		// checkAlreadyExpired: the key goes now, and replicas are told
		// so with a DEL.
		d.del(string(argv[1]))
		n.stats.ExpiredKeys++
		c.addInt(1)
		n.alsoPropagate(c.db, [][]byte{[]byte("DEL"), argv[1]})
		return
	}
	d.set(argv[1], it.val, when)
	c.addInt(1)
	if n.cfg.Bugs.ExpireRelative {
		n.alsoPropagate(c.db, argv)
		return
	}
	prop := [][]byte{[]byte("PEXPIREAT"), argv[1], strconv.AppendInt(nil, when, 10)}
	n.alsoPropagate(c.db, append(prop, argv[3:]...))
}

func expireCommand(n *Node, c *client, argv [][]byte)    { expireGeneric(n, c, argv, true, 1000) }
func pexpireCommand(n *Node, c *client, argv [][]byte)   { expireGeneric(n, c, argv, true, 1) }
func expireatCommand(n *Node, c *client, argv [][]byte)  { expireGeneric(n, c, argv, false, 1000) }
func pexpireatCommand(n *Node, c *client, argv [][]byte) { expireGeneric(n, c, argv, false, 1) }

// ttlGeneric is TTL (unitMs 1000, rounded) and PTTL: -2 for a missing key,
// -1 for a key without a time to live.
func ttlGeneric(n *Node, c *client, argv [][]byte, unitMs int64) {
	it, ok := n.lookupKey(c, argv[1])
	switch {
	case !ok:
		c.addInt(-2)
	case it.expireMs == 0:
		c.addInt(-1)
	default:
		left := max(it.expireMs-n.mstime(), 0)
		c.addInt((left + unitMs/2) / unitMs)
	}
}

func ttlCommand(n *Node, c *client, argv [][]byte)  { ttlGeneric(n, c, argv, 1000) }
func pttlCommand(n *Node, c *client, argv [][]byte) { ttlGeneric(n, c, argv, 1) }
