package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/xml"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// TestS3CLI: the aws CLI v2's high-level s3 commands and s3api, and the
// v1 CLI, against one server.
func TestS3CLI(t *testing.T) {
	s := StartServer(t)
	dir := t.TempDir()
	small := filepath.Join(dir, "small.txt")
	os.WriteFile(small, []byte("hello from the cli\n"), 0o644)
	big := filepath.Join(dir, "big.bin")
	data := make([]byte, 20<<20)
	rand.Read(data)
	os.WriteFile(big, data, 0o644)

	for _, bin := range []string{"/usr/bin/aws", "aws"} {
		bucket := "cli-" + strings.ReplaceAll(strings.Trim(bin, "/"), "/", "-")
		s.cli(t, bin, "s3", "mb", "s3://"+bucket)
		s.cli(t, bin, "s3", "cp", small, "s3://"+bucket+"/docs/small.txt")
		s.cli(t, bin, "s3", "cp", big, "s3://"+bucket+"/big.bin") // multipart (8 MB parts)
		ls := s.cli(t, bin, "s3", "ls", "s3://"+bucket, "--recursive")
		if !strings.Contains(ls, "docs/small.txt") || !strings.Contains(ls, "big.bin") || !strings.Contains(ls, "20971520") {
			t.Fatalf("%s ls: %s", bin, ls)
		}
		got := filepath.Join(dir, "got.bin")
		s.cli(t, bin, "s3", "cp", "s3://"+bucket+"/big.bin", got)
		if b, _ := os.ReadFile(got); !bytes.Equal(b, data) {
			t.Fatalf("%s: downloaded object differs", bin)
		}
		head := s.cliJSON(t, bin, "s3api", "head-object", "--bucket", bucket, "--key", "big.bin")
		if etag, _ := head["ETag"].(string); !strings.HasSuffix(etag, `-3"`) {
			t.Errorf("%s multipart ETag %v", bin, head["ETag"])
		}
		syncDir := filepath.Join(dir, "sync-"+bucket)
		s.cli(t, bin, "s3", "sync", "s3://"+bucket+"/docs", syncDir)
		if b, _ := os.ReadFile(filepath.Join(syncDir, "small.txt")); string(b) != "hello from the cli\n" {
			t.Errorf("%s sync: %q", bin, b)
		}
		list := s.cliJSON(t, bin, "s3api", "list-objects-v2", "--bucket", bucket, "--delimiter", "/")
		if cps, _ := list["CommonPrefixes"].([]any); len(cps) != 1 {
			t.Errorf("%s list: %v", bin, list)
		}
		s.cli(t, bin, "s3api", "put-object-tagging", "--bucket", bucket, "--key", "big.bin", "--tagging", "TagSet=[{Key=k,Value=v}]")
		tags := s.cliJSON(t, bin, "s3api", "get-object-tagging", "--bucket", bucket, "--key", "big.bin")
		if ts, _ := tags["TagSet"].([]any); len(ts) != 1 {
			t.Errorf("%s tags: %v", bin, tags)
		}
		out, err := s.cliErr(t, bin, "s3", "rb", "s3://"+bucket)
		if err == nil || !strings.Contains(out, "BucketNotEmpty") {
			t.Errorf("%s rb of a full bucket: %v %s", bin, err, out)
		}
		s.cli(t, bin, "s3", "rm", "s3://"+bucket, "--recursive")
		s.cli(t, bin, "s3", "rb", "s3://"+bucket)
	}

	// presign (SigV4 query auth) fetched with plain HTTP.
	s.cli(t, "/usr/bin/aws", "s3", "mb", "s3://presign-bkt")
	s.cli(t, "/usr/bin/aws", "s3", "cp", small, "s3://presign-bkt/p.txt")
	url := strings.TrimSpace(s.cli(t, "/usr/bin/aws", "s3", "presign", "s3://presign-bkt/p.txt", "--expires-in", "600"))
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(body) != "hello from the cli\n" {
		t.Errorf("presigned GET: %d %q", res.StatusCode, body)
	}
}

