package e2e

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
)

// zipDir zips the files of dir (flat) into path.
func zipDir(t *testing.T, dir, path string) {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() || strings.HasSuffix(e.Name(), ".md") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		w, _ := zw.Create(e.Name())
		w.Write(b)
	}
	zw.Close()
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestBookChapter2Divide runs the book's list 2-1 unchanged: created from a
// zip with the aws CLI v2, invoked with {"x":10,"y":2} and {"x":10,"y":0},
// and its prints found in CloudWatch Logs with START, END and REPORT.
func TestBookChapter2Divide(t *testing.T) {
	s := StartServer(t)
	zipPath := filepath.Join(t.TempDir(), "function.zip")
	zipDir(t, "../examples/ch2-divide", zipPath)
	const v2 = "/usr/bin/aws"
	s.cli(t, v2, "iam", "create-role", "--role-name", "role-lambdaexec", "--assume-role-policy-document", trust)
	created := s.cliJSON(t, v2, "lambda", "create-function", "--function-name", "myfunc01", "--runtime", "python3.12",
		"--handler", "lambda_function.myfunc01_handler", "--role", "arn:aws:iam::000000000000:role/role-lambdaexec",
		"--zip-file", "fileb://"+zipPath)
	if created["FunctionArn"] != "arn:aws:lambda:us-east-1:000000000000:function:myfunc01" {
		t.Fatalf("create-function = %v", created)
	}
	s.cli(t, v2, "lambda", "wait", "function-active-v2", "--function-name", "myfunc01")

	out := filepath.Join(t.TempDir(), "out.json")
	res := s.cliJSON(t, v2, "lambda", "invoke", "--function-name", "myfunc01", "--cli-binary-format", "raw-in-base64-out",
		"--payload", `{"x":10,"y":2}`, out)
	body, _ := os.ReadFile(out)
	if res["StatusCode"] != 200.0 || string(body) != `"{\"result\": 5.0}"` {
		t.Fatalf("invoke x=10,y=2: %v %s", res, body)
	}
	res = s.cliJSON(t, v2, "lambda", "invoke", "--function-name", "myfunc01", "--cli-binary-format", "raw-in-base64-out",
		"--payload", `{"x":10,"y":0}`, out)
	body, _ = os.ReadFile(out)
	var fnErr map[string]any
	json.Unmarshal(body, &fnErr)
	if res["FunctionError"] != "Unhandled" || fnErr["errorMessage"] != "division by zero" || fnErr["errorType"] != "ZeroDivisionError" {
		t.Fatalf("invoke x=10,y=0: %v %s", res, body)
	}

	// boto3 sees the same function the same way.
	py := s.python(t, `
import boto3, json, os
lam = boto3.client("lambda", endpoint_url=os.environ["ENDPOINT"])
r = lam.invoke(FunctionName="myfunc01", Payload=json.dumps({"x": 9, "y": 3}), LogType="Tail")
import base64
print(json.dumps({"payload": r["Payload"].read().decode(), "log": base64.b64decode(r["LogResult"]).decode()}))
`)
	if py["payload"] != `"{\"result\": 3.0}"` || !strings.Contains(py["log"].(string), "x = 9") {
		t.Fatalf("boto3 invoke: %v", py)
	}

	// The prints and AWS's START / END / REPORT lines are in the log group.
	c := cwl.NewFromConfig(s.sdkConfig(t))
	var all string
	for i := 0; i < 50; i++ {
		ev, err := c.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: aws.String("/aws/lambda/myfunc01")})
		if err == nil {
			var b strings.Builder
			for _, e := range ev.Events {
				b.WriteString(aws.ToString(e.Message))
				b.WriteString("\n")
			}
			all = b.String()
			if strings.Contains(all, "x = 10") && strings.Contains(all, "REPORT RequestId:") {
				break
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, want := range []string{"x = 10", "START RequestId: ", "Version: $LATEST", "END RequestId: ", "REPORT RequestId: ", "Billed Duration: ", "Init Duration: ", "ZeroDivisionError"} {
		if !strings.Contains(all, want) {
			t.Errorf("log group lacks %q:\n%s", want, all)
		}
	}
}
