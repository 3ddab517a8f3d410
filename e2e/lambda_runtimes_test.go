package e2e

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

const roleARN = "arn:aws:iam::000000000000:role/role-lambdaexec"

func zipFiles(t *testing.T, files map[string]string, modes map[string]os.FileMode) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		h := &zip.FileHeader{Name: name, Method: zip.Deflate}
		mode := os.FileMode(0o644)
		if m, ok := modes[name]; ok {
			mode = m
		}
		h.SetMode(mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	zw.Close()
	return buf.Bytes()
}

func createFunction(t *testing.T, c *lambda.Client, name, runtime, handler string, code []byte) {
	t.Helper()
	_, err := c.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName: aws.String(name), Runtime: types.Runtime(runtime), Handler: aws.String(handler),
		Role: aws.String(roleARN), Code: &types.FunctionCode{ZipFile: code}, Timeout: aws.Int32(10),
	})
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	if err := lambda.NewFunctionActiveV2Waiter(c).Wait(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(name)}, 30e9); err != nil {
		t.Fatal(err)
	}
}

func invoke(t *testing.T, c *lambda.Client, name, payload string) (map[string]any, string) {
	t.Helper()
	out, err := c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(name), Payload: []byte(payload)})
	if err != nil {
		t.Fatalf("invoke %s: %v", name, err)
	}
	var v map[string]any
	if err := json.Unmarshal(out.Payload, &v); err != nil {
		t.Fatalf("invoke %s: payload %s: %v", name, out.Payload, err)
	}
	return v, aws.ToString(out.FunctionError)
}

// TestLambdaRuntimes runs a Go (aws-lambda-go), a Node (CommonJS and ESM)
// and a Python function calling boto3 with no endpoint in its code, refuses
// bad input, and finds the functions after a restart.
func TestLambdaRuntimes(t *testing.T) {
	s := StartServer(t)
	c := lambda.NewFromConfig(s.sdkConfig(t))

	t.Run("go provided.al2023", func(t *testing.T) {
		dir := t.TempDir()
		build := exec.Command("go", "build", "-o", filepath.Join(dir, "bootstrap"), "../examples/go-hello")
		build.Env = append(os.Environ(), "GOOS=linux", "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("build: %v\n%s", err, out)
		}
		bin, _ := os.ReadFile(filepath.Join(dir, "bootstrap"))
		code := zipFiles(t, map[string]string{"bootstrap": string(bin)}, map[string]os.FileMode{"bootstrap": 0o755})
		createFunction(t, c, "go-hello", "provided.al2023", "bootstrap", code)
		v, fe := invoke(t, c, "go-hello", `{"name":"hako"}`)
		if fe != "" || v["greeting"] != "hello hako" {
			t.Fatalf("go-hello = %v %s", v, fe)
		}
		v, _ = invoke(t, c, "go-hello", `{"name":"again"}`)
		if v["invocations"] != 2.0 {
			t.Fatalf("warm reuse: invocations = %v", v["invocations"])
		}
		v, fe = invoke(t, c, "go-hello", `{}`)
		if fe != "Unhandled" || v["errorMessage"] != "name is required" {
			t.Fatalf("go error = %v %s", v, fe)
		}
	})

	t.Run("nodejs commonjs", func(t *testing.T) {
		createFunction(t, c, "node-cjs", "nodejs20.x", "index.handler", zipFiles(t, map[string]string{
			"index.js": `exports.handler = async (event, context) => ({ doubled: event.x * 2, fn: context.functionName });`,
		}, nil))
		v, fe := invoke(t, c, "node-cjs", `{"x":21}`)
		if fe != "" || v["doubled"] != 42.0 || v["fn"] != "node-cjs" {
			t.Fatalf("node-cjs = %v %s", v, fe)
		}
	})

	t.Run("nodejs esm", func(t *testing.T) {
		createFunction(t, c, "node-esm", "nodejs20.x", "app.handler", zipFiles(t, map[string]string{
			"app.mjs": `export const handler = async (event) => { if (event.fail) throw new TypeError("boom"); return { esm: true }; };`,
		}, nil))
		v, fe := invoke(t, c, "node-esm", `{}`)
		if fe != "" || v["esm"] != true {
			t.Fatalf("node-esm = %v %s", v, fe)
		}
		v, fe = invoke(t, c, "node-esm", `{"fail":true}`)
		if fe != "Unhandled" || v["errorType"] != "TypeError" || v["errorMessage"] != "boom" {
			t.Fatalf("node-esm error = %v %s", v, fe)
		}
	})

	t.Run("python boto3 inside reaches hako", func(t *testing.T) {
		if err := exec.Command("python3", "-c", "import boto3").Run(); err != nil {
			t.Skip("python3 has no boto3")
		}
		createFunction(t, c, "py-boto3", "python3.11", "app.handler", zipFiles(t, map[string]string{
			"app.py": "import boto3\n\ndef handler(event, context):\n    logs = boto3.client('logs')\n    logs.create_log_group(logGroupName='/from/inside')\n    return {'groups': [g['logGroupName'] for g in logs.describe_log_groups(logGroupNamePrefix='/from/')['logGroups']]}\n",
		}, nil))
		v, fe := invoke(t, c, "py-boto3", `{}`)
		groups, _ := v["groups"].([]any)
		if fe != "" || len(groups) != 1 || groups[0] != "/from/inside" {
			t.Fatalf("py-boto3 = %v %s", v, fe)
		}
	})

	t.Run("bad input", func(t *testing.T) {
		_, err := c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("node-cjs"), Payload: []byte(`{"x":`)})
		var bad *types.InvalidRequestContentException
		if !errors.As(err, &bad) {
			t.Fatalf("malformed payload: %v", err)
		}
		_, err = c.CreateFunction(ctx, &lambda.CreateFunctionInput{
			FunctionName: aws.String("evil"), Runtime: types.RuntimeNodejs20x, Handler: aws.String("index.handler"), Role: aws.String(roleARN),
			Code: &types.FunctionCode{ZipFile: zipFiles(t, map[string]string{"../../etc/evil.js": "x"}, nil)},
		})
		var inv *types.InvalidParameterValueException
		if !errors.As(err, &inv) {
			t.Fatalf("zip with ../: %v", err)
		}
		if _, err := c.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("evil")}); err == nil {
			t.Fatal("refused function was stored")
		}
		_, err = c.CreateFunction(ctx, &lambda.CreateFunctionInput{
			FunctionName: aws.String("big"), Runtime: types.RuntimeNodejs20x, Handler: aws.String("index.handler"), Role: aws.String(roleARN),
			MemorySize: aws.Int32(64), Code: &types.FunctionCode{ZipFile: zipFiles(t, map[string]string{"index.js": "x"}, nil)},
		})
		expectAPIError(t, err, "ValidationException", 400)
	})

	// Functions, their code and their logs survive a restart.
	s.Restart()
	v, fe := invoke(t, c, "node-cjs", `{"x":1}`)
	if fe != "" || v["doubled"] != 2.0 {
		t.Fatalf("after restart: %v %s", v, fe)
	}
}
