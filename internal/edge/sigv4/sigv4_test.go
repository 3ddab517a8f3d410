package sigv4

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

var (
	t0        = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	testCreds = Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}
	tokCreds  = Credentials{AccessKeyID: "ASIAEXAMPLE", SecretAccessKey: "c2VjcmV0LXNlY3JldA==", SessionToken: "FwoGZXIvYXdzEJr//////////wEaDH7+token="}
)

// wireBytes is what a client request looks like on the wire.
func wireBytes(t testing.TB, req *http.Request) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := req.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// serverRequest reads raw bytes the way net/http's server does.
func serverRequest(t testing.TB, raw []byte) *http.Request {
	t.Helper()
	r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		t.Fatalf("ReadRequest: %v\n%s", err, raw)
	}
	return r
}

// signed is a request signed by a real client, kept as wire bytes so every
// check starts from a fresh server-side request.
type signed struct {
	name       string
	raw        []byte
	creds      Credentials
	now        time.Time
	kind       Kind
	bodySigned bool // the signature covers the body
	hostSigned bool

	hexDeclared bool // set by runTampers
}

// declaresHex reports whether the request declares a hex payload hash,
// which Verify trusts and CheckedBody enforces.
func (s signed) declaresHex(t testing.TB) bool {
	p, err := Parse(s.fresh(t))
	return err == nil && isHexSHA256(p.PayloadHash)
}

func (s signed) fresh(t testing.TB) *http.Request { return serverRequest(t, s.raw) }

type sdkOpts struct {
	service, region string
	creds           Credentials
	declare         string // X-Amz-Content-Sha256 to declare ("" = sign the body hash undeclared)
	presign         bool
	expires         int
	headers         map[string]string
}

// sdkSigned signs with aws-sdk-go-v2's signer the way the SDK's clients do.
func sdkSigned(t testing.TB, method, rawURL, body string, o sdkOpts) []byte {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, rawURL, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range o.headers {
		req.Header.Set(k, v)
	}
	sum := sha256.Sum256([]byte(body))
	payload := hex.EncodeToString(sum[:])
	if o.declare != "" {
		payload = o.declare
		if !o.presign {
			req.Header.Set("X-Amz-Content-Sha256", o.declare)
		}
	}
	if o.region == "" {
		o.region = "us-east-1"
	}
	creds := aws.Credentials{AccessKeyID: o.creds.AccessKeyID, SecretAccessKey: o.creds.SecretAccessKey, SessionToken: o.creds.SessionToken}
	s3 := func(so *v4.SignerOptions) { so.DisableURIPathEscaping = isS3(o.service) }
	signer := v4.NewSigner()
	if !o.presign {
		if err := signer.SignHTTP(context.Background(), creds, req, payload, o.service, o.region, t0, s3); err != nil {
			t.Fatal(err)
		}
		return wireBytes(t, req)
	}
	if o.expires > 0 {
		q := req.URL.Query()
		q.Set("X-Amz-Expires", strconv.Itoa(o.expires))
		req.URL.RawQuery = q.Encode()
	}
	u, hdr, err := signer.PresignHTTP(context.Background(), creds, req, payload, o.service, o.region, t0, s3)
	if err != nil {
		t.Fatal(err)
	}
	use, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		if k != "Host" {
			use.Header[k] = v
		}
	}
	return wireBytes(t, use)
}

const jsonBody = `{"TableName":"users","Key":{"id":{"S":"a  b\u00e9"}},"ConsistentRead":true}`

