package jsonshape

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"hako/internal/protocol/model"
	"hako/internal/protocol/scalar"
)

// maxWriteDepth bounds nesting while writing (a cyclic document is a bug).
const maxWriteDepth = 256

// AppendStruct appends doc as the JSON object of structure s: members in
// model order under their JSON keys, nil values left out, keys the model
// does not know ignored. With bodyOnly, members bound to HTTP locations are
// left out too.
func AppendStruct(dst []byte, s *model.Shape, doc map[string]any, bodyOnly bool) ([]byte, error) {
	return appendStruct(dst, s, doc, bodyOnly, 0)
}

// AppendValue appends v as a JSON value of the shape ref refers to.
func AppendValue(dst []byte, ref *model.ShapeRef, v any) ([]byte, error) {
	return appendValue(dst, ref, ref.Shape, v, 0)
}

// AppendAny appends v as JSON without a shape (documents, error members the
// model does not define): maps with sorted keys, []byte in base64, time.Time
// as epoch seconds.
func AppendAny(dst []byte, v any) ([]byte, error) {
	return appendAny(dst, v, 0)
}

func typeErr(v any, s *model.Shape) error {
	return fmt.Errorf("jsonshape: cannot write %T as %s %s", v, s.Type, s.Name)
}

func appendStruct(dst []byte, s *model.Shape, doc map[string]any, bodyOnly bool, depth int) ([]byte, error) {
	if depth > maxWriteDepth {
		return dst, fmt.Errorf("jsonshape: document nested too deeply at %s", s.Name)
	}
	info := infoOf(s)
	dst = append(dst, '{')
	first := true
	var err error
	emit := func(m *member, v any) {
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = AppendString(dst, m.wire)
		dst = append(dst, ':')
		dst, err = appendValue(dst, m.ref, m.ref.Shape, v, depth+1)
	}
	if info.byName != nil && len(doc)*4 < len(info.members) {
		// A few values of a large structure: visit the document and keep
		// model order by sorting member indexes.
		var idxBuf [16]int
		idx := idxBuf[:0]
		for k, v := range doc {
			if i, ok := info.byName[k]; ok && !isNil(v) {
				idx = append(idx, i)
			}
		}
		slices.Sort(idx)
		for _, i := range idx {
			m := &info.members[i]
			if bodyOnly && m.located {
				continue
			}
			emit(m, doc[m.name])
			if err != nil {
				return dst, err
			}
		}
	} else {
		for i := range info.members {
			m := &info.members[i]
			if bodyOnly && m.located {
				continue
			}
			v, ok := doc[m.name]
			if !ok || isNil(v) {
				continue
			}
			emit(m, v)
			if err != nil {
				return dst, err
			}
		}
	}
	return append(dst, '}'), nil
}

// isNil reports whether v stands for an absent value.
func isNil(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string, bool, int64, float64, int, int32, time.Time:
		return false
	case []any:
		return x == nil
	case map[string]any:
		return x == nil
	case []byte:
		return x == nil
	case []string:
		return x == nil
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface, reflect.Func, reflect.Chan:
		return rv.IsNil()
	}
	return false
}

func appendValue(dst []byte, ref *model.ShapeRef, s *model.Shape, v any, depth int) ([]byte, error) {
	if depth > maxWriteDepth {
		return dst, fmt.Errorf("jsonshape: document nested too deeply at %s", s.Name)
	}
	if isNil(v) {
		return append(dst, "null"...), nil
	}
	switch s.Type {
	case "structure":
		if s.Document {
			return appendAny(dst, v, depth)
		}
		m, ok := v.(map[string]any)
		if !ok {
			if m, ok = mapOf(v); !ok {
				return dst, typeErr(v, s)
			}
		}
		return appendStruct(dst, s, m, false, depth)
	case "list":
		if s.Member == nil {
			return appendAny(dst, v, depth)
		}
		return appendList(dst, s, v, depth)
	case "map":
		if s.Value == nil {
			return appendAny(dst, v, depth)
		}
		return appendMap(dst, s, v, depth)
	case "string":
		str, ok := asString(v)
		if !ok {
			return dst, typeErr(v, s)
		}
		return AppendString(dst, str), nil
	case "integer", "long":
		n, ok := scalar.AsInt(v)
		if !ok {
			return dst, typeErr(v, s)
		}
		return strconv.AppendInt(dst, n, 10), nil
	case "float", "double":
		f, bits, ok := scalar.AsFloat(v)
		if !ok {
			return dst, typeErr(v, s)
		}
		return appendFloat(dst, f, bits), nil
	case "boolean":
		b, ok := asBool(v)
		if !ok {
			return dst, typeErr(v, s)
		}
		return strconv.AppendBool(dst, b), nil
	case "blob":
		switch b := v.(type) {
		case []byte:
			return appendBase64(dst, b), nil
		case string:
			return appendBase64(dst, []byte(b)), nil
		}
		return dst, typeErr(v, s)
	case "timestamp":
		t, ok := AsTime(v)
		if !ok {
			return dst, typeErr(v, s)
		}
		format := scalar.TimestampFormat(ref, scalar.UnixTimestamp)
		if format == scalar.UnixTimestamp {
			return AppendTime(dst, t, format), nil
		}
		dst = append(dst, '"')
		dst = AppendTime(dst, t, format)
		return append(dst, '"'), nil
	}
	return appendAny(dst, v, depth)
}

