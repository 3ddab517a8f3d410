package restjson_test

import (
	"bytes"
	"errors"
	"io"
	"net/http/httptest"
	"net/url"
	"testing"

	"hako/internal/protocol"
	"hako/internal/protocol/model"
	"hako/internal/protocol/restjson"
)

// FuzzDecode feeds arbitrary methods, paths, queries, headers and bodies to
// the codec with the lambda model: it must never panic, and every error must
// be a *protocol.Error.
func FuzzDecode(f *testing.F) {
	seeds := []struct{ method, path, query, header, body string }{
		{"POST", "/2015-03-31/functions", "", "", `{"FunctionName":"fn","Runtime":"python3.12","Role":"r","Handler":"h","Code":{"ZipFile":"UEsDBA=="},"Timeout":3,"Environment":{"Variables":{"AA":"1"}}}`},
		{"POST", "/2015-03-31/functions/fn/invocations", "Qualifier=live", "Event", `{"x":1}`},
		{"POST", "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Afn/invocations", "", "RequestResponse", ``},
		{"GET", "/2015-03-31/functions/", "MaxItems=abc&Marker=m", "", ``},
		{"GET", "/2015-03-31/functions/", "MaxItems=10&FunctionVersion=ALL", "", ``},
		{"DELETE", "/2015-03-31/functions/fn", "Qualifier=3", "", ``},
		{"POST", "/2017-03-31/tags/arn", "", "", `{"Tags":{"a":"b"}}`},
		{"DELETE", "/2017-03-31/tags/arn", "tagKeys=a&tagKeys=b", "", ``},
		{"POST", "/2014-11-13/functions/fn/invoke-async/", "", "", `streamed`},
		{"PUT", "/2015-03-31/functions/fn/concurrency", "", "", `{"ReservedConcurrentExecutions":"x"}`},
		{"POST", "/2015-03-31/functions", "", "", `{"Code":[]}`},
		{"GET", "/nowhere", "", "", ``},
		{"PATCH", "/2015-03-31/functions/fn", "", "", ``},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, s.query, s.header, []byte(s.body))
	}
	api := model.MustLoad("lambda")
	f.Fuzz(func(t *testing.T, method, path, query, header string, body []byte) {
		u := &url.URL{Path: "/", RawQuery: query}
		if p, err := url.PathUnescape(path); err == nil && len(path) > 0 && path[0] == '/' {
			u.Path, u.RawPath = p, path
		}
		if !validMethod(method) {
			method = "POST"
		}
		r := httptest.NewRequest("GET", "/", bytes.NewReader(body))
		r.Method, r.URL = method, u
		for _, h := range []string{"X-Amz-Invocation-Type", "X-Amz-Log-Type", "X-Amz-Client-Context", "X-Amz-Tenant-Id"} {
			r.Header.Set(h, header)
		}
		c := &protocol.Call{API: api}
		op, err := restjson.Codec{}.Operation(c, r)
		if err != nil {
			mustBeProtocolError(t, err)
			return
		}
		c.Op = op
		doc, err := restjson.Codec{}.Decode(c, r)
		if err != nil {
			mustBeProtocolError(t, err)
			return
		}
		for _, v := range doc {
			if rc, ok := v.(io.ReadCloser); ok {
				io.Copy(io.Discard, rc)
			}
		}
		if verr := protocol.Validate(api, op.InputShape, doc, "ValidationException"); verr != nil {
			restjson.Codec{}.EncodeError(c, httptest.NewRecorder(), verr)
		}
	})
}

func validMethod(m string) bool {
	if m == "" {
		return false
	}
	for i := 0; i < len(m); i++ {
		if c := m[i]; c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}

func mustBeProtocolError(t *testing.T, err error) {
	t.Helper()
	var perr *protocol.Error
	if !errors.As(err, &perr) {
		t.Fatalf("error %T %v is not a *protocol.Error", err, err)
	}
	if perr.Code == "" {
		t.Fatalf("error without a code: %#v", perr)
	}
}
