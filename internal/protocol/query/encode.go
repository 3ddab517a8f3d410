package query

import (
	"net/http"
	"sort"
	"strconv"

	"hako/internal/protocol"
	"hako/internal/protocol/model"
	"hako/internal/protocol/restxml/xmlshape"
)

// Encode writes the output document of c.Op as <OpResponse>.
func (Codec) Encode(c *protocol.Call, w http.ResponseWriter, out map[string]any) {
	xw := xmlshape.NewWriter()
	defer xw.Release()
	name := "Response"
	if c.Op != nil {
		name = c.Op.Name + "Response"
	}
	xw.Start(name)
	if ns := namespace(c.API); ns != "" {
		xw.Attr("xmlns", ns)
	}
	xw.EndStart()
	if op := c.Op; op != nil && op.Output != nil && op.OutputShape != nil {
		wrapper := op.Output.ResultWrapper
		if wrapper == "" {
			wrapper = op.Name + "Result"
		}
		enc := xmlshape.Encoder{Names: names(c.API)}
		enc.Root(xw, wrapper, "", op.OutputShape, out)
	}
	xw.Open("ResponseMetadata")
	xw.Element("RequestId", c.RequestID)
	xw.Close("ResponseMetadata")
	xw.Close(name)
	write(c, w, http.StatusOK, xw.Bytes())
}

// EncodeError writes err as <ErrorResponse>.
func (Codec) EncodeError(c *protocol.Call, w http.ResponseWriter, err *protocol.Error) {
	code := err.Code
	if cm := compatFor(c.API); cm != nil {
		if qe, ok := cm.error(code); ok {
			if err.Status == 0 {
				err.Status = qe.status
			}
			code = qe.code
		}
	}
	shape := err.Resolve(c.API)
	if code == err.Code && shape != nil && shape.Error != nil && shape.Error.Code != "" {
		code = shape.Error.Code
	}
	typ := "Receiver"
	if err.IsSender() {
		typ = "Sender"
	}
	xw := xmlshape.NewWriter()
	defer xw.Release()
	xw.Start("ErrorResponse")
	if ns := namespace(c.API); ns != "" {
		xw.Attr("xmlns", ns)
	}
	xw.EndStart()
	xw.Open("Error")
	xw.Element("Type", typ)
	xw.Element("Code", code)
	xw.Element("Message", err.Message)
	fields(xw, shape, err.Fields)
	xw.Close("Error")
	xw.Element("RequestId", c.RequestID)
	xw.Close("ErrorResponse")
	for k, v := range err.Header {
		w.Header()[k] = v
	}
	write(c, w, err.Status, xw.Bytes())
}

// fields writes the error's extra members: those the error shape models
// in model order, then any others by name.
func fields(xw *xmlshape.Writer, shape *model.Shape, f map[string]any) {
	if len(f) == 0 {
		return
	}
	done := map[string]bool{"message": true, "Message": true, "Code": true, "Type": true}
	var enc xmlshape.Encoder
	if shape != nil {
		for _, m := range shape.Members {
			if v, ok := f[m.Name]; ok && !done[m.Name] && v != nil {
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
	for _, k := range rest {
		if text, ok := Text(f[k]); ok {
			xw.Element(k, text)
		}
	}
}

var anyString = &model.Shape{Type: "string"}

// Text writes a scalar of unknown shape: strings as they are, numbers in
// decimal, times in ISO 8601, booleans true/false.
func Text(v any) (string, bool) {
	return xmlshape.FormatScalar(anyString, xmlshape.ISO8601, v)
}

func write(c *protocol.Call, w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	for k, v := range c.ResponseHeader {
		h[k] = v
	}
	h.Set("Content-Type", "text/xml")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if c.RequestID != "" && h.Get("X-Amzn-Requestid") == "" {
		h.Set("X-Amzn-Requestid", c.RequestID)
	}
	w.WriteHeader(status)
	w.Write(body)
}

func compatFor(api *model.API) *compat {
	if api == nil {
		return nil
	}
	return compatByModel[api.Name]
}

// error finds the query code of an error named by its shape or, when a
// service already used the query code, by that code.
func (c *compat) error(name string) (queryError, bool) {
	if e, ok := c.errors[name]; ok {
		return e, true
	}
	for _, e := range c.errors {
		if e.code == name {
			return e, true
		}
	}
	return queryError{}, false
}

// namespace is the xmlns of responses: the model's, else the compat
// table's.
func namespace(api *model.API) string {
	if api == nil {
		return ""
	}
	if api.Metadata.XMLNamespace != "" {
		return api.Metadata.XMLNamespace
	}
	if c := compatByModel[api.Name]; c != nil {
		return c.namespace
	}
	return ""
}
