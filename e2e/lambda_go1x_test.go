package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestGo1xAsSeed004Deploys deploys an aws-lambda-go binary the way seed 004
// (serverless.yml, runtime go1.x) does: the handler is the binary's name,
// created and invoked with the aws CLI v2.
func TestGo1xAsSeed004Deploys(t *testing.T) {
	s := StartServer(t)
	dir := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "hello"), "../examples/go-hello")
	build.Env = append(os.Environ(), "GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	bin, _ := os.ReadFile(filepath.Join(dir, "hello"))
	zipPath := filepath.Join(dir, "fn.zip")
	if err := os.WriteFile(zipPath, zipFiles(t, map[string]string{"hello": string(bin)}, map[string]os.FileMode{"hello": 0o755}), 0o644); err != nil {
		t.Fatal(err)
	}
	const v2 = "/usr/bin/aws"
	s.cli(t, v2, "lambda", "create-function", "--function-name", "backlog-hook", "--runtime", "go1.x",
		"--handler", "hello", "--role", roleARN, "--zip-file", "fileb://"+zipPath)
	out := filepath.Join(dir, "out.json")
	res := s.cliJSON(t, v2, "lambda", "invoke", "--function-name", "backlog-hook", "--cli-binary-format", "raw-in-base64-out",
		"--payload", `{"name":"seed004"}`, out)
	body, _ := os.ReadFile(out)
	if res["StatusCode"] != 200.0 || res["FunctionError"] != nil || !strings.Contains(string(body), `"greeting":"hello seed004"`) {
		t.Fatalf("go1.x invoke: %v %s", res, body)
	}
	res = s.cliJSON(t, v2, "lambda", "invoke", "--function-name", "backlog-hook", "--cli-binary-format", "raw-in-base64-out",
		"--payload", `{}`, out)
	body, _ = os.ReadFile(out)
	if res["FunctionError"] != "Unhandled" || !strings.Contains(string(body), `"errorMessage":"name is required"`) {
		t.Fatalf("go1.x error: %v %s", res, body)
	}
}
