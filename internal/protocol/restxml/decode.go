package restxml

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"io"
	"net/http"

	"hako/internal/protocol"
	"hako/internal/protocol/checksum"
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
			if err := payload(cd.check(), doc, m, r); err != nil {
				return nil, err
			}
		}
		return doc, nil
	}
	if restbind.HasBody(in) {
		root, err := parseBody(cd.check(), r)
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

// check is whether bodies read whole are checked against their integrity
// headers.
func (cd Codec) check() bool { return !cd.SkipIntegrity }

func payload(check bool, doc map[string]any, m *model.Member, r *http.Request) error {
	switch {
	case restbind.IsRaw(m):
		if restbind.Stream(doc, m, r) {
			return nil
		}
		b, err := readBody(check, r, 0)
		if err != nil {
			return err
		}
		restbind.SetRaw(doc, m, b)
	case m.Shape.Type == "structure":
		root, err := parseBody(check, r)
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

// readBody reads the whole body and checks it against the integrity
// headers the request carries (verifyBody); limit 0 means no limit beyond
// what the edge enforces.
func readBody(check bool, r *http.Request, limit int64) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		if !check {
			return nil, nil
		}
		return nil, verifyBody(r.Header, nil)
	}
	var src io.Reader = r.Body
	if limit > 0 {
		src = io.LimitReader(r.Body, limit+1)
	}
	b, err := io.ReadAll(src)
	if err != nil {
		// A body the edge decoded (aws-chunked) fails with its own AWS
		// error; pass that on.
		var pe *protocol.Error
		if errors.As(err, &pe) {
			return nil, pe
		}
		return nil, protocol.Errorf("IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header.")
	}
	if limit > 0 && int64(len(b)) > limit {
		return nil, protocol.Errorf("MaxMessageLengthExceeded", "Your request was too big.")
	}
	if !check {
		return b, nil
	}
	return b, verifyBody(r.Header, b)
}

// verifyBody checks a body read whole against its Content-MD5 and
// x-amz-checksum-ALGORITHM headers (S3's integrity headers; other rest-xml
// APIs carry none). A streaming body is the service's to check while it
// reads it. Whether an operation must carry one (the model's httpChecksum
// requestChecksumRequired) is the service's to enforce too: the bodies
// botocore serializes before its checksum handlers run carry none, and
// the conformance suite decodes exactly those.
func verifyBody(h http.Header, body []byte) error {
	md5Header := h.Get("Content-Md5")
	sums, unknown := checksum.FromHeader(h)
	if len(unknown) > 0 {
		return protocol.Errorf("InvalidRequest", "The %s checksum algorithm is not supported by hako.", unknown[0])
	}
	if md5Header == "" && len(sums) == 0 {
		return nil
	}
	if md5Header != "" {
		want, err := base64.StdEncoding.DecodeString(md5Header)
		if err != nil || len(want) != md5.Size {
			return protocol.Errorf("InvalidDigest", "The Content-MD5 you specified was invalid.")
		}
		if got := md5.Sum(body); !bytes.Equal(got[:], want) {
			return protocol.Errorf("BadDigest", "The Content-MD5 you specified did not match what we received.")
		}
	}
	for alg, want := range sums {
		if !checksum.Valid(alg, want) {
			return protocol.Errorf("InvalidRequest", "Value for %s header is invalid.", checksum.Header(alg))
		}
		hh, _ := checksum.New(alg)
		hh.Write(body)
		if checksum.Encode(hh.Sum(nil)) != want {
			return protocol.Errorf("BadDigest", "The %s you specified did not match the calculated checksum.", alg)
		}
	}
	return nil
}

func parseBody(check bool, r *http.Request) (*xmlshape.Node, error) {
	b, err := readBody(check, r, MaxXMLBytes)
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