func sdkCases(t testing.TB) []signed {
	now := t0.Add(time.Minute)
	cases := []signed{
		{name: "sqs GET with query", kind: Header, hostSigned: true, bodySigned: true,
			raw: sdkSigned(t, "GET", "http://localhost:4566/?Action=ListQueues&QueueNamePrefix=a%20b%2Fc&Version=2012-11-05&empty=", "",
				sdkOpts{service: "sqs", creds: testCreds})},
		{name: "dynamodb POST json", kind: Header, hostSigned: true, bodySigned: true,
			raw: sdkSigned(t, "POST", "http://localhost:4566/", jsonBody, sdkOpts{service: "dynamodb", creds: testCreds,
				headers: map[string]string{"X-Amz-Target": "DynamoDB_20120810.GetItem", "Content-Type": "application/x-amz-json-1.0"}})},
		{name: "sts POST form with session token", kind: Header, hostSigned: true, bodySigned: true, creds: tokCreds,
			raw: sdkSigned(t, "POST", "http://localhost:4566/", "Action=GetCallerIdentity&Version=2011-06-15", sdkOpts{service: "sts", creds: tokCreds,
				headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}})},
		{name: "lambda path escaped twice", kind: Header, hostSigned: true, bodySigned: true,
			raw: sdkSigned(t, "POST", "http://localhost:4566/2015-03-31/functions/my%20fn%2Bx/invocations?Qualifier=%24LATEST", `{"x":10}`,
				sdkOpts{service: "lambda", creds: testCreds, headers: map[string]string{"X-Amz-Invocation-Type": "RequestResponse"}})},
		{name: "s3 PUT UNSIGNED-PAYLOAD path escaped once", kind: Header, hostSigned: true,
			raw: sdkSigned(t, "PUT", "http://localhost:4566/bucket/a%20b/c+d", "hello world", sdkOpts{service: "s3", creds: testCreds, declare: UnsignedPayload,
				headers: map[string]string{"Content-Type": "text/plain", "X-Amz-Meta-Note": "  spaced    out  "}})},
		{name: "s3 GET declared hash with subresources", kind: Header, hostSigned: true,
			raw: sdkSigned(t, "GET", "http://localhost:4566/bucket/dir/%E2%9C%93.txt?versionId=3&acl", "", sdkOpts{service: "s3", creds: tokCreds, declare: emptySHA256,
				headers: map[string]string{"Range": "bytes=0-9"}}), creds: tokCreds},
		{name: "s3 presigned GET", kind: Presigned, hostSigned: true, creds: tokCreds,
			raw: sdkSigned(t, "GET", "http://localhost:4566/bucket/a%20b/c+d?response-content-type=text%2Fplain", "",
				sdkOpts{service: "s3", creds: tokCreds, declare: UnsignedPayload, presign: true, expires: 3600})},
		{name: "s3 presigned PUT with signed header", kind: Presigned, hostSigned: true,
			raw: sdkSigned(t, "PUT", "http://bucket.s3.localhost:4566/key.txt", "", sdkOpts{service: "s3", creds: testCreds, declare: UnsignedPayload,
				presign: true, expires: 600, headers: map[string]string{"Content-Type": "text/plain", "X-Amz-Acl": "private"}})},
		{name: "sts presigned GetCallerIdentity", kind: Presigned, hostSigned: true, bodySigned: true,
			raw: sdkSigned(t, "GET", "http://localhost:4566/?Action=GetCallerIdentity&Version=2011-06-15", "",
				sdkOpts{service: "sts", creds: testCreds, presign: true, expires: 60, headers: map[string]string{"X-K8s-Aws-Id": "cluster"}})},
	}

	// AWS SDK for Java v1 signs User-Agent, which aws-sdk-go-v2 never signs:
	// sign it via a lower-case key, then send it under the canonical one.
	req, _ := http.NewRequest("POST", "http://localhost:4566/", strings.NewReader(`{}`))
	req.Header["user-agent"] = []string{"aws-sdk-java/1.12.0 Linux/6.1"}
	req.Header.Set("X-Amz-Target", "AWSEvents.ListRules")
	sum := sha256.Sum256([]byte(`{}`))
	creds := aws.Credentials{AccessKeyID: testCreds.AccessKeyID, SecretAccessKey: testCreds.SecretAccessKey}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "events", "eu-west-1", t0); err != nil {
		t.Fatal(err)
	}
	req.Header["User-Agent"] = req.Header["user-agent"]
	delete(req.Header, "user-agent")
	cases = append(cases, signed{name: "signed user-agent", kind: Header, hostSigned: true, bodySigned: true, raw: wireBytes(t, req)})

	for i := range cases {
		if cases[i].creds == (Credentials{}) {
			cases[i].creds = testCreds
		}
		cases[i].now = now
	}
	return cases
}

func TestVerifySDKSigned(t *testing.T) {
	for _, c := range sdkCases(t) {
		t.Run(c.name, func(t *testing.T) {
			r := c.fresh(t)
			p, err := Parse(r)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if p.Kind != c.kind || p.AccessKeyID != c.creds.AccessKeyID || !p.Date.Equal(t0) {
				t.Fatalf("Parse = %+v", p)
			}
			if err := Verify(r, p, c.creds, c.now); err != nil {
				t.Fatalf("Verify: %v\n%s", err, c.raw)
			}
			// The body is still there for the service.
			want := serverRequest(t, c.raw)
			wb, _ := io.ReadAll(want.Body)
			gb, _ := io.ReadAll(r.Body)
			if !bytes.Equal(wb, gb) {
				t.Fatalf("body after Verify = %q, want %q", gb, wb)
			}
			// Verify(nil) parses by itself.
			if err := Verify(c.fresh(t), nil, c.creds, c.now); err != nil {
				t.Fatalf("Verify(nil): %v", err)
			}
		})
	}
}

