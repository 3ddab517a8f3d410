// Package restbind implements the HTTP bindings that AWS's two REST
// protocols, rest-json (restjson) and rest-xml (restxml), share: where a
// member of an operation's input or output travels when it is not in the
// body, as its location trait says.
//
//	uri          a label of the path ({Id}, {Key+}), already unescaped
//	             (model.API.MatchREST puts them in Call.Labels)
//	querystring  a query parameter: a list takes every value; a map takes
//	             every parameter no other member binds
//	header       a header: scalars typed (timestamps HTTP dates unless the
//	             model says otherwise), lists comma-separated, jsonvalue
//	             members base64-encoded JSON
//	headers      every header with the member's prefix (x-amz-meta-),
//	             keyed by the rest of the name in lower case
//	statusCode   the status of a response
//
// Beside them come the payload rules (a blob or string payload is the raw
// body, a streaming one the request's io.ReadCloser, unread) and the HTTP
// rules of a response: the operation's responseCode unless a statusCode
// member says otherwise, 206 for a ranged read, no body for HEAD, 204 and
// 304, Content-Length from the body or from a stream's Len() or Size().
//
// What a codec keeps is its body format and its errors. It hands both
// halves of this package a Binding: how its scalars read and write as
// text (Text, with its error for a value that does not read) and the few
// conventions where rest-json and rest-xml part ways.
package restbind

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"sync"

	"hako/internal/protocol/model"
	"hako/internal/protocol/scalar"
)

// Text is a codec's text form of scalars in labels, query parameters and
// headers, and its error for text that does not read.
type Text interface {
	// Parse reads text as a value of ref's scalar shape; def is the
	// location's default timestamp format (scalar.ISO8601 in URIs and
	// query strings, scalar.RFC822 in headers).
	Parse(ref *model.ShapeRef, def, text string) (any, error)
	// Format writes v, a value of ref's scalar shape, as header text; ok
	// is false when v cannot be written as that type (the header is then
	// left out).
	Format(ref *model.ShapeRef, def string, v any) (text string, ok bool)
	// Invalid is the codec's error for a value that does not read.
	Invalid(e *TextError) error
}

// Binding is what a codec brings to the shared bindings: its Text and the
// conventions where rest-json and rest-xml differ. Each is pinned by the
// codec's tests and clients; a zero flag is rest-xml's way.
type Binding struct {
	Text
	// QuotedLists: header lists follow RFC 9110, items may be double-quoted
	// (and are written quoted when they hold a comma or a quote), and the
	// comma inside an HTTP date does not split (rest-json). Otherwise every
	// comma splits and empty items are dropped (rest-xml).
	QuotedLists bool
	// JoinRepeated: a string header sent more than once reads as its
	// values joined by commas (rest-xml); otherwise the first one counts
	// (rest-json).
	JoinRepeated bool
	// CanonicalPrefixHeaders: the headers of a headers member are written
	// under canonical names (X-Meta-Color; rest-json). Otherwise they are
	// written as prefix+key (x-amz-meta-color): botocore hands users the
	// suffix with the case it has on the wire (rest-xml).
	CanonicalPrefixHeaders bool
}

// Kind says what was wrong with a value (TextError.Kind).
type Kind int

const (
	// BadValue: the text is not a value of the shape's type.
	BadValue Kind = iota
	// BadList: a header list's quoting is broken.
	BadList
	// BadJSONValue: a jsonvalue header is not base64-encoded JSON.
	BadJSONValue
)

// TextError is a label, query parameter or header that does not read as
// its member's type.
type TextError struct {
	Kind Kind
	// Location is "uri", "querystring" or "header"; Name the label,
	// parameter or header name.
	Location, Name string
	// Member is the member's name, Shape the shape the text was read as
	// (a list's item shape for its items).
	Member string
	Shape  *model.Shape
	// Text is the text that did not read.
	Text string
	// Err says why: Parse's error, or the list or jsonvalue problem.
	Err error
}

func (e *TextError) Error() string {
	return fmt.Sprintf("%s %s: %q: %v", e.Location, e.Name, e.Text, e.Err)
}

func (e *TextError) Unwrap() error { return e.Err }

var (
	errUnclosedQuote = errors.New("missing closing double quote")
	errAfterQuote    = errors.New("characters after a quoted value")
	errNotBase64     = errors.New("not base64")
	errNotJSON       = errors.New("not JSON")
)

// wireName is the name a located member travels under.
func wireName(m *model.Member) string {
	if m.LocationName != "" {
		return m.LocationName
	}
	return m.Name
}

var canonicalNames sync.Map // header name -> canonical form

