package e2e

import (
	"strings"
	"testing"
)

// TestLambdaCodeFromS3: a deployment package and a layer uploaded with
// `aws s3 cp` deploy with --code S3Bucket=...,S3Key=... (aws CLI v2), as
// SAM and the Serverless Framework deploy them.
func TestLambdaCodeFromS3(t *testing.T) {
	s := StartServer(t)
	const aws2 = "/usr/bin/aws"
	s.cli(t, aws2, "s3", "mb", "s3://deploy")
	s.cli(t, aws2, "s3", "cp", zipAt(t, map[string]string{"app.py": "import shared\ndef handler(event, context):\n    return shared.NAME + ' from s3'\n"}), "s3://deploy/fn.zip")
	s.cli(t, aws2, "s3", "cp", zipAt(t, map[string]string{"python/shared.py": "NAME = 'layer'\n"}), "s3://deploy/layer.zip")
	layer := s.cliJSON(t, aws2, "lambda", "publish-layer-version", "--layer-name", "shared", "--content", "S3Bucket=deploy,S3Key=layer.zip")
	fn := s.cliJSON(t, aws2, "lambda", "create-function", "--function-name", "froms3", "--runtime", "python3.11",
		"--handler", "app.handler", "--role", roleARN, "--code", "S3Bucket=deploy,S3Key=fn.zip",
		"--layers", layer["LayerVersionArn"].(string))
	if fn["CodeSize"].(float64) <= 0 {
		t.Fatalf("create: %v", fn)
	}
	path := t.TempDir() + "/out.json"
	s.cli(t, aws2, "lambda", "invoke", "--function-name", "froms3", path)
	if got := readFile(t, path); got != `"layer from s3"` {
		t.Errorf("invoke returned %s", got)
	}
	out, err := s.cliErr(t, aws2, "lambda", "update-function-code", "--function-name", "froms3", "--s3-bucket", "deploy", "--s3-key", "missing.zip")
	if err == nil || !strings.Contains(out, "InvalidParameterValueException") || !strings.Contains(out, "S3 Error Code: NoSuchKey") {
		t.Errorf("missing key: %s", out)
	}
}
