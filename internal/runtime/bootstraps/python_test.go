package bootstraps

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// forEachPython runs f under every interpreter pythons() lists.
func forEachPython(t *testing.T, f func(t *testing.T, py string)) {
	for _, name := range pythons() {
		label := strings.ReplaceAll(strings.Trim(name, "/"), "/", "_")
		t.Run(label, func(t *testing.T) {
			t.Parallel()
			f(t, interpreter(t, name))
		})
	}
}

const pyChapter2 = `import json

def myfunc01_handler(event, context):
    x = event["x"]
    y = event["y"]
    print("x =", x)
    return {"result": x / y}
`

func pySandbox(t *testing.T, py string, files map[string]string, handler string, env ...string) (*sandbox, string) {
	root := writeFiles(t, files)
	return startSandbox(t, root, sandboxOpts{runtime: "python3.12", interpreter: py, handler: handler, env: env}), root
}

func TestPythonSuccessAndPrint(t *testing.T) {
	forEachPython(t, func(t *testing.T, py string) {
		s, _ := pySandbox(t, py, map[string]string{"lambda_function.py": pyChapter2}, "lambda_function.myfunc01_handler")
		_, p := s.invoke(`{"x": 10, "y": 2}`)
		if p.Kind != "response" || string(p.Body) != `{"result": 5.0}` {
			t.Fatalf("got %s %s, want response {\"result\": 5.0}", p.Kind, p.Body)
		}
		if ct := p.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type = %q", ct)
		}
		s.waitOutput("x = 10\n")
	})
}

func TestPythonDottedModule(t *testing.T) {
	forEachPython(t, func(t *testing.T, py string) {
		files := map[string]string{
			"pkg/__init__.py":     "",
			"pkg/sub/__init__.py": "",
			"pkg/sub/mod.py":      "def fn(event, context):\n    return {'mod': __name__}\n",
		}
		for _, h := range []string{"pkg.sub.mod.fn", "pkg/sub/mod.fn"} {
			s, _ := pySandbox(t, py, files, h)
			_, p := s.invoke(`{}`)
			if string(p.Body) != `{"mod": "pkg.sub.mod"}` {
				t.Errorf("%s: got %s %s", h, p.Kind, p.Body)
			}
		}
	})
}

func TestPythonException(t *testing.T) {
	forEachPython(t, func(t *testing.T, py string) {
		s, root := pySandbox(t, py, map[string]string{"lambda_function.py": pyChapter2}, "lambda_function.myfunc01_handler")
		inv, p := s.invoke(`{"x": 10, "y": 0}`)
		if p.Kind != "error" {
			t.Fatalf("got %s %s", p.Kind, p.Body)
		}
		var doc struct {
			ErrorMessage string   `json:"errorMessage"`
			ErrorType    string   `json:"errorType"`
			RequestID    string   `json:"requestId"`
			StackTrace   []string `json:"stackTrace"`
		}
		if err := json.Unmarshal(p.Body, &doc); err != nil {
			t.Fatal(err)
		}
		keys := decode(t, p.Body)
		if len(keys) != 4 {
			t.Errorf("error document has keys %v, want exactly errorMessage, errorType, requestId, stackTrace", keys)
		}
		file := filepath.Join(root, "lambda_function.py")
		wantFrame := "  File \"" + file + "\", line 7, in myfunc01_handler\n    return {\"result\": x / y}\n"
		if doc.ErrorMessage != "division by zero" || doc.ErrorType != "ZeroDivisionError" || doc.RequestID != inv.ID ||
			len(doc.StackTrace) != 1 || doc.StackTrace[0] != wantFrame {
			t.Errorf("error document = %+v\nwant frame %q", doc, wantFrame)
		}
		if et := p.Header.Get("Lambda-Runtime-Function-Error-Type"); et != "ZeroDivisionError" {
			t.Errorf("Lambda-Runtime-Function-Error-Type = %q", et)
		}
		// AWS's log record: one line, \r between lines, NBSP indentation.
		wantLog := "[ERROR] ZeroDivisionError: division by zero\rTraceback (most recent call last):\r" +
			"\u00a0\u00a0File \"" + file + "\", line 7, in myfunc01_handler\r" +
			"\u00a0\u00a0\u00a0\u00a0return {\"result\": x / y}\n"
		s.waitOutput(wantLog)
		// The sandbox survives a function error.
		if _, p := s.invoke(`{"x": 9, "y": 3}`); string(p.Body) != `{"result": 3.0}` {
			t.Errorf("after error: %s %s", p.Kind, p.Body)
		}
	})
}

