// Package restjson is the codec of AWS's REST-JSON protocol (Lambda, API
// Gateway v1 and v2, EventBridge Scheduler, SES v2). It is driven by the
// model alone: the HTTP binding traits of each member (location,
// locationName, payload, streaming, timestampFormat, jsonvalue) say where a
// value travels, and package jsonshape reads and writes the JSON parts.
//
// What it reads:
//
//   - the operation from method + path + query (model.API.MatchREST); no
//     matching URI is UnknownOperationException 404, a URI that exists for
//     other methods 405. URI label values go to Call.Labels;
//   - input members by location: "uri" from the labels, "querystring" from
//     the query (lists take every value; a map takes every parameter no
//     other member binds), "header" (lists split at commas, quoted strings
//     honoured; jsonvalue headers are base64 JSON and read as the JSON text),
//     "headers" (a prefix map such as x-amz-meta-, keys lower-cased).
//     Scalars are typed: integers and longs as int64, floats as float64,
//     booleans, timestamps (ISO 8601 by default in URIs and queries, HTTP
//     dates in headers; any of the forms is accepted);
//   - the body: the payload member when the input has one (a blob or string
//     payload is the raw body — an io.ReadCloser when streaming, else
//     []byte / string; a structure payload is JSON), otherwise the members
//     without a location as one JSON object. A body that is not JSON, or
//     JSON of the wrong type, is SerializationException (Lambda:
//     InvalidRequestContentException, see bodyErrors).
//
// What it writes:
//
//   - outputs: the operation's responseCode (default 200), or the value of
//     the statusCode member; header and headers members as headers; the
//     payload member as the body (an io.Reader is streamed and closed if it
//     is an io.Closer, []byte and string written as they are, with
//     Content-Type application/octet-stream unless a header member or
//     Call.ResponseHeader says otherwise; a structure payload as JSON), or
//     else the members without a location as a JSON object with
//     Content-Type application/json. 204 and 304 carry no body;
//   - errors: the status from protocol.Error.Resolve, header
//     x-amzn-ErrorType: <Code>, and a JSON body with the message under the
//     key the error shape spells ("message", "Message" or its locationName;
//     "message" when the model has no shape), the error's Fields (header
//     members of the shape as headers) and, for error shapes with a Type
//     member (Lambda's), Type "User" for client faults and "Service" for
//     server faults.
//
// Headers the handler put in Call.ResponseHeader and Error.Header are
// copied to the response; request ids are the edge's business.
package restjson

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"hako/internal/protocol"
	"hako/internal/protocol/awsjson"
	"hako/internal/protocol/awsjson/jsonshape"
	"hako/internal/protocol/model"
)

// Codec is the rest-json codec. The zero value is ready to use; it is safe
// for concurrent use and takes everything it needs from the Call.
type Codec struct{}

// Interface guard.
var _ protocol.Codec = Codec{}

// bodyError is how a service names a request body it cannot read.
type bodyError struct {
	code   string
	prefix string // put before the parser's explanation
}

// bodyErrors lists the services whose answer to an unreadable body is not
// SerializationException, keyed by model name.
var bodyErrors = map[string]bodyError{
	"lambda": {code: "InvalidRequestContentException", prefix: "Could not parse request body into json: "},
}

// Operation matches the request's method and path against the model's URIs
// and records the URI labels in c.Labels.
func (Codec) Operation(c *protocol.Call, r *http.Request) (*model.Operation, error) {
	if c.API == nil {
		return nil, protocol.Errorf("UnknownOperationException", "Unknown operation.").WithStatus(http.StatusNotFound)
	}
	path := r.URL.EscapedPath()
	op, labels, mismatch := c.API.MatchREST(r.Method, path, r.URL.Query(), r.Header)
	if op == nil {
		if mismatch {
			return nil, protocol.Errorf("UnknownOperationException", "The method %s is not allowed for the resource %s.", r.Method, path).WithStatus(http.StatusMethodNotAllowed)
		}
		return nil, protocol.Errorf("UnknownOperationException", "No operation matches %s %s.", r.Method, path).WithStatus(http.StatusNotFound)
	}
	c.Labels = labels
	return op, nil
}

