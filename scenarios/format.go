package scenarios

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// The shape of a scenario file, as decoded. Every key of the format is a
// field here; decoding refuses any other key. Spec (spec.go) is the
// validated, typed form the runner uses.

type fileYAML struct {
	Name        Text           `yaml:"name"`
	Description Text           `yaml:"description"`
	Duration    Duration       `yaml:"duration"`
	HealTimeout Duration       `yaml:"heal-timeout"`
	Seeds       []Int          `yaml:"seeds"`
	Protocol    Text           `yaml:"protocol"`
	Nodes       []nodeYAML     `yaml:"nodes"`
	Config      configYAML     `yaml:"config"`
	Network     netYAML        `yaml:"network"`
	Dataset     *dataYAML      `yaml:"dataset"`
	Workload    *workYAML      `yaml:"workload"`
	Faults      []faultYAML    `yaml:"faults"`
	Sentinels   *sentinelsYAML `yaml:"sentinels"`
	Expect      expectYAML     `yaml:"expect"`
	Bugs        []Text         `yaml:"bugs"`
	Explore     *exploreYAML   `yaml:"explore"`
}

// sentinelsYAML is the Sentinel deployment: the sentinels' names and
// what sentinel.conf says of the master they monitor, in Redis's words and
// units (milliseconds for a plain number).
type sentinelsYAML struct {
	Names           []Text `yaml:"names"`
	MasterName      Text   `yaml:"master-name"`
	Quorum          Int    `yaml:"quorum"`
	DownAfter       Text   `yaml:"down-after-milliseconds"`
	FailoverTimeout Text   `yaml:"failover-timeout"`
	ParallelSyncs   Int    `yaml:"parallel-syncs"`

	tok *token.Token
}

// UnmarshalYAML implements yaml.NodeUnmarshaler, keeping the section's
// position for errors about it as a whole.
func (y *sentinelsYAML) UnmarshalYAML(n ast.Node) error {
	type plain sentinelsYAML
	var p plain
	if err := nodeToStrict(n, &p); err != nil {
		return err
	}
	*y = sentinelsYAML(p)
	y.tok = n.GetToken()
	if m, ok := n.(*ast.MappingNode); ok && len(m.Values) > 0 {
		y.tok = m.Values[0].Key.GetToken() // the section's first key
	}
	return nil
}

type nodeYAML struct {
	Name      Text       `yaml:"name"`
	ReplicaOf Text       `yaml:"replicaof"`
	Config    configYAML `yaml:"config"`
}

// configYAML keeps redis.conf parameters in file order with positions.
type configYAML struct {
	Items []configItem
}

type configItem struct {
	Key   string
	Value string
	KeyTk *token.Token
	ValTk *token.Token
}

// UnmarshalYAML implements yaml.NodeUnmarshaler.
func (c *configYAML) UnmarshalYAML(n ast.Node) error {
	if _, ok := n.(*ast.NullNode); ok {
		return nil
	}
	m, ok := n.(*ast.MappingNode)
	if !ok {
		return errAt(n.GetToken(), "config must be a mapping of redis.conf parameters")
	}
	for _, kv := range m.Values {
		key, err := scalarText(kv.Key, "config key")
		if err != nil {
			return err
		}
		val, err := scalarText(kv.Value, "config value")
		if err != nil {
			return err
		}
		c.Items = append(c.Items, configItem{Key: key, Value: val, KeyTk: kv.Key.GetToken(), ValTk: kv.Value.GetToken()})
	}
	return nil
}

type netYAML struct {
	Latency   Duration   `yaml:"latency"`
	Jitter    Duration   `yaml:"jitter"`
	Bandwidth Bandwidth  `yaml:"bandwidth"`
	Segment   Size       `yaml:"segment-size"`
	Window    Size       `yaml:"window"`
	Links     []linkYAML `yaml:"links"`
}

type linkYAML struct {
	Between   []Text    `yaml:"between"`
	Latency   Duration  `yaml:"latency"`
	Jitter    Duration  `yaml:"jitter"`
	Bandwidth Bandwidth `yaml:"bandwidth"`
}

type dataYAML struct {
	Keys      Int  `yaml:"keys"`
	KeySize   Int  `yaml:"key-size"`
	ValueSize Size `yaml:"value-size"`
}

