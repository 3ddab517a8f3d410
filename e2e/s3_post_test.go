package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestS3PresignedPost: boto3's generate_presigned_post, uploaded as a
// browser form would (multipart/form-data) with Python's urllib and with
// curl -F, against a server that knows the key (so the policy's SigV4
// signature is verified): conditions, content-length-range, expiry,
// tampered fields and signatures.
func TestS3PresignedPost(t *testing.T) {
	s := StartServer(t, "--credentials", "AKIAPOSTTEST000000001:post-secret")
	v := s.python(t, `
import boto3, json, os, urllib.request, uuid
s3 = boto3.client("s3", endpoint_url=os.environ["ENDPOINT"], aws_access_key_id="AKIAPOSTTEST000000001", aws_secret_access_key="post-secret")
s3.create_bucket(Bucket="post-bucket")
def post(p, body=b"hello from a form", fields=None, filename="note.txt"):
    f = dict(p["fields"]); f.update(fields or {})
    b = "----hako" + uuid.uuid4().hex
    parts = []
    for k, v in f.items():
        parts.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n" % (b, k, v)).encode())
    parts.append(("--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"%s\"\r\nContent-Type: text/plain\r\n\r\n" % (b, filename)).encode() + body + ("\r\n--%s--\r\n" % b).encode())
    req = urllib.request.Request(p["url"], data=b"".join(parts), method="POST", headers={"Content-Type": "multipart/form-data; boundary=" + b})
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
p = s3.generate_presigned_post("post-bucket", "uploads/${filename}", Fields={"Content-Type": "text/plain", "success_action_status": "201"},
    Conditions=[{"Content-Type": "text/plain"}, {"success_action_status": "201"}, ["starts-with", "$key", "uploads/"], ["content-length-range", 1, 100]], ExpiresIn=3600)
out = {"fields": p["fields"], "url": p["url"]}
out["ok"] = post(p)
o = s3.get_object(Bucket="post-bucket", Key="uploads/note.txt")
out["body"], out["ct"] = o["Body"].read().decode(), o["ContentType"]
out["too_large"] = post(p, body=b"x" * 101, filename="big.txt")
out["empty"] = post(p, body=b"", filename="empty.txt")
out["tampered_type"] = post(p, fields={"Content-Type": "text/html"}, filename="t.txt")
out["extra_field"] = post(p, fields={"x-amz-meta-extra": "1"}, filename="e.txt")
sigfield = "x-amz-signature" if "x-amz-signature" in p["fields"] else "signature"
out["bad_signature"] = post(p, fields={sigfield: "0" * 64 if sigfield == "x-amz-signature" else "AAAAAAAAAAAAAAAAAAAAAAAAAAA="}, filename="s.txt")
# The other signature version too: botocore signs presigned POSTs with
# SigV2 (AWSAccessKeyId, signature) or, when told, SigV4.
from botocore.config import Config
other = "s3v4" if sigfield == "signature" else "s3"
s3b = boto3.client("s3", endpoint_url=os.environ["ENDPOINT"], aws_access_key_id="AKIAPOSTTEST000000001", aws_secret_access_key="post-secret", config=Config(signature_version=other))
p2 = s3b.generate_presigned_post("post-bucket", "uploads/${filename}", ExpiresIn=600)
out["other_version"] = [sorted(p2["fields"]), post(p2, filename="v.txt")]
out["other_bad"] = post(p2, fields={k: "AAAA" + v[4:] for k, v in p2["fields"].items() if k in ("signature", "x-amz-signature")}, filename="w.txt")
expired = s3.generate_presigned_post("post-bucket", "uploads/late.txt", ExpiresIn=-10)
out["expired"] = post(expired, filename="late.txt")
out["keys"] = sorted(x["Key"] for x in s3.list_objects_v2(Bucket="post-bucket").get("Contents", []))
print(json.dumps(out))
`)
	if ok := v["ok"].([]any); ok[0] != float64(201) || !strings.Contains(ok[1].(string), "<Key>uploads/note.txt</Key>") {
		t.Errorf("post: %v", ok)
	}
	if v["body"] != "hello from a form" || v["ct"] != "text/plain" {
		t.Errorf("stored: %q %q", v["body"], v["ct"])
	}
	for name, want := range map[string]string{
		"too_large":     "EntityTooLarge",
		"empty":         "EntityTooSmall",
		"tampered_type": "Policy Condition failed",
		"extra_field":   "Extra input fields: x-amz-meta-extra",
		"bad_signature": "SignatureDoesNotMatch",
		"expired":       "Policy expired",
	} {
		r := v[name].([]any)
		if r[0].(float64) < 400 || !strings.Contains(r[1].(string), want) {
			t.Errorf("%s: %v, want %s", name, r, want)
		}
	}
	if ov := v["other_version"].([]any); ov[1].([]any)[0] != float64(204) {
		t.Errorf("other signature version %v", ov)
	}
	if r := v["other_bad"].([]any); r[0] != float64(403) {
		t.Errorf("other version, bad signature: %v", r)
	}
	if keys := v["keys"].([]any); len(keys) != 2 {
		t.Errorf("refused posts stored objects: %v", keys)
	}

	// curl -F, as a shell script would post the same form.
	if _, err := exec.LookPath("curl"); err == nil {
		args := []string{"-s", "-o", "/dev/null", "-w", "%{http_code}"}
		for k, val := range v["fields"].(map[string]any) {
			args = append(args, "-F", k+"="+val.(string))
		}
		src := filepath.Join(t.TempDir(), "curl.txt")
		os.WriteFile(src, []byte("via curl"), 0o644)
		args = append(args, "-F", "file=@"+src, v["url"].(string))
		out, err := exec.Command("curl", args...).Output()
		if err != nil || string(out) != "201" {
			t.Errorf("curl -F: %v %s", err, out)
		}
		got := s.python(t, `
import boto3, json, os
s3 = boto3.client("s3", endpoint_url=os.environ["ENDPOINT"], aws_access_key_id="AKIAPOSTTEST000000001", aws_secret_access_key="post-secret")
print(json.dumps({"b": s3.get_object(Bucket="post-bucket", Key="uploads/curl.txt")["Body"].read().decode()}))`)
		if got["b"] != "via curl" {
			t.Errorf("curl upload: %v", got)
		}
	}
}

