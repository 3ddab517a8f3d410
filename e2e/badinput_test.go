package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// signedRaw sends a correctly signed request with a body no SDK would
// produce (malformed JSON, unknown targets): the error path of the server.
func signedRaw(t *testing.T, s *Server, service, target, contentType string, body []byte) (int, map[string]any, http.Header) {
	t.Helper()
	req, _ := http.NewRequest("POST", s.URL+"/", bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	if err := v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, req, sha256Hex(body), service, "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var v map[string]any
	json.Unmarshal(b, &v)
	if v == nil {
		v = map[string]any{"raw": string(b)}
	}
	return resp.StatusCode, v, resp.Header
}

func TestBadInputJSON(t *testing.T) {
	s := StartServer(t)
	const ct = "application/x-amz-json-1.1"
	status, body, hdr := signedRaw(t, s, "logs", "Logs_20140328.CreateLogGroup", ct, []byte(`{"logGroupName": "/x"`))
	if status != 400 || body["__type"] != "SerializationException" {
		t.Fatalf("malformed JSON: %d %v", status, body)
	}
	if hdr.Get("x-amzn-RequestId") == "" {
		t.Fatal("no x-amzn-RequestId")
	}
	status, body, _ = signedRaw(t, s, "logs", "Logs_20140328.NoSuchOperation", ct, []byte(`{}`))
	if status != 400 || body["__type"] != "UnknownOperationException" {
		t.Fatalf("unknown operation: %d %v", status, body)
	}
	status, body, _ = signedRaw(t, s, "logs", "Logs_20140328.StartLiveTail", ct, []byte(`{"logGroupIdentifiers":["arn:aws:logs:us-east-1:000000000000:log-group:x"]}`))
	if status != 501 || body["__type"] != "NotImplemented" || !strings.Contains(body["message"].(string), "StartLiveTail") {
		t.Fatalf("unimplemented operation: %d %v", status, body)
	}
}

// TestBadInputBoto3 sends invalid parameters with boto3's client-side
// validation turned off, as a buggy client would, and checks hako's error
// codes, messages and that nothing was stored.
func TestBadInputBoto3(t *testing.T) {
	s := StartServer(t)
	out := s.python(t, `
import boto3, json, os
from botocore.config import Config
from botocore.exceptions import ClientError
cfg = Config(parameter_validation=False, retries={"max_attempts": 1})
logs = boto3.client("logs", endpoint_url=os.environ["ENDPOINT"], config=cfg)
iam = boto3.client("iam", endpoint_url=os.environ["ENDPOINT"], config=cfg)
res = {}
def err(name, f):
    try:
        f()
        res[name] = None
    except ClientError as e:
        res[name] = {"code": e.response["Error"]["Code"], "message": e.response["Error"]["Message"], "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}
err("missing", lambda: logs.create_log_group())
err("pattern", lambda: logs.create_log_group(logGroupName="bad:name"))
err("range", lambda: logs.describe_log_groups(limit=0))
err("retention", lambda: logs.put_retention_policy(logGroupName="/x", retentionInDays=2))
err("iam_missing", lambda: iam.create_role(RoleName="r"))
err("iam_nosuch", lambda: iam.get_role(RoleName="nobody"))
res["groups"] = len(logs.describe_log_groups()["logGroups"])
res["roles"] = len(iam.list_roles()["Roles"])
print(json.dumps(res))
`)
	want := map[string][3]any{
		"missing":     {"InvalidParameterException", "1 validation error detected: Value null at 'logGroupName' failed to satisfy constraint: Member must not be null", 400.0},
		"pattern":     {"InvalidParameterException", "1 validation error detected: Value 'bad:name' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+", 400.0},
		"range":       {"InvalidParameterException", "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1", 400.0},
		"iam_missing": {"ValidationError", "1 validation error detected: Value null at 'assumeRolePolicyDocument' failed to satisfy constraint: Member must not be null", 400.0},
		"iam_nosuch":  {"NoSuchEntity", "The role with name nobody cannot be found.", 404.0},
	}
	for name, w := range want {
		got, _ := out[name].(map[string]any)
		if got == nil || got["code"] != w[0] || got["message"] != w[1] || got["status"] != w[2] {
			t.Errorf("%s: got %v, want %v", name, got, w)
		}
	}
	if r, _ := out["retention"].(map[string]any); r == nil || r["code"] != "InvalidParameterException" {
		t.Errorf("retention 2 days: %v", out["retention"])
	}
	if out["groups"] != 0.0 || out["roles"] != 0.0 {
		t.Errorf("bad input stored something: %v groups, %v roles", out["groups"], out["roles"])
	}
}

func TestBadInputQuery(t *testing.T) {
	s := StartServer(t)
	const ct = "application/x-www-form-urlencoded"
	post := func(body string) (int, string) {
		status, v, _ := signedRaw(t, s, "iam", "", ct, []byte(body))
		return status, v["raw"].(string)
	}
	status, body := post("Action=NoSuchThing&Version=2010-05-08")
	if status != 400 || !strings.Contains(body, "<Code>InvalidAction</Code>") {
		t.Fatalf("unknown action: %d %s", status, body)
	}
	status, body = post("Version=2010-05-08&RoleName=x")
	if status != 400 || !strings.Contains(body, "<Code>MissingAction</Code>") {
		t.Fatalf("missing action: %d %s", status, body)
	}
	status, body = post("Action=CreateRole&Version=2010-05-08&RoleName=x&AssumeRolePolicyDocument=%7B&MaxSessionDuration=abc")
	if status != 400 || !strings.Contains(body, "<Type>Sender</Type>") {
		t.Fatalf("non-numeric MaxSessionDuration: %d %s", status, body)
	}
	status, body = post("Action=ListRoles&Version=2010-05-08")
	if status != 200 || strings.Contains(body, "<member>") {
		t.Fatalf("nothing must have been stored: %d %s", status, body)
	}
}
