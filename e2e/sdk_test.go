package e2e

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// sdkConfig is an aws-sdk-go-v2 config pointing at the server with the
// given key (test/test when empty).
func (s *Server) sdkConfig(t testing.TB, keys ...string) aws.Config {
	t.Helper()
	ak, sk, tok := "test", "test", ""
	if len(keys) >= 2 {
		ak, sk = keys[0], keys[1]
	}
	if len(keys) >= 3 {
		tok = keys[2]
	}
	return aws.Config{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(s.URL),
		Credentials:      credentials.NewStaticCredentialsProvider(ak, sk, tok),
		RetryMaxAttempts: 1,
	}
}

var ctx = context.Background()
