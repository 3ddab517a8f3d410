package scheduler

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"hako/internal/clock"
	"hako/internal/engine"
	"hako/internal/eventbus"
	"hako/internal/protocol"
	"hako/internal/service"
)

const (
	acct   = "123456789012"
	region = "ap-northeast-1"
	fnARN  = "arn:aws:lambda:ap-northeast-1:123456789012:function:nightly"
	role   = "arn:aws:iam::123456789012:role/scheduler"
)

var start = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type fixture struct {
	s   *Service
	clk *clock.Fake
	bus *eventbus.Bus
	ctx context.Context

	mu      sync.Mutex
	invokes []*eventbus.Message
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	eng := engine.NewMemory()
	t.Cleanup(func() { eng.Close() })
	clk := clock.NewFake(start)
	bus := eventbus.New(eventbus.Config{Engine: eng, Clock: clk, Poll: 10 * time.Millisecond})
	f := &fixture{clk: clk, bus: bus}
	f.s = New(service.Env{Engine: eng, Clock: clk, Bus: bus})
	bus.Handle(eventbus.KindLambdaInvoke, func(_ context.Context, m *eventbus.Message) eventbus.Outcome {
		f.mu.Lock()
		f.invokes = append(f.invokes, m)
		f.mu.Unlock()
		return eventbus.Outcome{}
	})
	bus.Start(context.Background())
	t.Cleanup(func() { bus.Stop() })
	f.ctx = protocol.WithCall(context.Background(), &protocol.Call{Account: acct, Region: region, Time: start})
	return f
}

