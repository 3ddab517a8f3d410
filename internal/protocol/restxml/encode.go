package restxml

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"hako/internal/protocol"
	"hako/internal/protocol/model"
	"hako/internal/protocol/restxml/xmlshape"
)

const xmlDeclaration = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"

// Encode writes the output document of c.Op.
func (Codec) Encode(c *protocol.Call, w http.ResponseWriter, out map[string]any) {
	h := w.Header()
	copyHeader(h, c.ResponseHeader)
	requestHeaders(h, c.RequestID)
	status := http.StatusOK
	op := c.Op
	if op == nil || op.OutputShape == nil {
		if op != nil && op.HTTP.ResponseCode != 0 {
			status = op.HTTP.ResponseCode
		}
		h.Set("Content-Length", "0")
		w.WriteHeader(status)
		closeStreams(out)
		return
	}
	if op.HTTP.ResponseCode != 0 {
		status = op.HTTP.ResponseCode
	}
	s := op.OutputShape
	hasBody := false
	for _, m := range s.Members {
		if m.Shape == nil {
			continue
		}
		v, present := out[m.Name]
		switch m.Location {
		case "header":
			if present && v != nil {
				if text, ok := headerText(m.ShapeRef, v); ok {
					h[canonical(m.LocationName)] = []string{text}
				}
			}
		case "headers":
			if present && v != nil {
				prefixHeaders(h, m.LocationName, v)
			}
		case "statusCode":
			if code, ok := v.(int64); ok && code >= 100 && code <= 999 {
				status = int(code)
			} else if code, ok := v.(int); ok && code >= 100 && code <= 999 {
				status = code
			}
		default:
			hasBody = true
		}
	}
	head := c.Op.HTTP.Method == http.MethodHead
	if s.Payload != "" {
		m := s.MemberByName(s.Payload)
		if m == nil || m.Shape == nil {
			finish(w, status, nil, head)
			return
		}
		v := out[m.Name]
		switch m.Shape.Type {
		case "structure":
			doc, ok := v.(map[string]any)
			if !ok {
				finish(w, status, nil, head)
				return
			}
			xw := xmlshape.NewWriter()
			defer xw.Release()
			xw.Raw(xmlDeclaration)
			name := m.LocationName
			if name == "" {
				name = m.Name
			}
			ns := rootNamespace(c.API)
			if m.XMLNamespace != nil && m.XMLNamespace.Prefix == "" && m.XMLNamespace.URI != "" {
				ns = m.XMLNamespace.URI
			}
			var enc xmlshape.Encoder
			enc.Root(xw, name, ns, m.Shape, doc)
			h.Set("Content-Type", "application/xml")
			finish(w, status, xw.Bytes(), head)
		default:
			// A ranged read is 206 whatever the operation's usual code:
			// HTTP gives Content-Range on a success no other meaning.
			if status == http.StatusOK && h.Get("Content-Range") != "" {
				status = http.StatusPartialContent
			}
			stream(w, h, status, v, head)
		}
		return
	}
	if !hasBody {
		finish(w, status, nil, head)
		return
	}
	xw := xmlshape.NewWriter()
	defer xw.Release()
	xw.Raw(xmlDeclaration)
	q := quirksByModel[apiName(c.API)]
	root := rootName(q, op)
	var enc xmlshape.Encoder
	if q != nil && q.unwrapped[s.Name] {
		unwrap(&enc, xw, root, rootNamespace(c.API), s, out)
	} else {
		enc.Root(xw, root, rootNamespace(c.API), s, out)
	}
	h.Set("Content-Type", "application/xml")
	finish(w, status, xw.Bytes(), head)
}

// unwrap writes the single body member of s as the root element itself.
func unwrap(enc *xmlshape.Encoder, xw *xmlshape.Writer, root, ns string, s *model.Shape, out map[string]any) {
	for _, m := range s.Members {
		if m.Location != "" || m.Shape == nil {
			continue
		}
		xw.Start(root)
		if ns != "" {
			xw.Attr("xmlns", ns)
		}
		xw.EndStart()
		if v, ok := out[m.Name]; ok && v != nil {
			if text, ok := xmlshape.FormatScalar(m.Shape, xmlshape.TimestampFormat(m.ShapeRef, xmlshape.ISO8601), v); ok {
				xw.Text(text)
			}
		}
		xw.Close(root)
		return
	}
}

