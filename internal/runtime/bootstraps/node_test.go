package bootstraps

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func nodeSandbox(t *testing.T, files map[string]string, handler string, env ...string) (*sandbox, string) {
	t.Helper()
	node := interpreter(t, "node")
	root := writeFiles(t, files)
	return startSandbox(t, root, sandboxOpts{runtime: "nodejs20.x", interpreter: node, handler: handler, env: env}), root
}

// The handler styles AWS's Node.js runtime accepts, each answering {"n": <count>}.
var nodeStyles = []struct {
	name    string
	files   map[string]string
	handler string
}{
	{"cjs async", map[string]string{"index.js": `let n = 0;
exports.handler = async (event) => ({ n: ++n, event });`}, "index.handler"},
	{"cjs promise", map[string]string{"index.js": `let n = 0;
exports.handler = (event) => new Promise((resolve) => setTimeout(() => resolve({ n: ++n, event }), 5));`}, "index.handler"},
	{"cjs callback", map[string]string{"index.js": `let n = 0;
exports.handler = function (event, context, callback) { callback(null, { n: ++n, event }); };`}, "index.handler"},
	{"cjs legacy succeed", map[string]string{"index.js": `let n = 0;
exports.handler = function (event, context) { context.succeed({ n: ++n, event }); };`}, "index.handler"},
	{"esm mjs", map[string]string{"index.mjs": `let n = 0;
export const handler = async (event) => ({ n: ++n, event });`}, "index.handler"},
	{"esm type module", map[string]string{"package.json": `{"type": "module"}`, "app.js": `let n = 0;
export async function handler(event) { return { n: ++n, event }; }`}, "app.handler"},
	{"cjs extension", map[string]string{"app.cjs": `let n = 0;
module.exports.handler = async (event) => ({ n: ++n, event });`}, "app.handler"},
	{"dir and nested export", map[string]string{"src/lib/app.js": `let n = 0;
module.exports = { api: { handler: async (event) => ({ n: ++n, event }) } };`}, "src/lib/app.api.handler"},
	{"esm in dir", map[string]string{"src/h.mjs": `let n = 0;
export const handler = async (event) => ({ n: ++n, event });`}, "src/h.handler"},
}

func TestNodeHandlerStylesAndWarmState(t *testing.T) {
	for _, st := range nodeStyles {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			s, _ := nodeSandbox(t, st.files, st.handler)
			for i, want := range []string{`{"n":1,"event":{"x":1}}`, `{"n":2,"event":{"x":1}}`} {
				_, p := s.invoke(`{"x":1}`)
				if p.Kind != "response" || string(p.Body) != want {
					t.Fatalf("invoke %d: got %s %s, want %s", i+1, p.Kind, p.Body, want)
				}
			}
		})
	}
}

func TestNodeCallbackWaitsForEmptyEventLoop(t *testing.T) {
	t.Parallel()
	// The handler answers via callback and leaves a timer behind that
	// creates a marker file. With callbackWaitsForEmptyEventLoop true (the
	// default) the response goes out only after the timer ran; with false
	// it goes out at once and the timer runs later (here: 2 s later).
	code := `const fs = require('fs');
exports.handler = function (event, context, callback) {
  if (!event.wait) context.callbackWaitsForEmptyEventLoop = false;
  setTimeout(() => fs.writeFileSync(event.marker, 'fired'), event.wait ? 50 : 2000);
  callback(null, { ok: true });
};`
	for _, wait := range []bool{true, false} {
		s, root := nodeSandbox(t, map[string]string{"index.js": code}, "index.handler")
		marker := filepath.Join(root, "marker")
		_, p := s.invoke(mustJSON(map[string]any{"wait": wait, "marker": marker}))
		_, err := os.Stat(marker)
		if p.Kind != "response" || string(p.Body) != `{"ok":true}` {
			t.Fatalf("wait=%v: got %s %s", wait, p.Kind, p.Body)
		}
		if wait && err != nil {
			t.Errorf("callbackWaitsForEmptyEventLoop=true: response before the pending timer ran")
		}
		if !wait && err == nil {
			t.Errorf("callbackWaitsForEmptyEventLoop=false: response waited for the pending timer")
		}
	}
}

