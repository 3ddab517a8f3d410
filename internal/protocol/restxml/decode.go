package restxml

import (
	"bytes"
	"io"
	"net/http"

	"hako/internal/protocol"
	"hako/internal/protocol/model"
	"hako/internal/protocol/restbind"
	"hako/internal/protocol/restxml/xmlshape"
	"hako/internal/protocol/scalar"
)

// binding is rest-xml's side of the shared HTTP bindings.
var binding = restbind.Binding{Text: text{}, JoinRepeated: true}

// Decode reads the input of c.Op from the request.
func (cd Codec) Decode(c *protocol.Call, r *http.Request) (map[string]any, error) {
	op := c.Op
	if op == nil {
		var err error
		if op, err = cd.Operation(c, r); err != nil {
			return nil, err
		}
	}
	in := op.InputShape
	doc := map[string]any{}
	if in == nil {
		return doc, nil
	}
	if err := binding.Decode(in, c.Op.FixedQueryKeys(), c.Labels, r, doc); err != nil {
		return nil, err
	}
	if in.Payload != "" {
		if m := in.MemberByName(in.Payload); m != nil {
			if err := payload(doc, m, r); err != nil {
				return nil, err
			}
		}
		return doc, nil
	}
	if restbind.HasBody(in) {
		root, err := parseBody(r)
		if err != nil {
			return nil, err
		}
		if root != nil {
			var d xmlshape.Decoder
			body, err := d.Structure(root, in)
			if err != nil {
				return nil, malformedXML()
			}
			for k, v := range body {
				doc[k] = v
			}
		}
	}
	return doc, nil
}

func payload(doc map[string]any, m *model.Member, r *http.Request) error {
	switch {
	case restbind.IsRaw(m):
		if restbind.Stream(doc, m, r) {
			return nil
		}
		b, err := readBody(r, 0)
		if err != nil {
			return err
		}
		restbind.SetRaw(doc, m, b)
	case m.Shape.Type == "structure":
		root, err := parseBody(r)
		if err != nil {
			return err
		}
		if root == nil {
			return nil
		}
		var d xmlshape.Decoder
		v, err := d.Structure(root, m.Shape)
		if err != nil {
			return malformedXML()
		}
		doc[m.Name] = v
	}
	return nil
}

// readBody reads the whole body; limit 0 means no limit beyond what the
// edge enforces.
func readBody(r *http.Request, limit int64) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	var src io.Reader = r.Body
	if limit > 0 {
		src = io.LimitReader(r.Body, limit+1)
	}
	b, err := io.ReadAll(src)
	if err != nil {
		return nil, protocol.Errorf("IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header.")
	}
	if limit > 0 && int64(len(b)) > limit {
		return nil, protocol.Errorf("MaxMessageLengthExceeded", "Your request was too big.")
	}
	return b, nil
}

func parseBody(r *http.Request) (*xmlshape.Node, error) {
	b, err := readBody(r, MaxXMLBytes)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, nil
	}
	root, err := xmlshape.Parse(bytes.NewReader(b))
	if err != nil {
		return nil, malformedXML()
	}
	return root, nil
}

func malformedXML() *protocol.Error {
	return protocol.Errorf("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
}

// text is rest-xml's text form of scalars: package scalar's, with the
// timestamp format of the member (HTTP dates in headers, ISO 8601 in URIs
// and query strings, by default).
type text struct{}

func (text) Parse(ref *model.ShapeRef, def, s string) (any, error) {
	return scalar.Parse(ref.Shape, scalar.TimestampFormat(ref, def), s)
}

func (text) Format(ref *model.ShapeRef, def string, v any) (string, bool) {
	if ref.Shape.Type == "blob" {
		// Header blobs are base64 (Content-MD5 style values come as strings).
		if str, ok := v.(string); ok {
			return str, true
		}
	}
	return scalar.Format(ref.Shape, scalar.TimestampFormat(ref, def), v)
}

// Invalid is S3's InvalidArgument, naming the argument and its value.
func (text) Invalid(e *restbind.TextError) error {
	what := "header "
	switch e.Location {
	case "uri":
		what = "URI label "
	case "querystring":
		what = "query parameter "
	}
	return protocol.Errorf("InvalidArgument", "Invalid %s%s: %s", what, e.Name, scalar.Reason(e.Err)).With("ArgumentValue", e.Text)
}
