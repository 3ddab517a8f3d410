package awsjson_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"hako/internal/protocol"
	"hako/internal/protocol/awsjson"
	"hako/internal/protocol/internal/codectest"
	"hako/internal/protocol/model"
)

// serve runs one request through a fake service and returns the recorder.
func serve(t *testing.T, svc *codectest.Service, target, body string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest("POST", "/", strings.NewReader(body))
	if target != "" {
		r.Header.Set("X-Amz-Target", target)
	}
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	w := httptest.NewRecorder()
	svc.ServeHTTP(w, r)
	return w
}

func TestWire(t *testing.T) {
	svc := codectest.New("logs", awsjson.Codec{}, "InvalidParameterException", logsHandler)
	cases := []struct {
		name, target, body string
		status             int
		want               string
	}{
		{"no target", "", `{}`, 400, `{"__type":"UnknownOperationException"}`},
		{"wrong prefix", "DynamoDB_20120810.PutLogEvents", `{}`, 400, `{"__type":"UnknownOperationException"}`},
		{"unknown op", "Logs_20140328.Nope", `{}`, 400, `{"__type":"UnknownOperationException"}`},
		{"no dot", "PutLogEvents", `{}`, 400, `{"__type":"UnknownOperationException"}`},
		{"malformed", "Logs_20140328.DescribeLogGroups", `{"limit":`, 400, `{"__type":"SerializationException"}`},
		{"trailing garbage", "Logs_20140328.DescribeLogGroups", `{} {}`, 400, `{"__type":"SerializationException"}`},
		{"number for string", "Logs_20140328.DescribeLogGroups", `{"logGroupNamePrefix": 23}`, 400,
			`{"__type":"SerializationException","Message":"NUMBER_VALUE cannot be converted to String"}`},
		{"object for int", "Logs_20140328.DescribeLogGroups", `{"limit": {}}`, 400,
			`{"__type":"SerializationException","Message":"Start of structure or map found where not expected"}`},
		{"string for int", "Logs_20140328.DescribeLogGroups", `{"limit": "5"}`, 400,
			`{"__type":"SerializationException","Message":"STRING_VALUE cannot be converted to Integer"}`},
		{"scalar for list", "Logs_20140328.DescribeLogGroups", `{"accountIdentifiers": "x"}`, 400,
			`{"__type":"SerializationException","Message":"Unexpected field type"}`},
		{"empty body", "Logs_20140328.DescribeLogGroups", ``, 200, ``},
		{"unknown and null members", "Logs_20140328.DescribeLogGroups", `{"foo": {"bar": [1, 2]}, "limit": null}`, 200, ``},
		{"validation", "Logs_20140328.DescribeLogGroups", `{"limit": 0}`, 400,
			`{"__type":"InvalidParameterException","message":"1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := serve(t, svc, c.target, c.body)
			if w.Code != c.status {
				t.Errorf("status %d want %d (%s)", w.Code, c.status, w.Body)
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/x-amz-json-1.1" {
				t.Errorf("Content-Type %q", ct)
			}
			if c.want != "" && w.Body.String() != c.want {
				t.Errorf("body %s\nwant %s", w.Body, c.want)
			}
			if c.status >= 400 {
				var code string
				if i := strings.Index(c.want, `"__type":"`); i >= 0 {
					code = strings.SplitN(c.want[i+10:], `"`, 2)[0]
				}
				if got := w.Header().Get("X-Amzn-ErrorType"); got != code {
					t.Errorf("x-amzn-ErrorType %q want %q", got, code)
				}
			}
			if w.Header().Get("X-Amzn-Query-Error") != "" {
				t.Error("x-amzn-query-error on a service that is not query compatible")
			}
		})
	}
}

func TestEncode(t *testing.T) {
	api := model.MustLoad("logs")
	c := &protocol.Call{API: api, Op: api.Operations["DescribeLogGroups"], ResponseHeader: http.Header{"X-Extra": {"1"}}}
	w := httptest.NewRecorder()
	awsjson.Codec{}.Encode(c, w, map[string]any{
		"logGroups": []any{map[string]any{"logGroupName": "g", "creationTime": int64(5), "unknownMember": "x", "arn": nil}},
	})
	if w.Code != 200 || w.Body.String() != `{"logGroups":[{"logGroupName":"g","creationTime":5}]}` {
		t.Errorf("%d %s", w.Code, w.Body)
	}
	if w.Header().Get("X-Extra") != "1" || w.Header().Get("Content-Length") != strconv.Itoa(w.Body.Len()) {
		t.Errorf("headers %v", w.Header())
	}

	// No output document: an empty object.
	w = httptest.NewRecorder()
	awsjson.Codec{}.Encode(&protocol.Call{API: api, Op: api.Operations["DeleteLogGroup"]}, w, nil)
	if w.Code != 200 || w.Body.String() != "{}" {
		t.Errorf("%d %s", w.Code, w.Body)
	}

	// A document the shape cannot hold is hako's bug: 500 InternalFailure.
	w = httptest.NewRecorder()
	awsjson.Codec{}.Encode(c, w, map[string]any{"logGroups": "not a list"})
	if w.Code != 500 || !strings.Contains(w.Body.String(), `"__type":"InternalFailure"`) {
		t.Errorf("%d %s", w.Code, w.Body)
	}
}