// TestS3BadInput: AWS's codes for bad requests, and nothing written.
func TestS3BadInput(t *testing.T) {
	s := StartServer(t)
	v2 := "/usr/bin/aws"
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"s3api", "create-bucket", "--bucket", "Bad_Name"}, "InvalidBucketName"},
		{[]string{"s3api", "head-bucket", "--bucket", "missing-bkt"}, "404"},
		{[]string{"s3api", "get-object", "--bucket", "missing-bkt", "--key", "k", os.DevNull}, "NoSuchBucket"},
	} {
		out, err := s.cliErr(t, v2, c.args...)
		if err == nil || !strings.Contains(out, c.want) {
			t.Errorf("%v: %v %s", c.args, err, out)
		}
	}
	s.cli(t, v2, "s3api", "create-bucket", "--bucket", "bad-input")
	tmp := filepath.Join(t.TempDir(), "f")
	os.WriteFile(tmp, []byte("0123456789"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"s3api", "get-object", "--bucket", "bad-input", "--key", "nope", os.DevNull}, "NoSuchKey"},
		{[]string{"s3api", "put-object", "--bucket", "bad-input", "--key", "md5", "--body", tmp, "--content-md5", "1B2M2Y8AsgTpgAmY7PhCfg=="}, "BadDigest"},
		{[]string{"s3api", "put-object", "--bucket", "bad-input", "--key", "crc", "--body", tmp, "--checksum-crc32", "AAAAAA=="}, "BadDigest"},
	} {
		out, err := s.cliErr(t, v2, c.args...)
		if err == nil || !strings.Contains(out, c.want) {
			t.Errorf("%v: %v %s", c.args, err, out)
		}
	}
	s.cli(t, v2, "s3api", "put-object", "--bucket", "bad-input", "--key", "k", "--body", tmp)
	out, err := s.cliErr(t, v2, "s3api", "get-object", "--bucket", "bad-input", "--key", "k", "--range", "bytes=100-", os.DevNull)
	if err == nil || !strings.Contains(out, "InvalidRange") {
		t.Errorf("range: %v %s", err, out)
	}
	list := s.cliJSON(t, v2, "s3api", "list-objects-v2", "--bucket", "bad-input")
	if c, _ := list["Contents"].([]any); len(c) != 1 {
		t.Errorf("refused writes left objects: %v", list)
	}

	// Raw HTTP: the XML error document, and malformed XML. Unsigned, a
	// missing key of a private bucket is AccessDenied (the caller may not
	// list the bucket); signed, NoSuchKey.
	if st, _, body := anon(t, "GET", s.URL+"/bad-input/missing%20key", nil); st != 403 || xmlCode(body) != "AccessDenied" {
		t.Errorf("anonymous missing key: %d %s", st, body)
	}
	req, _ := http.NewRequest("GET", s.URL+"/bad-input/missing%20key", nil)
	signRequest(t, req)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var e struct{ Code, Message, Key, RequestId string }
	xml.NewDecoder(res.Body).Decode(&e)
	res.Body.Close()
	if res.StatusCode != 404 || e.Code != "NoSuchKey" || e.Key != "missing key" || e.RequestId == "" {
		t.Errorf("NoSuchKey document: %d %+v", res.StatusCode, e)
	}
	res, err = http.Get(s.URL + "/nonexistent-bucket/k")
	if err != nil {
		t.Fatal(err)
	}
	var nb struct{ Code, BucketName string }
	xml.NewDecoder(res.Body).Decode(&nb)
	res.Body.Close()
	if nb.Code != "NoSuchBucket" || nb.BucketName != "nonexistent-bucket" {
		t.Errorf("NoSuchBucket document: %+v", nb)
	}
	req, _ = http.NewRequest("POST", s.URL+"/bad-input?delete", strings.NewReader("<Delete><Object><Key>k</Key>"))
	req.Header.Set("Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg==")
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 400 || !bytes.Contains(b, []byte("BadDigest")) && !bytes.Contains(b, []byte("MalformedXML")) {
		t.Errorf("malformed delete: %d %s", res.StatusCode, b)
	}
	if list := s.cliJSON(t, v2, "s3api", "list-objects-v2", "--bucket", "bad-input"); list["Contents"] == nil {
		t.Error("malformed DeleteObjects deleted something")
	}
}

