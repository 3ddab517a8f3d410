package jsonshape

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"hako/internal/protocol/model"
)

// testModel has one structure with a member of every kind the walker knows.
const testModel = `{
  "metadata": {"protocol": "json", "jsonVersion": "1.1", "targetPrefix": "Test"},
  "operations": {},
  "shapes": {
    "All": {"type": "structure", "members": {
      "Str": {"shape": "S"},
      "Renamed": {"shape": "S", "locationName": "wire_name"},
      "Int": {"shape": "I"},
      "Long": {"shape": "L"},
      "Float": {"shape": "F"},
      "Double": {"shape": "D"},
      "Bool": {"shape": "B"},
      "Blob": {"shape": "Bl"},
      "Time": {"shape": "T"},
      "IsoTime": {"shape": "T", "timestampFormat": "iso8601"},
      "IsoShapeTime": {"shape": "TIso"},
      "HttpTime": {"shape": "T", "timestampFormat": "rfc822"},
      "List": {"shape": "SL"},
      "Map": {"shape": "M"},
      "Nested": {"shape": "All"},
      "Doc": {"shape": "Doc"},
      "Header": {"shape": "S", "location": "header", "locationName": "X-Header"}
    }},
    "S": {"type": "string"},
    "I": {"type": "integer"},
    "L": {"type": "long"},
    "F": {"type": "float"},
    "D": {"type": "double"},
    "B": {"type": "boolean"},
    "Bl": {"type": "blob"},
    "T": {"type": "timestamp"},
    "TIso": {"type": "timestamp", "timestampFormat": "iso8601"},
    "SL": {"type": "list", "member": {"shape": "S"}},
    "M": {"type": "map", "key": {"shape": "S"}, "value": {"shape": "All"}},
    "Doc": {"type": "structure", "members": {}, "document": true}
  }
}`

func testShape(t testing.TB) *model.Shape {
	t.Helper()
	api, err := model.Parse("test", []byte(testModel))
	if err != nil {
		t.Fatal(err)
	}
	return api.Shapes["All"]
}

