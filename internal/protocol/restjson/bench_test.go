package restjson_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"hako/internal/protocol"
	"hako/internal/protocol/model"
	"hako/internal/protocol/restjson"
)

type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(int)             {}

// BenchmarkInvoke is the protocol layer of a Lambda Invoke: route, decode
// (raw payload, headers, query), validate, encode (raw payload, headers,
// status member).
func BenchmarkInvoke(b *testing.B) {
	api := model.MustLoad("lambda")
	payload := []byte(`{"orderId":"1234","items":[{"sku":"a","qty":2},{"sku":"b","qty":1}]}`)
	rd := bytes.NewReader(payload)
	r := httptest.NewRequest("POST", "/2015-03-31/functions/my-function/invocations?Qualifier=live", rd)
	r.Header.Set("X-Amz-Invocation-Type", "RequestResponse")
	r.Header.Set("X-Amz-Log-Type", "Tail")
	out := map[string]any{"StatusCode": int64(200), "Payload": []byte(`{"ok":true}`), "ExecutedVersion": "7"}
	w := &discardWriter{h: http.Header{}}
	codec := restjson.Codec{}
	b.ReportAllocs()
	for b.Loop() {
		rd.Reset(payload)
		r.Body = io.NopCloser(rd)
		clear(w.h)
		c := &protocol.Call{API: api}
		op, err := codec.Operation(c, r)
		if err != nil {
			b.Fatal(err)
		}
		c.Op = op
		doc, err := codec.Decode(c, r)
		if err != nil {
			b.Fatal(err)
		}
		if verr := protocol.Validate(api, op.InputShape, doc, "ValidationException"); verr != nil {
			b.Fatal(verr)
		}
		codec.Encode(c, w, out)
	}
}

// BenchmarkGetFunction encodes a large nested output (FunctionConfiguration).
func BenchmarkGetFunction(b *testing.B) {
	api := model.MustLoad("lambda")
	c := &protocol.Call{API: api, Op: api.Operations["GetFunction"]}
	out := map[string]any{
		"Configuration": functionConfig("fn"),
		"Code":          map[string]any{"RepositoryType": "S3", "Location": "http://localhost/code.zip"},
		"Tags":          map[string]any{"team": "a"},
	}
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		restjson.Codec{}.Encode(c, w, out)
	}
}
