package model

import (
	"fmt"
	"strconv"
	"strings"
)

// Command flags, as in Redis's command table.
const (
	flagWrite     = 1 << iota // CMD_WRITE: modifies the dataset
	flagStale                 // CMD_STALE: allowed while the master link is down and stale data is off
	flagLoading               // CMD_LOADING: allowed while loading
	flagNoMulti               // not queued inside MULTI
	flagMayReplic             // CMD_MAY_REPLICATE
)

type command struct {
	name  string
	arity int // >0 exact, <0 at least -arity
	flags int
	proc  func(n *Node, c *client, argv [][]byte)
}

var commandTable map[string]*command

func init() {
	cmds := []*command{
		{"get", 2, 0, getCommand},
		{"set", -3, flagWrite, setCommand},
		{"del", -2, flagWrite, delCommand},
		{"incr", 2, flagWrite, incrCommand},
		{"append", 3, flagWrite, appendCommand},
		{"expire", -3, flagWrite, expireCommand},
		{"pexpire", -3, flagWrite, pexpireCommand},
		{"expireat", -3, flagWrite, expireatCommand},
		{"pexpireat", -3, flagWrite, pexpireatCommand},
		{"ttl", 2, 0, ttlCommand},
		{"pttl", 2, 0, pttlCommand},
		{"exists", -2, 0, existsCommand},
		{"dbsize", 1, 0, dbsizeCommand},
		{"select", 2, flagStale | flagLoading, selectCommand},
		{"ping", -1, 0, pingCommand},
		{"echo", 2, 0, echoCommand},
		{"info", -1, flagStale | flagLoading, infoCommand},
		{"role", 1, flagStale | flagLoading, roleCommand},
		{"wait", 3, 0, waitCommand},
		{"replicaof", 3, flagStale, replicaofCommand},
		{"slaveof", 3, flagStale, replicaofCommand},
		{"replconf", -1, flagStale | flagLoading, replconfCommand},
		{"psync", -3, flagNoMulti, syncCommand},
		{"sync", 1, flagNoMulti, syncCommand},
		{"multi", 1, flagLoading | flagStale, multiCommand},
		{"exec", 1, flagLoading | flagStale, execCommand},
		{"discard", 1, flagLoading | flagStale, discardCommand},
		{"flushall", -1, flagWrite, flushallCommand},
		{"subscribe", -2, flagStale | flagLoading, subscribeCommand},
		{"unsubscribe", -1, flagStale | flagLoading, unsubscribeCommand},
		{"publish", 3, flagStale | flagLoading | flagMayReplic, publishCommand},
		{"quit", -1, flagStale | flagLoading, quitCommand},
		{"reset", 1, flagStale | flagLoading, resetCommand},
		{"config", -2, flagStale | flagLoading, configCommand},
		{"client", -2, flagStale | flagLoading, clientCommand},
	}
	commandTable = make(map[string]*command, len(cmds))
	for _, c := range cmds {
		commandTable[c.name] = c
	}
	cmdSet, cmdGet, cmdPing, cmdReplconf = commandTable["set"], commandTable["get"], commandTable["ping"], commandTable["replconf"]
}

// lookupCommand finds a command by name, case-insensitively, without
// allocating. The hot commands are matched before the table lookup.
func lookupCommand(name []byte) *command {
	var buf [32]byte
	if len(name) > len(buf) {
		return nil
	}
	for i, ch := range name {
		if 'A' <= ch && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		buf[i] = ch
	}
	lower := buf[:len(name)]
	switch string(lower) {
	case "set":
		return cmdSet
	case "get":
		return cmdGet
	case "ping":
		return cmdPing
	case "replconf":
		return cmdReplconf
	}
	return commandTable[string(lower)]
}

var cmdSet, cmdGet, cmdPing, cmdReplconf *command