type workYAML struct {
	Clients   Int         `yaml:"clients"`
	Rate      Float       `yaml:"rate"`
	Keys      Int         `yaml:"keys"`
	KeySize   Int         `yaml:"key-size"`
	ValueSize Size        `yaml:"value-size"`
	Mix       mixYAML     `yaml:"mix"`
	ReadsFrom Text        `yaml:"reads-from"`
	DB        Int         `yaml:"db"`
	Wait      *waitYAML   `yaml:"wait"`
	Bursts    []burstYAML `yaml:"bursts"`
	Pipeline  Int         `yaml:"pipeline"`
	Arrival   Text        `yaml:"arrival"`
	DBs       Int         `yaml:"dbs"`
	TTL       Duration    `yaml:"ttl"`
	MultiSize Int         `yaml:"multi-size"`
}

type mixYAML struct {
	Items []configItem
	Tok   *token.Token
}

// UnmarshalYAML implements yaml.NodeUnmarshaler.
func (m *mixYAML) UnmarshalYAML(n ast.Node) error {
	m.Tok = n.GetToken()
	var c configYAML
	if err := c.UnmarshalYAML(n); err != nil {
		return err
	}
	m.Items = c.Items
	return nil
}

type waitYAML struct {
	Replicas Int      `yaml:"replicas"`
	Timeout  Duration `yaml:"timeout"`
}

type burstYAML struct {
	At        Duration `yaml:"at"`
	Writes    Int      `yaml:"writes"`
	ValueSize Size     `yaml:"value-size"`
}

// faultYAML is one entry of faults: one verb key (or random: <verb>) plus
// timing and duration keys.
type faultYAML struct {
	At           Duration      `yaml:"at"`
	Every        Duration      `yaml:"every"`
	From         Duration      `yaml:"from"`
	Until        Duration      `yaml:"until"`
	Random       Text          `yaml:"random"`
	MeanEvery    Duration      `yaml:"mean-every"`
	For          DurationRange `yaml:"for"`
	RestartAfter Duration      `yaml:"restart-after"`
	OneWay       Bool          `yaml:"one-way"`
	Between      []Text        `yaml:"between"`
	Node         Text          `yaml:"node"`

	Disconnect []Text   `yaml:"disconnect"`
	Stall      []Text   `yaml:"stall"`
	Partition  [][]Text `yaml:"partition"`
	Crash      Text     `yaml:"crash"`
	Restart    Text     `yaml:"restart"`
	Pause      Text     `yaml:"pause"`
	Failover   Text     `yaml:"failover"`

	tok *token.Token
}

// UnmarshalYAML implements yaml.NodeUnmarshaler, keeping the entry's
// position for errors about the entry as a whole.
func (f *faultYAML) UnmarshalYAML(n ast.Node) error {
	type plain faultYAML
	var p plain
	if err := nodeToStrict(n, &p); err != nil {
		return err
	}
	*f = faultYAML(p)
	f.tok = n.GetToken()
	return nil
}

// boundsYAML is an expectation's {min: N, max: N}.
type boundsYAML struct {
	Min *Text `yaml:"min"`
	Max *Text `yaml:"max"`
}

// expectYAML keeps expectations in file order.
type expectYAML struct {
	Items []expectItem
}

type expectItem struct {
	Key   string
	KeyTk *token.Token
	// One of: an exact value, a boolean, or bounds. Values stay text until
	// the figure's kind says how to read them (a count, a size, a
	// duration).
	Eq       *Text
	Bool     *bool
	Min, Max *Text
}

// UnmarshalYAML implements yaml.NodeUnmarshaler.
func (e *expectYAML) UnmarshalYAML(n ast.Node) error {
	if _, ok := n.(*ast.NullNode); ok {
		return nil
	}
	m, ok := n.(*ast.MappingNode)
	if !ok {
		return errAt(n.GetToken(), "expect must be a mapping of figure: value")
	}
	for _, kv := range m.Values {
		key, err := scalarText(kv.Key, "expectation")
		if err != nil {
			return err
		}
		it := expectItem{Key: key, KeyTk: kv.Key.GetToken()}
		switch v := kv.Value.(type) {
		case *ast.MappingNode:
			var b boundsYAML
			if err := nodeToStrict(v, &b); err != nil {
				return err
			}
			if b.Min == nil && b.Max == nil {
				return errAt(v.GetToken(), "bounds need min, max or both")
			}
			it.Min, it.Max = b.Min, b.Max
		case *ast.BoolNode:
			b := v.Value
			it.Bool = &b
		default:
			var t Text
			if err := t.UnmarshalYAML(kv.Value); err != nil {
				return errAt(kv.Value.GetToken(), "an expectation is a number, true/false, or {min: N, max: N}")
			}
			it.Eq = &t
		}
		e.Items = append(e.Items, it)
	}
	return nil
}

