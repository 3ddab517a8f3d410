// Package scalar holds the text forms of AWS scalar values that the codecs
// share: the timestampFormat trait and its three forms (iso8601, rfc822,
// unixTimestamp), integers, floats with NaN and Infinity spelled out,
// booleans and base64 blobs, and the conversions from the Go types
// documents carry.
//
// Text is how scalars travel in XML bodies, in query requests and
// responses, and in the HTTP bindings of the REST protocols (URI labels,
// query strings, headers). Reading text (Parse) is the same for every
// codec but for timestamps, where the JSON protocols keep their own
// reader (ParseWith). Writing text (Format) is the XML and query
// protocols' form; JSON bodies write numbers and timestamps as JSON, and
// rest-json headers follow them (package jsonshape), with the pieces that
// agree taken from here (SpecialFloat, TimestampFormat, AsInt...).
package scalar

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"hako/internal/protocol/model"
)

// ErrType is wrapped by Parse's errors: the text is not a value of the
// shape's type.
var ErrType = errors.New("wrong type")

// Reason is the explanation of a Parse error without the ErrType prefix
// ("not an integer"), for error messages.
func Reason(err error) string {
	why := err.Error()
	if errors.Is(err, ErrType) {
		why = strings.TrimPrefix(why, ErrType.Error()+": ")
	}
	return why
}

// Parse reads text as a value of scalar shape s, giving the document
// types: string, int64, float64, bool, time.Time or []byte. Timestamps are
// read by ParseTime, format first. Surrounding white space is ignored but
// in strings.
func Parse(s *model.Shape, format, text string) (any, error) {
	return parse(s, text, format, nil)
}

// ParseWith is Parse with timestamps read by readTime instead of ParseTime
// (the JSON protocols' reader).
func ParseWith(s *model.Shape, text string, readTime func(string) (time.Time, error)) (any, error) {
	return parse(s, text, "", readTime)
}

func parse(s *model.Shape, text, format string, readTime func(string) (time.Time, error)) (any, error) {
	switch s.Type {
	case "string":
		return text, nil
	case "integer", "long", "short", "byte", "bigInteger":
		i, err := strconv.ParseInt(strings.TrimSpace(text), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%w: not an integer", ErrType)
		}
		return i, nil
	case "float", "double", "bigDecimal":
		t := strings.TrimSpace(text)
		if f, ok := ParseSpecialFloat(t); ok {
			return f, nil
		}
		f, err := strconv.ParseFloat(t, 64)
		if err != nil {
			return nil, fmt.Errorf("%w: not a number", ErrType)
		}
		return f, nil
	case "boolean":
		switch strings.ToLower(strings.TrimSpace(text)) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, fmt.Errorf("%w: not a boolean (true or false)", ErrType)
	case "timestamp":
		var t time.Time
		var err error
		if readTime != nil {
			t, err = readTime(text)
		} else {
			t, err = ParseTime(text, format)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrType, err)
		}
		return t, nil
	case "blob":
		b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(text))
		if err != nil {
			return nil, fmt.Errorf("%w: value is not valid base64", ErrType)
		}
		return b, nil
	}
	return nil, fmt.Errorf("%w: cannot read a %s from text", ErrType, s.Type)
}

// ParseSpecialFloat reads the spellings AWS gives the floats that have no
// decimal form: "NaN", "Infinity" and "-Infinity".
func ParseSpecialFloat(s string) (float64, bool) {
	switch s {
	case "NaN":
		return math.NaN(), true
	case "Infinity":
		return math.Inf(1), true
	case "-Infinity":
		return math.Inf(-1), true
	}
	return 0, false
}

// SpecialFloat is the reverse of ParseSpecialFloat: the spelling of NaN
// and the infinities; ok is false for finite floats.
func SpecialFloat(f float64) (string, bool) {
	switch {
	case math.IsNaN(f):
		return "NaN", true
	case math.IsInf(f, 1):
		return "Infinity", true
	case math.IsInf(f, -1):
		return "-Infinity", true
	}
	return "", false
}

// FormatFloat writes a float the way AWS writes it as text: plain decimal,
// and NaN and Infinity spelled out.
func FormatFloat(f float64) string {
	if s, ok := SpecialFloat(f); ok {
		return s
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// FormatBlob writes a blob value ([]byte, or a string of its bytes) in
// base64.
func FormatBlob(v any) (string, bool) {
	switch x := v.(type) {
	case []byte:
		return base64.StdEncoding.EncodeToString(x), true
	case string:
		return base64.StdEncoding.EncodeToString([]byte(x)), true
	}
	return "", false
}

// TypeName names a scalar shape's type the way AWS's (Java) messages do:
// "Integer", "Long", "Date", "ByteBuffer"...; other shapes by their name.
func TypeName(s *model.Shape) string {
	switch s.Type {
	case "string":
		return "String"
	case "integer":
		return "Integer"
	case "long":
		return "Long"
	case "float":
		return "Float"
	case "double":
		return "Double"
	case "boolean":
		return "Boolean"
	case "timestamp":
		return "Date"
	case "blob":
		return "ByteBuffer"
	}
	return s.Name
}

// Format writes a scalar value of shape s (string, number, boolean,
// timestamp, blob) as text. format is the timestamp format to use. ok is
// false when v cannot be written as that type; the member is then left
// out. Numbers must be integral for integer shapes; strings that read as
// the shape's type are accepted.
func Format(s *model.Shape, format string, v any) (text string, ok bool) {
	switch s.Type {
	case "string":
		switch x := v.(type) {
		case string:
			return x, true
		case []byte:
			return string(x), true
		case time.Time, bool:
			return formatNumberish(v)
		case fmt.Stringer:
			return x.String(), true
		}
		return formatNumberish(v)
	case "integer", "long", "short", "byte", "bigInteger":
		if i, ok := toInt(v); ok {
			return strconv.FormatInt(i, 10), true
		}
		if str, ok := v.(string); ok {
			if _, err := strconv.ParseInt(str, 10, 64); err == nil {
				return str, true
			}
		}
		return "", false
	case "float", "double", "bigDecimal":
		if f, ok := toFloat(v); ok {
			return FormatFloat(f), true
		}
		if str, ok := v.(string); ok {
			if _, err := strconv.ParseFloat(str, 64); err == nil {
				return str, true
			}
		}
		return "", false
	case "boolean":
		switch x := v.(type) {
		case bool:
			return strconv.FormatBool(x), true
		case string:
			if b, err := strconv.ParseBool(x); err == nil {
				return strconv.FormatBool(b), true
			}
		}
		return "", false
	case "timestamp":
		switch x := v.(type) {
		case time.Time:
			return FormatTime(x, format), true
		case *time.Time:
			if x != nil {
				return FormatTime(*x, format), true
			}
		case string:
			if t, err := ParseTime(x, format); err == nil {
				return FormatTime(t, format), true
			}
		default:
			if f, ok := toFloat(v); ok && !math.IsNaN(f) && !math.IsInf(f, 0) {
				sec, frac := math.Modf(f)
				return FormatTime(time.Unix(int64(sec), int64(frac*1e9)), format), true
			}
		}
		return "", false
	case "blob":
		return FormatBlob(v)
	}
	return "", false
}

func formatNumberish(v any) (string, bool) {
	switch x := v.(type) {
	case bool:
		return strconv.FormatBool(x), true
	case time.Time:
		return FormatTime(x, ISO8601), true
	}
	if i, ok := toInt(v); ok {
		return strconv.FormatInt(i, 10), true
	}
	if f, ok := toFloat(v); ok {
		return FormatFloat(f), true
	}
	return "", false
}
