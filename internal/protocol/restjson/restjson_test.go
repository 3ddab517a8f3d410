package restjson_test

import (
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"hako/internal/protocol"
	"hako/internal/protocol/model"
	"hako/internal/protocol/restjson"
)

// bindingsModel exercises every HTTP binding the codec knows.
const bindingsModel = `{
  "metadata": {"protocol": "rest-json", "jsonVersion": "1.1"},
  "operations": {
    "Put": {"name": "Put", "http": {"method": "PUT", "requestUri": "/things/{Id}/{Key+}", "responseCode": 201},
            "input": {"shape": "PutInput"}, "output": {"shape": "PutOutput"}},
    "Upload": {"name": "Upload", "http": {"method": "POST", "requestUri": "/upload"},
            "input": {"shape": "UploadInput"}, "output": {"shape": "UploadOutput"}},
    "Struct": {"name": "Struct", "http": {"method": "POST", "requestUri": "/struct"},
            "input": {"shape": "StructInput"}}
  },
  "shapes": {
    "PutInput": {"type": "structure", "required": ["Id"], "members": {
      "Id": {"shape": "Int", "location": "uri", "locationName": "Id"},
      "Key": {"shape": "Str", "location": "uri", "locationName": "Key"},
      "Flag": {"shape": "Bool", "location": "querystring", "locationName": "flag"},
      "Since": {"shape": "Time", "location": "querystring", "locationName": "since"},
      "Names": {"shape": "StrList", "location": "querystring", "locationName": "name"},
      "Rest": {"shape": "QueryMap", "location": "querystring"},
      "Count": {"shape": "Long", "location": "header", "locationName": "X-Count"},
      "Ratio": {"shape": "Double", "location": "header", "locationName": "X-Ratio"},
      "When": {"shape": "Time", "location": "header", "locationName": "X-When"},
      "Tags": {"shape": "StrList", "location": "header", "locationName": "X-Tags"},
      "Context": {"shape": "Str", "location": "header", "locationName": "X-Context", "jsonvalue": true},
      "Meta": {"shape": "StrMap", "location": "headers", "locationName": "x-meta-"},
      "Body1": {"shape": "Str"},
      "Body2": {"shape": "Inner", "locationName": "body_two"}
    }},
    "PutOutput": {"type": "structure", "members": {
      "Etag": {"shape": "Str", "location": "header", "locationName": "ETag"},
      "Modified": {"shape": "Time", "location": "header", "locationName": "Last-Modified"},
      "IsoModified": {"shape": "Time", "location": "header", "locationName": "X-Iso", "timestampFormat": "iso8601"},
      "Tags": {"shape": "StrList", "location": "header", "locationName": "X-Tags"},
      "Count": {"shape": "Long", "location": "header", "locationName": "X-Count"},
      "Ok": {"shape": "Bool", "location": "header", "locationName": "X-Ok"},
      "Context": {"shape": "Str", "location": "header", "locationName": "X-Context", "jsonvalue": true},
      "Meta": {"shape": "StrMap", "location": "headers", "locationName": "x-meta-"},
      "Created": {"shape": "Time"},
      "Name": {"shape": "Str"}
    }},
    "UploadInput": {"type": "structure", "payload": "Data", "members": {
      "Data": {"shape": "Stream"},
      "Type": {"shape": "Str", "location": "header", "locationName": "Content-Type"}
    }},
    "UploadOutput": {"type": "structure", "payload": "Data", "members": {
      "Data": {"shape": "Stream"},
      "Status": {"shape": "Int", "location": "statusCode"}
    }},
    "StructInput": {"type": "structure", "payload": "Doc", "members": {
      "Doc": {"shape": "Inner"}
    }},
    "Inner": {"type": "structure", "members": {"A": {"shape": "Int"}, "When": {"shape": "Time"}}},
    "Int": {"type": "integer"},
    "Long": {"type": "long"},
    "Double": {"type": "double"},
    "Bool": {"type": "boolean"},
    "Str": {"type": "string"},
    "Time": {"type": "timestamp"},
    "Stream": {"type": "blob", "streaming": true},
    "StrList": {"type": "list", "member": {"shape": "Str"}},
    "StrMap": {"type": "map", "key": {"shape": "Str"}, "value": {"shape": "Str"}},
    "QueryMap": {"type": "map", "key": {"shape": "Str"}, "value": {"shape": "StrList"}}
  }
}`