// checkKeys walks a node against the type it decodes into and reports the
// first key that is not one of the type's, naming the section (path, as
// --set spells it: workload, faults.0, network.links.1; "" at the top)
// and the closest known key. The decoder would refuse the key too, but
// without knowing the section or the keys it could have been.
// Free-form mappings (config, mix, the figures of expect) are checked
// where they are validated; wrong shapes are left to the decoder.
func checkKeys(n ast.Node, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if form, ok := mappingForms[t]; ok {
		if _, isMap := n.(*ast.MappingNode); isMap {
			t = form
		}
	}
	switch t.Kind() {
	case reflect.Slice:
		if seq, ok := n.(*ast.SequenceNode); ok {
			for i, v := range seq.Values {
				if err := checkKeys(v, t.Elem(), joinPath(path, strconv.Itoa(i))); err != nil {
					return err
				}
			}
		}
	case reflect.Map, reflect.Struct:
		if m, ok := n.(*ast.MappingNode); ok {
			return checkMappingKeys(m, t, path)
		}
	}
	return nil
}

// checkMappingKeys checks the keys of a mapping that decodes into the
// struct or map t, and the values under them.
func checkMappingKeys(m *ast.MappingNode, t reflect.Type, path string) error {
	fields := yamlFields(t)
	if t.Kind() == reflect.Struct && len(fields) == 0 {
		return nil // a scalar value type, or a free-form mapping
	}
	for _, kv := range m.Values {
		if kv.Key.IsMergeKey() {
			continue
		}
		key, err := scalarText(kv.Key, "key")
		if err != nil {
			return err
		}
		var vt reflect.Type
		if t.Kind() == reflect.Map {
			vt = t.Elem()
		} else if vt = fields[key]; vt == nil {
			return errAt(kv.Key.GetToken(), unknownKey(key, path, fields))
		}
		if err := checkKeys(kv.Value, vt, joinPath(path, key)); err != nil {
			return err
		}
	}
	return nil
}

// mappingForms are the custom-decoded types whose mapping form has fixed
// keys: a fault length's {dist, mean}; expect's {min, max} per figure.
var mappingForms = map[reflect.Type]reflect.Type{
	reflect.TypeFor[DurationRange](): reflect.TypeFor[distYAML](),
	reflect.TypeFor[expectYAML]():    reflect.TypeFor[map[string]boundsYAML](),
}

// yamlFields maps the yaml keys of a struct's fields to their types.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	if t.Kind() != reflect.Struct {
		return out
	}
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if f.IsExported() && name != "" && name != "-" {
			out[name] = f.Type
		}
	}
	return out
}

func unknownKey(key, path string, fields map[string]reflect.Type) string {
	in := ""
	if path != "" {
		in = " in " + path
	}
	known := make([]string, 0, len(fields))
	for k := range fields {
		known = append(known, k)
	}
	return fmt.Sprintf("unknown key %q%s%s", key, in, didYouMean(key, known))
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// noTags reports the first YAML tag (!x, !!str) in a document. The format
// has no use for them, and the decoder can crash on a tagged value where
// it expects a list or a mapping.
func noTags(n ast.Node) error {
	var tag *ast.TagNode
	ast.Walk(visitor(func(n ast.Node) bool {
		if t, ok := n.(*ast.TagNode); ok && tag == nil {
			tag = t
		}
		return tag == nil
	}), n)
	if tag == nil {
		return nil
	}
	return errAt(tag.GetToken(), fmt.Sprintf("tag %q: YAML tags are not part of the scenario format", tag.Start.Value))
}

// visitor is an ast.Visitor that goes on into a node's children while it
// returns true.
type visitor func(ast.Node) bool

func (v visitor) Visit(n ast.Node) ast.Visitor {
	if v(n) {
		return v
	}
	return nil
}
