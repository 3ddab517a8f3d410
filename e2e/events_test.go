package e2e

import (
	"fmt"
	"strings"
	"testing"
)

// EventBridge rules, targets and buses with the aws CLI v2 (and v1), as the
// book's MyScheduleFunction and seed 000 set them up; bad input gets AWS's
// errors and leaves nothing behind.
func TestEventsWithCLI(t *testing.T) {
	s := StartServer(t)
	fn := "arn:aws:lambda:us-east-1:000000000000:function:MyScheduleFunction"
	for _, bin := range []string{"/usr/bin/aws", "aws"} {
		t.Run(bin, func(t *testing.T) {
			s.Reset(t)
			put := s.cliJSON(t, bin, "events", "put-rule", "--name", "every-5", "--schedule-expression", "cron(0/5 * * * ? *)")
			if put["RuleArn"] != "arn:aws:events:us-east-1:000000000000:rule/every-5" {
				t.Fatalf("put-rule = %v", put)
			}
			s.cli(t, bin, "events", "put-rule", "--name", "nightly", "--schedule-expression", "cron(0 16 * * ? *)", "--description", "01:00 JST")
			s.cli(t, bin, "events", "put-rule", "--name", "rate", "--schedule-expression", "rate(5 minutes)", "--state", "DISABLED")
			d := s.cliJSON(t, bin, "events", "describe-rule", "--name", "nightly")
			if d["ScheduleExpression"] != "cron(0 16 * * ? *)" || d["State"] != "ENABLED" || d["Description"] != "01:00 JST" || d["EventBusName"] != "default" {
				t.Fatalf("describe-rule = %v", d)
			}
			targets := s.cliJSON(t, bin, "events", "put-targets", "--rule", "every-5", "--targets",
				`[{"Id":"1","Arn":"`+fn+`","RetryPolicy":{"MaximumRetryAttempts":2,"MaximumEventAgeInSeconds":3600}}]`)
			if targets["FailedEntryCount"] != float64(0) {
				t.Fatalf("put-targets = %v", targets)
			}
			lt := s.cliJSON(t, bin, "events", "list-targets-by-rule", "--rule", "every-5")
			if ts, _ := lt["Targets"].([]any); len(ts) != 1 || ts[0].(map[string]any)["Arn"] != fn {
				t.Fatalf("list-targets-by-rule = %v", lt)
			}
			byTarget := s.cliJSON(t, bin, "events", "list-rule-names-by-target", "--target-arn", fn)
			if names, _ := byTarget["RuleNames"].([]any); len(names) != 1 || names[0] != "every-5" {
				t.Fatalf("list-rule-names-by-target = %v", byTarget)
			}
			s.cli(t, bin, "events", "disable-rule", "--name", "every-5")
			if d := s.cliJSON(t, bin, "events", "describe-rule", "--name", "every-5"); d["State"] != "DISABLED" {
				t.Fatalf("after disable-rule: %v", d)
			}
			s.cli(t, bin, "events", "enable-rule", "--name", "every-5")
			// The CLI follows NextToken across pages of one.
			l := s.cliJSON(t, bin, "events", "list-rules", "--page-size", "1")
			if rs, _ := l["Rules"].([]any); len(rs) != 3 {
				t.Fatalf("list-rules (pages of 1) = %v", l)
			}
			l = s.cliJSON(t, bin, "events", "list-rules", "--name-prefix", "ni")
			if rs, _ := l["Rules"].([]any); len(rs) != 1 || rs[0].(map[string]any)["Name"] != "nightly" {
				t.Fatalf("list-rules --name-prefix = %v", l)
			}

			// Refusals, each with AWS's code and message, storing nothing.
			for _, c := range []struct {
				args []string
				want string
			}{
				{[]string{"put-rule", "--name", "bad", "--schedule-expression", "cron(0 16 * * * *)"}, "(ValidationException) when calling the PutRule operation: Parameter ScheduleExpression is not valid."},
				{[]string{"put-rule", "--name", "bad", "--schedule-expression", "cron(7 20 * * 1-7 *)"}, "Parameter ScheduleExpression is not valid."},
				{[]string{"put-rule", "--name", "bad", "--schedule-expression", "rate(1 minutes)"}, "Parameter ScheduleExpression is not valid."},
				{[]string{"put-rule", "--name", "bad", "--schedule-expression", "rate(5 hour)"}, "Parameter ScheduleExpression is not valid."},
				{[]string{"put-rule", "--name", "bad", "--schedule-expression", "cron(61 * * * ? *)"}, "Parameter ScheduleExpression is not valid."},
				{[]string{"put-rule", "--name", "bad", "--event-pattern", `{"source":"aws.ec2"}`}, `(InvalidEventPatternException) when calling the PutRule operation: Event pattern is not valid. Reason: "source" must be an object or an array`},
				{[]string{"delete-rule", "--name", "every-5"}, "Rule can't be deleted since it has targets."},
				{[]string{"describe-rule", "--name", "bad"}, "(ResourceNotFoundException) when calling the DescribeRule operation: Rule bad does not exist on EventBus default."},
				{[]string{"put-targets", "--rule", "every-5", "--targets", `[{"Id":"2","Arn":"` + fn + `"},{"Id":"3","Arn":"` + fn + `"},{"Id":"4","Arn":"` + fn + `"},{"Id":"5","Arn":"` + fn + `"},{"Id":"6","Arn":"` + fn + `"}]`}, "The requested resource exceeds the maximum number allowed."}, // botocore retries LimitExceededException, as it would against AWS
				{[]string{"put-targets", "--rule", "every-5", "--targets", `[{"Id":"x","Arn":"` + fn + `","RetryPolicy":{"MaximumRetryAttempts":186}}]`}, "ValidationException"},
			} {
				out, err := s.cliErr(t, bin, append([]string{"events"}, c.args...)...)
				if err == nil || !strings.Contains(out, c.want) {
					t.Errorf("%v: err %v, output %s\nwant %s", c.args, err, out, c.want)
				}
			}
			if _, err := s.cliErr(t, bin, "events", "describe-rule", "--name", "bad"); err == nil {
				t.Error("a refused put-rule stored the rule")
			}
			if lt := s.cliJSON(t, bin, "events", "list-targets-by-rule", "--rule", "every-5"); len(lt["Targets"].([]any)) != 1 {
				t.Errorf("a refused sixth target changed the targets: %v", lt)
			}

			// TestEventPattern.
			ev := `{"id":"1","account":"000000000000","source":"aws.ec2","time":"2026-01-01T00:00:00Z","region":"us-east-1","resources":[],"detail-type":"EC2 Instance State-change Notification","detail":{"state":"terminated"}}`
			r := s.cliJSON(t, bin, "events", "test-event-pattern", "--event-pattern", `{"source":["aws.ec2"],"detail":{"state":[{"anything-but":"running"}]}}`, "--event", ev)
			if r["Result"] != true {
				t.Fatalf("test-event-pattern = %v", r)
			}

			// Remove the target, then the rule goes.
			s.cli(t, bin, "events", "remove-targets", "--rule", "every-5", "--ids", "1")
			s.cli(t, bin, "events", "delete-rule", "--name", "every-5")
			if _, err := s.cliErr(t, bin, "events", "describe-rule", "--name", "every-5"); err == nil {
				t.Error("delete-rule left the rule")
			}

			// Buses.
			s.cli(t, bin, "events", "create-event-bus", "--name", "orders")
			buses := s.cliJSON(t, bin, "events", "list-event-buses")
			if bs, _ := buses["EventBuses"].([]any); len(bs) != 2 {
				t.Fatalf("list-event-buses = %v", buses)
			}
			out, err := s.cliErr(t, bin, "events", "put-rule", "--name", "x", "--event-bus-name", "orders", "--schedule-expression", "rate(1 minute)")
			if err == nil || !strings.Contains(out, "ScheduleExpression is supported only on the default event bus.") {
				t.Errorf("schedule on a custom bus: %v %s", err, out)
			}
			s.cli(t, bin, "events", "put-rule", "--name", "placed", "--event-bus-name", "orders", "--event-pattern", `{"source":["shop"]}`)
			out, err = s.cliErr(t, bin, "events", "delete-event-bus", "--name", "default")
			if err == nil || !strings.Contains(out, "Cannot delete event bus default.") {
				t.Errorf("delete-event-bus default: %v %s", err, out)
			}
			s.cli(t, bin, "events", "delete-event-bus", "--name", "orders")

			// An entry naming the deleted bus fails alone (events_put_test.go
			// covers delivery).
			pe := s.cliJSON(t, bin, "events", "put-events", "--entries", `[{"Source":"a","DetailType":"b","Detail":"{}","EventBusName":"orders"},{"Source":"a","DetailType":"b","Detail":"{}"}]`)
			if pe["FailedEntryCount"] != float64(1) || !strings.Contains(fmt.Sprint(pe["Entries"]), "ResourceNotFoundException") {
				t.Errorf("put-events: %v", pe)
			}
		})
	}
}

