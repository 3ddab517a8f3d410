package awsjson_test

import (
	"reflect"
	"testing"

	"hako/internal/protocol/internal/codectest"
)

func TestLogsBotocore(t *testing.T) {
	svc, srv := startService(t, "logs", "InvalidParameterException", logsHandler)
	var got struct {
		Put    map[string]any
		Get    map[string]any
		Groups []string
		Errors map[string]map[string]any
	}
	codectest.Botocore(t, "testdata/botocore_logs.py", &got, srv.URL)

	first := svc.All()[0]
	equalDoc(t, "PutLogEvents input", first.Doc, map[string]any{
		"logGroupName":  "/aws/lambda/fn",
		"logStreamName": "s",
		"logEvents": []any{
			map[string]any{"timestamp": int64(1700000000000), "message": "event 0 ✓"},
			map[string]any{"timestamp": int64(1700000000001), "message": "event 1 ✓"},
			map[string]any{"timestamp": int64(1700000000002), "message": "event 2 ✓"},
		},
	})
	equalDoc(t, "put", got.Put, map[string]any{
		"nextSequenceToken":     "49640000000000000000000000000000000000000000000000000001",
		"rejectedLogEventsInfo": map[string]any{"tooNewLogEventStartIndex": 8.0, "tooOldLogEventEndIndex": 1.0},
	})
	events, _ := got.Get["events"].([]any)
	if len(events) != 2 || !reflect.DeepEqual(events[0], map[string]any{"timestamp": 1700000000123.0, "message": "first \"line\"\n\ttab é ✓", "ingestionTime": 1700000000456.0}) {
		t.Errorf("get = %v", got.Get)
	}
	if !reflect.DeepEqual(got.Groups, []string{"/aws/lambda/a", "/aws/lambda/b", "/aws/lambda/c"}) {
		t.Errorf("groups = %v", got.Groups)
	}
	equalDoc(t, "missing", got.Errors["missing"], map[string]any{
		"code": "ResourceNotFoundException", "message": "The specified log group does not exist.",
		"status": 400.0, "expectedSequenceToken": nil, "modeled": "ResourceNotFoundException",
	})
	equalDoc(t, "dup", got.Errors["dup"], map[string]any{
		"code": "DataAlreadyAcceptedException", "message": "The given batch of log events has already been accepted.",
		"status": 400.0, "expectedSequenceToken": "49640000000000000000000000000000000000000000000000000002", "modeled": "DataAlreadyAcceptedException",
	})
	equalDoc(t, "throttled", got.Errors["throttled"], map[string]any{
		"code": "ServiceUnavailableException", "message": "The service cannot complete the request.",
		"status": 500.0, "expectedSequenceToken": nil, "modeled": "ServiceUnavailableException",
	})
}