func TestPythonInitErrors(t *testing.T) {
	cases := []struct {
		name, handler, code string
		errType, msg        string
		trace               *regexp.Regexp
	}{
		{"import", "lambda_function.handler", "import nope\n", "Runtime.ImportModuleError",
			"Unable to import module 'lambda_function': No module named 'nope'", nil},
		{"missing module", "missing.handler", "", "Runtime.ImportModuleError",
			"Unable to import module 'missing': No module named 'missing'", nil},
		{"handler not found", "lambda_function.nope", "def handler(e, c):\n    return 1\n", "Runtime.HandlerNotFound",
			"Handler 'nope' missing on module 'lambda_function'", nil},
		{"malformed", "x", "", "Runtime.MalformedHandlerName",
			"Bad handler 'x': not enough values to unpack (expected 2, got 1)", nil},
		{"syntax", "lambda_function.handler", "def handler(e, c):\n    return (\n", "Runtime.UserCodeSyntaxError",
			"", regexp.MustCompile(`^  File ".*/lambda_function.py" Line \d+\n    `)},
		{"builtin conflict", "sys.handler", "", "Runtime.BuiltInModuleConflict",
			"Cannot use built-in module sys as a handler module", nil},
		{"init exception", "lambda_function.handler", "raise ValueError('bad config')\n", "ValueError",
			"bad config", regexp.MustCompile(`lambda_function.py", line 1, in <module>\n`)},
	}
	forEachPython(t, func(t *testing.T, py string) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				s, _ := pySandbox(t, py, map[string]string{"lambda_function.py": c.code}, c.handler)
				p := s.initError()
				var doc struct {
					ErrorMessage string   `json:"errorMessage"`
					ErrorType    string   `json:"errorType"`
					RequestID    *string  `json:"requestId"`
					StackTrace   []string `json:"stackTrace"`
				}
				if err := json.Unmarshal(p.Body, &doc); err != nil {
					t.Fatal(err)
				}
				if doc.ErrorType != c.errType || (c.msg != "" && doc.ErrorMessage != c.msg) ||
					doc.RequestID == nil || *doc.RequestID != "" || doc.StackTrace == nil {
					t.Errorf("init error = %s", p.Body)
				}
				if c.trace == nil && len(doc.StackTrace) != 0 {
					t.Errorf("stackTrace = %q, want []", doc.StackTrace)
				}
				if c.trace != nil && (len(doc.StackTrace) == 0 || !c.trace.MatchString(doc.StackTrace[len(doc.StackTrace)-1])) {
					t.Errorf("stackTrace = %q, want last frame matching %v", doc.StackTrace, c.trace)
				}
				if c.errType == "Runtime.UserCodeSyntaxError" && !strings.HasPrefix(doc.ErrorMessage, "Syntax error in module 'lambda_function': ") {
					t.Errorf("errorMessage = %q", doc.ErrorMessage)
				}
				if et := p.Header.Get("Lambda-Runtime-Function-Error-Type"); et != c.errType {
					t.Errorf("Lambda-Runtime-Function-Error-Type = %q", et)
				}
				if s.cmd.ProcessState.ExitCode() != 1 {
					t.Errorf("exit code %d, want 1", s.cmd.ProcessState.ExitCode())
				}
				out := s.out.String()
				if !regexp.MustCompile(`(?m)^\[WARNING\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t\tLAMBDA_WARNING: Unhandled exception\. The most likely cause is an issue in the function code\. `).MatchString(out) {
					t.Errorf("no LAMBDA_WARNING line:\n%q", out)
				}
				want := "[ERROR] " + c.errType + ": " + doc.ErrorMessage + "\rTraceback (most recent call last):"
				if !strings.Contains(out, want) {
					t.Errorf("log lacks %q:\n%q", want, out)
				}
			})
		}
	})
}

const pyContext = `import json

def handler(event, context):
    cc = context.client_context
    return {
        "function_name": context.function_name,
        "function_version": context.function_version,
        "invoked_function_arn": context.invoked_function_arn,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "aws_request_id": context.aws_request_id,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "identity": [context.identity.cognito_identity_id, context.identity.cognito_identity_pool_id],
        "client_context": None if cc is None else {
            "custom": cc.custom, "env": cc.env,
            "client": None if cc.client is None else [cc.client.installation_id, cc.client.app_title,
                cc.client.app_version_name, cc.client.app_version_code, cc.client.app_package_name],
        },
        "remaining": context.get_remaining_time_in_millis(),
        "trace": __import__("os").environ.get("_X_AMZN_TRACE_ID"),
        "attrs": sorted(a for a in dir(context) if not a.startswith("_")),
        "event": event,
    }
`

