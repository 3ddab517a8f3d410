package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// counterPy counts invokes in a module global: 1 on every fresh sandbox,
// growing while one is reused. {"mb": N} allocates (and touches) N MiB.
const counterPy = `
count = 0

def handler(event, context):
    global count
    count += 1
    if event.get("mb"):
        hog = b"x" * (event["mb"] << 20)
        return len(hog)
    return {"count": count, "stream": context.log_stream_name}
`

// cliInvoke invokes with aws CLI v2 and returns the CLI's JSON answer, the
// response body and the decoded log tail.
func (s *Server) cliInvoke(t *testing.T, name, payload string) (map[string]any, []byte, string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out.json")
	res := s.cliJSON(t, "/usr/bin/aws", "lambda", "invoke", "--function-name", name, "--cli-binary-format", "raw-in-base64-out",
		"--payload", payload, "--log-type", "Tail", out)
	body, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	tail, _ := base64.StdEncoding.DecodeString(res["LogResult"].(string))
	return res, body, string(tail)
}

// cliCreate creates a function from files with aws CLI v2 and waits until
// it is active.
func (s *Server) cliCreate(t *testing.T, name, runtime, handler string, code []byte, extra ...string) {
	t.Helper()
	zipPath := filepath.Join(t.TempDir(), name+".zip")
	if err := os.WriteFile(zipPath, code, 0o644); err != nil {
		t.Fatal(err)
	}
	s.cli(t, "/usr/bin/aws", append([]string{"lambda", "create-function", "--function-name", name, "--runtime", runtime,
		"--handler", handler, "--role", roleARN, "--zip-file", "fileb://" + zipPath}, extra...)...)
	s.cli(t, "/usr/bin/aws", "lambda", "wait", "function-active-v2", "--function-name", name)
}

// sandboxCount is how many live sandboxes the function has.
func (s *Server) sandboxCount(t *testing.T, name string) int {
	t.Helper()
	resp, err := http.Get(s.URL + "/_hako/sandboxes")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v struct {
		Sandboxes []struct{ FunctionARN string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, sb := range v.Sandboxes {
		if strings.HasSuffix(sb.FunctionARN, ":function:"+name) {
			n++
		}
	}
	return n
}

// TestLambdaIdleExpiry shows a warm sandbox reused (the counter grows, one
// log stream, no Init Duration) and, once it has been idle for
// --sandbox-idle-timeout on the server's clock, replaced by a fresh one
// (the counter starts again, a new stream, Init Duration in REPORT). The
// clock runs 60 times real time, so 5 minutes idle pass in about 5 s.
func TestLambdaIdleExpiry(t *testing.T) {
	s := StartServer(t, "--clock", "fixed:2026-01-01T00:00:00Z,speed=60", "--sandbox-idle-timeout", "5m")
	// Timeout 900 s of server clock is 15 s real: room for a cold start.
	s.cliCreate(t, "idler", "python3.12", "app.handler", zipFiles(t, map[string]string{"app.py": counterPy}, nil), "--timeout", "900")

	// Two invokes from one boto3 process, well inside the idle time.
	warm := s.python(t, `
import boto3, base64, json, os
lam = boto3.client("lambda", endpoint_url=os.environ["ENDPOINT"])
out = []
for _ in range(2):
    r = lam.invoke(FunctionName="idler", Payload=b"{}", LogType="Tail")
    v = json.loads(r["Payload"].read())
    v["init"] = "Init Duration" in base64.b64decode(r["LogResult"]).decode()
    out.append(v)
print(json.dumps({"invokes": out}))
`)
	inv := warm["invokes"].([]any)
	first, second := inv[0].(map[string]any), inv[1].(map[string]any)
	if first["count"] != 1.0 || second["count"] != 2.0 || first["stream"] != second["stream"] {
		t.Fatalf("warm reuse: %v", inv)
	}
	if first["init"] != true || second["init"] != false {
		t.Fatalf("Init Duration should be in the cold REPORT only: %v", inv)
	}

	// The reaper stops the idle sandbox; wait for it (bounded), never
	// timing it.
	deadline := time.Now().Add(60 * time.Second)
	for s.sandboxCount(t, "idler") > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("idle sandbox still alive after 60 s (idle timeout 5m at speed 60):\n%s", s.Logs())
		}
		time.Sleep(100 * time.Millisecond)
	}

	res, body, tail := s.cliInvoke(t, "idler", `{}`)
	var v map[string]any
	if err := json.Unmarshal(body, &v); err != nil || res["FunctionError"] != nil {
		t.Fatalf("after expiry: %v %s", res, body)
	}
	if v["count"] != 1.0 || v["stream"] == first["stream"] {
		t.Fatalf("after expiry the sandbox should be new: %v (first stream %v)", v, first["stream"])
	}
	if !regexp.MustCompile(`REPORT RequestId: \S+\tDuration: [0-9.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: \d+ MB\tInit Duration: [0-9.]+ ms`).MatchString(tail) {
		t.Fatalf("cold REPORT after expiry lacks Init Duration:\n%s", tail)
	}
	streams := s.cliJSON(t, "/usr/bin/aws", "logs", "describe-log-streams", "--log-group-name", "/aws/lambda/idler")
	if n := len(streams["logStreams"].([]any)); n != 2 {
		t.Fatalf("log streams = %d, want 2 (one per sandbox): %v", n, streams)
	}
}

