package sentinel

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/replsim/replsim/model"
	"github.com/replsim/replsim/model/resp"
)

// kind is an instance's type, named as in event payloads.
type kind int

const (
	kindMaster kind = iota
	kindReplica
	kindSentinel
)

func (k kind) String() string {
	switch k {
	case kindMaster:
		return "master"
	case kindReplica:
		return "slave"
	}
	return "sentinel"
}

// Failover states (spec §5).
type failoverState int

const (
	stateNone failoverState = iota
	stateWaitStart
	stateSelectSlave
	stateSendSlaveofNoOne
	stateWaitPromotion
	stateReconfSlaves
	stateUpdateConfig
)

var stateNames = [...]string{"none", "wait_start", "select_slave", "send_slaveof_noone", "wait_promotion", "reconf_slaves", "update_config"}

func (f failoverState) String() string { return stateNames[f] }

// instance is a sentinelRedisInstance: the master, one of its replicas, or
// another sentinel. Times are on the sentinel's clock (epoch + virtual
// time); zero means never.
type instance struct {
	kind       kind
	name       string // master name; "ip:port" for a replica or sentinel
	host       string
	port       int
	runid      string
	link       link
	lastPubAt  time.Duration // last_pub_time: last hello accepted
	infoAt     time.Duration // info_refresh
	sdown      bool
	odown      bool
	sdownSince time.Duration
	odownSince time.Duration

	// From INFO.
	roleReported       kind
	roleReportedAt     time.Duration
	slaveConfChangedAt time.Duration
	masterLinkDownTime time.Duration // master_link_down_since_seconds, in time
	slaveMasterHost    string
	slaveMasterPort    int
	slaveMasterLinkUp  bool
	slavePriority      int
	slaveReplOffset    int64

	// A replica during a failover.
	promoted       bool
	reconfSent     bool
	reconfInprog   bool
	reconfDone     bool
	reconfSentTime time.Duration

	// A sentinel: its answer to is-master-down-by-addr.
	masterDown          bool
	lastMasterDownReply time.Duration
	leader              string // also, on the master, our own vote
	leaderEpoch         uint64

	// The master.
	configEpoch        uint64
	failoverInProgress bool
	failoverState      failoverState
	failoverEpoch      uint64
	failoverStartTime  time.Duration
	failoverChangedAt  time.Duration
	promotedReplica    *instance
	replicas           map[string]*instance // by "ip:port"
	sentinels          map[string]*instance // by "ip:port"
}

// link is an instanceLink: the command connection and, to a master or a
// replica, the Pub/Sub connection subscribed to the hello channel.
type link struct {
	cc, pc         *peer
	disconnected   bool
	pending        int
	ccConnTime     time.Duration
	pcConnTime     time.Duration
	pcLastActivity time.Duration
	lastReconnTime time.Duration
	actPingTime    time.Duration // the oldest PING still unanswered; 0 none
	lastPingTime   time.Duration
	lastAvailTime  time.Duration
	lastPongTime   time.Duration
}

// peer is one connection: a link of ours, or a client that connected to us.
type peer struct {
	conn      model.Conn
	rr        *resp.Reader
	out       []byte
	connected bool

	ri       *instance            // outbound: the instance
	pubsub   bool                 // outbound: the Pub/Sub link
	handlers []func(v resp.Value) // outbound command link: one per reply awaited

	client *client // inbound
}

func (s *Sentinel) newInstance(k kind, name, host string, port int) *instance {
	ri := &instance{kind: k, name: name, host: host, port: port, roleReported: k}
	if k == kindMaster {
		ri.replicas, ri.sentinels = map[string]*instance{}, map[string]*instance{}
	}
	now := s.now()
	ri.link = link{disconnected: true, actPingTime: now, lastAvailTime: now, lastPongTime: now}
	ri.roleReportedAt = now
	ri.slaveConfChangedAt = now
	ri.slavePriority = 100
	return ri
}

func sortedInstances(m map[string]*instance) []*instance {
	var out []*instance
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, m[k])
	}
	return out
}

func addrName(host string, port int) string { return host + ":" + strconv.Itoa(port) }