// locationName is the name a located member travels under.
func locationName(m model.Member) string {
	if m.LocationName != "" {
		return m.LocationName
	}
	return m.Name
}

// Decode reads the input document of c.Op from the URI, query, headers and
// body.
func (Codec) Decode(c *protocol.Call, r *http.Request) (map[string]any, error) {
	doc := map[string]any{}
	if c.Op == nil || c.Op.InputShape == nil {
		return doc, nil
	}
	in := c.Op.InputShape
	var query url.Values
	hasBody := false
	var queryMap *model.Member
	for i := range in.Members {
		m := in.Members[i]
		switch m.Location {
		case "":
			hasBody = true
		case "uri":
			raw, ok := c.Labels[locationName(m)]
			if !ok {
				continue
			}
			v, err := parseText(m.ShapeRef, raw, m.Name)
			if err != nil {
				return nil, err
			}
			doc[m.Name] = v
		case "querystring":
			if query == nil {
				query = r.URL.Query()
			}
			if m.Shape.Type == "map" {
				queryMap = &in.Members[i]
				continue
			}
			vals := query[locationName(m)]
			if len(vals) == 0 {
				continue
			}
			if m.Shape.Type == "list" && m.Shape.Member != nil {
				list := make([]any, 0, len(vals))
				for _, raw := range vals {
					v, err := parseText(m.Shape.Member, raw, m.Name)
					if err != nil {
						return nil, err
					}
					list = append(list, v)
				}
				doc[m.Name] = list
				continue
			}
			v, err := parseText(m.ShapeRef, vals[0], m.Name)
			if err != nil {
				return nil, err
			}
			doc[m.Name] = v
		case "header":
			vals := r.Header.Values(locationName(m))
			if len(vals) == 0 {
				continue
			}
			v, err := parseHeader(m, vals)
			if err != nil {
				return nil, err
			}
			doc[m.Name] = v
		case "headers":
			prefix := strings.ToLower(locationName(m))
			var hm map[string]any
			for name, vals := range r.Header {
				if len(name) <= len(prefix) || !strings.EqualFold(name[:len(prefix)], prefix) {
					continue
				}
				if hm == nil {
					hm = map[string]any{}
				}
				hm[strings.ToLower(name[len(prefix):])] = strings.Join(vals, ",")
			}
			if hm != nil {
				doc[m.Name] = hm
			}
		}
	}
	if queryMap != nil {
		if v := queryParams(in, queryMap, query); v != nil {
			doc[queryMap.Name] = v
		}
	}

	if in.Payload != "" {
		pm := in.MemberByName(in.Payload)
		if pm == nil {
			return doc, nil
		}
		if err := decodePayload(c, r, *pm, doc); err != nil {
			return nil, err
		}
		return doc, nil
	}
	if !hasBody {
		return doc, nil
	}
	p := getBuf()
	body, err := awsjson.ReadBody((*p)[:0], r)
	defer putBuf(p, body)
	if err != nil {
		return nil, err
	}
	fields, derr := jsonshape.Decode(body, in, true)
	if derr != nil {
		return nil, bodyErr(c, derr)
	}
	for k, v := range fields {
		doc[k] = v
	}
	return doc, nil
}

