package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// TestStrictAuthOffLoopback runs hako on a non-loopback address, where only
// configured keys are accepted and signatures are always verified.
func TestStrictAuthOffLoopback(t *testing.T) {
	s := StartServer(t, "--addr", "0.0.0.0:0", "--credentials", "AKIAGOOD:goodsecret:111111111111")
	good := s.sdkConfig(t, "AKIAGOOD", "goodsecret")
	id, err := sts.NewFromConfig(good).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(id.Account) != "111111111111" {
		t.Fatalf("account = %s", aws.ToString(id.Account))
	}
	cases := []struct {
		name       string
		keys       []string
		stsCode    string
		logsCode   string
		logsStatus int
	}{
		{"unknown key", []string{"AKIAUNKNOWN", "x"}, "InvalidClientTokenId", "UnrecognizedClientException", 400},
		{"wrong secret", []string{"AKIAGOOD", "badsecret"}, "SignatureDoesNotMatch", "InvalidSignatureException", 400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := s.sdkConfig(t, c.keys...)
			_, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			expectAPIError(t, err, c.stsCode, 403)
			_, err = cwl.NewFromConfig(cfg).CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("/nope")})
			expectAPIError(t, err, c.logsCode, c.logsStatus)
		})
	}
	t.Run("unsigned", func(t *testing.T) {
		out, err := s.cliErr(t, "/usr/bin/aws", "--no-sign-request", "logs", "describe-log-groups")
		if err == nil || !strings.Contains(out, "MissingAuthenticationToken") {
			t.Fatalf("unsigned: %v %s", err, out)
		}
	})
	t.Run("expired date", func(t *testing.T) {
		body := []byte(`{}`)
		req, _ := http.NewRequest("POST", s.URL+"/", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", "Logs_20140328.DescribeLogGroups")
		sum := sha256Hex(body)
		err := v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: "AKIAGOOD", SecretAccessKey: "goodsecret"}, req, sum, "logs", "us-east-1", time.Now().Add(-20*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var e map[string]any
		json.Unmarshal(b, &e)
		if resp.StatusCode != 400 || e["__type"] != "InvalidSignatureException" || !strings.Contains(strings.ToLower(string(b)), "signature expired") {
			t.Fatalf("expired: %d %s", resp.StatusCode, b)
		}
	})
	// Nothing was stored by the refused calls.
	groups, err := cwl.NewFromConfig(good).DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(groups.LogGroups) != 0 {
		t.Fatalf("refused calls stored %d groups", len(groups.LogGroups))
	}
}

func expectAPIError(t *testing.T, err error, code string, status int) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want %s, got %v", code, err)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("code = %s (%s), want %s", ae.ErrorCode(), ae.ErrorMessage(), code)
	}
	var re interface{ HTTPStatusCode() int }
	if status != 0 && errors.As(err, &re) && re.HTTPStatusCode() != status {
		t.Fatalf("%s: status = %d, want %d", code, re.HTTPStatusCode(), status)
	}
}
