package restbind

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"hako/internal/protocol"
	"hako/internal/protocol/model"
	"hako/internal/protocol/scalar"
)

const bindingsModel = `{
  "metadata": {"protocol": "rest-json"},
  "operations": {
    "Put": {"name": "Put", "http": {"method": "PUT", "requestUri": "/things/{Id}"},
            "input": {"shape": "In"}, "output": {"shape": "Out"}},
    "Get": {"name": "Get", "http": {"method": "GET", "requestUri": "/get"}, "output": {"shape": "Raw"}},
    "Head": {"name": "Head", "http": {"method": "HEAD", "requestUri": "/get"}, "output": {"shape": "Raw"}},
    "Del": {"name": "Del", "http": {"method": "DELETE", "requestUri": "/get"}}
  },
  "shapes": {
    "In": {"type": "structure", "members": {
      "Id": {"shape": "Int", "location": "uri", "locationName": "Id"},
      "Since": {"shape": "Time", "location": "querystring", "locationName": "since"},
      "Names": {"shape": "StrList", "location": "querystring", "locationName": "name"},
      "Rest": {"shape": "StrMap", "location": "querystring"},
      "When": {"shape": "Time", "location": "header", "locationName": "X-When"},
      "Tags": {"shape": "StrList", "location": "header", "locationName": "X-Tags"},
      "Type": {"shape": "Str", "location": "header", "locationName": "X-Type"},
      "Context": {"shape": "Str", "location": "header", "locationName": "X-Context", "jsonvalue": true},
      "Meta": {"shape": "StrMap", "location": "headers", "locationName": "x-meta-"},
      "Body": {"shape": "Str"}
    }},
    "Out": {"type": "structure", "members": {
      "Modified": {"shape": "Time", "location": "header", "locationName": "Last-Modified"},
      "Tags": {"shape": "StrList", "location": "header", "locationName": "X-Tags"},
      "Meta": {"shape": "StrMap", "location": "headers", "locationName": "x-meta-"},
      "Code": {"shape": "Int", "location": "statusCode"}
    }},
    "Raw": {"type": "structure", "payload": "Data", "members": {"Data": {"shape": "Stream"}}},
    "Int": {"type": "integer"},
    "Str": {"type": "string"},
    "Time": {"type": "timestamp"},
    "Stream": {"type": "blob", "streaming": true},
    "StrList": {"type": "list", "member": {"shape": "Str"}},
    "StrMap": {"type": "map", "key": {"shape": "Str"}, "value": {"shape": "Str"}}
  }
}`

