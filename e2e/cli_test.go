package e2e

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// hakoCLI runs the hako binary with args and returns stdout, stderr and the
// exit code.
func hakoCLI(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(c, hakoBin, args...)
	cmd.Env = awsEnv()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		code = exit.ExitCode()
	default:
		t.Fatalf("hako %s: %v", strings.Join(args, " "), err)
	}
	return out.String(), errb.String(), code
}

// TestCLI drives `hako invoke`, `hako functions` and `hako logs` against a
// running server.
func TestCLI(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node not installed")
	}
	s := StartServer(t)
	c := lambda.NewFromConfig(s.sdkConfig(t))
	createFunction(t, c, "cli-fn", "nodejs20.x", "index.handler", zipFiles(t, map[string]string{
		"index.js": `exports.handler = async (event) => {
  console.log("got x", event.x);
  if (event.fail) throw new RangeError("too big");
  return { doubled: event.x * 2 };
};`,
	}, nil))
	ep := []string{"--endpoint-url", s.URL}

	t.Run("invoke", func(t *testing.T) {
		out, errOut, code := hakoCLI(t, append([]string{"invoke", "cli-fn", "--payload", `{"x":2}`}, ep...)...)
		if code != 0 || !strings.Contains(out, `"doubled": 4`) {
			t.Fatalf("invoke: code %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
		}
		if !strings.Contains(errOut, "got x 2") || !strings.Contains(errOut, "START RequestId") {
			t.Fatalf("invoke: log tail missing from stderr:\n%s", errOut)
		}
	})

	t.Run("invoke function error", func(t *testing.T) {
		out, errOut, code := hakoCLI(t, append([]string{"invoke", "cli-fn", "--payload", `{"x":3,"fail":true}`}, ep...)...)
		if code != 1 || !strings.Contains(errOut, "RangeError: too big") {
			t.Fatalf("failing invoke: code %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
		}
	})

	t.Run("invoke API error", func(t *testing.T) {
		_, errOut, code := hakoCLI(t, append([]string{"invoke", "no-such-fn"}, ep...)...)
		if code != 2 || !strings.Contains(errOut, "ResourceNotFoundException") {
			t.Fatalf("missing function: code %d\n%s", code, errOut)
		}
		_, errOut, code = hakoCLI(t, append([]string{"invoke", "cli-fn", "--payload", `{"x":`}, ep...)...)
		if code != 2 {
			t.Fatalf("bad payload: code %d\n%s", code, errOut)
		}
		_, errOut, code = hakoCLI(t, "invoke")
		if code != 2 || !strings.Contains(errOut, "Usage: hako invoke") {
			t.Fatalf("no name: code %d\n%s", code, errOut)
		}
	})

	t.Run("functions", func(t *testing.T) {
		out, errOut, code := hakoCLI(t, append([]string{"functions"}, ep...)...)
		if code != 0 {
			t.Fatalf("functions: code %d\n%s\n%s", code, out, errOut)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 2 || !regexp.MustCompile(`^NAME\s+RUNTIME\s+STATE\s+MEMORY\s+LAST INVOKE\s+WARM\s+BUSY$`).MatchString(lines[0]) {
			t.Fatalf("functions table:\n%s\n%s", out, errOut)
		}
		row := regexp.MustCompile(`^cli-fn\s+nodejs20\.x\s+Active\s+128\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+1\s+0$`)
		if !row.MatchString(lines[1]) {
			t.Fatalf("functions row %q\n%s", lines[1], errOut)
		}
	})

	t.Run("logs", func(t *testing.T) {
		// Sandbox output reaches CloudWatch Logs shortly after the invoke.
		var out, errOut string
		var code int
		deadline := time.Now().Add(10 * time.Second)
		for {
			out, errOut, code = hakoCLI(t, append([]string{"logs", "cli-fn"}, ep...)...)
			if code == 0 && strings.Contains(out, "START RequestId") && strings.Contains(out, "got x 3") || time.Now().After(deadline) {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		if code != 0 || !strings.Contains(out, "START RequestId") || !strings.Contains(out, "/[$LATEST]") {
			t.Fatalf("logs: code %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
		}
		_, errOut, code = hakoCLI(t, append([]string{"logs", "never-ran"}, ep...)...)
		if code != 2 || !strings.Contains(errOut, "/aws/lambda/never-ran") {
			t.Fatalf("logs of missing group: code %d\n%s", code, errOut)
		}
	})
}