// canonical is textproto.CanonicalMIMEHeaderKey, remembered: the model's
// header names are few and fixed, and canonicalising allocates.
func canonical(name string) string {
	if c, ok := canonicalNames.Load(name); ok {
		return c.(string)
	}
	c := textproto.CanonicalMIMEHeaderKey(name)
	canonicalNames.Store(name, c)
	return c
}

// HasBody reports whether structure s has members that travel in the
// body (no location).
func HasBody(s *model.Shape) bool {
	for i := range s.Members {
		if m := &s.Members[i]; m.Location == "" && !m.HostLabel {
			return true
		}
	}
	return false
}

// IsRaw reports whether a payload member is the raw body: a blob or a
// string.
func IsRaw(m *model.Member) bool {
	return m.Shape.Type == "blob" || m.Shape.Type == "string"
}

// streaming reports whether a blob or string is streamed (trait on the
// member or its shape).
func streaming(ref *model.ShapeRef) bool {
	return ref.Streaming || (ref.Shape != nil && ref.Shape.Streaming)
}

// ---------------------------------------------------------------- requests

// Decode reads the members of in bound to the URI (labels), the query
// string and the headers of r into doc. A value that does not read as its
// member's type is the codec's error (Text.Invalid).
//
// fixedQuery are the query keys the operation's URI itself carries (S3's
// "?uploads", API Gateway's "?mode=import"): they never land in a
// querystring map member.
func (b *Binding) Decode(in *model.Shape, fixedQuery []string, labels map[string]string, r *http.Request, doc map[string]any) error {
	var query url.Values
	var queryMap *model.Member
	for i := range in.Members {
		m := &in.Members[i]
		var v any
		var err error
		switch m.Location {
		case "uri":
			name := wireName(m)
			text, ok := labels[name]
			if !ok {
				continue
			}
			if v, err = b.Parse(m.ShapeRef, scalar.ISO8601, text); err != nil {
				return b.invalid(BadValue, "uri", name, m, m.Shape, text, err)
			}
		case "querystring":
			if query == nil {
				query = r.URL.Query()
			}
			if m.Shape.Type == "map" {
				queryMap = m
				continue
			}
			name := wireName(m)
			values := query[name]
			if len(values) == 0 {
				continue
			}
			if m.Shape.Type == "list" && m.Shape.Member != nil {
				v, err = b.list(m, "querystring", name, values, scalar.ISO8601)
			} else if v, err = b.Parse(m.ShapeRef, scalar.ISO8601, values[0]); err != nil {
				err = b.invalid(BadValue, "querystring", name, m, m.Shape, values[0], err)
			}
		case "header":
			name := wireName(m)
			values := r.Header[canonical(name)]
			if len(values) == 0 {
				continue
			}
			v, err = b.header(m, name, values)
		case "headers":
			hm := prefixed(r.Header, wireName(m))
			if hm == nil {
				continue
			}
			v = hm
		default:
			continue
		}
		if err != nil {
			return err
		}
		doc[m.Name] = v
	}
	if queryMap != nil {
		if v := remainingQuery(in, queryMap, fixedQuery, query); v != nil {
			doc[queryMap.Name] = v
		}
	}
	return nil
}

func (b *Binding) invalid(kind Kind, location, name string, m *model.Member, s *model.Shape, text string, err error) error {
	return b.Invalid(&TextError{Kind: kind, Location: location, Name: name, Member: m.Name, Shape: s, Text: text, Err: err})
}

// list reads the items of list member m.
func (b *Binding) list(m *model.Member, location, name string, items []string, def string) (any, error) {
	item := m.Shape.Member
	list := make([]any, 0, len(items))
	for _, text := range items {
		v, err := b.Parse(item, def, text)
		if err != nil {
			return nil, b.invalid(BadValue, location, name, m, item.Shape, text, err)
		}
		list = append(list, v)
	}
	return list, nil
}

// header reads a header-bound member from the header's values.
func (b *Binding) header(m *model.Member, name string, values []string) (any, error) {
	s := m.Shape
	if m.JSONValue {
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(values[0]))
		if err != nil {
			return nil, b.invalid(BadJSONValue, "header", name, m, s, values[0], errNotBase64)
		}
		if s.Type == "string" {
			return string(raw), nil // the JSON text, as the member's type says
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, b.invalid(BadJSONValue, "header", name, m, s, values[0], errNotJSON)
		}
		return v, nil
	}
	if s.Type == "list" && s.Member != nil {
		if !b.QuotedLists {
			return b.list(m, "header", name, splitCommas(values), scalar.RFC822)
		}
		httpDates := s.Member.Shape.Type == "timestamp" && scalar.TimestampFormat(s.Member, scalar.RFC822) == scalar.RFC822
		items, err := splitHeader(values, httpDates)
		if err != nil {
			return nil, b.invalid(BadList, "header", name, m, s, strings.Join(values, ","), err)
		}
		return b.list(m, "header", name, items, scalar.RFC822)
	}
	text := values[0]
	if s.Type != "string" {
		text = strings.TrimSpace(text)
	} else if b.JoinRepeated && len(values) > 1 {
		text = strings.Join(values, ",")
	}
	v, err := b.Parse(m.ShapeRef, scalar.RFC822, text)
	if err != nil {
		return nil, b.invalid(BadValue, "header", name, m, s, text, err)
	}
	return v, nil
}