// rootName is the root element of an output body: the quirk table's name,
// else the output's locationName, else the shape's name.
func rootName(q *quirks, op *model.Operation) string {
	s := op.OutputShape
	if q != nil {
		if name, ok := q.roots[s.Name]; ok {
			return name
		}
	}
	if op.Output != nil && op.Output.LocationName != "" {
		return op.Output.LocationName
	}
	if s.LocationName != "" {
		return s.LocationName
	}
	return s.Name
}

func rootNamespace(api *model.API) string {
	if api == nil {
		return ""
	}
	if api.Metadata.XMLNamespace != "" {
		return api.Metadata.XMLNamespace
	}
	if q := quirksByModel[api.Name]; q != nil {
		return q.namespace
	}
	return ""
}

func apiName(api *model.API) string {
	if api == nil {
		return ""
	}
	return api.Name
}

func finish(w http.ResponseWriter, status int, body []byte, head bool) {
	h := w.Header()
	if !head || h.Get("Content-Length") == "" {
		h.Set("Content-Length", strconv.Itoa(len(body)))
	}
	w.WriteHeader(status)
	if !head && len(body) > 0 {
		w.Write(body)
	}
}

// sizer and lener are how a streamed payload tells its length.
type (
	sizer interface{ Size() int64 }
	lener interface{ Len() int }
)

// stream writes a blob or string payload: an io.Reader is copied (and
// closed when it is an io.Closer), []byte and string are written as they
// are.
func stream(w http.ResponseWriter, h http.Header, status int, v any, head bool) {
	if _, ok := h["Content-Type"]; !ok {
		h["Content-Type"] = nil // no sniffing: the service sets the type it means
	}
	switch body := v.(type) {
	case nil:
		finish(w, status, nil, head)
	case []byte:
		finish(w, status, body, head)
	case string:
		finish(w, status, []byte(body), head)
	case io.Reader:
		if closer, ok := body.(io.Closer); ok {
			defer closer.Close()
		}
		if h.Get("Content-Length") == "" {
			switch n := body.(type) {
			case sizer:
				h.Set("Content-Length", strconv.FormatInt(n.Size(), 10))
			case lener:
				h.Set("Content-Length", strconv.Itoa(n.Len()))
			}
		}
		w.WriteHeader(status)
		if !head {
			io.Copy(w, body)
		}
	default:
		finish(w, status, nil, head)
	}
}

// closeStreams closes readers in a document that will not be written.
func closeStreams(out map[string]any) {
	for _, v := range out {
		if c, ok := v.(io.Closer); ok {
			c.Close()
		}
	}
}

// headerText writes a header-bound value: timestamps RFC 1123 unless the
// model says otherwise, lists comma-separated, jsonvalue as base64 JSON.
func headerText(ref *model.ShapeRef, v any) (string, bool) {
	if ref.JSONValue {
		b, err := json.Marshal(v)
		if err != nil {
			return "", false
		}
		return base64.StdEncoding.EncodeToString(b), true
	}
	s := ref.Shape
	if s.Type == "list" {
		if s.Member == nil {
			return "", false
		}
		var parts []string
		add := func(x any) {
			if t, ok := xmlshape.FormatScalar(s.Member.Shape, xmlshape.TimestampFormat(s.Member, xmlshape.RFC822), x); ok {
				parts = append(parts, t)
			}
		}
		switch l := v.(type) {
		case []any:
			for _, x := range l {
				add(x)
			}
		case []string:
			for _, x := range l {
				add(x)
			}
		default:
			return "", false
		}
		return strings.Join(parts, ","), len(parts) > 0
	}
	if s.Type == "blob" {
		// Header blobs are base64 (Content-MD5 style values come as strings).
		if str, ok := v.(string); ok {
			return str, true
		}
	}
	text, ok := xmlshape.FormatScalar(s, xmlshape.TimestampFormat(ref, xmlshape.RFC822), v)
	if !ok {
		return "", false
	}
	return sanitizeHeader(text), true
}