func TestNodeSyncHandlerWithoutCallback(t *testing.T) {
	t.Parallel()
	// A non-async handler that never calls back answers null once the
	// event loop is empty; an async one that never settles fails with
	// Runtime.NodeJsExit.
	s, _ := nodeSandbox(t, map[string]string{"index.js": `
exports.sync = function (event, context, callback) { setTimeout(() => console.log('late'), 20); };
exports.never = async function () { return new Promise(() => {}); };`}, "index.sync")
	if _, p := s.invoke(`{}`); p.Kind != "response" || string(p.Body) != "null" {
		t.Errorf("sync without callback: %s %s", p.Kind, p.Body)
	}
	s2, _ := nodeSandbox(t, map[string]string{"index.js": `exports.never = async function () { return new Promise(() => {}); };`}, "index.never")
	_, p := s2.invoke(`{}`)
	m := decode(t, p.Body)
	if p.Kind != "error" || m["errorType"] != "Runtime.NodeJsExit" ||
		!strings.HasPrefix(m["errorMessage"].(string), "The Lambda runtime client detected an unexpected Node.js exit code.") {
		t.Errorf("never-settling async: %s %s", p.Kind, p.Body)
	}
	// And the sandbox keeps serving.
	if _, p := s2.invoke(`{}`); p.Kind != "error" {
		t.Errorf("second invoke: %s %s", p.Kind, p.Body)
	}
}

var nodeLogLine = regexp.MustCompile(`^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\t([^\t]*)\t(\w+)\t(.*)$`)

