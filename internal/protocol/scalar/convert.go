package scalar

import (
	"encoding/json"
	"math"
	"reflect"
)

// AsInt converts the Go number types documents carry to int64, leniently:
// floats are truncated, and named integer types and pointers to numbers
// (a handler's own types) are read through reflection. The JSON writer
// and statusCode members use it; Format is stricter (integral values
// only).
func AsInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case int32:
		return int64(n), true
	case float64:
		if math.IsNaN(n) || math.IsInf(n, 0) {
			return 0, false
		}
		return int64(n), true
	case json.Number:
		if i, err := n.Int64(); err == nil {
			return i, true
		}
		f, err := n.Float64()
		return int64(f), err == nil
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv = rv.Elem()
	}
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int(), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		u := rv.Uint()
		if u > math.MaxInt64 {
			return 0, false
		}
		return int64(u), true
	case reflect.Float32, reflect.Float64:
		f := rv.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, false
		}
		return int64(f), true
	}
	return 0, false
}

// AsFloat converts the Go number types documents carry to float64, as
// AsInt does; bits is 32 for float32 values so they print as written.
func AsFloat(v any) (f float64, bits int, ok bool) {
	switch n := v.(type) {
	case float64:
		return n, 64, true
	case float32:
		return float64(n), 32, true
	case int64:
		return float64(n), 64, true
	case int:
		return float64(n), 64, true
	case int32:
		return float64(n), 64, true
	case json.Number:
		f, err := n.Float64()
		return f, 64, err == nil
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv = rv.Elem()
	}
	switch rv.Kind() {
	case reflect.Float32:
		return rv.Float(), 32, true
	case reflect.Float64:
		return rv.Float(), 64, true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(rv.Int()), 64, true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return float64(rv.Uint()), 64, true
	}
	return 0, 0, false
}

// toInt is Format's integer conversion: AsInt's, but a float (or
// json.Number) must be integral.
func toInt(v any) (int64, bool) {
	switch n := v.(type) {
	case float64:
		if n != math.Trunc(n) || math.Abs(n) >= 1<<63 {
			return 0, false
		}
	case float32:
		if f := float64(n); f != math.Trunc(f) || math.Abs(f) >= 1<<63 {
			return 0, false
		}
	case json.Number:
		if _, err := n.Int64(); err != nil {
			return 0, false
		}
	}
	return AsInt(v)
}

// toFloat is Format's float conversion.
func toFloat(v any) (float64, bool) {
	f, _, ok := AsFloat(v)
	return f, ok
}
