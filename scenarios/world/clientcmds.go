package world

import (
	"strconv"
	"time"

	"github.com/replsim/replsim/checker"
	"github.com/replsim/replsim/model/resp"
)

// clientcmds.go is what the workload's clients send besides one plain
// command: keys with a time to live (SET ... EX/PX and EXPIRE, as client
// libraries send them), MULTI/EXEC blocks of SETs, and the database each
// client works in.

// Tags of the calls of a MULTI/EXEC block whose replies say nothing of
// their own: MULTI's +OK and each command's +QUEUED (a command refused
// while queueing makes EXEC fail, which the EXEC reply tells).
const tagQueued = -4

// The command names of keys with a time to live and of blocks.
var (
	cmdEX      = []byte("EX")
	cmdPX      = []byte("PX")
	cmdExpire  = []byte("EXPIRE")
	cmdPExpire = []byte("PEXPIRE")
	cmdMulti   = []byte("MULTI")
	cmdExec    = []byte("EXEC")
)

// clientDB is the database of client i: clients spread over the workload's
// databases one each, as client libraries bind a connection (and a pool)
// to one database and SELECT it when they connect.
func (wl *workload) clientDB(i int) int {
	ws := wl.r.s.Workload
	return ws.DB + i%max(ws.DBs, 1)
}

// ttlArgs returns the time to live as a client library sends it: whole
// seconds with the seconds form (EX, EXPIRE), else milliseconds (PX,
// PEXPIRE).
func (wl *workload) ttlArgs() (seconds bool, n []byte) {
	ttl := wl.r.s.Workload.TTL
	if ttl%time.Second == 0 {
		return true, strconv.AppendInt(nil, int64(ttl/time.Second), 10)
	}
	return false, strconv.AppendInt(nil, ttl.Milliseconds(), 10)
}

// ttlCommand fills args (a SET's or a bare key's) for the set-ttl and
// expire operations and returns them.
func (wl *workload) ttlCommand(op string, args [][]byte) [][]byte {
	seconds, n := wl.ttlArgs()
	switch {
	case op == "expire" && seconds:
		args[0] = cmdExpire
	case op == "expire":
		args[0] = cmdPExpire
	case seconds:
		args = append(args, cmdEX)
	default:
		args = append(args, cmdPX)
	}
	return append(args, n)
}

// fireMulti sends one MULTI/EXEC block of MultiSize SETs to random keys
// on the master connection and records each SET in the history; the block
// counts as one operation of the client's pipeline.
func (wc *wclient) fireMulti(c *Client, call int64) {
	wl := wc.w
	ws := wl.r.s.Workload
	ids := make([]int, ws.MultiSize)
	cmds := make([][][]byte, 0, ws.MultiSize+2)
	cmds = append(cmds, [][]byte{cmdMulti})
	wl.blockSeq++
	for i := range ids {
		k := wl.rng.IntN(ws.Keys)
		value := wl.value(ws.ValueSize)
		ids[i] = wl.history.add(checker.Op{
			Client: c.Name, Node: c.Target().Host, Op: "set", Key: wl.keys[k], Value: checker.ValueOf(value),
			Call: call, Waited: -1, DB: wc.db, Block: wl.blockSeq,
		})
		cmds = append(cmds, [][]byte{cmdSet, wl.keyArgs[k], append([]byte(nil), value...)})
	}
	cmds = append(cmds, [][]byte{cmdExec})
	if wl.blocks == nil {
		wl.blocks = map[int][]int{}
	}
	wl.blocks[ids[0]] = ids
	c.DoBlock(tagQueued, ids[0], cmds)
}

// finishBlock records the outcome of a block's EXEC for each of its SETs:
// the EXEC's reply array gives each its reply, an error (EXECABORT: a SET
// was refused while queueing) fails them all, a broken connection leaves
// them all unknown.
func (wl *workload) finishBlock(call *Call, ids []int) []int {
	delete(wl.blocks, call.Tag)
	var acked []int
	for i, id := range ids {
		op := wl.history.at(id)
		if op == nil {
			continue
		}
		op.Return = int64(call.End)
		switch {
		case call.Broken:
			op.Outcome = checker.Unknown
		case call.Reply.Kind == resp.KindError:
			op.Outcome, op.Reply = checker.Fail, call.Reply.Str
		case call.Reply.Kind != resp.KindArray || i >= len(call.Reply.Array):
			op.Outcome, op.Reply = checker.Fail, "EXEC replied "+call.Reply.String()
		case call.Reply.Array[i].Kind == resp.KindError:
			op.Outcome, op.Reply = checker.Fail, call.Reply.Array[i].Str
		default:
			op.Outcome, op.Reply = checker.OK, "OK"
			acked = append(acked, id)
		}
	}
	return acked
}

// DoBlock sends several commands at once, a MULTI/EXEC block, whatever
// the pipeline: every call but the last carries tag, the last lastTag. It
// returns false if the client is not connected.
func (c *Client) DoBlock(tag, lastTag int, cmds [][][]byte) bool {
	if !c.ready {
		return false
	}
	for i, args := range cmds {
		t := tag
		if i == len(cmds)-1 {
			t = lastTag
		}
		c.pending.push(Call{Tag: t, Start: c.w.Now()})
		c.out = resp.AppendCommand(c.out, args...)
	}
	if !c.inData {
		c.flush()
	}
	return true
}
