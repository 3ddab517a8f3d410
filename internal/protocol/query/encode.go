package query

import (
	"net/http"
	"strconv"

	"hako/internal/protocol"
	"hako/internal/protocol/model"
	"hako/internal/protocol/restxml/xmlshape"
	"hako/internal/protocol/scalar"
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
	if _, qe, ok := c.API.QueryCompat().Error(code); ok {
		if err.Status == 0 {
			err.Status = qe.Status
		}
		code = qe.Code
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
	var enc xmlshape.Encoder
	enc.ErrorFields(xw, shape, err.Fields, "message", "Message", "Code", "Type")
	xw.Close("Error")
	xw.Element("RequestId", c.RequestID)
	xw.Close("ErrorResponse")
	protocol.CopyHeader(w.Header(), err.Header)
	write(c, w, err.Status, xw.Bytes())
}

var anyString = &model.Shape{Type: "string"}

// Text writes a scalar of unknown shape: strings as they are, numbers in
// decimal, times in ISO 8601, booleans true/false.
func Text(v any) (string, bool) {
	return scalar.Format(anyString, scalar.ISO8601, v)
}

func write(c *protocol.Call, w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	protocol.CopyHeader(h, c.ResponseHeader)
	h.Set("Content-Type", "text/xml")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if c.RequestID != "" && h.Get("X-Amzn-Requestid") == "" {
		h.Set("X-Amzn-Requestid", c.RequestID)
	}
	w.WriteHeader(status)
	w.Write(body)
}