func TestNodeErrors(t *testing.T) {
	t.Parallel()
	s, root := nodeSandbox(t, map[string]string{"index.mjs": `export const handler = async (event) => {
  if (event.kind === 'throw') throw new Error('boom');
  if (event.kind === 'type') null.x;
  if (event.kind === 'string') throw 'plain string';
  if (event.kind === 'custom') { const e = new Error('custom'); e.name = 'MyError'; e.code = 42; throw e; }
  return 'ok';
};
export const cb = (event, context, callback) => callback(new Error('via callback'));
`}, "index.handler")
	inv, p := s.invoke(`{"kind":"throw"}`)
	var doc struct {
		ErrorType    string   `json:"errorType"`
		ErrorMessage string   `json:"errorMessage"`
		Trace        []string `json:"trace"`
	}
	if err := json.Unmarshal(p.Body, &doc); err != nil {
		t.Fatal(err)
	}
	if keys := decode(t, p.Body); len(keys) != 3 {
		t.Errorf("keys = %v, want errorType, errorMessage, trace", keys)
	}
	file := "file://" + filepath.Join(root, "index.mjs")
	if p.Kind != "error" || doc.ErrorType != "Error" || doc.ErrorMessage != "boom" || len(doc.Trace) < 2 ||
		doc.Trace[0] != "Error: boom" || doc.Trace[1] != "    at Runtime.handler ("+file+":2:37)" ||
		!strings.HasPrefix(doc.Trace[2], "    at Runtime.handleOnceNonStreaming (") {
		t.Errorf("error document = %s", p.Body)
	}
	if et := p.Header.Get("Lambda-Runtime-Function-Error-Type"); et != "Error" {
		t.Errorf("Lambda-Runtime-Function-Error-Type = %q", et)
	}
	// The "Invoke Error" log record: one line, JSON with the stack as an array.
	out := s.waitOutput("\tERROR\tInvoke Error \t")
	var rec []string
	for _, l := range strings.Split(out, "\n") {
		if m := nodeLogLine.FindStringSubmatch(l); m != nil && m[2] == inv.ID {
			rec = m
		}
	}
	if rec == nil || rec[3] != "ERROR" || !strings.HasPrefix(rec[4], `Invoke Error `+"\t"+`{"errorType":"Error","errorMessage":"boom","stack":["Error: boom","    at Runtime.handler (`) {
		t.Errorf("log record = %q\n%s", rec, out)
	}

	_, p = s.invoke(`{"kind":"type"}`)
	if m := decode(t, p.Body); m["errorType"] != "TypeError" || m["errorMessage"] != "Cannot read properties of null (reading 'x')" {
		t.Errorf("TypeError: %s", p.Body)
	}
	_, p = s.invoke(`{"kind":"string"}`)
	if string(p.Body) != `{"errorType":"string","errorMessage":"plain string","trace":[]}` {
		t.Errorf("thrown string: %s", p.Body)
	}
	_, p = s.invoke(`{"kind":"custom"}`)
	if m := decode(t, p.Body); m["errorType"] != "MyError" || m["errorMessage"] != "custom" {
		t.Errorf("custom error: %s", p.Body)
	}
	s.waitOutput(`Invoke Error ` + "\t" + `{"errorType":"MyError","errorMessage":"custom","code":42,"name":"MyError","stack":["MyError: custom",`)
	if _, p = s.invoke(`{}`); string(p.Body) != `"ok"` {
		t.Errorf("after errors: %s %s", p.Kind, p.Body)
	}
	// A bad event is a SyntaxError of the invoke.
	_, p = s.invoke(`{bad`)
	if m := decode(t, p.Body); p.Kind != "error" || m["errorType"] != "SyntaxError" {
		t.Errorf("bad event: %s", p.Body)
	}

	s2, _ := nodeSandbox(t, map[string]string{"index.js": `exports.cb = (event, context, callback) => callback(new Error('via callback'));`}, "index.cb")
	if _, p = s2.invoke(`{}`); p.Kind != "error" || !strings.HasPrefix(string(p.Body), `{"errorType":"Error","errorMessage":"via callback","trace":["Error: via callback","    at exports.cb [as handler] (`) {
		t.Errorf("callback error: %s", p.Body)
	}
}

