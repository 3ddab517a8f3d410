package xmlshape

import (
	"sync"
	"unicode/utf8"
)

// Writer builds an XML document in memory. It writes exactly what it is
// told: callers keep elements balanced. The zero Writer is ready to use.
type Writer struct {
	buf []byte
}

var writers = sync.Pool{New: func() any { return &Writer{buf: make([]byte, 0, 2048)} }}

// NewWriter returns an empty Writer from a pool; Release gives it back.
func NewWriter() *Writer { return writers.Get().(*Writer) }

// Release returns w to the pool. w must not be used afterwards.
func (w *Writer) Release() {
	if cap(w.buf) > 1<<20 {
		return // let big buffers go rather than pinning them
	}
	w.buf = w.buf[:0]
	writers.Put(w)
}

// Bytes returns the document written so far.
func (w *Writer) Bytes() []byte { return w.buf }

// Len is the number of bytes written.
func (w *Writer) Len() int { return len(w.buf) }

// Raw appends s unescaped (an XML declaration, say).
func (w *Writer) Raw(s string) { w.buf = append(w.buf, s...) }

// Start opens an element's start tag: attributes may follow; then EndStart.
func (w *Writer) Start(name string) {
	w.buf = append(w.buf, '<')
	w.buf = append(w.buf, name...)
}

// Attr writes one attribute of the start tag being written.
func (w *Writer) Attr(name, value string) {
	w.buf = append(w.buf, ' ')
	w.buf = append(w.buf, name...)
	w.buf = append(w.buf, '=', '"')
	w.escape(value, true)
	w.buf = append(w.buf, '"')
}

// EndStart closes the start tag.
func (w *Writer) EndStart() { w.buf = append(w.buf, '>') }

// Open writes a start tag without attributes.
func (w *Writer) Open(name string) {
	w.buf = append(w.buf, '<')
	w.buf = append(w.buf, name...)
	w.buf = append(w.buf, '>')
}

// Close writes an end tag.
func (w *Writer) Close(name string) {
	w.buf = append(w.buf, '<', '/')
	w.buf = append(w.buf, name...)
	w.buf = append(w.buf, '>')
}

// Text writes character data, escaped.
func (w *Writer) Text(s string) { w.escape(s, false) }

// Element writes <name>text</name>.
func (w *Writer) Element(name, text string) {
	w.Open(name)
	w.escape(text, false)
	w.Close(name)
}

// escape writes s as XML character data (or an attribute value). Carriage
// returns are written as references so that parsers, which normalise line
// ends, give back the exact string; characters XML 1.0 cannot carry become
// U+FFFD, as encoding/xml does.
func (w *Writer) escape(s string, attr bool) {
	table := &textSpecial
	if attr {
		table = &attrSpecial
	}
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		if !table[c] {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if (r != utf8.RuneError || size > 1) && isXMLChar(r) {
				i += size
				continue
			}
			w.buf = append(w.buf, s[last:i]...)
			w.buf = append(w.buf, "\uFFFD"...)
			i += size
			last = i
			continue
		}
		var esc string
		switch c {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '\r':
			esc = "&#xD;"
		case '"':
			esc = "&quot;"
		case '\n':
			esc = "&#xA;"
		case '\t':
			esc = "&#x9;"
		default:
			esc = "\uFFFD"
		}
		w.buf = append(w.buf, s[last:i]...)
		w.buf = append(w.buf, esc...)
		i++
		last = i
	}
	w.buf = append(w.buf, s[last:]...)
}

// textSpecial and attrSpecial mark the bytes escape must look at: markup
// characters, control characters and the lead bytes of multi-byte runes.
var textSpecial, attrSpecial = func() (text, attr [256]bool) {
	for c := 0; c < 256; c++ {
		special := c < 0x20 && c != '\n' && c != '\t' || c == '&' || c == '<' || c == '>' || c >= utf8.RuneSelf
		text[c] = special || c == '\r'
		attr[c] = special || c == '\r' || c == '"' || c == '\n' || c == '\t'
	}
	return
}()

// isXMLChar reports whether r may appear in an XML 1.0 document (for runes
// at or above utf8.RuneSelf).
func isXMLChar(r rune) bool {
	return (r >= 0x80 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)
}

// ValidName reports whether k can be written as an element name as it
// is (error fields come from services, not the model).
func ValidName(k string) bool {
	if k == "" {
		return false
	}
	for i, r := range k {
		switch {
		case r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z', r == '_':
		case i > 0 && (r >= '0' && r <= '9' || r == '-' || r == '.'):
		default:
			return false
		}
	}
	return true
}
