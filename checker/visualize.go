package checker

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/anishathalye/porcupine"
)

// maxVisualized bounds the partitions drawn in history.html.
const maxVisualized = 5

// WriteHTML writes porcupine's visualization of the illegal keys (at most
// five partitions) to path: the clients' operations, the longest orders
// porcupine found, and the timeline's faults and replication notes drawn as
// annotations on the same clock.
func (l *Linearizability) WriteHTML(path string, timeline []Event) error {
	if len(l.illegal) == 0 {
		return errors.New("nothing to draw: no key is illegal")
	}
	parts := append([]*partition(nil), l.illegal...)
	sort.Slice(parts, func(i, j int) bool {
		if parts[i].key != parts[j].key {
			return parts[i].key < parts[j].key
		}
		return parts[i].window < parts[j].window
	})
	if len(parts) > maxVisualized {
		parts = parts[:maxVisualized]
	}
	names := map[string]bool{}
	for _, p := range parts {
		for _, i := range p.hist {
			if i >= 0 {
				names[l.history[i].Client] = true
			}
		}
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	ids := map[string]int{}
	for i, n := range sorted {
		ids[n] = i
	}
	windowID := len(sorted)

	var all []porcupine.Operation
	var split [][]porcupine.Operation
	lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
	for _, p := range parts {
		ops := make([]porcupine.Operation, len(p.ops))
		for j, op := range p.ops {
			i := p.hist[j]
			if i < 0 {
				op.ClientId = windowID
				op.Metadata = fmt.Sprintf("window %d of %s starts at %s", p.window, p.key, fmtTime(p.start))
			} else {
				h := &l.history[i]
				in := *op.Input.(*kvInput)
				in.client = h.Client
				op.Input = &in
				op.ClientId = ids[h.Client]
				op.Metadata = fmt.Sprintf("%s: %s", h.Key, describe(h))
				lo = min(lo, h.Call)
				hi = max(hi, h.Call)
				if h.Outcome == OK {
					hi = max(hi, h.Return)
				}
			}
			ops[j] = op
		}
		split = append(split, ops)
		all = append(all, ops...)
	}
	m := kvModel
	m.Partition = func([]porcupine.Operation) [][]porcupine.Operation { return split }
	_, info := porcupine.CheckOperationsVerbose(m, all, 30*time.Second)
	info.AddAnnotations(annotations(timeline, lo, hi))
	return porcupine.VisualizePath(m, info, path)
}

// annotations draws the timeline between lo and hi (with a second of margin
// either side): faults on a "faults" row, notes on a row per node.
func annotations(timeline []Event, lo, hi int64) []porcupine.Annotation {
	const margin = int64(time.Second)
	const most = 300
	var out []porcupine.Annotation
	for _, e := range timeline {
		end := max(e.At, e.End)
		if end < lo-margin || e.At > hi+margin {
			continue
		}
		a := porcupine.Annotation{Start: e.At, End: end, Details: e.String()}
		if e.IsFault() {
			a.Tag = "faults"
			a.Description = e.Text
			a.BackgroundColor = "#f6c4c4"
		} else {
			a.Tag = e.Node
			switch e.Kind {
			case "link-down":
				a.Description = "link down"
				a.BackgroundColor = "#f6e3c4"
			case "link-up":
				a.Description = "link up"
				a.BackgroundColor = "#d5f0d0"
			case "fullresync":
				a.Description = fmt.Sprintf("FULLRESYNC %s @%d", e.Peer, e.Offset)
				a.BackgroundColor = "#d6d0f6"
			case "continue":
				a.Description = fmt.Sprintf("CONTINUE %s @%d", e.Peer, e.Offset)
				a.BackgroundColor = "#c4e4f6"
			case "promoted":
				a.Description = fmt.Sprintf("promoted @%d", e.Offset)
				a.BackgroundColor = "#f6c4ec"
			case "sync-done":
				a.Description = "snapshot loaded"
			case "replica-dropped":
				a.Description = "dropped " + e.Peer
			default:
				a.Description = e.Kind
			}
		}
		out = append(out, a)
		if len(out) == most {
			break
		}
	}
	return out
}
