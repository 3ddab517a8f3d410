package runtime

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// apiHarness drives one runtimeAPI through httptest, the way a runtime
// would, with the invoker's side (submit, results) in the test.
type apiHarness struct {
	t   *testing.T
	api *runtimeAPI
	srv *httptest.Server
}

func newAPIHarness(t *testing.T) *apiHarness {
	a, err := newRuntimeAPI("arn:aws:lambda:us-east-1:123456789012:function:f")
	if err != nil {
		t.Fatal(err)
	}
	a.ln.Close() // httptest serves it instead
	srv := httptest.NewServer(a)
	t.Cleanup(func() {
		a.close()
		srv.Close()
	})
	return &apiHarness{t: t, api: a, srv: srv}
}

type apiResp struct {
	status int
	header http.Header
	body   string
}

func (h *apiHarness) do(method, path string, body string, hdr map[string]string) apiResp {
	h.t.Helper()
	req, _ := http.NewRequest(method, h.srv.URL+path, strings.NewReader(body))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return apiResp{resp.StatusCode, resp.Header, string(b)}
}

// next runs GET /next in the background (it blocks until an invoke).
func (h *apiHarness) next() chan apiResp {
	ch := make(chan apiResp, 1)
	go func() {
		resp, err := http.Get(h.srv.URL + nextPath)
		if err != nil {
			ch <- apiResp{status: -1, body: err.Error()}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		ch <- apiResp{resp.StatusCode, resp.Header, string(b)}
	}()
	return ch
}

func (h *apiHarness) submit(id string, payload string) *invocation {
	inv := &invocation{
		req:      &InvokeRequest{RequestID: id, Payload: []byte(payload), TraceID: "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"},
		deadline: time.UnixMilli(1700000000123),
		done:     make(chan apiResult, 1),
	}
	h.api.submit(inv)
	return inv
}

func wantStatus(t *testing.T, r apiResp, status int, errType string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d (%s)", r.status, status, r.body)
	}
	if errType != "" {
		var doc struct{ ErrorType, ErrorMessage string }
		if err := json.Unmarshal([]byte(r.body), &doc); err != nil || doc.ErrorType != errType {
			t.Fatalf("body %s, want errorType %s", r.body, errType)
		}
	}
}

func TestRuntimeAPIHappyPath(t *testing.T) {
	h := newAPIHarness(t)
	next := h.next()
	select {
	case <-h.api.ready:
	case <-time.After(5 * time.Second):
		t.Fatal("first /next did not signal ready")
	}
	inv := h.submit("id-1", `{"x":1}`)
	r := <-next
	wantStatus(t, r, 200, "")
	for k, v := range map[string]string{
		hdrRequestID:   "id-1",
		hdrDeadline:    "1700000000123",
		hdrFunctionARN: "arn:aws:lambda:us-east-1:123456789012:function:f",
		hdrTraceID:     "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1",
		"Content-Type": "application/json",
	} {
		if got := r.header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if r.body != `{"x":1}` {
		t.Errorf("body %q", r.body)
	}
	if h.api.stateName() != "Running" {
		t.Errorf("state %s", h.api.stateName())
	}
	// A chunked response body (no Content-Length) is accepted.
	req, _ := http.NewRequest("POST", h.srv.URL+invocationPath+"id-1/response", io.MultiReader(strings.NewReader(`{"ok"`), strings.NewReader(`:true}`)))
	req.ContentLength = -1
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 202 || len(resp.TransferEncoding) != 0 && resp.TransferEncoding[0] != "chunked" {
		t.Fatalf("response status %d", resp.StatusCode)
	}
	res := <-inv.done
	if res.isError || string(res.payload) != `{"ok":true}` {
		t.Fatalf("result %+v", res)
	}
	// Second invoke, answered with /error.
	next = h.next()
	inv = h.submit("id-2", `{}`)
	wantStatus(t, <-next, 200, "")
	r = h.do("POST", invocationPath+"id-2/error", `{"errorMessage":"bad","errorType":"ValueError"}`,
		map[string]string{hdrErrorType: "ValueError"})
	wantStatus(t, r, 202, "")
	if r.body != "{\"status\":\"OK\"}\n" {
		t.Errorf("accepted body %q", r.body)
	}
	res = <-inv.done
	if !res.isError || res.errorType != "ValueError" || string(res.payload) != `{"errorMessage":"bad","errorType":"ValueError"}` {
		t.Fatalf("error result %+v", res)
	}
}

func TestRuntimeAPIIllegalCalls(t *testing.T) {
	tests := []struct {
		name string
		// setup brings the runtime to a state; it returns the current
		// request id ("" when none).
		setup   func(h *apiHarness) string
		method  string
		path    string // %s = current request id
		status  int
		errType string
	}{
		{"response before any invoke", func(*apiHarness) string { return "" }, "POST", invocationPath + "nope/response", 400, "InvalidRequestID"},
		{"error before any invoke", func(*apiHarness) string { return "" }, "POST", invocationPath + "nope/error", 400, "InvalidRequestID"},
		{"response with a wrong id", running, "POST", invocationPath + "other-id/response", 400, "InvalidRequestID"},
		{"second response", responded, "POST", invocationPath + "%s/response", 400, "InvalidRequestID"},
		{"error after response", responded, "POST", invocationPath + "%s/error", 400, "InvalidRequestID"},
		{"init error after init", ready, "POST", initErrorPath, 403, "InvalidStateTransition"},
		{"init error while running", running, "POST", initErrorPath, 403, "InvalidStateTransition"},
		{"next while running", running, "GET", nextPath, 403, "InvalidStateTransition"},
		{"next after init error", initErrored, "GET", nextPath, 403, "InvalidStateTransition"},
		{"second init error", initErrored, "POST", initErrorPath, 403, "InvalidStateTransition"},
		{"unknown path", ready, "GET", "/2018-06-01/runtime/invocation/x/nothing", 404, ""},
		{"extensions API is not served", ready, "POST", "/2020-01-01/extension/register", 404, ""},
		{"wrong method on next", ready, "POST", nextPath, 405, ""},
		{"wrong method on response", running, "GET", invocationPath + "%s/response", 405, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newAPIHarness(t)
			id := tc.setup(h)
			path := tc.path
			if strings.Contains(path, "%s") {
				path = strings.Replace(path, "%s", id, 1)
			}
			before := h.api.stateName()
			r := h.do(tc.method, path, `{"errorMessage":"x","errorType":"Runtime.X"}`, nil)
			wantStatus(t, r, tc.status, tc.errType)
			if tc.errType == "InvalidStateTransition" && !strings.Contains(r.body, "State transition from "+before+" to ") {
				t.Errorf("message %s", r.body)
			}
			if after := h.api.stateName(); after != before {
				t.Errorf("illegal call moved state %s -> %s", before, after)
			}
		})
	}
}