func bindingsAPI(t testing.TB) *model.API {
	t.Helper()
	api, err := model.Parse("bindings", []byte(bindingsModel))
	if err != nil {
		t.Fatal(err)
	}
	return api
}

func decode(t *testing.T, api *model.API, r *http.Request) (*protocol.Call, map[string]any, error) {
	t.Helper()
	c := &protocol.Call{API: api}
	op, err := restjson.Codec{}.Operation(c, r)
	if err != nil {
		return c, nil, err
	}
	c.Op = op
	doc, err := restjson.Codec{}.Decode(c, r)
	return c, doc, err
}

func TestDecodeBindings(t *testing.T) {
	api := bindingsAPI(t)
	r := httptest.NewRequest("PUT", "/things/42/a%20b/c.txt?flag=TRUE&since=2024-01-02T03:04:05Z&name=x&name=y,z&other=1&other=2&more=", strings.NewReader(`{"Body1":"b","body_two":{"A":1,"When":1.5},"Id":"ignored"}`))
	r.Header.Set("X-Count", "9007199254740993")
	r.Header.Set("X-Ratio", "0.25")
	r.Header.Set("X-When", "Tue, 02 Jan 2024 03:04:05 GMT")
	r.Header.Add("X-Tags", `a, "b,c", "d\"e"`)
	r.Header.Add("X-Tags", "f")
	r.Header.Set("X-Context", base64.StdEncoding.EncodeToString([]byte(`{"k":"v"}`)))
	r.Header.Set("X-Meta-Color", "blue")
	r.Header.Set("x-meta-Size", "L")
	c, doc, err := decode(t, api, r)
	if err != nil {
		t.Fatal(err)
	}
	if c.Op.Name != "Put" || c.Labels["Key"] != "a b/c.txt" {
		t.Fatalf("op %s labels %v", c.Op.Name, c.Labels)
	}
	equalDoc(t, "doc", doc, map[string]any{
		"Id":      int64(42),
		"Key":     "a b/c.txt",
		"Flag":    true,
		"Since":   time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
		"Names":   []any{"x", "y,z"},
		"Rest":    map[string]any{"other": []any{"1", "2"}, "more": []any{""}},
		"Count":   int64(9007199254740993),
		"Ratio":   0.25,
		"When":    time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
		"Tags":    []any{"a", "b,c", `d"e`, "f"},
		"Context": `{"k":"v"}`,
		"Meta":    map[string]any{"color": "blue", "size": "L"},
		"Body1":   "b",
		"Body2":   map[string]any{"A": int64(1), "When": time.Unix(1, 500_000_000).UTC()},
	})
}