func TestNodeInitErrors(t *testing.T) {
	cases := []struct {
		name    string
		files   map[string]string
		handler string
		errType string
		msg     *regexp.Regexp
	}{
		{"missing module", map[string]string{"other.js": ""}, "index.handler", "Runtime.ImportModuleError",
			regexp.MustCompile(`^Error: Cannot find module 'index'\nRequire stack:\n- .*/index\.cjs$`)},
		{"missing dependency cjs", map[string]string{"index.js": `require('left-pad');`}, "index.handler", "Runtime.ImportModuleError",
			regexp.MustCompile(`^Error: Cannot find module 'left-pad'\nRequire stack:\n- .*/index\.js\n- .*/index\.cjs$`)},
		{"missing dependency esm", map[string]string{"index.mjs": `import 'left-pad';`}, "index.handler", "Error",
			regexp.MustCompile(`^Cannot find package 'left-pad' imported from .*/index\.mjs$`)},
		{"handler not found", map[string]string{"index.js": `exports.handler = async () => 1;`}, "index.nope", "Runtime.HandlerNotFound",
			regexp.MustCompile(`^index\.nope is undefined or not exported$`)},
		{"not a function", map[string]string{"index.js": `exports.handler = 42;`}, "index.handler", "Runtime.HandlerNotFound",
			regexp.MustCompile(`^index\.handler is not a function$`)},
		{"malformed", map[string]string{"index.js": ``}, "index", "Runtime.MalformedHandlerName",
			regexp.MustCompile(`^Bad handler$`)},
		{"relative path", map[string]string{"index.js": ``}, "../index.handler", "Runtime.MalformedHandlerName",
			regexp.MustCompile(`^'\.\./index\.handler' is not a valid handler name\. Use absolute paths when specifying root directories in handler names\.$`)},
		{"syntax cjs", map[string]string{"index.js": "exports.handler = async () => {\n  return (\n};\n"}, "index.handler", "Runtime.UserCodeSyntaxError",
			regexp.MustCompile(`^SyntaxError: Unexpected token`)},
		{"syntax esm", map[string]string{"index.mjs": "export const handler = async () => {\n  return (\n};\n"}, "index.handler", "Runtime.UserCodeSyntaxError",
			regexp.MustCompile(`^SyntaxError: Unexpected token`)},
		{"init throw", map[string]string{"index.js": "throw new TypeError('bad config');\n"}, "index.handler", "TypeError",
			regexp.MustCompile(`^bad config$`)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s, _ := nodeSandbox(t, c.files, c.handler)
			p := s.initError()
			var doc struct {
				ErrorType    string    `json:"errorType"`
				ErrorMessage string    `json:"errorMessage"`
				Trace        *[]string `json:"trace"`
			}
			if err := json.Unmarshal(p.Body, &doc); err != nil {
				t.Fatal(err)
			}
			if doc.ErrorType != c.errType || !c.msg.MatchString(doc.ErrorMessage) || doc.Trace == nil {
				t.Errorf("init error = %s", p.Body)
			}
			if et := p.Header.Get("Lambda-Runtime-Function-Error-Type"); et != c.errType {
				t.Errorf("Lambda-Runtime-Function-Error-Type = %q", et)
			}
			if code := s.cmd.ProcessState.ExitCode(); code != 129 {
				t.Errorf("exit code %d, want 129", code)
			}
			// AWS logs "Uncaught Exception" with requestId undefined during init.
			out := s.out.String()
			if !regexp.MustCompile(`(?m)^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\tundefined\tERROR\tUncaught Exception \t\{"errorType":"` + regexp.QuoteMeta(c.errType) + `","errorMessage":`).MatchString(out) {
				t.Errorf("log lacks the Uncaught Exception record:\n%q", out)
			}
		})
	}
}

const nodeContext = `exports.handler = async (event, context) => ({
  functionName: context.functionName,
  functionVersion: context.functionVersion,
  invokedFunctionArn: context.invokedFunctionArn,
  memoryLimitInMB: context.memoryLimitInMB,
  awsRequestId: context.awsRequestId,
  logGroupName: context.logGroupName,
  logStreamName: context.logStreamName,
  identity: context.identity,
  clientContext: context.clientContext,
  remaining: context.getRemainingTimeInMillis(),
  callbackWaitsForEmptyEventLoop: context.callbackWaitsForEmptyEventLoop,
  methods: ['done', 'succeed', 'fail', 'getRemainingTimeInMillis'].map((m) => typeof context[m]),
  keys: Object.keys(context),
  trace: process.env._X_AMZN_TRACE_ID,
});`

