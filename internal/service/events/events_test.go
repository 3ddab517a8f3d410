package events

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"hako/internal/clock"
	"hako/internal/engine"
	"hako/internal/protocol"
	"hako/internal/service"
)

const (
	acct   = "123456789012"
	region = "eu-west-1"
)

var start = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type fixture struct {
	s   *Service
	clk *clock.Fake
	ctx context.Context
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	eng := engine.NewMemory()
	t.Cleanup(func() { eng.Close() })
	clk := clock.NewFake(start)
	s := New(service.Env{Engine: eng, Clock: clk})
	ctx := protocol.WithCall(context.Background(), &protocol.Call{Account: acct, Region: region, Time: start})
	return &fixture{s: s, clk: clk, ctx: ctx}
}

// invoke goes through the registered handler after the model's validation,
// as the server does.
func (f *fixture) invoke(op string, doc map[string]any) (map[string]any, error) {
	api := f.s.APIs()[0]
	h, ok := api.Handlers[op]
	if !ok {
		return nil, protocol.NotImplemented("events", op)
	}
	if verr := protocol.Validate(api.Model(), api.Model().Operations[op].InputShape, doc, "ValidationException"); verr != nil {
		return nil, verr
	}
	return h(f.ctx, doc)
}

func wantErr(t *testing.T, err error, code, msg string) {
	t.Helper()
	var pe *protocol.Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %v, want %s", err, code)
	}
	if pe.Code != code || (msg != "" && pe.Message != msg) {
		t.Fatalf("error %s: %q, want %s: %q", pe.Code, pe.Message, code, msg)
	}
}

const lambdaFn = "arn:aws:lambda:eu-west-1:123456789012:function:MyScheduleFunction"

func (f *fixture) putRule(t *testing.T, in PutRuleRequest) string {
	t.Helper()
	out, err := f.s.PutRule(f.ctx, &in)
	if err != nil {
		t.Fatalf("PutRule(%s): %v", in.Name, err)
	}
	return out.RuleArn
}

func TestPutRuleAndDescribe(t *testing.T) {
	f := newFixture(t)
	arn := f.putRule(t, PutRuleRequest{Name: "nightly", ScheduleExpression: "cron(0 16 * * ? *)", Description: "01:00 JST", Tags: []Tag{{Key: "k", Value: "v"}}})
	if arn != "arn:aws:events:eu-west-1:123456789012:rule/nightly" {
		t.Fatalf("arn %s", arn)
	}
	d, err := f.s.DescribeRule(f.ctx, &DescribeRuleRequest{Name: "nightly"})
	if err != nil {
		t.Fatal(err)
	}
	if d.State != "ENABLED" || d.ScheduleExpression != "cron(0 16 * * ? *)" || d.Description != "01:00 JST" || d.EventBusName != "default" || d.CreatedBy != acct || d.Arn != arn {
		t.Fatalf("describe %+v", d)
	}
	// A full replace: the description goes, the state is what is given, tags stay.
	f.putRule(t, PutRuleRequest{Name: "nightly", ScheduleExpression: "rate(5 minutes)", State: "DISABLED", Tags: []Tag{{Key: "ignored", Value: "x"}}})
	d, _ = f.s.DescribeRule(f.ctx, &DescribeRuleRequest{Name: "nightly"})
	if d.Description != "" || d.State != "DISABLED" || d.ScheduleExpression != "rate(5 minutes)" {
		t.Fatalf("after replace %+v", d)
	}
	tags, _ := f.s.ListTagsForResource(f.ctx, &ListTagsForResourceRequest{ResourceARN: arn})
	if len(tags.Tags) != 1 || tags.Tags[0].Key != "k" {
		t.Fatalf("tags %+v", tags.Tags)
	}
	f.putRule(t, PutRuleRequest{Name: "trail", EventPattern: `{"source":["aws.s3"]}`, State: "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"})
	_, err = f.s.DescribeRule(f.ctx, &DescribeRuleRequest{Name: "missing"})
	wantErr(t, err, "ResourceNotFoundException", "Rule missing does not exist on EventBus default.")
}

