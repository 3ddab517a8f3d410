package server

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

func lambdaClient(url string) *lambda.Client {
	return lambda.NewFromConfig(aws.Config{
		Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
}

func zipOne(name string, body []byte, mode os.FileMode) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	h := &zip.FileHeader{Name: name, Method: zip.Deflate}
	h.SetMode(mode)
	w, _ := zw.CreateHeader(h)
	w.Write(body)
	zw.Close()
	return buf.Bytes()
}

// warmFunction creates a trivial function of the given runtime and warms
// `warm` sandboxes of it.
func warmFunction(b *testing.B, c *lambda.Client, runtime string) string {
	ctx := context.Background()
	var code []byte
	handler := "app.handler"
	switch runtime {
	case "provided.al2023":
		dir := b.TempDir()
		build := exec.Command("go", "build", "-o", filepath.Join(dir, "bootstrap"), "../../examples/go-hello")
		build.Env = append(os.Environ(), "GOOS=linux", "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			b.Fatalf("build: %v\n%s", err, out)
		}
		bin, _ := os.ReadFile(filepath.Join(dir, "bootstrap"))
		code, handler = zipOne("bootstrap", bin, 0o755), "bootstrap"
	case "python3.11":
		code = zipOne("app.py", []byte("def handler(event, context):\n    return {'greeting': 'hello ' + event['name']}\n"), 0o644)
	}
	name := "bench-" + fmt.Sprint(time.Now().UnixNano())
	if _, err := c.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName: aws.String(name), Runtime: types.Runtime(runtime), Handler: aws.String(handler),
		Role: aws.String("arn:aws:iam::000000000000:role/r"), Code: &types.FunctionCode{ZipFile: code},
	}); err != nil {
		b.Fatal(err)
	}
	return name
}

// BenchmarkLambdaWarmInvoke is a warm Invoke round trip through
// aws-sdk-go-v2 (RequestResponse), at concurrency 1 and 8, for a trivial
// Go (aws-lambda-go) and Python handler.
func BenchmarkLambdaWarmInvoke(b *testing.B) {
	for _, runtime := range []string{"provided.al2023", "python3.11"} {
		for _, conc := range []int{1, 8} {
			b.Run(fmt.Sprintf("%s/conc=%d", runtime, conc), func(b *testing.B) {
				cmd, url, _ := start(b, b.TempDir())
				defer stop(cmd)
				c := lambdaClient(url)
				name := warmFunction(b, c, runtime)
				ctx := context.Background()
				payload := []byte(`{"name":"bench"}`)
				call := func() (time.Duration, error) {
					t0 := time.Now()
					out, err := c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(name), Payload: payload})
					if err == nil && out.FunctionError != nil {
						err = fmt.Errorf("function error: %s", out.Payload)
					}
					return time.Since(t0), err
				}
				// Warm one sandbox per worker.
				var wg sync.WaitGroup
				for i := 0; i < conc; i++ {
					wg.Add(1)
					go func() { defer wg.Done(); call() }()
				}
				wg.Wait()
				measure(b, conc, func(int) error { _, err := call(); return err })
			})
		}
	}
}

// BenchmarkRSSWith100WarmSandboxes reports hako's own resident set (not
// the sandboxes') once 100 sandboxes of one function are warm and idle.
func BenchmarkRSSWith100WarmSandboxes(b *testing.B) {
	for i := 0; i < b.N; i++ {
		cmd, url, _ := start(b, b.TempDir())
		c := lambdaClient(url)
		ctx := context.Background()
		code := zipOne("app.py", []byte("import time\ndef handler(event, context):\n    time.sleep(2)\n    return 1\n"), 0o644)
		if _, err := c.CreateFunction(ctx, &lambda.CreateFunctionInput{
			FunctionName: aws.String("many"), Runtime: types.RuntimePython311, Handler: aws.String("app.handler"),
			Role: aws.String("arn:aws:iam::000000000000:role/r"), Code: &types.FunctionCode{ZipFile: code}, Timeout: aws.Int32(60),
		}); err != nil {
			b.Fatal(err)
		}
		var wg sync.WaitGroup
		for j := 0; j < 100; j++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("many"), Payload: []byte(`{}`)}); err != nil {
					b.Error(err)
				}
			}()
		}
		wg.Wait()
		time.Sleep(time.Second)
		b.ReportMetric(float64(rssKB(cmd.Process.Pid))/1024, "MiB-hako-RSS")
		stop(cmd)
	}
}
