package fire

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"hako/internal/clock"
	"hako/internal/engine"
	"hako/internal/eventbus"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// owner is a schedule firing every 5 minutes whose record is one key.
type owner struct {
	fired []time.Time
	ref   Ref
}

func (o *owner) load(tx engine.Txn, m *eventbus.Message) (*Owner, error) {
	return &Owner{
		Tick: o.ref.ID,
		Next: func(t time.Time) time.Time { return t.Truncate(5 * time.Minute).Add(5 * time.Minute) },
		Fire: func(tx engine.Txn, at time.Time) error { o.fired = append(o.fired, at); return nil },
		Save: func(tx engine.Txn, next Ref) error { o.ref = next; return nil },
	}, nil
}

// A tick's outcome run twice (the bus is at-least-once: a crash after the
// first commit) fires once: the second run finds the record naming the
// next tick, not its own.
func TestTickFiresOnceWhenRunTwice(t *testing.T) {
	eng := engine.NewMemory()
	defer eng.Close()
	clk := clock.NewFake(t0)
	bus := eventbus.New(eventbus.Config{Engine: eng, Clock: clk})
	o := &owner{}
	tk := NewTicker(bus, "test.tick", clk, slog.New(slog.DiscardHandler), o.load)
	ctx := context.Background()
	eng.Update(ctx, func(tx engine.Txn) (err error) {
		o.ref, err = tk.Arm(tx, "sched", map[string]string{"k": "v"}, t0.Add(5*time.Minute), 0)
		return err
	})
	ms, _ := bus.Pending("test.tick")
	if len(ms) != 1 || ms[0].Attrs["k"] != "v" || !ms[0].Due.Equal(t0.Add(5*time.Minute)) {
		t.Fatalf("pending %+v", ms)
	}
	clk.Advance(5 * time.Minute)
	for range 2 {
		out := tk.handle(ctx, ms[0])
		if err := eng.Update(ctx, out.Then); err != nil {
			t.Fatal(err)
		}
	}
	if len(o.fired) != 1 || !o.fired[0].Equal(t0.Add(5*time.Minute)) || !o.ref.At.Equal(t0.Add(10*time.Minute)) {
		t.Fatalf("fired %v, next %+v", o.fired, o.ref)
	}
}

// A tick that fell due before the process started and is handled more
// than Grace late fires nothing and arms the first tick after now (missed
// while down); one due while the process ran fires once however late (the
// clock jumped), collapsing the ticks the jump passed; one within the
// grace fires.
func TestLateTicks(t *testing.T) {
	for _, c := range []struct {
		late      time.Duration
		restarted bool // the ticker started after the tick was due
		fired     int
		nextAfter time.Duration
	}{
		{30 * time.Second, false, 1, 10 * time.Minute},
		{30 * time.Second, true, 1, 10 * time.Minute},
		{Grace + time.Second, true, 0, 10 * time.Minute},
		{3 * time.Hour, true, 0, 3*time.Hour + 10*time.Minute},
		{Grace + time.Second, false, 1, 10 * time.Minute},
		{3 * time.Hour, false, 1, 3*time.Hour + 10*time.Minute},
	} {
		eng := engine.NewMemory()
		clk := clock.NewFake(t0)
		bus := eventbus.New(eventbus.Config{Engine: eng, Clock: clk})
		o := &owner{}
		tk := NewTicker(bus, "test.tick", clk, slog.New(slog.DiscardHandler), o.load)
		eng.Update(context.Background(), func(tx engine.Txn) (err error) {
			o.ref, err = tk.Arm(tx, "sched", nil, t0.Add(5*time.Minute), 0)
			return err
		})
		ms, _ := bus.Pending("")
		clk.Advance(5*time.Minute + c.late)
		if c.restarted {
			tk = NewTicker(eventbus.New(eventbus.Config{Engine: eng, Clock: clk}), "test.tick", clk, slog.New(slog.DiscardHandler), o.load)
		}
		if err := eng.Update(context.Background(), tk.handle(context.Background(), ms[0]).Then); err != nil {
			t.Fatal(err)
		}
		if len(o.fired) != c.fired || !o.ref.At.Equal(t0.Add(c.nextAfter)) {
			t.Errorf("late %v restarted %v: fired %v, next %v", c.late, c.restarted, o.fired, o.ref.At)
		}
		eng.Close()
	}
}

// A flexible window delays the message, not the tick's nominal time.
func TestArmWithOffset(t *testing.T) {
	eng := engine.NewMemory()
	defer eng.Close()
	clk := clock.NewFake(t0)
	bus := eventbus.New(eventbus.Config{Engine: eng, Clock: clk})
	o := &owner{}
	tk := NewTicker(bus, "test.tick", clk, slog.New(slog.DiscardHandler), o.load)
	eng.Update(context.Background(), func(tx engine.Txn) (err error) {
		o.ref, err = tk.Arm(tx, "sched", nil, t0.Add(5*time.Minute), 3*time.Minute)
		return err
	})
	ms, _ := bus.Pending("")
	if !ms[0].Due.Equal(t0.Add(8*time.Minute)) || !o.ref.At.Equal(t0.Add(5*time.Minute)) {
		t.Fatalf("due %v ref %+v", ms[0].Due, o.ref)
	}
	clk.Advance(8*time.Minute + 30*time.Second)
	eng.Update(context.Background(), tk.handle(context.Background(), ms[0]).Then)
	if len(o.fired) != 1 || !o.fired[0].Equal(t0.Add(5*time.Minute)) {
		t.Fatalf("fired %v", o.fired)
	}
}
