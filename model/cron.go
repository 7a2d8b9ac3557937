package model

import (
	"fmt"
	"time"
)

// activeExpireKeysPerTick bounds the keys the active expire cycle deletes per
// serverCron call. Redis samples keys at random; the model walks expiries in
// time order, which deletes the same keys, only in a deterministic order.
const activeExpireKeysPerTick = 200

// serverCron runs every 100 ms (hz 10): the fork child, active expiry, and
// once a second replicationCron and the output-buffer checks of clientsCron.
func (n *Node) serverCron() {
	if !n.up {
		return
	}
	n.cronLoops++
	if n.master != nil && n.cfg.Bugs.AckBeforeApply {
		n.processInput(n.master)
	}
	n.childProgress()
	if n.isMaster() || n.cfg.Bugs.ReplicaActiveExpire {
		n.activeExpireCycle()
		n.propagatePending()
	}
	if n.loading != nil && n.unixtime()-n.loading.lastNewln >= 1 {
		// A loading replica tells its master it is alive (spec §5.3).
		n.loading.conn.Write([]byte("\n"))
		n.loading.lastNewln = n.unixtime()
	}
	if n.cronLoops%10 == 0 && n.loading == nil {
		n.replicationCron()
		n.checkOutputBufferLimits(false)
	}
	n.scheduleCron()
	n.endIteration()
}

// activeExpireCycle deletes expired keys on a master and propagates a DEL
// for each, outside any MULTI (spec §2.2).
func (n *Node) activeExpireCycle() {
	now := n.mstime()
	budget := activeExpireKeysPerTick
	for i, d := range n.dbs {
		for budget > 0 {
			key, ok := d.nextExpired(now)
			if !ok {
				break
			}
			d.del(key)
			n.stats.ExpiredKeys++
			n.feedCommand(i, [][]byte{[]byte("DEL"), []byte(key)})
			budget--
		}
	}
}

// replicationCron is Redis's, once per second, in Redis's order.
func (n *Node) replicationCron() {
	now := n.unixtime()
	timeout := seconds(n.cfg.ReplTimeout)

	if n.link != nil && (n.replState == replConnecting || n.replState.inHandshake()) && now-n.link.lastIO > timeout {
		n.env.Log("Timeout connecting to the MASTER...")
		n.stats.MasterLinkTimeouts++
		n.cancelHandshake(true)
	}
	if n.link != nil && n.replState == replTransfer && now-n.link.lastIO > timeout {
		n.env.Log("Timeout receiving bulk data from MASTER... If the problem persists try to set the 'repl-timeout' parameter in redis.conf to a larger value.")
		n.stats.MasterLinkTimeouts++
		n.cancelHandshake(true)
	}
	if n.master != nil && n.replState == replConnected && now-n.master.lastInteraction > timeout {
		n.env.Log("MASTER timeout: no data nor PING received...")
		n.stats.MasterLinkTimeouts++
		n.freeClient(n.master, "timeout")
	}
	if !n.isMaster() && n.replState == replConnect && n.link == nil {
		n.env.Log(fmt.Sprintf("Connecting to MASTER %s:%d", n.masterHost, n.masterPort))
		n.connectWithMaster()
	}
	if n.master != nil {
		n.sendAck()
	}

	period := seconds(n.cfg.ReplPingReplicaPeriod)
	if n.replLoops%period == 0 && len(n.slaves) > 0 && n.isMaster() {
		n.feedCommand(n.slaveseldb, [][]byte{[]byte("ping")})
	}
	// A newline keeps replicas that wait for a snapshot from timing out.
	for _, s := range n.slaves {
		if s.slaveState == slaveWaitBgsaveStart || (s.slaveState == slaveWaitBgsaveEnd && n.child != nil && !n.child.socket) {
			s.conn.Write([]byte("\n"))
		}
	}
	for _, s := range append([]*client(nil), n.slaves...) {
		if s.slaveState == slaveOnline && !s.prePsync && now-s.ackTime > timeout {
			n.env.Log(fmt.Sprintf("Disconnecting timedout replica (streaming sync): %s:%d", s.conn.Peer(), s.listeningPort))
			n.dropSlave(s, "timeout")
			continue
		}
		if s.slaveState == slaveWaitBgsaveEnd && n.child != nil && n.child.socket && s.lastPartialWrite != 0 && now-s.lastPartialWrite > timeout {
			n.env.Log(fmt.Sprintf("Disconnecting timedout replica (full sync): %s:%d", s.conn.Peer(), s.listeningPort))
			n.dropSlave(s, "timeout")
		}
	}
	if len(n.slaves) == 0 && n.cfg.ReplBacklogTTL > 0 && n.buf.HasBacklog() && n.isMaster() {
		if now-n.noSlavesSince > seconds(n.cfg.ReplBacklogTTL) {
			n.changeReplicationID()
			n.clearReplicationID2()
			n.buf.FreeBacklog()
			n.env.Log(fmt.Sprintf("Replication backlog freed after %d seconds without connected replicas.", seconds(n.cfg.ReplBacklogTTL)))
		}
	}
	n.startPendingChild()
	n.refreshGoodSlavesCount()
	n.replLoops++
}

var _ = time.Second
