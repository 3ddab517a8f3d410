package lambda

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"hako/internal/clock"
	"hako/internal/engine"
	"hako/internal/eventbus"
	"hako/internal/protocol"
	"hako/internal/runtime"
	"hako/internal/service"
)

// BenchmarkEventAcceptAndDeliver is the service's own cost of an Event
// invoke on the disk engine: accept (durable), dispatch, the invoke (a
// fake runtime answering at once) and the outcome, from 16 callers.
func BenchmarkEventAcceptAndDeliver(b *testing.B) {
	eng, err := engine.Open(b.TempDir(), engine.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer eng.Close()
	bus := eventbus.New(eventbus.Config{Engine: eng, Clock: clock.Real{}})
	var done atomic.Int64
	all := make(chan struct{})
	total := int64(b.N)
	inv := &fakeInvoker{script: func(n int, req *runtime.InvokeRequest) (*runtime.InvokeResult, error) {
		if done.Add(1) == total {
			close(all)
		}
		return &runtime.InvokeResult{Payload: []byte(`1`)}, nil
	}}
	s := New(service.Env{Engine: eng, Clock: clock.Real{}, Bus: bus}, inv)
	bus.Start(context.Background())
	defer bus.Stop()
	ctx := protocol.WithCall(context.Background(), &protocol.Call{Account: testAccount, Region: testRegion, Time: time.Now()})
	if _, err := s.CreateFunction(ctx, &CreateFunctionRequest{FunctionName: "fn", Runtime: "python3.12", Role: testRole, Handler: "app.handler",
		Code: &FunctionCode{ZipFile: makeZip(b, zipEntry{name: "app.py", body: "def handler(e, c):\n    return 1\n"})}}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var wg sync.WaitGroup
	next := make(chan struct{}, 16)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range next {
				if _, err := s.Invoke(ctx, &InvocationRequest{FunctionName: "fn", InvocationType: "Event", Payload: []byte(`{"a":1}`)}); err != nil {
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
	<-all
}