// processCommand is Redis's processCommand: checks in Redis's order, then
// queueing inside MULTI or execution.
func (n *Node) processCommand(c *client, argv [][]byte) {
	cmd := lookupCommand(argv[0])
	if cmd == nil {
		c.addError(unknownCommandError(argv))
		c.multiDirty = c.multi
		return
	}
	if (cmd.arity > 0 && len(argv) != cmd.arity) || len(argv) < -cmd.arity {
		c.addError(fmt.Sprintf("ERR wrong number of arguments for '%s' command", cmd.name))
		c.multiDirty = c.multi
		return
	}
	isWrite := cmd.flags&flagWrite != 0 || (cmd.name == "exec" && c.multiHasWrite())
	obey := c == n.master
	if isWrite && !obey && n.isMaster() && !n.goodReplicasOK() {
		c.addError("NOREPLICAS Not enough good replicas to write.")
		c.multiDirty = c.multi
		return
	}
	if isWrite && !obey && !n.isMaster() && n.cfg.ReplicaReadOnly {
		c.addError("READONLY You can't write against a read only replica.")
		c.multiDirty = c.multi
		return
	}
	if msg := pubsubContextError(c, cmd, argv); msg != "" {
		c.addError(msg)
		c.multiDirty = c.multi
		return
	}
	if !n.isMaster() && n.replState != replConnected && !n.cfg.ReplicaServeStaleData && cmd.flags&flagStale == 0 {
		c.addError("MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.")
		c.multiDirty = c.multi
		return
	}
	if n.loading != nil && cmd.flags&flagLoading == 0 {
		c.addError("LOADING Redis is loading the dataset in memory")
		c.multiDirty = c.multi
		return
	}
	if c.multi && cmd.name != "exec" && cmd.name != "discard" && cmd.name != "multi" {
		if cmd.flags&flagNoMulti != 0 {
			c.addError(fmt.Sprintf("ERR Command not allowed inside a transaction"))
			c.multiDirty = true
			return
		}
		q := make([][]byte, len(argv))
		for i, a := range argv {
			q[i] = append([]byte(nil), a...)
		}
		c.multiQueue = append(c.multiQueue, q)
		c.addSimple("QUEUED")
		return
	}
	n.call(c, cmd, argv)
}

// call executes one command and propagates what it changed as one unit.
func (n *Node) call(c *client, cmd *command, argv [][]byte) {
	cmd.proc(n, c, argv)
	n.propagatePending()
	c.woff = n.buf.Offset()
	if n.isMaster() {
		n.observe(observeChange)
	}
}

func unknownCommandError(argv [][]byte) string {
	var args strings.Builder
	for _, a := range argv[1:] {
		if args.Len() > 128 {
			break
		}
		fmt.Fprintf(&args, "'%s' ", a)
	}
	return fmt.Sprintf("ERR unknown command '%s', with args beginning with: %s", argv[0], args.String())
}

func (c *client) multiHasWrite() bool {
	for _, q := range c.multiQueue {
		if cmd := lookupCommand(q[0]); cmd != nil && cmd.flags&flagWrite != 0 {
			return true
		}
	}
	return false
}

// lookupKey returns a live key. On a master an expired key is deleted and
// the deletion propagated (with the command that touched it, as Redis 7.0
// does); a replica only hides it from ordinary clients and waits for the
// master's DEL.
func (n *Node) lookupKey(c *client, key []byte) (item, bool) {
	d := n.dbs[c.db]
	it, ok := d.get(key)
	if !ok {
		return item{}, false
	}
	if it.expireMs != 0 && n.mstime() > it.expireMs {
		if !n.isMaster() {
			if c == n.master {
				return it, true
			}
			return item{}, false
		}
		d.del(string(key))
		n.alsoPropagate(c.db, [][]byte{[]byte("DEL"), key})
		return item{}, false
	}
	return it, true
}

func getCommand(n *Node, c *client, argv [][]byte) {
	it, ok := n.lookupKey(c, argv[1])
	if !ok {
		c.addNull()
		return
	}
	c.addBulk(it.val)
}