// TestS3PresignSDKJS: seed 001's browser-side presign — aws-sdk-js v2's
// getSignedUrl('getObject', {Expires: 900}), made in node, downloaded with
// curl; the same URL with a changed key is refused.
func TestS3PresignSDKJS(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node not installed")
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	npm := exec.CommandContext(ctx, "npm", "install", "--silent", "--no-audit", "--no-fund", "aws-sdk@2")
	npm.Dir = dir
	if out, err := npm.CombinedOutput(); err != nil {
		t.Skipf("npm install aws-sdk: %v\n%s", err, out)
	}
	// A known key, so the URL's signature is verified (hako accepts
	// unknown keys unverified on loopback).
	s := StartServer(t, "--credentials", "AKIAJSPRESIGN0000001:js-secret")
	const v2 = "/usr/bin/aws"
	s.cli(t, v2, "s3", "mb", "s3://seed001-files")
	src := filepath.Join(t.TempDir(), "export.zip")
	os.WriteFile(src, []byte("zip of the user's files"), 0o644)
	s.cli(t, v2, "s3", "cp", src, "s3://seed001-files/user-7/export.zip")
	script := `
const AWS = require("aws-sdk");
const s3 = new AWS.S3({endpoint: process.env.ENDPOINT, s3ForcePathStyle: true, region: "us-east-1",
  accessKeyId: "AKIAJSPRESIGN0000001", secretAccessKey: "js-secret"});
console.log(s3.getSignedUrl("getObject", {Bucket: "seed001-files", Key: "user-7/export.zip", Expires: 900}));
`
	os.WriteFile(filepath.Join(dir, "presign.js"), []byte(script), 0o644)
	node := exec.Command("node", "presign.js")
	node.Dir = dir
	node.Env = append(os.Environ(), "ENDPOINT="+s.URL)
	out, err := node.Output()
	if err != nil {
		t.Fatalf("node: %v %s", err, out)
	}
	url := strings.TrimSpace(string(out))
	if !strings.Contains(url, "Expires=") && !strings.Contains(url, "X-Amz-Expires=900") {
		t.Fatalf("url %s", url)
	}
	got, err := exec.Command("curl", "-sf", url).Output()
	if err != nil || string(got) != "zip of the user's files" {
		t.Errorf("curl %s: %v %q", url, err, got)
	}
	code, _ := exec.Command("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", strings.Replace(url, "export.zip", "other.zip", 1)).Output()
	if string(code) != "403" {
		t.Errorf("tampered URL: %s", code)
	}
	t.Logf("aws-sdk-js v2 URL form: %s", url[:strings.Index(url, "?")+30])
}
