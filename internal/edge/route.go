package edge

import (
	"net/http"
	"strings"
)

// targetPrefixes maps X-Amz-Target prefixes (json protocols) to models.
var targetPrefixes = map[string]string{
	"Logs_20140328":                 "logs",
	"DynamoDB_20120810":             "dynamodb",
	"DynamoDBStreams_20120810":      "dynamodbstreams",
	"AmazonSQS":                     "sqs",
	"AWSEvents":                     "events",
	"secretsmanager":                "secretsmanager",
	"GraniteServiceVersion20100801": "cloudwatch",
}

// signingNames maps the service of a SigV4 credential scope to the models
// that sign with it. Where several models share a signing name the path
// tells them apart (see pickBySigningName).
var signingNames = map[string][]string{
	"apigateway":     {"apigateway", "apigatewayv2"},
	"cloudformation": {"cloudformation"},
	"monitoring":     {"cloudwatch"},
	"dynamodb":       {"dynamodb", "dynamodbstreams"},
	"events":         {"events"},
	"iam":            {"iam"},
	"lambda":         {"lambda"},
	"logs":           {"logs"},
	"s3":             {"s3"},
	"scheduler":      {"scheduler"},
	"secretsmanager": {"secretsmanager"},
	"ses":            {"ses", "sesv2"},
	"sns":            {"sns"},
	"sqs":            {"sqs"},
	"sts":            {"sts"},
}

// route names the model a request addresses, or "" when nothing tells.
//
// Order: X-Amz-Target (json protocols, exact), the credential scope's
// service (split by path where two models share it), the Host
// (virtual-hosted S3), then S3 as the default for unsigned requests
// (presigned SigV2 URLs, anonymous GETs, CORS preflights), the way AWS's
// s3 endpoint takes them.
func route(r *http.Request, scopeService string) string {
	if t := r.Header.Get("X-Amz-Target"); t != "" {
		prefix, _, _ := strings.Cut(t, ".")
		if m, ok := targetPrefixes[prefix]; ok {
			return m
		}
	}
	if scopeService != "" {
		if m := pickBySigningName(scopeService, r); m != "" {
			return m
		}
	}
	if _, ok := s3Host(r.Host); ok {
		return "s3"
	}
	if scopeService == "" {
		// Unsigned query-protocol calls (e.g. sts AssumeRoleWithWebIdentity)
		// carry an Action and a Version we can read without parsing the body.
		if v := r.URL.Query().Get("Version"); v != "" {
			if m := byQueryVersion[v]; m != "" {
				return m
			}
		}
		return "s3"
	}
	return ""
}

// byQueryVersion maps the Version parameter of query protocols to models.
var byQueryVersion = map[string]string{
	"2011-06-15": "sts",
	"2010-05-08": "iam",
	"2010-03-31": "sns",
	"2012-11-05": "sqs",
	"2010-12-01": "ses",
	"2010-05-15": "cloudformation",
}

func pickBySigningName(name string, r *http.Request) string {
	models := signingNames[name]
	switch name {
	case "apigateway":
		if strings.HasPrefix(r.URL.Path, "/v2/") {
			return "apigatewayv2"
		}
		return "apigateway"
	case "ses":
		if strings.HasPrefix(r.URL.Path, "/v2/") {
			return "sesv2"
		}
		return "ses"
	case "dynamodb":
		if strings.HasPrefix(r.Header.Get("X-Amz-Target"), "DynamoDBStreams_") {
			return "dynamodbstreams"
		}
		return "dynamodb"
	}
	if len(models) > 0 {
		return models[0]
	}
	return ""
}

// s3Host reports whether host addresses S3 in virtual-hosted style and
// returns the bucket: BUCKET.s3.localhost[:port], BUCKET.localhost[:port],
// BUCKET.s3-website.localhost[:port] (the website endpoint, which S3
// serves itself: service.API.Intercept),
// BUCKET.s3.amazonaws.com, BUCKET.s3.REGION.amazonaws.com. A bare
// "s3.localhost" addresses S3 without a bucket.
func s3Host(host string) (bucket string, ok bool) {
	h := host
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.Contains(h[i:], "]") {
		h = h[:i]
	}
	h = strings.ToLower(h)
	for _, suffix := range []string{".s3-website.localhost", ".s3.localhost", ".localhost"} {
		if b, found := strings.CutSuffix(h, suffix); found && b != "" && !strings.HasSuffix(b, ".execute-api") && !strings.Contains(b, ".execute-api.") {
			if b == "s3" {
				return "", true
			}
			return b, true
		}
	}
	if h == "s3.localhost" {
		return "", true
	}
	if i := strings.Index(h, ".s3."); i > 0 && strings.HasSuffix(h, ".amazonaws.com") {
		return h[:i], true
	}
	if i := strings.Index(h, ".s3-"); i > 0 && strings.HasSuffix(h, ".amazonaws.com") {
		return h[:i], true
	}
	return "", false
}
