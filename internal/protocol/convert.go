package protocol

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"
	"sync"
	"time"
)

// FromDoc fills dst (a pointer to a generated struct) from an input
// document. Fields are matched by their json tag, which carries the model's
// member name.
func FromDoc(doc map[string]any, dst any) error {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("protocol.FromDoc: want a non-nil pointer, got %T", dst)
	}
	return assign(rv.Elem(), doc)
}

// ToDoc turns a generated output struct (or pointer to one) into a
// document. Zero-valued fields tagged omitempty are left out.
func ToDoc(src any) map[string]any {
	if src == nil {
		return nil
	}
	rv := reflect.ValueOf(src)
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return nil
		}
		rv = rv.Elem()
	}
	d, _ := toDoc(rv).(map[string]any)
	return d
}

var (
	timeType   = reflect.TypeOf(time.Time{})
	bytesType  = reflect.TypeOf([]byte(nil))
	readerType = reflect.TypeOf((*io.Reader)(nil)).Elem()
)

type fieldInfo struct {
	index     int
	name      string
	omitEmpty bool
}

var fieldCache sync.Map // reflect.Type -> []fieldInfo

func fields(t reflect.Type) []fieldInfo {
	if f, ok := fieldCache.Load(t); ok {
		return f.([]fieldInfo)
	}
	var out []fieldInfo
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = sf.Name
		}
		out = append(out, fieldInfo{index: i, name: name, omitEmpty: strings.Contains(opts, "omitempty")})
	}
	fieldCache.Store(t, out)
	return out
}

func assign(dst reflect.Value, v any) error {
	if v == nil {
		return nil
	}
	t := dst.Type()
	switch {
	case t == timeType:
		switch tv := v.(type) {
		case time.Time:
			dst.Set(reflect.ValueOf(tv))
			return nil
		case string:
			parsed, err := time.Parse(time.RFC3339Nano, tv)
			if err != nil {
				return err
			}
			dst.Set(reflect.ValueOf(parsed))
			return nil
		}
	case t == bytesType:
		switch bv := v.(type) {
		case []byte:
			dst.SetBytes(bv)
			return nil
		case string:
			b, err := base64.StdEncoding.DecodeString(bv)
			if err != nil {
				return err
			}
			dst.SetBytes(b)
			return nil
		}
	}
	switch t.Kind() {
	case reflect.Pointer:
		n := reflect.New(t.Elem())
		if err := assign(n.Elem(), v); err != nil {
			return err
		}
		dst.Set(n)
		return nil
	case reflect.Interface:
		rv := reflect.ValueOf(v)
		if !rv.Type().AssignableTo(t) {
			return fmt.Errorf("cannot use %T as %s", v, t)
		}
		dst.Set(rv)
		return nil
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("want structure, got %T", v)
		}
		for _, f := range fields(t) {
			if fv, ok := m[f.name]; ok {
				if err := assign(dst.Field(f.index), fv); err != nil {
					return fmt.Errorf("%s: %w", f.name, err)
				}
			}
		}
		return nil
	case reflect.Slice:
		l, ok := v.([]any)
		if !ok {
			return fmt.Errorf("want list, got %T", v)
		}
		s := reflect.MakeSlice(t, len(l), len(l))
		for i, item := range l {
			if err := assign(s.Index(i), item); err != nil {
				return fmt.Errorf("[%d]: %w", i, err)
			}
		}
		dst.Set(s)
		return nil
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("want map, got %T", v)
		}
		out := reflect.MakeMapWithSize(t, len(m))
		for k, item := range m {
			ev := reflect.New(t.Elem()).Elem()
			if err := assign(ev, item); err != nil {
				return fmt.Errorf("[%s]: %w", k, err)
			}
			out.SetMapIndex(reflect.ValueOf(k).Convert(t.Key()), ev)
		}
		dst.Set(out)
		return nil
	case reflect.String:
		s, ok := v.(string)
		if !ok {
			return fmt.Errorf("want string, got %T", v)
		}
		dst.SetString(s)
		return nil
	case reflect.Bool:
		b, ok := v.(bool)
		if !ok {
			return fmt.Errorf("want boolean, got %T", v)
		}
		dst.SetBool(b)
		return nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		switch n := v.(type) {
		case int64:
			dst.SetInt(n)
		case float64:
			dst.SetInt(int64(n))
		case int:
			dst.SetInt(int64(n))
		case json.Number:
			i, err := n.Int64()
			if err != nil {
				return err
			}
			dst.SetInt(i)
		default:
			return fmt.Errorf("want integer, got %T", v)
		}
		return nil
	case reflect.Float32, reflect.Float64:
		switch n := v.(type) {
		case int64:
			dst.SetFloat(float64(n))
		case float64:
			dst.SetFloat(n)
		case json.Number:
			f, err := n.Float64()
			if err != nil {
				return err
			}
			dst.SetFloat(f)
		default:
			return fmt.Errorf("want number, got %T", v)
		}
		return nil
	}
	return fmt.Errorf("unsupported field type %s", t)
}

func toDoc(v reflect.Value) any {
	t := v.Type()
	switch {
	case t == timeType:
		return v.Interface()
	case t == bytesType:
		if v.IsNil() {
			return nil
		}
		return v.Bytes()
	}
	switch t.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return nil
		}
		return toDoc(v.Elem())
	case reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return v.Elem().Interface()
	case reflect.Struct:
		m := make(map[string]any)
		for _, f := range fields(t) {
			fv := v.Field(f.index)
			if f.omitEmpty && fv.IsZero() {
				continue
			}
			if d := toDoc(fv); d != nil {
				m[f.name] = d
			}
		}
		return m
	case reflect.Slice:
		if v.IsNil() {
			return nil
		}
		l := make([]any, v.Len())
		for i := range l {
			l[i] = toDoc(v.Index(i))
		}
		return l
	case reflect.Map:
		if v.IsNil() {
			return nil
		}
		m := make(map[string]any, v.Len())
		it := v.MapRange()
		for it.Next() {
			m[it.Key().String()] = toDoc(it.Value())
		}
		return m
	case reflect.String:
		return v.String()
	case reflect.Bool:
		return v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int()
	case reflect.Float32, reflect.Float64:
		return v.Float()
	}
	return v.Interface()
}

// Op adapts a typed operation method to a Handler: the input document is
// converted into *I, the returned *O into the output document.
func Op[I, O any](fn func(ctx context.Context, in *I) (*O, error)) Handler {
	return func(ctx context.Context, doc map[string]any) (map[string]any, error) {
		in := new(I)
		if err := FromDoc(doc, in); err != nil {
			return nil, Errorf("SerializationException", "%v", err)
		}
		out, err := fn(ctx, in)
		if err != nil {
			return nil, err
		}
		return ToDoc(out), nil
	}
}
