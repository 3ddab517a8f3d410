package e2e

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
)

// printEventPy is the book's MyScheduleFunction: it says hello and prints
// the event it receives, one JSON line.
const printEventPy = `import json
def handler(event, context):
    print("Hello")
    print("EVENT " + json.dumps(event))
    return "ok"
`

// loggedEvents returns the events a printEventPy function printed, in
// order.
func loggedEvents(t *testing.T, c *cwl.Client, fn string) []string {
	t.Helper()
	var out []string
	for _, line := range strings.Split(logText(t, c, fn), "\n") {
		if i := strings.Index(line, "EVENT "); i >= 0 {
			out = append(out, line[i+len("EVENT "):])
		}
	}
	return out
}

// waitEvents waits (real time, up to 60 s) until fn has printed n events.
func waitEvents(t *testing.T, c *cwl.Client, fn string, n int) []string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		evs := loggedEvents(t, c, fn)
		if len(evs) >= n {
			return evs
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s printed %d events, want %d: %q", fn, len(evs), n, evs)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func eventTimes(t *testing.T, events []string) []time.Time {
	t.Helper()
	var out []time.Time
	for _, e := range events {
		var ev struct{ Time string }
		if err := json.Unmarshal([]byte(e), &ev); err != nil {
			t.Fatalf("event %q: %v", e, err)
		}
		tm, err := time.Parse(time.RFC3339, ev.Time)
		if err != nil {
			t.Fatalf("event time %q: %v", ev.Time, err)
		}
		out = append(out, tm)
	}
	return out
}