func TestDecode(t *testing.T) {
	s := testShape(t)
	body := `{
	  "Str": "a\"b\\c\u00e9\ud83d\ude00\n", "wire_name": "renamed", "Renamed": "ignored",
	  "Int": 42, "Long": -9007199254740993, "Float": 1.5, "Double": -2.5e-3,
	  "Bool": false, "Blob": "AAEC/w==", "Time": 1700000000.123,
	  "IsoTime": "2024-01-02T03:04:05.5Z", "HttpTime": "Tue, 02 Jan 2024 03:04:05 GMT",
	  "List": ["x", null, "y"], "Map": {"k": {"Int": 1}, "n": null},
	  "Nested": {"Nested": {"Str": "deep"}},
	  "Doc": {"a": [1, 2.5, "s", true, null, {"b": {}}]},
	  "Header": "not in the body", "Unknown": {"x": [1, {"y": "z"}]}, "Null": null
	}`
	got, err := Decode([]byte(body), s, true)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"Str":      "a\"b\\cé😀\n",
		"Renamed":  "renamed",
		"Int":      int64(42),
		"Long":     int64(-9007199254740993),
		"Float":    1.5,
		"Double":   -2.5e-3,
		"Bool":     false,
		"Blob":     []byte{0, 1, 2, 255},
		"Time":     time.Unix(1700000000, 123_000_000).UTC(),
		"IsoTime":  time.Date(2024, 1, 2, 3, 4, 5, 500_000_000, time.UTC),
		"HttpTime": time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
		"List":     []any{"x", nil, "y"},
		"Map":      map[string]any{"k": map[string]any{"Int": int64(1)}},
		"Nested":   map[string]any{"Nested": map[string]any{"Str": "deep"}},
		"Doc":      map[string]any{"a": []any{int64(1), 2.5, "s", true, nil, map[string]any{"b": map[string]any{}}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %#v\nwant %#v", got, want)
	}

	// Without bodyOnly (the json protocol) a member's location is ignored.
	got, err = Decode([]byte(`{"Header": "h"}`), s, false)
	if err != nil || got["Header"] != "h" {
		t.Errorf("Header: %v %v", got, err)
	}
}

func TestDecodeEmpty(t *testing.T) {
	s := testShape(t)
	for _, body := range []string{"", " \n", "{}", "null"} {
		got, err := Decode([]byte(body), s, false)
		if err != nil || len(got) != 0 || got == nil {
			t.Errorf("%q: %v %v", body, got, err)
		}
	}
}

func TestDecodeTimestamps(t *testing.T) {
	s := testShape(t)
	cases := map[string]time.Time{
		`1700000000`:                      time.Unix(1700000000, 0),
		`1700000000.5`:                    time.Unix(1700000000, 500_000_000),
		`1.7000000001E9`:                  time.Unix(1700000000, 100_000_000),
		`-1.25`:                           time.Unix(-2, 750_000_000),
		`"2024-01-02T03:04:05Z"`:          time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
		`"2024-01-02T03:04:05+01:00"`:     time.Date(2024, 1, 2, 2, 4, 5, 0, time.UTC),
		`"2024-01-02T03:04:05.123456"`:    time.Date(2024, 1, 2, 3, 4, 5, 123_456_000, time.UTC),
		`"1700000000.25"`:                 time.Unix(1700000000, 250_000_000),
		`"Tue, 02 Jan 2024 03:04:05 GMT"`: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
	}
	for lit, want := range cases {
		got, err := Decode([]byte(`{"Time":`+lit+`}`), s, false)
		if err != nil {
			t.Errorf("%s: %v", lit, err)
			continue
		}
		if tm, _ := got["Time"].(time.Time); !tm.Equal(want) {
			t.Errorf("%s: got %v want %v", lit, tm, want)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	s := testShape(t)
	typeErrors := []struct{ body, msg string }{
		{`{"Str": 23}`, "NUMBER_VALUE cannot be converted to String"},
		{`{"Str": 2.5}`, "DECIMAL_VALUE cannot be converted to String"},
		{`{"Str": true}`, "TRUE_VALUE cannot be converted to String"},
		{`{"Str": false}`, "FALSE_VALUE cannot be converted to String"},
		{`{"Str": {}}`, "Start of structure or map found where not expected"},
		{`{"Str": []}`, "Unrecognized collection type class java.lang.String"},
		{`{"Int": "23"}`, "STRING_VALUE cannot be converted to Integer"},
		{`{"Long": true}`, "TRUE_VALUE cannot be converted to Long"},
		{`{"Long": 99999999999999999999}`, "NUMBER_VALUE cannot be converted to Long"},
		{`{"Double": "x"}`, "STRING_VALUE cannot be converted to Double"},
		{`{"Bool": "23"}`, "Unexpected token received from parser"},
		{`{"Bool": 23}`, "NUMBER_VALUE cannot be converted to Boolean"},
		{`{"Blob": 23}`, "only base-64-encoded strings are convertible to bytes"},
		{`{"Blob": "23456"}`, "Base64 encoded length is expected a multiple of 4 bytes but found: 5"},
		{`{"Blob": []}`, "Unrecognized collection type class java.nio.ByteBuffer"},
		{`{"List": "x"}`, "Unexpected field type"},
		{`{"List": {}}`, "Start of structure or map found where not expected"},
		{`{"Map": 1}`, "Unexpected field type"},
		{`{"Map": []}`, "Unrecognized collection type java.util.Map<java.lang.String, All>"},
		{`{"Nested": "x"}`, "Unexpected field type"},
		{`{"Nested": []}`, "Unrecognized collection type class All"},
		{`{"Time": "yesterday"}`, "STRING_VALUE cannot be converted to Date"},
		{`{"Time": true}`, "TRUE_VALUE cannot be converted to Date"},
		{`[]`, "Unrecognized collection type class All"},
		{`"x"`, "Unexpected field type"},
	}
	for _, c := range typeErrors {
		_, err := Decode([]byte(c.body), s, false)
		var te *TypeError
		if !errors.As(err, &te) || te.Msg != c.msg {
			t.Errorf("%s: got %v, want type error %q", c.body, err, c.msg)
		}
	}
	syntaxErrors := []string{
		`{`, `{"Str"}`, `{"Str": "x",}`, `{"Str": "x"} x`, `{"Str": "x`, `{"Str": "\x"}`,
		`{"Str": "a` + "\x01" + `"}`, `{"Int": 01}`, `{"Int": -}`, `{"Int": 1.}`, `{"Int": 1e}`,
		`{"Bool": tru}`, `{Str: 1}`, `{"Unknown": [1,]}`, `{"Unknown": {"a" 1}}`, `{"Doc": [}`,
		`{"Str": @}`, `{"Unknown": nul}`, strings.Repeat(`{"Nested":`, 200) + `{}` + strings.Repeat(`}`, 200),
		`{"Doc": ` + strings.Repeat("[", 500) + strings.Repeat("]", 500) + `}`,
		`{"Unknown": ` + strings.Repeat("[", 500) + strings.Repeat("]", 500) + `}`,
	}
	for _, body := range syntaxErrors {
		_, err := Decode([]byte(body), s, false)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%.60s: got %v, want a syntax error", body, err)
		}
	}
}

func TestAppendStruct(t *testing.T) {
	s := testShape(t)
	doc := map[string]any{
		"Str":          "q\"\\\n\x01é\u2028",
		"Renamed":      "r",
		"Int":          int32(-3),
		"Long":         int64(1) << 60,
		"Float":        float32(0.1),
		"Double":       math.NaN(),
		"Bool":         true,
		"Blob":         []byte("hi"),
		"Time":         time.Unix(1700000000, 123_456_789),
		"IsoTime":      time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
		"IsoShapeTime": time.Date(2024, 1, 2, 3, 4, 5, 250_000_000, time.FixedZone("x", 3600)),
		"HttpTime":     time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
		"List":         []string{"a", "b"},
		"Map":          map[string]any{"z": map[string]any{"Double": math.Inf(-1)}, "a": map[string]any{"Double": 1e21}, "nil": nil},
		"Nested":       map[string]any{"Time": time.Unix(5, 0), "Unknown": "dropped", "Str": nil},
		"Doc":          map[string]any{"b": []any{1, "x", nil}, "a": 2.5},
		"Header":       "not in the body",
	}
	got, err := AppendStruct(nil, s, doc, true)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Str":"q\"\\\n\u0001é\u2028","wire_name":"r","Int":-3,"Long":1152921504606846976,"Float":0.1,"Double":"NaN",` +
		`"Bool":true,"Blob":"aGk=","Time":1700000000.123,"IsoTime":"2024-01-02T03:04:05Z","IsoShapeTime":"2024-01-02T02:04:05.25Z",` +
		`"HttpTime":"Tue, 02 Jan 2024 03:04:05 GMT","List":["a","b"],` +
		`"Map":{"a":{"Double":1e+21},"z":{"Double":"-Infinity"}},"Nested":{"Time":5},"Doc":{"a":2.5,"b":[1,"x",null]}}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}

	// A few members of a large structure take the sparse path; order is the model's.
	got, err = AppendStruct(nil, s, map[string]any{"Nested": map[string]any{}, "Str": "s"}, false)
	if err != nil || string(got) != `{"Str":"s","Nested":{}}` {
		t.Errorf("sparse: %s %v", got, err)
	}

	// Round trip through Decode.
	back, err := Decode(got, s, false)
	if err != nil || back["Str"] != "s" {
		t.Errorf("round trip: %v %v", back, err)
	}
}