func api(t *testing.T) *model.API {
	t.Helper()
	a, err := model.Parse("bindings", []byte(bindingsModel))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// text is a minimal Text: package scalar's forms, errors as they come.
type text struct{}

func (text) Parse(ref *model.ShapeRef, def, s string) (any, error) {
	return scalar.Parse(ref.Shape, scalar.TimestampFormat(ref, def), s)
}

func (text) Format(ref *model.ShapeRef, def string, v any) (string, bool) {
	return scalar.Format(ref.Shape, scalar.TimestampFormat(ref, def), v)
}

func (text) Invalid(e *TextError) error { return e }

func TestDecode(t *testing.T) {
	in := api(t).Operations["Put"].InputShape
	r := httptest.NewRequest("PUT", "/things/7?since=2024-01-02T03:04:05Z&name=a&name=b&other=x", nil)
	r.Header.Set("X-When", "Tue, 02 Jan 2024 03:04:05 GMT")
	r.Header.Set("X-Tags", `a, "b,c"`)
	r.Header.Add("X-Type", "t1")
	r.Header.Add("X-Type", "t2")
	r.Header.Set("X-Context", "eyJrIjoidiJ9")
	r.Header.Set("X-Meta-Color", "blue")
	day := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, c := range []struct {
		b         Binding
		tags, typ any
	}{
		{Binding{Text: text{}, QuotedLists: true}, []any{"a", "b,c"}, "t1"},
		{Binding{Text: text{}, JoinRepeated: true}, []any{"a", `"b`, `c"`}, "t1,t2"},
	} {
		doc := map[string]any{}
		if err := c.b.Decode(in, nil, map[string]string{"Id": "7"}, r, doc); err != nil {
			t.Fatal(err)
		}
		want := map[string]any{
			"Id": int64(7), "Since": day, "Names": []any{"a", "b"}, "Rest": map[string]any{"other": "x"},
			"When": day, "Tags": c.tags, "Type": c.typ, "Context": `{"k":"v"}`, "Meta": map[string]any{"color": "blue"},
		}
		if !reflect.DeepEqual(doc, want) {
			t.Errorf("%+v:\n got %v\nwant %v", c.b, doc, want)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	in := api(t).Operations["Put"].InputShape
	b := Binding{Text: text{}, QuotedLists: true}
	for _, c := range []struct {
		labels map[string]string
		header string
		value  string
		kind   Kind
		loc    string
	}{
		{map[string]string{"Id": "x"}, "", "", BadValue, "uri"},
		{nil, "X-When", "noon", BadValue, "header"},
		{nil, "X-Tags", `"open`, BadList, "header"},
		{nil, "X-Context", "%%%", BadJSONValue, "header"},
	} {
		r := httptest.NewRequest("PUT", "/things/1", nil)
		if c.header != "" {
			r.Header.Set(c.header, c.value)
		}
		err := b.Decode(in, nil, c.labels, r, map[string]any{})
		var te *TextError
		if !errors.As(err, &te) || te.Kind != c.kind || te.Location != c.loc {
			t.Errorf("%v %s=%q: %v", c.labels, c.header, c.value, err)
		}
	}
}

func TestSplitHeader(t *testing.T) {
	for _, c := range []struct {
		in    []string
		dates bool
		want  []string
		err   error
	}{
		{[]string{`a, "b,c"`, "d"}, false, []string{"a", "b,c", "d"}, nil},
		{[]string{`"d\"e", ,f`}, false, []string{`d"e`, "", "f"}, nil},
		{[]string{"Tue, 02 Jan 2024 03:04:05 GMT, Wed, 03 Jan 2024 03:04:05 GMT"}, true,
			[]string{"Tue, 02 Jan 2024 03:04:05 GMT", "Wed, 03 Jan 2024 03:04:05 GMT"}, nil},
		{[]string{`"open`}, false, nil, errUnclosedQuote},
		{[]string{`"a" b`}, false, nil, errAfterQuote},
	} {
		got, err := splitHeader(c.in, c.dates)
		if !errors.Is(err, c.err) || fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%q: %q %v", c.in, got, err)
		}
	}
}

func TestBegin(t *testing.T) {
	a := api(t)
	c := &protocol.Call{API: a, Op: a.Operations["Put"], ResponseHeader: http.Header{"X-Extra": {"1"}}}
	for _, b := range []Binding{{Text: text{}, QuotedLists: true, CanonicalPrefixHeaders: true}, {Text: text{}}} {
		w := httptest.NewRecorder()
		res, ok := b.Begin(c, w, map[string]any{
			"Modified": time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), "Tags": []any{"a", "b,c"},
			"Meta": map[string]any{"color": "blue\r\n"}, "Code": int64(202),
		})
		if !ok || res.Status != 202 || res.NoBody {
			t.Fatalf("%+v %v", res, ok)
		}
		res.Finish([]byte("body"))
		h := w.Header()
		tags, meta := "a,b,c", h["x-meta-color"]
		if b.QuotedLists {
			tags, meta = `a,"b,c"`, h["X-Meta-Color"]
		}
		if h.Get("Last-Modified") != "Tue, 02 Jan 2024 03:04:05 GMT" || h.Get("X-Tags") != tags || fmt.Sprint(meta) != "[blue  ]" ||
			h.Get("X-Extra") != "1" || h.Get("Content-Length") != "4" || w.Code != 202 || w.Body.String() != "body" {
			t.Errorf("%+v: %d %v %q", b, w.Code, h, w.Body)
		}
	}

	// No output: answered at once.
	w := httptest.NewRecorder()
	if _, ok := (&Binding{Text: text{}}).Begin(&protocol.Call{API: a, Op: a.Operations["Del"]}, w, nil); ok || w.Code != 200 || w.Header().Get("Content-Length") != "0" {
		t.Errorf("no output: %d %v", w.Code, w.Header())
	}
}

type sized struct {
	*strings.Reader
	closed *bool
}

func (s sized) Close() error { *s.closed = true; return nil }

func TestWriteRaw(t *testing.T) {
	a := api(t)
	b := Binding{Text: text{}}
	cases := []struct {
		op, ctype, rng string
		v              any
		status         int
		body, length   string
		header         string
	}{
		{"Get", "application/octet-stream", "", []byte("abc"), 200, "abc", "3", "application/octet-stream"},
		{"Get", "", "", "abc", 200, "abc", "3", ""},
		{"Get", "", "bytes 0-2/9", strings.NewReader("abc"), 206, "abc", "3", ""},
		{"Get", "x/y", "", nil, 200, "", "0", ""},
		{"Head", "x/y", "", []byte("abc"), 200, "", "3", ""},
	}
	for _, c := range cases {
		w := httptest.NewRecorder()
		if c.rng != "" {
			w.Header().Set("Content-Range", c.rng)
		}
		res, ok := b.Begin(&protocol.Call{API: a, Op: a.Operations[c.op]}, w, nil)
		if !ok {
			t.Fatal(c.op)
		}
		if err := res.WriteRaw(c.v, c.ctype); err != nil {
			t.Fatal(err)
		}
		if w.Code != c.status || w.Body.String() != c.body || w.Header().Get("Content-Length") != c.length || w.Header().Get("Content-Type") != c.header {
			t.Errorf("%s %T: %d %q %v", c.op, c.v, w.Code, w.Body, w.Header())
		}
	}
	var closed bool
	res, _ := b.Begin(&protocol.Call{API: a, Op: a.Operations["Get"]}, httptest.NewRecorder(), nil)
	if err := res.WriteRaw(sized{strings.NewReader("abc"), &closed}, ""); err != nil || !closed {
		t.Errorf("reader not closed: %v", err)
	}
	if err := res.WriteRaw(42, ""); err == nil {
		t.Error("an int payload was written")
	}
}