// The SDK path and the specification path must agree wherever both apply.
func TestSpecAgreesWithSDK(t *testing.T) {
	for _, c := range sdkCases(t) {
		t.Run(c.name, func(t *testing.T) {
			r := c.fresh(t)
			p, err := Parse(r)
			if err != nil {
				t.Fatal(err)
			}
			payload, err := payloadHash(r, p)
			if err != nil {
				t.Fatal(err)
			}
			path := canonicalPaths(r, p.Service)[0]
			if _, ok := sdkRequest(r, p, path); !ok {
				t.Fatal("SDK path not taken")
			}
			sdk := expectedV4(r, p, c.creds.SecretAccessKey, payload, path, nil)
			spec, creq, _ := specSignature(r, p, c.creds.SecretAccessKey, payload, path)
			if sdk != spec || sdk != p.Signature {
				t.Fatalf("sdk %s spec %s sent %s\n%s", sdk, spec, p.Signature, creq)
			}
		})
	}
}

type tamper struct {
	name  string
	apply func(r *http.Request, c *signed)
	want  func(c signed) Reason // 0: still valid
}

func mismatch(signed) Reason { return ReasonSignatureMismatch }

var tampers = []tamper{
	{"wrong secret", func(_ *http.Request, c *signed) { c.creds.SecretAccessKey += "x" }, mismatch},
	{"other host", func(r *http.Request, _ *signed) { r.Host = "evil.example:4566" }, func(c signed) Reason {
		if c.hostSigned {
			return ReasonSignatureMismatch
		}
		return 0
	}},
	{"path", func(r *http.Request, _ *signed) {
		r.RequestURI = "/x" + r.RequestURI
		r.URL.Path = "/x" + r.URL.Path
	}, mismatch},
	{"method", func(r *http.Request, _ *signed) { r.Method = "DELETE" }, mismatch},
	{"extra query parameter", func(r *http.Request, _ *signed) {
		r.URL.RawQuery = strings.TrimPrefix(r.URL.RawQuery+"&extra=1", "&")
	}, func(c signed) Reason {
		if c.kind == V2Presigned || c.kind == V2Header {
			return 0 // SigV2 signs only S3's subresources
		}
		return ReasonSignatureMismatch
	}},
	{"unsigned header added", func(r *http.Request, _ *signed) { r.Header.Set("X-Forwarded-For", "10.0.0.1") }, func(signed) Reason { return 0 }},
	{"body", func(r *http.Request, _ *signed) {
		r.Body = io.NopCloser(strings.NewReader(`{"tampered":true}`))
	}, func(c signed) Reason {
		if c.bodySigned {
			return ReasonSignatureMismatch
		}
		if c.hexDeclared {
			return ReasonPayloadHashMismatch
		}
		return 0
	}},
	{"token", func(_ *http.Request, c *signed) { c.creds.SessionToken = "other-token" }, func(signed) Reason { return ReasonInvalidToken }},
	{"late", func(_ *http.Request, c *signed) { c.now = c.now.Add(2 * time.Hour) }, func(c signed) Reason {
		switch c.kind {
		case Presigned, V2Presigned:
			return ReasonExpired
		}
		return ReasonTimeSkewed
	}},
	{"early", func(_ *http.Request, c *signed) { c.now = c.now.Add(-20 * time.Minute) }, func(c signed) Reason {
		switch c.kind {
		case Presigned:
			return ReasonExpired // "Request is not valid yet"
		case V2Presigned:
			return 0 // only an end
		}
		return ReasonTimeSkewed
	}},
}

func runTampers(t *testing.T, cases []signed) {
	for _, c := range cases {
		for _, tm := range tampers {
			t.Run(c.name+"/"+tm.name, func(t *testing.T) {
				cc := c
				r := cc.fresh(t)
				tm.apply(r, &cc)
				if tm.name == "token" && c.creds.SessionToken == "" {
					// a key issued without a token must not come with one
					cc.creds.SessionToken = ""
					r.Header.Set("X-Amz-Security-Token", "forged")
				}
				err := Verify(r, nil, cc.creds, cc.now)
				if p, _ := Parse(r); err == nil && isHexSHA256(p.PayloadHash) {
					// what the service sees reading the body
					_, err = io.ReadAll(CheckedBody(r.Body, p.PayloadHash))
				}
				c.hexDeclared = c.declaresHex(t)
				want := tm.want(c)
				if got := ReasonOf(err); got != want {
					t.Fatalf("reason = %v (%v), want %v", got, err, want)
				}
				var e *Error
				if errors.As(err, &e) && e.Reason == ReasonSignatureMismatch && c.kind != V2Header && c.kind != V2Presigned {
					if !strings.HasPrefix(e.StringToSign, algorithm+"\n") || e.CanonicalRequest == "" || e.SignatureProvided == "" {
						t.Fatalf("mismatch without diagnostics: %+v", e)
					}
				}
			})
		}
	}
}

