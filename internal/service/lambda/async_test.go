package lambda

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"hako/internal/runtime"
)

// waitUntil polls cond (real time) for up to 10 s: the bus runs handlers
// on its own goroutines.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func (f *fixture) invokes() int {
	f.inv.mu.Lock()
	defer f.inv.mu.Unlock()
	return len(f.inv.reqs)
}

func (f *fixture) queued(t *testing.T) int {
	t.Helper()
	ms, err := f.bus.Pending("")
	if err != nil {
		t.Fatal(err)
	}
	return len(ms)
}

func (f *fixture) event(t *testing.T, name, payload string) {
	t.Helper()
	out, err := f.s.Invoke(f.ctx, &InvocationRequest{FunctionName: name, InvocationType: "Event", Payload: []byte(payload)})
	if err != nil || *out.StatusCode != 202 || out.Payload != nil {
		t.Fatalf("event invoke: %+v %v", out, err)
	}
}

var unhandled = &runtime.InvokeResult{FunctionError: "Unhandled", Payload: []byte(`{"errorMessage":"boom","errorType":"Exception"}`), ExecutedVersion: "$LATEST"}

// A function that fails twice then succeeds runs exactly 3 times: 1 minute
// before the second attempt, 2 minutes before the third.
func TestEventRetriesOnTheClock(t *testing.T) {
	f := newFixture(t)
	f.create(t, "fn")
	f.inv.script = func(n int, req *runtime.InvokeRequest) (*runtime.InvokeResult, error) {
		if n < 3 {
			return unhandled, nil
		}
		return &runtime.InvokeResult{Payload: []byte(`"ok"`), ExecutedVersion: "$LATEST"}, nil
	}
	f.event(t, "fn", `{"k":1}`)
	waitUntil(t, "first attempt", func() bool { return f.invokes() == 1 })
	waitUntil(t, "retry queued", func() bool { ms, _ := f.bus.Pending(""); return len(ms) == 1 && ms[0].Attempts == 1 })
	f.clk.Advance(59 * time.Second)
	time.Sleep(30 * time.Millisecond)
	if f.invokes() != 1 {
		t.Fatal("retried before a minute")
	}
	f.clk.Advance(time.Second)
	waitUntil(t, "second attempt", func() bool { return f.invokes() == 2 })
	waitUntil(t, "retry queued", func() bool { ms, _ := f.bus.Pending(""); return len(ms) == 1 && ms[0].Attempts == 2 })
	f.clk.Advance(119 * time.Second)
	time.Sleep(30 * time.Millisecond)
	if f.invokes() != 2 {
		t.Fatal("third attempt before two minutes")
	}
	f.clk.Advance(time.Second)
	waitUntil(t, "third attempt and done", func() bool { return f.invokes() == 3 && f.queued(t) == 0 })
	req := f.inv.lastReq(t)
	if string(req.Payload) != `{"k":1}` || req.RequestID != "req-1" || req.InvokedARN != testARN+"fn" || req.Tail {
		t.Errorf("request %+v", req)
	}
	if fs, _ := f.s.FailedEvents(testAccount, testRegion); len(fs) != 0 {
		t.Errorf("a success left failure records: %+v", fs)
	}
}