func TestNodeContext(t *testing.T) {
	t.Parallel()
	s, _ := nodeSandbox(t, map[string]string{"index.js": nodeContext}, "index.handler")
	inv, p := s.invoke(`{}`, invokeOpts{
		deadline:      3 * time.Second,
		clientContext: `{"client":{"installation_id":"i-1"},"custom":{"a":1},"env":{"platform":"x"}}`,
		cognito:       `{"cognitoIdentityId":"id-1","cognitoIdentityPoolId":"pool-1"}`,
	})
	m := decode(t, p.Body)
	want := map[string]any{
		"functionName":                   "fn",
		"functionVersion":                "$LATEST",
		"invokedFunctionArn":             inv.ARN,
		"memoryLimitInMB":                "128", // a string on AWS
		"awsRequestId":                   inv.ID,
		"logGroupName":                   "/aws/lambda/fn",
		"logStreamName":                  "2024/01/01/[$LATEST]0123456789abcdef0123456789abcdef",
		"identity":                       map[string]any{"cognitoIdentityId": "id-1", "cognitoIdentityPoolId": "pool-1"},
		"clientContext":                  map[string]any{"client": map[string]any{"installation_id": "i-1"}, "custom": map[string]any{"a": 1.0}, "env": map[string]any{"platform": "x"}},
		"callbackWaitsForEmptyEventLoop": true,
		"methods":                        []any{"function", "function", "function", "function"},
		"keys": []any{"callbackWaitsForEmptyEventLoop", "succeed", "fail", "done", "functionVersion", "functionName",
			"memoryLimitInMB", "logGroupName", "logStreamName", "clientContext", "identity", "invokedFunctionArn",
			"awsRequestId", "tenantId", "getRemainingTimeInMillis"},
		"trace": inv.TraceID,
	}
	for k, v := range want {
		if got := mustJSON(m[k]); got != mustJSON(v) {
			t.Errorf("%s = %s, want %s", k, got, mustJSON(v))
		}
	}
	if r, _ := m["remaining"].(float64); r <= 1000 || r > 3000 {
		t.Errorf("getRemainingTimeInMillis() = %v, want within (1000, 3000]", m["remaining"])
	}
	_, p = s.invoke(`{}`)
	if m := decode(t, p.Body); m["identity"] != nil || m["clientContext"] != nil {
		t.Errorf("without headers: identity %v clientContext %v", m["identity"], m["clientContext"])
	}
}

func TestNodeConsole(t *testing.T) {
	t.Parallel()
	code := `console.log('init line');
exports.handler = async () => {
  console.log('hello %s', 'world', { a: 1 });
  console.info('two\nlines');
  console.warn('warned');
  console.error(new Error('logged'));
  console.debug('dbg');
  process.stdout.write('raw write\n');
  return 1;
};`
	s, _ := nodeSandbox(t, map[string]string{"index.js": code}, "index.handler")
	inv, _ := s.invoke(`{}`)
	out := s.waitOutput("raw write\n")
	var recs []string
	for _, l := range strings.Split(out, "\n") {
		if m := nodeLogLine.FindStringSubmatch(l); m != nil {
			if ts, err := time.Parse("2006-01-02T15:04:05.000Z", m[1]); err != nil || time.Since(ts) > time.Minute {
				t.Errorf("timestamp %q", m[1])
			}
			msg := m[4]
			if strings.HasPrefix(msg, "Error: logged\r    at ") {
				msg = "Error: logged\r    at ..."
			}
			recs = append(recs, m[2]+"|"+m[3]+"|"+msg)
		}
	}
	want := []string{
		"undefined|INFO|init line",
		inv.ID + "|INFO|hello world { a: 1 }",
		inv.ID + "|INFO|two\rlines",
		inv.ID + "|WARN|warned",
		inv.ID + "|ERROR|Error: logged\r    at ...",
		inv.ID + "|DEBUG|dbg",
	}
	if strings.Join(recs, "\n") != strings.Join(want, "\n") {
		t.Errorf("records:\n%s\nwant:\n%s\noutput:\n%q", strings.Join(recs, "\n"), strings.Join(want, "\n"), out)
	}
}

func TestNodeTelemetryFramesAndLevel(t *testing.T) {
	t.Parallel()
	node := interpreter(t, "node")
	root := writeFiles(t, map[string]string{"index.js": `exports.handler = async () => {
  console.debug('hidden');
  console.info('two\nlines');
  console.error('bad');
  return 1;
};`})
	s := startSandbox(t, root, sandboxOpts{runtime: "nodejs20.x", interpreter: node, handler: "index.handler",
		env: []string{"AWS_LAMBDA_LOG_LEVEL=INFO"}, telemetry: true})
	inv, _ := s.invoke(`{}`)
	s.cmd.Process.Kill()
	<-s.exited
	<-s.frames.done
	var got []string
	for _, f := range s.frames.all() {
		got = append(got, f.Level()+"|"+string(f.Message))
	}
	want := []string{}
	for _, w := range [][2]string{{"INFO", "two\nlines"}, {"ERROR", "bad"}} {
		want = append(want, w[0]+"|TS\t"+inv.ID+"\t"+w[0]+"\t"+w[1]+"\n")
	}
	for i := range got {
		if m := regexp.MustCompile(`\|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t`).FindStringIndex(got[i]); m != nil {
			got[i] = got[i][:m[0]] + "|TS\t" + got[i][m[1]:]
		}
	}
	if strings.Join(got, "") != strings.Join(want, "") {
		t.Errorf("frames %q\nwant %q", got, want)
	}
}