func (f *fixture) settle(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ms, _ := f.bus.Pending("")
		busy := false
		for _, m := range ms {
			busy = busy || !m.Due.After(f.clk.Now())
		}
		if !busy {
			time.Sleep(5 * time.Millisecond)
			if ms2, _ := f.bus.Pending(""); len(ms2) == len(ms) {
				return
			}
			continue
		}
		if time.Now().After(deadline) {
			t.Fatal("bus did not settle")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// advance moves the clock from one due message to the next.
func (f *fixture) advance(t *testing.T, d time.Duration) {
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

// fired returns the invocations so far as (target, payload) pairs.
func (f *fixture) fired() []*eventbus.Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*eventbus.Message(nil), f.invokes...)
}

func off() *FlexibleTimeWindow { return &FlexibleTimeWindow{Mode: "OFF"} }

func (f *fixture) create(t *testing.T, in CreateScheduleInput) string {
	t.Helper()
	if in.FlexibleTimeWindow == nil {
		in.FlexibleTimeWindow = off()
	}
	if in.Target == nil {
		in.Target = &Target{Arn: fnARN, RoleArn: role}
	}
	out, err := f.s.CreateSchedule(f.ctx, &in)
	if err != nil {
		t.Fatalf("CreateSchedule(%s): %v", in.Name, err)
	}
	return out.ScheduleArn
}

func wantErr(t *testing.T, err error, code, msg string) {
	t.Helper()
	var pe *protocol.Error
	if !errors.As(err, &pe) || pe.Code != code || (msg != "" && pe.Message != msg) {
		t.Fatalf("error %v, want %s %q", err, code, msg)
	}
}

// Seed 000's nightly job as a Scheduler schedule: cron(0 1 * * ? *) in
// Asia/Tokyo fires at 16:00 UTC, the same instants as the rule's
// cron(0 16 * * ? *), with Input passed as it is.
func TestTokyoCronFiresAtSameInstantsAsUTCRule(t *testing.T) {
	f := newFixture(t)
	arn := f.create(t, CreateScheduleInput{Name: "nightly", ScheduleExpression: "cron(0 1 * * ? *)", ScheduleExpressionTimezone: "Asia/Tokyo",
		Target: &Target{Arn: fnARN, RoleArn: role, Input: `{"job":"<aws.scheduler.schedule-arn>@<aws.scheduler.scheduled-time>"}`}})
	f.advance(t, 72*time.Hour)
	got := f.fired()
	if len(got) != 3 {
		t.Fatalf("%d invocations in 3 days", len(got))
	}
	for i, m := range got {
		want := time.Date(2026, 3, 1+i, 16, 0, 0, 0, time.UTC).Format("2006-01-02T15:04:05Z")
		if m.Target != fnARN || string(m.Payload) != `{"job":"`+arn+`@`+want+`"}` {
			t.Fatalf("invocation %d: %s %s", i, m.Target, m.Payload)
		}
	}
}

// America/New_York across both DST changes: 02:30 does not exist on
// 2026-03-08 (skipped), 01:30 happens twice on 2026-11-01 (runs once).
func TestNewYorkDST(t *testing.T) {
	f := newFixture(t)
	f.clk.AdvanceTo(time.Date(2026, 3, 6, 0, 0, 0, 0, time.UTC))
	f.create(t, CreateScheduleInput{Name: "spring", ScheduleExpression: "cron(30 2 * * ? *)", ScheduleExpressionTimezone: "America/New_York"})
	f.advance(t, 4*24*time.Hour)     // through the 10th
	if n := len(f.fired()); n != 3 { // 6th, 7th, 9th; not the 8th
		t.Fatalf("spring: %d invocations, want 3", n)
	}
	f.s.DeleteSchedule(f.ctx, &DeleteScheduleInput{Name: "spring"})
	f.clk.AdvanceTo(time.Date(2026, 10, 31, 12, 0, 0, 0, time.UTC))
	f.create(t, CreateScheduleInput{Name: "fall", ScheduleExpression: "cron(30 1 * * ? *)", ScheduleExpressionTimezone: "America/New_York"})
	f.advance(t, 2*24*time.Hour) // 1 Nov 01:30 EDT once, 2 Nov 01:30 EST
	got := f.fired()[3:]
	if len(got) != 2 {
		t.Fatalf("fall: %d invocations, want 2", len(got))
	}
}

// at() fires once; ActionAfterCompletion DELETE removes the schedule in
// its last tick's transaction.
func TestAtScheduleAndDelete(t *testing.T) {
	f := newFixture(t)
	f.create(t, CreateScheduleInput{Name: "once", ScheduleExpression: "at(2026-03-01T21:30:00)", ScheduleExpressionTimezone: "Asia/Tokyo", ActionAfterCompletion: "DELETE"})
	f.create(t, CreateScheduleInput{Name: "kept", ScheduleExpression: "at(2026-03-01T13:00:00)"})
	f.advance(t, 2*time.Hour)
	if n := len(f.fired()); n != 2 {
		t.Fatalf("%d invocations", n)
	}
	if _, err := f.s.GetSchedule(f.ctx, &GetScheduleInput{Name: "once"}); err == nil {
		t.Fatal("completed schedule with DELETE still exists")
	}
	g, err := f.s.GetSchedule(f.ctx, &GetScheduleInput{Name: "kept"})
	if err != nil || g.ActionAfterCompletion != "NONE" || g.State != "ENABLED" {
		t.Fatalf("kept: %+v %v", g, err)
	}
	if string(f.fired()[0].Payload) != "{}" {
		t.Fatalf("payload without Input: %s", f.fired()[0].Payload)
	}
}

// FLEXIBLE delays each tick by less than the window; rate ticks count
// from StartDate; nothing fires after EndDate.
func TestFlexibleWindowAndDates(t *testing.T) {
	f := newFixture(t)
	w := int32(10)
	f.create(t, CreateScheduleInput{Name: "flex", ScheduleExpression: "rate(1 hour)", FlexibleTimeWindow: &FlexibleTimeWindow{Mode: "FLEXIBLE", MaximumWindowInMinutes: &w},
		StartDate: start.Add(30 * time.Minute), EndDate: start.Add(3*time.Hour + 45*time.Minute),
		Target: &Target{Arn: fnARN, RoleArn: role, Input: `{"t":"<aws.scheduler.scheduled-time>"}`}})
	ms, _ := f.bus.Pending(KindTick)
	if len(ms) != 1 || ms[0].Due.Before(start.Add(30*time.Minute)) || !ms[0].Due.Before(start.Add(40*time.Minute)) {
		t.Fatalf("first tick due %v", ms)
	}
	f.advance(t, 6*time.Hour)
	got := f.fired()
	if len(got) != 4 { // 12:30 (StartDate), 13:30, 14:30, 15:30
		t.Fatalf("%d invocations", len(got))
	}
	if string(got[1].Payload) != `{"t":"2026-03-01T13:30:00Z"}` {
		t.Fatalf("payload %s", got[0].Payload)
	}
}

// UpdateSchedule is a full replace; DISABLED stops firing; ClientToken
// makes a repeated create answer the same ARN.
func TestUpdateAndIdempotency(t *testing.T) {
	f := newFixture(t)
	arn := f.create(t, CreateScheduleInput{Name: "s", ScheduleExpression: "rate(5 minutes)", Description: "d", ClientToken: "tok"})
	again := f.create(t, CreateScheduleInput{Name: "s", ScheduleExpression: "rate(5 minutes)", ClientToken: "tok"})
	if again != arn {
		t.Fatal(again)
	}
	_, err := f.s.CreateSchedule(f.ctx, &CreateScheduleInput{Name: "s", ScheduleExpression: "rate(5 minutes)", ClientToken: "other", FlexibleTimeWindow: off(), Target: &Target{Arn: fnARN, RoleArn: role}})
	wantErr(t, err, "ConflictException", "Schedule s already exists.")
	f.advance(t, 10*time.Minute)
	if n := len(f.fired()); n != 2 {
		t.Fatalf("%d", n)
	}
	if _, err := f.s.UpdateSchedule(f.ctx, &UpdateScheduleInput{Name: "s", ScheduleExpression: "rate(5 minutes)", State: "DISABLED", FlexibleTimeWindow: off(), Target: &Target{Arn: fnARN, RoleArn: role}}); err != nil {
		t.Fatal(err)
	}
	g, _ := f.s.GetSchedule(f.ctx, &GetScheduleInput{Name: "s"})
	if g.Description != "" || g.State != "DISABLED" {
		t.Fatalf("%+v", g)
	}
	f.advance(t, time.Hour)
	if n := len(f.fired()); n != 2 {
		t.Fatalf("disabled schedule fired: %d", n)
	}
}

func TestRefusals(t *testing.T) {
	f := newFixture(t)
	w := int32(5)
	for _, c := range []struct {
		in        CreateScheduleInput
		code, msg string
	}{
		{CreateScheduleInput{Name: "a", ScheduleExpression: "cron(0 16 * * * *)"}, "ValidationException", "Invalid Schedule Expression cron(0 16 * * * *)."},
		{CreateScheduleInput{Name: "a", ScheduleExpression: "rate(5 minutes)", ScheduleExpressionTimezone: "Mars/Olympus"}, "ValidationException", ""},
		{CreateScheduleInput{Name: "a", ScheduleExpression: "rate(5 minutes)", FlexibleTimeWindow: &FlexibleTimeWindow{Mode: "FLEXIBLE"}}, "ValidationException", ""},
		{CreateScheduleInput{Name: "a", ScheduleExpression: "rate(5 minutes)", FlexibleTimeWindow: &FlexibleTimeWindow{Mode: "OFF", MaximumWindowInMinutes: &w}}, "ValidationException", ""},
		{CreateScheduleInput{Name: "a", ScheduleExpression: "rate(5 minutes)", Target: &Target{Arn: "arn:aws:sqs:ap-northeast-1:123456789012:q", RoleArn: role}}, "ValidationException", ""},
		{CreateScheduleInput{Name: "a", ScheduleExpression: "rate(5 minutes)", Target: &Target{Arn: fnARN, RoleArn: role, Input: "not json"}}, "ValidationException", ""},
		{CreateScheduleInput{Name: "a", ScheduleExpression: "rate(5 minutes)", StartDate: start.Add(-time.Hour)}, "ValidationException", ""},
		{CreateScheduleInput{Name: "a", ScheduleExpression: "rate(5 minutes)", GroupName: "nope"}, "ResourceNotFoundException", "Schedule group nope does not exist."},
	} {
		if c.in.FlexibleTimeWindow == nil {
			c.in.FlexibleTimeWindow = off()
		}
		if c.in.Target == nil {
			c.in.Target = &Target{Arn: fnARN, RoleArn: role}
		}
		_, err := f.s.CreateSchedule(f.ctx, &c.in)
		wantErr(t, err, c.code, c.msg)
	}
	out, _ := f.s.ListSchedules(f.ctx, &ListSchedulesInput{})
	if len(out.Schedules) != 0 {
		t.Fatalf("stored after refusals: %+v", out.Schedules)
	}
	if ms, _ := f.bus.Pending(""); len(ms) != 0 {
		t.Fatalf("%d messages after refusals", len(ms))
	}
}

// Groups: default always exists; a group's deletion takes its schedules.
func TestGroups(t *testing.T) {
	f := newFixture(t)
	g, err := f.s.CreateScheduleGroup(f.ctx, &CreateScheduleGroupInput{Name: "jobs", Tags: []Tag{{Key: "team", Value: "a"}}})
	if err != nil || g.ScheduleGroupArn != "arn:aws:scheduler:ap-northeast-1:123456789012:schedule-group/jobs" {
		t.Fatal(g, err)
	}
	_, err = f.s.CreateScheduleGroup(f.ctx, &CreateScheduleGroupInput{Name: "default"})
	wantErr(t, err, "ConflictException", "Schedule group default already exists.")
	f.create(t, CreateScheduleInput{Name: "a", GroupName: "jobs", ScheduleExpression: "rate(1 minute)"})
	f.create(t, CreateScheduleInput{Name: "b", ScheduleExpression: "rate(1 minute)", State: "DISABLED"})
	l, _ := f.s.ListScheduleGroups(f.ctx, &ListScheduleGroupsInput{})
	if len(l.ScheduleGroups) != 2 || l.ScheduleGroups[0].Name != "default" || l.ScheduleGroups[1].Name != "jobs" {
		t.Fatalf("%+v", l)
	}
	ls, _ := f.s.ListSchedules(f.ctx, &ListSchedulesInput{State: "ENABLED"})
	if len(ls.Schedules) != 1 || ls.Schedules[0].Name != "a" || ls.Schedules[0].Target.Arn != fnARN {
		t.Fatalf("%+v", ls)
	}
	p1, _ := f.s.ListSchedules(f.ctx, &ListSchedulesInput{MaxResults: ptr(int32(1))})
	p2, _ := f.s.ListSchedules(f.ctx, &ListSchedulesInput{MaxResults: ptr(int32(1)), NextToken: p1.NextToken})
	if len(p1.Schedules) != 1 || len(p2.Schedules) != 1 || p2.NextToken != "" || p1.Schedules[0].Name == p2.Schedules[0].Name {
		t.Fatalf("paging %+v %+v", p1, p2)
	}
	tags, _ := f.s.ListTagsForResource(f.ctx, &ListTagsForResourceInput{ResourceArn: g.ScheduleGroupArn})
	if len(tags.Tags) != 1 {
		t.Fatalf("%+v", tags)
	}
	_, err = f.s.DeleteScheduleGroup(f.ctx, &DeleteScheduleGroupInput{Name: "default"})
	wantErr(t, err, "ValidationException", "")
	if _, err := f.s.DeleteScheduleGroup(f.ctx, &DeleteScheduleGroupInput{Name: "jobs"}); err != nil {
		t.Fatal(err)
	}
	_, err = f.s.GetSchedule(f.ctx, &GetScheduleInput{Name: "a", GroupName: "jobs"})
	wantErr(t, err, "ResourceNotFoundException", "Schedule group jobs does not exist.")
	f.advance(t, 5*time.Minute)
	if n := len(f.fired()); n != 0 {
		t.Fatalf("deleted group's schedule fired %d times", n)
	}
}

func ptr[T any](v T) *T { return &v }
