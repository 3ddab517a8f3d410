package e2e

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

func TestGetCallerIdentity(t *testing.T) {
	s := StartServer(t)
	for _, bin := range []string{"/usr/bin/aws", "aws"} {
		t.Run(bin, func(t *testing.T) {
			out := s.cliJSON(t, bin, "sts", "get-caller-identity")
			if out["Account"] != "000000000000" || out["Arn"] != "arn:aws:iam::000000000000:root" {
				t.Fatalf("get-caller-identity = %v", out)
			}
		})
	}
	t.Run("boto3", func(t *testing.T) {
		out := s.python(t, `
import boto3, json, os
sts = boto3.client("sts", endpoint_url=os.environ["ENDPOINT"])
r = sts.get_caller_identity()
print(json.dumps({"Account": r["Account"], "Arn": r["Arn"], "UserId": r["UserId"]}))
`)
		if out["Account"] != "000000000000" {
			t.Fatalf("boto3 = %v", out)
		}
	})
	t.Run("sdk-go-v2 twelve-digit key selects the account", func(t *testing.T) {
		c := sts.NewFromConfig(s.sdkConfig(t, "123456789012", "whatever"))
		out, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(out.Account) != "123456789012" {
			t.Fatalf("account = %s", aws.ToString(out.Account))
		}
	})
}

func TestAssumeRoleCredentialsWork(t *testing.T) {
	s := StartServer(t)
	cfg := s.sdkConfig(t)
	_, err := iam.NewFromConfig(cfg).CreateRole(ctx, &iam.CreateRoleInput{
		RoleName:                 aws.String("app-role"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := sts.NewFromConfig(cfg).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn:         aws.String("arn:aws:iam::000000000000:role/app-role"),
		RoleSessionName: aws.String("s1"),
	})
	if err != nil {
		t.Fatal(err)
	}
	cr := out.Credentials
	if !strings.HasPrefix(aws.ToString(cr.AccessKeyId), "ASIA") || cr.Expiration == nil {
		t.Fatalf("credentials = %+v", cr)
	}
	assumed := sts.NewFromConfig(s.sdkConfig(t, *cr.AccessKeyId, *cr.SecretAccessKey, *cr.SessionToken))
	id, err := assumed.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if want := "arn:aws:sts::000000000000:assumed-role/app-role/s1"; aws.ToString(id.Arn) != want {
		t.Fatalf("arn = %s, want %s", aws.ToString(id.Arn), want)
	}
	// Issued keys are verified even on loopback: a wrong secret fails.
	bad := sts.NewFromConfig(s.sdkConfig(t, *cr.AccessKeyId, "wrong-secret", *cr.SessionToken))
	_, err = bad.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "SignatureDoesNotMatch" {
		t.Fatalf("wrong secret: err = %v", err)
	}
	// And they survive a restart.
	s.Restart()
	if _, err := assumed.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("after restart: %v", err)
	}
}