// TestS3Boto3: upload_file over 8 MB (multipart with boto3's default
// CRC32 checksums), download_file, delete_objects, a 48-hour presigned
// URL fetched with urllib.
func TestS3Boto3(t *testing.T) {
	s := StartServer(t)
	out := s.python(t, `
import boto3, os, json, tempfile, urllib.request, hashlib
s3 = boto3.client("s3", endpoint_url=os.environ["ENDPOINT"])
s3.create_bucket(Bucket="boto-bkt")
d = tempfile.mkdtemp()
src = os.path.join(d, "src.bin")
data = os.urandom(9 * 1024 * 1024 + 123)
open(src, "wb").write(data)
s3.upload_file(src, "boto-bkt", "dir/big.bin")
dst = os.path.join(d, "dst.bin")
s3.download_file("boto-bkt", "dir/big.bin", dst)
same = open(dst, "rb").read() == data
head = s3.head_object(Bucket="boto-bkt", Key="dir/big.bin", ChecksumMode="ENABLED")
s3.put_object(Bucket="boto-bkt", Key="a.txt", Body=b"alpha")
s3.put_object(Bucket="boto-bkt", Key="b.txt", Body=b"beta")
url = s3.generate_presigned_url("get_object", Params={"Bucket": "boto-bkt", "Key": "a.txt"}, ExpiresIn=172800)
fetched = urllib.request.urlopen(url).read().decode()
deleted = s3.delete_objects(Bucket="boto-bkt", Delete={"Objects": [{"Key": "a.txt"}, {"Key": "b.txt"}]})
left = [o["Key"] for o in s3.list_objects_v2(Bucket="boto-bkt").get("Contents", [])]
print(json.dumps({"same": same, "etag": head["ETag"], "crc32": head.get("ChecksumCRC32", ""), "ctype": head.get("ChecksumType", ""),
  "fetched": fetched, "deleted": sorted(o["Key"] for o in deleted["Deleted"]), "left": left}))
`)
	if out["same"] != true || !strings.HasSuffix(out["etag"].(string), `-2"`) || out["fetched"] != "alpha" {
		t.Errorf("boto3: %v", out)
	}
	if out["crc32"] == "" {
		t.Errorf("boto3's CRC32 was not kept: %v", out)
	}
	t.Logf("boto3 multipart checksum: %v %v", out["crc32"], out["ctype"])
	if d, _ := out["deleted"].([]any); len(d) != 2 {
		t.Errorf("deleted %v", out["deleted"])
	}
	if l, _ := out["left"].([]any); len(l) != 1 {
		t.Errorf("left %v", out["left"])
	}
}

// TestS3GoSDK: aws-sdk-go-v2 path-style, and virtual-hosted with the
// bucket in the Host header (*.localhost does not resolve here).
func TestS3GoSDK(t *testing.T) {
	s := StartServer(t)
	cfg := s.sdkConfig(t)
	path := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := path.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("go-bkt")}); err != nil {
		t.Fatal(err)
	}
	if _, err := path.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("go-bkt"), Key: aws.String("a b/c+d.txt"), Body: strings.NewReader("path style"), ContentType: aws.String("text/plain"), Metadata: map[string]string{"Who": "go"}}); err != nil {
		t.Fatal(err)
	}
	get, err := path.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("go-bkt"), Key: aws.String("a b/c+d.txt"), ChecksumMode: types.ChecksumModeEnabled})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(get.Body)
	get.Body.Close()
	if string(b) != "path style" || get.Metadata["who"] != "go" || aws.ToString(get.ContentType) != "text/plain" {
		t.Errorf("get: %q %+v", b, get.Metadata)
	}
	_, err = path.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("go-bkt"), Key: aws.String("missing")})
	var nsk *types.NoSuchKey
	if !errors.As(err, &nsk) {
		t.Errorf("missing key: %v", err)
	}
	_, err = path.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("go-bkt"), Key: aws.String("a b/c+d.txt"), Range: aws.String("bytes=50-")})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidRange" {
		t.Errorf("range: %v", err)
	}
	list, err := path.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("go-bkt"), EncodingType: types.EncodingTypeUrl})
	// aws-sdk-go-v2 hands url-encoded keys over as they came.
	if err != nil || len(list.Contents) != 1 || unescape(aws.ToString(list.Contents[0].Key)) != "a b/c+d.txt" {
		t.Errorf("list (url encoded): %+v %v", list, err)
	}

	// Virtual-hosted: the SDK puts the bucket in the host name; send it to
	// 127.0.0.1 with that Host.
	addr := strings.TrimPrefix(s.URL, "http://")
	vcfg := cfg.Copy()
	vcfg.BaseEndpoint = aws.String("http://s3.localhost:" + strings.Split(addr, ":")[1])
	vcfg.HTTPClient = &http.Client{Transport: &http.Transport{DialContext: dialTo(addr)}}
	virt := s3.NewFromConfig(vcfg)
	if _, err := virt.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("go-bkt"), Key: aws.String("virtual.txt"), Body: strings.NewReader("virtual")}); err != nil {
		t.Fatal(err)
	}
	vg, err := virt.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("go-bkt"), Key: aws.String("virtual.txt")})
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(vg.Body)
	vg.Body.Close()
	if string(b) != "virtual" {
		t.Errorf("virtual-hosted get %q", b)
	}
	loc, err := virt.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String("go-bkt")})
	if err != nil || loc.LocationConstraint != "" {
		t.Errorf("location %+v %v", loc, err)
	}
}

func unescape(s string) string {
	u, err := url.QueryUnescape(s)
	if err != nil {
		return "!" + s
	}
	return u
}

// dialTo dials addr whatever host a request names (virtual-hosted S3
// against a loopback server).
func dialTo(addr string) func(ctx context.Context, network, _ string) (net.Conn, error) {
	return func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
}
