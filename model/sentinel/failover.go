package sentinel

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/replsim/replsim/model/resp"
)

// checkSubjectivelyDown is sentinelCheckSubjectivelyDown (spec §3): SDOWN
// once a PING has been pending, or the link down, for more than
// down-after-milliseconds, or when the master has reported role:slave for
// longer than down-after + 20 s. Old, silent connections are closed first.
func (s *Sentinel) checkSubjectivelyDown(ri *instance) {
	now := s.now()
	l := &ri.link
	da := s.cfg.DownAfter
	var elapsed time.Duration
	if l.actPingTime != 0 {
		elapsed = now - l.actPingTime
	} else if l.disconnected {
		elapsed = now - l.lastAvailTime
	}
	if l.cc != nil && now-l.ccConnTime >= minLinkReconnectTime && l.actPingTime != 0 &&
		now-l.actPingTime > da/2 && now-l.lastPongTime > da/2 {
		s.closeLink(ri, l.cc)
	}
	if l.pc != nil && now-l.pcConnTime >= minLinkReconnectTime && now-l.pcLastActivity > 3*publishPeriod {
		s.closeLink(ri, l.pc)
	}
	down := elapsed > da ||
		(ri.kind == kindMaster && ri.roleReported == kindReplica && now-ri.roleReportedAt > da+2*infoPeriod)
	switch {
	case down && !ri.sdown:
		ri.sdown = true
		ri.sdownSince = now
		s.event("+sdown", ri, "")
	case !down && ri.sdown:
		ri.sdown = false
		s.event("-sdown", ri, "")
	}
}

// checkObjectivelyDown is sentinelCheckObjectivelyDown: ODOWN when we and
// the sentinels that said the master is down reach the quorum.
func (s *Sentinel) checkObjectivelyDown(m *instance) {
	odown := false
	votes := 0
	if m.sdown {
		votes = 1
		for _, p := range m.sentinels {
			if p.masterDown {
				votes++
			}
		}
		odown = votes >= s.cfg.Quorum
	}
	switch {
	case odown && !m.odown:
		m.odown = true
		m.odownSince = s.now()
		s.event("+odown", m, "#quorum %d/%d", votes, s.cfg.Quorum)
	case !odown && m.odown:
		m.odown = false
		s.event("-odown", m, "")
	}
}

// askMasterState is sentinelAskMasterStateToOtherSentinels (spec §3): while
// the master is SDOWN here, ask every connected sentinel whose last answer
// is older than a second (or all of them, forced) whether it agrees, asking
// for its vote once our failover started.
func (s *Sentinel) askMasterState(m *instance, force bool) {
	now := s.now()
	for _, p := range sortedInstances(m.sentinels) {
		elapsed := now - p.lastMasterDownReply
		if elapsed > 5*askPeriod {
			p.masterDown = false
			p.leader = ""
		}
		if !m.sdown || p.link.disconnected {
			continue
		}
		if !force && elapsed < askPeriod {
			continue
		}
		runid := "*"
		if m.failoverState > stateNone {
			runid = s.myid
		}
		s.command(p, func(v resp.Value) {
			if v.Kind != resp.KindArray || len(v.Array) != 3 || v.Array[0].Kind != resp.KindInt ||
				v.Array[1].Kind != resp.KindBulk || v.Array[2].Kind != resp.KindInt {
				return
			}
			p.lastMasterDownReply = s.now()
			p.masterDown = v.Array[0].Int == 1
			if v.Array[1].Str != "*" {
				p.leader = v.Array[1].Str
				p.leaderEpoch = uint64(v.Array[2].Int)
			}
		}, "SENTINEL", "is-master-down-by-addr", m.host, itoa(m.port), utoa(s.currentEpoch), runid)
	}
}

