package e2e

import (
	"os/exec"
	"strings"
	"testing"

	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
)

// TestSchedulerWithClients: EventBridge Scheduler with boto3 and the aws
// CLI v2 — groups, ClientToken idempotency, a full-replace update,
// listing, refusals — and seed 000's nightly job as a schedule,
// cron(0 1 * * ? *) in Asia/Tokyo, which fires at 16:00 UTC on an
// accelerated clock with its Input delivered as it is.
func TestSchedulerWithClients(t *testing.T) {
	const aws2 = "/usr/bin/aws"
	s := StartServer(t, "--clock", "fixed:2026-01-01T15:59:00Z,speed=30")
	logs := cwl.NewFromConfig(s.sdkConfig(t))
	s.cli(t, aws2, "lambda", "create-function", "--function-name", "NightlyJob", "--runtime", "python3.11",
		"--handler", "app.handler", "--role", roleARN, "--zip-file", "fileb://"+zipAt(t, map[string]string{"app.py": printEventPy}))
	fn := "arn:aws:lambda:us-east-1:000000000000:function:NightlyJob"
	role := "arn:aws:iam::000000000000:role/scheduler"

	v := s.python(t, `
import boto3, json, os
c = boto3.client("scheduler", endpoint_url=os.environ["ENDPOINT"])
g = c.create_schedule_group(Name="jobs", Tags=[{"Key": "team", "Value": "ops"}])
args = dict(Name="nightly", GroupName="jobs", ScheduleExpression="cron(0 1 * * ? *)", ScheduleExpressionTimezone="Asia/Tokyo",
    FlexibleTimeWindow={"Mode": "OFF"}, ClientToken="token-1",
    Target={"Arn": "`+fn+`", "RoleArn": "`+role+`", "Input": json.dumps({"job": "nightly", "at": "<aws.scheduler.scheduled-time>"}),
            "RetryPolicy": {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 3600}})
a1 = c.create_schedule(**args)["ScheduleArn"]
a2 = c.create_schedule(**args)["ScheduleArn"]
try:
    c.create_schedule(**dict(args, ClientToken="token-2"))
    conflict = None
except c.exceptions.ConflictException as e:
    conflict = e.response["Error"]["Message"]
got = c.get_schedule(Name="nightly", GroupName="jobs")
groups = [x["Name"] for x in c.list_schedule_groups()["ScheduleGroups"]]
tags = c.list_tags_for_resource(ResourceArn=g["ScheduleGroupArn"])["Tags"]
print(json.dumps({"a1": a1, "a2": a2, "conflict": conflict, "tz": got["ScheduleExpressionTimezone"], "state": got["State"],
    "action": got["ActionAfterCompletion"], "retries": got["Target"]["RetryPolicy"]["MaximumRetryAttempts"], "group": got["GroupName"],
    "groups": groups, "tags": tags}))
`)
	if v["a1"] != "arn:aws:scheduler:us-east-1:000000000000:schedule/jobs/nightly" || v["a2"] != v["a1"] ||
		v["conflict"] != "Schedule nightly already exists." || v["tz"] != "Asia/Tokyo" || v["state"] != "ENABLED" ||
		v["action"] != "NONE" || v["retries"] != float64(3) || v["group"] != "jobs" {
		t.Fatalf("boto3: %v", v)
	}
	if g := v["groups"].([]any); len(g) != 2 || g[0] != "default" || g[1] != "jobs" {
		t.Fatalf("groups %v", v["groups"])
	}

	// 16:00 UTC = 01:00 JST is about 2 s after the start.
	evs := waitEvents(t, logs, "NightlyJob", 1)
	if evs[0] != `{"job": "nightly", "at": "2026-01-01T16:00:00Z"}` {
		t.Fatalf("input %s", evs[0])
	}

	// The aws CLI v2: another schedule in the default group, a full-replace
	// update, list, delete; bad input refused with nothing stored.
	s.cli(t, aws2, "scheduler", "create-schedule", "--name", "every-5", "--schedule-expression", "rate(5 minutes)",
		"--flexible-time-window", `{"Mode":"FLEXIBLE","MaximumWindowInMinutes":2}`, "--description", "d",
		"--target", `{"Arn":"`+fn+`","RoleArn":"`+role+`","Input":"{\"n\":5}"}`)
	s.cli(t, aws2, "scheduler", "update-schedule", "--name", "every-5", "--schedule-expression", "rate(10 minutes)",
		"--flexible-time-window", `{"Mode":"OFF"}`, "--state", "DISABLED", "--target", `{"Arn":"`+fn+`","RoleArn":"`+role+`"}`)
	got := s.cliJSON(t, aws2, "scheduler", "get-schedule", "--name", "every-5")
	if got["Description"] != nil || got["State"] != "DISABLED" || got["ScheduleExpression"] != "rate(10 minutes)" || got["GroupName"] != "default" {
		t.Fatalf("after update %v", got)
	}
	list := s.cliJSON(t, aws2, "scheduler", "list-schedules", "--state", "ENABLED")
	if sc := list["Schedules"].([]any); len(sc) != 1 || sc[0].(map[string]any)["Name"] != "nightly" {
		t.Fatalf("list %v", list)
	}
	for _, bad := range [][]string{
		{"--schedule-expression", "cron(0 16 * * * *)", "--flexible-time-window", `{"Mode":"OFF"}`},
		{"--schedule-expression", "rate(5 minutes)", "--schedule-expression-timezone", "Mars/Olympus", "--flexible-time-window", `{"Mode":"OFF"}`},
		{"--schedule-expression", "rate(5 minutes)", "--flexible-time-window", `{"Mode":"FLEXIBLE"}`},
	} {
		args := append([]string{"scheduler", "create-schedule", "--name", "bad", "--target", `{"Arn":"` + fn + `","RoleArn":"` + role + `"}`}, bad...)
		if out, err := s.cliErr(t, aws2, args...); err == nil || !strings.Contains(out, "ValidationException") {
			t.Errorf("%v: %v %s", bad, err, out)
		}
	}
	if out, err := s.cliErr(t, aws2, "scheduler", "get-schedule", "--name", "bad"); err == nil || !strings.Contains(out, "ResourceNotFoundException") {
		t.Errorf("bad schedule stored: %s", out)
	}
	s.cli(t, aws2, "scheduler", "delete-schedule", "--name", "every-5")
	s.cli(t, aws2, "scheduler", "delete-schedule-group", "--name", "jobs")
	list = s.cliJSON(t, aws2, "scheduler", "list-schedules")
	if sc := list["Schedules"].([]any); len(sc) != 0 {
		t.Fatalf("left after deletes %v", list)
	}
}

