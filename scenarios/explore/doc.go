// Package explore searches the space a scenario file's explore: section
// describes for a run that breaks the property (the file's expectations,
// the replication invariants and, unless the file says otherwise,
// linearizability), and shrinks the first one it finds to a small
// scenario file that simrun run replays.
//
// Each case is generated from the root seed and its index alone (a PCG
// stream per case; the tests drive the same generator from rapid) and
// runs on a pool of workers; the first failing case is the one of lowest
// index, so the answer depends on the seed and not on the number of
// workers or their timing. Each case enables a
// random subset of the allowed fault kinds (swarm testing), so that
// rare combinations are reached. A case is rendered as the text of a
// scenario file before it runs: the minimal file is exactly what ran.
package explore
