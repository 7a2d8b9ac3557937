package checker

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"math"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"
)

// maxVisualized bounds the partitions drawn in history.html.
const maxVisualized = 5

// WriteHTML writes porcupine's visualization of the illegal keys (at most
// five partitions) to path: the clients' operations, the longest orders
// porcupine found, and the timeline's faults and replication notes drawn as
// annotations on the same clock. The page is titled title, its client rows
// are named as in the history (c1, c2, ...) rather than porcupine's 0, 1,
// ..., and it says where the times are.
func (l *Linearizability) WriteHTML(path, title string, timeline []Event) error {
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
				op.Metadata = fmt.Sprintf("%s: %s", h.ID(), describe(h))
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
	var b bytes.Buffer
	if err := porcupine.Visualize(m, info, &b); err != nil {
		return err
	}
	rows := append(sorted, "window")
	return os.WriteFile(path, dressPage(b.Bytes(), title, rows, lo, hi), 0o644)
}

// The pieces of porcupine's page (v1.3.1) that dressPage rewrites. Should
// a later version change them, the client names stay in the legend that
// dressPage adds, and the rows keep porcupine's numbers.
const (
	porcupineTitle      = "<title>Porcupine</title>"
	porcupineTagWidth   = "const tag = i < realClients ? i.toString() :"
	porcupineTagText    = "text.textContent = i < realClients ? i :"
	porcupineDataMarker = "const data = "
)

// dressPage gives porcupine's page a title, a heading that says what it
// shows and where the times are, and the clients' names on their rows.
func dressPage(page []byte, title string, clients []string, lo, hi int64) []byte {
	s := string(page)
	esc := html.EscapeString(title)
	s = strings.Replace(s, porcupineTitle, "<title>"+esc+"</title>", 1)
	names, _ := json.Marshal(clients)
	named := strings.Count(s, porcupineTagWidth) == 1 && strings.Count(s, porcupineTagText) == 1 && strings.Count(s, porcupineDataMarker) == 1
	if named {
		s = strings.Replace(s, porcupineTagWidth, "const tag = i < realClients ? String(clientNames[i] ?? i) :", 1)
		s = strings.Replace(s, porcupineTagText, "text.textContent = i < realClients ? String(clientNames[i] ?? i) :", 1)
		s = strings.Replace(s, porcupineDataMarker, "const clientNames = "+string(names)+"\n      "+porcupineDataMarker, 1)
	}
	var legend strings.Builder
	if !named {
		legend.WriteString("Rows: ")
		for i, c := range clients {
			if i > 0 {
				legend.WriteString(", ")
			}
			fmt.Fprintf(&legend, "%d = %s", i, html.EscapeString(c))
		}
		legend.WriteString(".")
	}
	head := fmt.Sprintf(`<div style="font-family: 'Liberation Sans', Arial, sans-serif; margin: 42px 0 0;">
<h1 style="font-size: 1.3rem; margin: 0;">%s</h1>
<p style="margin: 0.3rem 0;">The operations of the keys that are not linearizable, between %s and %s of simulated time, one row per client; below them, the faults and each node's replication events on the same clock.
Time runs left to right but is not to scale (porcupine spaces the instants evenly): hover or click an operation or an event for its times.
%s</p></div>
`, esc, fmtTime(lo), fmtTime(hi), legend.String())
	s = strings.Replace(s, "<body>", "<body>\n"+head, 1)
	return []byte(s)
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
