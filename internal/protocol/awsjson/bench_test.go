package awsjson_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"hako/internal/protocol"
	"hako/internal/protocol/awsjson"
	"hako/internal/protocol/model"
)

// discardWriter is a ResponseWriter that keeps nothing but its header map.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(int)             {}

func putLogEventsBody(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"logGroupName":"/aws/lambda/my-function","logStreamName":"2024/01/01/[$LATEST]0123456789abcdef0123456789abcdef","logEvents":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"timestamp":%d,"message":"START RequestId: 6f2c3d8e-1a2b-4c5d-8e9f-%012d Version: $LATEST\n"}`, 1700000000000+i, i)
	}
	b.WriteString(`],"sequenceToken":"49640000000000000000000000000000000000000000000000000000"}`)
	return b.Bytes()
}

// BenchmarkPutLogEvents is the whole protocol layer for one PutLogEvents
// call with 10 events: Operation, Decode, Validate, Encode.
func BenchmarkPutLogEvents(b *testing.B) {
	api := model.MustLoad("logs")
	body := putLogEventsBody(10)
	rd := bytes.NewReader(body)
	r := httptest.NewRequest("POST", "/", rd)
	r.Header.Set("X-Amz-Target", "Logs_20140328.PutLogEvents")
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	r.ContentLength = int64(len(body))
	out := map[string]any{"nextSequenceToken": "49640000000000000000000000000000000000000000000000000001"}
	w := &discardWriter{h: http.Header{}}
	codec := awsjson.Codec{}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		rd.Reset(body)
		r.Body = io.NopCloser(rd)
		clear(w.h)
		c := &protocol.Call{RequestID: "r", API: api}
		op, err := codec.Operation(c, r)
		if err != nil {
			b.Fatal(err)
		}
		c.Op = op
		doc, err := codec.Decode(c, r)
		if err != nil {
			b.Fatal(err)
		}
		if verr := protocol.Validate(api, op.InputShape, doc, "InvalidParameterException"); verr != nil {
			b.Fatal(verr)
		}
		codec.Encode(c, w, out)
	}
}

// BenchmarkDecodePutLogEvents is Decode alone.
func BenchmarkDecodePutLogEvents(b *testing.B) {
	api := model.MustLoad("logs")
	body := putLogEventsBody(10)
	rd := bytes.NewReader(body)
	r := httptest.NewRequest("POST", "/", rd)
	c := &protocol.Call{API: api, Op: api.Operations["PutLogEvents"]}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		rd.Reset(body)
		r.Body = io.NopCloser(rd)
		if _, err := (awsjson.Codec{}).Decode(c, r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeGetLogEvents writes a GetLogEvents output of 10 events.
func BenchmarkEncodeGetLogEvents(b *testing.B) {
	api := model.MustLoad("logs")
	var events []any
	for i := range 10 {
		events = append(events, map[string]any{"timestamp": int64(1700000000000 + i), "ingestionTime": int64(1700000000100 + i), "message": fmt.Sprintf("line %d \"quoted\"\n", i)})
	}
	out := map[string]any{"events": events, "nextForwardToken": "f/1", "nextBackwardToken": "b/1"}
	c := &protocol.Call{API: api, Op: api.Operations["GetLogEvents"]}
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		awsjson.Codec{}.Encode(c, w, out)
	}
}
