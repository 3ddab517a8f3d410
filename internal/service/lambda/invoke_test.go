package lambda

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"hako/internal/runtime"
)

func TestInvoke(t *testing.T) {
	f := newFixture(t)
	req := f.createReq("fn", pyZip(t, "def handler(e, c):\n    return e\n"))
	req.Environment = &Environment{Variables: map[string]string{"A": "1"}}
	req.MemorySize, req.Timeout = ptr(int32(256)), ptr(int32(30))
	req.EphemeralStorage = &EphemeralStorage{Size: ptr(int32(1024))}
	req.LoggingConfig = &LoggingConfig{LogGroup: "/custom/group"}
	if _, err := f.s.CreateFunction(f.ctx, req); err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(0)
	rec := f.record(t, "fn")

	f.inv.result = runtime.InvokeResult{Payload: []byte(`{"result": 5.0}`), ExecutedVersion: "$LATEST", LogTail: []byte("START RequestId: req-1 Version: $LATEST\nEND RequestId: req-1\n")}
	out, err := f.s.Invoke(f.ctx, &InvocationRequest{FunctionName: "fn", Payload: []byte(`{"x":10,"y":2}`), LogType: "Tail"})
	if err != nil {
		t.Fatal(err)
	}
	if *out.StatusCode != 200 || string(out.Payload) != `{"result": 5.0}` || out.FunctionError != "" || out.ExecutedVersion != "$LATEST" {
		t.Errorf("invoke = %+v", out)
	}
	if tail, _ := base64.StdEncoding.DecodeString(out.LogResult); !strings.HasPrefix(string(tail), "START RequestId: req-1") {
		t.Errorf("LogResult %q", out.LogResult)
	}

	r := f.inv.lastReq(t)
	fn := r.Function
	if r.RequestID != "req-1" || string(r.Payload) != `{"x":10,"y":2}` || r.InvokedARN != testARN+"fn" || !r.Tail || !strings.HasPrefix(r.TraceID, "Root=1-") {
		t.Errorf("request = %+v", r)
	}
	if fn.Account != testAccount || fn.Region != testRegion || fn.Name != "fn" || fn.Version != "$LATEST" || fn.ARN != testARN+"fn" ||
		fn.Runtime != "python3.12" || fn.Handler != "app.handler" || fn.MemoryMB != 256 || fn.Timeout != 30*time.Second ||
		fn.EphemeralStorageMB != 1024 || fn.Environment["A"] != "1" || fn.Role != testRole || fn.LogGroup != "/custom/group" ||
		fn.RevisionID != rec.ConfigRev || fn.ReservedConcurrency != nil || fn.Code.Sha256 != rec.Code.Sha256 {
		t.Errorf("function = %+v", fn)
	}
	ra, size, err := fn.Code.Open()
	if err != nil {
		t.Fatal(err)
	}
	code := make([]byte, size)
	ra.ReadAt(code, 0)
	if c, ok := ra.(io.Closer); ok {
		c.Close()
	}
	blob, _ := f.eng.Blobs().Open(rec.Code.Blob)
	want, _ := io.ReadAll(blob)
	blob.Close()
	if !bytes.Equal(code, want) {
		t.Error("Code.Open does not give the zip")
	}

	// Without Tail, no log; a qualified ARN is passed as invoked.
	out, err = f.s.Invoke(f.ctx, &InvocationRequest{FunctionName: testARN + "fn:$LATEST"})
	if err != nil || out.LogResult != "" {
		t.Errorf("no tail: %+v %v", out, err)
	}
	if r := f.inv.lastReq(t); r.InvokedARN != testARN+"fn:$LATEST" || string(r.Payload) != "{}" {
		t.Errorf("invoked %s with %q", r.InvokedARN, r.Payload)
	}

	// Function errors are results.
	f.inv.result = runtime.InvokeResult{Payload: []byte(`{"errorMessage":"division by zero","errorType":"ZeroDivisionError"}`), FunctionError: "Unhandled"}
	out, err = f.s.Invoke(f.ctx, &InvocationRequest{FunctionName: "fn", Payload: []byte(`{"x":10,"y":0}`)})
	if err != nil || out.FunctionError != "Unhandled" || *out.StatusCode != 200 || !strings.Contains(string(out.Payload), "ZeroDivisionError") || out.ExecutedVersion != "$LATEST" {
		t.Errorf("function error: %+v %v", out, err)
	}

	// Tagging keeps the runtime revision: warm sandboxes stay.
	if _, err := f.s.TagResource(f.ctx, &TagResourceRequest{Resource: testARN + "fn", Tags: map[string]string{"k": "v"}}); err != nil {
		t.Fatal(err)
	}
	f.s.Invoke(f.ctx, &InvocationRequest{FunctionName: "fn"})
	if got := f.inv.lastReq(t).Function.RevisionID; got != rec.ConfigRev {
		t.Errorf("revision %s after tagging, want %s", got, rec.ConfigRev)
	}
}