func setCommand(n *Node, c *client, argv [][]byte) {
	if len(argv) == 3 && n.setPlain(c, argv) {
		return
	}
	var nx, xx, keepttl, get bool
	var expireMs int64
	var unit string
	for i := 3; i < len(argv); i++ {
		opt := strings.ToUpper(string(argv[i]))
		switch {
		case opt == "NX" && !xx:
			nx = true
		case opt == "XX" && !nx:
			xx = true
		case opt == "GET":
			get = true
		case opt == "KEEPTTL" && unit == "":
			keepttl = true
		case (opt == "EX" || opt == "PX" || opt == "EXAT" || opt == "PXAT") && unit == "" && !keepttl && i+1 < len(argv):
			v, err := strconv.ParseInt(string(argv[i+1]), 10, 64)
			if err != nil {
				c.addError("ERR value is not an integer or out of range")
				return
			}
			if v <= 0 {
				c.addError("ERR invalid expire time in 'set' command")
				return
			}
			unit = opt
			switch opt {
			case "EX":
				expireMs = n.mstime() + v*1000
			case "PX":
				expireMs = n.mstime() + v
			case "EXAT":
				expireMs = v * 1000
			case "PXAT":
				expireMs = v
			}
			i++
		default:
			c.addError("ERR syntax error")
			return
		}
	}
	old, exists := n.lookupKey(c, argv[1])
	if get {
		if exists {
			c.addBulk(old.val)
		} else {
			c.addNull()
		}
	}
	if (nx && exists) || (xx && !exists) {
		if !get {
			c.addNull()
		}
		return
	}
	if (keepttl || (n.cfg.Bugs.SetKeepsTTL && unit == "")) && exists {
		expireMs = old.expireMs
	}
	n.dbs[c.db].set(argv[1], argv[2], expireMs)
	if !get {
		c.addSimple("OK")
	}
	// Relative and absolute expiries go to replicas as PXAT (t_string.c),
	// and the GET option is not propagated.
	if !nx && !xx && !keepttl && !get && unit == "" {
		n.alsoPropagate(c.db, argv)
		return
	}
	prop := [][]byte{argv[0], argv[1], argv[2]}
	if nx {
		prop = append(prop, []byte("NX"))
	}
	if xx {
		prop = append(prop, []byte("XX"))
	}
	if keepttl {
		prop = append(prop, []byte("KEEPTTL"))
	}
	if unit != "" {
		prop = append(prop, []byte("PXAT"), strconv.AppendInt(nil, expireMs, 10))
	}
	n.alsoPropagate(c.db, prop)
}

// setPlain is SET key value without options, with one hash lookup: the
// common case of every workload. It declines (false) when the key holds an
// expired value, which the general path must delete and propagate first.
func (n *Node) setPlain(c *client, argv [][]byte) bool {
	d := n.dbs[c.db]
	p, ok := d.keys[string(argv[1])]
	if ok && p.expireMs != 0 {
		return false
	}
	if ok {
		p.val = append(p.val[:0], argv[2]...)
	} else {
		p = &item{val: append([]byte(nil), argv[2]...)}
		k := string(argv[1])
		d.keys[k] = p
		d.addOrder(k, p)
	}
	d.rehash(p, argv[1])
	c.addSimple("OK")
	n.alsoPropagate(c.db, argv)
	return true
}

func delCommand(n *Node, c *client, argv [][]byte) {
	var deleted int64
	for _, k := range argv[1:] {
		if _, ok := n.lookupKey(c, k); ok {
			n.dbs[c.db].del(string(k))
			deleted++
		}
	}
	c.addInt(deleted)
	if deleted > 0 {
		n.alsoPropagate(c.db, argv)
	}
}

func incrCommand(n *Node, c *client, argv [][]byte) {
	it, ok := n.lookupKey(c, argv[1])
	var v int64
	if ok {
		var err error
		v, err = parseStrictInt(it.val)
		if err != nil {
			c.addError("ERR value is not an integer or out of range")
			return
		}
	}
	if v == 1<<63-1 {
		c.addError("ERR increment or decrement would overflow")
		return
	}
	v++
	n.scratch = strconv.AppendInt(n.scratch[:0], v, 10)
	n.dbs[c.db].set(argv[1], n.scratch, it.expireMs)
	c.addInt(v)
	n.alsoPropagate(c.db, argv)
}

// parseStrictInt accepts what Redis's string2ll accepts: no spaces, no
// leading zeros, no plus sign.
func parseStrictInt(b []byte) (int64, error) {
	if len(b) == 0 || len(b) > 20 || b[0] == '+' || (len(b) > 1 && b[0] == '0') || (len(b) > 1 && b[0] == '-' && b[1] == '0') {
		return 0, strconv.ErrSyntax
	}
	return strconv.ParseInt(string(b), 10, 64)
}

func appendCommand(n *Node, c *client, argv [][]byte) {
	it, _ := n.lookupKey(c, argv[1])
	n.scratch = append(append(n.scratch[:0], it.val...), argv[2]...)
	n.dbs[c.db].set(argv[1], n.scratch, it.expireMs)
	c.addInt(int64(len(n.scratch)))
	n.alsoPropagate(c.db, argv)
}

func existsCommand(n *Node, c *client, argv [][]byte) {
	var count int64
	for _, k := range argv[1:] {
		if _, ok := n.lookupKey(c, k); ok {
			count++
		}
	}
	c.addInt(count)
}

func dbsizeCommand(n *Node, c *client, argv [][]byte) {
	c.addInt(int64(len(n.dbs[c.db].keys)))
}

func selectCommand(n *Node, c *client, argv [][]byte) {
	id, err := parseStrictInt(argv[1])
	if err != nil {
		c.addError("ERR value is not an integer or out of range")
		return
	}
	if id < 0 || id >= numDBs {
		c.addError("ERR DB index is out of range")
		return
	}
	c.db = int(id)
	c.addSimple("OK")
}