func TestAppendStructTypeErrors(t *testing.T) {
	s := testShape(t)
	for _, doc := range []map[string]any{
		{"Str": 1},
		{"Int": "1"},
		{"Bool": "true"},
		{"Blob": 3},
		{"Time": true},
		{"List": "x"},
		{"Map": []any{}},
		{"Nested": "x"},
	} {
		if _, err := AppendStruct(nil, s, doc, false); err == nil {
			t.Errorf("%v: no error", doc)
		}
	}
	cyclic := map[string]any{}
	cyclic["Nested"] = cyclic
	if _, err := AppendStruct(nil, s, cyclic, false); err == nil {
		t.Error("cyclic document: no error")
	}
}

func TestMessageKey(t *testing.T) {
	api, err := model.Parse("errs", []byte(`{"metadata": {}, "operations": {}, "shapes": {
	  "Lower": {"type": "structure", "members": {"message": {"shape": "S"}}, "exception": true},
	  "Upper": {"type": "structure", "members": {"Type": {"shape": "S"}, "Message": {"shape": "S"}}, "exception": true},
	  "Renamed": {"type": "structure", "members": {"Message": {"shape": "S", "locationName": "message"}}, "exception": true},
	  "None": {"type": "structure", "members": {}, "exception": true},
	  "S": {"type": "string"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"Lower": "message", "Upper": "Message", "Renamed": "message", "None": "fallback"} {
		if got := MessageKey(api.Shapes[name], "fallback"); got != want {
			t.Errorf("%s: %q want %q", name, got, want)
		}
	}
	if got := MessageKey(nil, "message"); got != "message" {
		t.Errorf("nil shape: %q", got)
	}
}