func TestDecodeErrors(t *testing.T) {
	api := bindingsAPI(t)
	lambda := model.MustLoad("lambda")
	scheduler := model.MustLoad("scheduler")
	cases := []struct {
		name   string
		api    *model.API
		method string
		target string
		body   string
		header map[string]string
		code   string
		status int
		msg    string
	}{
		{"no route", api, "GET", "/nowhere", "", nil, "UnknownOperationException", 404, ""},
		{"wrong method", api, "DELETE", "/upload", "", nil, "UnknownOperationException", 405, ""},
		{"bad int label", api, "PUT", "/things/x/k", "", nil, "SerializationException", 400, "Value 'x' at 'Id' cannot be converted to Integer"},
		{"bad bool query", api, "PUT", "/things/1/k?flag=yes", "", nil, "SerializationException", 400, "Value 'yes' at 'Flag' cannot be converted to Boolean"},
		{"bad time query", api, "PUT", "/things/1/k?since=noon", "", nil, "SerializationException", 400, ""},
		{"bad long header", api, "PUT", "/things/1/k", "", map[string]string{"X-Count": "1.5"}, "SerializationException", 400, "Value '1.5' at 'Count' cannot be converted to Long"},
		{"bad jsonvalue header", api, "PUT", "/things/1/k", "", map[string]string{"X-Context": "%%%"}, "SerializationException", 400, ""},
		{"bad header list", api, "PUT", "/things/1/k", "", map[string]string{"X-Tags": `"open`}, "SerializationException", 400, ""},
		{"type mismatch", api, "PUT", "/things/1/k", `{"Body1": 5}`, nil, "SerializationException", 400, "NUMBER_VALUE cannot be converted to String"},
		{"malformed", scheduler, "POST", "/schedules/s", `{"ScheduleExpression": `, nil, "SerializationException", 400, ""},
		{"lambda malformed", lambda, "POST", "/2015-03-31/functions", `{"FunctionName": }`, nil, "InvalidRequestContentException", 400, ""},
		{"lambda type", lambda, "POST", "/2015-03-31/functions", `{"Timeout": "x"}`, nil, "InvalidRequestContentException", 400,
			"Could not parse request body into json: STRING_VALUE cannot be converted to Integer"},
		{"struct payload", api, "POST", "/struct", `{"A": []}`, nil, "SerializationException", 400, "Unrecognized collection type class java.lang.Integer"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest(c.method, c.target, strings.NewReader(c.body))
			for k, v := range c.header {
				r.Header.Set(k, v)
			}
			_, _, err := decode(t, c.api, r)
			var perr *protocol.Error
			if !errors.As(err, &perr) {
				t.Fatalf("err = %v", err)
			}
			perr.Resolve(c.api)
			if perr.Code != c.code || perr.Status != c.status || (c.msg != "" && perr.Message != c.msg) {
				t.Errorf("got %s %d %q, want %s %d %q", perr.Code, perr.Status, perr.Message, c.code, c.status, c.msg)
			}
		})
	}
}

func TestPayloads(t *testing.T) {
	api := bindingsAPI(t)
	r := httptest.NewRequest("POST", "/upload", strings.NewReader("raw bytes"))
	r.Header.Set("Content-Type", "text/plain")
	_, doc, err := decode(t, api, r)
	if err != nil {
		t.Fatal(err)
	}
	body, ok := doc["Data"].(io.ReadCloser)
	if !ok {
		t.Fatalf("Data is %T", doc["Data"])
	}
	if b, _ := io.ReadAll(body); string(b) != "raw bytes" || doc["Type"] != "text/plain" {
		t.Errorf("Data %q Type %v", b, doc["Type"])
	}

	r = httptest.NewRequest("POST", "/struct", strings.NewReader(`{"A": 3}`))
	_, doc, err = decode(t, api, r)
	if err != nil {
		t.Fatal(err)
	}
	equalDoc(t, "structure payload", doc, map[string]any{"Doc": map[string]any{"A": int64(3)}})

	r = httptest.NewRequest("POST", "/struct", nil)
	_, doc, err = decode(t, api, r)
	if err != nil || len(doc) != 0 {
		t.Errorf("empty structure payload: %v %v", doc, err)
	}

	// Lambda's InvokeAsync streams its payload.
	lambda := model.MustLoad("lambda")
	r = httptest.NewRequest("POST", "/2014-11-13/functions/fn/invoke-async/", strings.NewReader(`{"a":1}`))
	_, doc, err = decode(t, lambda, r)
	if err != nil {
		t.Fatal(err)
	}
	if rc, ok := doc["InvokeArgs"].(io.ReadCloser); !ok {
		t.Errorf("InvokeArgs is %T", doc["InvokeArgs"])
	} else if b, _ := io.ReadAll(rc); string(b) != `{"a":1}` {
		t.Errorf("InvokeArgs %q", b)
	}
}

