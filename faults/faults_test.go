package faults

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"pgregory.net/rapid"
)

func TestExpandFixedAndEvery(t *testing.T) {
	d := Action{Verb: Disconnect, Between: [2]Selector{"m1", "r1"}}
	evs, err := Expand([]Schedule{
		{Action: d, For: Fixed(20 * time.Second), At: 60 * time.Second},
		{Action: d, For: Fixed(2 * time.Second), Every: 30 * time.Second, From: time.Minute, Until: 4 * time.Minute},
		{Action: Action{Verb: Crash, Node: "r1"}, At: 10 * time.Minute}, // after the phase: dropped
	}, 5*time.Minute, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range evs {
		got = append(got, e.At.String()+" "+e.String())
	}
	want := []string{
		"1m0s disconnect m1 r1 for 20s",
		"1m0s disconnect m1 r1 for 2s",
		"1m30s disconnect m1 r1 for 2s",
		"2m0s disconnect m1 r1 for 2s",
		"2m30s disconnect m1 r1 for 2s",
		"3m0s disconnect m1 r1 for 2s",
		"3m30s disconnect m1 r1 for 2s",
	}
	if len(got) != len(want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("event %d: got %q, want %q", i, got[i], want[i])
		}
	}
}

// Random schedules depend only on the seed, stay inside the phase and the
// duration range, and come out in time order.
func TestExpandRandomProperties(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		seed := rapid.Uint64().Draw(rt, "seed")
		mean := time.Duration(rapid.Int64Range(1, 600).Draw(rt, "meanSec")) * time.Second
		lo := time.Duration(rapid.Int64Range(0, 60).Draw(rt, "lo")) * time.Second
		hi := lo + time.Duration(rapid.Int64Range(0, 120).Draw(rt, "span"))*time.Second
		phase := time.Duration(rapid.Int64Range(1, 3600).Draw(rt, "phase")) * time.Second
		s := []Schedule{{Action: Action{Verb: Stall, Between: [2]Selector{"master", "replicas"}}, For: Dist{Min: lo, Max: hi}, MeanEvery: mean}}
		a, err := Expand(s, phase, rand.New(rand.NewPCG(seed, 0)))
		if err != nil {
			rt.Fatal(err)
		}
		b, _ := Expand(s, phase, rand.New(rand.NewPCG(seed, 0)))
		if len(a) != len(b) {
			rt.Fatalf("same seed, %d vs %d events", len(a), len(b))
		}
		for i := range a {
			if a[i].At != b[i].At || a[i].For != b[i].For {
				rt.Fatalf("same seed, event %d differs", i)
			}
			if a[i].At < 0 || a[i].At >= phase || a[i].For < lo || a[i].For > hi {
				rt.Fatalf("event %v outside phase %s or range %s..%s", a[i], phase, lo, hi)
			}
			if i > 0 && a[i].At < a[i-1].At {
				rt.Fatalf("events out of order")
			}
		}
	})
}

func TestExpandRejectsRunaway(t *testing.T) {
	_, err := Expand([]Schedule{{Action: Action{Verb: Pause, Node: "r1"}, Every: time.Nanosecond}}, time.Hour, rand.New(rand.NewPCG(1, 1)))
	if err == nil {
		t.Fatal("a nanosecond period over an hour must be refused")
	}
}

// Draw stays inside its range for any bounds, including spans that do not
// fit in an int64 and exponential means whose draws would overflow one;
// it used to panic in Int64N for 0..MaxInt64.
func TestDrawExtremes(t *testing.T) {
	const maxD = time.Duration(math.MaxInt64)
	r := rand.New(rand.NewPCG(1, 2))
	for _, d := range []Dist{
		{Min: 0, Max: maxD},
		{Min: -maxD - 1, Max: maxD},
		{Min: maxD - 1, Max: maxD},
		{Min: -maxD - 1, Max: -maxD},
	} {
		for range 1000 {
			if got := d.Draw(r); got < d.Min || got > d.Max {
				t.Fatalf("%s drew %d", d, got)
			}
		}
	}
	for _, mean := range []time.Duration{maxD, maxD / 2, -time.Second} {
		d := Dist{Exponential: true, Mean: mean}
		for range 1000 {
			if got := d.Draw(r); got < 0 || got > maxDraw {
				t.Fatalf("%s drew %d", d, got)
			}
		}
	}
}

// ExpectedEvents counts a fixed or repeating schedule's events exactly, as
// Expand gives them, so that a loader can refuse what Expand would.
func TestExpectedEventsMatchesExpand(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		phase := time.Duration(rapid.Int64Range(1, 1000).Draw(t, "phase"))
		s := Schedule{Action: Action{Verb: Crash, Node: "r1"}}
		if rapid.Bool().Draw(t, "every") {
			s.Every = time.Duration(rapid.Int64Range(1, 100).Draw(t, "every"))
			s.From = time.Duration(rapid.Int64Range(0, 1100).Draw(t, "from"))
			s.Until = time.Duration(rapid.Int64Range(0, 1100).Draw(t, "until"))
		} else {
			s.At = time.Duration(rapid.Int64Range(0, 1100).Draw(t, "at"))
		}
		evs, err := Expand([]Schedule{s}, phase, rand.New(rand.NewPCG(1, 2)))
		if err != nil {
			t.Fatal(err)
		}
		if got := s.ExpectedEvents(phase); got != float64(len(evs)) {
			t.Fatalf("ExpectedEvents %v, Expand gave %d", got, len(evs))
		}
	})
}
