package checker

import "testing"

func TestLostWrites(t *testing.T) {
	h := []Op{
		{Client: "c1", Op: "set", Key: "a", Value: ValueOf("1"), Call: 10, Return: 20, Outcome: OK},
		{Client: "c2", Op: "set", Key: "a", Value: ValueOf("2"), Call: 30, Return: 40, Outcome: OK},
		{Client: "c1", Op: "set", Key: "b", Value: ValueOf("x"), Call: 10, Return: 20, Outcome: OK},
		{Client: "c1", Op: "set", Key: "c", Value: ValueOf("y"), Call: 10, Return: 20, Outcome: OK},
		{Client: "c2", Op: "set", Key: "c", Value: ValueOf("z"), Call: 15, Return: 0, Outcome: Unknown},
		{Client: "c1", Op: "set", Key: "d", Value: ValueOf("q"), Call: 10, Return: 20, Outcome: OK},
		{Client: "c2", Op: "del", Key: "d", Call: 30, Return: 40, Outcome: OK},
	}
	// a: the later write won, nothing lost. b: gone, lost. c: the unknown
	// write may have landed after, not lost. d: a DEL explains anything.
	lost := LostWrites(h, map[string]Value{"a": ValueOf("2"), "c": ValueOf("z")})
	if len(lost) != 1 || lost[0].Key != "b" {
		t.Fatalf("lost %v, want only b", lost)
	}
	// a ends with the first value although the second returned later: lost.
	lost = LostWrites(h[:2], map[string]Value{"a": ValueOf("1")})
	if len(lost) != 1 || lost[0].Value != ValueOf("2") {
		t.Fatalf("lost %v, want the second write to a", lost)
	}
}

func TestStaleReads(t *testing.T) {
	h := []Op{
		{Client: "c1", Op: "set", Key: "a", Value: ValueOf("1"), Call: 10, Return: 20, Outcome: OK},
		{Client: "c1", Op: "set", Key: "a", Value: ValueOf("2"), Call: 30, Return: 40, Outcome: OK},
		{Client: "c2", Op: "get", Key: "a", Value: ValueOf("1"), Call: 50, Return: 60, Outcome: OK}, // stale: 2 was acked at 40
		{Client: "c2", Op: "get", Key: "a", Value: ValueOf("2"), Call: 70, Return: 80, Outcome: OK}, // fresh
		{Client: "c2", Op: "get", Key: "a", Value: ValueOf("1"), Call: 35, Return: 45, Outcome: OK}, // concurrent with 2: fine
		{Client: "c2", Op: "get", Key: "a", Null: true, Call: 50, Return: 60, Outcome: OK},          // missing after acked writes: stale
	}
	st := StaleReads(h)
	if len(st) != 2 || st[0].Read.Call != 50 || st[0].ByNs != 10 || !st[1].Read.Null {
		t.Fatalf("stale reads %+v", st)
	}
}