// The same with boto3, including tags and paging through a paginator.
func TestEventsWithBoto3(t *testing.T) {
	s := StartServer(t)
	out := s.python(t, `
import boto3, json, os
from botocore.exceptions import ClientError
ev = boto3.client("events", endpoint_url=os.environ["ENDPOINT"])
fn = "arn:aws:lambda:us-east-1:000000000000:function:MyScheduleFunction"
arn = ev.put_rule(Name="MyScheduleFunctionRule", ScheduleExpression="rate(5 minutes)", Tags=[{"Key": "app", "Value": "book"}])["RuleArn"]
ev.put_targets(Rule="MyScheduleFunctionRule", Targets=[{"Id": "fn", "Arn": fn, "InputTransformer": {
    "InputPathsMap": {"t": "$.time"}, "InputTemplate": '{"at": <t>, "rule": "<aws.events.rule-name>"}'}}])
res = {"arn": arn, "tags": ev.list_tags_for_resource(ResourceARN=arn)["Tags"]}
ev.tag_resource(ResourceARN=arn, Tags=[{"Key": "env", "Value": "dev"}])
ev.untag_resource(ResourceARN=arn, TagKeys=["app"])
res["tags_after"] = ev.list_tags_for_resource(ResourceARN=arn)["Tags"]
for i in range(5):
    ev.put_rule(Name="page-%d" % i, EventPattern=json.dumps({"source": ["app"], "detail": {"n": [{"numeric": [">", i]}]}}))
pages = list(ev.get_paginator("list_rules").paginate(NamePrefix="page-", PaginationConfig={"PageSize": 2}))
res["pages"] = len(pages)
res["names"] = [r["Name"] for p in pages for r in p["Rules"]]
res["other_target"] = ev.put_targets(Rule="MyScheduleFunctionRule", Targets=[{"Id": "q", "Arn": "arn:aws:sqs:us-east-1:000000000000:q"}])
errors = {}
for name, call in [
    ("schedule", lambda: ev.put_rule(Name="bad", ScheduleExpression="cron(0 16 * * * *)")),
    ("pattern", lambda: ev.put_rule(Name="bad", EventPattern='{"detail":{"n":[{"numeric":[">",0,">",0]}]}}')),
    ("input", lambda: ev.put_targets(Rule="MyScheduleFunctionRule", Targets=[{"Id": "x", "Arn": fn, "Input": "{}", "InputPath": "$.detail"}])),
    ("placeholder", lambda: ev.put_targets(Rule="MyScheduleFunctionRule", Targets=[{"Id": "x", "Arn": fn, "InputTransformer": {"InputTemplate": '{"a": <nope>}'}}])),
    ("test_event", lambda: ev.test_event_pattern(EventPattern='{"source":["a"]}', Event='"nope"')),
]:
    try:
        call()
        errors[name] = None
    except ClientError as e:
        errors[name] = [e.response["Error"]["Code"], e.response["Error"]["Message"], e.response["ResponseMetadata"]["HTTPStatusCode"]]
res["errors"] = errors
print(json.dumps(res))
`)
	if out["arn"] != "arn:aws:events:us-east-1:000000000000:rule/MyScheduleFunctionRule" {
		t.Fatalf("arn = %v", out["arn"])
	}
	if tags, _ := out["tags"].([]any); len(tags) != 1 {
		t.Errorf("tags = %v", out["tags"])
	}
	if tags, _ := out["tags_after"].([]any); len(tags) != 1 || tags[0].(map[string]any)["Key"] != "env" {
		t.Errorf("tags after tag/untag = %v", out["tags_after"])
	}
	if out["pages"] != float64(3) || strings.Join(toStrings(out["names"]), ",") != "page-0,page-1,page-2,page-3,page-4" {
		t.Errorf("paging: %v pages, %v", out["pages"], out["names"])
	}
	other := out["other_target"].(map[string]any)
	if other["FailedEntryCount"] != float64(1) || !strings.Contains(other["FailedEntries"].([]any)[0].(map[string]any)["ErrorMessage"].(string), "sqs") {
		t.Errorf("sqs target: %v", other)
	}
	want := map[string][]any{
		"schedule":    {"ValidationException", "Parameter ScheduleExpression is not valid.", float64(400)},
		"pattern":     {"InvalidEventPatternException", "Event pattern is not valid. Reason: Bad numeric range operator: >", float64(400)},
		"input":       {"ValidationException", "Only one of Input, InputPath, or InputTransformer must be provided for target x.", float64(400)},
		"placeholder": {"ValidationException", "InputTemplate for target x contains invalid placeholder nope.", float64(400)},
		"test_event":  {"ValidationException", "Parameter Event is not valid.", float64(400)},
	}
	errs := out["errors"].(map[string]any)
	for k, w := range want {
		got, _ := errs[k].([]any)
		if len(got) != 3 || got[0] != w[0] || got[1] != w[1] || got[2] != w[2] {
			t.Errorf("%s: got %v, want %v", k, errs[k], w)
		}
	}
}
