package e2e

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// asyncClock runs the server's clock 60 times faster than real time:
// Lambda's retry delays (1 and 2 minutes), backoffs and event ages then
// pass in seconds, while function timeouts (also on the clock) stay long
// enough when set to 900 s (15 s real).
const asyncClock = "fixed:2026-01-01T00:00:00Z,speed=60"

// logText returns every message in a function's log group so far ("" when
// the function has not run). A read that fails is tried again a few times
// (as the SDK's default retryer would; the tests' clients make one
// attempt): a kept-alive test connection has been seen to break right
// after a server restart or a clock jump (see the closing note of
// issues 4-7: "use of closed network connection", cause not found).
func logText(t *testing.T, c *cwl.Client, fn string) string {
	t.Helper()
	for attempt := 0; ; attempt++ {
		var b strings.Builder
		p := cwl.NewFilterLogEventsPaginator(c, &cwl.FilterLogEventsInput{LogGroupName: aws.String("/aws/lambda/" + fn)})
		var err error
		for p.HasMorePages() && err == nil {
			var page *cwl.FilterLogEventsOutput
			if page, err = p.NextPage(ctx); err == nil {
				for _, e := range page.Events {
					b.WriteString(aws.ToString(e.Message))
					b.WriteByte('\n')
				}
			}
		}
		switch {
		case err == nil:
			return b.String()
		case strings.Contains(err.Error(), "ResourceNotFoundException"):
			return ""
		case attempt == 4:
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitLog polls a function's logs (real time, up to 60 s) until re
// matches n times, and returns the log.
func waitLog(t *testing.T, c *cwl.Client, fn, re string, n int) string {
	t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.Now().Add(60 * time.Second)
	for {
		text := logText(t, c, fn)
		if len(rx.FindAllString(text, -1)) >= n {
			return text
		}
		if time.Now().After(deadline) {
			t.Fatalf("log of %s: %q appears %d times, want %d:\n%s", fn, re, len(rx.FindAllString(text, -1)), n, text)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// zipAt writes a zip of files and returns its path.
func zipAt(t *testing.T, files map[string]string) string {
	t.Helper()
	p, _ := writeZip(t, files, nil)
	return p
}

// flaky fails until its sandbox has seen `succeedAt` attempts.
const flakyPy = `import os
def handler(event, context):
    path = "/tmp/count"
    n = int(open(path).read()) + 1 if os.path.exists(path) else 1
    open(path, "w").write(str(n))
    print("attempt %d of %s" % (n, context.aws_request_id))
    if n < int(os.environ.get("SUCCEED_AT", "1000")):
        raise Exception("failing on attempt %d" % n)
    return {"done": n}
`

// TestLambdaAsync drives asynchronous invocation with the aws CLI v2 and
// boto3: AWS's retry schedule, destinations, failure records and their
// replay, event age, and durability across SIGKILL.
func TestLambdaAsync(t *testing.T) {
	s := StartServer(t, "--clock", asyncClock)
	logs := cwl.NewFromConfig(s.sdkConfig(t))
	c := lambda.NewFromConfig(s.sdkConfig(t))
	const aws2 = "/usr/bin/aws"
	create := func(name, code string, env string) {
		t.Helper()
		args := []string{"lambda", "create-function", "--function-name", name, "--runtime", "python3.11",
			"--handler", "app.handler", "--role", roleARN, "--timeout", "900",
			"--zip-file", "fileb://" + zipAt(t, map[string]string{"app.py": code})}
		if env != "" {
			args = append(args, "--environment", "Variables={"+env+"}")
		}
		s.cli(t, aws2, args...)
	}

	t.Run("fails twice then succeeds: exactly 3 attempts", func(t *testing.T) {
		create("flaky", flakyPy, "SUCCEED_AT=3")
		out := s.cliJSON(t, aws2, "lambda", "invoke", "--function-name", "flaky", "--invocation-type", "Event",
			"--cli-binary-format", "raw-in-base64-out", "--payload", `{"n":1}`, filepath.Join(t.TempDir(), "out"))
		if out["StatusCode"] != float64(202) {
			t.Fatalf("event invoke: %v", out)
		}
		text := waitLog(t, logs, "flaky", `attempt 3 of`, 1)
		// The retry schedule is over after 3 minutes of clock (3 s).
		time.Sleep(4 * time.Second)
		text = logText(t, logs, "flaky")
		if n := strings.Count(text, "START RequestId"); n != 3 || strings.Contains(text, "attempt 4") {
			t.Fatalf("%d attempts:\n%s", n, text)
		}
		// All three attempts carry the request id the 202 answered with.
		ids := regexp.MustCompile(`attempt \d of (\S+)`).FindAllStringSubmatch(text, -1)
		if len(ids) != 3 || ids[0][1] != ids[1][1] || ids[1][1] != ids[2][1] {
			t.Errorf("request ids %v", ids)
		}
	})

	t.Run("OnFailure destination gets AWS's record", func(t *testing.T) {
		create("always", flakyPy, "")
		create("dest", "import json\ndef handler(event, context):\n    print('RECORD ' + json.dumps(event))\n", "")
		v := s.python(t, `
import boto3, json, os
c = boto3.client("lambda", endpoint_url=os.environ["ENDPOINT"])
cfg = c.put_function_event_invoke_config(FunctionName="always", MaximumRetryAttempts=1,
    DestinationConfig={"OnFailure": {"Destination": c.get_function(FunctionName="dest")["Configuration"]["FunctionArn"]}})
r = c.invoke(FunctionName="always", InvocationType="Event", Payload=b'{"order": 7}')
print(json.dumps({"status": r["StatusCode"], "rid": r["ResponseMetadata"]["RequestId"], "retries": cfg["MaximumRetryAttempts"]}))
`)
		if v["status"] != float64(202) || v["retries"] != float64(1) {
			t.Fatalf("%v", v)
		}
		text := waitLog(t, logs, "dest", `RECORD `, 1)
		line := text[strings.Index(text, "RECORD ")+len("RECORD "):]
		line = line[:strings.IndexByte(line, '\n')]
		var rec struct {
			Version        string `json:"version"`
			Timestamp      string `json:"timestamp"`
			RequestContext struct {
				RequestID              string `json:"requestId"`
				FunctionArn            string `json:"functionArn"`
				Condition              string `json:"condition"`
				ApproximateInvokeCount int    `json:"approximateInvokeCount"`
			} `json:"requestContext"`
			RequestPayload  map[string]any `json:"requestPayload"`
			ResponseContext struct {
				StatusCode      int    `json:"statusCode"`
				ExecutedVersion string `json:"executedVersion"`
				FunctionError   string `json:"functionError"`
			} `json:"responseContext"`
			ResponsePayload map[string]any `json:"responsePayload"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("record %s: %v", line, err)
		}
		rc := rec.RequestContext
		if rec.Version != "1.0" || rc.RequestID != v["rid"] || rc.FunctionArn != "arn:aws:lambda:us-east-1:000000000000:function:always:$LATEST" ||
			rc.Condition != "RetriesExhausted" || rc.ApproximateInvokeCount != 2 || rec.RequestPayload["order"] != float64(7) ||
			rec.ResponseContext.StatusCode != 200 || rec.ResponseContext.ExecutedVersion != "$LATEST" || rec.ResponseContext.FunctionError != "Unhandled" ||
			rec.ResponsePayload["errorType"] != "Exception" || !strings.HasPrefix(rec.Timestamp, "2026-01-01T") {
			t.Errorf("record = %s", line)
		}
	})

	t.Run("no destination: failure record, hako events replay", func(t *testing.T) {
		create("once", flakyPy, "SUCCEED_AT=2")
		s.cli(t, aws2, "lambda", "put-function-event-invoke-config", "--function-name", "once", "--maximum-retry-attempts", "0")
		s.cli(t, aws2, "lambda", "invoke", "--function-name", "once", "--invocation-type", "Event",
			"--cli-binary-format", "raw-in-base64-out", "--payload", `{"x":1}`, filepath.Join(t.TempDir(), "out"))
		var failed []map[string]any
		deadline := time.Now().Add(30 * time.Second)
		for len(failed) == 0 && time.Now().Before(deadline) {
			out, _, code := hakoCLI(t, "events", "failed", "--json", "--endpoint-url", s.URL)
			if code != 0 {
				t.Fatalf("hako events failed: exit %d", code)
			}
			json.Unmarshal([]byte(out), &failed)
			time.Sleep(100 * time.Millisecond)
		}
		if len(failed) != 1 || failed[0]["condition"] != "RetriesExhausted" || !strings.HasSuffix(failed[0]["function"].(string), ":once") {
			t.Fatalf("failed = %v", failed)
		}
		if n := strings.Count(logText(t, logs, "once"), "START RequestId"); n != 1 {
			t.Errorf("MaximumRetryAttempts 0 ran %d times", n)
		}
		table, _, _ := hakoCLI(t, "events", "failed", "--endpoint-url", s.URL)
		if !strings.Contains(table, failed[0]["id"].(string)) || !strings.Contains(table, "RetriesExhausted") {
			t.Errorf("table:\n%s", table)
		}
		out, stderr, code := hakoCLI(t, "events", "replay", failed[0]["id"].(string), "--endpoint-url", s.URL)
		if code != 0 || !strings.Contains(out, "queued again") {
			t.Fatalf("replay: %d %s %s", code, out, stderr)
		}
		waitLog(t, logs, "once", `attempt 2 of`, 1)
		if _, stderr, code := hakoCLI(t, "events", "replay", "nope", "--endpoint-url", s.URL); code == 0 || !strings.Contains(stderr, "no failed event nope") {
			t.Errorf("replay of an unknown id: %d %s", code, stderr)
		}
	})

	t.Run("throttled events expire at MaximumEventAgeInSeconds", func(t *testing.T) {
		create("held", flakyPy, "SUCCEED_AT=1")
		if _, err := c.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: aws.String("held"), ReservedConcurrentExecutions: aws.Int32(0)}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.PutFunctionEventInvokeConfig(ctx, &lambda.PutFunctionEventInvokeConfigInput{FunctionName: aws.String("held"), MaximumEventAgeInSeconds: aws.Int32(60)}); err != nil {
			t.Fatal(err)
		}
		out, err := c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("held"), InvocationType: types.InvocationTypeEvent, Payload: []byte(`{}`)})
		if err != nil || out.StatusCode != 202 {
			t.Fatalf("%v %v", out, err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			o, _, _ := hakoCLI(t, "events", "failed", "--json", "--endpoint-url", s.URL)
			if strings.Contains(o, `"EventAgeExceeded"`) && strings.Contains(o, ":held") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no EventAgeExceeded record:\n%s", o)
			}
			time.Sleep(100 * time.Millisecond)
		}
		if text := logText(t, logs, "held"); strings.Contains(text, "START") {
			t.Errorf("a throttled function ran:\n%s", text)
		}
	})

	t.Run("InvokeAsync (deprecated) through the CLI", func(t *testing.T) {
		create("legacy", "def handler(event, context):\n    print('legacy got %s' % event['v'])\n", "")
		args := filepath.Join(t.TempDir(), "args.json")
		if err := os.WriteFile(args, []byte(`{"v":"old-style"}`), 0o644); err != nil {
			t.Fatal(err)
		}
		out := s.cliJSON(t, aws2, "lambda", "invoke-async", "--function-name", "legacy", "--invoke-args", args)
		if out["Status"] != float64(202) {
			t.Fatalf("invoke-async: %v", out)
		}
		waitLog(t, logs, "legacy", `legacy got old-style`, 1)
	})

	t.Run("bad input", func(t *testing.T) {
		big := strings.Repeat("a", 1048576)
		_, err := c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("flaky"), InvocationType: types.InvocationTypeEvent, Payload: []byte(`"` + big + `"`)})
		if err == nil || !strings.Contains(err.Error(), "1048578 byte payload is too large for the Event invocation type (limit 1048576 bytes)") {
			t.Errorf("big event: %v", err)
		}
		_, err = c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("flaky"), InvocationType: types.InvocationTypeEvent, Payload: []byte(`{`)})
		var ire *types.InvalidRequestContentException
		if err == nil || !errors.As(err, &ire) {
			t.Errorf("bad json event: %v", err)
		}
		out, err := s.cliErr(t, aws2, "lambda", "put-function-event-invoke-config", "--function-name", "flaky", "--maximum-retry-attempts", "3")
		if err == nil || !strings.Contains(out, "ValidationException") {
			t.Errorf("retries 3: %s", out)
		}
	})
}

// TestLambdaAsyncSurvivesSIGKILL: an accepted event is delivered after
// the server is killed between the 202 and delivery, and an attempt the
// kill interrupted runs again.
func TestLambdaAsyncSurvivesSIGKILL(t *testing.T) {
	s := StartServer(t, "--clock", asyncClock)
	c := lambda.NewFromConfig(s.sdkConfig(t))
	logs := cwl.NewFromConfig(s.sdkConfig(t))
	code := zipFiles(t, map[string]string{"app.py": `import os, time
def handler(event, context):
    print("started %s %s" % (event["tag"], context.aws_request_id))
    if event.get("sleep"):
        time.sleep(event["sleep"])
    print("finished %s" % event["tag"])
    return "ok"
`}, nil)
	for _, name := range []string{"held", "slow"} {
		if _, err := c.CreateFunction(ctx, &lambda.CreateFunctionInput{
			FunctionName: aws.String(name), Runtime: "python3.11", Handler: aws.String("app.handler"),
			Role: aws.String(roleARN), Code: &types.FunctionCode{ZipFile: code}, Timeout: aws.Int32(900),
		}); err != nil {
			t.Fatal(err)
		}
	}
	// Held: no concurrency, so the event stays queued across the kill.
	if _, err := c.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: aws.String("held"), ReservedConcurrentExecutions: aws.Int32(0)}); err != nil {
		t.Fatal(err)
	}
	if out, err := c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("held"), InvocationType: types.InvocationTypeEvent, Payload: []byte(`{"tag":"held"}`)}); err != nil || out.StatusCode != 202 {
		t.Fatalf("%v %v", out, err)
	}
	// Slow: the kill lands during the attempt.
	if _, err := c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("slow"), InvocationType: types.InvocationTypeEvent, Payload: []byte(`{"tag":"slow","sleep":3}`)}); err != nil {
		t.Fatal(err)
	}
	waitLog(t, logs, "slow", `started slow`, 1)
	s.Kill()
	s.Restart()
	c = lambda.NewFromConfig(s.sdkConfig(t))
	logs = cwl.NewFromConfig(s.sdkConfig(t))
	text := waitLog(t, logs, "slow", `finished slow`, 1)
	if n := strings.Count(text, "started slow"); n < 2 {
		t.Errorf("the interrupted attempt did not run again:\n%s", text)
	}
	if _, err := c.DeleteFunctionConcurrency(ctx, &lambda.DeleteFunctionConcurrencyInput{FunctionName: aws.String("held")}); err != nil {
		t.Fatal(err)
	}
	waitLog(t, logs, "held", `finished held`, 1)
}
