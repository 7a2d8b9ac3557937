package model

import (
	"fmt"
	"strings"
)

// Pub/Sub on channels (pubsub.c), as a RESP2 client sees it: what Sentinel's
// hello messages on __sentinel__:hello need. Patterns and shard channels are
// not modelled. A client's channels are kept in the order it subscribed to
// them, which is the order UNSUBSCRIBE without arguments confirms them in
// (Redis walks a dict there, in hash order).

// subscribeCommand is SUBSCRIBE channel [channel ...].
func subscribeCommand(n *Node, c *client, argv [][]byte) {
	for _, ch := range argv[1:] {
		name := string(ch)
		if !c.subscribed(name) {
			c.channels = append(c.channels, name)
			n.pubsub[name] = append(n.pubsub[name], c)
		}
		c.addArrayLen(3)
		c.addBulkStr("subscribe")
		c.addBulk(ch)
		c.addInt(int64(len(c.channels)))
	}
}

// unsubscribeCommand is UNSUBSCRIBE [channel ...]; without arguments it
// leaves every channel, and confirms with a null channel when there was none.
func unsubscribeCommand(n *Node, c *client, argv [][]byte) {
	if len(argv) == 1 {
		if len(c.channels) == 0 {
			c.addArrayLen(3)
			c.addBulkStr("unsubscribe")
			c.addNull()
			c.addInt(0)
			return
		}
		for _, name := range append([]string(nil), c.channels...) {
			n.unsubscribe(c, name, true)
		}
		return
	}
	for _, ch := range argv[1:] {
		n.unsubscribe(c, string(ch), true)
	}
}

// unsubscribe removes c from one channel and, when notify, confirms it with
// the number of channels c is left with.
func (n *Node) unsubscribe(c *client, name string, notify bool) {
	if i := c.channelIndex(name); i >= 0 {
		c.channels = append(c.channels[:i], c.channels[i+1:]...)
		subs := n.pubsub[name]
		for j, s := range subs {
			if s == c {
				subs = append(subs[:j], subs[j+1:]...)
				break
			}
		}
		if len(subs) == 0 {
			delete(n.pubsub, name)
		} else {
			n.pubsub[name] = subs
		}
	}
	if notify {
		c.addArrayLen(3)
		c.addBulkStr("unsubscribe")
		c.addBulkStr(name)
		c.addInt(int64(len(c.channels)))
	}
}

// unsubscribeAll drops every subscription of a client being freed or reset.
func (n *Node) unsubscribeAll(c *client) {
	for _, name := range append([]string(nil), c.channels...) {
		n.unsubscribe(c, name, false)
	}
}

// publishCommand is PUBLISH channel message: it replies with the number of
// clients that received the message, and goes to replicas like a write
// (forceCommandPropagation), so a replica's own subscribers hear it too.
func publishCommand(n *Node, c *client, argv [][]byte) {
	receivers := n.publish(argv[1], argv[2])
	c.addInt(int64(receivers))
	n.alsoPropagate(c.db, argv)
}

// publish pushes a message to the channel's subscribers, in the order they
// subscribed, and returns how many there were.
func (n *Node) publish(channel, message []byte) int {
	subs := n.pubsub[string(channel)]
	for _, s := range subs {
		s.addArrayLen(3)
		s.addBulkStr("message")
		s.addBulk(channel)
		s.addBulk(message)
	}
	return len(subs)
}

// pubsubContextError is the error a RESP2 client in subscribed mode gets
// for any command but (P|S)(UN)SUBSCRIBE, PING, QUIT and RESET; nil when the
// command is allowed.
func pubsubContextError(c *client, cmd *command, argv [][]byte) string {
	if len(c.channels) == 0 {
		return ""
	}
	switch cmd.name {
	case "subscribe", "unsubscribe", "ping", "quit", "reset":
		return ""
	}
	return fmt.Sprintf("ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context", fullCommandName(cmd, argv))
}

// fullCommandName is Redis 7.0's fullname: "config|rewrite" for a command
// with subcommands.
func fullCommandName(cmd *command, argv [][]byte) string {
	if (cmd.name == "config" || cmd.name == "client") && len(argv) > 1 {
		return cmd.name + "|" + strings.ToLower(string(argv[1]))
	}
	return cmd.name
}

func (c *client) subscribed(name string) bool { return c.channelIndex(name) >= 0 }

func (c *client) channelIndex(name string) int {
	for i, s := range c.channels {
		if s == name {
			return i
		}
	}
	return -1
}