func TestTamperSDKSigned(t *testing.T) { runTampers(t, sdkCases(t)) }

// The SDK signer caches signing keys by key id and day, not by secret. A
// right secret followed by a wrong one for the same key id must still fail.
func TestWrongSecretAfterRightOne(t *testing.T) {
	c := sdkCases(t)[1]
	if err := Verify(c.fresh(t), nil, c.creds, c.now); err != nil {
		t.Fatal(err)
	}
	bad := c.creds
	bad.SecretAccessKey = "not-the-secret"
	if got := ReasonOf(Verify(c.fresh(t), nil, bad, c.now)); got != ReasonSignatureMismatch {
		t.Fatalf("wrong secret: reason %v", got)
	}
}

func TestSkewMessages(t *testing.T) {
	c := sdkCases(t)[0]
	var e *Error
	err := Verify(c.fresh(t), nil, c.creds, t0.Add(20*time.Minute))
	if !errors.As(err, &e) || e.Msg != "Signature expired: 20260101T000000Z is now earlier than 20260101T000500Z (20260101T002000Z - 15 min.)" {
		t.Fatalf("late: %v", err)
	}
	err = Verify(c.fresh(t), nil, c.creds, t0.Add(-20*time.Minute))
	if !errors.As(err, &e) || e.Msg != "Signature not yet current: 20260101T000000Z is still later than 20251231T235500Z (20251231T234000Z + 15 min.)" {
		t.Fatalf("early: %v", err)
	}
	// 15 minutes exactly is still fine both ways.
	for _, d := range []time.Duration{15 * time.Minute, -15 * time.Minute} {
		if err := Verify(c.fresh(t), nil, c.creds, t0.Add(d)); err != nil {
			t.Fatalf("%v: %v", d, err)
		}
	}
}

func TestPresignedExpiry(t *testing.T) {
	c := sdkCases(t)[6] // s3 presigned GET, 3600 s
	if c.kind != Presigned {
		t.Fatal("wrong case")
	}
	if err := Verify(c.fresh(t), nil, c.creds, t0.Add(time.Hour)); err != nil {
		t.Fatalf("at expiry: %v", err)
	}
	var e *Error
	err := Verify(c.fresh(t), nil, c.creds, t0.Add(time.Hour+time.Second))
	if !errors.As(err, &e) || e.Reason != ReasonExpired || e.Msg != MsgExpired || !e.ExpiresAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("after expiry: %#v", err)
	}
}

// A body whose hash the client declared is not read by Verify; CheckedBody
// holds it to the declared hash.
func TestCheckedBody(t *testing.T) {
	body := "hello world"
	sum := sha256.Sum256([]byte(body))
	h := hex.EncodeToString(sum[:])
	raw := sdkSigned(t, "PUT", "http://localhost:4566/bucket/k", body, sdkOpts{service: "s3", creds: testCreds, declare: h})
	r := serverRequest(t, raw)
	p, _ := Parse(r)
	if err := Verify(r, p, testCreds, t0); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(CheckedBody(r.Body, p.PayloadHash))
	if err != nil || string(got) != body {
		t.Fatalf("good body: %q %v", got, err)
	}

	r = serverRequest(t, raw)
	r.Body = io.NopCloser(strings.NewReader("hello WORLD"))
	if err := Verify(r, p, testCreds, t0); err != nil {
		t.Fatal(err) // declared hash trusted: Verify does not read the body
	}
	_, err = io.ReadAll(CheckedBody(r.Body, p.PayloadHash))
	if ReasonOf(err) != ReasonPayloadHashMismatch {
		t.Fatalf("tampered body: %v", err)
	}
	if b := io.NopCloser(strings.NewReader("x")); CheckedBody(b, UnsignedPayload) != b {
		t.Fatal("UNSIGNED-PAYLOAD body should pass through")
	}
}