func pingCommand(n *Node, c *client, argv [][]byte) {
	if len(c.channels) > 0 && len(argv) <= 2 {
		// In subscribed mode PING answers as a push-like array.
		c.addArrayLen(2)
		c.addBulkStr("pong")
		if len(argv) == 2 {
			c.addBulk(argv[1])
		} else {
			c.addBulkStr("")
		}
		return
	}
	switch len(argv) {
	case 1:
		c.addSimple("PONG")
	case 2:
		c.addBulk(argv[1])
	default:
		c.addError("ERR wrong number of arguments for 'ping' command")
	}
}

func echoCommand(n *Node, c *client, argv [][]byte) { c.addBulk(argv[1]) }

func flushallCommand(n *Node, c *client, argv [][]byte) {
	for _, d := range n.dbs {
		d.flush()
	}
	c.addSimple("OK")
	n.alsoPropagate(c.db, [][]byte{[]byte("FLUSHALL")})
}

func multiCommand(n *Node, c *client, argv [][]byte) {
	if c.multi {
		c.addError("ERR MULTI calls can not be nested")
		return
	}
	c.multi = true
	c.multiQueue = nil
	c.multiDirty = false
	c.addSimple("OK")
}

func discardCommand(n *Node, c *client, argv [][]byte) {
	if !c.multi {
		c.addError("ERR DISCARD without MULTI")
		return
	}
	c.multi, c.multiQueue, c.multiDirty = false, nil, false
	c.addSimple("OK")
}

// execCommand runs the queued commands; everything they change is
// propagated as one MULTI/EXEC unit by call.
func execCommand(n *Node, c *client, argv [][]byte) {
	if !c.multi {
		c.addError("ERR EXEC without MULTI")
		return
	}
	queue, dirty := c.multiQueue, c.multiDirty
	c.multi, c.multiQueue, c.multiDirty = false, nil, false
	if dirty {
		c.addError("EXECABORT Transaction discarded because of previous errors.")
		return
	}
	c.addArrayLen(len(queue))
	n.inExec = true
	for _, q := range queue {
		cmd := lookupCommand(q[0])
		cmd.proc(n, c, q)
	}
	n.inExec = false
}

// Propagation (Redis's alsoPropagate and propagatePendingCommands): the
// operations one command produced go out alone, or wrapped in MULTI/EXEC
// when there are several.

type propOp struct {
	db   int
	argv [][]byte
}

func (n *Node) alsoPropagate(db int, argv [][]byte) {
	if !n.isMaster() {
		return
	}
	n.pending = append(n.pending, propOp{db: db, argv: argv})
}

func (n *Node) propagatePending() {
	if n.inExec || len(n.pending) == 0 {
		return
	}
	ops := n.pending
	n.pending = n.pending[:0]
	if len(ops) == 1 {
		n.feedCommand(ops[0].db, ops[0].argv)
		return
	}
	n.feedCommand(ops[0].db, [][]byte{[]byte("MULTI")})
	for _, op := range ops {
		n.feedCommand(op.db, op.argv)
	}
	n.feedCommand(ops[0].db, [][]byte{[]byte("EXEC")})
}

// feedCommand is replicationFeedSlaves: SELECT when the stream's database
// differs, then the command, into the shared replication buffer. A replica
// never feeds its own commands; a master with neither backlog nor replicas
// feeds nothing and its offset stays where it is (spec §2.1).
func (n *Node) feedCommand(db int, argv [][]byte) {
	if !n.isMaster() {
		return
	}
	if !n.buf.HasBacklog() && len(n.slaves) == 0 {
		return
	}
	if n.slaveseldb != db {
		n.scratch = append(n.scratch[:0], "*2\r\n$6\r\nSELECT\r\n$"...)
		d := strconv.Itoa(db)
		n.scratch = strconv.AppendInt(n.scratch, int64(len(d)), 10)
		n.scratch = append(n.scratch, "\r\n"...)
		n.scratch = append(n.scratch, d...)
		n.scratch = append(n.scratch, "\r\n"...)
		n.feed(n.scratch)
		n.slaveseldb = db
	}
	if n.buf.FeedCommand(argv...) > 0 {
		n.checkOutputBufferLimits(true)
	}
}

// feed appends one piece to the shared buffer.
func (n *Node) feed(p []byte) {
	if n.buf.Feed(p) > 0 {
		n.checkOutputBufferLimits(true)
	}
}

var crlf = []byte("\r\n")
