package e2e

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// waitObject polls (real time, up to 60 s) until bucket/key exists and
// returns its body.
func waitObject(t *testing.T, c *s3.Client, bucket, key string) []byte {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		if err == nil {
			b, err := io.ReadAll(out.Body)
			out.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		var nsk *types.NoSuchKey
		if !errors.As(err, &nsk) {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("s3://%s/%s did not appear", bucket, key)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func keysOf(t *testing.T, c *s3.Client, bucket, prefix string) []string {
	t.Helper()
	out, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range out.Contents {
		keys = append(keys, aws.ToString(o.Key))
	}
	return keys
}

// unzipWith opens a ZipCrypto archive with password; Go's archive/zip has
// no decryption, so Python's zipfile (and unzip -P where installed) read it.
func unzipWith(t *testing.T, archive []byte, name, password string) (string, error) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "a.zip")
	if err := os.WriteFile(p, archive, 0o644); err != nil {
		t.Fatal(err)
	}
	// The entry must be flagged encrypted: a plain zip would read with any
	// password.
	zr, err := zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		t.Fatalf("not a zip: %v", err)
	}
	if len(zr.File) != 1 || zr.File[0].Name != name || zr.File[0].Flags&1 == 0 {
		t.Fatalf("zip entries: %+v", zr.File)
	}
	out, err := exec.Command("python3", "-c", `import sys, zipfile
sys.stdout.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2], pwd=sys.argv[3].encode()).decode())`, p, name, password).CombinedOutput()
	if err != nil {
		return string(out), err
	}
	if _, lerr := exec.LookPath("unzip"); lerr == nil {
		u, uerr := exec.Command("unzip", "-P", password, "-p", p, name).Output()
		if uerr != nil || string(u) != string(out) {
			t.Errorf("unzip -P: %v %q, zipfile read %q", uerr, u, out)
		}
	}
	return string(out), nil
}

