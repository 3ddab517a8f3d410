// Package xmlshape writes and reads XML documents shaped by a botocore
// model, the rules rest-xml bodies and query responses share:
//
//   - a structure is an element whose children are its members in model
//     order, each named by MemberName (locationName, else the member name);
//     members bound to HTTP (header, uri, statusCode...) are not in the body;
//     xmlAttribute members become attributes of the structure's element;
//     an xmlNamespace trait declares xmlns (or xmlns:prefix) on the element;
//   - a list is <Name><member>...</member></Name>, the item element named
//     by the list member's locationName; a flattened list repeats <Name>
//     once per item with no wrapper;
//   - a map is <Name><entry><key/><value/></entry>...</Name>, key and value
//     renamed by their locationNames; a flattened map repeats <Name> per
//     entry holding key and value;
//   - scalars are text (package scalar): timestamps ISO 8601 with
//     milliseconds in UTC unless the timestampFormat trait says otherwise,
//     blobs base64, booleans true/false.
//
// Values come from protocol documents (map[string]any and friends, see
// package protocol). Encoding never fails: a value of the wrong Go type for
// its shape is left out. Decoding reports such values as errors wrapping
// scalar.ErrType, and malformed XML as other errors.
package xmlshape

import (
	"sort"

	"hako/internal/protocol/model"
	"hako/internal/protocol/scalar"
)

// Encoder writes documents as XML. The zero Encoder follows the model
// alone; Names adds the wire names a model lost.
type Encoder struct {
	Names *Names
}

// Root writes doc as an element named name holding structure s's body
// members, with xmlns="ns" when ns is not empty.
func (e *Encoder) Root(w *Writer, name, ns string, s *model.Shape, doc map[string]any) {
	w.Start(name)
	if ns != "" {
		w.Attr("xmlns", ns)
	}
	if s != nil {
		e.namespace(w, s.XMLNamespace, ns)
		e.attributes(w, s, doc)
	}
	w.EndStart()
	if s != nil {
		e.Members(w, s, doc)
	}
	w.Close(name)
}

// Members writes the body members of structure s present in doc, in model
// order.
func (e *Encoder) Members(w *Writer, s *model.Shape, doc map[string]any) {
	left := len(doc)
	for _, m := range s.Members {
		if left == 0 {
			return
		}
		v, ok := doc[m.Name]
		if !ok {
			continue
		}
		left--
		if v == nil || m.Location != "" || m.XMLAttribute || m.Shape == nil {
			continue
		}
		e.member(w, s, m, v)
	}
}

func (e *Encoder) member(w *Writer, parent *model.Shape, m model.Member, v any) {
	name := e.Names.MemberName(parent, m)
	s := m.Shape
	if Flattened(m.ShapeRef) {
		switch s.Type {
		case "list":
			if s.Member == nil {
				return
			}
			eachItem(v, func(item any) { e.Element(w, name, s.Member, item) })
			return
		case "map":
			key, value := e.Names.EntryNames(s)
			eachEntry(v, func(k string, val any) {
				w.Open(name)
				e.entry(w, s, key, value, k, val)
				w.Close(name)
			})
			return
		}
	}
	e.Element(w, name, m.ShapeRef, v)
}

// Element writes v, a value of ref's shape, as the element name.
func (e *Encoder) Element(w *Writer, name string, ref *model.ShapeRef, v any) {
	s := ref.Shape
	if s == nil || v == nil {
		return
	}
	switch s.Type {
	case "structure":
		doc, ok := v.(map[string]any)
		if !ok {
			return
		}
		w.Start(name)
		e.namespace(w, ref.XMLNamespace, "")
		if ref.XMLNamespace == nil {
			e.namespace(w, s.XMLNamespace, "")
		}
		e.attributes(w, s, doc)
		w.EndStart()
		e.Members(w, s, doc)
		w.Close(name)
	case "list":
		if s.Member == nil {
			return
		}
		e.open(w, name, ref)
		item := e.Names.ItemName(s)
		eachItem(v, func(x any) { e.Element(w, item, s.Member, x) })
		w.Close(name)
	case "map":
		e.open(w, name, ref)
		key, value := e.Names.EntryNames(s)
		eachEntry(v, func(k string, val any) {
			w.Open("entry")
			e.entry(w, s, key, value, k, val)
			w.Close("entry")
		})
		w.Close(name)
	default:
		text, ok := scalar.Format(s, scalar.TimestampFormat(ref, scalar.ISO8601), v)
		if !ok {
			return
		}
		e.open(w, name, ref)
		w.Text(text)
		w.Close(name)
	}
}

