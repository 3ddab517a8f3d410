package events

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"hako/internal/clock"
	"hako/internal/engine"
	"hako/internal/eventbus"
	"hako/internal/protocol"
	"hako/internal/service"
)

// permitter is Lambda's resource-policy check, with a fixed answer.
type permitter struct {
	allow bool
	err   error
}

func (p permitter) InvokePermitted(context.Context, string, string, string, string) (bool, error) {
	return p.allow, p.err
}

// busFixture is an EventBridge with a running eventbus whose lambda.invoke
// and sqs.send messages are collected instead of delivered.
type busFixture struct {
	*fixture
	eng engine.Engine
	bus *eventbus.Bus

	mu      sync.Mutex
	invokes []*eventbus.Message
	sqs     []*eventbus.Message
}

func newBusFixture(t *testing.T, perm permitter) *busFixture {
	t.Helper()
	eng := engine.NewMemory()
	t.Cleanup(func() { eng.Close() })
	clk := clock.NewFake(start)
	f := &busFixture{eng: eng}
	f.start(t, clk, perm)
	return f
}

// start builds the service and its bus on f.eng (again, after a "crash").
func (f *busFixture) start(t *testing.T, clk *clock.Fake, perm permitter) {
	t.Helper()
	bus := eventbus.New(eventbus.Config{Engine: f.eng, Clock: clk, Poll: 10 * time.Millisecond})
	s := New(service.Env{Engine: f.eng, Clock: clk, Bus: bus})
	s.SetLambda(perm)
	bus.Handle(eventbus.KindLambdaInvoke, func(_ context.Context, m *eventbus.Message) eventbus.Outcome {
		f.mu.Lock()
		f.invokes = append(f.invokes, m)
		f.mu.Unlock()
		return eventbus.Outcome{}
	})
	bus.Handle(eventbus.KindSQSSend, func(_ context.Context, m *eventbus.Message) eventbus.Outcome {
		f.mu.Lock()
		f.sqs = append(f.sqs, m)
		f.mu.Unlock()
		return eventbus.Outcome{}
	})
	if err := bus.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bus.Stop() })
	ctx := protocol.WithCall(context.Background(), &protocol.Call{Account: acct, Region: region, Time: clk.Now()})
	f.fixture = &fixture{s: s, clk: clk, ctx: ctx}
	f.bus = bus
}

func (f *busFixture) counts() (int, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.invokes), len(f.sqs)
}