// reconnect is sentinelReconnectInstance: at most once a second, open the
// missing connections; a new command link names itself and PINGs, a new
// Pub/Sub link subscribes to the hello channel.
func (s *Sentinel) reconnect(ri *instance) {
	l := &ri.link
	if !l.disconnected {
		return
	}
	now := s.now()
	if now-l.lastReconnTime < pingPeriod {
		return
	}
	l.lastReconnTime = now
	if l.cc == nil {
		l.cc = s.dial(ri, false)
		l.ccConnTime = now
		l.pending = 0
		s.command(ri, nil, "CLIENT", "SETNAME", "sentinel-"+s.myid[:8]+"-cmd")
		s.sendPing(ri)
	}
	if ri.kind != kindSentinel && l.pc == nil {
		l.pc = s.dial(ri, true)
		l.pcConnTime = now
		l.pcLastActivity = now
		l.pc.out = resp.AppendCommandString(l.pc.out, "CLIENT", "SETNAME", "sentinel-"+s.myid[:8]+"-pubsub")
		l.pc.out = resp.AppendCommandString(l.pc.out, "SUBSCRIBE", helloChannel)
	}
	if l.cc != nil && (ri.kind == kindSentinel || l.pc != nil) {
		l.disconnected = false
	}
}

func (s *Sentinel) dial(ri *instance, pubsub bool) *peer {
	p := &peer{conn: s.env.Dial(ri.host, ri.port), rr: resp.NewReader(resp.Limits{}), ri: ri, pubsub: pubsub}
	s.conns[p.conn] = p
	return p
}

// closeLink is instanceLinkCloseConnection for one connection of a link.
func (s *Sentinel) closeLink(ri *instance, p *peer) {
	if p == nil {
		return
	}
	l := &ri.link
	delete(s.conns, p.conn)
	p.conn.Close()
	if l.cc == p {
		l.cc = nil
		l.pending = 0
	}
	if l.pc == p {
		l.pc = nil
	}
	l.disconnected = true
}

// command sends one command on ri's command link; handle (if any) gets the
// reply.
func (s *Sentinel) command(ri *instance, handle func(v resp.Value), args ...string) {
	p := ri.link.cc
	p.out = resp.AppendCommandString(p.out, args...)
	p.handlers = append(p.handlers, handle)
	ri.link.pending++
	s.flush(p)
}

func (s *Sentinel) flush(p *peer) {
	if !p.connected || len(p.out) == 0 {
		return
	}
	w := p.conn.Write(p.out)
	p.out = p.out[w:]
	if len(p.out) == 0 {
		p.out = nil
	}
}

// sendPeriodic is sentinelSendPeriodicCommands (spec §2).
func (s *Sentinel) sendPeriodic(ri *instance) {
	l := &ri.link
	if l.disconnected || l.pending >= maxPendingCommands {
		return
	}
	now := s.now()
	period := infoPeriod
	if ri.kind == kindReplica && (s.master.odown || s.master.failoverInProgress || ri.masterLinkDownTime != 0) {
		period = time.Second
	}
	ping := min(s.cfg.DownAfter, pingPeriod)
	// Each of the three when due (7.0; before 6.2 only one per call).
	if ri.kind != kindSentinel && (ri.infoAt == 0 || now-ri.infoAt > period) {
		s.command(ri, func(v resp.Value) {
			if v.Kind == resp.KindBulk && !v.Null {
				s.refreshInfo(ri, v.Str)
			}
		}, "INFO")
	}
	if now-l.lastPongTime > ping && now-l.lastPingTime > ping/2 {
		s.sendPing(ri)
	}
	if now-ri.lastPubAt > publishPeriod {
		s.sendHello(ri)
	}
}

// sendPing is sentinelSendPing; the reply is sentinelPingReplyCallback.
func (s *Sentinel) sendPing(ri *instance) {
	s.command(ri, func(v resp.Value) {
		l := &ri.link
		if (v.Kind == resp.KindSimple || v.Kind == resp.KindError) &&
			(strings.HasPrefix(v.Str, "PONG") || strings.HasPrefix(v.Str, "LOADING") || strings.HasPrefix(v.Str, "MASTERDOWN")) {
			l.lastAvailTime = s.now()
			l.actPingTime = 0
		}
		l.lastPongTime = s.now()
	}, "PING")
	l := &ri.link
	l.lastPingTime = s.now()
	if l.actPingTime == 0 {
		l.actPingTime = l.lastPingTime
	}
}

// addr is an instance's address.
type addr struct {
	host string
	port int
}

// currentMasterAddr is sentinelGetCurrentMasterAddress: the promoted
// replica once our failover reached RECONF_SLAVES.
func (s *Sentinel) currentMasterAddr() addr {
	m := s.master
	if m.failoverInProgress && m.promotedReplica != nil && m.failoverState >= stateReconfSlaves {
		return addr{m.promotedReplica.host, m.promotedReplica.port}
	}
	return addr{m.host, m.port}
}

