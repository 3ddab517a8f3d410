// Package awsjson is the codec of AWS's JSON RPC protocols, "json" 1.0 and
// 1.1 (DynamoDB, SQS, CloudWatch Logs, Secrets Manager, EventBridge...).
// It is driven by the model alone: no operation has code of its own.
//
// What it reads:
//
//   - the operation from X-Amz-Target, "<targetPrefix>.<Operation>"; a
//     missing header, another service's prefix or an operation the model
//     does not have is UnknownOperationException (400, no message, as AWS);
//   - the input from the body, a JSON object walked against the input shape
//     by package jsonshape (an empty body reads as {}). Malformed JSON is
//     SerializationException without a message; a value of the wrong type
//     is SerializationException with Coral's text ("NUMBER_VALUE cannot be
//     converted to String", "Start of structure or map found where not
//     expected"...). Unknown members are ignored, as AWS does. The method,
//     path and Content-Type are not looked at.
//
// What it writes:
//
//   - outputs: 200, Content-Type application/x-amz-json-1.0 or 1.1 (the
//     model's jsonVersion), the output document as JSON (members in model
//     order, nil left out, timestamps as epoch seconds with a millisecond
//     fraction, blobs in base64); {} for operations without output;
//   - errors: the status from protocol.Error.Resolve, header
//     x-amzn-ErrorType and body {"__type":"<Code>","message":"..."} plus
//     the error's Fields walked against its shape. The message key is
//     spelled as the error shape spells it ("message" or "Message"); codes
//     the model lacks use "message", except Coral's own
//     SerializationException and AccessDeniedException, which say "Message".
//     For awsQueryCompatible models (SQS) __type is the shape name and
//     x-amzn-query-error carries "<query code>;Sender|Receiver", which the
//     SDKs report as the error code; the query codes and statuses the
//     botocore model lacks come from model.QueryCompat.
//
// Headers the handler put in Call.ResponseHeader and Error.Header are
// copied to the response; request ids are the edge's business.
package awsjson

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"hako/internal/protocol"
	"hako/internal/protocol/awsjson/jsonshape"
	"hako/internal/protocol/bufpool"
	"hako/internal/protocol/model"
)

// Codec is the json 1.0/1.1 codec. The zero value is ready to use; it is
// safe for concurrent use and takes everything it needs from the Call.
type Codec struct{}

// Interface guard.
var _ protocol.Codec = Codec{}

// Operation finds the operation named by X-Amz-Target.
func (Codec) Operation(c *protocol.Call, r *http.Request) (*model.Operation, error) {
	target := r.Header.Get("X-Amz-Target")
	dot := strings.LastIndexByte(target, '.')
	if dot < 0 || c.API == nil || target[:dot] != c.API.Metadata.TargetPrefix {
		return nil, unknownOperation()
	}
	op := c.API.Operations[target[dot+1:]]
	if op == nil {
		return nil, unknownOperation()
	}
	return op, nil
}

// unknownOperation is AWS's answer to a target it does not know: a bare
// __type without a message.
func unknownOperation() *protocol.Error {
	return &protocol.Error{Code: "UnknownOperationException"}
}

// Decode reads the JSON body into the input document of c.Op.
func (Codec) Decode(c *protocol.Call, r *http.Request) (map[string]any, error) {
	p := bufpool.Get()
	body, err := ReadBody(*p, r)
	defer bufpool.Put(p, body)
	if err != nil {
		return nil, err
	}
	if c.Op == nil || c.Op.InputShape == nil {
		return map[string]any{}, nil
	}
	doc, derr := jsonshape.Decode(body, c.Op.InputShape, false)
	if derr != nil {
		return nil, serializationError(derr)
	}
	return doc, nil
}

// ReadBody appends the request body to dst. A body over the server's limit
// (http.MaxBytesReader) is RequestEntityTooLargeException; one that cannot
// be read is SerializationException.
func ReadBody(dst []byte, r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return dst, nil
	}
	if r.ContentLength > 0 && r.ContentLength < 64<<20 && int64(cap(dst)-len(dst)) < r.ContentLength+1 {
		dst = append(make([]byte, 0, len(dst)+int(r.ContentLength)+1), dst...)
	}
	for {
		if len(dst) == cap(dst) {
			dst = append(dst, 0)[:len(dst)]
		}
		n, err := r.Body.Read(dst[len(dst):cap(dst)])
		dst = dst[:len(dst)+n]
		if err == io.EOF {
			return dst, nil
		}
		if err != nil {
			var tooLarge *http.MaxBytesError
			var aws *protocol.Error
			if errors.As(err, &aws) {
				return dst, aws // the edge's verdict on the body (payload hash, chunk signature)
			}
			if errors.As(err, &tooLarge) {
				return dst, protocol.Errorf("RequestEntityTooLargeException", "Request must be smaller than %d bytes for the operation.", tooLarge.Limit)
			}
			return dst, protocol.Errorf("SerializationException", "Failed to read the request body.")
		}
	}
}

// serializationError turns a jsonshape reading error into AWS's
// SerializationException: no message for malformed JSON, Coral's text for a
// value of the wrong type.
func serializationError(err error) *protocol.Error {
	var te *jsonshape.TypeError
	if errors.As(err, &te) {
		return &protocol.Error{Code: "SerializationException", Message: te.Msg}
	}
	return &protocol.Error{Code: "SerializationException"}
}