// settle waits (real time) until the bus has nothing due on the fake clock.
func (f *busFixture) settle(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ms, err := f.bus.Pending("")
		if err != nil {
			t.Fatal(err)
		}
		busy := false
		for _, m := range ms {
			if !m.Due.After(f.clk.Now()) {
				busy = true
			}
		}
		if !busy {
			time.Sleep(5 * time.Millisecond) // a handler may still be recording
			if ms2, _ := f.bus.Pending(""); len(ms2) == len(ms) {
				return
			}
			continue
		}
		if time.Now().After(deadline) {
			t.Fatalf("bus did not settle: %d pending", len(ms))
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// advance moves the fake clock from one due message to the next, letting
// the bus handle each before moving on (as the real clock would).
func (f *busFixture) advance(t *testing.T, d time.Duration) {
	t.Helper()
	end := f.clk.Now().Add(d)
	for f.clk.Now().Before(end) {
		to := end
		ms, _ := f.bus.Pending("")
		for _, m := range ms {
			if m.Due.After(f.clk.Now()) && m.Due.Before(to) {
				to = m.Due
			}
		}
		f.clk.AdvanceTo(to)
		f.settle(t)
	}
}

func (f *busFixture) target(t *testing.T, rule string, tg Target) {
	t.Helper()
	out, err := f.s.PutTargets(f.ctx, &PutTargetsRequest{Rule: rule, Targets: []Target{tg}})
	if err != nil || *out.FailedEntryCount != 0 {
		t.Fatalf("PutTargets: %v %+v", err, out)
	}
}

// The book's chapter 3: rate(5 minutes) fires once per 5-minute tick,
// counted from the rule's creation, with the scheduled event's exact shape.
func TestScheduledRuleFiresOncePerTick(t *testing.T) {
	f := newBusFixture(t, permitter{allow: true})
	arn := f.putRule(t, PutRuleRequest{Name: "every5", ScheduleExpression: "rate(5 minutes)"})
	f.target(t, "every5", Target{Id: "fn", Arn: lambdaFn})
	f.advance(t, 4*time.Minute)
	if n, _ := f.counts(); n != 0 {
		t.Fatalf("%d invocations before the first tick", n)
	}
	f.advance(t, 26*time.Minute)
	if n, _ := f.counts(); n != 6 {
		t.Fatalf("%d invocations in 30 minutes, want 6", n)
	}
	for i, m := range f.invokes {
		var ev map[string]any
		if err := json.Unmarshal(m.Payload, &ev); err != nil {
			t.Fatal(err)
		}
		want := start.Add(time.Duration(i+1) * 5 * time.Minute).Format("2006-01-02T15:04:05Z")
		if m.Target != lambdaFn || ev["time"] != want || ev["detail-type"] != "Scheduled Event" || ev["source"] != "aws.events" ||
			ev["account"] != acct || ev["region"] != region || ev["resources"].([]any)[0] != arn || len(ev["detail"].(map[string]any)) != 0 || ev["version"] != "0" {
			t.Fatalf("tick %d: %s -> %s", i, m.Target, m.Payload)
		}
	}
	// Disable stops it; enable resumes counting from the enable.
	if _, err := f.s.DisableRule(f.ctx, &DisableRuleRequest{Name: "every5"}); err != nil {
		t.Fatal(err)
	}
	f.advance(t, 20*time.Minute)
	if n, _ := f.counts(); n != 6 {
		t.Fatalf("%d invocations after disabling, want 6", n)
	}
	f.advance(t, 2*time.Minute)
	if _, err := f.s.EnableRule(f.ctx, &EnableRuleRequest{Name: "every5"}); err != nil {
		t.Fatal(err)
	}
	f.advance(t, 5*time.Minute)
	if n, _ := f.counts(); n != 7 {
		t.Fatalf("%d invocations 5 minutes after enabling, want 7", n)
	}
	// Removing the target and deleting the rule stops everything; the
	// rule's last tick message expires as stale.
	f.s.RemoveTargets(f.ctx, &RemoveTargetsRequest{Rule: "every5", Ids: []string{"fn"}})
	if _, err := f.s.DeleteRule(f.ctx, &DeleteRuleRequest{Name: "every5"}); err != nil {
		t.Fatal(err)
	}
	f.advance(t, 15*time.Minute)
	if n, _ := f.counts(); n != 7 {
		t.Fatalf("%d invocations after delete, want 7", n)
	}
	if ms, _ := f.bus.Pending(KindTick); len(ms) != 0 {
		t.Fatalf("%d tick messages left", len(ms))
	}
}

// Seed 000: cron(0 16 * * ? *) fires at 16:00 UTC each day; PutRule with
// another schedule replaces the armed tick.
func TestCronRuleAndReplace(t *testing.T) {
	f := newBusFixture(t, permitter{allow: true})
	f.putRule(t, PutRuleRequest{Name: "nightly", ScheduleExpression: "cron(0 16 * * ? *)"})
	f.target(t, "nightly", Target{Id: "fn", Arn: lambdaFn})
	f.advance(t, 48*time.Hour)
	if n, _ := f.counts(); n != 2 {
		t.Fatalf("%d invocations in two days, want 2", n)
	}
	for i, m := range f.invokes {
		if !strings.Contains(string(m.Payload), `"time":"2026-03-0`+string(rune('1'+i))+`T16:00:00Z"`) {
			t.Fatalf("tick %d: %s", i, m.Payload)
		}
	}
	// Every 5 minutes now, and no longer at 16:00 besides.
	f.putRule(t, PutRuleRequest{Name: "nightly", ScheduleExpression: "rate(1 hour)"})
	if ms, _ := f.bus.Pending(KindTick); len(ms) != 2 { // the new tick and the stale cron one
		t.Fatalf("%d tick messages", len(ms))
	}
	f.advance(t, 24*time.Hour)
	if n, _ := f.counts(); n != 2+24 {
		t.Fatalf("%d invocations, want 26", n)
	}
}

// A crash (the bus stopped without running what is due) followed by a
// restart an hour later fires none of the missed ticks and goes on from
// there; a restart within the grace fires the due tick once.
func TestMissedTicksAreNotBackfilled(t *testing.T) {
	f := newBusFixture(t, permitter{allow: true})
	f.putRule(t, PutRuleRequest{Name: "every5", ScheduleExpression: "rate(5 minutes)"})
	f.target(t, "every5", Target{Id: "fn", Arn: lambdaFn})
	f.advance(t, 5*time.Minute)
	f.bus.Stop()
	f.clk.Advance(62 * time.Minute) // down: ticks at 10, 15, ..., 65 missed
	f.start(t, f.clk, permitter{allow: true})
	f.settle(t)
	if n, _ := f.counts(); n != 1 {
		t.Fatalf("%d invocations after restart, want 1 (no backfill)", n)
	}
	f.advance(t, 3*time.Minute) // 70
	if n, _ := f.counts(); n != 2 {
		t.Fatalf("%d invocations, want 2", n)
	}
	f.bus.Stop()
	f.clk.Advance(5*time.Minute + 30*time.Second) // the tick at 75 is 30 s late
	f.start(t, f.clk, permitter{allow: true})
	f.settle(t)
	if n, _ := f.counts(); n != 3 {
		t.Fatalf("%d invocations after a short outage, want 3", n)
	}
}

// EventBridge needs the function's resource policy to allow
// events.amazonaws.com: without it the event goes straight to the target's
// dead-letter queue (no retries, as AWS documents), or is dropped.
func TestDeliveryWithoutPermissionGoesToDLQ(t *testing.T) {
	f := newBusFixture(t, permitter{allow: false})
	arn := f.putRule(t, PutRuleRequest{Name: "r", ScheduleExpression: "rate(1 minute)"})
	dlq := "arn:aws:sqs:eu-west-1:123456789012:dlq"
	f.target(t, "r", Target{Id: "fn", Arn: lambdaFn, Input: `{"x":1}`, DeadLetterConfig: &DeadLetterConfig{Arn: dlq}})
	f.advance(t, time.Minute)
	inv, sqs := f.counts()
	if inv != 0 || sqs != 1 {
		t.Fatalf("invokes %d, dead letters %d", inv, sqs)
	}
	m := f.sqs[0]
	if m.Target != dlq || m.Attrs["RULE_ARN"] != arn || m.Attrs["TARGET_ARN"] != lambdaFn || m.Attrs["ERROR_CODE"] != "NO_PERMISSIONS" ||
		!strings.Contains(string(m.Payload), `"detail-type":"Scheduled Event"`) {
		t.Fatalf("dead letter %+v %s", m.Attrs, m.Payload)
	}
}

// A failure worth retrying is retried with backoff until RetryPolicy's
// attempts run out, then dead-lettered with the condition.
func TestDeliveryRetryPolicy(t *testing.T) {
	f := newBusFixture(t, permitter{err: context.DeadlineExceeded})
	f.putRule(t, PutRuleRequest{Name: "r", ScheduleExpression: "cron(0 13 * * ? *)"})
	dlq := "arn:aws:sqs:eu-west-1:123456789012:dlq"
	two := int32(2)
	f.target(t, "r", Target{Id: "fn", Arn: lambdaFn, RetryPolicy: &RetryPolicy{MaximumRetryAttempts: &two}, DeadLetterConfig: &DeadLetterConfig{Arn: dlq}})
	f.advance(t, time.Hour)
	f.advance(t, 10*time.Minute)
	inv, sqs := f.counts()
	if inv != 0 || sqs != 1 {
		t.Fatalf("invokes %d, dead letters %d", inv, sqs)
	}
	if a := f.sqs[0].Attrs; a["ERROR_CODE"] != "INTERNAL_ERROR" || a["RETRY_ATTEMPTS"] != "2" || a["EXHAUSTED_RETRY_CONDITION"] != "MaximumRetryAttemptsExhausted" {
		t.Fatalf("attrs %+v", a)
	}
}

// PutEvents: matched rules' targets get AWS's envelope; bad entries fail
// one by one.
func TestPutEvents(t *testing.T) {
	f := newBusFixture(t, permitter{allow: true})
	f.putRule(t, PutRuleRequest{Name: "orders", EventPattern: `{"source":[{"prefix":"com.shop"}],"detail":{"total":[{"numeric":[">",100]}],"status":[{"anything-but":"test"}]}}`})
	f.target(t, "orders", Target{Id: "fn", Arn: lambdaFn})
	f.target(t, "orders", Target{Id: "path", Arn: lambdaFn + ":prod", InputPath: "$.detail.total"})
	f.putRule(t, PutRuleRequest{Name: "off", EventPattern: `{"source":["com.shop.orders"]}`, State: "DISABLED"})
	f.target(t, "off", Target{Id: "fn", Arn: lambdaFn})
	when := time.Date(2026, 3, 1, 9, 30, 15, 0, time.UTC)
	out, err := f.s.PutEvents(f.ctx, &PutEventsRequest{Entries: []PutEventsRequestEntry{
		{Source: "com.shop.orders", DetailType: "Order Placed", Detail: `{"total":150,"status":"new"}`, Time: when, Resources: []string{"r1"}},
		{Source: "com.shop.orders", DetailType: "Order Placed", Detail: `{"total":50,"status":"new"}`},
		{Source: "com.shop.orders", DetailType: "Order Placed", Detail: `{"total":500,"status":"test"}`},
		{Source: "com.shop.orders", DetailType: "Order Placed", Detail: `[1]`},
		{Source: "aws.s3", DetailType: "x", Detail: `{}`},
		{Source: "s", Detail: `{}`},
		{Source: "s", DetailType: "d", Detail: `{}`, EventBusName: "nope"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if *out.FailedEntryCount != 4 || out.Entries[0].EventId == "" || out.Entries[3].ErrorCode != "MalformedDetail" ||
		out.Entries[4].ErrorCode != "NotAuthorizedForSourceException" || out.Entries[5].ErrorCode != "InvalidArgument" ||
		out.Entries[6].ErrorCode != "ResourceNotFoundException" {
		t.Fatalf("%+v", out)
	}
	f.settle(t)
	if n, _ := f.counts(); n != 2 {
		t.Fatalf("%d deliveries, want 2", n)
	}
	byTarget := map[string]string{}
	for _, m := range f.invokes {
		byTarget[m.Target] = string(m.Payload)
	}
	want := `{"version":"0","id":"` + out.Entries[0].EventId + `","detail-type":"Order Placed","source":"com.shop.orders","account":"123456789012","time":"2026-03-01T09:30:15Z","region":"eu-west-1","resources":["r1"],"detail":{"total":150,"status":"new"}}`
	if byTarget[lambdaFn] != want || byTarget[lambdaFn+":prod"] != "150" {
		t.Fatalf("deliveries %v", byTarget)
	}
	_, err = f.s.PutEvents(f.ctx, &PutEventsRequest{Entries: []PutEventsRequestEntry{{Source: "s", DetailType: "d", Detail: `{"a":"` + strings.Repeat("x", 1<<20) + `"}`}}})
	wantErr(t, err, "ValidationException", "Total size of the entries in the request is over the limit.")
}

// events.put messages (Lambda destinations) are matched like PutEvents.
func TestEventsPutMessage(t *testing.T) {
	f := newBusFixture(t, permitter{allow: true})
	f.putRule(t, PutRuleRequest{Name: "failures", EventPattern: `{"source":["lambda"],"detail-type":["Lambda Function Invocation Result - Failure"]}`})
	f.target(t, "failures", Target{Id: "fn", Arn: lambdaFn})
	rec := `{"version":"1.0","timestamp":"2026-03-01T12:00:00.000Z","requestContext":{"requestId":"r","functionArn":"arn:aws:lambda:eu-west-1:123456789012:function:f:$LATEST","condition":"RetriesExhausted","approximateInvokeCount":3},"requestPayload":{}}`
	if _, err := f.bus.Publish(context.Background(), eventbus.Message{Kind: eventbus.KindEventsPut, Target: "arn:aws:events:eu-west-1:123456789012:event-bus/default", Payload: json.RawMessage(rec)}); err != nil {
		t.Fatal(err)
	}
	f.settle(t)
	if n, _ := f.counts(); n != 1 {
		t.Fatalf("%d deliveries", n)
	}
	var ev envelope
	json.Unmarshal(f.invokes[0].Payload, &ev)
	if ev.Source != "lambda" || ev.Resources[0] != "arn:aws:lambda:eu-west-1:123456789012:function:f:$LATEST" || string(ev.Detail) != rec || ev.Account != acct {
		t.Fatalf("event %s", f.invokes[0].Payload)
	}
}