// TestScheduledRulesFire: the book's chapter 3 rate(5 minutes) rule (aws
// CLI v2) and seed 000's cron(0 16 * * ? *) rule (boto3), on a server
// whose clock runs 60 times faster than real time, each invoke a Python
// function once per tick with the scheduled event exactly as AWS sends
// it; after a SIGKILL and a restart an hour later (on the clock) no tick
// is fired twice and the missed ones are not backfilled, but logged.
func TestScheduledRulesFire(t *testing.T) {
	const aws2 = "/usr/bin/aws"
	s := StartServer(t, "--clock", "fixed:2026-01-01T15:40:00Z,speed=60")
	logs := cwl.NewFromConfig(s.sdkConfig(t))
	zip := zipAt(t, map[string]string{"app.py": printEventPy})
	for _, fn := range []string{"MyScheduleFunction", "NightlyFunction"} {
		s.cli(t, aws2, "lambda", "create-function", "--function-name", fn, "--runtime", "python3.11",
			"--handler", "app.handler", "--role", roleARN, "--zip-file", "fileb://"+zip)
	}
	rule := s.cliJSON(t, aws2, "events", "put-rule", "--name", "every-5-minutes", "--schedule-expression", "rate(5 minutes)")
	ruleARN := rule["RuleArn"].(string)
	s.cli(t, aws2, "lambda", "add-permission", "--function-name", "MyScheduleFunction", "--statement-id", "events",
		"--action", "lambda:InvokeFunction", "--principal", "events.amazonaws.com", "--source-arn", ruleARN)
	s.cli(t, aws2, "events", "put-targets", "--rule", "every-5-minutes", "--targets",
		`[{"Id":"1","Arn":"arn:aws:lambda:us-east-1:000000000000:function:MyScheduleFunction"}]`)
	v := s.python(t, `
import boto3, json, os
e = boto3.client("events", endpoint_url=os.environ["ENDPOINT"])
l = boto3.client("lambda", endpoint_url=os.environ["ENDPOINT"])
arn = e.put_rule(Name="nightly", ScheduleExpression="cron(0 16 * * ? *)", Description="01:00 JST")["RuleArn"]
fn = l.get_function(FunctionName="NightlyFunction")["Configuration"]["FunctionArn"]
l.add_permission(FunctionName="NightlyFunction", StatementId="nightly", Action="lambda:InvokeFunction",
    Principal="events.amazonaws.com", SourceArn=arn)
r = e.put_targets(Rule="nightly", Targets=[{"Id": "fn", "Arn": fn}])
print(json.dumps({"arn": arn, "failed": r["FailedEntryCount"]}))
`)
	if v["failed"] != float64(0) {
		t.Fatalf("%v", v)
	}
	nightlyARN := v["arn"].(string)

	shape := func(arn string) *regexp.Regexp {
		return regexp.MustCompile(`^\{"version": "0", "id": "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", "detail-type": "Scheduled Event", "source": "aws.events", "account": "000000000000", "time": "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "region": "us-east-1", "resources": \["` + regexp.QuoteMeta(arn) + `"\], "detail": \{\}\}$`)
	}
	// 16:00 on the clock is about 20 s after the start.
	waitEvents(t, logs, "NightlyFunction", 1)
	nightly := loggedEvents(t, logs, "NightlyFunction")
	if len(nightly) != 1 || !shape(nightlyARN).MatchString(nightly[0]) || !strings.Contains(nightly[0], `"time": "2026-01-01T16:00:00Z"`) {
		t.Fatalf("nightly events %q", nightly)
	}
	waitEvents(t, logs, "MyScheduleFunction", 4)
	before := loggedEvents(t, logs, "MyScheduleFunction")
	times := eventTimes(t, before)
	for i, e := range before {
		if !shape(ruleARN).MatchString(e) {
			t.Fatalf("event %d: %s", i, e)
		}
		if i > 0 && times[i].Sub(times[i-1]) != 5*time.Minute {
			t.Fatalf("ticks %v are not 5 minutes apart", times)
		}
	}
	if n := strings.Count(logText(t, logs, "MyScheduleFunction"), "Hello"); n != len(before) {
		t.Fatalf("%d invocations for %d events", n, len(before))
	}

	// SIGKILL, then restart with the clock an hour past the last tick.
	s.Kill()
	last := times[len(times)-1]
	restartAt := last.Add(62 * time.Minute)
	for i, a := range s.args {
		if strings.HasPrefix(a, "fixed:") {
			s.args[i] = "fixed:" + restartAt.Format(time.RFC3339) + ",speed=60"
		}
	}
	s.start()
	logs = cwl.NewFromConfig(s.sdkConfig(t))
	waitEvents(t, logs, "MyScheduleFunction", len(before)+2)
	after := loggedEvents(t, logs, "MyScheduleFunction")
	all := eventTimes(t, after)
	seen := map[time.Time]bool{}
	for i, tm := range all {
		if seen[tm] {
			t.Fatalf("tick %v fired twice: %v", tm, all)
		}
		seen[tm] = true
		if tm.Sub(times[0])%(5*time.Minute) != 0 {
			t.Fatalf("tick %v is off the rule's 5-minute grid %v", tm, all)
		}
		if i >= len(before) && !tm.After(restartAt) && tm.After(last) {
			// A tick between the last one before the kill and the restart
			// would be a backfill; only one within the grace may run.
			if restartAt.Sub(tm) > time.Minute {
				t.Fatalf("missed tick %v was backfilled: %v", tm, all)
			}
		}
	}
	if !strings.Contains(s.Logs(), "ticks missed while hako was not running are not fired") {
		t.Errorf("the skipped ticks are not logged:\n%s", s.Logs())
	}
	// The nightly rule's tick (16:00 the next day) is still armed once.
	if n := len(loggedEvents(t, logs, "NightlyFunction")); n != 1 {
		t.Errorf("nightly fired %d times", n)
	}

	// Disable stops it (aws CLI v1), enable resumes.
	s.cli(t, "aws", "events", "disable-rule", "--name", "every-5-minutes")
	n := len(loggedEvents(t, logs, "MyScheduleFunction"))
	time.Sleep(6 * time.Second)                                         // more than one period on the clock
	if m := len(loggedEvents(t, logs, "MyScheduleFunction")); m > n+1 { // one may have been in flight
		t.Fatalf("disabled rule fired: %d -> %d", n, m)
	}
	n = len(loggedEvents(t, logs, "MyScheduleFunction"))
	s.cli(t, "aws", "events", "enable-rule", "--name", "every-5-minutes")
	waitEvents(t, logs, "MyScheduleFunction", n+1)
}
