package sentinel

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/replsim/replsim/model"
	"github.com/replsim/replsim/model/resp"
)

// client is a connection accepted on the sentinel's port: a peer sentinel
// asking is-master-down-by-addr or publishing its hello, or a client
// discovering the master or listening for events.
type client struct {
	peer     *peer
	channels []string // subscribed event channels, in subscription order
	closing  bool
}

// Accept is called when someone connects to the sentinel's port.
func (s *Sentinel) Accept(conn model.Conn) {
	if !s.up {
		conn.Close()
		return
	}
	p := &peer{conn: conn, rr: resp.NewReader(resp.Limits{}), connected: true}
	p.client = &client{peer: p}
	s.conns[conn] = p
	s.clients = append(s.clients, p.client)
}

// Connected is called when a dial the sentinel started completes or fails.
func (s *Sentinel) Connected(conn model.Conn, err error) {
	p := s.conns[conn]
	if !s.up || p == nil {
		return
	}
	if err != nil {
		s.closeLink(p.ri, p)
		return
	}
	p.connected = true
	s.flush(p)
}

// Writable is called when a connection can take more bytes.
func (s *Sentinel) Writable(conn model.Conn) {
	if p := s.conns[conn]; s.up && p != nil {
		s.flush(p)
	}
}

// Closed is called when a connection ends.
func (s *Sentinel) Closed(conn model.Conn, err error) {
	p := s.conns[conn]
	if !s.up || p == nil {
		return
	}
	if p.client != nil {
		s.dropClient(p.client)
		return
	}
	s.closeLink(p.ri, p)
}

func (s *Sentinel) dropClient(c *client) {
	delete(s.conns, c.peer.conn)
	c.peer.conn.Close()
	s.clients = slices.DeleteFunc(s.clients, func(x *client) bool { return x == c })
}

// Data is called with bytes that arrived on one of the sentinel's
// connections.
func (s *Sentinel) Data(conn model.Conn, b []byte) {
	p := s.conns[conn]
	if !s.up || p == nil {
		return
	}
	p.rr.Feed(b)
	if p.client != nil {
		s.serve(p.client)
		return
	}
	for s.conns[conn] == p {
		v, _, ok, err := p.rr.ReadReply()
		if err != nil {
			s.closeLink(p.ri, p)
			return
		}
		if !ok {
			return
		}
		if p.pubsub {
			s.pubsubReply(p.ri, v)
			continue
		}
		if len(p.handlers) == 0 {
			continue
		}
		h := p.handlers[0]
		p.handlers = p.handlers[1:]
		if p.ri.link.pending > 0 {
			p.ri.link.pending--
		}
		if h != nil {
			h(v)
		}
	}
}

// pubsubReply is sentinelReceiveHelloMessages.
func (s *Sentinel) pubsubReply(ri *instance, v resp.Value) {
	ri.link.pcLastActivity = s.now()
	if v.Kind != resp.KindArray || len(v.Array) != 3 || v.Array[0].Str != "message" || v.Array[1].Str != helloChannel {
		return
	}
	s.processHello(v.Array[2].Str)
}

// serve runs every complete command a client sent.
func (s *Sentinel) serve(c *client) {
	for !c.closing {
		argv, _, ok, err := c.peer.rr.ReadCommand()
		if err != nil {
			c.peer.out = resp.AppendError(c.peer.out, "ERR "+err.Error())
			c.closing = true
			break
		}
		if !ok {
			break
		}
		if len(argv) == 0 {
			continue
		}
		args := make([]string, len(argv))
		for i, a := range argv {
			args[i] = string(a)
		}
		s.command1(c, args)
	}
	s.flush(c.peer)
	if c.closing {
		s.dropClient(c)
	}
}