// Issue 7's bad input: the AWS error and nothing stored.
func TestPutRuleRefusals(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct {
		in        PutRuleRequest
		code, msg string
	}{
		{PutRuleRequest{Name: "r", ScheduleExpression: "cron(0 16 * * * *)"}, "ValidationException", "Parameter ScheduleExpression is not valid."},
		{PutRuleRequest{Name: "r", ScheduleExpression: "cron(7 20 * * 1-7 *)"}, "ValidationException", "Parameter ScheduleExpression is not valid."},
		{PutRuleRequest{Name: "r", ScheduleExpression: "rate(1 minutes)"}, "ValidationException", "Parameter ScheduleExpression is not valid."},
		{PutRuleRequest{Name: "r", ScheduleExpression: "rate(5 hour)"}, "ValidationException", "Parameter ScheduleExpression is not valid."},
		{PutRuleRequest{Name: "r", ScheduleExpression: "cron(61 * * * ? *)"}, "ValidationException", "Parameter ScheduleExpression is not valid."},
		{PutRuleRequest{Name: "r", EventPattern: `{"source":"aws.ec2"}`}, "InvalidEventPatternException", `Event pattern is not valid. Reason: "source" must be an object or an array`},
		{PutRuleRequest{Name: "r", EventPattern: `{"source":[`}, "InvalidEventPatternException", ""},
		{PutRuleRequest{Name: "r"}, "ValidationException", "Parameter(s) EventPattern or ScheduleExpression must be specified."},
		{PutRuleRequest{Name: "r", EventPattern: `{"source":["a"]}`, EventBusName: "nope"}, "ResourceNotFoundException", "Event bus nope does not exist."},
	} {
		_, err := f.s.PutRule(f.ctx, &c.in)
		wantErr(t, err, c.code, c.msg)
	}
	if _, err := f.s.CreateEventBus(f.ctx, &CreateEventBusRequest{Name: "custom"}); err != nil {
		t.Fatal(err)
	}
	_, err := f.s.PutRule(f.ctx, &PutRuleRequest{Name: "r", ScheduleExpression: "rate(1 minute)", EventBusName: "custom"})
	wantErr(t, err, "ValidationException", "ScheduleExpression is supported only on the default event bus.")
	// An existing rule is left as it was by a refused replace.
	f.putRule(t, PutRuleRequest{Name: "keep", ScheduleExpression: "rate(5 minutes)"})
	_, err = f.s.PutRule(f.ctx, &PutRuleRequest{Name: "keep", ScheduleExpression: "rate(5 minute)"})
	wantErr(t, err, "ValidationException", "Parameter ScheduleExpression is not valid.")
	list, _ := f.s.ListRules(f.ctx, &ListRulesRequest{})
	if len(list.Rules) != 1 || list.Rules[0].Name != "keep" || list.Rules[0].ScheduleExpression != "rate(5 minutes)" {
		t.Fatalf("rules after refusals: %+v", list.Rules)
	}
	// The model's own checks run first (the rule name pattern).
	_, err = f.invoke("PutRule", map[string]any{"Name": "bad name!", "ScheduleExpression": "rate(1 minute)"})
	wantErr(t, err, "ValidationException", "")
}

