package runtime

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// bridged reports whether fn's (only) sandbox runs behind the RPC shim.
func bridged(t *testing.T, e *testEnv) bool {
	t.Helper()
	e.m.mu.Lock()
	defer e.m.mu.Unlock()
	if len(e.m.all) != 1 {
		t.Fatalf("%d sandboxes", len(e.m.all))
	}
	for sb := range e.m.all {
		return sb.rpcBridged.Load()
	}
	return false
}

func TestGo1xRPC(t *testing.T) {
	t.Parallel()
	e := newTestManager(t, nil)
	bin := functionBinary(t)
	fn := e.function("goxrpc", func(f *Function) {
		f.Runtime, f.Handler, f.Timeout = "go1.x", "handler", 2*time.Second
		f.Code = codeOf(zipOf(t, []zipFile{{name: "handler", body: bin, mode: 0o755}}))
	})

	// Success, with the event's context carried over RPC.
	res, err := e.invokeErr(fn, map[string]any{"action": "env"}, func(r *InvokeRequest) {
		r.RequestID = "11111111-2222-4333-8444-555555555555"
		r.InvokedARN = fn.ARN + ":$LATEST"
		r.TraceID = "Root=1-5759e988-bd862e3fe1be46a994272793"
	})
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Env        map[string]string
		RequestID  string
		ARN        string
		DeadlineIn int64
	}
	decodeJSON(t, res.Payload, &out)
	if res.FunctionError != "" || !res.Cold || out.RequestID != "11111111-2222-4333-8444-555555555555" || out.ARN != fn.ARN+":$LATEST" {
		t.Fatalf("%q cold=%v %.400s", res.FunctionError, res.Cold, res.Payload)
	}
	if out.DeadlineIn <= 0 || out.DeadlineIn > 2000 {
		t.Errorf("deadline in %d ms, want within the 2s timeout", out.DeadlineIn)
	}
	if out.Env["_LAMBDA_SERVER_PORT"] == "" || out.Env["AWS_LAMBDA_RUNTIME_API"] == "" || out.Env["_X_AMZN_TRACE_ID"] != "Root=1-5759e988-bd862e3fe1be46a994272793" {
		t.Errorf("env: port %q api %q trace %q", out.Env["_LAMBDA_SERVER_PORT"], out.Env["AWS_LAMBDA_RUNTIME_API"], out.Env["_X_AMZN_TRACE_ID"])
	}
	if !bridged(t, e) {
		t.Fatal("aws-lambda-go with _LAMBDA_SERVER_PORT set did not serve RPC")
	}

	// Warm reuse.
	if res := e.invoke(t, fn, map[string]any{"action": "count"}); res.Cold || string(res.Payload) != "2" {
		t.Fatalf("warm: cold=%v %s", res.Cold, res.Payload)
	}
	if res := e.invoke(t, fn, map[string]any{"action": "echo", "text": "hi"}); res.Cold || string(res.Payload) != `{"count":3,"echo":"hi"}` {
		t.Fatalf("warm echo: cold=%v %s", res.Cold, res.Payload)
	}

	// A handler error: AWS's go1.x document; the sandbox stays.
	res = e.invoke(t, fn, map[string]any{"action": "error", "text": "x"})
	if res.FunctionError != "Unhandled" || string(res.Payload) != `{"errorMessage":"boom: x","errorType":"errorString"}` {
		t.Fatalf("error: %q %s", res.FunctionError, res.Payload)
	}
	if res := e.invoke(t, fn, map[string]any{"action": "count"}); res.Cold || string(res.Payload) != "5" {
		t.Fatalf("after error: cold=%v %s", res.Cold, res.Payload)
	}

	// The timeout still holds; the sandbox is replaced.
	res = e.invoke(t, fn, map[string]any{"action": "sleep", "sleep": "10s"})
	if res.FunctionError != "Unhandled" || !strings.Contains(string(res.Payload), `"errorType":"Sandbox.Timedout"`) ||
		!strings.Contains(string(res.Payload), "Task timed out after 2.00 seconds") {
		t.Fatalf("timeout: %q %s", res.FunctionError, res.Payload)
	}
	if res.Duration > 4*time.Second {
		t.Errorf("timeout took %v", res.Duration)
	}
	if res := e.invoke(t, fn, map[string]any{"action": "count"}); !res.Cold || string(res.Payload) != "1" {
		t.Fatalf("after timeout: cold=%v %s", res.Cold, res.Payload)
	}

	// A panic (ShouldExit) ends the sandbox after its invoke.
	res = e.invoke(t, fn, map[string]any{"action": "panic", "text": "p"})
	if res.FunctionError != "Unhandled" || !strings.Contains(string(res.Payload), `"errorMessage":"panicking: p"`) ||
		!strings.Contains(string(res.Payload), `"stackTrace":[`) {
		t.Fatalf("panic: %q %s", res.FunctionError, res.Payload)
	}
	if res := e.invoke(t, fn, map[string]any{"action": "count"}); !res.Cold || string(res.Payload) != "1" {
		t.Fatalf("after panic: cold=%v %s", res.Cold, res.Payload)
	}

	// A crash mid-invoke is Runtime.ExitError, not a timeout.
	res = e.invoke(t, fn, map[string]any{"action": "exit", "code": 3})
	if res.FunctionError != "Unhandled" || !strings.Contains(string(res.Payload), "Runtime.ExitError") || res.Duration > time.Second {
		t.Fatalf("crash: %q %v %s", res.FunctionError, res.Duration, res.Payload)
	}

	// A failed init (exit before the RPC server answers).
	initFail := e.function("goxrpcinit", func(f *Function) {
		f.Runtime, f.Handler, f.Code = fn.Runtime, fn.Handler, fn.Code
		f.Environment = map[string]string{"FN_INIT_EXIT": "1"}
	})
	res = e.invoke(t, initFail, map[string]any{})
	if res.FunctionError != "Unhandled" || !strings.Contains(string(res.Payload), "Runtime.ExitError") {
		t.Fatalf("init failure: %s", res.Payload)
	}
}

// A go1.x binary built without RPC support (lambda.norpc) polls the
// Runtime API itself; the shim steps aside.
func TestGo1xNoRPC(t *testing.T) {
	t.Parallel()
	e := newTestManager(t, nil)
	bin := filepath.Join(t.TempDir(), "norpc")
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", bin, "./testdata/fn")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	fn := e.function("goxnorpc", func(f *Function) {
		f.Runtime, f.Handler = "go1.x", "norpc"
		f.Code = codeOf(zipOf(t, []zipFile{{name: "norpc", body: b, mode: 0o755}}))
	})
	for i, want := range []string{"1", "2"} {
		if res := e.invoke(t, fn, map[string]any{"action": "count"}); res.FunctionError != "" || string(res.Payload) != want || res.Cold != (i == 0) {
			t.Fatalf("invoke %d: %q cold=%v %s", i, res.FunctionError, res.Cold, res.Payload)
		}
	}
	if bridged(t, e) {
		t.Fatal("a lambda.norpc binary was bridged")
	}
	res := e.invoke(t, fn, map[string]any{"action": "error", "text": "y"})
	if res.FunctionError != "Unhandled" || !strings.Contains(string(res.Payload), `"errorType":"errorString"`) {
		t.Fatalf("error: %s", res.Payload)
	}
}
