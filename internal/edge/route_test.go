package edge

import (
	"net/http/httptest"
	"testing"
)

func TestRoute(t *testing.T) {
	cases := []struct {
		name          string
		method, url   string
		host          string
		target, scope string
		want          string
	}{
		{"json target", "POST", "/", "", "Logs_20140328.PutLogEvents", "logs", "logs"},
		{"target wins over scope", "POST", "/", "", "DynamoDBStreams_20120810.GetRecords", "dynamodb", "dynamodbstreams"},
		{"scope", "POST", "/", "", "", "sts", "sts"},
		{"lambda by scope", "GET", "/2015-03-31/functions/", "", "", "lambda", "lambda"},
		{"apigateway v1", "GET", "/restapis", "", "", "apigateway", "apigateway"},
		{"apigateway v2 by path", "GET", "/v2/apis", "", "", "apigateway", "apigatewayv2"},
		{"ses v1", "POST", "/", "", "", "ses", "ses"},
		{"sesv2 by path", "POST", "/v2/email/outbound-emails", "", "", "ses", "sesv2"},
		{"cloudwatch signs as monitoring", "POST", "/", "", "", "monitoring", "cloudwatch"},
		{"virtual-hosted s3, unsigned", "GET", "/key", "bucket.s3.localhost:4566", "", "", "s3"},
		{"bucket.localhost", "GET", "/key", "bucket.localhost:4566", "", "", "s3"},
		{"unsigned defaults to s3 (presigned V2, website)", "GET", "/bucket/key?AWSAccessKeyId=x&Signature=y&Expires=1", "127.0.0.1:4566", "", "", "s3"},
		{"unsigned query call by Version", "GET", "/?Action=AssumeRoleWithWebIdentity&Version=2011-06-15", "127.0.0.1:4566", "", "", "sts"},
		{"unknown scope", "POST", "/", "", "", "kinesis", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest(c.method, c.url, nil)
			if c.host != "" {
				r.Host = c.host
			}
			if c.target != "" {
				r.Header.Set("X-Amz-Target", c.target)
			}
			if got := route(r, c.scope); got != c.want {
				t.Fatalf("route = %q, want %q", got, c.want)
			}
		})
	}
}

func TestS3Host(t *testing.T) {
	cases := map[string]string{
		"my-bucket.s3.localhost:4566":            "my-bucket",
		"my.dotted.bucket.localhost":             "my.dotted.bucket",
		"s3.localhost:4566":                      "",
		"b.s3.us-east-1.amazonaws.com":           "b",
		"b.s3.amazonaws.com":                     "b",
		"site.example.s3-website.localhost:4566": "site.example",
	}
	for host, want := range cases {
		got, ok := s3Host(host)
		if !ok || got != want {
			t.Errorf("s3Host(%q) = %q, %v; want %q", host, got, ok, want)
		}
	}
	for _, host := range []string{"localhost:4566", "127.0.0.1:4566", "abc.execute-api.localhost:4566", "example.com"} {
		if b, ok := s3Host(host); ok {
			t.Errorf("s3Host(%q) = %q, want not S3", host, b)
		}
	}
}
