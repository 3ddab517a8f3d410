package sigv4

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"testing"
)

func FuzzParse(f *testing.F) {
	const cred = "Credential=AKIDEXAMPLE/20260101/us-east-1/sqs/aws4_request"
	f.Add("AWS4-HMAC-SHA256 "+cred+", SignedHeaders=host;x-amz-date, Signature=abc", "", "20260101T000000Z", "")
	f.Add("AWS4-HMAC-SHA256 "+cred+",SignedHeaders=host,Signature=abc", "Action=ListQueues", "", "Thu, 01 Jan 2026 00:00:00 GMT")
	f.Add("AWS4-HMAC-SHA256", "", "", "")
	f.Add("AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=, Signature=", "", "2026", "")
	f.Add("", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-Expires=604800&X-Amz-SignedHeaders=host&X-Amz-Signature=abc", "", "")
	f.Add("", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20260101%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=abc&X-Amz-Expires=-5", "", "")
	f.Add("AWS AKID:c2lnbmF0dXJl", "", "", "Thu, 01 Jan 2026 00:00:00 +0000")
	f.Add("AWS :", "acl", "Thu, 01 Jan 2026 00:00:00 GMT", "")
	f.Add("", "AWSAccessKeyId=AKID&Expires=1767225600&Signature=abc%2B", "", "")
	f.Add("Bearer x", "AWSAccessKeyId=AKID", "", "")
	f.Fuzz(func(t *testing.T, auth, query, amzDate, date string) {
		r := &http.Request{Method: "GET", URL: &url.URL{Path: "/", RawQuery: query}, Header: http.Header{}, Host: "localhost"}
		for k, v := range map[string]string{"Authorization": auth, "X-Amz-Date": amzDate, "Date": date} {
			if v != "" {
				r.Header.Set(k, v)
			}
		}
		p, err := Parse(r)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Reason != ReasonMalformed || e.Msg == "" || p != nil {
				t.Fatalf("Parse error %#v, p %v", err, p)
			}
			return
		}
		switch p.Kind {
		case None:
			if auth != "" {
				t.Fatalf("Authorization %q parsed as anonymous", auth)
			}
		case Header, Presigned:
			if p.AccessKeyID == "" || p.Region == "" || p.Service == "" || p.Date.IsZero() || p.Signature == "" ||
				!slices.Contains(p.SignedHeaders, "host") {
				t.Fatalf("incomplete %+v", p)
			}
			if p.Kind == Presigned && p.hasExpires && (p.Expires < 0 || p.Expires > maxExpires*1e9) {
				t.Fatalf("expires %v", p.Expires)
			}
		case V2Header, V2Presigned:
			if p.AccessKeyID == "" || p.Signature == "" {
				t.Fatalf("incomplete %+v", p)
			}
		default:
			t.Fatalf("kind %v", p.Kind)
		}
		// Verify never panics on what Parse accepted.
		_ = Verify(r, p, testCreds, p.Date)
	})
}

// FuzzVerify feeds raw HTTP requests (seeded with real signed ones) to
// Parse and Verify and checks that Verify leaves the body intact, fails
// only with *Error, and that the SDK signer and the specification path
// compute the same signature wherever both apply.
func FuzzVerify(f *testing.F) {
	for _, c := range sdkCases(f) {
		f.Add(c.raw)
	}
	f.Add([]byte("POST / HTTP/1.1\r\nHost: h\r\nX-Amz-Date: 20260101T000000Z\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/events/aws4_request, SignedHeaders=content-length;host;x-amz-date;x-amz-target, Signature=00\r\nX-Amz-Target: A.B\r\nContent-Length: 0\r\n\r\n"))
	f.Add([]byte("GET /b/k?AWSAccessKeyId=AKID&Expires=1767225600&Signature=abc&acl&versionId=1 HTTP/1.1\r\nHost: h\r\nx-amz-meta-a: 1\r\n\r\n"))
	f.Add([]byte("GET /a//b/../c HTTP/1.1\r\nHost: h\r\nDate: Thu, 01 Jan 2026 00:00:00 GMT\r\nAuthorization: AWS AKID:abc=\r\n\r\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
		if err != nil {
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		p, err := Parse(r)
		if err != nil {
			if ReasonOf(err) != ReasonMalformed {
				t.Fatalf("Parse: %v", err)
			}
			return
		}
		now := p.Date
		if p.Kind == V2Presigned {
			now = p.ExpiresAt
		}
		creds := Credentials{AccessKeyID: p.AccessKeyID, SecretAccessKey: testCreds.SecretAccessKey, SessionToken: p.SecurityToken}
		if err := Verify(r, p, creds, now); err != nil && ReasonOf(err) == 0 {
			t.Fatalf("Verify: untyped error %v", err)
		}
		if rest, _ := io.ReadAll(r.Body); !bytes.Equal(rest, body) {
			t.Fatalf("body after Verify %q, want %q", rest, body)
		}
		if p.Kind != Header && p.Kind != Presigned {
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		payload, err := payloadHash(r, p)
		if err != nil {
			return
		}
		for _, path := range canonicalPaths(r, p.Service) {
			if _, ok := sdkRequest(r, p, path); !ok {
				continue
			}
			sdk := expectedV4(r, p, creds.SecretAccessKey, payload, path, nil)
			spec, creq, _ := specSignature(r, p, creds.SecretAccessKey, payload, path)
			if sdk != spec {
				var d diagnostics
				expectedV4(r, p, creds.SecretAccessKey, payload, path, &d)
				t.Fatalf("SDK and spec disagree\nsdk canonical:\n%s\n\nspec canonical:\n%s", d.canonical, creq)
			}
		}
	})
}