func TestInvokeThroughHandler(t *testing.T) {
	f := newFixture(t)
	f.create(t, "fn")
	f.inv.result = runtime.InvokeResult{Payload: []byte(`"hi"`), FunctionError: "Unhandled", ExecutedVersion: "$LATEST", LogTail: []byte("log")}
	out, err := f.call("Invoke", map[string]any{"FunctionName": "fn", "Payload": []byte(`{}`), "LogType": "Tail", "InvocationType": "RequestResponse"})
	if err != nil {
		t.Fatal(err)
	}
	if out["StatusCode"] != int64(200) || string(out["Payload"].([]byte)) != `"hi"` || out["FunctionError"] != "Unhandled" ||
		out["ExecutedVersion"] != "$LATEST" || out["LogResult"] != base64.StdEncoding.EncodeToString([]byte("log")) {
		t.Errorf("doc = %v", out)
	}
	out, err = f.call("Invoke", map[string]any{"FunctionName": "fn", "InvocationType": "DryRun"})
	if err != nil || out["StatusCode"] != int64(204) || out["Payload"] != nil {
		t.Errorf("dry run doc = %v %v", out, err)
	}
}

func TestInvokeDryRunAndEvent(t *testing.T) {
	f := newFixture(t)
	f.create(t, "fn")
	out, err := f.s.Invoke(f.ctx, &InvocationRequest{FunctionName: "fn", InvocationType: "DryRun", Payload: []byte(`{}`)})
	if err != nil || *out.StatusCode != 204 || out.Payload != nil {
		t.Errorf("dry run: %+v %v", out, err)
	}
	if len(f.inv.reqs) != 0 {
		t.Errorf("the invoker ran %d times", len(f.inv.reqs))
	}
	// DryRun still checks the function and the payload.
	_, err = f.s.Invoke(f.ctx, &InvocationRequest{FunctionName: "nope", InvocationType: "DryRun"})
	wantErr(t, err, "ResourceNotFoundException", 404, "Function not found: "+testARN+"nope:$LATEST")
	_, err = f.s.Invoke(f.ctx, &InvocationRequest{FunctionName: "fn", InvocationType: "DryRun", Payload: []byte("{")})
	wantErr(t, err, "InvalidRequestContentException", 400, "Could not parse request body into json: Could not parse payload into json: Unexpected end-of-input...")
}

func TestInvokeErrors(t *testing.T) {
	f := newFixture(t)
	f.create(t, "fn")
	cases := []struct {
		name   string
		in     *InvocationRequest
		code   string
		status int
		msg    string
	}{
		{"missing", &InvocationRequest{FunctionName: "nope"}, "ResourceNotFoundException", 404, "Function not found: " + testARN + "nope:$LATEST"},
		{"version", &InvocationRequest{FunctionName: "fn", Qualifier: "1"}, "ResourceNotFoundException", 404, "Function not found: " + testARN + "fn:1"},
		{"alias in name", &InvocationRequest{FunctionName: "fn:live"}, "ResourceNotFoundException", 404, "Function not found: " + testARN + "fn:live"},
		{"quote", &InvocationRequest{FunctionName: "fn", Payload: []byte(`'test'`)}, "InvalidRequestContentException", 400,
			"Could not parse request body into json: Could not parse payload into json: Unexpected character (''' (code 39)): expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')\n at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: 2]"},
		{"word", &InvocationRequest{FunctionName: "fn", Payload: []byte(`hello`)}, "InvalidRequestContentException", 400,
			"Could not parse request body into json: Could not parse payload into json: Unrecognized token 'hello': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')\n at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: 6]"},
		{"second line", &InvocationRequest{FunctionName: "fn", Payload: []byte("{\n\"a\": }")}, "InvalidRequestContentException", 400,
			"Could not parse request body into json: Could not parse payload into json: Unexpected character ('}' (code 125)): expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')\n at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 2, column: 7]"},
		{"bad utf-8", &InvocationRequest{FunctionName: "fn", Payload: []byte("n\x87r")}, "InvalidRequestContentException", 400,
			"Could not parse request body into json: Could not parse payload into json: Invalid UTF-8 start byte 0x87\n at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: 3]"},
		{"too large", &InvocationRequest{FunctionName: "fn", Payload: []byte(`"` + strings.Repeat("a", maxSyncPayload-1) + `"`)}, "RequestEntityTooLargeException", 413,
			"Request must be smaller than 6291456 bytes for the InvokeFunction operation"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.s.Invoke(f.ctx, c.in)
			wantErr(t, err, c.code, c.status, c.msg)
		})
	}
	if len(f.inv.reqs) != 0 {
		t.Errorf("the invoker ran %d times", len(f.inv.reqs))
	}
	// Exactly the limit is fine.
	if _, err := f.s.Invoke(f.ctx, &InvocationRequest{FunctionName: "fn", Payload: []byte(`"` + strings.Repeat("a", maxSyncPayload-2) + `"`)}); err != nil {
		t.Errorf("payload of %d bytes: %v", maxSyncPayload, err)
	}
}