// startFailoverIfNeeded is sentinelStartFailoverIfNeeded and
// sentinelStartFailover (spec §4).
func (s *Sentinel) startFailoverIfNeeded(m *instance) bool {
	now := s.now()
	if !m.odown || m.failoverInProgress || now-m.failoverStartTime < 2*s.cfg.FailoverTimeout {
		return false
	}
	m.failoverState = stateWaitStart
	m.failoverInProgress = true
	s.currentEpoch++
	m.failoverEpoch = s.currentEpoch
	s.event("+new-epoch", nil, "%d", s.currentEpoch)
	s.event("+try-failover", m, "")
	m.failoverStartTime = now + s.desync()
	m.failoverChangedAt = now
	return true
}

// desync is rand()%SENTINEL_MAX_DESYNC milliseconds.
func (s *Sentinel) desync() time.Duration {
	return time.Duration(s.rng.IntN(maxDesync)) * time.Millisecond
}

// voteLeader is sentinelVoteLeader: one vote per epoch, to the first
// sentinel that asks for it in an epoch not older than ours. It returns the
// current vote, which may be older than the request.
func (s *Sentinel) voteLeader(m *instance, reqEpoch uint64, runid string) (string, uint64) {
	if reqEpoch > s.currentEpoch {
		s.currentEpoch = reqEpoch
		s.event("+new-epoch", nil, "%d", s.currentEpoch)
	}
	if m.leaderEpoch < reqEpoch && s.currentEpoch <= reqEpoch {
		m.leader = runid
		m.leaderEpoch = s.currentEpoch
		s.event("+vote-for-leader", nil, "%s %d", m.leader, m.leaderEpoch)
		if runid != s.myid {
			m.failoverStartTime = s.now() + s.desync()
		}
	}
	return m.leader, m.leaderEpoch
}

// getLeader is sentinelGetLeader: the sentinel with most votes in this
// epoch, our own vote added, if it has a majority of the known sentinels and
// at least the quorum. Ties go to the smallest run id (C walks a dict).
func (s *Sentinel) getLeader(m *instance, epoch uint64) string {
	counts := map[string]int{}
	voters := len(m.sentinels) + 1
	for _, p := range m.sentinels {
		if p.leader != "" && p.leaderEpoch == s.currentEpoch {
			counts[p.leader]++
		}
	}
	winner, best := mostVoted(counts)
	want := winner
	if want == "" {
		want = s.myid
	}
	if vote, voteEpoch := s.voteLeader(m, epoch, want); vote != "" && voteEpoch == epoch {
		counts[vote]++
		if counts[vote] > best {
			winner, best = vote, counts[vote]
		}
	}
	if winner != "" && (best < voters/2+1 || best < s.cfg.Quorum) {
		return ""
	}
	return winner
}

func mostVoted(counts map[string]int) (string, int) {
	winner, best := "", 0
	for id, n := range counts {
		if n > best || (n == best && id < winner) {
			winner, best = id, n
		}
	}
	return winner, best
}

// failoverStateMachine is sentinelFailoverStateMachine: one step per tick.
func (s *Sentinel) failoverStateMachine(m *instance) {
	if !m.failoverInProgress {
		return
	}
	switch m.failoverState {
	case stateWaitStart:
		s.failoverWaitStart(m)
	case stateSelectSlave:
		s.failoverSelectSlave(m)
	case stateSendSlaveofNoOne:
		s.failoverSendSlaveOfNoOne(m)
	case stateWaitPromotion:
		if s.now()-m.failoverChangedAt > s.cfg.FailoverTimeout {
			s.event("-failover-abort-slave-timeout", m, "")
			s.abortFailover(m)
		}
	case stateReconfSlaves:
		s.failoverReconfNextSlave(m)
	}
}

func (s *Sentinel) setState(m *instance, st failoverState) {
	m.failoverState = st
	m.failoverChangedAt = s.now()
}