// Examples published in AWS's documentation, signed by AWS.
func TestAWSDocumentationVectors(t *testing.T) {
	s3Secret := Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
	d0524 := time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)
	vectors := []struct {
		name   string
		raw    string
		creds  Credentials
		now    time.Time
		bucket string
	}{
		{"IAM ListUsers (SigV4 guide)", "GET /?Action=ListUsers&Version=2010-05-08 HTTP/1.1\r\n" +
			"Host: iam.amazonaws.com\r\n" +
			"Content-Type: application/x-www-form-urlencoded; charset=utf-8\r\n" +
			"X-Amz-Date: 20150830T123600Z\r\n" +
			"Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7\r\n\r\n",
			testCreds, time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC), ""},
		{"S3 GET object with Range", "GET /test.txt HTTP/1.1\r\n" +
			"Host: examplebucket.s3.amazonaws.com\r\n" +
			"Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41\r\n" +
			"Range: bytes=0-9\r\n" +
			"x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\r\n" +
			"x-amz-date: 20130524T000000Z\r\n\r\n",
			s3Secret, d0524, ""},
		{"S3 presigned GET", "GET /test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404 HTTP/1.1\r\n" +
			"Host: examplebucket.s3.amazonaws.com\r\n\r\n",
			s3Secret, d0524.Add(time.Hour), ""},
		{"S3 SigV2 header (virtual host)", "GET /photos/puppy.jpg HTTP/1.1\r\n" +
			"Host: johnsmith.s3.amazonaws.com\r\n" +
			"Date: Tue, 27 Mar 2007 19:36:42 +0000\r\n" +
			"Authorization: AWS AKIAIOSFODNN7EXAMPLE:bWq2s1WEIj+Ydj0vQ697zp+IXMU=\r\n\r\n",
			s3Secret, time.Date(2007, 3, 27, 19, 40, 0, 0, time.UTC), "johnsmith"},
		{"S3 SigV2 presigned (virtual host)", "GET /photos/puppy.jpg?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D&Expires=1175139620 HTTP/1.1\r\n" +
			"Host: johnsmith.s3.amazonaws.com\r\n\r\n",
			s3Secret, time.Unix(1175139620, 0).Add(-time.Minute), "johnsmith"},
	}
	for _, v := range vectors {
		t.Run(v.name, func(t *testing.T) {
			r := serverRequest(t, []byte(v.raw))
			p, err := Parse(r)
			if err != nil {
				t.Fatal(err)
			}
			p.VirtualHostBucket = v.bucket
			if err := Verify(r, p, v.creds, v.now); err != nil {
				var e *Error
				errors.As(err, &e)
				t.Fatalf("%v\n%s\n--\n%s", err, e.CanonicalRequest, e.StringToSign)
			}
		})
	}
}

// The aws-chunked upload example from the S3 documentation: the seed
// request, then each chunk's signature through ChunkVerifier.
func TestChunkVerifierAWSExample(t *testing.T) {
	creds := Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
	chunks := []struct {
		data []byte
		sig  string
	}{
		{bytes.Repeat([]byte("a"), 65536), "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"},
		{bytes.Repeat([]byte("a"), 1024), "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"},
		{nil, "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"},
	}
	var body bytes.Buffer
	for _, c := range chunks {
		body.WriteString(strconv.FormatInt(int64(len(c.data)), 16) + ";chunk-signature=" + c.sig + "\r\n")
		body.Write(c.data)
		body.WriteString("\r\n")
	}
	raw := "PUT /examplebucket/chunkObject.txt HTTP/1.1\r\n" +
		"Host: s3.amazonaws.com\r\n" +
		"x-amz-date: 20130524T000000Z\r\n" +
		"x-amz-storage-class: REDUCED_REDUNDANCY\r\n" +
		"Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9\r\n" +
		"x-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD\r\n" +
		"Content-Encoding: aws-chunked\r\n" +
		"x-amz-decoded-content-length: 66560\r\n" +
		"Content-Length: " + strconv.Itoa(body.Len()) + "\r\n\r\n" + body.String()
	if body.Len() != 66824 {
		t.Fatalf("body length %d", body.Len())
	}
	r := serverRequest(t, []byte(raw))
	p, err := Parse(r)
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(r, p, creds, p.Date); err != nil {
		t.Fatal(err)
	}
	if !IsStreaming(p.PayloadHash) {
		t.Fatal("not streaming")
	}
	cv, err := NewChunkVerifier(p, creds)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range chunks {
		if err := cv.Verify(c.data, c.sig); err != nil {
			t.Fatalf("chunk %d: %v", i, err)
		}
	}
	// A changed chunk breaks the chain.
	cv, _ = NewChunkVerifier(p, creds)
	if ReasonOf(cv.Verify(bytes.Repeat([]byte("b"), 65536), chunks[0].sig)) != ReasonSignatureMismatch {
		t.Fatal("tampered chunk accepted")
	}
}

