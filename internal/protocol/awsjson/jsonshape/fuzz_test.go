package jsonshape

import (
	"errors"
	"math"
	"testing"
	"time"
)

// FuzzRoundTrip decodes arbitrary JSON against a shape with every kind of
// member; whatever decodes must encode, and decode again to the same
// document (timestamps to the second, numbers by value).
func FuzzRoundTrip(f *testing.F) {
	for _, seed := range []string{
		`{"Str":"a\"\u00e9\ud800x","wire_name":"r","Int":1.9,"Long":-5,"Float":"NaN","Double":1e400,"Bool":true}`,
		`{"Blob":"AAEC/w==","Time":1700000000.123456,"IsoTime":"2024-01-02T03:04:05.5+02:00","HttpTime":"Tue, 02 Jan 2024 03:04:05 GMT"}`,
		`{"List":["x",null],"Map":{"k":{"Int":1},"n":null},"Nested":{"Nested":{"Doc":[1,2.5,{"a":null}]}}}`,
		`{"Doc":{"a":[1e21,-0,0.000001,"s",true,null]},"Header":"h","Unknown":[{}]}`,
		`{"Str": 23}`, `{"Int": "x"}`, `{`, `null`, ``, `[]`,
	} {
		f.Add([]byte(seed), false)
	}
	s := testShape(f)
	f.Fuzz(func(t *testing.T, data []byte, bodyOnly bool) {
		doc, err := Decode(data, s, bodyOnly)
		if err != nil {
			var se *SyntaxError
			var te *TypeError
			if !errors.As(err, &se) && !errors.As(err, &te) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		out, err := AppendStruct(nil, s, doc, bodyOnly)
		if err != nil {
			t.Fatalf("cannot encode decoded %#v: %v", doc, err)
		}
		back, err := Decode(out, s, bodyOnly)
		if err != nil {
			t.Fatalf("cannot decode encoded %s: %v", out, err)
		}
		if !same(doc, back) {
			t.Fatalf("round trip changed the document:\n%#v\n%s\n%#v", doc, out, back)
		}
	})
}

// same compares documents: numbers by value (documents may read an integral
// float back as int64), NaN equal to NaN, times to the second.
func same(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !same(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !same(x[i], y[i]) {
				return false
			}
		}
		return true
	case []byte:
		y, ok := b.([]byte)
		return ok && string(x) == string(y)
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Unix() == y.Unix()
	case int64, float64:
		fx, fy := num(a), num(b)
		return fx == fy || (math.IsNaN(fx) && math.IsNaN(fy))
	}
	return a == b
}

func num(v any) float64 {
	switch n := v.(type) {
	case int64:
		return float64(n)
	case float64:
		return n
	}
	return math.NaN() - 1
}