// failoverWaitStart is sentinelFailoverWaitStart: go on once elected, give
// up after min(10 s, failover-timeout).
func (s *Sentinel) failoverWaitStart(m *instance) {
	if s.getLeader(m, m.failoverEpoch) != s.myid {
		if s.now()-m.failoverStartTime > min(electionTimeout, s.cfg.FailoverTimeout) {
			s.event("-failover-abort-not-elected", m, "")
			s.abortFailover(m)
		}
		return
	}
	s.event("+elected-leader", m, "")
	s.setState(m, stateSelectSlave)
	s.event("+failover-state-select-slave", m, "")
}

func (s *Sentinel) failoverSelectSlave(m *instance) {
	r := s.selectReplica(m)
	if r == nil {
		s.event("-failover-abort-no-good-slave", m, "")
		s.abortFailover(m)
		return
	}
	s.event("+selected-slave", r, "")
	r.promoted = true
	m.promotedReplica = r
	s.setState(m, stateSendSlaveofNoOne)
	s.event("+failover-state-send-slaveof-noone", r, "")
}

// selectReplica is sentinelSelectSlave (spec §5.1).
func (s *Sentinel) selectReplica(m *instance) *instance {
	now := s.now()
	maxDown := 10 * s.cfg.DownAfter
	if m.sdown {
		maxDown += now - m.sdownSince
	}
	validity := 3 * infoPeriod
	if m.sdown {
		validity = 5 * pingPeriod
	}
	var ok []*instance
	for _, r := range sortedInstances(m.replicas) {
		switch {
		case r.sdown || r.odown, r.link.disconnected,
			now-r.link.lastAvailTime > 5*pingPeriod,
			r.slavePriority == 0,
			now-r.infoAt > validity,
			r.masterLinkDownTime > maxDown:
			continue
		}
		ok = append(ok, r)
	}
	if len(ok) == 0 {
		return nil
	}
	slices.SortStableFunc(ok, compareForPromotion)
	return ok[0]
}

// compareForPromotion is compareSlavesForPromotion: lower priority, then
// larger offset, then the smaller run id (case-insensitive; none is last).
func compareForPromotion(a, b *instance) int {
	if c := cmp.Compare(a.slavePriority, b.slavePriority); c != 0 {
		return c
	}
	if c := cmp.Compare(b.slaveReplOffset, a.slaveReplOffset); c != 0 {
		return c
	}
	switch {
	case a.runid == "" && b.runid == "":
		return 0
	case a.runid == "":
		return 1
	case b.runid == "":
		return -1
	}
	return cmp.Compare(strings.ToLower(a.runid), strings.ToLower(b.runid))
}

func (s *Sentinel) failoverSendSlaveOfNoOne(m *instance) {
	r := m.promotedReplica
	if r.link.disconnected {
		if s.now()-m.failoverChangedAt > s.cfg.FailoverTimeout {
			s.event("-failover-abort-slave-timeout", m, "")
			s.abortFailover(m)
		}
		return
	}
	if !s.sendSlaveOf(r, "", 0) {
		return
	}
	s.event("+failover-state-wait-promotion", r, "")
	s.setState(m, stateWaitPromotion)
}

// failoverReconfNextSlave is sentinelFailoverReconfNextSlave: point the
// other replicas at the promoted one, parallel-syncs at a time.
func (s *Sentinel) failoverReconfNextSlave(m *instance) {
	now := s.now()
	inprog := 0
	for _, r := range m.replicas {
		if r.reconfSent || r.reconfInprog {
			inprog++
		}
	}
	p := m.promotedReplica
	for _, r := range sortedInstances(m.replicas) {
		if inprog >= s.cfg.ParallelSyncs {
			break
		}
		if r.promoted || r.reconfDone {
			continue
		}
		if r.reconfSent && now-r.reconfSentTime > slaveReconfTimeout {
			s.event("-slave-reconf-sent-timeout", r, "")
			r.reconfSent, r.reconfDone = false, true
			continue
		}
		if r.reconfSent || r.reconfInprog || r.link.disconnected {
			continue
		}
		if s.sendSlaveOf(r, p.host, p.port) {
			r.reconfSent = true
			r.reconfSentTime = now
			s.event("+slave-reconf-sent", r, "")
			inprog++
		}
	}
	s.failoverDetectEnd(m)
}