func TestPythonContext(t *testing.T) {
	forEachPython(t, func(t *testing.T, py string) {
		s, _ := pySandbox(t, py, map[string]string{"lambda_function.py": pyContext}, "lambda_function.handler")
		inv, p := s.invoke(`{"k": [1, "é"]}`, invokeOpts{
			deadline:      3 * time.Second,
			clientContext: `{"client": {"installation_id": "i-1", "app_title": "t"}, "custom": {"a": 1}, "env": {"platform": "x"}}`,
			cognito:       `{"cognitoIdentityId": "id-1", "cognitoIdentityPoolId": "pool-1"}`,
		})
		if p.Kind != "response" {
			t.Fatalf("got %s %s", p.Kind, p.Body)
		}
		m := decode(t, p.Body)
		want := map[string]any{
			"function_name":        "fn",
			"function_version":     "$LATEST",
			"invoked_function_arn": inv.ARN,
			"memory_limit_in_mb":   "128", // a string, as AWS's LambdaContext reads it from the environment
			"aws_request_id":       inv.ID,
			"log_group_name":       "/aws/lambda/fn",
			"log_stream_name":      "2024/01/01/[$LATEST]0123456789abcdef0123456789abcdef",
			"identity":             []any{"id-1", "pool-1"},
			"client_context": map[string]any{
				"custom": map[string]any{"a": 1.0}, "env": map[string]any{"platform": "x"},
				"client": []any{"i-1", "t", nil, nil, nil},
			},
			"trace": inv.TraceID,
			"attrs": []any{"aws_request_id", "client_context", "function_name", "function_version",
				"get_remaining_time_in_millis", "identity", "invoked_function_arn", "log", "log_group_name",
				"log_stream_name", "memory_limit_in_mb", "tenant_id"},
			"event": map[string]any{"k": []any{1.0, "é"}},
		}
		for k, v := range want {
			if got, _ := json.Marshal(m[k]); string(got) != mustJSON(v) {
				t.Errorf("%s = %s, want %s", k, got, mustJSON(v))
			}
		}
		if r, _ := m["remaining"].(float64); r <= 1000 || r > 3000 {
			t.Errorf("get_remaining_time_in_millis() = %v, want within (1000, 3000]", m["remaining"])
		}
		// Without the headers: identity with None fields, client_context None.
		_, p = s.invoke(`null`)
		m = decode(t, p.Body)
		if got := mustJSON(m["identity"]); got != `[null,null]` {
			t.Errorf("identity without header = %s", got)
		}
		if m["client_context"] != nil {
			t.Errorf("client_context without header = %v", m["client_context"])
		}
	})
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

const pyLogging = `import logging
logger = logging.getLogger()
count = 0

def handler(event, context):
    global count
    count += 1
    logger.info("info %d", count)
    logger.warning("hello %s", "world")
    logging.getLogger("child").error("two\nlines")
    print("printed", "line")
    print("multi\nline print")
    context.log("via context.log\n")
    return count
`

var (
	logLine  = regexp.MustCompile(`^\[(\w+)\]\t(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\t([^\t]*)\t(.*)$`)
	logLineS = regexp.MustCompile(`(?s)^\[(\w+)\]\t(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\t([^\t]*)\t(.*)$`)
)

func TestPythonLoggingAndWarmState(t *testing.T) {
	forEachPython(t, func(t *testing.T, py string) {
		s, _ := pySandbox(t, py, map[string]string{"lambda_function.py": pyLogging}, "lambda_function.handler")
		inv1, p1 := s.invoke(`{}`)
		inv2, p2 := s.invoke(`{}`)
		if string(p1.Body) != "1" || string(p2.Body) != "2" {
			t.Fatalf("warm state: got %s then %s, want 1 then 2", p1.Body, p2.Body)
		}
		s.waitOutput("via context.log\n[WARNING]")
		s.waitOutput(inv2.ID + "\ttwo\rlines\n")
		lines := strings.Split(s.out.String(), "\n")
		var records []string
		for _, l := range lines {
			if m := logLine.FindStringSubmatch(l); m != nil {
				if ts, err := time.Parse("2006-01-02T15:04:05.000Z", m[2]); err != nil || time.Since(ts) > time.Minute || time.Since(ts) < -time.Minute {
					t.Errorf("timestamp %q is not current UTC", m[2])
				}
				records = append(records, m[1]+"|"+m[3]+"|"+m[4])
			}
		}
		want := []string{
			"WARNING|" + inv1.ID + "|hello world",
			"ERROR|" + inv1.ID + "|two\rlines",
			"WARNING|" + inv2.ID + "|hello world",
			"ERROR|" + inv2.ID + "|two\rlines",
		}
		if strings.Join(records, "\n") != strings.Join(want, "\n") {
			t.Errorf("log records:\n%s\nwant:\n%s\noutput:\n%q", strings.Join(records, "\n"), strings.Join(want, "\n"), s.out.String())
		}
		out := s.out.String()
		for _, w := range []string{"printed line\n", "multi\nline print\n", "via context.log\n"} {
			if !strings.Contains(out, w) {
				t.Errorf("output lacks %q", w)
			}
		}
	})
}

func TestPythonLogLevelAndTelemetryFrames(t *testing.T) {
	forEachPython(t, func(t *testing.T, py string) {
		root := writeFiles(t, map[string]string{"lambda_function.py": pyLogging + "\ndef boom(e, c):\n    raise KeyError('k')\n"})
		s := startSandbox(t, root, sandboxOpts{runtime: "python3.12", interpreter: py, handler: "lambda_function.handler",
			env: []string{"AWS_LAMBDA_LOG_LEVEL=DEBUG"}, telemetry: true})
		inv, _ := s.invoke(`{}`)
		s.cmd.Process.Kill()
		<-s.exited
		<-s.frames.done
		var got []string
		for _, f := range s.frames.all() {
			m := logLineS.FindStringSubmatch(strings.TrimSuffix(string(f.Message), "\n"))
			if m == nil {
				// context.log writes its message as is.
				got = append(got, f.Level()+"|"+string(f.Message))
				continue
			}
			got = append(got, f.Level()+"|"+m[1]+"|"+m[3]+"|"+m[4])
		}
		want := []string{
			"INFO|INFO|" + inv.ID + "|info 1",
			"WARN|WARNING|" + inv.ID + "|hello world",
			"ERROR|ERROR|" + inv.ID + "|two\nlines",
			"|via context.log\n",
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("frames:\n%q\nwant:\n%q", got, want)
		}
		// print() still goes to stdout.
		if out := s.out.String(); !strings.Contains(out, "printed line\n") || strings.Contains(out, "hello world") {
			t.Errorf("stdout = %q", out)
		}
	})
}

func TestPythonErrorFrame(t *testing.T) {
	forEachPython(t, func(t *testing.T, py string) {
		root := writeFiles(t, map[string]string{"lambda_function.py": "def boom(e, c):\n    raise KeyError('k')\n"})
		s := startSandbox(t, root, sandboxOpts{runtime: "python3.12", interpreter: py, handler: "lambda_function.boom", telemetry: true})
		_, p := s.invoke(`{}`)
		if p.Kind != "error" {
			t.Fatalf("got %s", p.Kind)
		}
		s.cmd.Process.Kill()
		<-s.exited
		<-s.frames.done
		frames := s.frames.all()
		if len(frames) != 1 {
			t.Fatalf("frames = %d, want 1", len(frames))
		}
		f := frames[0]
		want := "[ERROR] KeyError: 'k'\nTraceback (most recent call last):\n\u00a0\u00a0File \"" + filepath.Join(root, "lambda_function.py") +
			"\", line 2, in boom\n\u00a0\u00a0\u00a0\u00a0raise KeyError('k')"
		if f.Type != 0xa55a0017 || string(f.Message) != want {
			t.Errorf("frame %#x %q\nwant %#x %q", f.Type, f.Message, 0xa55a0017, want)
		}
		if d := time.Since(f.Time); d < 0 || d > time.Minute {
			t.Errorf("frame time %v", f.Time)
		}
	})
}

func TestPythonMarshalling(t *testing.T) {
	forEachPython(t, func(t *testing.T, py string) {
		code := `import decimal
def handler(event, context):
    kind = event["kind"]
    if kind == "set":
        return {1, 2}
    if kind == "decimal":
        return {"d": decimal.Decimal("1.10"), "n": [decimal.Decimal("NaN")], "s": "\x00hako-raw-0\x00"}
    if kind == "bytes":
        return b"\x00raw"
    if kind == "none":
        print("partial", end="")
        return None
    if kind == "unicode":
        return "é"
`
		s, _ := pySandbox(t, py, map[string]string{"lambda_function.py": code}, "lambda_function.handler")
		_, p := s.invoke(`{"kind": "set"}`)
		m := decode(t, p.Body)
		if p.Kind != "error" || m["errorType"] != "Runtime.MarshalError" ||
			m["errorMessage"] != "Unable to marshal response: Object of type set is not JSON serializable" {
			t.Errorf("set: %s %s", p.Kind, p.Body)
		}
		if st, ok := m["stackTrace"].([]any); !ok || len(st) != 0 {
			t.Errorf("set: stackTrace %v", m["stackTrace"])
		}
		if _, p = s.invoke(`{"kind": "decimal"}`); string(p.Body) != `{"d": 1.10, "n": [NaN], "s": "\u0000hako-raw-0\u0000"}` {
			t.Errorf("decimal: %s", p.Body)
		}
		if _, p = s.invoke(`{"kind": "bytes"}`); string(p.Body) != "\x00raw" || p.Header.Get("Content-Type") != "application/unknown" {
			t.Errorf("bytes: %q %q", p.Body, p.Header.Get("Content-Type"))
		}
		if _, p = s.invoke(`{"kind": "none"}`); string(p.Body) != "null" {
			t.Errorf("none: %s", p.Body)
		}
		s.waitOutput("partial") // a partial line is flushed at the end of the invoke
		// python3.12+ runtimes (AWS_EXECUTION_ENV) keep non-ASCII as is.
		if _, p = s.invoke(`{"kind": "unicode"}`); string(p.Body) != `"é"` {
			t.Errorf("unicode: %s", p.Body)
		}
		_, p = s.invoke(`not json`)
		if m := decode(t, p.Body); p.Kind != "error" || m["errorType"] != "Runtime.UnmarshalError" ||
			!strings.HasPrefix(m["errorMessage"].(string), "Unable to unmarshal input: Expecting value: line 1 column 1 (char 0)") {
			t.Errorf("bad event: %s", p.Body)
		}
	})
}

func TestPythonJSONLogFormat(t *testing.T) {
	forEachPython(t, func(t *testing.T, py string) {
		code := "import logging\nlog = logging.getLogger('app')\n" +
			"def handler(e, c):\n    log.warning('hi %s', 'there', extra={'k': 1})\n    if e.get('boom'):\n        raise ValueError('v')\n    return 1\n"
		s, _ := pySandbox(t, py, map[string]string{"lambda_function.py": code}, "lambda_function.handler", "AWS_LAMBDA_LOG_FORMAT=JSON")
		inv, _ := s.invoke(`{}`)
		inv2, _ := s.invoke(`{"boom": true}`)
		out := s.waitOutput(`"log_level": "ERROR"`)
		var recs []map[string]any
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			var m map[string]any
			if err := json.Unmarshal([]byte(l), &m); err != nil {
				t.Fatalf("not JSON: %q", l)
			}
			recs = append(recs, m)
		}
		if len(recs) != 3 {
			t.Fatalf("records: %q", out)
		}
		ts := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)
		if r := recs[0]; r["level"] != "WARNING" || r["message"] != "hi there" || r["logger"] != "app" ||
			r["requestId"] != inv.ID || r["k"] != 1.0 || !ts.MatchString(r["timestamp"].(string)) {
			t.Errorf("record = %v", r)
		}
		if r := recs[2]; r["log_level"] != "ERROR" || r["errorType"] != "ValueError" || r["errorMessage"] != "v" ||
			r["requestId"] != inv2.ID || !ts.MatchString(r["timestamp"].(string)) {
			t.Errorf("error record = %v", r)
		}
	})
}

// The logging package is configured when first imported, however that
// happens: after a find_spec probe, or inside the handler.
func TestPythonLazyLogging(t *testing.T) {
	forEachPython(t, func(t *testing.T, py string) {
		code := "import importlib.util, sys\nassert importlib.util.find_spec('logging') is not None\n" +
			"def handler(e, c):\n    import logging\n    logging.warning('late %d', len(logging.getLogger().handlers))\n    return 'ok'\n"
		s, _ := pySandbox(t, py, map[string]string{"lambda_function.py": code}, "lambda_function.handler")
		inv, p := s.invoke(`{}`)
		if string(p.Body) != `"ok"` {
			t.Fatalf("got %s %s", p.Kind, p.Body)
		}
		out := s.waitOutput("late 1")
		if !regexp.MustCompile(`(?m)^\[WARNING\]\t\S+Z\t` + inv.ID + `\tlate 1$`).MatchString(out) {
			t.Errorf("output %q", out)
		}
	})
}
