package runtime

import (
	"os/exec"
	"strings"
	"testing"
)

// TestManagedRuntimes runs Python and Node.js functions through hako's
// runtime clients (package bootstraps) with the host's interpreters.
func TestManagedRuntimes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, runtime, handler, interp string
		files                          []zipFile
		ok                             string // payload of {"x":10,"y":2}
		errType, errMsg                string // of {"x":10,"y":0}
		printed                        string // a stdout line, one event
		record                         string // a multi-line log record, one event
	}{
		{
			name: "python", runtime: "python3.12", handler: "lambda_function.handler", interp: "python3",
			files: []zipFile{{name: "lambda_function.py", body: []byte(`import logging, os
count = 0
def handler(event, context):
    global count
    count += 1
    print("x =", event["x"])
    logging.getLogger().warning("two\nlines")
    return {"result": event["x"] / event["y"], "count": count, "name": context.function_name}
`)}},
			ok:      `{"result": 5.0, "count": 1, "name": "py"}`,
			errType: "ZeroDivisionError", errMsg: "division by zero",
			printed: "x = 10\n", record: "two\nlines",
		},
		{
			name: "node", runtime: "nodejs20.x", handler: "index.handler", interp: "node",
			files: []zipFile{{name: "index.js", body: []byte(`let count = 0;
exports.handler = async (event, context) => {
  count++;
  process.stdout.write("x = " + event.x + "\n");
  console.log("two\nlines");
  if (event.y === 0) { throw new RangeError("division by zero"); }
  return {result: event.x / event.y, count, name: context.functionName};
};
`)}},
			ok:      `{"result":5,"count":1,"name":"node"}`,
			errType: "RangeError", errMsg: "division by zero",
			printed: "x = 10\n", record: "two\nlines",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := exec.LookPath(tc.interp); err != nil {
				t.Skipf("no %s on this host", tc.interp)
			}
			e := newTestManager(t, nil)
			name := map[string]string{"python": "py", "node": "node"}[tc.name]
			fn := e.function(name, func(f *Function) {
				f.Runtime, f.Handler = tc.runtime, tc.handler
				f.Code = codeOf(zipOf(t, tc.files))
			})
			res := e.invoke(t, fn, map[string]any{"x": 10, "y": 2})
			if res.FunctionError != "" || string(res.Payload) != tc.ok {
				t.Fatalf("ok invoke: %q %s", res.FunctionError, res.Payload)
			}
			res = e.invoke(t, fn, map[string]any{"x": 10, "y": 0})
			var doc struct{ ErrorType, ErrorMessage string }
			decodeJSON(t, res.Payload, &doc)
			if res.FunctionError != "Unhandled" || doc.ErrorType != tc.errType || doc.ErrorMessage != tc.errMsg || res.Cold {
				t.Fatalf("error invoke: %q cold=%v %s", res.FunctionError, res.Cold, res.Payload)
			}
			msgs := e.sink.waitLog(t, "/aws/lambda/"+name, "REPORT")
			msgs = e.sink.waitLog(t, "/aws/lambda/"+name, tc.record)
			var printed, record bool
			for _, m := range msgs {
				printed = printed || m == tc.printed
				record = record || strings.Contains(m, tc.record)
			}
			if !printed || !record {
				t.Errorf("log events (printed %v, record %v):\n%q", printed, record, msgs)
			}
		})
	}
}

// TestManagedInitErrors: init errors come from the runtime client
// (/init/error) with AWS's error types; the next invoke initialises again.
func TestManagedInitErrors(t *testing.T) {
	t.Parallel()
	py := []zipFile{{name: "lambda_function.py", body: []byte("def handler(e, c):\n    return 1\n")}}
	js := []zipFile{{name: "index.js", body: []byte("exports.handler = async () => 1;\n")}}
	tests := []struct {
		name, runtime, handler, interp string
		files                          []zipFile
		errType                        string
	}{
		{"python import error", "python3.12", "nomodule.handler", "python3", py, "Runtime.ImportModuleError"},
		{"python handler not found", "python3.12", "lambda_function.missing", "python3", py, "Runtime.HandlerNotFound"},
		{"node handler not found", "nodejs20.x", "index.missing", "node", js, "Runtime.HandlerNotFound"},
		{"node module not found", "nodejs20.x", "nomodule.handler", "node", js, "Runtime.ImportModuleError"},
	}
	e := newTestManager(t, nil)
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := exec.LookPath(tc.interp); err != nil {
				t.Skipf("no %s on this host", tc.interp)
			}
			fn := e.function("initerr"+string(rune('a'+i)), func(f *Function) {
				f.Runtime, f.Handler = tc.runtime, tc.handler
				f.Code = codeOf(zipOf(t, tc.files))
			})
			for attempt := 0; attempt < 2; attempt++ {
				res := e.invoke(t, fn, map[string]any{})
				var doc struct{ ErrorType, ErrorMessage string }
				decodeJSON(t, res.Payload, &doc)
				if res.FunctionError != "Unhandled" || !res.Cold || doc.ErrorType != tc.errType {
					t.Fatalf("attempt %d: %q cold=%v %s", attempt, res.FunctionError, res.Cold, res.Payload)
				}
			}
			e.sink.waitLog(t, "/aws/lambda/"+fn.Name, "Status: error\tError Type: "+tc.errType+"\t")
		})
	}
}