func decodePayload(c *protocol.Call, r *http.Request, pm model.Member, doc map[string]any) error {
	t := pm.Shape.Type
	if (t == "blob" || t == "string") && jsonshape.IsStreaming(pm.ShapeRef) {
		if r.Body == nil {
			doc[pm.Name] = http.NoBody
		} else {
			doc[pm.Name] = r.Body
		}
		return nil
	}
	p := getBuf()
	body, err := awsjson.ReadBody((*p)[:0], r)
	defer putBuf(p, body)
	if err != nil {
		return err
	}
	if len(body) == 0 {
		return nil
	}
	switch t {
	case "blob":
		doc[pm.Name] = append([]byte(nil), body...)
	case "string":
		doc[pm.Name] = string(body)
	default:
		v, derr := jsonshape.DecodeValue(body, pm.ShapeRef)
		if derr != nil {
			return bodyErr(c, derr)
		}
		if v != nil {
			doc[pm.Name] = v
		}
	}
	return nil
}

// bodyErr turns a JSON reading error into the service's error.
func bodyErr(c *protocol.Call, err error) *protocol.Error {
	var msg string
	var te *jsonshape.TypeError
	var se *jsonshape.SyntaxError
	switch {
	case errors.As(err, &te):
		msg = te.Msg
	case errors.As(err, &se):
		msg = "Malformed JSON: " + se.Error()
	default:
		msg = err.Error()
	}
	if be, ok := bodyErrors[apiName(c)]; ok {
		return protocol.Errorf(be.code, "%s%s", be.prefix, msg)
	}
	return protocol.Errorf("SerializationException", "%s", msg)
}

func apiName(c *protocol.Call) string {
	if c == nil || c.API == nil {
		return ""
	}
	return c.API.Name
}

// queryParams collects the query parameters no other member binds into the
// value of a querystring map member.
func queryParams(in *model.Shape, qm *model.Member, query url.Values) map[string]any {
	bound := map[string]bool{}
	for _, m := range in.Members {
		if m.Location == "querystring" && m.Shape.Type != "map" {
			bound[locationName(m)] = true
		}
	}
	var out map[string]any
	multi := qm.Shape.Value != nil && qm.Shape.Value.Shape.Type == "list"
	for k, vals := range query {
		if bound[k] || len(vals) == 0 {
			continue
		}
		if out == nil {
			out = map[string]any{}
		}
		if multi {
			list := make([]any, len(vals))
			for i, v := range vals {
				list[i] = v
			}
			out[k] = list
		} else {
			out[k] = vals[0]
		}
	}
	return out
}

// serialization is the error for a URI, query or header value that does
// not parse as its shape's type.
func serialization(raw, name string, s *model.Shape) *protocol.Error {
	return protocol.Errorf("SerializationException", "Value '%s' at '%s' cannot be converted to %s", raw, name, typeName(s))
}