// Encode writes the output document as a 200 JSON response.
func (Codec) Encode(c *protocol.Call, w http.ResponseWriter, out map[string]any) {
	p := bufpool.Get()
	b := *p
	defer func() { bufpool.Put(p, b) }()
	if c.Op != nil && c.Op.OutputShape != nil && out != nil {
		var err error
		if b, err = jsonshape.AppendStruct(b, c.Op.OutputShape, out, false); err != nil {
			slog.Error("awsjson: cannot encode output", "operation", c.Op.Name, "request_id", c.RequestID, "err", err)
			Codec{}.EncodeError(c, w, protocol.InternalFailure())
			return
		}
	} else {
		b = append(b, "{}"...)
	}
	h := w.Header()
	protocol.CopyHeader(h, c.ResponseHeader)
	h.Set("Content-Type", contentType(c.API))
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

// EncodeError writes an AWS JSON error response.
func (Codec) EncodeError(c *protocol.Call, w http.ResponseWriter, e *protocol.Error) {
	var api *model.API
	if c != nil {
		api = c.API
	}
	queryCompatible := api != nil && api.Metadata.AWSQueryCompatible != nil
	var queryCode string
	var override *model.Shape
	if queryCompatible {
		if name, qe, ok := api.QueryCompat().Error(e.Code); ok {
			queryCode = qe.Code
			if e.Status == 0 {
				e.Status = qe.Status
			}
			override = api.Shapes[name]
		}
	}
	shape := e.Resolve(api)
	if shape == nil {
		shape = override
	}
	typ := e.Code
	if shape != nil {
		typ = shape.Name
	}
	if queryCompatible && queryCode == "" {
		queryCode = e.Code
		if shape != nil && shape.Error != nil && shape.Error.Code != "" {
			queryCode = shape.Error.Code
		}
	}

	p := bufpool.Get()
	b := *p
	defer func() { bufpool.Put(p, b) }()
	b = append(b, `{"__type":`...)
	b = jsonshape.AppendString(b, typ)
	var err error
	b, err = appendErrorMembers(b, shape, e, messageKey(shape, e.Code))
	if err != nil {
		slog.Error("awsjson: cannot encode error fields", "code", e.Code, "request_id", requestID(c), "err", err)
		b = append(b[:0], `{"__type":`...)
		b = jsonshape.AppendString(b, typ)
		if e.Message != "" {
			b = append(b, ',')
			b = jsonshape.AppendString(b, messageKey(shape, e.Code))
			b = append(b, ':')
			b = jsonshape.AppendString(b, e.Message)
		}
	}
	b = append(b, '}')

	h := w.Header()
	if c != nil {
		protocol.CopyHeader(h, c.ResponseHeader)
	}
	protocol.CopyHeader(h, e.Header)
	h.Set("X-Amzn-Errortype", typ)
	if queryCompatible {
		fault := "Sender"
		if !e.IsSender() {
			fault = "Receiver"
		}
		h.Set("X-Amzn-Query-Error", queryCode+";"+fault)
	}
	h.Set("Content-Type", contentType(api))
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(e.Status)
	w.Write(b)
}

func requestID(c *protocol.Call) string {
	if c == nil {
		return ""
	}
	return c.RequestID
}

// appendErrorMembers appends the message and the error's fields (after the
// opening brace and __type, before the closing brace).
func appendErrorMembers(b []byte, shape *model.Shape, e *protocol.Error, msgKey string) ([]byte, error) {
	if e.Message != "" {
		b = append(b, ',')
		b = jsonshape.AppendString(b, msgKey)
		b = append(b, ':')
		b = jsonshape.AppendString(b, e.Message)
	}
	if len(e.Fields) == 0 {
		return b, nil
	}
	msgMember := jsonshape.MessageMember(shape)
	var err error
	done := map[string]bool{}
	if shape != nil {
		for _, m := range shape.Members {
			v, ok := e.Fields[m.Name]
			done[m.Name] = true
			if !ok || v == nil || m.Name == msgMember {
				continue
			}
			wire := m.Name
			if m.LocationName != "" {
				wire = m.LocationName
			}
			b = append(b, ',')
			b = jsonshape.AppendString(b, wire)
			b = append(b, ':')
			if b, err = jsonshape.AppendValue(b, m.ShapeRef, v); err != nil {
				return b, err
			}
		}
	}
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		if !done[k] && k != "__type" && !strings.EqualFold(k, "message") {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		b = append(b, ',')
		b = jsonshape.AppendString(b, k)
		b = append(b, ':')
		if b, err = jsonshape.AppendAny(b, e.Fields[k]); err != nil {
			return b, err
		}
	}
	return b, nil
}

// coralMessageCase lists errors of AWS's Coral frontend that spell the
// message member "Message" when the service model does not define them.
var coralMessageCase = map[string]bool{
	"SerializationException": true,
	"AccessDeniedException":  true,
}

func messageKey(shape *model.Shape, code string) string {
	if shape == nil && coralMessageCase[code] {
		return "Message"
	}
	return jsonshape.MessageKey(shape, "message")
}

func contentType(api *model.API) string {
	if api != nil && api.Metadata.JSONVersion == "1.1" {
		return "application/x-amz-json-1.1"
	}
	return "application/x-amz-json-1.0"
}
