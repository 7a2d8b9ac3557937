package model

// observe.go reports the node's replication state to an Observer (env.go),
// when the Env implements one.

type observeKind uint8

const (
	observeChange observeKind = iota // only when offset, data or replid changed
	observeForce                     // always
	observeStart                     // the process started
	observeLoaded                    // a full-sync snapshot was loaded
)

// observe reports the keyspace at the current offset.
func (n *Node) observe(kind observeKind) {
	if n.obs == nil || !n.up {
		return
	}
	off := n.Offset()
	h, keys := n.KeyspaceHash()
	id := n.replid
	if !n.isMaster() && n.cfg.Protocol == PSYNC {
		id = n.masterReplid
	}
	if kind == observeChange && n.obsDone && off == n.obsOffset && h == n.obsHash && id == n.obsReplid {
		return
	}
	n.obsDone, n.obsOffset, n.obsHash, n.obsReplid = true, off, h, id
	n.obs.Applied(Applied{Replid: id, Offset: off, Hash: h, Keys: keys, Start: kind == observeStart, Loaded: kind == observeLoaded})
}

// observeContinue reports a partial resync granted to peer.
func (n *Node) observeContinue(peer, id string, p int64) {
	if n.obs == nil {
		return
	}
	c := Continued{Peer: peer, Requested: id, Offset: p, Replid: n.replid, Replid2: n.replid2,
		SecondReplOffset: n.secondReplidOffset, Backlog: n.buf.HasBacklog()}
	if c.Backlog {
		c.BacklogFirst, c.BacklogEnd = n.buf.FirstByteOffset(), n.buf.Offset()+1
	}
	n.obs.Continued(c)
}
