package e2e

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// anon sends an unsigned request (a browser, curl) and returns status,
// headers and body.
func anon(t *testing.T, method, url string, header map[string]string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(b)
}

func xmlCode(body string) string {
	var e struct{ Code string }
	xml.Unmarshal([]byte(body), &e)
	return e.Code
}

// TestS3PolicyAndACL: anonymous requests (curl, browsers) get what the
// bucket policy or ACLs allow and AccessDenied otherwise, with the aws CLI
// v2 and v1 setting policies, ACLs and Object Ownership.
func TestS3PolicyAndACL(t *testing.T) {
	s := StartServer(t)
	const v2 = "/usr/bin/aws"
	s.cli(t, v2, "s3", "mb", "s3://pub-bucket")
	src := filepath.Join(t.TempDir(), "hello.txt")
	os.WriteFile(src, []byte("hello public"), 0o644)
	s.cli(t, v2, "s3", "cp", src, "s3://pub-bucket/hello.txt")

	// Private by default: anonymous reads are denied, missing keys too
	// (no s3:ListBucket: AWS does not say what exists).
	for _, key := range []string{"hello.txt", "missing"} {
		if st, _, body := anon(t, "GET", s.URL+"/pub-bucket/"+key, nil); st != 403 || xmlCode(body) != "AccessDenied" {
			t.Errorf("private %s: %d %s", key, st, body)
		}
	}
	if st, _, body := anon(t, "GET", s.URL+"/pub-bucket?list-type=2", nil); st != 403 || xmlCode(body) != "AccessDenied" {
		t.Errorf("private list: %d %s", st, body)
	}
	if st, _, body := anon(t, "GET", s.URL+"/no-such-bucket-x/k", nil); st != 404 || xmlCode(body) != "NoSuchBucket" {
		t.Errorf("missing bucket: %d %s", st, body)
	}

	// Public read through the policy (the website pattern).
	out, err := s.cliErr(t, v2, "s3api", "put-bucket-policy", "--bucket", "pub-bucket", "--policy", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject"}]}`)
	if err == nil || !strings.Contains(out, "MalformedPolicy") {
		t.Errorf("policy without principal: %v %s", err, out)
	}
	out, err = s.cliErr(t, v2, "s3api", "put-bucket-policy", "--bucket", "pub-bucket", "--policy", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::other-bucket/*"}]}`)
	if err == nil || !strings.Contains(out, "MalformedPolicy") {
		t.Errorf("policy on another bucket: %v %s", err, out)
	}
	policy := `{"Version":"2012-10-17","Statement":[{"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::pub-bucket/*"]},` +
		`{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::pub-bucket/secret/*"}]}`
	s.cli(t, v2, "s3api", "put-bucket-policy", "--bucket", "pub-bucket", "--policy", policy)
	if got := s.cliJSON(t, "aws", "s3api", "get-bucket-policy", "--bucket", "pub-bucket"); got["Policy"] != policy {
		t.Errorf("get-bucket-policy (v1) = %v", got)
	}
	if st, _, body := anon(t, "GET", s.URL+"/pub-bucket/hello.txt", nil); st != 200 || body != "hello public" {
		t.Errorf("public read: %d %s", st, body)
	}
	if st, _, body := anon(t, "GET", s.URL+"/pub-bucket/missing", nil); st != 403 {
		t.Errorf("missing key without ListBucket: %d %s", st, body)
	}
	s.cli(t, v2, "s3", "cp", src, "s3://pub-bucket/secret/x.txt")
	if st, _, _ := anon(t, "GET", s.URL+"/pub-bucket/secret/x.txt", nil); st != 403 {
		t.Errorf("explicit Deny: %d", st)
	}
	if st, _, body := anon(t, "PUT", s.URL+"/pub-bucket/new.txt", nil); st != 403 || xmlCode(body) != "AccessDenied" {
		t.Errorf("anonymous write: %d %s", st, body)
	}
	// curl, as a user would.
	if _, err := exec.LookPath("curl"); err == nil {
		b, err := exec.Command("curl", "-sf", s.URL+"/pub-bucket/hello.txt").Output()
		if err != nil || string(b) != "hello public" {
			t.Errorf("curl: %v %q", err, b)
		}
	}
	s.cli(t, v2, "s3api", "delete-bucket-policy", "--bucket", "pub-bucket")
	if st, _, _ := anon(t, "GET", s.URL+"/pub-bucket/hello.txt", nil); st != 403 {
		t.Errorf("after delete-bucket-policy: %d", st)
	}

	// ACLs: disabled by BucketOwnerEnforced (the default)...
	out, err = s.cliErr(t, v2, "s3api", "put-object-acl", "--bucket", "pub-bucket", "--key", "hello.txt", "--acl", "public-read")
	if err == nil || !strings.Contains(out, "AccessControlListNotSupported") {
		t.Errorf("ACL on BucketOwnerEnforced: %v %s", err, out)
	}
	own := s.cliJSON(t, v2, "s3api", "get-bucket-ownership-controls", "--bucket", "pub-bucket")
	if !strings.Contains(jsonString(own), "BucketOwnerEnforced") {
		t.Errorf("default ownership: %v", own)
	}
	// ...honoured once ownership allows them.
	s.cli(t, v2, "s3api", "put-bucket-ownership-controls", "--bucket", "pub-bucket", "--ownership-controls", "Rules=[{ObjectOwnership=ObjectWriter}]")
	s.cli(t, v2, "s3api", "put-object-acl", "--bucket", "pub-bucket", "--key", "hello.txt", "--acl", "public-read")
	acl := s.cliJSON(t, "aws", "s3api", "get-object-acl", "--bucket", "pub-bucket", "--key", "hello.txt")
	if g := jsonString(acl); !strings.Contains(g, "AllUsers") || !strings.Contains(g, `"READ"`) || !strings.Contains(g, "FULL_CONTROL") {
		t.Errorf("get-object-acl: %s", g)
	}
	if st, _, body := anon(t, "GET", s.URL+"/pub-bucket/hello.txt", nil); st != 200 || body != "hello public" {
		t.Errorf("public-read object ACL: %d %s", st, body)
	}
	if st, _, _ := anon(t, "GET", s.URL+"/pub-bucket?list-type=2", nil); st != 403 {
		t.Errorf("object ACL opened the listing: %d", st)
	}
	s.cli(t, v2, "s3api", "put-bucket-acl", "--bucket", "pub-bucket", "--grant-read", "uri=http://acs.amazonaws.com/groups/global/AllUsers")
	if st, _, body := anon(t, "GET", s.URL+"/pub-bucket?list-type=2", nil); st != 200 || !strings.Contains(body, "<Key>hello.txt</Key>") {
		t.Errorf("bucket READ grant: %d %s", st, body)
	}
	bacl := s.cliJSON(t, v2, "s3api", "get-bucket-acl", "--bucket", "pub-bucket")
	if !strings.Contains(jsonString(bacl), "AllUsers") {
		t.Errorf("get-bucket-acl: %v", bacl)
	}
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// signRequest signs a body-less request with SigV4 for s3 (the test keys).
func signRequest(t *testing.T, req *http.Request) {
	t.Helper()
	const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	req.Header.Set("X-Amz-Content-Sha256", emptySHA256)
	err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, req, emptySHA256, "s3", "us-east-1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
}

// TestS3CORS: Put/Get/DeleteBucketCors with the aws CLI, a browser's
// preflight (OPTIONS) answered from the rules, and CORS headers on the
// actual request.
func TestS3CORS(t *testing.T) {
	s := StartServer(t)
	const v2 = "/usr/bin/aws"
	s.cli(t, v2, "s3", "mb", "s3://cors-bucket")
	if st, _, body := anon(t, "OPTIONS", s.URL+"/cors-bucket/k", map[string]string{"Origin": "http://app.example", "Access-Control-Request-Method": "PUT"}); st != 403 || !strings.Contains(body, "CORS is not enabled for this bucket") {
		t.Errorf("preflight without CORS: %d %s", st, body)
	}
	out, err := s.cliErr(t, v2, "s3api", "put-bucket-cors", "--bucket", "cors-bucket", "--cors-configuration", `{"CORSRules":[{"AllowedMethods":["PATCH"],"AllowedOrigins":["*"]}]}`)
	if err == nil || !strings.Contains(out, "Found unsupported HTTP method in CORS config. Unsupported method is PATCH") {
		t.Errorf("bad method: %v %s", err, out)
	}
	s.cli(t, v2, "s3api", "put-bucket-cors", "--bucket", "cors-bucket", "--cors-configuration",
		`{"CORSRules":[{"AllowedMethods":["GET","PUT"],"AllowedOrigins":["http://*.example"],"AllowedHeaders":["content-type","x-amz-*"],"ExposeHeaders":["ETag"],"MaxAgeSeconds":600}]}`)
	got := s.cliJSON(t, "aws", "s3api", "get-bucket-cors", "--bucket", "cors-bucket")
	if !strings.Contains(jsonString(got), `"MaxAgeSeconds":600`) {
		t.Errorf("get-bucket-cors: %v", got)
	}
	st, h, body := anon(t, "OPTIONS", s.URL+"/cors-bucket/upload.txt", map[string]string{
		"Origin": "http://app.example", "Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "Content-Type, X-Amz-Date"})
	if st != 200 || h.Get("Access-Control-Allow-Origin") != "http://app.example" || h.Get("Access-Control-Allow-Methods") != "GET, PUT" ||
		h.Get("Access-Control-Allow-Headers") != "content-type, x-amz-date" || h.Get("Access-Control-Max-Age") != "600" || h.Get("Access-Control-Expose-Headers") != "ETag" {
		t.Errorf("preflight: %d %v %s", st, h, body)
	}
	for _, hdr := range []map[string]string{
		{"Origin": "http://evil.test", "Access-Control-Request-Method": "GET"},
		{"Origin": "http://app.example", "Access-Control-Request-Method": "DELETE"},
		{"Origin": "http://app.example", "Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "authorization"},
	} {
		if st, _, body := anon(t, "OPTIONS", s.URL+"/cors-bucket/k", hdr); st != 403 || xmlCode(body) != "AccessForbidden" {
			t.Errorf("preflight %v: %d %s", hdr, st, body)
		}
	}
	if st, _, body := anon(t, "OPTIONS", s.URL+"/cors-bucket/k", nil); st != 400 || !strings.Contains(body, "Origin request header needed") {
		t.Errorf("preflight without Origin: %d %s", st, body)
	}
	// The actual (signed) request carries the CORS headers.
	out = s.cli(t, v2, "s3api", "list-objects-v2", "--bucket", "cors-bucket", "--debug")
	if strings.Contains(out, "Access-Control-Allow-Origin") {
		t.Errorf("CORS headers without an Origin")
	}
	req, _ := http.NewRequest("GET", s.URL+"/cors-bucket?list-type=2", nil)
	req.Header.Set("Origin", "http://www.example")
	signRequest(t, req)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Access-Control-Allow-Origin") != "http://www.example" {
		t.Errorf("actual request: %d %v", res.StatusCode, res.Header)
	}
	s.cli(t, v2, "s3api", "delete-bucket-cors", "--bucket", "cors-bucket")
	if out, err := s.cliErr(t, v2, "s3api", "get-bucket-cors", "--bucket", "cors-bucket"); err == nil || !strings.Contains(out, "NoSuchCORSConfiguration") {
		t.Errorf("after delete: %v %s", err, out)
	}
}

// TestS3Website: the book's chapter 5 form hosted on S3 static website
// hosting, served at BUCKET.s3-website.localhost and at the path form to
// curl and headless Chromium: index document, /dir -> /dir/, the error
// document, routing rules, GET/HEAD only, 403 until a policy makes the
// bucket public.
func TestS3Website(t *testing.T) {
	s := StartServer(t)
	const v2 = "/usr/bin/aws"
	_, port, _ := strings.Cut(strings.TrimPrefix(s.URL, "http://"), ":")
	host := "form-site.s3-website.localhost:" + port
	s.cli(t, v2, "s3", "mb", "s3://form-site")
	dir := t.TempDir()
	files := map[string]string{
		"index.html":      `<html><head><title>Mail form</title></head><body><form id="f"><input name="email"></form></body></html>`,
		"error.html":      `<html><body><h1 id="oops">Not here</h1></body></html>`,
		"docs/index.html": `<html><body>docs index</body></html>`,
	}
	for name, body := range files {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755)
		os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644)
	}
	s.cli(t, v2, "s3", "sync", dir, "s3://form-site")
	if st, _, body := anon(t, "GET", s.URL+"/", map[string]string{"Host": host}); st != 404 || !strings.Contains(body, "NoSuchWebsiteConfiguration") || !strings.HasPrefix(body, "<html>") {
		t.Errorf("before website config: %d %s", st, body)
	}
	s.cli(t, v2, "s3", "website", "s3://form-site", "--index-document", "index.html", "--error-document", "error.html")
	got := s.cliJSON(t, "aws", "s3api", "get-bucket-website", "--bucket", "form-site")
	if !strings.Contains(jsonString(got), `"Suffix":"index.html"`) {
		t.Errorf("get-bucket-website: %v", got)
	}
	// Not public yet: 403 with the HTML page (the error document is not
	// readable either).
	if st, h, body := anon(t, "GET", s.URL+"/", map[string]string{"Host": host}); st != 403 || !strings.Contains(body, "<li>Code: AccessDenied</li>") || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		t.Errorf("private website: %d %s", st, body)
	}
	s.cli(t, v2, "s3api", "put-bucket-policy", "--bucket", "form-site", "--policy",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::form-site","arn:aws:s3:::form-site/*"]}]}`)
	for _, base := range []struct{ url, host, prefix string }{
		{s.URL, host, ""},
		{s.URL + "/_hako/s3-website/form-site", "", "/_hako/s3-website/form-site"},
	} {
		hdr := map[string]string{}
		if base.host != "" {
			hdr["Host"] = base.host
		}
		if st, h, body := anon(t, "GET", base.url+"/", hdr); st != 200 || body != files["index.html"] || h.Get("Content-Type") != "text/html" {
			t.Errorf("%s/: %d %v %s", base.url, st, h, body)
		}
		if st, h, _ := anon(t, "GET", base.url+"/docs", hdr); st != 302 || h.Get("Location") != base.prefix+"/docs/" {
			t.Errorf("%s/docs: %d %v", base.url, st, h)
		}
		if st, _, body := anon(t, "GET", base.url+"/docs/", hdr); st != 200 || body != files["docs/index.html"] {
			t.Errorf("%s/docs/: %d %s", base.url, st, body)
		}
		if st, _, body := anon(t, "GET", base.url+"/nope.html", hdr); st != 404 || body != files["error.html"] {
			t.Errorf("%s/nope.html: %d %s", base.url, st, body)
		}
		if st, h, body := anon(t, "HEAD", base.url+"/index.html", hdr); st != 200 || body != "" || h.Get("Content-Length") != strconv.Itoa(len(files["index.html"])) {
			t.Errorf("HEAD: %d %v", st, h)
		}
		if st, _, body := anon(t, "POST", base.url+"/index.html", hdr); st != 405 || !strings.Contains(body, "MethodNotAllowed") {
			t.Errorf("POST: %d %s", st, body)
		}
	}
	// curl, resolving *.localhost itself.
	if _, err := exec.LookPath("curl"); err == nil {
		out, err := exec.Command("curl", "-s", "--resolve", host+":127.0.0.1", "http://"+host+"/").Output()
		if err != nil || string(out) != files["index.html"] {
			t.Errorf("curl: %v %s", err, out)
		}
		out, _ = exec.Command("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--resolve", host+":127.0.0.1", "http://"+host+"/missing/page").Output()
		if string(out) != "404" {
			t.Errorf("curl missing page: %s", out)
		}
	}
	// Headless Chromium renders the form and the error document.
	if chromium, err := exec.LookPath("chromium"); err == nil {
		for path, want := range map[string]string{"/": `<form id="f">`, "/missing": `<h1 id="oops">Not here</h1>`} {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
				"--user-data-dir="+t.TempDir(), "--host-resolver-rules=MAP form-site.s3-website.localhost 127.0.0.1", "--dump-dom", "http://"+host+path)
			out, err := cmd.Output()
			cancel()
			if err != nil || !strings.Contains(string(out), want) {
				t.Errorf("chromium %s: %v\n%s", path, err, out)
			}
		}
	} else {
		t.Log("chromium not installed (scripts/test-deps.sh installs it): browser check skipped")
	}
	// Routing rules and RedirectAllRequestsTo.
	s.cli(t, v2, "s3api", "put-bucket-website", "--bucket", "form-site", "--website-configuration",
		`{"IndexDocument":{"Suffix":"index.html"},"RoutingRules":[{"Condition":{"KeyPrefixEquals":"old/"},"Redirect":{"ReplaceKeyPrefixWith":"docs/","HttpRedirectCode":"301"}}]}`)
	if st, h, _ := anon(t, "GET", s.URL+"/old/page.html", map[string]string{"Host": host}); st != 301 || h.Get("Location") != "/docs/page.html" {
		t.Errorf("routing rule: %d %v", st, h)
	}
	out, err := s.cliErr(t, v2, "s3api", "put-bucket-website", "--bucket", "form-site", "--website-configuration",
		`{"IndexDocument":{"Suffix":"index.html"},"RedirectAllRequestsTo":{"HostName":"example.com"}}`)
	if err == nil || !strings.Contains(out, "InvalidArgument") {
		t.Errorf("redirect-all with index: %v %s", err, out)
	}
	s.cli(t, v2, "s3api", "put-bucket-website", "--bucket", "form-site", "--website-configuration", `{"RedirectAllRequestsTo":{"HostName":"example.com","Protocol":"https"}}`)
	if st, h, _ := anon(t, "GET", s.URL+"/a/b", map[string]string{"Host": host}); st != 301 || h.Get("Location") != "https://example.com/a/b" {
		t.Errorf("redirect all: %d %v", st, h)
	}
	s.cli(t, v2, "s3api", "delete-bucket-website", "--bucket", "form-site")
	if out, err := s.cliErr(t, v2, "s3api", "get-bucket-website", "--bucket", "form-site"); err == nil || !strings.Contains(out, "NoSuchWebsiteConfiguration") {
		t.Errorf("after delete: %v %s", err, out)
	}
}