// command1 answers one command, as a sentinel's command table does.
func (s *Sentinel) command1(c *client, argv []string) {
	name := strings.ToLower(argv[0])
	if !slices.Contains(sentinelCommands, name) {
		var args strings.Builder
		for _, a := range argv[1:] {
			fmt.Fprintf(&args, "'%s' ", a)
		}
		c.peer.out = resp.AppendError(c.peer.out, fmt.Sprintf("ERR unknown command '%s', with args beginning with: %s", argv[0], args.String()))
		return
	}
	if len(c.channels) > 0 && name != "subscribe" && name != "unsubscribe" && name != "ping" {
		full := name
		if (name == "sentinel" || name == "client") && len(argv) > 1 {
			full += "|" + strings.ToLower(argv[1])
		}
		c.peer.out = resp.AppendError(c.peer.out, fmt.Sprintf("ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context", full))
		return
	}
	switch {
	case name == "ping" && len(argv) == 1:
		if len(c.channels) > 0 {
			c.peer.out = resp.AppendArrayLen(c.peer.out, 2)
			c.peer.out = resp.AppendBulkString(c.peer.out, "pong")
			c.peer.out = resp.AppendBulkString(c.peer.out, "")
			return
		}
		c.peer.out = resp.AppendSimple(c.peer.out, "PONG")
	case name == "client" && len(argv) == 3 && strings.EqualFold(argv[1], "setname"):
		c.peer.out = resp.AppendSimple(c.peer.out, "OK")
	case name == "subscribe" && len(argv) >= 2:
		for _, ch := range argv[1:] {
			if !slices.Contains(c.channels, ch) {
				c.channels = append(c.channels, ch)
			}
			s.subReply(c, "subscribe", ch)
		}
	case name == "unsubscribe":
		chans := argv[1:]
		if len(chans) == 0 && len(c.channels) == 0 {
			c.peer.out = resp.AppendArrayLen(c.peer.out, 3)
			c.peer.out = resp.AppendBulkString(c.peer.out, "unsubscribe")
			c.peer.out = resp.AppendNull(c.peer.out)
			c.peer.out = resp.AppendInt(c.peer.out, 0)
			return
		}
		if len(chans) == 0 {
			chans = slices.Clone(c.channels)
		}
		for _, ch := range chans {
			c.channels = slices.DeleteFunc(c.channels, func(x string) bool { return x == ch })
			s.subReply(c, "unsubscribe", ch)
		}
	case name == "publish" && len(argv) == 3:
		// sentinelPublishCommand: only hellos, from peer sentinels.
		if argv[1] != helloChannel {
			c.peer.out = resp.AppendError(c.peer.out, "ERR Only HELLO messages are accepted by Sentinel instances.")
			return
		}
		s.processHello(argv[2])
		c.peer.out = resp.AppendInt(c.peer.out, 1)
	case name == "info":
		s.infoReply(c)
	case name == "sentinel" && len(argv) >= 2:
		s.sentinelCommand(c, argv)
	default:
		c.peer.out = resp.AppendError(c.peer.out, fmt.Sprintf("ERR wrong number of arguments for '%s' command", name))
	}
}

// sentinelCommands are the commands this model of a sentinel knows; Redis
// 7.0's sentinel mode knows a few more (AUTH, HELLO, ROLE, SHUTDOWN, ...)
// and not QUIT.
var sentinelCommands = []string{"ping", "client", "subscribe", "unsubscribe", "publish", "info", "sentinel"}

func (s *Sentinel) subReply(c *client, kind, ch string) {
	c.peer.out = resp.AppendArrayLen(c.peer.out, 3)
	c.peer.out = resp.AppendBulkString(c.peer.out, kind)
	c.peer.out = resp.AppendBulkString(c.peer.out, ch)
	c.peer.out = resp.AppendInt(c.peer.out, int64(len(c.channels)))
}

func (s *Sentinel) infoReply(c *client) {
	m := s.master
	status := "ok"
	if m.odown {
		status = "odown"
	} else if m.sdown {
		status = "sdown"
	}
	a := s.currentMasterAddr()
	text := fmt.Sprintf("# Server\r\nredis_version:7.0.15\r\nredis_mode:sentinel\r\nrun_id:%s\r\ntcp_port:%d\r\n\r\n"+
		"# Sentinel\r\nsentinel_masters:1\r\nsentinel_tilt:0\r\nsentinel_running_scripts:0\r\nsentinel_scripts_queue_length:0\r\nsentinel_simulate_failure_flags:0\r\n"+
		"master0:name=%s,status=%s,address=%s:%d,slaves=%d,sentinels=%d\r\n",
		s.myid, s.cfg.Port, m.name, status, a.host, a.port, len(m.replicas), len(m.sentinels)+1)
	c.peer.out = resp.AppendBulkString(c.peer.out, text)
}