// appendList and appendMap spell out a loop per Go type on purpose: a
// generic helper instantiated for []any and map[string]any converts every
// item through a dictionary and costs about 10% on large outputs.

func appendList(dst []byte, s *model.Shape, v any, depth int) ([]byte, error) {
	var err error
	dst = append(dst, '[')
	switch l := v.(type) {
	case []any:
		for i, item := range l {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, err = appendValue(dst, s.Member, s.Member.Shape, item, depth+1); err != nil {
				return dst, err
			}
		}
	case []string:
		for i, item := range l {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, err = appendValue(dst, s.Member, s.Member.Shape, item, depth+1); err != nil {
				return dst, err
			}
		}
	case []map[string]any:
		for i, item := range l {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, err = appendValue(dst, s.Member, s.Member.Shape, item, depth+1); err != nil {
				return dst, err
			}
		}
	default:
		rv := reflect.ValueOf(v)
		if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
			return dst, typeErr(v, s)
		}
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			return dst, typeErr(v, s)
		}
		for i := 0; i < rv.Len(); i++ {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, err = appendValue(dst, s.Member, s.Member.Shape, rv.Index(i).Interface(), depth+1); err != nil {
				return dst, err
			}
		}
	}
	return append(dst, ']'), nil
}

func appendMap(dst []byte, s *model.Shape, v any, depth int) ([]byte, error) {
	var err error
	switch m := v.(type) {
	case map[string]any:
		keys := sortedKeys(m)
		dst = append(dst, '{')
		n := 0
		for _, k := range keys {
			item := m[k]
			if isNil(item) {
				continue
			}
			if n > 0 {
				dst = append(dst, ',')
			}
			n++
			dst = AppendString(dst, k)
			dst = append(dst, ':')
			if dst, err = appendValue(dst, s.Value, s.Value.Shape, item, depth+1); err != nil {
				return dst, err
			}
		}
		return append(dst, '}'), nil
	case map[string]string:
		keys := sortedKeys(m)
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendString(dst, k)
			dst = append(dst, ':')
			if dst, err = appendValue(dst, s.Value, s.Value.Shape, m[k], depth+1); err != nil {
				return dst, err
			}
		}
		return append(dst, '}'), nil
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Map || rv.Type().Key().Kind() != reflect.String {
		return dst, typeErr(v, s)
	}
	keys := make([]string, 0, rv.Len())
	for _, k := range rv.MapKeys() {
		keys = append(keys, k.String())
	}
	slices.Sort(keys)
	dst = append(dst, '{')
	n := 0
	for _, k := range keys {
		item := rv.MapIndex(reflect.ValueOf(k).Convert(rv.Type().Key())).Interface()
		if isNil(item) {
			continue
		}
		if n > 0 {
			dst = append(dst, ',')
		}
		n++
		dst = AppendString(dst, k)
		dst = append(dst, ':')
		if dst, err = appendValue(dst, s.Value, s.Value.Shape, item, depth+1); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// mapOf converts a map with string keys of another type to a document.
func mapOf(v any) (map[string]any, bool) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Map || rv.Type().Key().Kind() != reflect.String {
		return nil, false
	}
	out := make(map[string]any, rv.Len())
	it := rv.MapRange()
	for it.Next() {
		out[it.Key().String()] = it.Value().Interface()
	}
	return out, true
}

func asString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case []byte:
		return string(x), true
	case json.Number:
		return string(x), true
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.String {
		return rv.String(), true
	}
	if rv.Kind() == reflect.Pointer && !rv.IsNil() && rv.Elem().Kind() == reflect.String {
		return rv.Elem().String(), true
	}
	return "", false
}