// ready: the runtime has called /next once and waits (state Ready).
func ready(h *apiHarness) string {
	h.next()
	<-h.api.ready
	waitState(h, "Ready")
	return ""
}

func running(h *apiHarness) string {
	next := h.next()
	h.submit("id-1", "{}")
	<-next
	return "id-1"
}

func responded(h *apiHarness) string {
	id := running(h)
	wantStatus(h.t, h.do("POST", invocationPath+id+"/response", `"ok"`, nil), 202, "")
	return id
}

func initErrored(h *apiHarness) string {
	wantStatus(h.t, h.do("POST", initErrorPath, `{"errorMessage":"no module","errorType":"Runtime.ImportModuleError"}`,
		map[string]string{hdrErrorType: "Runtime.ImportModuleError"}), 202, "")
	f := <-h.api.initErr
	if f.errorType != "Runtime.ImportModuleError" || !strings.Contains(string(f.payload), "no module") {
		h.t.Fatalf("init failure %+v", f)
	}
	return ""
}

func waitState(h *apiHarness, s string) {
	deadline := time.Now().Add(5 * time.Second)
	for h.api.stateName() != s {
		if time.Now().After(deadline) {
			h.t.Fatalf("state %s, want %s", h.api.stateName(), s)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestRuntimeAPIResponseLimits(t *testing.T) {
	h := newAPIHarness(t)
	next := h.next()
	inv := h.submit("id-1", "{}")
	<-next
	big := bytes.Repeat([]byte("a"), MaxResponseSize+1)
	// Chunked, so the limit is found while reading, not from the header.
	req, _ := http.NewRequest("POST", h.srv.URL+invocationPath+"id-1/response", io.MultiReader(bytes.NewReader(big)))
	req.ContentLength = -1
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 413 || !strings.Contains(string(b), `"errorType":"RequestEntityTooLarge"`) {
		t.Fatalf("status %d %s", resp.StatusCode, b)
	}
	res := <-inv.done
	if !res.isError || res.errorType != "Function.ResponseSizeTooLarge" {
		t.Fatalf("result %+v", res)
	}
	// Exactly at the limit is fine.
	next = h.next()
	inv = h.submit("id-2", "{}")
	<-next
	r := h.do("POST", invocationPath+"id-2/response", string(big[:MaxResponseSize]), nil)
	wantStatus(t, r, 202, "")
	if res := <-inv.done; res.isError || len(res.payload) != MaxResponseSize {
		t.Fatalf("at the limit: error %v, %d bytes", res.isError, len(res.payload))
	}
}

func TestRuntimeAPIStreamedErrorTrailer(t *testing.T) {
	h := newAPIHarness(t)
	next := h.next()
	inv := h.submit("id-1", "{}")
	<-next
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", h.srv.URL+invocationPath+"id-1/response", pr)
	req.Header.Set("Lambda-Runtime-Function-Response-Mode", "streaming")
	req.Trailer = http.Header{hdrErrorType: nil, hdrErrorBody: nil}
	go func() {
		pw.Write([]byte("partial"))
		req.Trailer.Set(hdrErrorType, "Error")
		req.Trailer.Set(hdrErrorBody, base64.StdEncoding.EncodeToString([]byte(`{"errorType":"Error","errorMessage":"mid-stream"}`)))
		pw.Close()
	}()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	res := <-inv.done
	if !res.isError || res.errorType != "Error" || !strings.Contains(string(res.payload), "mid-stream") {
		t.Fatalf("result %+v %s", res, res.payload)
	}
}

func TestErrorDocument(t *testing.T) {
	tests := []struct{ body, errType, want string }{
		{`{"errorMessage":"m","errorType":"T"}`, "T", `{"errorMessage":"m","errorType":"T"}`},
		{`not json`, "Runtime.Custom", `{"errorMessage":"not json","errorType":"Runtime.Custom"}`},
		{``, "", `{"errorMessage":"","errorType":"Runtime.Unknown"}`},
	}
	for _, tc := range tests {
		if got := string(errorDocument([]byte(tc.body), tc.errType)); got != tc.want {
			t.Errorf("errorDocument(%q) = %s, want %s", tc.body, got, tc.want)
		}
	}
}
