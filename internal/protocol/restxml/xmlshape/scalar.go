package xmlshape

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"hako/internal/protocol/model"
)

// Timestamp formats of the model's timestampFormat trait.
const (
	ISO8601       = "iso8601"
	RFC822        = "rfc822"
	UnixTimestamp = "unixTimestamp"
)

// ISO8601Millis is how AWS writes timestamps in XML bodies.
const ISO8601Millis = "2006-01-02T15:04:05.000Z"

// TimestampFormat returns the format a timestamp value uses: the member's
// trait, else the shape's, else def (iso8601 in bodies and query strings,
// rfc822 in headers).
func TimestampFormat(ref *model.ShapeRef, def string) string {
	if ref != nil {
		if ref.TimestampFormat != "" {
			return ref.TimestampFormat
		}
		if ref.Shape != nil && ref.Shape.TimestampFormat != "" {
			return ref.Shape.TimestampFormat
		}
	}
	return def
}

// FormatTime writes t in the given timestamp format.
func FormatTime(t time.Time, format string) string {
	t = t.UTC()
	switch format {
	case RFC822:
		return t.Format(http.TimeFormat)
	case UnixTimestamp:
		if t.Nanosecond() == 0 {
			return strconv.FormatInt(t.Unix(), 10)
		}
		return strconv.FormatFloat(float64(t.UnixNano())/1e9, 'f', 3, 64)
	default:
		return appendISO(make([]byte, 0, len(ISO8601Millis)), t)
	}
}

// appendISO writes t (UTC) as 2006-01-02T15:04:05.000Z, faster than
// time.Format; years outside 0-9999 fall back to it.
func appendISO(b []byte, t time.Time) string {
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.Format(ISO8601Millis)
	}
	hour, min, sec := t.Clock()
	ms := t.Nanosecond() / 1e6
	b = append4(b, year)
	b = append(b, '-')
	b = append2(b, int(month))
	b = append(b, '-')
	b = append2(b, day)
	b = append(b, 'T')
	b = append2(b, hour)
	b = append(b, ':')
	b = append2(b, min)
	b = append(b, ':')
	b = append2(b, sec)
	b = append(b, '.', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10), 'Z')
	return string(b)
}

func append2(b []byte, n int) []byte { return append(b, byte('0'+n/10), byte('0'+n%10)) }

func append4(b []byte, n int) []byte {
	return append(b, byte('0'+n/1000), byte('0'+n/100%10), byte('0'+n/10%10), byte('0'+n%10))
}

// ParseTime reads a timestamp. The expected format is tried first, then
// the other two, since clients are not always faithful to the model (and
// AWS is lenient in the same way).
func ParseTime(s, format string) (time.Time, error) {
	s = strings.TrimSpace(s)
	switch format {
	case UnixTimestamp:
		if t, ok := parseEpoch(s); ok {
			return t, nil
		}
	case RFC822:
		if t, err := http.ParseTime(s); err == nil {
			return t.UTC(), nil
		}
	}
	if t, ok := parseISO(s); ok {
		return t, nil
	}
	if t, err := http.ParseTime(s); err == nil {
		return t.UTC(), nil
	}
	if t, ok := parseEpoch(s); ok {
		return t, nil
	}
	return time.Time{}, errors.New("not a timestamp")
}

var isoLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02",
}

func parseISO(s string) (time.Time, bool) {
	if len(s) < 10 || s[4] != '-' {
		return time.Time{}, false
	}
	for _, layout := range isoLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func parseEpoch(s string) (time.Time, bool) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1e14 {
		return time.Time{}, false
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(math.Round(frac*1e3))*1e6).UTC(), true
}

// FormatScalar writes a scalar value of shape s (string, number, boolean,
// timestamp, blob) as text. tsFormat is the timestamp format to use. ok is
// false when v cannot be written as that type; the member is then left out.
func FormatScalar(s *model.Shape, tsFormat string, v any) (text string, ok bool) {
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
			return FormatTime(x, tsFormat), true
		case *time.Time:
			if x != nil {
				return FormatTime(*x, tsFormat), true
			}
		case string:
			if t, err := ParseTime(x, tsFormat); err == nil {
				return FormatTime(t, tsFormat), true
			}
		default:
			if f, ok := toFloat(v); ok && !math.IsNaN(f) && !math.IsInf(f, 0) {
				sec, frac := math.Modf(f)
				return FormatTime(time.Unix(int64(sec), int64(frac*1e9)), tsFormat), true
			}
		}
		return "", false
	case "blob":
		switch x := v.(type) {
		case []byte:
			return base64.StdEncoding.EncodeToString(x), true
		case string:
			return base64.StdEncoding.EncodeToString([]byte(x)), true
		}
		return "", false
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

// FormatFloat writes a float the way AWS does: plain decimal, and NaN and
// Infinity spelled out.
func FormatFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

func toInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case int32:
		return int64(n), true
	case int16:
		return int64(n), true
	case int8:
		return int64(n), true
	case uint:
		return int64(n), true
	case uint8:
		return int64(n), true
	case uint16:
		return int64(n), true
	case uint32:
		return int64(n), true
	case uint64:
		return int64(n), true
	case float64:
		if n == math.Trunc(n) && math.Abs(n) < 1<<63 {
			return int64(n), true
		}
	case float32:
		if f := float64(n); f == math.Trunc(f) && math.Abs(f) < 1<<63 {
			return int64(f), true
		}
	case json.Number:
		if i, err := n.Int64(); err == nil {
			return i, true
		}
	}
	return 0, false
}

func toFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case float32:
		return float64(n), true
	case json.Number:
		if f, err := n.Float64(); err == nil {
			return f, true
		}
		return 0, false
	}
	if i, ok := toInt(v); ok {
		return float64(i), true
	}
	return 0, false
}

// ErrType is wrapped by ParseScalar's errors: the text is not a value of
// the shape's type.
var ErrType = errors.New("wrong type")

// ParseScalar reads text as a value of scalar shape s, giving the document
// types: string, int64, float64, bool, time.Time or []byte.
func ParseScalar(s *model.Shape, tsFormat, text string) (any, error) {
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
		switch t {
		case "NaN":
			return math.NaN(), nil
		case "Infinity":
			return math.Inf(1), nil
		case "-Infinity":
			return math.Inf(-1), nil
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
		t, err := ParseTime(text, tsFormat)
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