// TestLambdaIdleTimeoutFlag checks the flag's and its variable's bad values
// are refused at start, not silently replaced by the default.
func TestLambdaIdleTimeoutFlag(t *testing.T) {
	for _, c := range []struct {
		args []string
		env  string
		want string
	}{
		{[]string{"--sandbox-idle-timeout", "0s"}, "", "--sandbox-idle-timeout 0s: want a positive duration"},
		{nil, "HAKO_SANDBOX_IDLE_TIMEOUT=soon", `HAKO_SANDBOX_IDLE_TIMEOUT="soon": want a positive duration`},
	} {
		cmd := exec.Command(hakoBin, append([]string{"server", "--ephemeral", "--addr", "127.0.0.1:0"}, c.args...)...)
		if c.env != "" {
			cmd.Env = append(os.Environ(), c.env)
		}
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), c.want) {
			t.Errorf("%v %s: err %v, output %s", c.args, c.env, err, out)
		}
	}
}

// TestLambdaLimits drives the memory kill, init crashes and the payload
// limits through real clients.
func TestLambdaLimits(t *testing.T) {
	s := StartServer(t)
	c := lambda.NewFromConfig(s.sdkConfig(t))

	t.Run("memory kill", func(t *testing.T) {
		// The runtime logs at start what limits the host gives it.
		if strings.Contains(s.Logs(), "memory_limits=none") {
			t.Skip("this host gives hako no memory cgroup (server log: memory_limits=none): MemorySize is not enforced")
		}
		s.cliCreate(t, "hog", "python3.12", "app.handler", zipFiles(t, map[string]string{"app.py": counterPy}, nil),
			"--memory-size", "128", "--timeout", "30")
		if _, body, _ := s.cliInvoke(t, "hog", `{}`); !strings.Contains(string(body), `"count": 1`) {
			t.Fatalf("first invoke: %s", body)
		}
		res, body, tail := s.cliInvoke(t, "hog", `{"mb": 400}`)
		var doc map[string]string
		json.Unmarshal(body, &doc)
		if res["FunctionError"] != "Unhandled" || doc["errorType"] != "Runtime.OutOfMemory" ||
			!regexp.MustCompile(`^RequestId: [0-9a-f-]{36} Error: Runtime exited with error: signal: killed$`).MatchString(doc["errorMessage"]) {
			t.Fatalf("400 MiB in 128 MB: %v %s", res, body)
		}
		if !strings.Contains(tail, "Runtime.OutOfMemory") || !strings.Contains(tail, "Memory Size: 128 MB") {
			t.Fatalf("log tail:\n%s", tail)
		}
		// The killed sandbox is gone: the next invoke starts afresh.
		res, body, tail = s.cliInvoke(t, "hog", `{}`)
		if res["FunctionError"] != nil || !strings.Contains(string(body), `"count": 1`) || !strings.Contains(tail, "Init Duration") {
			t.Fatalf("after the kill: %v %s\n%s", res, body, tail)
		}
	})

	t.Run("init crash", func(t *testing.T) {
		for _, f := range []struct {
			name, runtime, handler string
			files                  map[string]string
			errType, errMsg, inLog string
		}{
			// SystemExit is no Exception: AWS's runtime lets it end the
			// process, and the platform reports the exit.
			{"py-exit", "python3.12", "app.handler", map[string]string{"app.py": "import sys\nprint('loading')\nsys.exit(1)\n"},
				"Runtime.ExitError", "Error: Runtime exited with error: exit status 1", "loading"},
			// A throw at load is the init error, with the thrown type.
			{"node-throw", "nodejs20.x", "index.handler", map[string]string{"index.js": "throw new RangeError('bad config at load');\nexports.handler = async () => 1;\n"},
				"RangeError", "bad config at load", "bad config at load"},
			{"node-syntax", "nodejs20.x", "index.handler", map[string]string{"index.js": "exports.handler = async () => {\n"},
				"Runtime.UserCodeSyntaxError", "SyntaxError: Unexpected end of input", "Runtime.UserCodeSyntaxError"},
			{"provided-exit", "provided.al2023", "bootstrap", map[string]string{"bootstrap": "#!/bin/sh\necho 'bootstrap giving up' >&2\nexit 3\n"},
				"Runtime.ExitError", "Error: Runtime exited with error: exit status 3", "bootstrap giving up"},
		} {
			t.Run(f.name, func(t *testing.T) {
				code := zipFiles(t, f.files, map[string]os.FileMode{"bootstrap": 0o755})
				s.cliCreate(t, f.name, f.runtime, f.handler, code)
				// Twice: a failed init is not remembered, the next invoke
				// initialises again and fails the same way.
				for i := 0; i < 2; i++ {
					r := s.python(t, `
import boto3, base64, json, os
lam = boto3.client("lambda", endpoint_url=os.environ["ENDPOINT"])
r = lam.invoke(FunctionName="`+f.name+`", Payload=b"{}", LogType="Tail")
print(json.dumps({"error": r.get("FunctionError"), "payload": json.loads(r["Payload"].read()), "log": base64.b64decode(r["LogResult"]).decode()}))
`)
					p := r["payload"].(map[string]any)
					msg, _ := p["errorMessage"].(string)
					log := r["log"].(string)
					if r["error"] != "Unhandled" || p["errorType"] != f.errType || !strings.Contains(msg, f.errMsg) {
						t.Fatalf("invoke %d: %v", i+1, r)
					}
					if !strings.Contains(log, f.inLog) || !strings.Contains(log, "INIT_REPORT Init Duration: ") {
						t.Fatalf("invoke %d log:\n%s", i+1, log)
					}
				}
			})
		}
	})

	t.Run("payload limits", func(t *testing.T) {
		// Echoes a string of {"n": N} characters, or the event itself.
		createFunction(t, c, "echo", "python3.12", "app.handler", zipFiles(t, map[string]string{
			"app.py": "def handler(event, context):\n    if isinstance(event, dict) and 'n' in event:\n        return 'x' * event['n']\n    return event\n",
		}, nil))
		str := func(size int) []byte { return []byte(`"` + strings.Repeat("a", size-2) + `"`) }

		// 6291456 bytes is the largest request AWS takes.
		out, err := c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("echo"), Payload: str(6291456)})
		if err != nil || out.FunctionError != nil || len(out.Payload) != 6291456 {
			t.Fatalf("6291456-byte payload: %v", err)
		}
		_, err = c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("echo"), Payload: str(6291457)})
		expectAPIError(t, err, "RequestEntityTooLargeException", 413)
		if !strings.Contains(err.Error(), "Request must be smaller than 6291456 bytes for the InvokeFunction operation") {
			t.Fatalf("message: %v", err)
		}
		// aws CLI v2 reads the payload from a file and sees the same.
		big := filepath.Join(t.TempDir(), "big.json")
		os.WriteFile(big, str(6291457), 0o644)
		msg, cerr := s.cliErr(t, "/usr/bin/aws", "lambda", "invoke", "--function-name", "echo", "--payload", "fileb://"+big, filepath.Join(t.TempDir(), "o"))
		if cerr == nil || !strings.Contains(msg, "RequestEntityTooLargeException") || !strings.Contains(msg, "Request must be smaller than 6291456 bytes for the InvokeFunction operation") {
			t.Fatalf("aws CLI v2, 6291457 bytes: %v %s", cerr, msg)
		}

		// 6291556 bytes is the largest response; one more is an error
		// document, never a truncated body.
		for _, n := range []int{6291556, 6291557} {
			out, err := c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("echo"), Payload: []byte(`{"n":` + strconv.Itoa(n-2) + `}`)})
			if err != nil || out.StatusCode != 200 {
				t.Fatalf("%d-byte response: %v", n, err)
			}
			if n == 6291556 {
				if out.FunctionError != nil || len(out.Payload) != n {
					t.Fatalf("%d-byte response: error %v, %d bytes", n, aws.ToString(out.FunctionError), len(out.Payload))
				}
				continue
			}
			var doc map[string]string
			if err := json.Unmarshal(out.Payload, &doc); err != nil || aws.ToString(out.FunctionError) != "Unhandled" ||
				doc["errorType"] != "Function.ResponseSizeTooLarge" || !strings.Contains(doc["errorMessage"], "exceeded maximum allowed payload size (6291556 bytes)") {
				t.Fatalf("%d-byte response: %s %.200s", n, aws.ToString(out.FunctionError), out.Payload)
			}
		}
		// The sandbox serves on after refusing a response.
		if v, fe := invoke(t, c, "echo", `{"ok":true}`); fe != "" || v["ok"] != true {
			t.Fatalf("after the refused response: %v %s", v, fe)
		}
	})
}