func TestInvokeThrottled(t *testing.T) {
	f := newFixture(t)
	f.create(t, "fn")
	f.inv.err = &runtime.ThrottleError{Reason: "ReservedFunctionConcurrentInvocationLimitExceeded"}
	_, err := f.s.Invoke(f.ctx, &InvocationRequest{FunctionName: "fn"})
	pe := wantErr(t, err, "TooManyRequestsException", 429, "Rate Exceeded.")
	if pe.Fields["Reason"] != "ReservedFunctionConcurrentInvocationLimitExceeded" || !pe.IsSender() {
		t.Errorf("fields %v sender %v", pe.Fields, pe.IsSender())
	}
	f.inv.err = errors.New("boom")
	if _, err := f.s.Invoke(f.ctx, &InvocationRequest{FunctionName: "fn"}); err == nil || err.Error() != "boom" {
		t.Errorf("runtime failure: %v", err)
	}
}

func TestInvokeResponseTooLarge(t *testing.T) {
	f := newFixture(t)
	f.create(t, "fn")
	f.inv.result = runtime.InvokeResult{Payload: bytes.Repeat([]byte("a"), maxSyncResponse+1)}
	out, err := f.s.Invoke(f.ctx, &InvocationRequest{FunctionName: "fn"})
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]string
	json.Unmarshal(out.Payload, &doc)
	if *out.StatusCode != 200 || out.FunctionError != "Unhandled" || doc["errorType"] != "Function.ResponseSizeTooLarge" ||
		doc["errorMessage"] != "Response payload size (6291557 bytes) exceeded maximum allowed payload size (6291556 bytes)." {
		t.Errorf("out %+v %v", out.FunctionError, doc)
	}
}

// An invoke right after a create or update does not wait for the clock: it
// settles the function first and runs the new code.
func TestInvokeSettlesPending(t *testing.T) {
	f := newFixture(t)
	if _, err := f.s.CreateFunction(f.ctx, f.createReq("fn", pyZip(t, "v = 1\n"))); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Invoke(f.ctx, &InvocationRequest{FunctionName: "fn"}); err != nil {
		t.Fatal(err)
	}
	if rec := f.record(t, "fn"); rec.State != "Active" || rec.Pending != "" {
		t.Errorf("after invoke: %s pending %q", rec.State, rec.Pending)
	}
	newZip := pyZip(t, "v = 2\n")
	hexSum, _ := sha(newZip)
	if _, err := f.s.UpdateFunctionCode(f.ctx, &UpdateFunctionCodeRequest{FunctionName: "fn", ZipFile: newZip}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Invoke(f.ctx, &InvocationRequest{FunctionName: "fn"}); err != nil {
		t.Fatal(err)
	}
	if got := f.inv.lastReq(t).Function.Code.Sha256; got != hexSum {
		t.Errorf("ran code %s, want the new %s", got, hexSum)
	}
	if n := f.eng.blobs.count(); n != 1 {
		t.Errorf("%d blobs", n)
	}
	// The timer that comes later finds nothing to do.
	rev := f.record(t, "fn").RevisionID
	f.clk.Advance(0)
	if f.record(t, "fn").RevisionID != rev {
		t.Error("the late timer settled twice")
	}
}

func TestPayloadErrorNeverPanics(t *testing.T) {
	for _, p := range []string{"", "{", "}", "[1,", `{"a":1}x`, "\xff", " \xff", `"\u00`, "nul", "1e", "\x00", "[\x01]"} {
		if json.Valid([]byte(p)) {
			continue
		}
		if msg := payloadError([]byte(p)); !strings.Contains(msg, "line: ") {
			t.Errorf("%q: %s", p, msg)
		}
	}
}

func FuzzPayloadError(f *testing.F) {
	for _, s := range []string{"{", "'x'", "hello", "n\x87r", "{\n\"a\": }"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		if !json.Valid(p) {
			if msg := payloadError(p); !strings.Contains(msg, "line: ") {
				t.Errorf("%q: %s", p, msg)
			}
		}
	})
}
