package xmlshape

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"hako/internal/protocol/model"
)

// roundTrip writes s as element text and as an attribute, parses the
// document back and returns what a parser sees.
func roundTrip(t *testing.T, s string) (text, attr string) {
	t.Helper()
	var w Writer
	w.Start("a")
	w.Attr("v", s)
	w.EndStart()
	w.Text(s)
	w.Close("a")
	n, err := Parse(strings.NewReader(string(w.Bytes())))
	if err != nil {
		t.Fatalf("%q: %v\n%s", s, err, w.Bytes())
	}
	attr, _ = n.Attr("v")
	return n.Text, attr
}

// clean is what survives XML: characters XML 1.0 cannot carry become
// U+FFFD.
func clean(s string) string {
	var b strings.Builder
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				b.WriteRune(utf8.RuneError)
				continue
			}
		}
		if r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && isXMLChar(r)) || (r >= 0x20 && r < 0x80) {
			b.WriteRune(r)
		} else {
			b.WriteRune(utf8.RuneError)
		}
	}
	return b.String()
}

func TestEscapeRoundTrip(t *testing.T) {
	for _, s := range []string{
		"", "plain", `a&b<c>d"e'f`, "line\r\nbreak\rcr\ttab", "\x00\x01\x1f", "é😀中", "\uFFFE\uFFFF", "bad\xffutf8", "]]>", "&amp;",
	} {
		text, attr := roundTrip(t, s)
		if want := clean(s); text != want || attr != want {
			t.Errorf("%q: text %q attr %q, want %q", s, text, attr, want)
		}
	}
}

func FuzzEscape(f *testing.F) {
	for _, s := range []string{"a&b", "x\r\ny", "\x00", "é", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		text, attr := roundTrip(t, s)
		if want := clean(s); text != want || attr != want {
			t.Errorf("%q: text %q attr %q, want %q", s, text, attr, want)
		}
	})
}

func TestParse(t *testing.T) {
	for _, bad := range []string{
		"<a>", "<a></b>", "<a/><b/>", "text", "<a/>text", strings.Repeat("<a>", MaxDepth+1) + strings.Repeat("</a>", MaxDepth+1),
		`<?xml version="1.0" encoding="ISO-8859-1"?><a/>`, "<a>&undefined;</a>",
	} {
		if _, err := Parse(strings.NewReader(bad)); err == nil {
			t.Errorf("%.40q parsed", bad)
		}
	}
	for _, empty := range []string{"", "  \n", `<?xml version="1.0"?>`, "<!-- c -->"} {
		if n, err := Parse(strings.NewReader(empty)); n != nil || err != nil {
			t.Errorf("%q: %v %v", empty, n, err)
		}
	}
	n, err := Parse(strings.NewReader(`<?xml version="1.0" encoding="UTF-8"?><a xmlns="ns"><b>1<!-- x -->2</b><c><![CDATA[<raw>]]></c></a>`))
	if err != nil || n.Child("b").Text != "12" || n.Child("c").Text != "<raw>" {
		t.Errorf("%v %+v", err, n)
	}
}

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

func TestFormatScalarTypes(t *testing.T) {
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
		got, ok := FormatScalar(&model.Shape{Type: c.typ}, ISO8601, c.v)
		if got != c.want || ok != c.ok {
			t.Errorf("%s %#v: %q %v", c.typ, c.v, got, ok)
		}
	}
}