// TestS3BookChapter4EncryptedZip runs the book's chapter 4 under
// examples/ch4-encrypted-zip: an upload to one bucket invokes the Python
// function through an S3 event notification, and a password-protected ZIP
// of the file appears in the other bucket. AWS's destination check comes
// first (the function's policy must let s3.amazonaws.com invoke it); the
// one-bucket variant shows the book's warning respected by a filter.
func TestS3BookChapter4EncryptedZip(t *testing.T) {
	s := StartServer(t)
	const v2 = "/usr/bin/aws"
	c := s3.NewFromConfig(s.sdkConfig(t), func(o *s3.Options) { o.UsePathStyle = true })
	logs := cwl.NewFromConfig(s.sdkConfig(t))
	zipPath := filepath.Join(t.TempDir(), "function.zip")
	zipDir(t, "../examples/ch4-encrypted-zip", zipPath)
	s.cli(t, v2, "s3", "mb", "s3://exampleread000")
	s.cli(t, v2, "s3", "mb", "s3://examplewrite000")
	s.cli(t, v2, "iam", "create-role", "--role-name", "role-lambdaexec", "--assume-role-policy-document", trust)
	s.cli(t, v2, "lambda", "create-function", "--function-name", "s3zip", "--runtime", "python3.12",
		"--handler", "lambda_function.lambda_handler", "--timeout", "60", "--role", roleARN, "--zip-file", "fileb://"+zipPath)
	s.cli(t, v2, "lambda", "wait", "function-active-v2", "--function-name", "s3zip")
	fn := "arn:aws:lambda:us-east-1:000000000000:function:s3zip"
	cfg := `{"LambdaFunctionConfigurations":[{"Id":"zip","LambdaFunctionArn":"` + fn + `","Events":["s3:ObjectCreated:*"]}]}`

	// Without a permission for s3.amazonaws.com, AWS refuses the
	// destination and stores nothing.
	out, err := s.cliErr(t, v2, "s3api", "put-bucket-notification-configuration", "--bucket", "exampleread000", "--notification-configuration", cfg)
	if err == nil || !strings.Contains(out, "InvalidArgument") || !strings.Contains(out, "Unable to validate the following destination configurations") {
		t.Fatalf("put without permission: %v\n%s", err, out)
	}
	if got := s.cliJSON(t, v2, "s3api", "get-bucket-notification-configuration", "--bucket", "exampleread000"); len(got) != 0 {
		t.Fatalf("refused configuration was stored: %v", got)
	}
	s.cli(t, v2, "lambda", "add-permission", "--function-name", "s3zip", "--statement-id", "s3", "--action", "lambda:InvokeFunction",
		"--principal", "s3.amazonaws.com", "--source-arn", "arn:aws:s3:::exampleread000", "--source-account", "000000000000")
	s.cli(t, v2, "s3api", "put-bucket-notification-configuration", "--bucket", "exampleread000", "--notification-configuration", cfg)
	got := s.cliJSON(t, "aws", "s3api", "get-bucket-notification-configuration", "--bucket", "exampleread000")
	lfc, _ := got["LambdaFunctionConfigurations"].([]any)
	if len(lfc) != 1 || lfc[0].(map[string]any)["LambdaFunctionArn"] != fn || lfc[0].(map[string]any)["Id"] != "zip" {
		t.Fatalf("get (aws CLI v1) = %v", got)
	}

	// An upload with the aws CLI v2, another with boto3's upload_file.
	src := filepath.Join(t.TempDir(), "my report.txt")
	secret := "quarterly numbers: 42\n"
	os.WriteFile(src, []byte(secret), 0o644)
	s.cli(t, v2, "s3", "cp", src, "s3://exampleread000/")
	s.python(t, `
import boto3, json, os, sys
open("/tmp/hako-ch4-boto3.txt", "w").write("from boto3\n")
boto3.client("s3", endpoint_url=os.environ["ENDPOINT"]).upload_file("/tmp/hako-ch4-boto3.txt", "exampleread000", "docs/boto3 (1).txt")
print(json.dumps({}))`)
	for _, tc := range []struct{ key, name, want string }{
		{"my report.txt.zip", "my report.txt", secret},
		{"docs/boto3 (1).txt.zip", "boto3 (1).txt", "from boto3\n"},
	} {
		archive := waitObject(t, c, "examplewrite000", tc.key)
		text, err := unzipWith(t, archive, tc.name, "mypassword")
		if err != nil || text != tc.want {
			t.Errorf("%s: %v %q", tc.key, err, text)
		}
		if _, err := unzipWith(t, archive, tc.name, "not-the-password"); err == nil {
			t.Errorf("%s opened with a wrong password", tc.key)
		}
	}
	if keys := keysOf(t, c, "exampleread000", ""); len(keys) != 2 {
		t.Errorf("source bucket changed: %v", keys)
	}

	// One bucket: the trigger only sees upload/, the function writes under
	// zipped/, so its own output triggers nothing.
	s.cli(t, v2, "lambda", "update-function-configuration", "--function-name", "s3zip",
		"--environment", "Variables={DEST_BUCKET=exampleread000,DEST_PREFIX=zipped/}")
	s.cli(t, v2, "lambda", "wait", "function-updated-v2", "--function-name", "s3zip")
	s.cli(t, v2, "s3api", "put-bucket-notification-configuration", "--bucket", "exampleread000", "--notification-configuration",
		`{"LambdaFunctionConfigurations":[{"Id":"zip","LambdaFunctionArn":"`+fn+`","Events":["s3:ObjectCreated:*"],
		  "Filter":{"Key":{"FilterRules":[{"Name":"prefix","Value":"upload/"}]}}}]}`)
	before := strings.Count(logText(t, logs, "s3zip"), "zipped s3://")
	s.cli(t, v2, "s3", "cp", src, "s3://exampleread000/upload/loop.txt")
	archive := waitObject(t, c, "exampleread000", "zipped/upload/loop.txt.zip")
	if text, err := unzipWith(t, archive, "loop.txt", "mypassword"); err != nil || text != secret {
		t.Errorf("loop.txt.zip: %v %q", err, text)
	}
	// Give a loop the time to show (a second invocation would be queued
	// right after the first wrote its output).
	time.Sleep(2 * time.Second)
	if n := strings.Count(logText(t, logs, "s3zip"), "zipped s3://") - before; n != 1 {
		t.Errorf("function ran %d times for one upload", n)
	}
	if keys := keysOf(t, c, "exampleread000", "zipped/"); len(keys) != 1 {
		t.Errorf("zipped/: %v", keys)
	}
}