func TestEncodeError(t *testing.T) {
	logs := model.MustLoad("logs")
	sqs := model.MustLoad("sqs")
	dynamodb := model.MustLoad("dynamodb")
	cases := []struct {
		name   string
		api    *model.API
		err    *protocol.Error
		status int
		body   string
		header map[string]string
	}{
		{"modelled field", logs, protocol.Errorf("InvalidSequenceTokenException", "bad token").With("expectedSequenceToken", "42"), 400,
			`{"__type":"InvalidSequenceTokenException","message":"bad token","expectedSequenceToken":"42"}`, nil},
		{"unmodelled field", logs, protocol.Errorf("ThrottlingException", "slow down").With("retryAfter", int64(3)), 400,
			`{"__type":"ThrottlingException","message":"slow down","retryAfter":3}`, nil},
		{"coral Message", logs, protocol.Errorf("SerializationException", "x"), 400,
			`{"__type":"SerializationException","Message":"x"}`, nil},
		{"explicit status and header", dynamodb, &protocol.Error{Code: "ProvisionedThroughputExceededException", Message: "slow", Header: http.Header{"Retry-After": {"1"}}}, 400,
			`{"__type":"ProvisionedThroughputExceededException","message":"slow"}`, map[string]string{"Retry-After": "1"}},
		{"internal", dynamodb, protocol.InternalFailure(), 500,
			`{"__type":"InternalFailure","message":"The request processing has failed because of an unknown error, exception or failure."}`, nil},
		{"not implemented", logs, protocol.NotImplemented("logs", "X"), 501, "", nil},
		{"query compatible", sqs, protocol.Errorf("QueueNameExists", "exists"), 400,
			`{"__type":"QueueNameExists","message":"exists"}`, map[string]string{"X-Amzn-Query-Error": "QueueAlreadyExists;Sender"}},
		{"query compatible common", sqs, protocol.Errorf("InvalidParameterValue", "bad"), 400,
			`{"__type":"InvalidParameterValue","message":"bad"}`, map[string]string{"X-Amzn-Query-Error": "InvalidParameterValue;Sender"}},
		{"query compatible receiver", sqs, protocol.InternalFailure(), 500, "", map[string]string{"X-Amzn-Query-Error": "InternalFailure;Receiver"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			awsjson.Codec{}.EncodeError(&protocol.Call{API: c.api}, w, c.err)
			if w.Code != c.status {
				t.Errorf("status %d want %d", w.Code, c.status)
			}
			if c.body != "" && w.Body.String() != c.body {
				t.Errorf("body %s\nwant %s", w.Body, c.body)
			}
			for k, v := range c.header {
				if got := w.Header().Get(k); got != v {
					t.Errorf("%s: %q want %q", k, got, v)
				}
			}
		})
	}
}

func TestDecodeErrorsAreProtocolErrors(t *testing.T) {
	api := model.MustLoad("logs")
	c := &protocol.Call{API: api, Op: api.Operations["PutLogEvents"]}
	r := httptest.NewRequest("POST", "/", strings.NewReader(`{"logEvents": [{"timestamp": "x"}]}`))
	_, err := awsjson.Codec{}.Decode(c, r)
	var perr *protocol.Error
	if !errors.As(err, &perr) || perr.Code != "SerializationException" || perr.Message != "STRING_VALUE cannot be converted to Long" {
		t.Fatalf("err = %#v", err)
	}

	r = httptest.NewRequest("POST", "/", strings.NewReader(strings.Repeat("x", 100)))
	r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, 10)
	_, err = awsjson.Codec{}.Decode(c, r)
	if !errors.As(err, &perr) || perr.Code != "RequestEntityTooLargeException" {
		t.Fatalf("err = %#v", err)
	}
}
