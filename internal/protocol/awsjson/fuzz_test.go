package awsjson_test

import (
	"bytes"
	"errors"
	"net/http/httptest"
	"testing"

	"hako/internal/protocol"
	"hako/internal/protocol/awsjson"
	"hako/internal/protocol/model"
)

// FuzzDecode feeds arbitrary targets and bodies to the codec with the logs
// model: it must never panic, and every error must be a *protocol.Error.
// Decoded documents must validate and encode without panicking too.
func FuzzDecode(f *testing.F) {
	seeds := []struct{ target, body string }{
		{"Logs_20140328.PutLogEvents", `{"logGroupName":"g","logStreamName":"s","logEvents":[{"timestamp":1700000000000,"message":"m"}],"sequenceToken":"1"}`},
		{"Logs_20140328.PutLogEvents", `{"logGroupName":"g","logStreamName":"s","logEvents":[{"timestamp":"x"}],"entity":{"keyAttributes":{"a":"b"}}}`},
		{"Logs_20140328.DescribeLogGroups", `{"limit":5,"nextToken":"t","accountIdentifiers":["1"],"includeLinkedAccounts":true}`},
		{"Logs_20140328.FilterLogEvents", `{"logStreamNames":["a","b"],"startTime":1,"interleaved":false,"unknown":{"x":[1,2,{"y":null}]}}`},
		{"Logs_20140328.GetLogEvents", `{"logStreamName":"s","limit":1.5e3,"startFromHead":"yes"}`},
		{"Logs_20140328.PutQueryDefinition", `{"name":"\u00e9\ud83d\ude00","queryString":"x","logGroupNames":[]}`},
		{"Logs_20140328.TagResource", `{"resourceArn":"a","tags":{"k":"v","n":null}}`},
		{"Logs_20140328.DescribeLogGroups", `{"limit":`},
		{"Logs_20140328.DescribeLogGroups", ``},
		{"Logs_20140328.Nope", `{}`},
		{"", `[]`},
		{"Logs_20140328.PutLogEvents", `{"logEvents":[[[[[[[[[[]]]]]]]]]]}`},
	}
	for _, s := range seeds {
		f.Add(s.target, []byte(s.body))
	}
	api := model.MustLoad("logs")
	f.Fuzz(func(t *testing.T, target string, body []byte) {
		c := &protocol.Call{API: api}
		r := httptest.NewRequest("POST", "/", bytes.NewReader(body))
		r.Header.Set("X-Amz-Target", target)
		op, err := awsjson.Codec{}.Operation(c, r)
		if err != nil {
			mustBeProtocolError(t, err)
			return
		}
		c.Op = op
		doc, err := awsjson.Codec{}.Decode(c, r)
		if err != nil {
			mustBeProtocolError(t, err)
			return
		}
		if doc == nil {
			t.Fatal("nil document without an error")
		}
		if verr := protocol.Validate(api, op.InputShape, doc, "InvalidParameterException"); verr != nil {
			awsjson.Codec{}.EncodeError(c, httptest.NewRecorder(), verr)
		}
	})
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
