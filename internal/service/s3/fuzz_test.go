package s3

import (
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"
)

// FuzzParsePolicy: any bucket policy document is accepted or refused with
// an AWS error, never a panic; an accepted one evaluates without panics.
func FuzzParsePolicy(f *testing.F) {
	for _, seed := range []string{
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`,
		`{"Statement":{"Effect":"Deny","Principal":{"AWS":["*"]},"NotAction":["s3:Get*"],"Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8"]}}}}`,
		`{"Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"*","Resource":["arn:aws:s3:::b","arn:aws:s3:::b/[x]?*"],"Condition":{"Bool":{"aws:SecureTransport":false}}}]}`,
		`{`, `[]`, `{"Statement":[]}`, `{"Statement":[{"Effect":"Maybe"}]}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		p, err := parsePolicy(doc, "b")
		if err != nil {
			if code(t, err) == "" {
				t.Fatalf("not an AWS error: %v", err)
			}
			return
		}
		for _, a := range []access{
			{anonymous: true, action: "s3:GetObject", resource: "arn:aws:s3:::b/k", sourceIP: "10.1.2.3"},
			{account: "123456789012", arn: "arn:aws:iam::123456789012:user/u", action: "s3:PutObject", resource: "arn:aws:s3:::b/*"},
		} {
			p.decide(a)
		}
	})
}

// FuzzPostPolicy: any POST policy document and form fields are checked
// without panics, and an expired policy is never accepted.
func FuzzPostPolicy(f *testing.F) {
	for _, seed := range []string{
		`{"expiration":"2030-01-01T00:00:00Z","conditions":[{"bucket":"b"},["starts-with","$key","uploads/"],["content-length-range",1,100]]}`,
		`{"expiration":"2030-01-01T00:00:00.000Z","conditions":[["eq","$Content-Type","text/plain"],{"x-amz-meta-a":"1"}]}`,
		`{"expiration":"2000-01-01T00:00:00Z","conditions":[]}`,
		`{"expiration":"x","conditions":[[1,2,3]]}`, `{}`, `[`,
	} {
		f.Add(seed, "uploads/a.txt", "text/plain")
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, doc, key, ctype string) {
		form := &postForm{fields: map[string]string{"key": key, "content-type": ctype}, names: map[string]string{"key": "key", "content-type": "Content-Type"}}
		_, _, err := checkPostPolicy(base64.StdEncoding.EncodeToString([]byte(doc)), form, "b", now)
		if err != nil && code(t, err) == "" {
			t.Fatalf("not an AWS error: %v", err)
		}
		if err == nil {
			var d struct{ Expiration string }
			json.Unmarshal([]byte(doc), &d)
			exp, perr := time.Parse(time.RFC3339, d.Expiration)
			if perr != nil || !now.Before(exp) {
				t.Fatalf("accepted a policy expiring %q at %s", d.Expiration, now)
			}
		}
	})
}
