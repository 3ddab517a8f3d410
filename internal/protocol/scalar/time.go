package scalar

import (
	"errors"
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

// ISO8601Millis is how AWS writes ISO 8601 timestamps in XML bodies, query
// responses and rest-xml headers.
const ISO8601Millis = "2006-01-02T15:04:05.000Z"

// TimestampFormat returns the format a timestamp value uses: the member's
// trait, else the shape's, else def (the location's default: iso8601 in
// XML bodies, URIs and query strings, rfc822 in headers, unixTimestamp in
// JSON bodies).
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

// FormatTime writes t in the given timestamp format, as XML bodies, query
// responses and rest-xml headers carry it: ISO 8601 with milliseconds
// (ISO8601Millis), an HTTP date, or epoch seconds with three decimals when
// there is a fraction. (JSON bodies and rest-json headers write ISO 8601
// without trailing zeros and epoch seconds from milliseconds: see
// jsonshape.AppendTime.)
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
// AWS is lenient in the same way). ISO 8601 may be a date alone or lack
// seconds; epoch seconds keep milliseconds. (The JSON protocols read
// timestamp strings with jsonshape.ParseTime, which differs in the
// details.)
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
	return time.Time{}, errNotTimestamp
}

var errNotTimestamp = errors.New("not a timestamp")

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
