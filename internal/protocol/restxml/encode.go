package restxml

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"

	"hako/internal/protocol"
	"hako/internal/protocol/model"
	"hako/internal/protocol/restbind"
	"hako/internal/protocol/restxml/xmlshape"
	"hako/internal/protocol/scalar"
)

const xmlDeclaration = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"

// Encode writes the output document of c.Op.
func (Codec) Encode(c *protocol.Call, w http.ResponseWriter, out map[string]any) {
	requestHeaders(w.Header(), c.RequestID)
	res, ok := binding.Begin(c, w, out)
	if !ok {
		return
	}
	s := res.Shape
	if s.Payload != "" {
		m := res.Payload
		switch {
		case m == nil:
			res.Finish(nil)
		case m.Shape.Type == "structure":
			doc, ok := out[m.Name].(map[string]any)
			if !ok {
				res.Finish(nil)
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
			w.Header().Set("Content-Type", "application/xml")
			res.Finish(xw.Bytes())
		default:
			if err := res.WriteRaw(out[m.Name], ""); err != nil {
				res.Finish(nil) // not a body value: XML leaves such values out
			}
		}
		return
	}
	if !restbind.HasBody(s) {
		res.Finish(nil)
		return
	}
	xw := xmlshape.NewWriter()
	defer xw.Release()
	xw.Raw(xmlDeclaration)
	q := quirksByModel[apiName(c.API)]
	root := rootName(q, c.Op)
	var enc xmlshape.Encoder
	if q != nil && q.unwrapped[s.Name] {
		unwrap(&enc, xw, root, rootNamespace(c.API), s, out)
	} else {
		enc.Root(xw, root, rootNamespace(c.API), s, out)
	}
	w.Header().Set("Content-Type", "application/xml")
	res.Finish(xw.Bytes())
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
			if text, ok := scalar.Format(m.Shape, scalar.TimestampFormat(m.ShapeRef, scalar.ISO8601), v); ok {
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
	protocol.CopyHeader(h, c.ResponseHeader)
	protocol.CopyHeader(h, err.Header)
	requestHeaders(h, c.RequestID)
	res := restbind.Response{W: w, RequestID: c.RequestID, Status: err.Status}
	if c.Op != nil && c.Op.HTTP.Method == http.MethodHead || err.Status == http.StatusNotModified || err.Status < 200 {
		h.Del("Content-Type")
		res.NoBody = true
		res.Finish(nil)
		return
	}
	xw := xmlshape.NewWriter()
	defer xw.Release()
	xw.Raw(xmlDeclaration)
	xw.Open("Error")
	xw.Element("Code", code)
	xw.Element("Message", err.Message)
	var enc xmlshape.Encoder
	enc.ErrorFields(xw, shape, err.Fields, "Code", "Message", "message", "RequestId", "HostId")
	xw.Element("RequestId", c.RequestID)
	if c.RequestID != "" {
		xw.Element("HostId", hostID(c.RequestID))
	}
	xw.Close("Error")
	h.Set("Content-Type", "application/xml")
	res.Finish(xw.Bytes())
}

// modelStatus reports whether the model gives code an HTTP status.
func modelStatus(api *model.API, code string) bool {
	if api == nil {
		return false
	}
	s := api.ErrorShape(code)
	return s != nil && s.Error != nil && s.Error.HTTPStatusCode != 0
}