func (e *Encoder) entry(w *Writer, s *model.Shape, keyName, valueName, k string, v any) {
	if s.Key != nil {
		e.Element(w, keyName, s.Key, k)
	}
	if s.Value != nil {
		e.Element(w, valueName, s.Value, v)
	}
}

func (e *Encoder) open(w *Writer, name string, ref *model.ShapeRef) {
	if ref.XMLNamespace == nil && (ref.Shape == nil || ref.Shape.XMLNamespace == nil) {
		w.Open(name)
		return
	}
	w.Start(name)
	if ref.XMLNamespace != nil {
		e.namespace(w, ref.XMLNamespace, "")
	} else {
		e.namespace(w, ref.Shape.XMLNamespace, "")
	}
	w.EndStart()
}

// namespace declares ns on the element being started, unless it is the
// default namespace already declared there (skip).
func (e *Encoder) namespace(w *Writer, ns *model.XMLNamespace, skip string) {
	if ns == nil || ns.URI == "" {
		return
	}
	if ns.Prefix != "" {
		w.Attr("xmlns:"+ns.Prefix, ns.URI)
		return
	}
	if ns.URI != skip {
		w.Attr("xmlns", ns.URI)
	}
}

func (e *Encoder) attributes(w *Writer, s *model.Shape, doc map[string]any) {
	for _, m := range s.Members {
		if !m.XMLAttribute || m.Shape == nil {
			continue
		}
		v, ok := doc[m.Name]
		if !ok || v == nil {
			continue
		}
		if text, ok := scalar.Format(m.Shape, scalar.TimestampFormat(m.ShapeRef, scalar.ISO8601), v); ok {
			w.Attr(e.Names.MemberName(s, m), text)
		}
	}
}

// eachItem calls fn for every item of a list value.
func eachItem(v any, fn func(any)) {
	switch l := v.(type) {
	case []any:
		for _, x := range l {
			if x != nil {
				fn(x)
			}
		}
	case []string:
		for _, x := range l {
			fn(x)
		}
	case []map[string]any:
		for _, x := range l {
			fn(x)
		}
	}
}

// eachEntry calls fn for every entry of a map value, in key order so that
// responses are stable.
func eachEntry(v any, fn func(string, any)) {
	switch m := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(m))
		for k, x := range m {
			if x != nil {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			fn(k, m[k])
		}
	case map[string]string:
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fn(k, m[k])
		}
	}
}

var anyString = &model.Shape{Type: "string"}

// ErrorFields writes the extra members of an error (fields) after its
// code and message: those the error shape models, in model order and
// named as the model names them, then the others by name, as text. Fields
// named in skip (the elements the caller writes itself) and names that
// are not valid element names are left out.
func (e *Encoder) ErrorFields(w *Writer, shape *model.Shape, fields map[string]any, skip ...string) {
	if len(fields) == 0 {
		return
	}
	done := make(map[string]bool, len(skip)+len(fields))
	for _, k := range skip {
		done[k] = true
	}
	if shape != nil {
		for _, m := range shape.Members {
			if v, ok := fields[m.Name]; ok && v != nil && !done[m.Name] {
				e.Element(w, e.Names.MemberName(shape, m), m.ShapeRef, v)
				done[m.Name] = true
			}
		}
	}
	rest := make([]string, 0, len(fields))
	for k := range fields {
		if !done[k] && ValidName(k) {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	for _, k := range rest {
		if text, ok := scalar.Format(anyString, scalar.ISO8601, fields[k]); ok {
			w.Element(k, text)
		}
	}
}
