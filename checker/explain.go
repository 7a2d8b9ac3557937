package checker

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"
)

// explain.go turns an illegal partition into a few sentences: the key, the
// read that no order explains, the write it missed, and the faults around
// them.

// Explain sets l.Explanation for the first illegal key, naming the faults
// of the timeline around it.
func (l *Linearizability) Explain(timeline []Event) {
	if len(l.illegal) == 0 {
		return
	}
	p := l.illegal[0]
	for _, q := range l.illegal[1:] {
		if q.key < p.key || (q.key == p.key && q.window < p.window) {
			p = q
		}
	}
	text := explainRegister(l.history, p, timeline)
	if text == "" {
		text = explainGeneric(l.history, p, timeline)
	}
	if l.IllegalKeyCount > 1 {
		text += fmt.Sprintf(" (%d keys in all are not linearizable.)", l.IllegalKeyCount)
	}
	l.Explanation = text
}

// describe renders one operation for an explanation.
func describe(op *Op) string {
	var b strings.Builder
	if op.Client == FinalClient {
		fmt.Fprintf(&b, "the final read of %s's dataset at %s", op.Node, fmtTime(op.Call))
		return b.String()
	}
	b.WriteString(strings.ToUpper(op.Op))
	if op.Op == "set" || op.Op == "append" {
		b.WriteString(" " + op.Value.String())
	}
	if op.TTLMs > 0 {
		fmt.Fprintf(&b, " with a time to live of %dms", op.TTLMs)
	}
	if op.Block > 0 {
		fmt.Fprintf(&b, " in MULTI/EXEC block %d", op.Block)
	}
	fmt.Fprintf(&b, " by %s on %s", op.Client, op.Node)
	switch op.Outcome {
	case OK:
		fmt.Fprintf(&b, " (called %s, acknowledged %s", fmtTime(op.Call), fmtTime(op.Return))
		if op.Waited > 0 && op.IsWrite() {
			replicas := "replicas"
			if op.Waited == 1 {
				replicas = "replica"
			}
			fmt.Fprintf(&b, ", by %d %s according to WAIT", op.Waited, replicas)
		}
		b.WriteString(")")
	case Fail:
		fmt.Fprintf(&b, " (called %s, failed: %s)", fmtTime(op.Call), op.Reply)
	default:
		fmt.Fprintf(&b, " (called %s, outcome unknown)", fmtTime(op.Call))
	}
	return b.String()
}

func observed(op *Op) string {
	verb := "returned"
	if op.Client == FinalClient {
		verb = "found"
	}
	switch {
	case op.Op != "get":
		return verb + " " + op.Reply
	case op.Null:
		return verb + " the key missing"
	}
	return verb + " " + op.Value.String()
}

func context(timeline []Event, from, to int64) string {
	es := around(timeline, from, to, 6)
	if len(es) == 0 {
		if len(timeline) == 0 {
			return ""
		}
		return " No fault was active in between."
	}
	return " In between: " + joinEvents(es) + "."
}

// explainRegister explains a key that only SET, GET and DEL touch: it finds
// the first read whose value no write explains, or that missed a write
// acknowledged after every write of its value and before the read began.
// It returns "" when no single read shows the violation.
func explainRegister(h []Op, p *partition, timeline []Event) string {
	var ops []int
	var init []kvState
	for _, i := range p.hist {
		if i < 0 {
			init = p.init
			continue
		}
		switch h[i].Op {
		case "set", "get", "del":
		default:
			return ""
		}
		ops = append(ops, i)
	}
	inInit := func(s kvState) bool {
		if p.window == 0 {
			return s == kvState{}
		}
		if init == nil {
			return true
		}
		for _, c := range init {
			if c == s {
				return true
			}
		}
		return false
	}
	ret := func(op *Op) int64 {
		if op.Outcome != OK {
			return math.MaxInt64
		}
		return op.Return
	}
	for _, ri := range ops {
		r := &h[ri]
		if r.Op != "get" || r.Outcome != OK {
			continue
		}
		// The writes that could have produced what r saw, by their return.
		var srcs []int64
		want := kvState{val: r.Value, exists: !r.Null}
		if inInit(want) {
			srcs = append(srcs, p.start-2)
			if p.window == 0 {
				srcs[0] = math.MinInt64
			}
		}
		var later, failed *Op
		for _, wi := range ops {
			w := &h[wi]
			match := (r.Null && w.Op == "del") || (!r.Null && w.Op == "set" && w.Value == r.Value)
			switch {
			case !match:
			case w.Outcome == Fail:
				failed = w
			case w.Call > r.Return:
				if later == nil {
					later = w
				}
			default:
				srcs = append(srcs, ret(w))
			}
		}
		head := fmt.Sprintf("key %s: %s %s", r.ID(), describe(r), observed(r))
		if len(srcs) == 0 {
			switch {
			case r.Null:
				continue
			case later != nil:
				return head + ", before " + describe(later) + " was even called." + context(timeline, r.Call, later.Call)
			case failed != nil:
				return head + ", a value only " + describe(failed) + " wrote, and a failed write did not happen."
			}
			return head + ", a value no write to the key wrote."
		}
		// A write acknowledged before r began and called after every
		// source returned: r must have seen it or something later.
		best := -1
		for _, wi := range ops {
			w := &h[wi]
			if w.Op == "get" || w.Outcome != OK || w.Return >= r.Call {
				continue
			}
			after := true
			for _, s := range srcs {
				if s >= w.Call {
					after = false
					break
				}
			}
			if after && (best < 0 || w.Return > h[best].Return) {
				best = wi
			}
		}
		if best < 0 {
			continue
		}
		w := &h[best]
		if r.Null {
			return fmt.Sprintf("%s; but %s was acknowledged before the read began, and no DEL of the key can have come after it.%s",
				head, describe(w), context(timeline, w.Call, r.Return))
		}
		return fmt.Sprintf("%s; but %s came after that value was written and before the read began, so the read missed it.%s",
			head, describe(w), context(timeline, w.Call, r.Return))
	}
	return ""
}

// explainGeneric runs porcupine's verbose check on the partition and names
// the first operation the longest consistent order cannot place.
func explainGeneric(h []Op, p *partition, timeline []Event) string {
	_, info := porcupine.CheckOperationsVerbose(kvModel, p.ops, 10*time.Second)
	n := len(p.ops)
	placed := map[int]bool{}
	if parts := info.PartialLinearizations(); len(parts) > 0 {
		var best []int
		for _, lin := range parts[0] {
			if len(lin) > len(best) || (len(lin) == len(best) && lessInts(lin, best)) {
				best = lin
			}
		}
		for _, id := range best {
			placed[id] = true
		}
	}
	first := -1
	for id := 0; id < n; id++ {
		if placed[id] || p.hist[id] < 0 {
			continue
		}
		if first < 0 || p.ops[id].Call < p.ops[first].Call {
			first = id
		}
	}
	text := fmt.Sprintf("key %s: no order of its %d operations explains what the clients saw; at most %d fit one order", p.key, n, len(placed))
	if first < 0 {
		return text + "."
	}
	op := &h[p.hist[first]]
	return fmt.Sprintf("%s, and it cannot place %s, which %s.%s", text, describe(op), observed(op), context(timeline, p.ops[0].Call, op.Call))
}

func lessInts(a, b []int) bool {
	for i := range a {
		if i >= len(b) || a[i] != b[i] {
			return i < len(b) && a[i] < b[i]
		}
	}
	return false
}
