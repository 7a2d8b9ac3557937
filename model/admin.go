package model

// Operations the runner performs as an operator or as Sentinel would: they
// take the same paths as the commands, without a client connection.

// Load stores a key before the run starts, as if it had been in an RDB the
// node loaded: nothing is propagated.
func (n *Node) Load(db int, key, val []byte) {
	n.dbs[db].set(key, val, 0)
	n.observe(observeChange)
}

// ReplicaOf points the node at a master (REPLICAOF host port), and records
// it in the node's configuration, as Sentinel's CONFIG REWRITE does, so a
// restart keeps the role.
func (n *Node) ReplicaOf(host string, port int) {
	n.cfg.ReplicaOfHost, n.cfg.ReplicaOfPort = host, port
	if !n.up {
		return
	}
	if !n.isMaster() && n.masterHost == host && n.masterPort == port {
		return
	}
	n.setMaster(host, port)
	n.endIteration()
}

// Promote turns the node into a master (REPLICAOF NO ONE) and records it in
// its configuration.
func (n *Node) Promote() {
	n.cfg.ReplicaOfHost, n.cfg.ReplicaOfPort = "", 0
	if !n.up {
		return
	}
	if !n.isMaster() {
		n.unsetMaster()
		n.env.Log("MASTER MODE enabled (failover)")
	}
	n.endIteration()
}

// IsMaster reports whether the node currently is a master.
func (n *Node) IsMaster() bool { return n.isMaster() }

// MasterHost returns the master the node replicates from, or "".
func (n *Node) MasterHost() string { return n.masterHost }

// LinkUp reports whether a replica's link to its master is CONNECTED.
func (n *Node) LinkUp() bool { return n.replState == replConnected }

// Offset returns master_repl_offset (on a replica, its applied offset).
func (n *Node) Offset() int64 {
	if n.master != nil {
		return n.master.reploff
	}
	return n.buf.Offset()
}

// Replid returns the node's replication ID.
func (n *Node) Replid() string { return n.replid }
