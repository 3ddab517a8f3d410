package eventbus

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"hako/internal/clock"
	"hako/internal/engine"
)

// BenchmarkPublishAndHandle is the bus's own cost per message on the disk
// engine: a durable enqueue from 16 producers, dispatch, a trivial
// handler, and the durable outcome.
func BenchmarkPublishAndHandle(b *testing.B) {
	eng, err := engine.Open(b.TempDir(), engine.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer eng.Close()
	bus := New(Config{Engine: eng, Clock: clock.Real{}})
	var handled atomic.Int64
	done := make(chan struct{})
	total := int64(b.N)
	bus.Handle("k", func(ctx context.Context, m *Message) Outcome {
		if handled.Add(1) == total {
			close(done)
		}
		return Outcome{}
	})
	bus.Start(context.Background())
	defer bus.Stop()
	b.ResetTimer()
	var wg sync.WaitGroup
	next := make(chan struct{}, 16)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range next {
				if _, err := bus.Publish(context.Background(), Message{Kind: "k", Payload: []byte(`{"a":1}`)}); err != nil {
					b.Error(err)
				}
			}
		}()
	}
	for range b.N {
		next <- struct{}{}
	}
	close(next)
	wg.Wait()
	<-done
}
