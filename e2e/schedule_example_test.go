package e2e

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
)

// TestBookScheduleFunction is the book's chapter 3 MyScheduleFunction on
// a rate(5 minutes) rule, created with the aws CLI v2 (and a second rule
// with boto3), on a clock moved with `hako clock advance`: one invocation
// per tick with AWS's scheduled event, none while disabled, again after
// enable, none after delete.
func TestBookScheduleFunction(t *testing.T) {
	s := StartServer(t, "--clock", "fixed:2026-01-01T00:00:00Z")
	logs := cwl.NewFromConfig(s.sdkConfig(t))
	const aws2 = "/usr/bin/aws"
	const fn = "MyScheduleFunction"
	zip := filepath.Join(t.TempDir(), "fn.zip")
	zipDir(t, "../examples/ch3-schedule", zip)
	s.cli(t, aws2, "lambda", "create-function", "--function-name", fn, "--runtime", "python3.11",
		"--handler", "lambda_function.lambda_handler", "--role", roleARN, "--zip-file", "fileb://"+zip)
	s.cli(t, aws2, "lambda", "add-permission", "--function-name", fn, "--statement-id", "events",
		"--action", "lambda:InvokeFunction", "--principal", "events.amazonaws.com")
	rule := s.cliJSON(t, aws2, "events", "put-rule", "--name", "every5", "--schedule-expression", "rate(5 minutes)")
	ruleARN := rule["RuleArn"].(string)
	s.cli(t, aws2, "events", "put-targets", "--rule", "every5",
		"--targets", "Id=1,Arn=arn:aws:lambda:us-east-1:000000000000:function:"+fn)

	advance := func(d string) {
		t.Helper()
		if out, stderr, code := hakoCLI(t, "clock", "advance", d, "--endpoint-url", s.URL); code != 0 {
			t.Fatalf("hako clock advance %s: %s %s", d, out, stderr)
		}
	}
	events := func() []map[string]any {
		var out []map[string]any
		for _, line := range strings.Split(logText(t, logs, fn), "\n") {
			var ev map[string]any
			if strings.HasPrefix(line, "{") && json.Unmarshal([]byte(line), &ev) == nil {
				out = append(out, ev)
			}
		}
		return out
	}
	quiet := func(want int) {
		t.Helper()
		// Nothing more arrives: the previous tick's log is complete and
		// no other tick is due.
		if got := len(events()); got != want {
			t.Fatalf("%d invocations, want %d:\n%s", got, want, logText(t, logs, fn))
		}
	}

	advance("5m")
	waitLog(t, logs, fn, `"detail-type": "Scheduled Event"`, 1)
	ev := events()[0]
	timeRE := regexp.MustCompile(`^2026-01-01T00:05:0\dZ$`)
	if ev["version"] != "0" || ev["source"] != "aws.events" || ev["account"] != "000000000000" || ev["region"] != "us-east-1" ||
		!timeRE.MatchString(ev["time"].(string)) || len(ev["id"].(string)) != 36 {
		t.Errorf("scheduled event = %v", ev)
	}
	if res := ev["resources"].([]any); len(res) != 1 || res[0] != ruleARN {
		t.Errorf("resources = %v", ev["resources"])
	}
	if d, ok := ev["detail"].(map[string]any); !ok || len(d) != 0 {
		t.Errorf("detail = %v", ev["detail"])
	}
	if !strings.Contains(logText(t, logs, fn), "Hello") {
		t.Error("no Hello in the log")
	}
	advance("5m")
	waitLog(t, logs, fn, `"detail-type": "Scheduled Event"`, 2)

	s.cli(t, aws2, "events", "disable-rule", "--name", "every5")
	advance("15m")
	quiet(2)
	s.cli(t, aws2, "events", "enable-rule", "--name", "every5")
	advance("5m")
	waitLog(t, logs, fn, `"detail-type": "Scheduled Event"`, 3)

	// A second rule, made with boto3, runs beside the first.
	v := s.python(t, `
import boto3, json, os
ev = boto3.client("events", endpoint_url=os.environ["ENDPOINT"])
r = ev.put_rule(Name="hourly", ScheduleExpression="cron(0 * * * ? *)")
ev.put_targets(Rule="hourly", Targets=[{"Id": "1", "Arn": "arn:aws:lambda:us-east-1:000000000000:function:MyScheduleFunction", "Input": json.dumps({"from": "boto3"})}])
print(json.dumps({"arn": r["RuleArn"]}))
`)
	if !strings.HasSuffix(v["arn"].(string), ":rule/hourly") {
		t.Fatalf("boto3 put_rule: %v", v)
	}
	advance("35m") // 00:30 -> 01:05: the hourly tick (01:00) fires late but once
	defer func() {
		if t.Failed() {
			t.Log(s.Logs())
		}
	}()
	waitLog(t, logs, fn, `\{"from": "boto3"\}`, 1)

	s.cli(t, aws2, "events", "remove-targets", "--rule", "every5", "--ids", "1")
	s.cli(t, aws2, "events", "delete-rule", "--name", "every5")
	n := len(events())
	advance("10m")
	quiet(n)
}