// failoverDetectEnd is sentinelFailoverDetectEnd.
func (s *Sentinel) failoverDetectEnd(m *instance) {
	p := m.promotedReplica
	if p == nil || p.sdown {
		return
	}
	left := 0
	for _, r := range m.replicas {
		if !r.promoted && !r.reconfDone && !r.sdown {
			left++
		}
	}
	timeout := false
	if s.now()-m.failoverChangedAt > s.cfg.FailoverTimeout {
		left = 0
		timeout = true
		s.event("+failover-end-for-timeout", m, "")
	}
	if left == 0 {
		s.event("+failover-end", m, "")
		s.setState(m, stateUpdateConfig)
	}
	if timeout {
		for _, r := range sortedInstances(m.replicas) {
			if r.promoted || r.reconfDone || r.reconfSent || r.link.disconnected {
				continue
			}
			if s.sendSlaveOf(r, p.host, p.port) {
				s.event("+slave-reconf-sent-be", r, "")
				r.reconfSent = true
			}
		}
	}
}

// abortFailover is sentinelAbortFailover.
func (s *Sentinel) abortFailover(m *instance) {
	m.failoverInProgress = false
	s.setState(m, stateNone)
	if m.promotedReplica != nil {
		m.promotedReplica.promoted = false
		m.promotedReplica = nil
	}
}

// switchToPromoted is sentinelFailoverSwitchToPromotedSlave.
func (s *Sentinel) switchToPromoted() {
	m := s.master
	p := m.promotedReplica
	if p == nil {
		p = m
	}
	s.event("+switch-master", nil, "%s %s %d %s %d", m.name, m.host, m.port, p.host, p.port)
	s.resetMasterAndChangeAddress(p.host, p.port)
}

// resetMasterAndChangeAddress is sentinelResetMasterAndChangeAddress: the
// master record moves to host:port; its replicas are the old ones but the
// new master, plus the old master.
func (s *Sentinel) resetMasterAndChangeAddress(host string, port int) {
	m := s.master
	var addrs [][2]string
	for _, r := range sortedInstances(m.replicas) {
		if r.host != host || r.port != port {
			addrs = append(addrs, [2]string{r.host, itoa(r.port)})
		}
	}
	if m.host != host || m.port != port {
		addrs = append(addrs, [2]string{m.host, itoa(m.port)})
	}
	for _, r := range sortedInstances(m.replicas) {
		s.closeLink(r, r.link.cc)
		s.closeLink(r, r.link.pc)
	}
	m.replicas = map[string]*instance{}
	s.resetInstance(m)
	m.host, m.port = host, port
	for _, a := range addrs {
		r := s.newInstance(kindReplica, a[0]+":"+a[1], a[0], atoi(a[1]))
		m.replicas[r.name] = r
		s.event("+slave", r, "")
	}
}

// resetInstance is sentinelResetMaster without the replica table: links
// closed, flags and failover cleared, the vote forgotten (not its epoch),
// timers restarted.
func (s *Sentinel) resetInstance(m *instance) {
	s.closeLink(m, m.link.cc)
	s.closeLink(m, m.link.pc)
	m.sdown, m.odown = false, false
	m.failoverInProgress = false
	m.leader = ""
	m.failoverState = stateNone
	m.failoverChangedAt = 0
	m.failoverStartTime = 0
	m.promotedReplica = nil
	m.runid = ""
	m.slaveMasterHost = ""
	now := s.now()
	m.link = link{disconnected: true, actPingTime: now, lastAvailTime: now, lastPongTime: now}
	m.roleReportedAt = now
	m.roleReported = kindMaster
}