// TestLambdaInvokeContentTypes pins down why hako answers no 415
// UnsupportedMediaTypeException for Invoke: the clients send the payload
// as a raw blob with whatever Content-Type their serializer picks — none
// (botocore: boto3, aws CLI v1 and v2), application/octet-stream
// (aws-sdk-go-v2 and the other Smithy SDKs), binary/octet-stream
// (aws-sdk-js v2), application/x-www-form-urlencoded (curl -d) — and AWS
// runs all of them; a body that is not JSON is 400
// InvalidRequestContentException whatever its type. A recording proxy in
// front of hako shows what the real clients here send.
func TestLambdaInvokeContentTypes(t *testing.T) {
	s := StartServer(t)
	target, _ := url.Parse(s.URL)
	var mu sync.Mutex
	seen := map[string]string{} // User-Agent family → Content-Type of Invoke
	proxy := httputil.NewSingleHostReverseProxy(target)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/invocations") {
			ua := r.Header.Get("User-Agent")
			client := "other"
			switch {
			case strings.Contains(ua, "aws-cli/2"):
				client = "aws-cli/2"
			case strings.Contains(ua, "aws-sdk-go-v2"):
				client = "aws-sdk-go-v2"
			case strings.Contains(ua, "Boto3"):
				client = "boto3"
			}
			mu.Lock()
			seen[client] = "[" + strings.Join(r.Header.Values("Content-Type"), ",") + "]"
			mu.Unlock()
		}
		proxy.ServeHTTP(w, r)
	}))
	defer front.Close()
	via := &Server{URL: front.URL, t: t}

	createFunction(t, lambda.NewFromConfig(s.sdkConfig(t)), "ct", "python3.12", "app.handler", zipFiles(t, map[string]string{
		"app.py": "def handler(event, context):\n    return {'got': event}\n",
	}, nil))
	c := lambda.NewFromConfig(via.sdkConfig(t))
	if v, fe := invoke(t, c, "ct", `{"from":"go"}`); fe != "" || v["got"].(map[string]any)["from"] != "go" {
		t.Fatalf("aws-sdk-go-v2: %v %s", v, fe)
	}
	if _, body, _ := via.cliInvoke(t, "ct", `{"from":"cli"}`); !strings.Contains(string(body), `"cli"`) {
		t.Fatalf("aws CLI v2: %s", body)
	}
	if r := via.python(t, `
import boto3, json, os
r = boto3.client("lambda", endpoint_url=os.environ["ENDPOINT"]).invoke(FunctionName="ct", Payload=b'{"from":"boto3"}')
print(r["Payload"].read().decode())
`); r["got"].(map[string]any)["from"] != "boto3" {
		t.Fatalf("boto3: %v", r)
	}
	mu.Lock()
	want := map[string]string{"aws-sdk-go-v2": "[application/octet-stream]", "aws-cli/2": "[]", "boto3": "[]"}
	for k, v := range want {
		if seen[k] != v {
			t.Errorf("%s sent Content-Type %s, want %s (all seen: %v)", k, seen[k], v, seen)
		}
	}
	mu.Unlock()

	// Other clients' types, forced onto a signed aws-sdk-go-v2 request.
	withType := func(ct string) func(*lambda.Options) {
		return func(o *lambda.Options) {
			o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
				return st.Build.Add(middleware.BuildMiddlewareFunc("contentType", func(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
					if req, ok := in.Request.(*smithyhttp.Request); ok {
						req.Header.Set("Content-Type", ct)
					}
					return next.HandleBuild(ctx, in)
				}), middleware.After)
			})
		}
	}
	direct := lambda.NewFromConfig(s.sdkConfig(t))
	for _, ct := range []string{"binary/octet-stream", "application/json", "application/x-www-form-urlencoded", "text/plain; charset=utf-8"} {
		out, err := direct.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("ct"), Payload: []byte(`{"ct":1}`)}, withType(ct))
		if err != nil || out.FunctionError != nil || !strings.Contains(string(out.Payload), `"ct": 1`) {
			t.Errorf("Content-Type %s: %v", ct, err)
		}
		_, err = direct.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("ct"), Payload: []byte(`x=1`)}, withType(ct))
		expectAPIError(t, err, "InvalidRequestContentException", 400)
	}
}