// Requests the SDK signer cannot reproduce go through specSignature.
func TestSpecOnlyRequests(t *testing.T) {
	sign := func(raw string, p *Parsed, secret string) string {
		r := serverRequest(t, []byte(raw))
		payload, _ := payloadHash(r, p)
		sig, _, _ := specSignature(r, p, secret, payload, canonicalPaths(r, p.Service)[0])
		return sig
	}
	cases := []struct{ name, head string }{
		{"Date header instead of X-Amz-Date", "Date: Thu, 01 Jan 2026 00:00:00 GMT\r\n"},
		{"x-amz-date not signed", "X-Amz-Date: 20260101T000000Z\r\n"},
		{"content-length 0 signed", "X-Amz-Date: 20260101T000000Z\r\nContent-Length: 0\r\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			signedHeaders := "host;x-amz-target"
			switch {
			case strings.HasPrefix(c.head, "Date"):
				signedHeaders = "date;host;x-amz-target"
			case strings.Contains(c.head, "Content-Length"):
				signedHeaders = "content-length;host;x-amz-date;x-amz-target"
			}
			mk := func(sig string) string {
				return "POST / HTTP/1.1\r\nHost: localhost:4566\r\nX-Amz-Target: AWSEvents.ListRules\r\n" + c.head +
					"Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/events/aws4_request, SignedHeaders=" +
					signedHeaders + ", Signature=" + sig + "\r\n\r\n"
			}
			p, err := Parse(serverRequest(t, []byte(mk("00"))))
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := sdkRequest(serverRequest(t, []byte(mk("00"))), p, "/"); ok {
				t.Fatal("SDK path taken")
			}
			raw := mk(sign(mk("00"), p, testCreds.SecretAccessKey))
			if err := Verify(serverRequest(t, []byte(raw)), nil, testCreds, t0); err != nil {
				t.Fatal(err)
			}
			bad := mk(sign(mk("00"), p, "wrong"))
			if ReasonOf(Verify(serverRequest(t, []byte(bad)), nil, testCreds, t0)) != ReasonSignatureMismatch {
				t.Fatal("wrong secret accepted")
			}
		})
	}
}

