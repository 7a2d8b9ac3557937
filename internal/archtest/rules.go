package archtest

// The architecture as tables. The package documentation and the README say it in
// prose; this file is what the test enforces, so change them together.

// A layer is one package of the architecture: a directory of the module and everything
// below it (model/resp belongs to model). A file may import its own layer, the layers
// named in imports, the standard library, and the third-party packages matched by
// thirdParty. A pattern "x/..." matches x and every package below it; any other
// pattern matches exactly one import path.
type layer struct {
	dir        string     // slash-separated, relative to the module root
	imports    []string   // other layers, by dir
	thirdParty []string   // import path patterns
	anything   bool       // may import any package at all
	inside     []sublayer // the order of the layer's own packages; none: any order
}

// A sublayer is a package of a layer, with the packages of the same layer that its
// non-test files may import. A package belongs to the sublayer with the longest dir
// that is its own dir or above it (scenarios/world/x belongs to scenarios/world, a new
// scenarios/x to scenarios). Test files may import any package of their layer: the
// go tool refuses the cycles an internal test would make, and an external test
// package (package x_test) sits above everything it tests.
type sublayer struct {
	dir     string   // slash-separated, relative to the module root
	imports []string // other sublayers of the same layer, by dir
	// only, when set, narrows the other layers its non-test files may
	// import to these (of the layer's own imports).
	only []string
}

var layers = []layer{
	{dir: "cmd/simrun", imports: []string{"scenarios", "reports"}, thirdParty: []string{
		"github.com/spf13/cobra",
		"github.com/spf13/pflag",
		"github.com/schollz/progressbar/v3",
		"golang.org/x/term",
		"github.com/dustin/go-humanize",
	}},
	{dir: "reports", imports: []string{"scenarios", "checker"}, thirdParty: []string{
		"gonum.org/v1/plot/...",
		"gonum.org/v1/gonum/...",
		"github.com/anishathalye/porcupine",
		"github.com/dustin/go-humanize",
	}},
	{dir: "scenarios", imports: []string{"sim", "model", "faults", "checker"}, thirdParty: []string{
		"github.com/goccy/go-yaml/...",
	}, inside: []sublayer{
		// The typed spec, read by everything else.
		{dir: "scenarios/spec"},
		// The simulated world, built from a spec.
		{dir: "scenarios/world", imports: []string{"scenarios/spec"}},
		// The format, the runner and the verdict: a file in, a world run, a summary out.
		{dir: "scenarios", imports: []string{"scenarios/spec", "scenarios/world"}},
		// Many runs; and runs from go test. Neither reaches into the world.
		// The sweep keeps records: it never reaches into the engine.
		{dir: "scenarios/sweep", imports: []string{"scenarios", "scenarios/spec"}, only: []string{"faults"}},
		{dir: "scenarios/scenariotest", imports: []string{"scenarios", "scenarios/spec", "scenarios/explore"}},
		// Explore generates scenarios and keeps records, like the sweep.
		{dir: "scenarios/explore", imports: []string{"scenarios", "scenarios/spec"}, only: []string{"faults"}},
	}},
	{dir: "checker", thirdParty: []string{
		"github.com/anishathalye/porcupine",
	}},
	{dir: "faults"},
	{dir: "model"},
	{dir: "sim"},
	// Tests of the architecture itself.
	{dir: "internal", anything: true},
}

// testThirdParty is what _test.go files may import on top of their layer's table.
var testThirdParty = []string{
	"pgregory.net/rapid",
	"github.com/cockroachdb/datadriven",
}

// worldDirs are the trees whose non-test files make up the simulated world: one
// goroutine, a virtual clock, seeded randomness, no I/O. checker and reports run after
// the simulation and may use goroutines (porcupine does).
var worldDirs = []string{"sim", "model", "faults", "scenarios/world"}

const (
	reasonIO    = "the simulated world does no I/O"
	reasonClock = "the simulated world reads only the virtual clock"
	reasonRand  = "the simulated world draws only from seeded math/rand/v2 streams"
	reasonOneG  = "the simulated world runs on one goroutine"
)

// worldImports are the packages the simulated world may not import, with the reason a
// finding gives.
var worldImports = []struct{ pattern, reason string }{
	{"os/...", reasonIO},
	{"net/...", reasonIO},
	{"syscall", reasonIO},
	{"io/ioutil", reasonIO},
	{"plugin", reasonIO},
	{"unsafe", "the simulated world is plain, safe Go"},
	{"C", "the simulated world is plain, safe Go"},
	{"runtime/...", "the simulated world does not depend on the real runtime"},
	{"math/rand", reasonRand},
	{"crypto/rand", reasonRand},
}

// clockFuncs are the names in package time that read or wait on the real clock.
// time.Duration, the constants and the other types stay usable.
var clockFuncs = map[string]bool{
	"Now": true, "Since": true, "Until": true, "Sleep": true,
	"After": true, "AfterFunc": true, "Tick": true, "NewTimer": true, "NewTicker": true,
}

// randNames are the only names of math/rand/v2 the simulated world may use: the
// constructors of seeded sources and their types. Everything else there (rand.IntN,
// rand.Shuffle, ...) draws from the global, unseeded source.
var randNames = map[string]bool{
	"New": true, "NewPCG": true, "NewChaCha8": true, "NewZipf": true, "NewSource": true,
	"Rand": true, "PCG": true, "ChaCha8": true, "Source": true, "Zipf": true,
}
