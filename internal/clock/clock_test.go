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

// Advancing a scaled clock fires the timers that become due, at once, and
// re-arms the others for what is left.
func TestScaledAdvance(t *testing.T) {
	c := NewScaled(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 1)
	fired := make(chan string, 3)
	c.AfterFunc(time.Hour, func() { fired <- "hour" })
	c.AfterFunc(3*time.Hour, func() { fired <- "three" })
	stopped := c.AfterFunc(2*time.Hour, func() { fired <- "stopped" })
	if !stopped.Stop() || stopped.Stop() {
		t.Fatal("Stop")
	}
	c.Advance(90 * time.Minute)
	select {
	case f := <-fired:
		if f != "hour" {
			t.Fatalf("fired %s", f)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a due timer did not fire on Advance")
	}
	if got := c.Now().Sub(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)); got < 90*time.Minute || got > 91*time.Minute {
		t.Fatalf("Now moved by %v", got)
	}
	select {
	case f := <-fired:
		t.Fatalf("%s fired early", f)
	case <-time.After(50 * time.Millisecond):
	}
	c.Advance(2 * time.Hour)
	if f := <-fired; f != "three" {
		t.Fatalf("fired %s", f)
	}
}