// splitCommas splits header values at every comma, dropping empty items.
func splitCommas(values []string) []string {
	var items []string
	for _, v := range values {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				items = append(items, p)
			}
		}
	}
	return items
}

// splitHeader splits the values of a list header into its items (RFC
// 9110): items are separated by commas, and a double-quoted item may hold
// commas and backslash-escaped quotes. HTTP dates hold a comma each, so
// with httpDates every second comma separates.
func splitHeader(values []string, httpDates bool) ([]string, error) {
	var out []string
	for _, v := range values {
		if httpDates {
			parts := strings.Split(v, ",")
			for i := 0; i < len(parts); i += 2 {
				item := parts[i]
				if i+1 < len(parts) {
					item += "," + parts[i+1]
				}
				out = append(out, strings.TrimSpace(item))
			}
			continue
		}
		for i := 0; i < len(v); {
			for i < len(v) && (v[i] == ' ' || v[i] == '\t') {
				i++
			}
			if i >= len(v) {
				break
			}
			if v[i] == '"' {
				var b strings.Builder
				j := i + 1
				for ; j < len(v) && v[j] != '"'; j++ {
					if v[j] == '\\' && j+1 < len(v) {
						j++
					}
					b.WriteByte(v[j])
				}
				if j >= len(v) {
					return nil, errUnclosedQuote
				}
				out = append(out, b.String())
				i = j + 1
				for i < len(v) && v[i] != ',' {
					if v[i] != ' ' && v[i] != '\t' {
						return nil, errAfterQuote
					}
					i++
				}
				i++
				continue
			}
			j := strings.IndexByte(v[i:], ',')
			if j < 0 {
				out = append(out, strings.TrimSpace(v[i:]))
				break
			}
			out = append(out, strings.TrimSpace(v[i:i+j]))
			i += j + 1
		}
	}
	return out, nil
}

// prefixed collects the headers starting with prefix (case-insensitively),
// keyed by the rest of the name in lower case; nil when there are none.
func prefixed(h http.Header, prefix string) map[string]any {
	var out map[string]any
	for k, v := range h {
		if len(k) <= len(prefix) || !strings.EqualFold(k[:len(prefix)], prefix) || len(v) == 0 {
			continue
		}
		if out == nil {
			out = map[string]any{}
		}
		out[strings.ToLower(k[len(prefix):])] = strings.Join(v, ",")
	}
	return out
}

// remainingQuery is the value of querystring map member qm: the
// parameters no other querystring member binds (a list of values each
// when the map's values are lists); nil when there are none.
func remainingQuery(in *model.Shape, qm *model.Member, fixedQuery []string, query url.Values) map[string]any {
	bound := map[string]bool{}
	for _, k := range fixedQuery {
		bound[k] = true
	}
	for i := range in.Members {
		if m := &in.Members[i]; m.Location == "querystring" && m.Shape.Type != "map" {
			bound[wireName(m)] = true
		}
	}
	multi := qm.Shape.Value != nil && qm.Shape.Value.Shape.Type == "list"
	var out map[string]any
	for k, values := range query {
		if bound[k] || len(values) == 0 {
			continue
		}
		if out == nil {
			out = map[string]any{}
		}
		if multi {
			list := make([]any, len(values))
			for i, v := range values {
				list[i] = v
			}
			out[k] = list
		} else {
			out[k] = values[0]
		}
	}
	return out
}

// Stream puts a streaming payload member pm into doc as the request's body,
// unread, and reports whether pm streams. A payload that does not stream is
// read by the codec and handed to SetRaw (raw payloads) or its body
// format.
func Stream(doc map[string]any, pm *model.Member, r *http.Request) bool {
	if !streaming(pm.ShapeRef) {
		return false
	}
	if r.Body == nil {
		doc[pm.Name] = http.NoBody
	} else {
		doc[pm.Name] = r.Body
	}
	return true
}

// SetRaw puts the body of a blob or string payload member pm into doc, as
// a copy ([]byte or string); an empty body leaves the member out.
func SetRaw(doc map[string]any, pm *model.Member, body []byte) {
	if len(body) == 0 {
		return
	}
	if pm.Shape.Type == "blob" {
		doc[pm.Name] = bytes.Clone(body)
	} else {
		doc[pm.Name] = string(body)
	}
}
