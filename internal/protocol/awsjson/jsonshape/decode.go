package jsonshape

import (
	"encoding/base64"
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"hako/internal/protocol/model"
	"hako/internal/protocol/scalar"
)

// MaxDepth bounds the nesting of JSON objects and arrays in a body.
const MaxDepth = 128

// SyntaxError is a body that is not JSON.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("%s at offset %d", e.Msg, e.Offset) }

// TypeError is JSON of the wrong type for its shape. Msg is AWS's text.
type TypeError struct {
	Msg string
}

func (e *TypeError) Error() string { return e.Msg }

// Decode reads data, a JSON object shaped as s, into a document. Empty data
// and null read as an empty document.
func Decode(data []byte, s *model.Shape, bodyOnly bool) (map[string]any, error) {
	d := decoder{data: data}
	d.ws()
	if d.i == len(d.data) {
		return map[string]any{}, nil
	}
	if d.peekNull() {
		d.i += 4
		if err := d.end(); err != nil {
			return nil, err
		}
		return map[string]any{}, nil
	}
	v, err := d.structure(s, bodyOnly)
	if err != nil {
		return nil, err
	}
	if err := d.end(); err != nil {
		return nil, err
	}
	return v, nil
}

// DecodeValue reads data as one JSON value of the shape ref refers to (a
// rest-json structure or document payload). Empty data reads as nil.
func DecodeValue(data []byte, ref *model.ShapeRef) (any, error) {
	d := decoder{data: data}
	d.ws()
	if d.i == len(d.data) {
		return nil, nil
	}
	v, err := d.value(ref, ref.Shape)
	if err != nil {
		return nil, err
	}
	if err := d.end(); err != nil {
		return nil, err
	}
	return v, nil
}

// DecodeAny reads data as an untyped JSON value (documents).
func DecodeAny(data []byte) (any, error) {
	d := decoder{data: data}
	d.ws()
	v, err := d.any()
	if err != nil {
		return nil, err
	}
	if err := d.end(); err != nil {
		return nil, err
	}
	return v, nil
}

type decoder struct {
	data  []byte
	i     int
	depth int
	buf   []byte // scratch for unescaping
}

