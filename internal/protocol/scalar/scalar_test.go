package scalar

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"hako/internal/protocol/model"
)

func TestTimes(t *testing.T) {
	want := time.Date(2024, 2, 3, 4, 5, 6, 789e6, time.UTC)
	for _, c := range []struct{ text, format string }{
		{"2024-02-03T04:05:06.789Z", ISO8601},
		{"2024-02-03T05:05:06.789+01:00", ISO8601},
		{"2024-02-03T04:05:06.789", ISO8601},
		{"1706933106.789", UnixTimestamp},
		{"1706933106.789", ISO8601},
	} {
		got, err := ParseTime(c.text, c.format)
		if err != nil || !got.Equal(want) {
			t.Errorf("%s (%s): %v %v", c.text, c.format, got, err)
		}
	}
	got, err := ParseTime("Sat, 03 Feb 2024 04:05:06 GMT", RFC822)
	if err != nil || !got.Equal(want.Truncate(time.Second)) {
		t.Errorf("rfc822: %v %v", got, err)
	}
	if _, err := ParseTime("soon", ISO8601); err == nil {
		t.Error("soon parsed")
	}
	if s := FormatTime(want, ISO8601); s != "2024-02-03T04:05:06.789Z" {
		t.Error(s)
	}
	if s := FormatTime(want, RFC822); s != "Sat, 03 Feb 2024 04:05:06 GMT" {
		t.Error(s)
	}
	if s := FormatTime(want, UnixTimestamp); s != "1706933106.789" {
		t.Error(s)
	}
	if s := FormatTime(time.Date(12345, 1, 1, 0, 0, 0, 0, time.UTC), ISO8601); !strings.HasPrefix(s, "12345-") {
		t.Error(s)
	}
}

func TestFormatTypes(t *testing.T) {
	cases := []struct {
		typ  string
		v    any
		want string
		ok   bool
	}{
		{"integer", int64(3), "3", true},
		{"integer", 3.0, "3", true},
		{"integer", 3.5, "", false},
		{"integer", "x", "", false},
		{"long", int(-7), "-7", true},
		{"double", 0.1, "0.1", true},
		{"double", int64(2), "2", true},
		{"boolean", true, "true", true},
		{"boolean", "yes", "", false},
		{"blob", []byte("hi"), "aGk=", true},
		{"string", int64(5), "5", true},
		{"string", time.Unix(0, 0), "1970-01-01T00:00:00.000Z", true},
		{"string", map[string]any{}, "", false},
		{"structure", "x", "", false},
	}
	for _, c := range cases {
		got, ok := Format(&model.Shape{Type: c.typ}, ISO8601, c.v)
		if got != c.want || ok != c.ok {
			t.Errorf("%s %#v: %q %v", c.typ, c.v, got, ok)
		}
	}
}

func TestParse(t *testing.T) {
	day := time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		typ, text string
		want      any
		reason    string
	}{
		{"integer", " 12 ", int64(12), ""},
		{"long", "1.5", nil, "not an integer"},
		{"double", " -Infinity ", math.Inf(-1), ""},
		{"float", "x", nil, "not a number"},
		{"boolean", " TRUE", true, ""},
		{"boolean", "yes", nil, "not a boolean (true or false)"},
		{"timestamp", "2024-01-02", day, ""},
		{"timestamp", "soon", nil, "not a timestamp"},
		{"blob", " aGk= ", []byte("hi"), ""},
		{"blob", "%%", nil, "value is not valid base64"},
		{"string", " s ", " s ", ""},
		{"list", "x", nil, "cannot read a list from text"},
	} {
		got, err := Parse(&model.Shape{Type: c.typ}, ISO8601, c.text)
		switch {
		case c.reason != "":
			if err == nil || Reason(err) != c.reason || !errors.Is(err, ErrType) {
				t.Errorf("%s %q: %v", c.typ, c.text, err)
			}
		case err != nil || fmt.Sprint(got) != fmt.Sprint(c.want):
			t.Errorf("%s %q: %v %v", c.typ, c.text, got, err)
		}
	}
	// ParseWith reads timestamps its own way.
	noon := time.Date(2024, 1, 2, 12, 0, 0, 0, time.UTC)
	got, err := ParseWith(&model.Shape{Type: "timestamp"}, "noon", func(s string) (time.Time, error) { return noon, nil })
	if err != nil || got != noon {
		t.Errorf("ParseWith: %v %v", got, err)
	}
}

func TestSpecialFloats(t *testing.T) {
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		s, ok := SpecialFloat(f)
		back, ok2 := ParseSpecialFloat(s)
		if !ok || !ok2 || FormatFloat(f) != s || fmt.Sprint(back) != fmt.Sprint(f) {
			t.Errorf("%v: %q %v", f, s, back)
		}
	}
	if _, ok := SpecialFloat(1.5); ok || FormatFloat(1e21) != "1000000000000000000000" {
		t.Error("finite floats are plain decimals")
	}
}

func TestTimestampFormat(t *testing.T) {
	shape := &model.Shape{Type: "timestamp", TimestampFormat: UnixTimestamp}
	for _, c := range []struct {
		ref  *model.ShapeRef
		want string
	}{
		{nil, RFC822},
		{&model.ShapeRef{Shape: &model.Shape{Type: "timestamp"}}, RFC822},
		{&model.ShapeRef{Shape: shape}, UnixTimestamp},
		{&model.ShapeRef{Shape: shape, TimestampFormat: ISO8601}, ISO8601},
	} {
		if got := TimestampFormat(c.ref, RFC822); got != c.want {
			t.Errorf("%+v: %s", c.ref, got)
		}
	}
}