// TestHakoSchedules: `hako schedules` lists seed 000's rule and its
// Scheduler twin with the same next fire times, in UTC and local time.
func TestHakoSchedules(t *testing.T) {
	s := StartServer(t, "--clock", "fixed:2026-01-01T00:00:00Z,speed=1")
	fn := "arn:aws:lambda:us-east-1:000000000000:function:NightlyJob"
	s.cli(t, "/usr/bin/aws", "events", "put-rule", "--name", "nightly", "--schedule-expression", "cron(0 16 * * ? *)")
	s.cli(t, "/usr/bin/aws", "events", "put-rule", "--name", "off", "--schedule-expression", "rate(1 hour)", "--state", "DISABLED")
	s.cli(t, "/usr/bin/aws", "scheduler", "create-schedule", "--name", "nightly-jst", "--schedule-expression", "cron(0 1 * * ? *)",
		"--schedule-expression-timezone", "Asia/Tokyo", "--flexible-time-window", `{"Mode":"OFF"}`,
		"--target", `{"Arn":"`+fn+`","RoleArn":"arn:aws:iam::000000000000:role/r"}`)
	cmd := exec.Command(hakoBin, "schedules", "--endpoint-url", s.URL, "-n", "2")
	cmd.Env = append(awsEnv(), "TZ=Asia/Tokyo")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("hako schedules: %v\n%s", err, out)
	}
	text := string(out)
	for _, want := range []string{
		"rule      nightly      default  cron(0 16 * * ? *)",
		"2026-01-01 16:00:00  2026-01-02 01:00:00 JST",
		"2026-01-02 16:00:00  2026-01-03 01:00:00 JST",
		"cron(0 1 * * ? *) Asia/Tokyo",
		"off          default  rate(1 hour)                  DISABLED  -",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if n := strings.Count(text, "2026-01-01 16:00:00"); n != 2 {
		t.Errorf("the rule and the Tokyo schedule should share their next tick:\n%s", text)
	}
}
