package model

import (
	"fmt"
	"strings"
)

// Connection and administration commands, reduced to what Sentinel sends a
// node (sentinelSendSlaveOf's transaction, the link's CLIENT SETNAME) and
// what a subscribed client may use.

// quitCommand replies +OK and closes the connection once it is written.
func quitCommand(n *Node, c *client, argv [][]byte) {
	c.addSimple("OK")
	c.closeAfterReply = true
}

// resetCommand is RESET: out of MULTI, every subscription dropped, database
// 0, no name.
func resetCommand(n *Node, c *client, argv [][]byte) {
	c.multi, c.multiQueue, c.multiDirty = false, nil, false
	n.unsubscribeAll(c)
	c.db = 0
	c.name = ""
	c.addSimple("RESET")
}

// configCommand is CONFIG REWRITE only. The simulated node always runs with
// a config file: REWRITE records its current role in its configuration, so a
// restart keeps it, which is why Sentinel sends it after SLAVEOF. CONFIG GET
// and SET are not modelled (the runner sets parameters with Config.Set).
func configCommand(n *Node, c *client, argv [][]byte) {
	sub := strings.ToLower(string(argv[1]))
	if sub != "rewrite" {
		c.addError(fmt.Sprintf("ERR unknown subcommand '%s'. Try CONFIG HELP.", argv[1]))
		return
	}
	if len(argv) != 2 {
		c.addError("ERR wrong number of arguments for 'config|rewrite' command")
		return
	}
	n.cfg.ReplicaOfHost, n.cfg.ReplicaOfPort = n.masterHost, n.masterPort
	c.addSimple("OK")
}

// clientCommand is CLIENT SETNAME, GETNAME and KILL TYPE
// normal|pubsub|replica|slave|master: what Sentinel uses. KILL never kills
// the caller (SKIPME yes) and replies with the number killed.
func clientCommand(n *Node, c *client, argv [][]byte) {
	sub := strings.ToLower(string(argv[1]))
	switch {
	case sub == "setname" && len(argv) == 3:
		if strings.ContainsAny(string(argv[2]), " \n") {
			c.addError("ERR Client names cannot contain spaces, newlines or special characters.")
			return
		}
		c.name = string(argv[2])
		c.addSimple("OK")
	case sub == "getname" && len(argv) == 2:
		if c.name == "" {
			c.addNull()
			return
		}
		c.addBulkStr(c.name)
	case sub == "kill" && len(argv) == 4 && strings.EqualFold(string(argv[2]), "type"):
		typ := strings.ToLower(string(argv[3]))
		switch typ {
		case "normal", "pubsub", "master":
		case "replica", "slave":
			typ = "replica"
		default:
			c.addError(fmt.Sprintf("ERR Unknown client type '%s'", argv[3]))
			return
		}
		var killed int64
		for _, k := range append([]*client(nil), n.clients...) {
			if k != c && !k.freed && n.clientType(k) == typ {
				n.freeClient(k, "killed")
				killed++
			}
		}
		c.addInt(killed)
	case sub == "setname" || sub == "getname" || sub == "kill":
		c.addError(fmt.Sprintf("ERR wrong number of arguments for 'client|%s' command", sub))
	default:
		c.addError(fmt.Sprintf("ERR unknown subcommand '%s'. Try CLIENT HELP.", argv[1]))
	}
}

// clientType is getClientType: master, replica, pubsub or normal.
func (n *Node) clientType(c *client) string {
	switch {
	case c == n.master:
		return "master"
	case c.isReplica():
		return "replica"
	case len(c.channels) > 0:
		return "pubsub"
	}
	return "normal"
}
