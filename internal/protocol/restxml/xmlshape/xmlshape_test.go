package xmlshape

import (
	"strings"
	"testing"
	"unicode/utf8"
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