func TestEncodeBindings(t *testing.T) {
	api := bindingsAPI(t)
	c := &protocol.Call{API: api, Op: api.Operations["Put"]}
	w := httptest.NewRecorder()
	restjson.Codec{}.Encode(c, w, map[string]any{
		"Etag":        `"abc"`,
		"Modified":    time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
		"IsoModified": time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
		"Tags":        []any{"a", "b,c"},
		"Count":       int64(7),
		"Ok":          false,
		"Context":     `{"k":"v"}`,
		"Meta":        map[string]any{"color": "blue"},
		"Created":     time.Unix(1700000000, 0),
		"Name":        "n",
	})
	if w.Code != 201 {
		t.Errorf("status %d", w.Code)
	}
	h := w.Header()
	for k, want := range map[string]string{
		"ETag":           `"abc"`,
		"Last-Modified":  "Tue, 02 Jan 2024 03:04:05 GMT",
		"X-Iso":          "2024-01-02T03:04:05Z",
		"X-Tags":         `a,"b,c"`,
		"X-Count":        "7",
		"X-Ok":           "false",
		"X-Context":      base64.StdEncoding.EncodeToString([]byte(`{"k":"v"}`)),
		"X-Meta-Color":   "blue",
		"Content-Type":   "application/json",
		"Content-Length": "33",
	} {
		if got := h.Get(k); got != want {
			t.Errorf("%s: %q want %q", k, got, want)
		}
	}
	if w.Body.String() != `{"Created":1700000000,"Name":"n"}` {
		t.Errorf("body %s", w.Body)
	}

	// A streamed payload with the status from the statusCode member.
	w = httptest.NewRecorder()
	c = &protocol.Call{API: api, Op: api.Operations["Upload"]}
	restjson.Codec{}.Encode(c, w, map[string]any{"Data": io.NopCloser(strings.NewReader("streamed")), "Status": int64(206)})
	if w.Code != 206 || w.Body.String() != "streamed" || w.Header().Get("Content-Type") != "application/octet-stream" {
		t.Errorf("%d %q %v", w.Code, w.Body, w.Header())
	}

	// No output shape: status and nothing else.
	lambda := model.MustLoad("lambda")
	w = httptest.NewRecorder()
	restjson.Codec{}.Encode(&protocol.Call{API: lambda, Op: lambda.Operations["TagResource"]}, w, nil)
	if w.Code != 204 || w.Body.Len() != 0 {
		t.Errorf("%d %q", w.Code, w.Body)
	}

	// A document the shape cannot hold is hako's bug.
	w = httptest.NewRecorder()
	restjson.Codec{}.Encode(&protocol.Call{API: lambda, Op: lambda.Operations["ListTags"]}, w, map[string]any{"Tags": 5})
	if w.Code != 500 || w.Header().Get("X-Amzn-ErrorType") != "InternalFailure" {
		t.Errorf("%d %q %v", w.Code, w.Body, w.Header())
	}
}

func TestEncodeError(t *testing.T) {
	lambda := model.MustLoad("lambda")
	apigwv2 := model.MustLoad("apigatewayv2")
	cases := []struct {
		name   string
		api    *model.API
		err    *protocol.Error
		status int
		body   string
		header map[string]string
	}{
		{"lambda user", lambda, protocol.Errorf("ResourceNotFoundException", "Function not found"), 404,
			`{"Type":"User","Message":"Function not found"}`, map[string]string{"X-Amzn-ErrorType": "ResourceNotFoundException"}},
		{"lambda lower message", lambda, protocol.Errorf("CodeStorageExceededException", "full"), 400,
			`{"Type":"User","message":"full"}`, nil},
		{"lambda service", lambda, protocol.Errorf("ServiceException", "oops"), 500,
			`{"Type":"Service","Message":"oops"}`, nil},
		{"lambda header member", lambda, protocol.Errorf("TooManyRequestsException", "Rate Exceeded.").With("retryAfterSeconds", "2"), 429,
			`{"Type":"User","message":"Rate Exceeded."}`, map[string]string{"Retry-After": "2"}},
		{"no shape", lambda, protocol.Errorf("AccessDeniedException", "no"), 403,
			`{"message":"no"}`, nil},
		{"located message name", apigwv2, protocol.Errorf("NotFoundException", "gone").With("ResourceType", "Api"), 404,
			`{"message":"gone","resourceType":"Api"}`, nil},
		{"internal", lambda, protocol.InternalFailure(), 500, "", map[string]string{"X-Amzn-ErrorType": "InternalFailure", "Content-Type": "application/json"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			restjson.Codec{}.EncodeError(&protocol.Call{API: c.api}, w, c.err)
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