// sendHello is sentinelSendHello: our address, id and epoch, and the
// master's current address and config epoch, published to the instance.
func (s *Sentinel) sendHello(ri *instance) {
	m := s.master
	a := s.currentMasterAddr()
	payload := fmt.Sprintf("%s,%d,%s,%d,%s,%s,%d,%d", s.cfg.Host, s.cfg.Port, s.myid, s.currentEpoch,
		m.name, a.host, a.port, m.configEpoch)
	s.command(ri, func(v resp.Value) {
		if v.Kind != resp.KindError {
			ri.lastPubAt = s.now()
		}
	}, "PUBLISH", helloChannel, payload)
}

// forceHelloUpdate is sentinelForceHelloUpdateForMaster.
func (s *Sentinel) forceHelloUpdate() {
	m := s.master
	m.lastPubAt -= publishPeriod + time.Millisecond
	for _, r := range m.replicas {
		r.lastPubAt -= publishPeriod + time.Millisecond
	}
	for _, p := range m.sentinels {
		p.lastPubAt -= publishPeriod + time.Millisecond
	}
}

// processHello is sentinelProcessHelloMessage (spec §2).
func (s *Sentinel) processHello(payload string) {
	tok := strings.Split(payload, ",")
	if len(tok) != 8 || strings.Contains(payload, s.myid) {
		return
	}
	m := s.master
	if tok[4] != m.name {
		return
	}
	ip, runid := tok[0], tok[2]
	port, err1 := strconv.Atoi(tok[1])
	epoch, err2 := strconv.ParseUint(tok[3], 10, 64)
	mip := tok[5]
	mport, err3 := strconv.Atoi(tok[6])
	mepoch, err4 := strconv.ParseUint(tok[7], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || err4 != nil {
		return
	}
	si := m.sentinels[addrName(ip, port)]
	if si != nil && si.runid != runid {
		si = nil
	}
	if si == nil {
		for _, other := range sortedInstances(m.sentinels) {
			if other.runid == runid {
				s.closeLink(other, other.link.cc)
				delete(m.sentinels, addrName(other.host, other.port))
				s.event("+sentinel-address-switch", m, "ip %s port %d for %s", ip, port, runid)
			}
		}
		if old := m.sentinels[addrName(ip, port)]; old != nil {
			s.closeLink(old, old.link.cc)
		}
		si = s.newInstance(kindSentinel, addrName(ip, port), ip, port)
		si.name = runid
		si.runid = runid
		m.sentinels[addrName(ip, port)] = si
		s.event("+sentinel", si, "")
	}
	if s.currentEpoch < epoch {
		s.currentEpoch = epoch
		s.event("+new-epoch", nil, "%d", s.currentEpoch)
	}
	if m.configEpoch < mepoch {
		m.configEpoch = mepoch
		if mip != m.host || mport != m.port {
			s.event("+config-update-from", si, "")
			s.event("+switch-master", nil, "%s %s %d %s %d", m.name, m.host, m.port, mip, mport)
			s.resetMasterAndChangeAddress(mip, mport)
		}
	}
}

// refreshInfo is sentinelRefreshInstanceInfo: the parsing half, then the
// acting half (spec §2, §5.4, §5.5, §6).
func (s *Sentinel) refreshInfo(ri *instance, info string) {
	role := s.parseInfo(ri, info)
	s.actOnInfo(ri, role)
}

// parseInfo is the parsing half of sentinelRefreshInstanceInfo: it records
// what the INFO reply says of the instance and returns the role reported.
func (s *Sentinel) parseInfo(ri *instance, info string) kind {
	now := s.now()
	ri.infoAt = now
	role := ri.roleReported
	ri.masterLinkDownTime = 0
	for _, line := range strings.Split(info, "\r\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		switch {
		case k == "run_id" && len(v) == 40:
			if ri.runid != "" && ri.runid != v {
				s.event("+reboot", ri, "")
			}
			ri.runid = v
		case ri.kind == kindMaster && strings.HasPrefix(k, "slave") && len(k) > 5 && k[5] >= '0' && k[5] <= '9':
			s.discoverReplica(v)
		case k == "master_link_down_since_seconds":
			sec, _ := strconv.ParseInt(v, 10, 64)
			ri.masterLinkDownTime = time.Duration(sec) * time.Second
		case k == "role":
			if v == "master" {
				role = kindMaster
			} else if v == "slave" {
				role = kindReplica
			}
		case role == kindReplica && k == "master_host":
			if ri.slaveMasterHost != v {
				ri.slaveMasterHost = v
				ri.slaveConfChangedAt = now
			}
		case role == kindReplica && k == "master_port":
			p, _ := strconv.Atoi(v)
			if ri.slaveMasterPort != p {
				ri.slaveMasterPort = p
				ri.slaveConfChangedAt = now
			}
		case role == kindReplica && k == "master_link_status":
			ri.slaveMasterLinkUp = v == "up"
		case role == kindReplica && k == "slave_priority":
			ri.slavePriority, _ = strconv.Atoi(v)
		case role == kindReplica && k == "slave_repl_offset":
			ri.slaveReplOffset, _ = strconv.ParseInt(v, 10, 64)
		}
	}
	if role != ri.roleReported {
		ri.roleReported = role
		ri.roleReportedAt = now
		if role == kindReplica {
			ri.slaveConfChangedAt = now
		}
		// +role-change when the new role agrees with our table, else
		// -role-change.
		kind := "-role-change"
		if ri.kind == role {
			kind = "+role-change"
		}
		s.event(kind, ri, "new reported role is %s", role)
	}
	return role
}

