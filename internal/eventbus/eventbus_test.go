package eventbus

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"hako/internal/clock"
	"hako/internal/engine"
)

var t0 = time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)

func newBus(t *testing.T, eng engine.Engine, clk clock.Clock) *Bus {
	t.Helper()
	b := New(Config{Engine: eng, Clock: clk, Poll: 20 * time.Millisecond})
	t.Cleanup(func() { b.Stop() })
	return b
}

// waitFor polls cond (real time) for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func pending(t *testing.T, b *Bus) int {
	t.Helper()
	ms, err := b.Pending("")
	if err != nil {
		t.Fatal(err)
	}
	return len(ms)
}

func TestDeliversAndDeletes(t *testing.T) {
	eng := engine.NewMemory()
	b := newBus(t, eng, clock.NewFake(t0))
	got := make(chan *Message, 1)
	b.Handle("k", func(ctx context.Context, m *Message) Outcome { got <- m; return Outcome{} })
	b.Start(context.Background())
	ids, err := b.Publish(context.Background(), Message{Kind: "k", Target: "t", Payload: json.RawMessage(`{"a":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	m := <-got
	if m.ID != ids[0] || m.Target != "t" || string(m.Payload) != `{"a":1}` || !m.Enqueued.Equal(t0) || m.Attempts != 0 {
		t.Fatalf("message = %+v", m)
	}
	waitFor(t, "deletion", func() bool { return pending(t, b) == 0 })
}

func TestRetryOnTheClockKeepsState(t *testing.T) {
	eng := engine.NewMemory()
	clk := clock.NewFake(t0)
	b := newBus(t, eng, clk)
	var mu sync.Mutex
	var seen []string
	b.Handle("k", func(ctx context.Context, m *Message) Outcome {
		mu.Lock()
		seen = append(seen, string(m.State)+"@"+clk.Now().Sub(t0).String())
		mu.Unlock()
		if m.Attempts < 2 {
			return Outcome{Retry: clk.Now().Add(time.Minute), State: json.RawMessage(`"retry"`)}
		}
		return Outcome{}
	})
	b.Start(context.Background())
	if _, err := b.Publish(context.Background(), Message{Kind: "k"}); err != nil {
		t.Fatal(err)
	}
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(seen) }
	waitFor(t, "first attempt", func() bool { return count() == 1 })
	waitFor(t, "retry recorded", func() bool {
		ms, _ := b.Pending("k")
		return len(ms) == 1 && ms[0].Attempts == 1
	})
	clk.Advance(59 * time.Second)
	time.Sleep(50 * time.Millisecond)
	if count() != 1 {
		t.Fatalf("ran before its retry time: %v", seen)
	}
	clk.Advance(time.Second)
	waitFor(t, "second attempt", func() bool { return count() == 2 })
	waitFor(t, "retry recorded", func() bool {
		ms, _ := b.Pending("k")
		return len(ms) == 1 && ms[0].Attempts == 2
	})
	clk.Advance(time.Minute)
	waitFor(t, "third attempt", func() bool { return count() == 3 })
	waitFor(t, "deletion", func() bool { return pending(t, b) == 0 })
	want := []string{"@0s", `"retry"@1m0s`, `"retry"@2m0s`}
	for i := range want {
		if seen[i] != want[i] {
			t.Fatalf("attempts = %v, want %v", seen, want)
		}
	}
}

// A message whose handler was running when the bus stopped (the process
// died) runs again on the next start: at-least-once.
func TestRedeliversAfterRestart(t *testing.T) {
	eng := engine.NewMemory()
	clk := clock.NewFake(t0)
	b1 := New(Config{Engine: eng, Clock: clk})
	started := make(chan struct{})
	b1.Handle("k", func(ctx context.Context, m *Message) Outcome {
		close(started)
		<-ctx.Done()
		return Outcome{}
	})
	b1.Start(context.Background())
	b1.Publish(context.Background(), Message{Kind: "k"})
	<-started
	b1.Stop()
	if pending(t, b1) != 1 {
		t.Fatal("message lost when the handler was interrupted")
	}
	b2 := newBus(t, eng, clk)
	var n atomic.Int32
	b2.Handle("k", func(ctx context.Context, m *Message) Outcome { n.Add(1); return Outcome{} })
	b2.Start(context.Background())
	waitFor(t, "redelivery", func() bool { return n.Load() == 1 && pending(t, b2) == 0 })
}

// Follow-up writes commit with the outcome: the next message is queued
// exactly when the first is gone.
func TestThenFollowUps(t *testing.T) {
	eng := engine.NewMemory()
	b := newBus(t, eng, clock.NewFake(t0))
	got := make(chan string, 2)
	b.Handle("first", func(ctx context.Context, m *Message) Outcome {
		got <- "first"
		return Outcome{Then: func(tx engine.Txn) error {
			_, err := b.Enqueue(tx, Message{Kind: "second", Payload: m.Payload})
			return err
		}}
	})
	b.Handle("second", func(ctx context.Context, m *Message) Outcome { got <- "second:" + string(m.Payload); return Outcome{} })
	b.Start(context.Background())
	b.Publish(context.Background(), Message{Kind: "first", Payload: json.RawMessage(`7`)})
	if a, c := <-got, <-got; a != "first" || c != "second:7" {
		t.Fatalf("got %q, %q", a, c)
	}
	waitFor(t, "both deleted", func() bool { return pending(t, b) == 0 })
}

// Messages are handled in parallel, up to Workers.
func TestParallel(t *testing.T) {
	eng := engine.NewMemory()
	b := New(Config{Engine: eng, Clock: clock.NewFake(t0), Workers: 4})
	t.Cleanup(func() { b.Stop() })
	var cur, peak atomic.Int32
	release := make(chan struct{})
	var done atomic.Int32
	b.Handle("k", func(ctx context.Context, m *Message) Outcome {
		c := cur.Add(1)
		for {
			p := peak.Load()
			if c <= p || peak.CompareAndSwap(p, c) {
				break
			}
		}
		<-release
		cur.Add(-1)
		done.Add(1)
		return Outcome{}
	})
	b.Start(context.Background())
	ms := make([]Message, 10)
	for i := range ms {
		ms[i] = Message{Kind: "k"}
	}
	b.Publish(context.Background(), ms...)
	waitFor(t, "4 running", func() bool { return cur.Load() == 4 })
	close(release)
	waitFor(t, "all done", func() bool { return done.Load() == 10 && pending(t, b) == 0 })
	if peak.Load() != 4 {
		t.Fatalf("peak parallelism %d, want 4", peak.Load())
	}
}

// A message with no handler stays queued until one is registered.
func TestUnknownKindIsKept(t *testing.T) {
	eng := engine.NewMemory()
	b := newBus(t, eng, clock.NewFake(t0))
	b.Start(context.Background())
	b.Publish(context.Background(), Message{Kind: "later"})
	time.Sleep(60 * time.Millisecond)
	if pending(t, b) != 1 {
		t.Fatal("message without a handler was dropped")
	}
	var n atomic.Int32
	b.Handle("later", func(ctx context.Context, m *Message) Outcome { n.Add(1); return Outcome{} })
	b.Kick()
	waitFor(t, "delivery", func() bool { return n.Load() == 1 && pending(t, b) == 0 })
}

func TestEnqueueRejectsKindless(t *testing.T) {
	b := New(Config{Engine: engine.NewMemory()})
	if _, err := b.Publish(context.Background(), Message{}); err == nil {
		t.Fatal("a message without a kind was accepted")
	}
}

// A handler that panics does not take the process down: the message is
// kept for a later retry.
func TestPanicBecomesRetry(t *testing.T) {
	eng := engine.NewMemory()
	clk := clock.NewFake(t0)
	b := newBus(t, eng, clk)
	var n atomic.Int32
	b.Handle("k", func(ctx context.Context, m *Message) Outcome {
		if n.Add(1) == 1 {
			panic("bug")
		}
		return Outcome{}
	})
	b.Start(context.Background())
	b.Publish(context.Background(), Message{Kind: "k"})
	waitFor(t, "retry queued", func() bool { ms, _ := b.Pending(""); return len(ms) == 1 && ms[0].Attempts == 1 })
	clk.Advance(panicRetry)
	waitFor(t, "second run", func() bool { return n.Load() == 2 && pending(t, b) == 0 })
}