// recordPy prints each event record it gets as one JSON line.
const recordPy = `import json
def handler(event, context):
    for r in event["Records"]:
        print("RECORD " + json.dumps(r))
`

// records returns the records a function printed so far.
func records(t *testing.T, c *cwl.Client, fn string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, m := range regexp.MustCompile(`RECORD (.*)`).FindAllStringSubmatch(logText(t, c, fn), -1) {
		var r map[string]any
		if err := json.Unmarshal([]byte(m[1]), &r); err != nil {
			t.Fatalf("record %q: %v", m[1], err)
		}
		out = append(out, r)
	}
	return out
}

// TestS3NotificationFilters: seed 003's trigger — object-created events
// with prefix and suffix filters select which uploads run the function —
// with boto3 and aws-sdk-go-v2, AWS's record shape, removal events, and
// AWS's refusals (overlapping rules, bad filters, bad ARNs), the
// skip-destination-validation header of the aws CLI.
func TestS3NotificationFilters(t *testing.T) {
	s := StartServer(t)
	const v2 = "/usr/bin/aws"
	logs := cwl.NewFromConfig(s.sdkConfig(t))
	c := s3.NewFromConfig(s.sdkConfig(t), func(o *s3.Options) { o.UsePathStyle = true })
	for _, fn := range []string{"csvs", "gone"} {
		s.cli(t, v2, "lambda", "create-function", "--function-name", fn, "--runtime", "python3.12", "--handler", "app.handler",
			"--role", roleARN, "--zip-file", "fileb://"+zipAt(t, map[string]string{"app.py": recordPy}))
		s.cli(t, v2, "lambda", "add-permission", "--function-name", fn, "--statement-id", "s3", "--action", "lambda:InvokeFunction",
			"--principal", "s3.amazonaws.com", "--source-arn", "arn:aws:s3:::seed003-bucket")
	}
	s.cli(t, v2, "s3", "mb", "s3://seed003-bucket")
	v := s.python(t, `
import boto3, json, os
s3 = boto3.client("s3", endpoint_url=os.environ["ENDPOINT"])
arn = lambda n: "arn:aws:lambda:us-east-1:000000000000:function:" + n
s3.put_bucket_notification_configuration(Bucket="seed003-bucket", NotificationConfiguration={
  "LambdaFunctionConfigurations": [
    {"Id": "csv-in", "LambdaFunctionArn": arn("csvs"), "Events": ["s3:ObjectCreated:*"],
     "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "incoming/"}, {"Name": "suffix", "Value": ".csv"}]}}},
    {"Id": "removed", "LambdaFunctionArn": arn("gone"), "Events": ["s3:ObjectRemoved:*"]}]})
errs = {}
def expect(name, cfg):
    try:
        s3.put_bucket_notification_configuration(Bucket="seed003-bucket", NotificationConfiguration=cfg)
        errs[name] = "accepted"
    except Exception as e:
        errs[name] = "%s: %s" % (e.response["Error"]["Code"], e.response["Error"]["Message"])
f = lambda rules: {"Key": {"FilterRules": rules}}
expect("overlap", {"LambdaFunctionConfigurations": [
    {"LambdaFunctionArn": arn("csvs"), "Events": ["s3:ObjectCreated:*"], "Filter": f([{"Name": "prefix", "Value": "in"}])},
    {"LambdaFunctionArn": arn("gone"), "Events": ["s3:ObjectCreated:Put"], "Filter": f([{"Name": "prefix", "Value": "incoming/"}])}]})
expect("two-prefixes", {"LambdaFunctionConfigurations": [
    {"LambdaFunctionArn": arn("csvs"), "Events": ["s3:ObjectCreated:*"], "Filter": f([{"Name": "prefix", "Value": "a"}, {"Name": "prefix", "Value": "b"}])}]})
expect("bad-arn", {"LambdaFunctionConfigurations": [{"LambdaFunctionArn": "csvs", "Events": ["s3:ObjectCreated:*"]}]})
expect("other-region", {"LambdaFunctionConfigurations": [{"LambdaFunctionArn": "arn:aws:lambda:eu-west-1:000000000000:function:csvs", "Events": ["s3:ObjectCreated:*"]}]})
expect("no-such-function", {"LambdaFunctionConfigurations": [{"LambdaFunctionArn": arn("nope"), "Events": ["s3:ObjectCreated:*"]}]})
expect("bad-event", {"LambdaFunctionConfigurations": [{"LambdaFunctionArn": arn("csvs"), "Events": ["s3:ObjectCreated:Get"]}]})
# Disjoint prefixes with the same events do not overlap.
expect("disjoint", {"LambdaFunctionConfigurations": [
    {"Id": "csv-in", "LambdaFunctionArn": arn("csvs"), "Events": ["s3:ObjectCreated:*"], "Filter": f([{"Name": "prefix", "Value": "incoming/"}, {"Name": "suffix", "Value": ".csv"}])},
    {"Id": "removed", "LambdaFunctionArn": arn("gone"), "Events": ["s3:ObjectRemoved:*"]},
    {"Id": "other", "LambdaFunctionArn": arn("gone"), "Events": ["s3:ObjectCreated:*"], "Filter": f([{"Name": "prefix", "Value": "archive/"}])}]})
cfg = s3.get_bucket_notification_configuration(Bucket="seed003-bucket")
print(json.dumps({"errs": errs, "ids": sorted(c["Id"] for c in cfg["LambdaFunctionConfigurations"])}))
`)
	errs := v["errs"].(map[string]any)
	for name, want := range map[string]string{
		"overlap":          "InvalidArgument: Configurations overlap. Configurations on the same bucket cannot share a common event type.",
		"two-prefixes":     "InvalidArgument: Cannot specify more than one prefix rule in a filter.",
		"bad-arn":          "InvalidArgument: The ARN could not be parsed",
		"other-region":     "InvalidArgument: The notification destination service region is not valid for the bucket location constraint",
		"no-such-function": "InvalidArgument: Unable to validate the following destination configurations",
		"bad-event":        "InvalidArgument",
		"disjoint":         "accepted",
	} {
		if got, _ := errs[name].(string); !strings.HasPrefix(got, want) {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	if ids := v["ids"].([]any); len(ids) != 3 {
		t.Errorf("ids after the refusals: %v", ids)
	}

	// aws-sdk-go-v2 reads the configuration back (CloudFunctionConfiguration
	// on the wire).
	nc, err := c.GetBucketNotificationConfiguration(ctx, &s3.GetBucketNotificationConfigurationInput{Bucket: aws.String("seed003-bucket")})
	if err != nil {
		t.Fatal(err)
	}
	var rules []string
	for _, l := range nc.LambdaFunctionConfigurations {
		if aws.ToString(l.Id) == "csv-in" {
			for _, r := range l.Filter.Key.FilterRules {
				rules = append(rules, string(r.Name)+"="+aws.ToString(r.Value))
			}
		}
	}
	sort.Strings(rules)
	if strings.Join(rules, ",") != "prefix=incoming/,suffix=.csv" {
		t.Errorf("go sdk filter rules: %v", rules)
	}

	// Uploads: only incoming/*.csv runs csvs.
	for _, key := range []string{"incoming/a.csv", "incoming/b.txt", "other/c.csv", "incoming/sub dir/d+e.csv", "incoming.csv"} {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("seed003-bucket"), Key: aws.String(key), Body: strings.NewReader("x,y\n1,2\n")}); err != nil {
			t.Fatal(err)
		}
	}
	waitLog(t, logs, "csvs", `RECORD`, 2)
	time.Sleep(time.Second) // anything wrongly triggered would show by now
	recs := records(t, logs, "csvs")
	var keys []string
	for _, r := range recs {
		keys = append(keys, r["s3"].(map[string]any)["object"].(map[string]any)["key"].(string))
	}
	sort.Strings(keys)
	// Keys are form-urlencoded in records: space '+', '+' %2B.
	if strings.Join(keys, " ") != "incoming/a.csv incoming/sub+dir/d%2Be.csv" {
		t.Errorf("triggered by %v", keys)
	}
	r := recs[0]
	s3part := r["s3"].(map[string]any)
	obj := s3part["object"].(map[string]any)
	if r["eventVersion"] != "2.1" || r["eventSource"] != "aws:s3" || r["awsRegion"] != "us-east-1" || r["eventName"] != "ObjectCreated:Put" ||
		s3part["s3SchemaVersion"] != "1.0" || s3part["configurationId"] != "csv-in" ||
		s3part["bucket"].(map[string]any)["arn"] != "arn:aws:s3:::seed003-bucket" ||
		obj["size"] != float64(8) || obj["eTag"] != "344fd2323dd33d5c058b7cf27de029e8" || len(obj["sequencer"].(string)) == 0 ||
		r["requestParameters"].(map[string]any)["sourceIPAddress"] != "127.0.0.1" ||
		!regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`).MatchString(r["eventTime"].(string)) {
		t.Errorf("record: %v", r)
	}
	if rid, _ := r["responseElements"].(map[string]any)["x-amz-request-id"].(string); rid == "" {
		t.Errorf("record without a request id: %v", r)
	}

	// Removals: the record has no size or eTag.
	s.cli(t, v2, "s3", "rm", "s3://seed003-bucket/other/c.csv")
	if _, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("seed003-bucket"), Delete: &types.Delete{
		Objects: []types.ObjectIdentifier{{Key: aws.String("incoming/a.csv")}, {Key: aws.String("incoming/b.txt")}}}}); err != nil {
		t.Fatal(err)
	}
	waitLog(t, logs, "gone", `RECORD`, 3)
	gone := records(t, logs, "gone")
	keys = keys[:0]
	for _, r := range gone {
		o := r["s3"].(map[string]any)["object"].(map[string]any)
		keys = append(keys, o["key"].(string))
		if r["eventName"] != "ObjectRemoved:Delete" || o["size"] != nil || o["eTag"] != nil {
			t.Errorf("removal record: %v", r)
		}
	}
	sort.Strings(keys)
	if strings.Join(keys, " ") != "incoming/a.csv incoming/b.txt other/c.csv" {
		t.Errorf("removals: %v", keys)
	}

	// x-amz-skip-destination-validation: accepted without the policy check.
	out, err := s.cliErr(t, v2, "s3api", "put-bucket-notification-configuration", "--bucket", "seed003-bucket",
		"--notification-configuration", `{"LambdaFunctionConfigurations":[{"LambdaFunctionArn":"arn:aws:lambda:us-east-1:000000000000:function:unknown","Events":["s3:ObjectCreated:*"]}]}`)
	if err == nil {
		t.Fatalf("unknown function accepted:\n%s", out)
	}
	s.cli(t, v2, "s3api", "put-bucket-notification-configuration", "--bucket", "seed003-bucket", "--skip-destination-validation",
		"--notification-configuration", `{"LambdaFunctionConfigurations":[{"LambdaFunctionArn":"arn:aws:lambda:us-east-1:000000000000:function:unknown","Events":["s3:ObjectCreated:*"]}]}`)
	// An empty configuration turns notifications off.
	if _, err := c.PutBucketNotificationConfiguration(ctx, &s3.PutBucketNotificationConfigurationInput{Bucket: aws.String("seed003-bucket"),
		NotificationConfiguration: &types.NotificationConfiguration{}}); err != nil {
		t.Fatal(err)
	}
	if got := s.cliJSON(t, v2, "s3api", "get-bucket-notification-configuration", "--bucket", "seed003-bucket"); len(got) != 0 {
		t.Errorf("after clearing: %v", got)
	}
	_, err = c.GetBucketNotificationConfiguration(ctx, &s3.GetBucketNotificationConfigurationInput{Bucket: aws.String("no-such-bucket-here")})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "NoSuchBucket" {
		t.Errorf("missing bucket: %v", err)
	}
}

// TestS3Lifecycle: seed 001's rule of one day, set with the aws CLI v2 and
// read back with boto3, on a clock running 20,000 times faster than real
// time: HeadObject reports x-amz-expiration at the midnight UTC after one
// day, and the sweeper removes the object then (its event is checked by
// the package's unit tests).
func TestS3Lifecycle(t *testing.T) {
	s := StartServer(t, "--clock", "fixed:2026-01-01T22:00:00Z,speed=20000")
	const v2 = "/usr/bin/aws"
	c := s3.NewFromConfig(s.sdkConfig(t), func(o *s3.Options) { o.UsePathStyle = true })
	s.cli(t, v2, "s3", "mb", "s3://seed001-downloads")
	for _, key := range []string{"user-42/export.zip", "static/logo.png"} {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("seed001-downloads"), Key: aws.String(key), Body: strings.NewReader("zip")}); err != nil {
			t.Fatal(err)
		}
	}
	s.cli(t, v2, "s3api", "put-bucket-lifecycle-configuration", "--bucket", "seed001-downloads", "--lifecycle-configuration",
		`{"Rules":[{"ID":"expire-user-files","Status":"Enabled","Filter":{"Prefix":"user-"},"Expiration":{"Days":1}}]}`)
	v := s.python(t, `
import boto3, json, os
s3 = boto3.client("s3", endpoint_url=os.environ["ENDPOINT"])
r = s3.get_bucket_lifecycle_configuration(Bucket="seed001-downloads")["Rules"]
h = s3.head_object(Bucket="seed001-downloads", Key="user-42/export.zip")
p = s3.put_object(Bucket="seed001-downloads", Key="user-43/export.zip", Body=b"zip")
print(json.dumps({"rules": r, "expiration": h.get("Expiration", ""), "modified": h["LastModified"].isoformat(), "put": p.get("Expiration", "")}))`)
	rules := v["rules"].([]any)
	if len(rules) != 1 || rules[0].(map[string]any)["ID"] != "expire-user-files" {
		t.Fatalf("rules %v", rules)
	}
	// Created on 1 or 2 January (the clock runs): expiry is the midnight
	// after one day.
	modified, _ := time.Parse(time.RFC3339, v["modified"].(string))
	want := modified.UTC().Add(24 * time.Hour).Truncate(24 * time.Hour).Add(24 * time.Hour)
	if exp := v["expiration"].(string); exp != `expiry-date="`+want.Format(http.TimeFormat)+`", rule-id="expire-user-files"` {
		t.Errorf("Expiration %q (modified %s)", exp, modified)
	}
	if put := v["put"].(string); !strings.HasPrefix(put, `expiry-date="`) || !strings.HasSuffix(put, `", rule-id="expire-user-files"`) {
		t.Errorf("PutObject Expiration %q", put)
	}
	deadline := time.Now().Add(60 * time.Second)
	for len(keysOf(t, c, "seed001-downloads", "user-42/")) > 0 {
		if time.Now().After(deadline) {
			t.Fatal("the lifecycle rule did not remove the object")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if keys := keysOf(t, c, "seed001-downloads", ""); len(keys) != 1 || keys[0] != "static/logo.png" {
		t.Errorf("left: %v", keys)
	}
	out, err := s.cliErr(t, v2, "s3api", "put-bucket-lifecycle-configuration", "--bucket", "seed001-downloads", "--lifecycle-configuration",
		`{"Rules":[{"ID":"x","Status":"Enabled","Filter":{"Prefix":""},"Expiration":{"Days":0}}]}`)
	if err == nil || !strings.Contains(out, "InvalidArgument") {
		t.Errorf("Days 0: %v %s", err, out)
	}
	s.cli(t, "aws", "s3api", "delete-bucket-lifecycle", "--bucket", "seed001-downloads")
	if out, err := s.cliErr(t, v2, "s3api", "get-bucket-lifecycle-configuration", "--bucket", "seed001-downloads"); err == nil || !strings.Contains(out, "NoSuchLifecycleConfiguration") {
		t.Errorf("after delete: %v %s", err, out)
	}
}
