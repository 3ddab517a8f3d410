package restbind

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"hako/internal/protocol"
	"hako/internal/protocol/model"
	"hako/internal/protocol/scalar"
)

// A Response is the output of an operation being written: Begin has
// written its headers; the codec writes the body with WriteRaw (a raw
// payload) or its body format and Finish.
type Response struct {
	W http.ResponseWriter
	// RequestID is the call's, for logs.
	RequestID string
	// Status is the operation's responseCode (200 by default) or the
	// value of the output's statusCode member.
	Status int
	// NoBody is set for responses that carry no body: to HEAD requests,
	// and 204 and 304.
	NoBody bool
	// Shape is the output shape, Payload its payload member (nil when it
	// has none, or names no member).
	Shape   *model.Shape
	Payload *model.Member
}

// Begin starts writing the output document out of c.Op: it copies
// c.ResponseHeader, takes the status from the operation or a statusCode
// member and writes the header and headers members. An operation without
// output is answered there and then (no body; readers in out are closed)
// and ok is false.
func (b *Binding) Begin(c *protocol.Call, w http.ResponseWriter, out map[string]any) (res Response, ok bool) {
	h := w.Header()
	protocol.CopyHeader(h, c.ResponseHeader)
	res = Response{W: w, RequestID: c.RequestID, Status: http.StatusOK}
	op := c.Op
	if op != nil && op.HTTP.ResponseCode != 0 {
		res.Status = op.HTTP.ResponseCode
	}
	if op == nil || op.OutputShape == nil {
		h.Set("Content-Length", "0")
		w.WriteHeader(res.Status)
		closeStreams(out)
		return res, false
	}
	s := op.OutputShape
	if code, ok := b.SetHeaders(h, s, out); ok {
		res.Status = code
	}
	res.Shape = s
	res.NoBody = op.HTTP.Method == http.MethodHead || res.Status == http.StatusNoContent || res.Status == http.StatusNotModified
	if s.Payload != "" {
		res.Payload = s.MemberByName(s.Payload)
	}
	return res, true
}

// closeStreams closes readers in a document that will not be written.
func closeStreams(out map[string]any) {
	for _, v := range out {
		if c, ok := v.(io.Closer); ok {
			c.Close()
		}
	}
}

// Finish writes the status and body. Content-Length is the body's, but for
// a response without body (HEAD, 204, 304) whose header members set it
// already; such a response writes no body.
func (res *Response) Finish(body []byte) {
	res.writeHeader(len(body))
	if !res.NoBody && len(body) > 0 {
		res.W.Write(body)
	}
}

func (res *Response) writeHeader(n int) {
	h := res.W.Header()
	if !res.NoBody || h.Get("Content-Length") == "" {
		h.Set("Content-Length", strconv.Itoa(n))
	}
	res.W.WriteHeader(res.Status)
}

// WriteRaw writes v, the value of a blob or string payload, as the body:
// []byte and string as they are, an io.Reader copied (and closed when it
// is an io.Closer) with Content-Length when its Len() int or Size() int64
// tells it and no header member did. contentType is the Content-Type unless
// a header says otherwise; "" sends none (and keeps net/http from sniffing
// one). A ranged read (Content-Range on a 200) is 206. A value of another
// type is an error, and nothing is written.
func (res *Response) WriteRaw(v any, contentType string) error {
	if c, ok := v.(io.Closer); ok {
		defer c.Close()
	}
	switch v.(type) {
	case nil, []byte, string, io.Reader:
	default:
		return fmt.Errorf("restbind: cannot write a payload of type %T", v)
	}
	h := res.W.Header()
	// A ranged read is 206 whatever the operation's usual code: HTTP gives
	// Content-Range on a success no other meaning.
	if res.Status == http.StatusOK && h.Get("Content-Range") != "" {
		res.Status = http.StatusPartialContent
	}
	if v != nil && !res.NoBody {
		if contentType == "" {
			if _, ok := h["Content-Type"]; !ok {
				h["Content-Type"] = nil // no sniffing: the service sets the type it means
			}
		} else if h.Get("Content-Type") == "" {
			h.Set("Content-Type", contentType)
		}
	}
	switch body := v.(type) {
	case nil:
		res.Finish(nil)
	case []byte:
		res.Finish(body)
	case string:
		res.writeHeader(len(body))
		if !res.NoBody && len(body) > 0 {
			io.WriteString(res.W, body)
		}
	case io.Reader:
		if h.Get("Content-Length") == "" {
			switch n := body.(type) {
			case interface{ Len() int }:
				h.Set("Content-Length", strconv.Itoa(n.Len()))
			case interface{ Size() int64 }:
				h.Set("Content-Length", strconv.FormatInt(n.Size(), 10))
			}
		}
		res.W.WriteHeader(res.Status)
		if res.NoBody {
			return nil
		}
		if _, err := io.Copy(res.W, body); err != nil {
			// The status is on the wire: all that is left is to say so.
			slog.Warn("restbind: streaming the payload failed", "request_id", res.RequestID, "err", err)
		}
	}
	return nil
}