func TestListRulesPaging(t *testing.T) {
	f := newFixture(t)
	for i := range 7 {
		f.putRule(t, PutRuleRequest{Name: fmt.Sprintf("job-%d", i), ScheduleExpression: "rate(1 day)"})
	}
	f.putRule(t, PutRuleRequest{Name: "other", ScheduleExpression: "rate(1 day)"})
	var names []string
	token := ""
	pages := 0
	for {
		limit := int32(3)
		out, err := f.s.ListRules(f.ctx, &ListRulesRequest{NamePrefix: "job-", Limit: &limit, NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, r := range out.Rules {
			names = append(names, r.Name)
		}
		if token = out.NextToken; token == "" {
			break
		}
	}
	if strings.Join(names, ",") != "job-0,job-1,job-2,job-3,job-4,job-5,job-6" || pages != 3 {
		t.Fatalf("%d pages: %v", pages, names)
	}
	_, err := f.s.ListRules(f.ctx, &ListRulesRequest{NextToken: "!!"})
	wantErr(t, err, "ValidationException", "")
}

func TestEnableDisableDelete(t *testing.T) {
	f := newFixture(t)
	f.putRule(t, PutRuleRequest{Name: "r", ScheduleExpression: "rate(5 minutes)"})
	var rec ruleRecord
	read := func() {
		t.Helper()
		err := f.s.eng.View(func(r engine.Reader) error {
			_, err := engine.GetJSON(r, scope{acct, region}.ruleKey("default", "r"), &rec)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	read()
	if !rec.ScheduleAnchor.Equal(start) {
		t.Fatalf("anchor %s", rec.ScheduleAnchor)
	}
	if _, err := f.s.DisableRule(f.ctx, &DisableRuleRequest{Name: "r"}); err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(7 * time.Minute)
	if _, err := f.s.EnableRule(f.ctx, &EnableRuleRequest{Name: "r"}); err != nil {
		t.Fatal(err)
	}
	read()
	if rec.State != "ENABLED" || !rec.ScheduleAnchor.Equal(start.Add(7*time.Minute)) {
		t.Fatalf("after enable: %s %s", rec.State, rec.ScheduleAnchor)
	}
	_, err := f.s.EnableRule(f.ctx, &EnableRuleRequest{Name: "nope"})
	wantErr(t, err, "ResourceNotFoundException", "Rule nope does not exist on EventBus default.")
	if _, err := f.s.PutTargets(f.ctx, &PutTargetsRequest{Rule: "r", Targets: []Target{{Id: "1", Arn: lambdaFn}}}); err != nil {
		t.Fatal(err)
	}
	_, err = f.s.DeleteRule(f.ctx, &DeleteRuleRequest{Name: "r"})
	wantErr(t, err, "ValidationException", "Rule can't be deleted since it has targets.")
	if _, err := f.s.RemoveTargets(f.ctx, &RemoveTargetsRequest{Rule: "r", Ids: []string{"1", "unknown"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.DeleteRule(f.ctx, &DeleteRuleRequest{Name: "r"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.DeleteRule(f.ctx, &DeleteRuleRequest{Name: "r"}); err != nil {
		t.Fatalf("deleting again: %v", err)
	}
	_, err = f.s.DescribeRule(f.ctx, &DescribeRuleRequest{Name: "r"})
	wantErr(t, err, "ResourceNotFoundException", "")
}

func TestTargets(t *testing.T) {
	f := newFixture(t)
	f.putRule(t, PutRuleRequest{Name: "r", ScheduleExpression: "rate(5 minutes)"})
	out, err := f.s.PutTargets(f.ctx, &PutTargetsRequest{Rule: "r", Targets: []Target{
		{Id: "b", Arn: lambdaFn, Input: `{"x":1}`, RetryPolicy: &RetryPolicy{MaximumRetryAttempts: ptr(int32(3))}},
		{Id: "a", Arn: lambdaFn + ":live", InputTransformer: &InputTransformer{InputPathsMap: map[string]string{"t": "$.time"}, InputTemplate: `{"at":<t>,"rule":"<aws.events.rule-name>"}`}},
		{Id: "q", Arn: "arn:aws:sqs:eu-west-1:123456789012:queue"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if *out.FailedEntryCount != 1 || out.FailedEntries[0].TargetId != "q" || out.FailedEntries[0].ErrorCode != "NotImplemented" {
		t.Fatalf("failed entries %+v", out)
	}
	list, _ := f.s.ListTargetsByRule(f.ctx, &ListTargetsByRuleRequest{Rule: "r"})
	if len(list.Targets) != 2 || list.Targets[0].Id != "a" || list.Targets[1].Input != `{"x":1}` || *list.Targets[1].RetryPolicy.MaximumRetryAttempts != 3 {
		t.Fatalf("targets %+v", list.Targets)
	}
	one := int32(1)
	page, _ := f.s.ListTargetsByRule(f.ctx, &ListTargetsByRuleRequest{Rule: "r", Limit: &one})
	page2, _ := f.s.ListTargetsByRule(f.ctx, &ListTargetsByRuleRequest{Rule: "r", Limit: &one, NextToken: page.NextToken})
	if len(page.Targets) != 1 || page.Targets[0].Id != "a" || len(page2.Targets) != 1 || page2.Targets[0].Id != "b" || page2.NextToken != "" {
		t.Fatalf("paging: %+v / %+v", page, page2)
	}
	names, _ := f.s.ListRuleNamesByTarget(f.ctx, &ListRuleNamesByTargetRequest{TargetArn: lambdaFn})
	if len(names.RuleNames) != 1 || names.RuleNames[0] != "r" {
		t.Fatalf("rule names %v", names.RuleNames)
	}
	// Replacing by Id does not count twice; a sixth target is refused.
	more := []Target{{Id: "b", Arn: lambdaFn}, {Id: "c", Arn: lambdaFn}, {Id: "d", Arn: lambdaFn}, {Id: "e", Arn: lambdaFn}}
	if _, err := f.s.PutTargets(f.ctx, &PutTargetsRequest{Rule: "r", Targets: more}); err != nil {
		t.Fatal(err)
	}
	_, err = f.s.PutTargets(f.ctx, &PutTargetsRequest{Rule: "r", Targets: []Target{{Id: "f", Arn: lambdaFn}}})
	wantErr(t, err, "LimitExceededException", "The requested resource exceeds the maximum number allowed.")
	list, _ = f.s.ListTargetsByRule(f.ctx, &ListTargetsByRuleRequest{Rule: "r"})
	if len(list.Targets) != 5 {
		t.Fatalf("%d targets after the refused sixth", len(list.Targets))
	}
	for _, c := range []struct {
		t   Target
		msg string
	}{
		{Target{Id: "x", Arn: "not-an-arn"}, "Provided Arn is not in correct format."},
		{Target{Id: "x", Arn: lambdaFn, Input: "{}", InputPath: "$.detail"}, "Only one of Input, InputPath, or InputTransformer must be provided for target x."},
		{Target{Id: "x", Arn: lambdaFn, Input: "{"}, "Input for target x is not valid JSON text."},
		{Target{Id: "x", Arn: lambdaFn, InputPath: "detail"}, "InputPath for target x is not a valid JSONPath: detail"},
		{Target{Id: "x", Arn: lambdaFn, InputTransformer: &InputTransformer{InputTemplate: `{"a":<notdefinedkey>}`}}, "InputTemplate for target x contains invalid placeholder notdefinedkey."},
		{Target{Id: "x", Arn: lambdaFn, DeadLetterConfig: &DeadLetterConfig{Arn: "arn:aws:sns:eu-west-1:123456789012:t"}}, "The dead-letter queue of target x must be an Amazon SQS queue ARN."},
	} {
		_, err := f.s.PutTargets(f.ctx, &PutTargetsRequest{Rule: "r", Targets: []Target{c.t}})
		wantErr(t, err, "ValidationException", c.msg)
	}
	// RetryPolicy ranges come from the model.
	_, err = f.invoke("PutTargets", map[string]any{"Rule": "r", "Targets": []any{map[string]any{"Id": "x", "Arn": lambdaFn, "RetryPolicy": map[string]any{"MaximumRetryAttempts": 186}}}})
	wantErr(t, err, "ValidationException", "")
	_, err = f.invoke("PutTargets", map[string]any{"Rule": "r", "Targets": []any{map[string]any{"Id": "x", "Arn": lambdaFn, "RetryPolicy": map[string]any{"MaximumEventAgeInSeconds": 59}}}})
	wantErr(t, err, "ValidationException", "")
	_, err = f.s.PutTargets(f.ctx, &PutTargetsRequest{Rule: "nope", Targets: []Target{{Id: "x", Arn: lambdaFn}}})
	wantErr(t, err, "ResourceNotFoundException", "Rule nope does not exist on EventBus default.")
}

func ptr[T any](v T) *T { return &v }

func TestTestEventPattern(t *testing.T) {
	f := newFixture(t)
	ev := `{"id":"1","account":"1","source":"aws.ec2","time":"2026-01-01T00:00:00Z","region":"us-east-1","detail-type":"x","detail":{"state":"running"}}`
	out, err := f.s.TestEventPattern(f.ctx, &TestEventPatternRequest{EventPattern: `{"detail":{"state":[{"prefix":"run"}]}}`, Event: ev})
	if err != nil || !*out.Result {
		t.Fatalf("%v %v", out, err)
	}
	out, _ = f.s.TestEventPattern(f.ctx, &TestEventPatternRequest{EventPattern: `{"source":["aws.s3"]}`, Event: ev})
	if *out.Result {
		t.Fatal("matched")
	}
	_, err = f.s.TestEventPattern(f.ctx, &TestEventPatternRequest{EventPattern: `{"source":[]}`, Event: ev})
	wantErr(t, err, "InvalidEventPatternException", "Event pattern is not valid. Reason: Empty arrays are not allowed")
	for _, bad := range []string{`"x"`, `[1]`, `{"source":"a"}`} {
		_, err = f.s.TestEventPattern(f.ctx, &TestEventPatternRequest{EventPattern: `{"source":["a"]}`, Event: bad})
		wantErr(t, err, "ValidationException", "Parameter Event is not valid.")
	}
}

func TestBusesAndTags(t *testing.T) {
	f := newFixture(t)
	c, err := f.s.CreateEventBus(f.ctx, &CreateEventBusRequest{Name: "orders", Description: "d", Tags: []Tag{{Key: "a", Value: "1"}}})
	if err != nil || c.EventBusArn != "arn:aws:events:eu-west-1:123456789012:event-bus/orders" {
		t.Fatalf("%+v %v", c, err)
	}
	_, err = f.s.CreateEventBus(f.ctx, &CreateEventBusRequest{Name: "orders"})
	wantErr(t, err, "ResourceAlreadyExistsException", "Event bus orders already exists.")
	_, err = f.s.CreateEventBus(f.ctx, &CreateEventBusRequest{Name: "default"})
	wantErr(t, err, "ResourceAlreadyExistsException", "Event bus default already exists.")
	d, err := f.s.DescribeEventBus(f.ctx, &DescribeEventBusRequest{Name: c.EventBusArn})
	if err != nil || d.Name != "orders" || d.Description != "d" || !d.CreationTime.Equal(start) {
		t.Fatalf("%+v %v", d, err)
	}
	d, _ = f.s.DescribeEventBus(f.ctx, &DescribeEventBusRequest{})
	if d.Name != "default" || d.Arn != "arn:aws:events:eu-west-1:123456789012:event-bus/default" {
		t.Fatalf("%+v", d)
	}
	ruleARN := f.putRule(t, PutRuleRequest{Name: "placed", EventBusName: "orders", EventPattern: `{"source":["shop"]}`})
	if ruleARN != "arn:aws:events:eu-west-1:123456789012:rule/orders/placed" {
		t.Fatalf("rule arn %s", ruleARN)
	}
	if _, err := f.s.TagResource(f.ctx, &TagResourceRequest{ResourceARN: ruleARN, Tags: []Tag{{Key: "x", Value: "1"}, {Key: "y", Value: "2"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.UntagResource(f.ctx, &UntagResourceRequest{ResourceARN: ruleARN, TagKeys: []string{"x"}}); err != nil {
		t.Fatal(err)
	}
	tags, _ := f.s.ListTagsForResource(f.ctx, &ListTagsForResourceRequest{ResourceARN: ruleARN})
	if len(tags.Tags) != 1 || tags.Tags[0].Key != "y" {
		t.Fatalf("rule tags %+v", tags.Tags)
	}
	if _, err := f.s.TagResource(f.ctx, &TagResourceRequest{ResourceARN: d.Arn, Tags: []Tag{{Key: "env", Value: "dev"}}}); err != nil {
		t.Fatal(err)
	}
	tags, _ = f.s.ListTagsForResource(f.ctx, &ListTagsForResourceRequest{ResourceARN: d.Arn})
	if len(tags.Tags) != 1 {
		t.Fatalf("default bus tags %+v", tags.Tags)
	}
	_, err = f.s.TagResource(f.ctx, &TagResourceRequest{ResourceARN: "arn:aws:events:eu-west-1:123456789012:rule/none", Tags: []Tag{{Key: "a", Value: "b"}}})
	wantErr(t, err, "ResourceNotFoundException", "Rule none does not exist on EventBus default.")
	list, _ := f.s.ListEventBuses(f.ctx, &ListEventBusesRequest{})
	if len(list.EventBuses) != 2 || list.EventBuses[0].Name != "default" || list.EventBuses[1].Name != "orders" {
		t.Fatalf("buses %+v", list.EventBuses)
	}
	_, err = f.s.DeleteEventBus(f.ctx, &DeleteEventBusRequest{Name: "default"})
	wantErr(t, err, "ValidationException", "Cannot delete event bus default.")
	if _, err := f.s.DeleteEventBus(f.ctx, &DeleteEventBusRequest{Name: "orders"}); err != nil {
		t.Fatal(err)
	}
	_, err = f.s.DescribeRule(f.ctx, &DescribeRuleRequest{Name: "placed", EventBusName: "orders"})
	wantErr(t, err, "ResourceNotFoundException", "Event bus orders does not exist.")
	_, err = f.s.ListRules(f.ctx, &ListRulesRequest{EventBusName: "orders"})
	wantErr(t, err, "ResourceNotFoundException", "Event bus orders does not exist.")
}

// Without an eventbus (the coverage report's server) PutEvents refuses
// rather than accepting events it could not deliver.
func TestPutEventsWithoutBus(t *testing.T) {
	f := newFixture(t)
	_, err := f.invoke("PutEvents", map[string]any{"Entries": []any{map[string]any{"Source": "a", "DetailType": "b", "Detail": "{}"}}})
	var pe *protocol.Error
	if !errors.As(err, &pe) || pe.Code != "InternalException" {
		t.Fatalf("PutEvents: %v", err)
	}
}