func TestParse(t *testing.T) {
	const cred = "Credential=AKIDEXAMPLE/20260101/us-east-1/sqs/aws4_request"
	const good = "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host;x-amz-date, Signature=abc"
	type hdr = map[string]string
	cases := []struct {
		name    string
		query   string
		headers hdr
		kind    Kind
		msg     string // wanted Malformed message ("" = no error)
	}{
		{"anonymous", "list-type=2", nil, None, ""},
		{"header", "", hdr{"Authorization": good, "X-Amz-Date": "20260101T000000Z"}, Header, ""},
		{"header without spaces", "", hdr{"Authorization": "AWS4-HMAC-SHA256 " + cred + ",SignedHeaders=host,Signature=abc", "X-Amz-Date": "20260101T000000Z"}, Header, ""},
		{"everything missing", "", hdr{"Authorization": "AWS4-HMAC-SHA256"}, 0,
			"Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256"},
		{"signature missing", "", hdr{"Authorization": "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host", "X-Amz-Date": "20260101T000000Z"}, 0,
			"Authorization header requires 'Signature' parameter. Authorization=AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host"},
		{"credential with 4 parts", "", hdr{"Authorization": "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sqs, SignedHeaders=host, Signature=abc", "X-Amz-Date": "20260101T000000Z"}, 0,
			"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKID/20260101/us-east-1/sqs'"},
		{"bad terminator", "", hdr{"Authorization": "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sqs/aws5_request, SignedHeaders=host, Signature=abc", "X-Amz-Date": "20260101T000000Z"}, 0,
			"Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. "},
		{"scope date", "", hdr{"Authorization": good, "X-Amz-Date": "20260102T000000Z"}, 0,
			"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20260101' != '20260102', from '20260102T000000Z'."},
		{"bad x-amz-date", "", hdr{"Authorization": good, "X-Amz-Date": "2026-01-01T00:00:00Z"}, 0,
			"Date must be in ISO-8601 'basic format'. Got '2026-01-01T00:00:00Z'. See http://en.wikipedia.org/wiki/ISO_8601"},
		{"one-digit hour", "", hdr{"Authorization": good, "X-Amz-Date": "20260101T10000Z"}, 0,
			"Date must be in ISO-8601 'basic format'. Got '20260101T10000Z'. See http://en.wikipedia.org/wiki/ISO_8601"},
		{"host not signed", "", hdr{"Authorization": "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=x-amz-date, Signature=abc", "X-Amz-Date": "20260101T000000Z"}, 0, msgHostSigned},
		{"Date header", "", hdr{"Authorization": good, "Date": "Thu, 01 Jan 2026 00:00:00 GMT"}, Header, ""},
		{"sigv4a", "", hdr{"Authorization": "AWS4-ECDSA-P256-SHA256 Credential=x"}, 0, msgUnsupported},
		{"bearer", "", hdr{"Authorization": "Bearer abc"}, 0, msgUnsupported},
		{"two mechanisms", "X-Amz-Algorithm=AWS4-HMAC-SHA256", hdr{"Authorization": good}, 0, msgOneMechanism},
		{"presigned", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-Expires=604800&X-Amz-SignedHeaders=host&X-Amz-Signature=abc", nil, Presigned, ""},
		{"presigned missing signature", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host", nil, 0, msgQueryV4},
		{"presigned s3 without expires", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=abc", nil, 0, msgQueryV4},
		{"presigned sts without expires", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20260101%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=abc", nil, Presigned, ""},
		{"presigned expires over a week", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-Expires=604801&X-Amz-SignedHeaders=host&X-Amz-Signature=abc", nil, 0, msgExpiresWeek},
		{"presigned expires negative", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-Expires=-1&X-Amz-SignedHeaders=host&X-Amz-Signature=abc", nil, 0, msgExpiresNeg},
		{"presigned expires NaN", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-Expires=soon&X-Amz-SignedHeaders=host&X-Amz-Signature=abc", nil, 0, msgExpiresNaN},
		{"presigned other algorithm", "X-Amz-Algorithm=AWS4-HMAC-SHA512&X-Amz-Credential=AKID%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-Expires=1&X-Amz-SignedHeaders=host&X-Amz-Signature=abc", nil, 0, msgQueryV4Alg},
		{"presigned bad date", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20260101&X-Amz-Expires=1&X-Amz-SignedHeaders=host&X-Amz-Signature=abc", nil, 0, msgQueryV4Date},
		{"presigned bad credential", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID&X-Amz-Date=20260101T000000Z&X-Amz-Expires=1&X-Amz-SignedHeaders=host&X-Amz-Signature=abc", nil, 0, msgQueryV4Cred},
		{"v2 header", "", hdr{"Authorization": "AWS AKID:c2lnbmF0dXJl", "Date": "Thu, 01 Jan 2026 00:00:00 GMT"}, V2Header, ""},
		{"v2 header without signature", "", hdr{"Authorization": "AWS AKID", "Date": "Thu, 01 Jan 2026 00:00:00 GMT"}, 0, msgV2Header},
		{"v2 header without date", "", hdr{"Authorization": "AWS AKID:sig"}, 0, msgV2Date},
		{"v2 presigned", "AWSAccessKeyId=AKID&Expires=1767225600&Signature=abc%2B", nil, V2Presigned, ""},
		{"v2 presigned without expires", "AWSAccessKeyId=AKID&Signature=abc", nil, 0, msgQueryV2},
		{"v2 presigned bad expires", "AWSAccessKeyId=AKID&Signature=abc&Expires=tomorrow", nil, 0, "Invalid date (should be seconds since epoch): tomorrow"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := &http.Request{Method: "GET", URL: &url.URL{Path: "/", RawQuery: c.query}, Header: http.Header{}, Host: "localhost"}
			for k, v := range c.headers {
				r.Header.Set(k, v)
			}
			p, err := Parse(r)
			if c.msg != "" {
				var e *Error
				if !errors.As(err, &e) || e.Reason != ReasonMalformed || e.Msg != c.msg {
					t.Fatalf("err = %#v\nwant %q", err, c.msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Kind != c.kind {
				t.Fatalf("kind %v want %v", p.Kind, c.kind)
			}
			if c.kind == Header || c.kind == Presigned {
				if p.AccessKeyID == "" || p.Region != "us-east-1" || p.Service == "" || p.Date.IsZero() {
					t.Fatalf("%+v", p)
				}
			}
		})
	}
	// Verify reports an unsigned request as missing authentication.
	r := &http.Request{Method: "GET", URL: &url.URL{Path: "/"}, Header: http.Header{}}
	if ReasonOf(Verify(r, nil, testCreds, t0)) != ReasonMissingAuth {
		t.Fatal("anonymous request verified")
	}
}

func TestPayloadHashValues(t *testing.T) {
	raw := sdkSigned(t, "PUT", "http://localhost:4566/b/k", "x", sdkOpts{service: "s3", creds: testCreds, declare: "not-a-hash"})
	if ReasonOf(Verify(serverRequest(t, raw), nil, testCreds, t0)) != ReasonMalformed {
		t.Fatal("bogus payload hash accepted")
	}
	// S3 insists on the header rather than hashing the body itself.
	raw = sdkSigned(t, "PUT", "http://localhost:4566/b/k", "x", sdkOpts{service: "s3", creds: testCreds})
	var e *Error
	if err := Verify(serverRequest(t, raw), nil, testCreds, t0); !errors.As(err, &e) || e.Msg != msgMissingContentSHA256 {
		t.Fatalf("s3 without x-amz-content-sha256: %v", err)
	}
	// Whoever uses an S3 presigned URL cannot change its payload hash.
	c := sdkCases(t)[6]
	r := c.fresh(t)
	r.Header.Set("X-Amz-Content-Sha256", emptySHA256)
	if err := Verify(r, nil, c.creds, c.now); err != nil {
		t.Fatalf("presigned with unsigned X-Amz-Content-Sha256 header: %v", err)
	}
	for _, h := range []string{StreamingPayload, StreamingUnsignedPayload, StreamingPayloadTrailer} {
		raw := sdkSigned(t, "PUT", "http://localhost:4566/b/k", "x", sdkOpts{service: "s3", creds: testCreds, declare: h})
		if err := Verify(serverRequest(t, raw), nil, testCreds, t0); err != nil {
			t.Fatalf("%s: %v", h, err)
		}
	}
}

func TestRemoveDotSegments(t *testing.T) {
	for in, want := range map[string]string{
		"":            "/",
		"/":           "/",
		"/a//b/./c/":  "/a/b/c/",
		"/a/../b":     "/b",
		"/../a":       "/a",
		"//":          "/",
		"/a/b/..":     "/a",
		"/a%2F..%2Fb": "/a%2F..%2Fb",
	} {
		if got := removeDotSegments(in); got != want {
			t.Errorf("removeDotSegments(%q) = %q, want %q", in, got, want)
		}
	}
}

func BenchmarkVerifyJSONPost(b *testing.B) {
	raw := sdkSigned(b, "POST", "http://localhost:4566/", jsonBody, sdkOpts{service: "dynamodb", creds: testCreds,
		headers: map[string]string{"X-Amz-Target": "DynamoDB_20120810.GetItem", "Content-Type": "application/x-amz-json-1.0"}})
	r := serverRequest(b, raw)
	body := []byte(jsonBody)
	p, err := Parse(r)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		r.Body = io.NopCloser(bytes.NewReader(body))
		if err := Verify(r, p, testCreds, t0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	raw := sdkSigned(b, "POST", "http://localhost:4566/", jsonBody, sdkOpts{service: "dynamodb", creds: testCreds,
		headers: map[string]string{"X-Amz-Target": "DynamoDB_20120810.GetItem", "Content-Type": "application/x-amz-json-1.0"}})
	r := serverRequest(b, raw)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(r); err != nil {
			b.Fatal(err)
		}
	}
}

// ChunkVerifier agrees with aws-sdk-go-v2's StreamSigner (an independent
// implementation) over a chain of chunks of every size, and moves along
// the chain only on a match.
func TestChunkVerifierMatchesSDKStreamSigner(t *testing.T) {
	creds := Credentials{AccessKeyID: "AKIDCHUNK", SecretAccessKey: "chunk-secret"}
	r, _ := http.NewRequest("PUT", "http://127.0.0.1:4566/b/k", nil)
	r.Header.Set("X-Amz-Content-Sha256", StreamingPayload)
	when := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey}, r, StreamingPayload, "s3", "eu-west-1", when); err != nil {
		t.Fatal(err)
	}
	p, err := Parse(r)
	if err != nil {
		t.Fatal(err)
	}
	seed, _ := hex.DecodeString(p.Signature)
	ss := v4.NewStreamSigner(aws.Credentials{AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey}, "s3", "eu-west-1", seed)
	cv, err := NewChunkVerifier(p, creds)
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range []int{65536, 8192, 1, 0} {
		chunk := bytes.Repeat([]byte{byte('a' + i)}, n)
		sig, err := ss.GetSignature(context.Background(), nil, chunk, when)
		if err != nil {
			t.Fatal(err)
		}
		// A wrong signature first: refused, and the chain stays put.
		if ReasonOf(cv.Verify(chunk, strings.Repeat("0", 64))) != ReasonSignatureMismatch {
			t.Fatalf("chunk %d: a zero signature passed", i)
		}
		sum := sha256.Sum256(chunk)
		if err := cv.VerifySum(sum[:], hex.EncodeToString(sig)); err != nil {
			t.Fatalf("chunk %d (%d bytes): %v", i, n, err)
		}
	}
	// Presigned and V2 requests have no chain to start.
	if _, err := NewChunkVerifier(&Parsed{Kind: Presigned, Signature: hex.EncodeToString(seed)}, creds); err == nil {
		t.Error("presigned request accepted as a chunk seed")
	}
}
