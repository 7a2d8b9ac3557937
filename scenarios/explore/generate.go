package explore

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"time"
)

// A Draw is the source of a case's choices: a whole number in [lo, hi],
// labelled for whoever records the draws. simrun explore draws from a
// seeded PCG stream per case; the tests draw from rapid (a *rapid.T),
// which then shrinks a generated case by its draws. (simrun does not
// link rapid: rapid links package testing.)
type Draw func(lo, hi int64, label string) int64

// caseSeed derives the seed of case index from the root seed
// (splitmix64), so that each case is the same whatever ran before it.
func caseSeed(root uint64, index int) uint64 {
	z := root + uint64(index+1)*0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// generate draws case index of the space from the root seed.
func (sp *Space) generate(root uint64, index int) Case {
	seed := caseSeed(root, index)
	r := rand.New(rand.NewPCG(seed, 0x65787030)) // stream "exp0"
	c := sp.Generate(func(lo, hi int64, _ string) int64 { return lo + r.Int64N(hi-lo+1) })
	c.Seed = seed%1_000_000 + 1
	return c
}

// Generate draws one case of the space. The draws follow the case's
// size: fewer faults are fewer draws. Each case enables a random subset
// of the allowed fault kinds (swarm testing), at least one.
func (sp *Space) Generate(d Draw) Case {
	x := sp.x
	var c Case
	for _, k := range x.Kinds {
		if d(0, 1, "swarm-"+k) == 1 {
			c.Kinds = append(c.Kinds, k)
		}
	}
	if len(c.Kinds) == 0 && len(x.Kinds) > 0 {
		c.Kinds = []string{pick(d, x.Kinds, "kind")}
	}
	if len(c.Kinds) > 0 && x.FaultsMax > 0 {
		n := d(1, int64(x.FaultsMax), "faults")
		for range n {
			c.Faults = append(c.Faults, sp.fault(d, c.Kinds))
		}
		slices.SortStableFunc(c.Faults, func(a, b Fault) int { return int(a.At - b.At) })
	}
	for _, k := range x.Config {
		if d(0, 1, "vary-"+k.Key) == 0 {
			continue
		}
		v := ""
		if k.Range != nil {
			v = strconv.FormatInt(d(k.Range[0], k.Range[1], k.Key), 10)
		} else {
			v = pick(d, k.Values, k.Key)
		}
		c.Config = append(c.Config, Setting{Key: k.Key, Value: v})
	}
	within := func(r *[2]int64, label string) int64 {
		if r == nil {
			return 0
		}
		return d(r[0], r[1], label)
	}
	c.Rate = within(x.Rate, "rate")
	c.Value = within(x.ValueSize, "value-size")
	c.Clients = within(x.Clients, "clients")
	if len(x.Mixes) > 0 {
		c.Mix = pick(d, x.Mixes, "mix")
	}
	c.TTLMs = within(x.TTLMs, "ttl")
	c.DBs = within(x.DBs, "dbs")
	return c
}

func pick[E any](d Draw, from []E, label string) E {
	return from[d(0, int64(len(from)-1), label)]
}

// fault draws one fault of one of kinds, to the millisecond.
func (sp *Space) fault(d Draw, kinds []string) Fault {
	x := sp.x
	ms := func(r [2]time.Duration, label string) time.Duration {
		return time.Duration(d(r[0].Milliseconds(), r[1].Milliseconds(), label)) * time.Millisecond
	}
	f := Fault{Kind: pick(d, kinds, "kind")}
	f.At = ms(x.At, "at")
	switch f.Kind {
	case "disconnect", "stall", "one-way":
		a := pick(d, x.Nodes, "node")
		others := func(from []string) []string {
			return slices.DeleteFunc(slices.Clone(from), func(h string) bool { return h == a })
		}
		rest := others(x.Nodes)
		if len(rest) == 0 {
			rest = others(sp.hosts)
		}
		f.Nodes = []string{a, pick(d, rest, "peer")}
	case "partition":
		f.Nodes, f.Other = sp.sides(d)
	case "failover":
		f.Nodes = []string{pick(d, sp.replicas, "node")}
	default:
		f.Nodes = []string{pick(d, x.Nodes, "node")}
	}
	if f.Lasting() {
		f.For = ms(x.For, "for")
	}
	if f.Kind == "crash" {
		f.RestartAfter = ms(x.RestartAfter, "restart-after")
	}
	return f
}

// sides draws the two sides of a partition: one holds some of the nodes
// faults may target, the other every other node; the clients stay with
// neither. Both sides hold a node.
func (sp *Space) sides(d Draw) (side, other []string) {
	in := map[string]bool{}
	for _, n := range sp.x.Nodes {
		in[n] = d(0, 1, "side-"+n) == 1
	}
	for _, h := range sp.hosts {
		if in[h] {
			side = append(side, h)
		} else {
			other = append(other, h)
		}
	}
	switch {
	case len(side) == 0:
		first := pick(d, sp.x.Nodes, "side")
		side, other = []string{first}, slices.DeleteFunc(other, func(h string) bool { return h == first })
	case len(other) == 0:
		other, side = side[len(side)-1:], side[:len(side)-1]
	}
	return side, other
}
