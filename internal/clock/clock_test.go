package clock

import (
	"testing"
	"time"
)

func TestFakeRunsTimersInOrder(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := NewFake(start)
	var got []string
	c.AfterFunc(2*time.Minute, func() { got = append(got, "2m") })
	stopped := c.AfterFunc(90*time.Second, func() { got = append(got, "stopped") })
	c.AfterFunc(time.Minute, func() {
		got = append(got, "1m")
		// A timer scheduled by a callback runs in the same Advance if due.
		c.AfterFunc(30*time.Second, func() { got = append(got, "1m30s") })
	})
	if !stopped.Stop() {
		t.Fatal("Stop of a pending timer returned false")
	}
	c.Advance(5 * time.Minute)
	want := []string{"1m", "1m30s", "2m"}
	if len(got) != len(want) {
		t.Fatalf("fired %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("fired %v, want %v", got, want)
		}
	}
	if !c.Now().Equal(start.Add(5 * time.Minute)) {
		t.Fatalf("now = %v", c.Now())
	}
}

func TestParse(t *testing.T) {
	if c, err := Parse(""); err != nil || c != (Real{}) {
		t.Fatalf("empty spec: %v %v", c, err)
	}
	c, err := Parse("fixed:2026-01-01T00:59:00Z,speed=60")
	if err != nil {
		t.Fatal(err)
	}
	now := c.Now()
	if now.Before(time.Date(2026, 1, 1, 0, 59, 0, 0, time.UTC)) || now.After(time.Date(2026, 1, 1, 1, 0, 0, 0, time.UTC)) {
		t.Fatalf("fixed clock reads %v", now)
	}
	for _, bad := range []string{"fixed:yesterday", "fixed:2026-01-01T00:00:00Z,speed=0", "fixed:2026-01-01T00:00:00Z,pace=2", "sundial"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}