// sentinelCommand answers SENTINEL subcommands.
func (s *Sentinel) sentinelCommand(c *client, argv []string) {
	m := s.master
	sub := strings.ToLower(argv[1])
	switch {
	case (sub == "get-master-addr-by-name") && len(argv) == 3:
		if argv[2] != m.name {
			c.peer.out = resp.AppendNullArray(c.peer.out)
			return
		}
		a := s.currentMasterAddr()
		c.peer.out = resp.AppendArrayLen(c.peer.out, 2)
		c.peer.out = resp.AppendBulkString(c.peer.out, a.host)
		c.peer.out = resp.AppendBulkString(c.peer.out, itoa(a.port))
	case sub == "is-master-down-by-addr" && len(argv) == 6:
		port, err1 := strconv.Atoi(argv[3])
		reqEpoch, err2 := strconv.ParseUint(argv[4], 10, 64)
		if err1 != nil || err2 != nil {
			c.peer.out = resp.AppendError(c.peer.out, "ERR value is not an integer or out of range")
			return
		}
		var ri *instance
		if m.host == argv[2] && m.port == port {
			ri = m
		}
		down := int64(0)
		if ri != nil && ri.sdown {
			down = 1
		}
		leader, leaderEpoch := "", uint64(0)
		if ri != nil && argv[5] != "*" {
			leader, leaderEpoch = s.voteLeader(ri, reqEpoch, argv[5])
		}
		if leader == "" {
			leader = "*"
		}
		c.peer.out = resp.AppendArrayLen(c.peer.out, 3)
		c.peer.out = resp.AppendInt(c.peer.out, down)
		c.peer.out = resp.AppendBulkString(c.peer.out, leader)
		c.peer.out = resp.AppendInt(c.peer.out, int64(leaderEpoch))
	case sub == "masters" && len(argv) == 2:
		c.peer.out = resp.AppendArrayLen(c.peer.out, 1)
		s.instanceReply(c, m)
	case sub == "master" && len(argv) == 3, (sub == "replicas" || sub == "slaves" || sub == "sentinels") && len(argv) == 3:
		if argv[2] != m.name {
			c.peer.out = resp.AppendError(c.peer.out, "ERR No such master with that name")
			return
		}
		switch sub {
		case "master":
			s.instanceReply(c, m)
		case "sentinels":
			c.peer.out = resp.AppendArrayLen(c.peer.out, len(m.sentinels))
			for _, p := range sortedInstances(m.sentinels) {
				s.instanceReply(c, p)
			}
		default:
			c.peer.out = resp.AppendArrayLen(c.peer.out, len(m.replicas))
			for _, r := range sortedInstances(m.replicas) {
				s.instanceReply(c, r)
			}
		}
	case sub == "myid" && len(argv) == 2:
		c.peer.out = resp.AppendBulkString(c.peer.out, s.myid)
	case slices.Contains([]string{"get-master-addr-by-name", "is-master-down-by-addr", "masters", "master", "replicas", "slaves", "sentinels", "myid"}, sub):
		c.peer.out = resp.AppendError(c.peer.out, fmt.Sprintf("ERR wrong number of arguments for 'sentinel|%s' command", sub))
	default:
		c.peer.out = resp.AppendError(c.peer.out, fmt.Sprintf("ERR unknown subcommand '%s'. Try SENTINEL HELP.", argv[1]))
	}
}

// instanceReply is addReplySentinelRedisInstance, reduced to the fields a
// test or a client reads.
func (s *Sentinel) instanceReply(c *client, ri *instance) {
	now := s.now()
	kv := []string{"name", ri.name, "ip", ri.host, "port", itoa(ri.port), "runid", ri.runid, "flags", flags(ri),
		"link-pending-commands", itoa(ri.link.pending),
		"last-ok-ping-reply", ms(now - ri.link.lastAvailTime),
		"role-reported", ri.roleReported.String()}
	if ri.sdown {
		kv = append(kv, "s-down-time", ms(now-ri.sdownSince))
	}
	if ri.odown {
		kv = append(kv, "o-down-time", ms(now-ri.odownSince))
	}
	switch ri.kind {
	case kindMaster:
		kv = append(kv, "config-epoch", utoa(ri.configEpoch), "num-slaves", itoa(len(ri.replicas)),
			"num-other-sentinels", itoa(len(ri.sentinels)), "quorum", itoa(s.cfg.Quorum),
			"failover-timeout", ms(s.cfg.FailoverTimeout), "parallel-syncs", itoa(s.cfg.ParallelSyncs),
			"down-after-milliseconds", ms(s.cfg.DownAfter), "failover-state", ri.failoverState.String())
	case kindReplica:
		status := "err"
		if ri.slaveMasterLinkUp {
			status = "ok"
		}
		kv = append(kv, "master-link-down-time", ms(ri.masterLinkDownTime), "master-link-status", status,
			"master-host", ri.slaveMasterHost, "master-port", itoa(ri.slaveMasterPort),
			"slave-priority", itoa(ri.slavePriority), "slave-repl-offset", strconv.FormatInt(ri.slaveReplOffset, 10))
	case kindSentinel:
		kv = append(kv, "voted-leader", cmpOr(ri.leader, "?"), "voted-leader-epoch", utoa(ri.leaderEpoch))
	}
	c.peer.out = resp.AppendArrayLen(c.peer.out, len(kv))
	for _, x := range kv {
		c.peer.out = resp.AppendBulkString(c.peer.out, x)
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// flags renders an instance's flags in Redis's order.
func flags(ri *instance) string {
	var f []string
	add := func(on bool, name string) {
		if on {
			f = append(f, name)
		}
	}
	add(ri.sdown, "s_down")
	add(ri.odown, "o_down")
	f = append(f, ri.kind.String())
	add(ri.link.disconnected, "disconnected")
	add(ri.masterDown, "master_down")
	add(ri.failoverInProgress, "failover_in_progress")
	add(ri.promoted, "promoted")
	add(ri.reconfSent, "reconf_sent")
	add(ri.reconfInprog, "reconf_inprog")
	add(ri.reconfDone, "reconf_done")
	return strings.Join(f, ",")
}