// An always-failing function lands in the OnFailure destination with
// AWS's invocation record.
func TestEventOnFailureDestination(t *testing.T) {
	f := newFixture(t)
	f.create(t, "fn")
	f.create(t, "dlq")
	_, err := f.s.PutFunctionEventInvokeConfig(f.ctx, &PutFunctionEventInvokeConfigRequest{
		FunctionName: "fn", MaximumRetryAttempts: ptr(int32(1)),
		DestinationConfig: &DestinationConfig{OnFailure: &OnFailure{Destination: testARN + "dlq"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []byte
	f.inv.script = func(n int, req *runtime.InvokeRequest) (*runtime.InvokeResult, error) {
		if strings.HasSuffix(req.InvokedARN, ":dlq") {
			got = req.Payload
			return &runtime.InvokeResult{Payload: []byte("null"), ExecutedVersion: "$LATEST"}, nil
		}
		return unhandled, nil
	}
	f.event(t, "fn", `{"k":2}`)
	waitUntil(t, "first attempt", func() bool { return f.invokes() == 1 })
	waitUntil(t, "retry queued", func() bool { ms, _ := f.bus.Pending(""); return len(ms) == 1 && ms[0].Attempts == 1 })
	f.clk.Advance(time.Minute)
	waitUntil(t, "destination invoked", func() bool { return f.invokes() == 3 && f.queued(t) == 0 })
	var rec map[string]any
	if err := json.Unmarshal(got, &rec); err != nil {
		t.Fatalf("record %s: %v", got, err)
	}
	rc := rec["requestContext"].(map[string]any)
	resp := rec["responseContext"].(map[string]any)
	if rec["version"] != "1.0" || rc["requestId"] != "req-1" || rc["functionArn"] != testARN+"fn:$LATEST" ||
		rc["condition"] != "RetriesExhausted" || rc["approximateInvokeCount"] != float64(2) ||
		resp["statusCode"] != float64(200) || resp["executedVersion"] != "$LATEST" || resp["functionError"] != "Unhandled" {
		t.Errorf("record = %s", got)
	}
	if p := rec["requestPayload"].(map[string]any); p["k"] != float64(2) {
		t.Errorf("requestPayload = %v", rec["requestPayload"])
	}
	if p := rec["responsePayload"].(map[string]any); p["errorMessage"] != "boom" {
		t.Errorf("responsePayload = %v", rec["responsePayload"])
	}
	if _, err := time.Parse("2006-01-02T15:04:05.000Z", rec["timestamp"].(string)); err != nil {
		t.Errorf("timestamp %v", rec["timestamp"])
	}
	if fs, _ := f.s.FailedEvents(testAccount, testRegion); len(fs) != 0 {
		t.Errorf("failure records beside a destination: %+v", fs)
	}
}

// With no destination, a failed event is kept and can be replayed; with
// MaximumRetryAttempts 0 there is one attempt.
func TestEventFailureRecordAndReplay(t *testing.T) {
	f := newFixture(t)
	f.create(t, "fn")
	if _, err := f.s.PutFunctionEventInvokeConfig(f.ctx, &PutFunctionEventInvokeConfigRequest{FunctionName: "fn", MaximumRetryAttempts: ptr(int32(0))}); err != nil {
		t.Fatal(err)
	}
	fail := true
	f.inv.script = func(n int, req *runtime.InvokeRequest) (*runtime.InvokeResult, error) {
		if fail {
			return unhandled, nil
		}
		return &runtime.InvokeResult{Payload: []byte(`1`)}, nil
	}
	f.event(t, "fn", `{"k":3}`)
	var fs []FailedEvent
	waitUntil(t, "failure record", func() bool {
		fs, _ = f.s.FailedEvents(testAccount, testRegion)
		return len(fs) == 1 && f.queued(t) == 0
	})
	if f.invokes() != 1 || fs[0].Condition != "RetriesExhausted" || string(fs[0].Payload) != `{"k":3}` || fs[0].Function != testARN+"fn" {
		t.Fatalf("invokes %d, failure %+v", f.invokes(), fs[0])
	}
	fail = false
	if _, err := f.s.ReplayFailedEvent(f.ctx, testAccount, testRegion, fs[0].ID); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "replayed", func() bool { return f.invokes() == 2 && f.queued(t) == 0 })
	if fs, _ := f.s.FailedEvents(testAccount, testRegion); len(fs) != 0 {
		t.Errorf("replayed record kept: %+v", fs)
	}
	if _, err := f.s.ReplayFailedEvent(f.ctx, testAccount, testRegion, "nope"); err != ErrNoFailedEvent {
		t.Errorf("replay of an unknown id: %v", err)
	}
}

// Throttled events back off 1 s, 2 s, 4 s, ... and expire at
// MaximumEventAgeInSeconds.
func TestEventThrottleBackoffAndAge(t *testing.T) {
	f := newFixture(t)
	f.create(t, "fn")
	if _, err := f.s.PutFunctionEventInvokeConfig(f.ctx, &PutFunctionEventInvokeConfigRequest{FunctionName: "fn", MaximumEventAgeInSeconds: ptr(int32(60))}); err != nil {
		t.Fatal(err)
	}
	f.inv.script = func(n int, req *runtime.InvokeRequest) (*runtime.InvokeResult, error) {
		return nil, &runtime.ThrottleError{Reason: "ReservedFunctionConcurrentInvocationLimitExceeded"}
	}
	f.event(t, "fn", `{}`)
	for i, d := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second} {
		waitUntil(t, "backoff queued", func() bool { ms, _ := f.bus.Pending(""); return len(ms) == 1 && ms[0].Attempts == i+1 })
		ms, _ := f.bus.Pending("")
		if got := ms[0].Due.Sub(f.clk.Now()); got != d {
			t.Fatalf("backoff %d = %v, want %v", i, got, d)
		}
		f.clk.Advance(d)
		waitUntil(t, "attempt", func() bool { return f.invokes() == i+2 })
	}
	// 31 s old; the next backoff (32 s) would pass 60 s.
	var fs []FailedEvent
	waitUntil(t, "expired", func() bool {
		fs, _ = f.s.FailedEvents(testAccount, testRegion)
		return len(fs) == 1 && f.queued(t) == 0
	})
	if fs[0].Condition != "EventAgeExceeded" {
		t.Errorf("condition %s", fs[0].Condition)
	}
}

func TestEventPayloadLimitsAndInvokeAsync(t *testing.T) {
	f := newFixture(t)
	f.create(t, "fn")
	big := `"` + strings.Repeat("a", maxEventPayload-1) + `"`
	_, err := f.s.Invoke(f.ctx, &InvocationRequest{FunctionName: "fn", InvocationType: "Event", Payload: []byte(big)})
	wantErr(t, err, "RequestEntityTooLargeException", 413, "1048577 byte payload is too large for the Event invocation type (limit 1048576 bytes)")
	_, err = f.s.Invoke(f.ctx, &InvocationRequest{FunctionName: "fn", InvocationType: "Event", Payload: []byte(`{`)})
	wantErr(t, err, "InvalidRequestContentException", 400, "Could not parse request body into json...")
	if f.queued(t) != 0 {
		t.Fatal("a refused event was queued")
	}
	out, err := f.s.InvokeAsync(f.ctx, &InvokeAsyncRequest{FunctionName: "fn", InvokeArgs: strings.NewReader(`{"a":1}`)})
	if err != nil || *out.Status != 202 {
		t.Fatalf("%+v %v", out, err)
	}
	waitUntil(t, "invoke", func() bool { return f.invokes() == 1 && f.queued(t) == 0 })
	_, err = f.s.InvokeAsync(f.ctx, &InvokeAsyncRequest{FunctionName: "fn", InvokeArgs: strings.NewReader(strings.Repeat(" ", maxInvokeAsyncPayload+1))})
	wantErr(t, err, "RequestEntityTooLargeException", 413, "")
}

func TestEventInvokeConfigAPI(t *testing.T) {
	f := newFixture(t)
	f.create(t, "fn")
	_, err := f.s.GetFunctionEventInvokeConfig(f.ctx, &GetFunctionEventInvokeConfigRequest{FunctionName: "fn"})
	wantErr(t, err, "ResourceNotFoundException", 404, "The function "+testARN+"fn:$LATEST doesn't have an EventInvokeConfig")
	_, err = f.s.UpdateFunctionEventInvokeConfig(f.ctx, &UpdateFunctionEventInvokeConfigRequest{FunctionName: "fn", MaximumRetryAttempts: ptr(int32(1))})
	wantErr(t, err, "ResourceNotFoundException", 404, "")
	out, err := f.s.PutFunctionEventInvokeConfig(f.ctx, &PutFunctionEventInvokeConfigRequest{FunctionName: "fn", MaximumRetryAttempts: ptr(int32(1)),
		DestinationConfig: &DestinationConfig{OnSuccess: &OnSuccess{Destination: "arn:aws:sqs:eu-west-1:123456789012:q"}}})
	if err != nil || out.FunctionArn != testARN+"fn:$LATEST" || *out.MaximumRetryAttempts != 1 || out.DestinationConfig.OnSuccess.Destination != "arn:aws:sqs:eu-west-1:123456789012:q" {
		t.Fatalf("%+v %v", out, err)
	}
	out, err = f.s.UpdateFunctionEventInvokeConfig(f.ctx, &UpdateFunctionEventInvokeConfigRequest{FunctionName: "fn", MaximumEventAgeInSeconds: ptr(int32(100))})
	if err != nil || *out.MaximumRetryAttempts != 1 || *out.MaximumEventAgeInSeconds != 100 || out.DestinationConfig.OnSuccess.Destination == "" {
		t.Fatalf("update merged wrongly: %+v %v", out, err)
	}
	out, err = f.s.PutFunctionEventInvokeConfig(f.ctx, &PutFunctionEventInvokeConfigRequest{FunctionName: "fn", MaximumEventAgeInSeconds: ptr(int32(200))})
	if err != nil || out.MaximumRetryAttempts != nil || out.DestinationConfig.OnSuccess.Destination != "" {
		t.Fatalf("put did not replace: %+v %v", out, err)
	}
	_, err = f.s.PutFunctionEventInvokeConfig(f.ctx, &PutFunctionEventInvokeConfigRequest{FunctionName: "fn",
		DestinationConfig: &DestinationConfig{OnFailure: &OnFailure{Destination: "arn:aws:s3:::bucket"}}})
	wantErr(t, err, "InvalidParameterValueException", 400, "The provided destination config DestinationConfig(onSuccess=, onFailure=arn:aws:s3:::bucket) is invalid.")
	_, err = f.s.PutFunctionEventInvokeConfig(f.ctx, &PutFunctionEventInvokeConfigRequest{FunctionName: "fn",
		DestinationConfig: &DestinationConfig{OnFailure: &OnFailure{Destination: testARN + "fn"}}})
	wantErr(t, err, "InvalidParameterValueException", 400, "You can't specify the function as a destination for itself.")
	_, err = f.s.PutFunctionEventInvokeConfig(f.ctx, &PutFunctionEventInvokeConfigRequest{FunctionName: "fn", Qualifier: "prod"})
	wantErr(t, err, "ResourceNotFoundException", 404, "Function not found: "+testARN+"fn:prod")
	_, err = f.call("PutFunctionEventInvokeConfig", map[string]any{"FunctionName": "fn", "MaximumRetryAttempts": int64(3)})
	wantErr(t, err, "ValidationException", 400, "1 validation error detected: Value '3' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 2")
	list, err := f.s.ListFunctionEventInvokeConfigs(f.ctx, &ListFunctionEventInvokeConfigsRequest{FunctionName: "fn"})
	if err != nil || len(list.FunctionEventInvokeConfigs) != 1 {
		t.Fatalf("%+v %v", list, err)
	}
	if _, err := f.s.DeleteFunctionEventInvokeConfig(f.ctx, &DeleteFunctionEventInvokeConfigRequest{FunctionName: "fn"}); err != nil {
		t.Fatal(err)
	}
	_, err = f.s.DeleteFunctionEventInvokeConfig(f.ctx, &DeleteFunctionEventInvokeConfigRequest{FunctionName: "fn"})
	wantErr(t, err, "ResourceNotFoundException", 404, "")
}