func TestNodeStreaming(t *testing.T) {
	t.Parallel()
	s, _ := nodeSandbox(t, map[string]string{"index.mjs": `export const handler = awslambda.streamifyResponse(async (event, responseStream, context) => {
  responseStream = awslambda.HttpResponseStream.from(responseStream, { statusCode: 201 });
  responseStream.write('a');
  await new Promise((r) => setTimeout(r, 10));
  responseStream.write('b');
  responseStream.end();
});`}, "index.handler")
	_, p := s.invoke(`{}`)
	if p.Kind != "response" || string(p.Body) != `{"statusCode":201}`+strings.Repeat("\x00", 8)+"ab" ||
		p.Header.Get("Lambda-Runtime-Function-Response-Mode") != "streaming" ||
		p.Header.Get("Content-Type") != "application/vnd.awslambda.http-integration-response" {
		t.Errorf("streamed: %q %v", p.Body, p.Header)
	}
	if _, p = s.invoke(`{}`); p.Kind != "response" {
		t.Errorf("second streamed invoke: %s", p.Kind)
	}
}

func TestNodeUncaughtDuringInvoke(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		handler, errType, msg string
		exit                  int
	}{
		{"index.uncaught", "Error", "async boom", 129},
		{"index.rejected", "Runtime.UnhandledPromiseRejection", "Error: rejected", 128},
	} {
		s, _ := nodeSandbox(t, map[string]string{"index.js": `
exports.uncaught = (event, context, callback) => { setTimeout(() => { throw new Error('async boom'); }, 1); };
exports.rejected = (event, context, callback) => { Promise.reject(new Error('rejected')); };`}, c.handler)
		_, p := s.invoke(`{}`)
		if m := decode(t, p.Body); p.Kind != "error" || m["errorType"] != c.errType || m["errorMessage"] != c.msg {
			t.Errorf("%s: %s %s", c.handler, p.Kind, p.Body)
		}
		select {
		case <-s.exited:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: runtime did not exit", c.handler)
		}
		if code := s.cmd.ProcessState.ExitCode(); code != c.exit {
			t.Errorf("%s: exit code %d, want %d", c.handler, code, c.exit)
		}
	}
}

func TestNodeJSONLogFormat(t *testing.T) {
	t.Parallel()
	s, _ := nodeSandbox(t, map[string]string{"index.js": `exports.handler = async () => {
  console.log('hello %s', 'world');
  console.warn({ a: 1 });
  console.error('failed', new Error('e1'));
  return 1;
};`}, "index.handler", "AWS_LAMBDA_LOG_FORMAT=JSON")
	inv, _ := s.invoke(`{}`)
	out := s.waitOutput(`"level":"ERROR"`)
	var recs []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not JSON: %q", l)
		}
		delete(m, "timestamp")
		recs = append(recs, m)
	}
	if len(recs) != 3 || mustJSON(recs[0]) != mustJSON(map[string]any{"level": "INFO", "requestId": inv.ID, "message": "hello world"}) ||
		mustJSON(recs[1]) != mustJSON(map[string]any{"level": "WARN", "requestId": inv.ID, "message": map[string]any{"a": 1}}) ||
		recs[2]["errorType"] != "Error" || recs[2]["errorMessage"] != "e1" || recs[2]["level"] != "ERROR" {
		t.Errorf("records = %v", recs)
	}
}