func (d *decoder) ws() {
	for d.i < len(d.data) {
		switch d.data[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *decoder) end() error {
	d.ws()
	if d.i != len(d.data) {
		return d.syntax("unexpected data after the top-level value")
	}
	return nil
}

func (d *decoder) syntax(msg string) *SyntaxError { return &SyntaxError{Offset: d.i, Msg: msg} }

func (d *decoder) eof() *SyntaxError { return d.syntax("unexpected end of JSON input") }

func (d *decoder) peekNull() bool {
	return len(d.data)-d.i >= 4 && string(d.data[d.i:d.i+4]) == "null"
}

func (d *decoder) literal(lit string) error {
	if len(d.data)-d.i < len(lit) || string(d.data[d.i:d.i+len(lit)]) != lit {
		return d.syntax("invalid literal")
	}
	d.i += len(lit)
	return nil
}

func (d *decoder) enter() error {
	d.depth++
	if d.depth > MaxDepth {
		return d.syntax("JSON nested too deeply")
	}
	return nil
}

// tokenName is the name AWS's messages give the JSON token at d.i; "" when
// it is not the start of a JSON value.
func (d *decoder) tokenName() string {
	switch c := d.data[d.i]; {
	case c == '"':
		return "STRING_VALUE"
	case c == 't':
		return "TRUE_VALUE"
	case c == 'f':
		return "FALSE_VALUE"
	case c == '-' || (c >= '0' && c <= '9'):
	scan:
		for j := d.i + 1; j < len(d.data); j++ {
			switch d.data[j] {
			case '.', 'e', 'E':
				return "DECIMAL_VALUE"
			case '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '+', '-':
			default:
				break scan
			}
		}
		return "NUMBER_VALUE"
	}
	return ""
}

// mismatch explains why the value at d.i does not fit s, in AWS's words.
func (d *decoder) mismatch(s *model.Shape) error {
	c := d.data[d.i]
	switch s.Type {
	case "structure", "list", "map":
		switch {
		case c == '{':
			return &TypeError{Msg: "Start of structure or map found where not expected"}
		case c == '[' && s.Type == "map" && s.Value != nil:
			return &TypeError{Msg: "Unrecognized collection type java.util.Map<java.lang.String, " + s.Value.Shape.Name + ">"}
		case c == '[':
			return &TypeError{Msg: "Unrecognized collection type class " + s.Name}
		case d.tokenName() == "":
			return d.syntax("invalid character " + strconv.QuoteRune(rune(c)))
		}
		return &TypeError{Msg: "Unexpected field type"}
	case "blob":
		switch {
		case c == '{':
			return &TypeError{Msg: "Start of structure or map found where not expected"}
		case c == '[':
			return &TypeError{Msg: "Unrecognized collection type class java.nio.ByteBuffer"}
		case d.tokenName() == "":
			return d.syntax("invalid character " + strconv.QuoteRune(rune(c)))
		}
		return &TypeError{Msg: "only base-64-encoded strings are convertible to bytes"}
	}
	switch c {
	case '{':
		return &TypeError{Msg: "Start of structure or map found where not expected"}
	case '[':
		return &TypeError{Msg: "Unrecognized collection type class java.lang." + scalar.TypeName(s)}
	}
	tok := d.tokenName()
	if tok == "" {
		return d.syntax("invalid character " + strconv.QuoteRune(rune(c)))
	}
	if s.Type == "boolean" && tok == "STRING_VALUE" {
		return &TypeError{Msg: "Unexpected token received from parser"}
	}
	return &TypeError{Msg: tok + " cannot be converted to " + scalar.TypeName(s)}
}

// value reads one value of shape s (used as ref). A JSON null reads as nil.
func (d *decoder) value(ref *model.ShapeRef, s *model.Shape) (any, error) {
	if d.i >= len(d.data) {
		return nil, d.eof()
	}
	c := d.data[d.i]
	if c == 'n' {
		return nil, d.literal("null")
	}
	switch s.Type {
	case "structure":
		if s.Document {
			return d.any()
		}
		if c != '{' {
			return nil, d.mismatch(s)
		}
		return d.structure(s, false)
	case "list":
		if s.Member == nil {
			return d.any()
		}
		if c != '[' {
			return nil, d.mismatch(s)
		}
		return d.list(s)
	case "map":
		if s.Value == nil {
			return d.any()
		}
		if c != '{' {
			return nil, d.mismatch(s)
		}
		return d.mapValue(s)
	case "string":
		if c != '"' {
			return nil, d.mismatch(s)
		}
		return d.str()
	case "integer", "long":
		if c != '-' && (c < '0' || c > '9') {
			return nil, d.mismatch(s)
		}
		return d.integer(s)
	case "float", "double":
		if c == '"' {
			str, err := d.str()
			if err != nil {
				return nil, err
			}
			if f, ok := scalar.ParseSpecialFloat(str); ok {
				return f, nil
			}
			return nil, &TypeError{Msg: "STRING_VALUE cannot be converted to " + scalar.TypeName(s)}
		}
		if c != '-' && (c < '0' || c > '9') {
			return nil, d.mismatch(s)
		}
		lit, _, err := d.number()
		if err != nil {
			return nil, err
		}
		f, perr := strconv.ParseFloat(string(lit), 64)
		if perr != nil && !math.IsInf(f, 0) {
			return nil, &TypeError{Msg: "DECIMAL_VALUE cannot be converted to " + scalar.TypeName(s)}
		}
		return f, nil
	case "boolean":
		switch c {
		case 't':
			return true, d.literal("true")
		case 'f':
			return false, d.literal("false")
		}
		return nil, d.mismatch(s)
	case "blob":
		if c != '"' {
			return nil, d.mismatch(s)
		}
		return d.blob()
	case "timestamp":
		return d.timestamp(s)
	}
	return d.any()
}

func (d *decoder) structure(s *model.Shape, bodyOnly bool) (map[string]any, error) {
	if d.data[d.i] != '{' {
		return nil, d.mismatch(s)
	}
	info := infoOf(s)
	out := make(map[string]any, min(len(info.members), 8))
	err := d.object("expected a member name", func(key []byte) error {
		idx := info.lookup(key, bodyOnly)
		if idx < 0 {
			return d.skip()
		}
		m := &info.members[idx]
		v, err := d.value(m.ref, m.ref.Shape)
		if err != nil {
			return err
		}
		if v != nil {
			out[m.name] = v
		} else {
			delete(out, m.name)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (d *decoder) list(s *model.Shape) ([]any, error) {
	out := []any{}
	err := d.array(func() error {
		v, err := d.value(s.Member, s.Member.Shape)
		if err != nil {
			return err
		}
		out = append(out, v)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (d *decoder) mapValue(s *model.Shape) (map[string]any, error) {
	out := map[string]any{}
	err := d.object("expected a map key", func(key []byte) error {
		k := string(key)
		v, err := d.value(s.Value, s.Value.Shape)
		if err != nil {
			return err
		}
		if v != nil {
			out[k] = v
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// object reads a JSON object, d.i at its '{': for each member it reads the
// key (notKey is the error when there is something else) and calls member
// with d.i at the value, which member must consume. The key aliases the
// input or the scratch buffer: member must copy it before reading strings.
func (d *decoder) object(notKey string, member func(key []byte) error) error {
	return d.container('}', func() error {
		if d.i >= len(d.data) {
			return d.eof()
		}
		if d.data[d.i] != '"' {
			return d.syntax(notKey)
		}
		key, err := d.strBytes()
		if err != nil {
			return err
		}
		if err := d.colon(); err != nil {
			return err
		}
		return member(key)
	})
}

// array reads a JSON array, d.i at its '[', calling item with d.i at each
// item, which item must consume.
func (d *decoder) array(item func() error) error {
	return d.container(']', item)
}

// container reads the comma-separated entries of an object or array up to
// closing, d.i at the opening bracket, calling entry with d.i at each.
func (d *decoder) container(closing byte, entry func() error) error {
	if err := d.enter(); err != nil {
		return err
	}
	d.i++
	d.ws()
	if d.i < len(d.data) && d.data[d.i] == closing {
		d.i++
		d.depth--
		return nil
	}
	for {
		d.ws()
		if err := entry(); err != nil {
			return err
		}
		more, err := d.next(closing)
		if err != nil {
			return err
		}
		if !more {
			d.depth--
			return nil
		}
	}
}

func (d *decoder) colon() error {
	d.ws()
	if d.i >= len(d.data) {
		return d.eof()
	}
	if d.data[d.i] != ':' {
		return d.syntax("expected ':'")
	}
	d.i++
	d.ws()
	if d.i >= len(d.data) {
		return d.eof()
	}
	return nil
}

// next consumes a ',' (true) or the closing byte (false).
func (d *decoder) next(closing byte) (bool, error) {
	d.ws()
	if d.i >= len(d.data) {
		return false, d.eof()
	}
	switch d.data[d.i] {
	case ',':
		d.i++
		d.ws()
		return true, nil
	case closing:
		d.i++
		return false, nil
	}
	return false, d.syntax("expected ',' or '" + string(closing) + "'")
}

// number scans a JSON number and returns its text; integral is false when
// it has a fraction or an exponent.
func (d *decoder) number() (lit []byte, integral bool, err error) {
	start := d.i
	integral = true
	if d.i < len(d.data) && d.data[d.i] == '-' {
		d.i++
	}
	if d.i >= len(d.data) {
		return nil, false, d.eof()
	}
	switch c := d.data[d.i]; {
	case c == '0':
		d.i++
	case c >= '1' && c <= '9':
		for d.i < len(d.data) && d.data[d.i] >= '0' && d.data[d.i] <= '9' {
			d.i++
		}
	default:
		return nil, false, d.syntax("invalid number")
	}
	if d.i < len(d.data) && d.data[d.i] == '.' {
		integral = false
		d.i++
		if d.i >= len(d.data) || d.data[d.i] < '0' || d.data[d.i] > '9' {
			return nil, false, d.syntax("invalid number")
		}
		for d.i < len(d.data) && d.data[d.i] >= '0' && d.data[d.i] <= '9' {
			d.i++
		}
	}
	if d.i < len(d.data) && (d.data[d.i] == 'e' || d.data[d.i] == 'E') {
		integral = false
		d.i++
		if d.i < len(d.data) && (d.data[d.i] == '+' || d.data[d.i] == '-') {
			d.i++
		}
		if d.i >= len(d.data) || d.data[d.i] < '0' || d.data[d.i] > '9' {
			return nil, false, d.syntax("invalid number")
		}
		for d.i < len(d.data) && d.data[d.i] >= '0' && d.data[d.i] <= '9' {
			d.i++
		}
	}
	return d.data[start:d.i], integral, nil
}

// parseInt parses a decimal integer literal without allocating.
func parseInt(b []byte) (int64, bool) {
	neg := false
	if len(b) > 0 && b[0] == '-' {
		neg, b = true, b[1:]
	}
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		n = n*10 + uint64(c-'0')
	}
	if neg {
		if n > 1<<63 {
			return 0, false
		}
		return -int64(n), true
	}
	if n > math.MaxInt64 {
		return 0, false
	}
	return int64(n), true
}

func (d *decoder) integer(s *model.Shape) (any, error) {
	lit, integral, err := d.number()
	if err != nil {
		return nil, err
	}
	if integral {
		if n, ok := parseInt(lit); ok {
			return n, nil
		}
		return nil, &TypeError{Msg: "NUMBER_VALUE cannot be converted to " + scalar.TypeName(s)}
	}
	// AWS truncates decimals sent for integers.
	f, perr := strconv.ParseFloat(string(lit), 64)
	if perr != nil || f >= math.MaxInt64 || f < math.MinInt64 {
		return nil, &TypeError{Msg: "DECIMAL_VALUE cannot be converted to " + scalar.TypeName(s)}
	}
	return int64(f), nil
}

func (d *decoder) timestamp(s *model.Shape) (any, error) {
	c := d.data[d.i]
	if c == '"' {
		str, err := d.str()
		if err != nil {
			return nil, err
		}
		t, ok := ParseTime(str)
		if !ok {
			return nil, &TypeError{Msg: "STRING_VALUE cannot be converted to Date"}
		}
		return t, nil
	}
	if c != '-' && (c < '0' || c > '9') {
		return nil, d.mismatch(s)
	}
	lit, _, err := d.number()
	if err != nil {
		return nil, err
	}
	t, ok := EpochSeconds(lit)
	if !ok {
		return nil, &TypeError{Msg: "DECIMAL_VALUE cannot be converted to Date"}
	}
	return t, nil
}

// EpochSeconds reads an epoch-seconds literal ("1700000000", "1700000000.123",
// "1.7e9") exactly where it can.
func EpochSeconds(lit []byte) (time.Time, bool) {
	intPart, frac, plain := lit, []byte(nil), true
	for i, c := range lit {
		switch c {
		case '.':
			intPart, frac = lit[:i], lit[i+1:]
		case 'e', 'E':
			plain = false
		}
	}
	if plain && len(frac) <= 9 {
		for _, c := range frac {
			if c < '0' || c > '9' {
				plain = false
			}
		}
	}
	if plain {
		sec, ok := parseInt(intPart)
		if ok && sec > -1e11 && sec < 1e11 {
			var nsec int64
			for i := 0; i < 9; i++ {
				nsec *= 10
				if i < len(frac) {
					nsec += int64(frac[i] - '0')
				}
			}
			if len(intPart) > 0 && intPart[0] == '-' && nsec > 0 {
				sec, nsec = sec-1, 1e9-nsec
			}
			return time.Unix(sec, nsec).UTC(), true
		}
	}
	f, err := strconv.ParseFloat(string(lit), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) || f > 1e11 || f < -1e11 {
		return time.Time{}, false
	}
	sec := math.Floor(f)
	usec := math.Round((f - sec) * 1e6)
	return time.Unix(int64(sec), int64(usec)*1000).UTC(), true
}

// timeLayouts are the string forms accepted for timestamps.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04:05.999999999Z0700",
	time.RFC1123,
	time.RFC1123Z,
	time.RFC850,
	time.ANSIC,
}

// ParseTime reads a timestamp string: ISO 8601, an HTTP date or epoch
// seconds.
func ParseTime(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	if c := s[0]; c == '-' || (c >= '0' && c <= '9') {
		if isNumber(s) {
			return EpochSeconds([]byte(s))
		}
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func isNumber(s string) bool {
	d := decoder{data: []byte(s)}
	_, _, err := d.number()
	return err == nil && d.i == len(s)
}

func (d *decoder) blob() (any, error) {
	raw, err := d.strBytes()
	if err != nil {
		return nil, err
	}
	out := make([]byte, base64.StdEncoding.DecodedLen(len(raw)))
	n, derr := base64.StdEncoding.Decode(out, raw)
	if derr != nil {
		if len(raw)%4 != 0 {
			return nil, &TypeError{Msg: fmt.Sprintf("Base64 encoded length is expected a multiple of 4 bytes but found: %d", len(raw))}
		}
		return nil, &TypeError{Msg: "Invalid Base64 character detected"}
	}
	return out[:n], nil
}

// str reads a JSON string into a new Go string.
func (d *decoder) str() (string, error) {
	b, err := d.strBytes()
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// strBytes reads a JSON string. The result aliases the input or the
// decoder's scratch buffer: valid until the next call.
func (d *decoder) strBytes() ([]byte, error) {
	start := d.i + 1
	for j := start; j < len(d.data); j++ {
		c := d.data[j]
		switch {
		case c == '"':
			d.i = j + 1
			return d.data[start:j], nil
		case c == '\\' || c < 0x20 || c >= utf8.RuneSelf:
			return d.strSlow(start)
		}
	}
	d.i = len(d.data)
	return nil, d.eof()
}

func (d *decoder) strSlow(start int) ([]byte, error) {
	buf := d.buf[:0]
	j := start
	for j < len(d.data) {
		c := d.data[j]
		switch {
		case c == '"':
			d.i = j + 1
			d.buf = buf
			return buf, nil
		case c < 0x20:
			d.i = j
			return nil, d.syntax("invalid control character in string")
		case c == '\\':
			if j+1 >= len(d.data) {
				d.i = j
				return nil, d.eof()
			}
			e := d.data[j+1]
			j += 2
			switch e {
			case '"', '\\', '/':
				buf = append(buf, e)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				r, ok := hex4(d.data[j:])
				if !ok {
					d.i = j
					return nil, d.syntax("invalid \\u escape")
				}
				j += 4
				if utf16.IsSurrogate(r) {
					r2, ok := rune(-1), false
					if len(d.data)-j >= 6 && d.data[j] == '\\' && d.data[j+1] == 'u' {
						r2, ok = hex4(d.data[j+2:])
					}
					if dec := utf16.DecodeRune(r, r2); ok && dec != utf8.RuneError {
						r = dec
						j += 6
					} else {
						r = utf8.RuneError
					}
				}
				buf = utf8.AppendRune(buf, r)
			default:
				d.i = j - 1
				return nil, d.syntax("invalid escape")
			}
		case c < utf8.RuneSelf:
			buf = append(buf, c)
			j++
		default:
			r, size := utf8.DecodeRune(d.data[j:])
			if r == utf8.RuneError && size == 1 {
				buf = utf8.AppendRune(buf, utf8.RuneError)
			} else {
				buf = append(buf, d.data[j:j+size]...)
			}
			j += size
		}
	}
	d.i = len(d.data)
	d.buf = buf
	return nil, d.eof()
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// any reads an untyped JSON value.
func (d *decoder) any() (any, error) {
	if d.i >= len(d.data) {
		return nil, d.eof()
	}
	switch c := d.data[d.i]; {
	case c == '{':
		out := map[string]any{}
		err := d.object("expected a member name", func(key []byte) error {
			k := string(key)
			v, err := d.any()
			if err != nil {
				return err
			}
			out[k] = v
			return nil
		})
		if err != nil {
			return nil, err
		}
		return out, nil
	case c == '[':
		out := []any{}
		err := d.array(func() error {
			v, err := d.any()
			if err != nil {
				return err
			}
			out = append(out, v)
			return nil
		})
		if err != nil {
			return nil, err
		}
		return out, nil
	case c == '"':
		return d.str()
	case c == 't':
		return true, d.literal("true")
	case c == 'f':
		return false, d.literal("false")
	case c == 'n':
		return nil, d.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		lit, integral, err := d.number()
		if err != nil {
			return nil, err
		}
		if integral {
			if n, ok := parseInt(lit); ok {
				return n, nil
			}
		}
		f, _ := strconv.ParseFloat(string(lit), 64)
		return f, nil
	}
	return nil, d.syntax("invalid character " + strconv.QuoteRune(rune(d.data[d.i])))
}

// skip reads and discards one JSON value, checking its syntax.
func (d *decoder) skip() error {
	if d.i >= len(d.data) {
		return d.eof()
	}
	switch c := d.data[d.i]; {
	case c == '{':
		return d.object("expected a member name", func([]byte) error { return d.skip() })
	case c == '[':
		return d.array(d.skip)
	case c == '"':
		_, err := d.strBytes()
		return err
	case c == 't':
		return d.literal("true")
	case c == 'f':
		return d.literal("false")
	case c == 'n':
		return d.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		_, _, err := d.number()
		return err
	}
	return d.syntax("invalid character " + strconv.QuoteRune(rune(d.data[d.i])))
}
