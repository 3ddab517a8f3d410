package restxml

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/textproto"
	"strings"
	"sync"

	"hako/internal/protocol"
	"hako/internal/protocol/model"
	"hako/internal/protocol/restxml/xmlshape"
)

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
	query := r.URL.Query()
	hasBody := false
	var queryMap *model.Member
	for i := range in.Members {
		m := &in.Members[i]
		if m.Shape == nil {
			continue
		}
		name := m.LocationName
		if name == "" {
			name = m.Name
		}
		switch m.Location {
		case "uri":
			text, ok := c.Labels[name]
			if !ok {
				continue
			}
			v, err := scalar(m.ShapeRef, xmlshape.ISO8601, text, "URI label "+name)
			if err != nil {
				return nil, err
			}
			doc[m.Name] = v
		case "querystring":
			if m.Shape.Type == "map" {
				queryMap = m
				continue
			}
			values, ok := query[name]
			if !ok || len(values) == 0 {
				continue
			}
			v, err := multi(m.ShapeRef, xmlshape.ISO8601, values, "query parameter "+name)
			if err != nil {
				return nil, err
			}
			doc[m.Name] = v
		case "header":
			values := r.Header[canonical(name)]
			if len(values) == 0 {
				continue
			}
			v, err := header(m.ShapeRef, values, name)
			if err != nil {
				return nil, err
			}
			doc[m.Name] = v
		case "headers":
			if v := prefixed(r.Header, m.LocationName); len(v) > 0 {
				doc[m.Name] = v
			}
		case "statusCode":
		default:
			if in.Payload == "" && !m.HostLabel {
				hasBody = true
			}
		}
	}
	if queryMap != nil {
		if v := remainingQuery(in, queryMap, query); len(v) > 0 {
			doc[queryMap.Name] = v
		}
	}
	if in.Payload != "" {
		if m := in.MemberByName(in.Payload); m != nil && m.Shape != nil {
			if err := payload(doc, m, r); err != nil {
				return nil, err
			}
		}
		return doc, nil
	}
	if hasBody {
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
	switch m.Shape.Type {
	case "blob":
		if m.Streaming || m.Shape.Streaming {
			body := r.Body
			if body == nil {
				body = http.NoBody
			}
			doc[m.Name] = body
			return nil
		}
		b, err := readBody(r, 0)
		if err != nil {
			return err
		}
		if len(b) > 0 {
			doc[m.Name] = b
		}
	case "string":
		b, err := readBody(r, 0)
		if err != nil {
			return err
		}
		if len(b) > 0 {
			doc[m.Name] = string(b)
		}
	case "structure":
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

var canonicalNames sync.Map // header name -> canonical form

// canonical is textproto.CanonicalMIMEHeaderKey, remembered: the model's
// header names are few and fixed, and canonicalising allocates.
func canonical(name string) string {
	if c, ok := canonicalNames.Load(name); ok {
		return c.(string)
	}
	c := textproto.CanonicalMIMEHeaderKey(name)
	canonicalNames.Store(name, c)
	return c
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

func invalidArgument(what, value string, err error) *protocol.Error {
	why := err.Error()
	if errors.Is(err, xmlshape.ErrType) {
		why = strings.TrimPrefix(why, xmlshape.ErrType.Error()+": ")
	}
	return protocol.Errorf("InvalidArgument", "Invalid %s: %s", what, why).With("ArgumentValue", value)
}

func scalar(ref *model.ShapeRef, tsDefault, text, what string) (any, error) {
	v, err := xmlshape.ParseScalar(ref.Shape, xmlshape.TimestampFormat(ref, tsDefault), text)
	if err != nil {
		return nil, invalidArgument(what, text, err)
	}
	return v, nil
}

// multi reads repeated values (a list member, or a scalar's first value).
func multi(ref *model.ShapeRef, tsDefault string, values []string, what string) (any, error) {
	s := ref.Shape
	if s.Type != "list" {
		return scalar(ref, tsDefault, values[0], what)
	}
	if s.Member == nil {
		return nil, nil
	}
	list := make([]any, 0, len(values))
	for _, text := range values {
		v, err := scalar(s.Member, tsDefault, text, what)
		if err != nil {
			return nil, err
		}
		list = append(list, v)
	}
	return list, nil
}

func header(ref *model.ShapeRef, values []string, name string) (any, error) {
	what := "header " + name
	if ref.JSONValue {
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(values[0]))
		if err != nil {
			return nil, invalidArgument(what, values[0], errors.New("not base64"))
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, invalidArgument(what, values[0], errors.New("not JSON"))
		}
		return v, nil
	}
	if ref.Shape.Type == "list" {
		var parts []string
		for _, v := range values {
			for _, p := range strings.Split(v, ",") {
				if p = strings.TrimSpace(p); p != "" {
					parts = append(parts, p)
				}
			}
		}
		if len(parts) == 0 {
			return []any{}, nil
		}
		return multi(ref, xmlshape.RFC822, parts, what)
	}
	text := values[0]
	if len(values) > 1 && ref.Shape.Type == "string" {
		text = strings.Join(values, ",")
	}
	if ref.Shape.Type != "string" {
		text = strings.TrimSpace(text)
	}
	return scalar(ref, xmlshape.RFC822, text, what)
}

// prefixed collects the headers starting with prefix (case-insensitively),
// keyed by the rest of the name in lower case.
func prefixed(h http.Header, prefix string) map[string]any {
	var out map[string]any
	for k, v := range h {
		if len(k) < len(prefix) || !strings.EqualFold(k[:len(prefix)], prefix) || len(v) == 0 {
			continue
		}
		key := strings.ToLower(k[len(prefix):])
		if key == "" {
			continue
		}
		if out == nil {
			out = map[string]any{}
		}
		out[key] = strings.Join(v, ",")
	}
	return out
}

// remainingQuery is the value of a querystring map member: the
// parameters no other querystring member reads.
func remainingQuery(in *model.Shape, m *model.Member, query map[string][]string) map[string]any {
	claimed := map[string]bool{}
	for _, o := range in.Members {
		if o.Location == "querystring" && o.Name != m.Name {
			claimed[o.LocationName] = true
		}
	}
	list := m.Shape.Value != nil && m.Shape.Value.Shape != nil && m.Shape.Value.Shape.Type == "list"
	out := map[string]any{}
	for k, v := range query {
		if claimed[k] || len(v) == 0 {
			continue
		}
		if list {
			l := make([]any, len(v))
			for i, s := range v {
				l[i] = s
			}
			out[k] = l
		} else {
			out[k] = v[0]
		}
	}
	return out
}