// actOnInfo is the acting half: a promotion seen, a replica to convert or
// to point at the right master, a reconfiguration progressing.
func (s *Sentinel) actOnInfo(ri *instance, role kind) {
	now := s.now()
	m := s.master
	if ri.kind != kindReplica {
		return
	}
	switch {
	case role == kindMaster && ri.promoted:
		if m.failoverInProgress && m.failoverState == stateWaitPromotion {
			m.configEpoch = m.failoverEpoch
			m.failoverState = stateReconfSlaves
			m.failoverChangedAt = now
			s.event("+promoted-slave", ri, "")
			s.event("+failover-state-reconf-slaves", m, "")
			s.forceHelloUpdate()
		}
	case role == kindMaster:
		wait := 4 * publishPeriod
		if s.masterLooksSane() && noDownFor(ri, wait, now) && now-ri.roleReportedAt > wait && s.sendSlaveOf(ri, m.host, m.port) {
			s.event("+convert-to-slave", ri, "")
		}
	case ri.slaveMasterHost != m.host || ri.slaveMasterPort != m.port:
		wait := s.cfg.FailoverTimeout
		if s.masterLooksSane() && noDownFor(ri, wait, now) && now-ri.slaveConfChangedAt > wait && s.sendSlaveOf(ri, m.host, m.port) {
			s.event("+fix-slave-config", ri, "")
		}
	}
	if role == kindReplica && (ri.reconfSent || ri.reconfInprog) && m.promotedReplica != nil {
		p := m.promotedReplica
		if ri.reconfSent && ri.slaveMasterHost == p.host && ri.slaveMasterPort == p.port {
			ri.reconfSent, ri.reconfInprog = false, true
			s.event("+slave-reconf-inprog", ri, "")
		}
		if ri.reconfInprog && ri.slaveMasterLinkUp {
			ri.reconfInprog, ri.reconfDone = false, true
			s.event("+slave-reconf-done", ri, "")
		}
	}
}

// discoverReplica reads one slaveN line: "ip=...,port=...,state=...".
func (s *Sentinel) discoverReplica(line string) {
	var ip string
	var port int
	for _, f := range strings.Split(line, ",") {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "ip":
			ip = v
		case "port":
			port, _ = strconv.Atoi(v)
		}
	}
	m := s.master
	if ip == "" || port == 0 || m.replicas[addrName(ip, port)] != nil {
		return
	}
	r := s.newInstance(kindReplica, addrName(ip, port), ip, port)
	m.replicas[r.name] = r
	s.event("+slave", r, "")
}

// masterLooksSane is sentinelMasterLooksSane.
func (s *Sentinel) masterLooksSane() bool {
	m := s.master
	return m.roleReported == kindMaster && !m.sdown && !m.odown && s.now()-m.infoAt < 2*infoPeriod
}

// noDownFor is sentinelRedisInstanceNoDownFor.
func noDownFor(ri *instance, d, now time.Duration) bool {
	var most time.Duration
	if ri.sdownSince != 0 {
		most = ri.sdownSince
	}
	if ri.odownSince > most {
		most = ri.odownSince
	}
	return most == 0 || now-most > d
}

// sendSlaveOf is sentinelSendSlaveOf: the transaction of spec §5.3, replies
// ignored. host "" means NO ONE.
func (s *Sentinel) sendSlaveOf(ri *instance, host string, port int) bool {
	if ri.link.disconnected || ri.link.cc == nil {
		return false
	}
	h, p := "NO", "ONE"
	if host != "" {
		h, p = host, strconv.Itoa(port)
	}
	s.command(ri, nil, "MULTI")
	s.command(ri, nil, "SLAVEOF", h, p)
	s.command(ri, nil, "CONFIG", "REWRITE")
	s.command(ri, nil, "CLIENT", "KILL", "TYPE", "normal")
	s.command(ri, nil, "CLIENT", "KILL", "TYPE", "pubsub")
	s.command(ri, nil, "EXEC")
	return true
}