// TestLambdaEphemeralStorage writes 600 MB into /tmp of a 128 MB function:
// with EphemeralStorage 512 that fails with "No space left on device",
// with 1024 it succeeds (and /tmp does not count against MemorySize).
func TestLambdaEphemeralStorage(t *testing.T) {
	s := StartServer(t)
	if strings.Contains(s.Logs(), "EphemeralStorage not enforced") {
		t.Skip("this host cannot size /tmp (see the server's start log, tmp=...): EphemeralStorage is not enforced")
	}
	code := zipFiles(t, map[string]string{"app.py": `
import os

def handler(event, context):
    if event.get("write"):
        chunk = b"\1" * (1 << 20)
        with open("/tmp/big", "wb") as f:
            for _ in range(event["write"]):
                f.write(chunk)
            f.flush()
            os.fsync(f.fileno())
        os.remove("/tmp/big")
    st = os.statvfs("/tmp")
    return {"size_mb": st.f_blocks * st.f_frsize >> 20, "entries": os.listdir("/tmp")}
`}, nil)
	for _, c := range []struct {
		storage string
		fail    bool
	}{{"512", true}, {"1024", false}} {
		name := "tmp" + c.storage
		s.cliCreate(t, name, "python3.12", "app.handler", code, "--memory-size", "128", "--timeout", "120",
			"--ephemeral-storage", "Size="+c.storage)
		res, body, _ := s.cliInvoke(t, name, `{}`)
		var v map[string]any
		json.Unmarshal(body, &v)
		size, _ := strconv.Atoi(c.storage)
		// The file system's own metadata takes a little of the size.
		if got, _ := v["size_mb"].(float64); res["FunctionError"] != nil || got > float64(size) || got < float64(size)*0.95 || len(v["entries"].([]any)) != 0 {
			t.Fatalf("EphemeralStorage %s: /tmp is %s", c.storage, body)
		}
		res, body, tail := s.cliInvoke(t, name, `{"write": 600}`)
		json.Unmarshal(body, &v)
		if c.fail {
			msg, _ := v["errorMessage"].(string)
			if res["FunctionError"] != "Unhandled" || v["errorType"] != "OSError" || !strings.Contains(msg, "No space left on device") {
				t.Fatalf("600 MB into a 512 MB /tmp: %v %s\n%s", res, body, tail)
			}
			continue
		}
		if res["FunctionError"] != nil {
			t.Fatalf("600 MB into a 1024 MB /tmp: %v %s\n%s", res, body, tail)
		}
	}
}