// sanitizeHeader drops the characters that would end a header line.
func sanitizeHeader(s string) string {
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

func prefixHeaders(h http.Header, prefix string, v any) {
	set := func(k string, x any) {
		text, ok := x.(string)
		if !ok {
			if text, ok = xmlshape.FormatScalar(&model.Shape{Type: "string"}, xmlshape.RFC822, x); !ok {
				return
			}
		}
		// Written as given (lower case from S3), not canonicalised: botocore
		// hands the suffix to users with the case it has on the wire.
		h[prefix+k] = []string{sanitizeHeader(text)}
	}
	switch m := v.(type) {
	case map[string]any:
		for k, x := range m {
			if x != nil {
				set(k, x)
			}
		}
	case map[string]string:
		for k, x := range m {
			set(k, x)
		}
	}
}

func copyHeader(dst, src http.Header) {
	for k, v := range src {
		dst[k] = v
	}
}

// requestHeaders sets S3's request id headers unless the edge did.
func requestHeaders(h http.Header, requestID string) {
	if requestID == "" {
		return
	}
	if h.Get("X-Amz-Request-Id") == "" {
		h.Set("X-Amz-Request-Id", requestID)
	}
	if h.Get("X-Amz-Id-2") == "" {
		h.Set("X-Amz-Id-2", hostID(requestID))
	}
}

// hostID is the extended request id S3 returns as x-amz-id-2 and HostId:
// opaque base64, derived from the request id so the two agree.
func hostID(requestID string) string {
	sum := sha256.Sum256([]byte(requestID))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// EncodeError writes err as S3 does.
func (Codec) EncodeError(c *protocol.Call, w http.ResponseWriter, err *protocol.Error) {
	q := quirksByModel[apiName(c.API)]
	if err.Status == 0 && q != nil {
		if st, ok := q.status[err.Code]; ok && !modelStatus(c.API, err.Code) {
			err.Status = st
		}
	}
	shape := err.Resolve(c.API)
	code := err.Code
	if shape != nil && shape.Error != nil && shape.Error.Code != "" {
		code = shape.Error.Code
	}
	h := w.Header()
	copyHeader(h, c.ResponseHeader)
	for k, v := range err.Header {
		h[k] = v
	}
	requestHeaders(h, c.RequestID)
	head := c.Op != nil && c.Op.HTTP.Method == http.MethodHead
	if head || err.Status == http.StatusNotModified || err.Status < 200 {
		h.Del("Content-Type")
		finish(w, err.Status, nil, true)
		return
	}
	xw := xmlshape.NewWriter()
	defer xw.Release()
	xw.Raw(xmlDeclaration)
	xw.Open("Error")
	xw.Element("Code", code)
	xw.Element("Message", err.Message)
	errorFields(xw, shape, err.Fields)
	xw.Element("RequestId", c.RequestID)
	if c.RequestID != "" {
		xw.Element("HostId", hostID(c.RequestID))
	}
	xw.Close("Error")
	h.Set("Content-Type", "application/xml")
	finish(w, err.Status, xw.Bytes(), false)
}

// modelStatus reports whether the model gives code an HTTP status.
func modelStatus(api *model.API, code string) bool {
	if api == nil {
		return false
	}
	s := api.ErrorShape(code)
	return s != nil && s.Error != nil && s.Error.HTTPStatusCode != 0
}

// errorFields writes the error's extra members (BucketName, Key...): the
// error shape's in model order, then the rest by name.
func errorFields(xw *xmlshape.Writer, shape *model.Shape, f map[string]any) {
	if len(f) == 0 {
		return
	}
	done := map[string]bool{"Code": true, "Message": true, "message": true, "RequestId": true, "HostId": true}
	var enc xmlshape.Encoder
	if shape != nil {
		for _, m := range shape.Members {
			if v, ok := f[m.Name]; ok && v != nil && !done[m.Name] {
				enc.Element(xw, enc.Names.MemberName(shape, m), m.ShapeRef, v)
				done[m.Name] = true
			}
		}
	}
	rest := make([]string, 0, len(f))
	for k := range f {
		if !done[k] && xmlshape.ValidName(k) {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	str := &model.Shape{Type: "string"}
	for _, k := range rest {
		if text, ok := xmlshape.FormatScalar(str, xmlshape.ISO8601, f[k]); ok {
			xw.Element(k, text)
		}
	}
}