func asBool(v any) (bool, bool) {
	if b, ok := v.(bool); ok {
		return b, true
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv = rv.Elem()
	}
	if rv.Kind() == reflect.Bool {
		return rv.Bool(), true
	}
	return false, false
}

// AsTime converts a timestamp value: time.Time, epoch seconds (int64,
// float64) or a string ParseTime reads.
func AsTime(v any) (time.Time, bool) {
	switch t := v.(type) {
	case time.Time:
		return t, true
	case *time.Time:
		if t == nil {
			return time.Time{}, false
		}
		return *t, true
	case int64:
		return time.Unix(t, 0), true
	case int:
		return time.Unix(int64(t), 0), true
	case float64:
		if math.IsNaN(t) || math.IsInf(t, 0) {
			return time.Time{}, false
		}
		sec := math.Floor(t)
		return time.Unix(int64(sec), int64(math.Round((t-sec)*1e6))*1000), true
	case string:
		return ParseTime(t)
	}
	return time.Time{}, false
}

// AppendTime appends t in a timestampFormat (scalar.ISO8601, scalar.RFC822;
// anything else is epoch seconds), unquoted, as JSON bodies and rest-json
// headers carry it: ISO 8601 without trailing zeros, epoch seconds with
// milliseconds as a fraction when there are any. (XML bodies and the query
// protocol write scalar.FormatTime's forms.)
func AppendTime(dst []byte, t time.Time, format string) []byte {
	switch format {
	case scalar.ISO8601:
		return t.UTC().AppendFormat(dst, "2006-01-02T15:04:05.999Z07:00")
	case scalar.RFC822:
		return t.UTC().AppendFormat(dst, http.TimeFormat)
	}
	ms := t.UnixMilli()
	if ms%1000 == 0 {
		return strconv.AppendInt(dst, ms/1000, 10)
	}
	return strconv.AppendFloat(dst, float64(ms)/1000, 'f', -1, 64)
}

// appendFloat writes a float as encoding/json does, and NaN and the
// infinities as the strings the SDKs read.
func appendFloat(dst []byte, f float64, bits int) []byte {
	if s, ok := scalar.SpecialFloat(f); ok {
		dst = append(dst, '"')
		dst = append(dst, s...)
		return append(dst, '"')
	}
	return append(dst, FormatFloat(f, bits)...)
}

// FormatFloat formats a finite float the way encoding/json does.
func FormatFloat(f float64, bits int) string {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21)) {
		format = 'e'
	}
	return strconv.FormatFloat(f, format, -1, bits)
}

func appendBase64(dst []byte, b []byte) []byte {
	dst = append(dst, '"')
	dst = base64.StdEncoding.AppendEncode(dst, b)
	return append(dst, '"')
}

const hexDigits = "0123456789abcdef"

// AppendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '"', '\\':
				dst = append(dst, '\\', b)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

func appendAny(dst []byte, v any, depth int) ([]byte, error) {
	if depth > maxWriteDepth {
		return dst, fmt.Errorf("jsonshape: document nested too deeply")
	}
	var err error
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case string:
		return AppendString(dst, x), nil
	case bool:
		return strconv.AppendBool(dst, x), nil
	case int64:
		return strconv.AppendInt(dst, x, 10), nil
	case int:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int32:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case float64:
		return appendFloat(dst, x, 64), nil
	case float32:
		return appendFloat(dst, float64(x), 32), nil
	case json.Number:
		if !isNumber(string(x)) {
			return dst, fmt.Errorf("jsonshape: invalid json.Number %q", string(x))
		}
		return append(dst, x...), nil
	case []byte:
		return appendBase64(dst, x), nil
	case time.Time:
		return AppendTime(dst, x, scalar.UnixTimestamp), nil
	case []any:
		dst = append(dst, '[')
		for i, item := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, err = appendAny(dst, item, depth+1); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	case []string:
		dst = append(dst, '[')
		for i, item := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendString(dst, item)
		}
		return append(dst, ']'), nil
	case map[string]any:
		dst = append(dst, '{')
		for i, k := range sortedKeys(x) {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendString(dst, k)
			dst = append(dst, ':')
			if dst, err = appendAny(dst, x[k], depth+1); err != nil {
				return dst, err
			}
		}
		return append(dst, '}'), nil
	case map[string]string:
		dst = append(dst, '{')
		for i, k := range sortedKeys(x) {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendString(dst, k)
			dst = append(dst, ':')
			dst = AppendString(dst, x[k])
		}
		return append(dst, '}'), nil
	}
	b, merr := json.Marshal(v)
	if merr != nil {
		return dst, fmt.Errorf("jsonshape: %w", merr)
	}
	return append(dst, b...), nil
}
