// Package restjson is the codec of AWS's REST-JSON protocol (Lambda, API
// Gateway v1 and v2, EventBridge Scheduler, SES v2). It is driven by the
// model alone: the HTTP binding traits of each member (location,
// locationName, payload, streaming, timestampFormat, jsonvalue) say where a
// value travels. Package restbind implements those bindings, shared with
// rest-xml; this package brings rest-json's text forms and errors to them,
// and package jsonshape reads and writes the JSON parts.
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
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"hako/internal/protocol"
	"hako/internal/protocol/awsjson"
	"hako/internal/protocol/awsjson/jsonshape"
	"hako/internal/protocol/bufpool"
	"hako/internal/protocol/model"
	"hako/internal/protocol/restbind"
	"hako/internal/protocol/scalar"
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

// binding is rest-json's side of the shared HTTP bindings.
var binding = restbind.Binding{Text: text{}, QuotedLists: true, CanonicalPrefixHeaders: true}

// Decode reads the input document of c.Op from the URI, query, headers and
// body.
func (Codec) Decode(c *protocol.Call, r *http.Request) (map[string]any, error) {
	doc := map[string]any{}
	if c.Op == nil || c.Op.InputShape == nil {
		return doc, nil
	}
	in := c.Op.InputShape
	if err := binding.Decode(in, c.Op.FixedQueryKeys(), c.Labels, r, doc); err != nil {
		return nil, err
	}
	var pm *model.Member
	if in.Payload != "" {
		pm = in.MemberByName(in.Payload)
		if pm == nil || restbind.IsRaw(pm) && restbind.Stream(doc, pm, r) {
			return doc, nil
		}
	} else if !restbind.HasBody(in) {
		return doc, nil
	}
	if err := decodeBody(c, r, in, pm, doc); err != nil {
		return nil, err
	}
	return doc, nil
}

// decodeBody reads the body into doc: payload member pm (raw, or JSON),
// or without a payload member the body members of in.
func decodeBody(c *protocol.Call, r *http.Request, in *model.Shape, pm *model.Member, doc map[string]any) error {
	p := bufpool.Get()
	body, err := awsjson.ReadBody(*p, r)
	defer bufpool.Put(p, body)
	if err != nil {
		return err
	}
	switch {
	case pm == nil:
		fields, derr := jsonshape.Decode(body, in, true)
		if derr != nil {
			return bodyErr(c, derr)
		}
		for k, v := range fields {
			doc[k] = v
		}
	case restbind.IsRaw(pm):
		restbind.SetRaw(doc, pm, body)
	case len(body) > 0:
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

// text is rest-json's text form of scalars: JSON's, but for strings and
// HTTP dates.
type text struct{}

// Parse reads a scalar from a URI, query or header. Timestamps are
// accepted in any of the forms (ISO 8601, HTTP date, epoch seconds)
// whatever the member's timestampFormat says.
func (text) Parse(ref *model.ShapeRef, def, raw string) (any, error) {
	return scalar.ParseWith(ref.Shape, raw, parseTime)
}

var errNotTimestamp = errors.New("not a timestamp")

func parseTime(s string) (time.Time, error) {
	t, ok := jsonshape.ParseTime(strings.TrimSpace(s))
	if !ok {
		return t, errNotTimestamp
	}
	return t, nil
}

// Invalid is SerializationException, as AWS's rest-json frontends say it.
func (text) Invalid(e *restbind.TextError) error {
	switch e.Kind {
	case restbind.BadList:
		return protocol.Errorf("SerializationException", "Header '%s': %v", e.Name, e.Err)
	case restbind.BadJSONValue:
		return protocol.Errorf("SerializationException", "Header '%s' is not base64-encoded JSON", e.Name)
	}
	return protocol.Errorf("SerializationException", "Value '%s' at '%s' cannot be converted to %s", e.Text, e.Member, scalar.TypeName(e.Shape))
}

// Format writes a scalar for a header as JSON writes it (integers, floats
// as encoding/json does, timestamps in the member's format), strings as
// they are.
func (text) Format(ref *model.ShapeRef, def string, v any) (string, bool) {
	switch ref.Shape.Type {
	case "integer", "long":
		n, ok := scalar.AsInt(v)
		return strconv.FormatInt(n, 10), ok
	case "float", "double":
		f, bits, ok := scalar.AsFloat(v)
		if !ok {
			return "", false
		}
		if s, special := scalar.SpecialFloat(f); special {
			return s, true
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
		return string(jsonshape.AppendTime(nil, t, scalar.TimestampFormat(ref, def))), true
	case "blob":
		return scalar.FormatBlob(v)
	}
	switch x := v.(type) {
	case string:
		return x, true
	case []byte:
		return string(x), true
	}
	return "", false
}

// Encode writes the output document: status, headers and body as the output
// shape binds them.
func (Codec) Encode(c *protocol.Call, w http.ResponseWriter, out map[string]any) {
	res, ok := binding.Begin(c, w, out)
	if !ok {
		return
	}
	pm := res.Payload
	if pm != nil && restbind.IsRaw(pm) {
		if err := res.WriteRaw(out[pm.Name], "application/octet-stream"); err != nil {
			internalFailure(c, w, err)
		}
		return
	}
	p := bufpool.Get()
	b := *p
	defer func() { bufpool.Put(p, b) }()
	if !res.NoBody {
		var err error
		switch {
		case res.Shape.Payload == "":
			b, err = jsonshape.AppendStruct(b, res.Shape, out, true)
		case pm != nil && out[pm.Name] != nil:
			b, err = jsonshape.AppendValue(b, pm.ShapeRef, out[pm.Name])
		}
		if err != nil {
			internalFailure(c, w, err)
			return
		}
	}
	if h := w.Header(); len(b) > 0 && h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	res.Finish(b)
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
		protocol.CopyHeader(h, c.ResponseHeader)
	}
	protocol.CopyHeader(h, e.Header)

	p := bufpool.Get()
	b := *p
	defer func() { bufpool.Put(p, b) }()
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
				binding.SetHeader(h, &m, v)
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