func typeName(s *model.Shape) string {
	switch s.Type {
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
	return "String"
}

// parseText reads a scalar from its text form in a URI, query or header.
// Timestamps are accepted in any of the forms (ISO 8601, HTTP date, epoch
// seconds) whatever the member's timestampFormat says.
func parseText(ref *model.ShapeRef, raw, name string) (any, error) {
	s := ref.Shape
	switch s.Type {
	case "integer", "long":
		n, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
		if err != nil {
			return nil, serialization(raw, name, s)
		}
		return n, nil
	case "float", "double":
		switch raw {
		case "NaN":
			return math.NaN(), nil
		case "Infinity":
			return math.Inf(1), nil
		case "-Infinity":
			return math.Inf(-1), nil
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(raw), 64)
		if err != nil {
			return nil, serialization(raw, name, s)
		}
		return f, nil
	case "boolean":
		switch strings.ToLower(strings.TrimSpace(raw)) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, serialization(raw, name, s)
	case "timestamp":
		t, ok := jsonshape.ParseTime(strings.TrimSpace(raw))
		if !ok {
			return nil, serialization(raw, name, s)
		}
		return t, nil
	case "blob":
		b, err := base64.StdEncoding.DecodeString(raw)
		if err != nil {
			return nil, serialization(raw, name, s)
		}
		return b, nil
	}
	return raw, nil
}

// parseHeader reads a header-bound member.
func parseHeader(m model.Member, vals []string) (any, error) {
	s := m.Shape
	if s.Type == "list" && s.Member != nil {
		parts, err := splitHeaderList(vals, s.Member.Shape.Type == "timestamp" && jsonshape.TimestampFormat(s.Member, "rfc822") == "rfc822")
		if err != nil {
			return nil, protocol.Errorf("SerializationException", "Header '%s': %v", locationName(m), err)
		}
		list := make([]any, 0, len(parts))
		for _, part := range parts {
			v, err := parseText(s.Member, part, m.Name)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		return list, nil
	}
	raw := vals[0]
	if s.Type == "string" && m.JSONValue {
		b, err := base64.StdEncoding.DecodeString(raw)
		if err != nil {
			return nil, protocol.Errorf("SerializationException", "Header '%s' is not base64-encoded JSON", locationName(m))
		}
		return string(b), nil
	}
	return parseText(m.ShapeRef, raw, m.Name)
}

// splitHeaderList splits comma-separated header values; double-quoted
// items may hold commas and escaped quotes. HTTP dates hold a comma each, so
// for them every second comma separates.
func splitHeaderList(vals []string, httpDates bool) ([]string, error) {
	var out []string
	for _, v := range vals {
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
					return nil, errors.New("missing closing double quote")
				}
				out = append(out, b.String())
				i = j + 1
				for i < len(v) && v[i] != ',' {
					if v[i] != ' ' && v[i] != '\t' {
						return nil, errors.New("characters after a quoted value")
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

// Encode writes the output document: status, headers and body as the output
// shape binds them.
func (Codec) Encode(c *protocol.Call, w http.ResponseWriter, out map[string]any) {
	status := http.StatusOK
	if c.Op != nil && c.Op.HTTP.ResponseCode != 0 {
		status = c.Op.HTTP.ResponseCode
	}
	h := w.Header()
	copyHeader(h, c.ResponseHeader)
	var shape *model.Shape
	if c.Op != nil {
		shape = c.Op.OutputShape
	}
	if shape == nil {
		h.Set("Content-Length", "0")
		w.WriteHeader(status)
		return
	}
	if out == nil {
		out = map[string]any{}
	}
	if code, ok := setHeaders(h, shape, out); ok {
		status = code
	}
	noBody := status == http.StatusNoContent || status == http.StatusNotModified

	p := getBuf()
	b := (*p)[:0]
	defer func() { putBuf(p, b) }()
	if shape.Payload != "" {
		pm := shape.MemberByName(shape.Payload)
		var v any
		if pm != nil {
			v = out[pm.Name]
		}
		if pm != nil && (pm.Shape.Type == "blob" || pm.Shape.Type == "string") {
			writeRaw(c, w, status, v, noBody)
			return
		}
		if pm != nil && v != nil && !noBody {
			var err error
			if b, err = jsonshape.AppendValue(b, pm.ShapeRef, v); err != nil {
				internalFailure(c, w, err)
				return
			}
		}
	} else if !noBody {
		var err error
		if b, err = jsonshape.AppendStruct(b, shape, out, true); err != nil {
			internalFailure(c, w, err)
			return
		}
	}
	if len(b) > 0 && h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	if !noBody {
		h.Set("Content-Length", strconv.Itoa(len(b)))
	}
	w.WriteHeader(status)
	if len(b) > 0 {
		w.Write(b)
	}
}

// writeRaw writes a blob or string payload as the body.
func writeRaw(c *protocol.Call, w http.ResponseWriter, status int, v any, noBody bool) {
	h := w.Header()
	if closer, ok := v.(io.Closer); ok {
		defer closer.Close()
	}
	if noBody || v == nil {
		if !noBody {
			h.Set("Content-Length", "0")
		}
		w.WriteHeader(status)
		return
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/octet-stream")
	}
	switch body := v.(type) {
	case []byte:
		h.Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		w.Write(body)
	case string:
		h.Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		io.WriteString(w, body)
	case io.Reader:
		if l, ok := body.(interface{ Len() int }); ok && h.Get("Content-Length") == "" {
			h.Set("Content-Length", strconv.Itoa(l.Len()))
		}
		w.WriteHeader(status)
		if _, err := io.Copy(w, body); err != nil {
			// The status is on the wire: all that is left is to say so.
			slog.Warn("restjson: streaming the payload failed", "request_id", c.RequestID, "err", err)
		}
	default:
		internalFailure(c, w, fmt.Errorf("restjson: cannot write a payload of type %T", v))
	}
}

func internalFailure(c *protocol.Call, w http.ResponseWriter, err error) {
	op := ""
	if c.Op != nil {
		op = c.Op.Name
	}
	slog.Error("restjson: cannot encode output", "operation", op, "request_id", c.RequestID, "err", err)
	for k := range w.Header() {
		delete(w.Header(), k)
	}
	Codec{}.EncodeError(c, w, protocol.InternalFailure())
}

// setHeaders writes the header and headers members of doc and returns the
// statusCode member's value, if any.
func setHeaders(h http.Header, shape *model.Shape, doc map[string]any) (status int, ok bool) {
	for _, m := range shape.Members {
		if m.Location == "" {
			continue
		}
		v, present := doc[m.Name]
		if !present || v == nil {
			continue
		}
		switch m.Location {
		case "statusCode":
			if n, isInt := jsonshape.AsInt(v); isInt && n >= 100 && n <= 999 {
				status, ok = int(n), true
			}
		case "header":
			if text, has := headerText(m, v); has {
				h.Set(locationName(m), text)
			}
		case "headers":
			prefix := locationName(m)
			switch hm := v.(type) {
			case map[string]any:
				for k, item := range hm {
					if s, isStr := item.(string); isStr {
						h.Set(prefix+k, s)
					}
				}
			case map[string]string:
				for k, item := range hm {
					h.Set(prefix+k, item)
				}
			}
		}
	}
	return status, ok
}

// headerText formats a header member's value.
func headerText(m model.Member, v any) (string, bool) {
	s := m.Shape
	if s.Type == "list" && s.Member != nil {
		var items []any
		switch l := v.(type) {
		case []any:
			items = l
		case []string:
			for _, x := range l {
				items = append(items, x)
			}
		default:
			return "", false
		}
		parts := make([]string, 0, len(items))
		for _, item := range items {
			text, ok := scalarText(s.Member, item, "rfc822")
			if !ok {
				continue
			}
			if s.Member.Shape.Type == "string" && strings.ContainsAny(text, ",\"") {
				text = strconv.Quote(text)
			}
			parts = append(parts, text)
		}
		if len(parts) == 0 {
			return "", false
		}
		return strings.Join(parts, ","), true
	}
	if s.Type == "string" && m.JSONValue {
		switch x := v.(type) {
		case string:
			return base64.StdEncoding.EncodeToString([]byte(x)), true
		default:
			b, err := jsonshape.AppendAny(nil, x)
			if err != nil {
				return "", false
			}
			return base64.StdEncoding.EncodeToString(b), true
		}
	}
	return scalarText(m.ShapeRef, v, "rfc822")
}

// scalarText formats a scalar for a header, URI or query.
func scalarText(ref *model.ShapeRef, v any, defaultTime string) (string, bool) {
	switch ref.Shape.Type {
	case "integer", "long":
		n, ok := jsonshape.AsInt(v)
		return strconv.FormatInt(n, 10), ok
	case "float", "double":
		f, bits, ok := jsonshape.AsFloat(v)
		switch {
		case !ok:
			return "", false
		case math.IsNaN(f):
			return "NaN", true
		case math.IsInf(f, 1):
			return "Infinity", true
		case math.IsInf(f, -1):
			return "-Infinity", true
		}
		return jsonshape.FormatFloat(f, bits), true
	case "boolean":
		b, ok := v.(bool)
		return strconv.FormatBool(b), ok
	case "timestamp":
		t, ok := jsonshape.AsTime(v)
		if !ok {
			return "", false
		}
		return string(jsonshape.AppendTime(nil, t, jsonshape.TimestampFormat(ref, defaultTime))), true
	case "blob":
		switch b := v.(type) {
		case []byte:
			return base64.StdEncoding.EncodeToString(b), true
		case string:
			return base64.StdEncoding.EncodeToString([]byte(b)), true
		}
		return "", false
	}
	switch x := v.(type) {
	case string:
		return x, true
	case []byte:
		return string(x), true
	}
	return "", false
}

// EncodeError writes a REST-JSON error response.
func (Codec) EncodeError(c *protocol.Call, w http.ResponseWriter, e *protocol.Error) {
	var api *model.API
	if c != nil {
		api = c.API
	}
	shape := e.Resolve(api)
	typ := e.Code
	if shape != nil {
		typ = shape.Name
	}
	h := w.Header()
	if c != nil {
		copyHeader(h, c.ResponseHeader)
	}
	copyHeader(h, e.Header)

	p := getBuf()
	b := (*p)[:0]
	defer func() { putBuf(p, b) }()
	var err error
	b, err = appendError(b, h, shape, e)
	if err != nil {
		slog.Error("restjson: cannot encode error fields", "code", e.Code, "err", err)
		b = append(b[:0], '{')
		b = jsonshape.AppendString(b, jsonshape.MessageKey(shape, "message"))
		b = append(b, ':')
		b = jsonshape.AppendString(b, e.Message)
		b = append(b, '}')
	}
	h.Set("X-Amzn-Errortype", typ)
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(e.Status)
	w.Write(b)
}

// appendError writes the error body and sets the header members of the
// error shape.
func appendError(b []byte, h http.Header, shape *model.Shape, e *protocol.Error) ([]byte, error) {
	b = append(b, '{')
	first := true
	sep := func() {
		if !first {
			b = append(b, ',')
		}
		first = false
	}
	msgMember := jsonshape.MessageMember(shape)
	done := map[string]bool{}
	var err error
	if shape != nil {
		for _, m := range shape.Members {
			done[m.Name] = true
			var v any
			switch {
			case m.Name == msgMember:
				if e.Message == "" {
					continue
				}
				v = e.Message
			case m.Name == "Type" && e.Fields["Type"] == nil:
				v = "Service"
				if e.IsSender() {
					v = "User"
				}
			default:
				v = e.Fields[m.Name]
			}
			if v == nil {
				continue
			}
			if m.Location == "header" {
				if text, ok := headerText(m, v); ok {
					h.Set(locationName(m), text)
				}
				continue
			}
			if m.Location != "" {
				continue
			}
			sep()
			wire := m.Name
			if m.LocationName != "" {
				wire = m.LocationName
			}
			b = jsonshape.AppendString(b, wire)
			b = append(b, ':')
			if b, err = jsonshape.AppendValue(b, m.ShapeRef, v); err != nil {
				return b, err
			}
		}
	}
	if msgMember == "" && e.Message != "" {
		sep()
		b = jsonshape.AppendString(b, "message")
		b = append(b, ':')
		b = jsonshape.AppendString(b, e.Message)
	}
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		if !done[k] && !strings.EqualFold(k, "message") {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		sep()
		b = jsonshape.AppendString(b, k)
		b = append(b, ':')
		if b, err = jsonshape.AppendAny(b, e.Fields[k]); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

func copyHeader(dst, src http.Header) {
	for k, vs := range src {
		dst[k] = append([]string(nil), vs...)
	}
}

// buffers recycles request and response byte slices: decoded documents
// never alias the body (strings and blobs are copied).
var buffers = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

func getBuf() *[]byte { return buffers.Get().(*[]byte) }

func putBuf(p *[]byte, b []byte) {
	if cap(b) > 1<<20 {
		return
	}
	*p = b[:0]
	buffers.Put(p)
}