// SetHeaders writes the header and headers members of out (a document of
// structure s) to h and returns the statusCode member's value, if any.
func (b *Binding) SetHeaders(h http.Header, s *model.Shape, out map[string]any) (status int, ok bool) {
	for i := range s.Members {
		m := &s.Members[i]
		if m.Location == "" {
			continue
		}
		v, present := out[m.Name]
		if !present || v == nil {
			continue
		}
		switch m.Location {
		case "statusCode":
			if n, isInt := scalar.AsInt(v); isInt && n >= 100 && n <= 999 {
				status, ok = int(n), true
			}
		case "header":
			b.SetHeader(h, m, v)
		case "headers":
			b.setPrefixed(h, wireName(m), v)
		}
	}
	return status, ok
}

// SetHeader writes v as the header member m binds (error shapes have
// them too).
func (b *Binding) SetHeader(h http.Header, m *model.Member, v any) {
	if text, ok := b.headerText(m.ShapeRef, v); ok {
		h[canonical(wireName(m))] = []string{text}
	}
}

// headerText formats a header-bound value: scalars by Text.Format
// (timestamps HTTP dates unless the model says otherwise), lists
// comma-separated, jsonvalue members as base64 JSON (a string is taken to
// be JSON text already). Characters that would end the header line become
// spaces. ok is false when there is nothing to write.
func (b *Binding) headerText(ref *model.ShapeRef, v any) (string, bool) {
	if ref.JSONValue {
		if str, ok := v.(string); ok {
			return base64.StdEncoding.EncodeToString([]byte(str)), true
		}
		j, err := json.Marshal(v)
		if err != nil {
			return "", false
		}
		return base64.StdEncoding.EncodeToString(j), true
	}
	s := ref.Shape
	if s.Type == "list" && s.Member != nil {
		var items []any
		switch l := v.(type) {
		case []any:
			items = l
		case []string:
			items = make([]any, len(l))
			for i, x := range l {
				items[i] = x
			}
		default:
			return "", false
		}
		parts := make([]string, 0, len(items))
		for _, item := range items {
			text, ok := b.Format(s.Member, scalar.RFC822, item)
			if !ok {
				continue
			}
			if b.QuotedLists && s.Member.Shape.Type == "string" && strings.ContainsAny(text, ",\"") {
				text = strconv.Quote(text)
			}
			parts = append(parts, text)
		}
		if len(parts) == 0 {
			return "", false
		}
		return sanitize(strings.Join(parts, ",")), true
	}
	text, ok := b.Format(ref, scalar.RFC822, v)
	if !ok {
		return "", false
	}
	return sanitize(text), true
}

var stringRef = &model.ShapeRef{Shape: &model.Shape{Type: "string"}}

// setPrefixed writes the entries of a headers member's map as headers
// named prefix+key.
func (b *Binding) setPrefixed(h http.Header, prefix string, v any) {
	switch m := v.(type) {
	case map[string]any:
		for k, x := range m {
			if x == nil {
				continue
			}
			text, ok := x.(string)
			if !ok {
				if text, ok = b.Format(stringRef, scalar.RFC822, x); !ok {
					continue
				}
			}
			b.setPrefixHeader(h, prefix+k, text)
		}
	case map[string]string:
		for k, x := range m {
			b.setPrefixHeader(h, prefix+k, x)
		}
	}
}

func (b *Binding) setPrefixHeader(h http.Header, name, text string) {
	if b.CanonicalPrefixHeaders {
		h.Set(name, sanitize(text))
	} else {
		h[name] = []string{sanitize(text)}
	}
}

// sanitize replaces the characters that would end a header line.
func sanitize(s string) string {
	if !strings.ContainsAny(s, "\r\n\x00") {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' || r == 0 {
			return ' '
		}
		return r
	}, s)
}
