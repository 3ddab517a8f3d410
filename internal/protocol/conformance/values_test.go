package conformance

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"hako/internal/protocol/model"
)

// The example values of generated outputs and errors.
var (
	exampleBlob = []byte("blob\x00\xff\xfe-bytes")
	// Body timestamps carry milliseconds; HTTP dates cannot.
	exampleTime       = time.Unix(1700000000, 123_000_000).UTC()
	exampleSecondTime = time.Unix(1700000000, 0).UTC()
)

// outputString is the example string of a member: characters that need
// escaping in JSON and XML (controls, quotes, a backslash, a character
// outside the BMP, a carriage return that XML must write as &#xD; to keep),
// plain ASCII in headers. XML 1.0 cannot carry U+0001 at all, JSON must
// escape it.
func outputString(name string, header, xml bool) string {
	switch {
	case header:
		return name + "-value"
	case xml:
		return name + " \u00e9<&>\"'\\\t\r\n]]>\U0001F600"
	}
	return name + " \u00e9<&>\"'\\\t\r\n\x01]]>\U0001F600"
}

// mapKeys are the example keys of maps; header maps (x-amz-meta-*) have
// plain lower-case keys, as HTTP header names are read back lower-cased.
func mapKeys(header bool) []string {
	if header {
		return []string{"key1", "key2"}
	}
	return []string{"k1 \u00e9/&=<", "k2"}
}

// exampleNumber is the example value of a number shape, clamped into its
// range: sign, size beyond 2^53 and exponent formatting.
func exampleNumber(s *model.Shape) any {
	var f float64
	switch s.Type {
	case "integer":
		f = -7
	case "long":
		f = 1<<53 + 1
	case "float":
		f = -1024.25
	case "double":
		f = 1.2345678901234567e-07
	}
	clamped := false
	if s.Min != nil && f < *s.Min {
		f, clamped = *s.Min, true
	}
	if s.Max != nil && f > *s.Max {
		f, clamped = *s.Max, true
	}
	switch s.Type {
	case "integer", "long":
		if !clamped && s.Type == "long" {
			return int64(1<<53 + 1) // not representable as a float64
		}
		return int64(f)
	}
	return f
}

// generator builds example documents by walking a shape: every member
// filled, lists of two items, maps of two entries, one member of a union,
// recursion cut where a shape would contain itself.
type generator struct {
	// xml: the protocol writes XML (query, rest-xml), where two members
	// on one element name cannot both travel.
	xml bool
	// variant is "full" (lists of two items, maps of two entries), "zero"
	// (scalars at their zero value: false, 0, "", empty blob, the epoch;
	// statusCode keeps 200; lists of one item, maps of one entry) or
	// "empty" ("full" with every list and map empty), "hollow" ("full"
	// with every nested structure empty) or "special" ("full" with extreme
	// numbers, the float specials, a timestamp before the epoch and every
	// byte value in blobs), as the script's Generator.
	variant string
}

// variants are the example documents generated for every operation.
var variants = []string{"full", "zero", "empty", "hollow", "special"}

// special returns the "special" variant's value of a scalar shape.
func special(s *model.Shape, header bool) (any, bool) {
	switch s.Type {
	case "integer":
		return int64(math.MaxInt32), true
	case "long":
		return int64(math.MinInt64), true
	case "float":
		return math.Inf(1), true
	case "double":
		return math.NaN(), true
	case "timestamp":
		if header {
			return time.Unix(-1, 0).UTC(), true
		}
		return time.Unix(-2, 500_000_000).UTC(), true // -1.5 s
	case "blob":
		b := make([]byte, 256)
		for i := range b {
			b[i] = byte(i)
		}
		return b, true
	}
	return nil, false
}

func (g generator) items(s *model.Shape) int {
	switch g.variant {
	case "zero":
		return count(s, 1)
	case "empty":
		return 0
	}
	return count(s, 2)
}

func (g generator) blob() []byte {
	switch g.variant {
	case "zero":
		return []byte{}
	case "special":
		b, _ := special(&model.Shape{Type: "blob"}, false)
		return b.([]byte)
	}
	return bytes.Clone(exampleBlob)
}

// structure returns the example document of s, or nil when s recurses
// into itself.
func (g generator) structure(s *model.Shape, stack []string) map[string]any {
	if slices.Contains(stack, s.Name) || len(stack) > 12 {
		return nil
	}
	if g.variant == "hollow" && len(stack) > 0 && !s.Union {
		return map[string]any{} // a union must have a member
	}
	stack = append(stack, s.Name)
	doc := map[string]any{}
	skip := map[string]bool{}
	if g.xml {
		skip = collisions(s)
	}
	for _, m := range s.Members {
		if m.Shape.EventStream || skip[m.Name] {
			continue // event streams are not part of the request/response codecs
		}
		v, ok := g.value(m.ShapeRef, m.Name, m.Location, stack)
		if !ok {
			continue
		}
		doc[m.Name] = v
		if s.Union {
			break
		}
	}
	return doc
}

func (g generator) value(ref *model.ShapeRef, name, location string, stack []string) (any, bool) {
	s := ref.Shape
	header := location == "header" || location == "headers"
	zero := g.variant == "zero"
	if g.variant == "special" && location != "statusCode" {
		if v, ok := special(s, header || timestampFormat(ref) == "rfc822"); ok {
			return v, true
		}
	}
	switch s.Type {
	case "structure":
		d := g.structure(s, stack)
		return d, d != nil
	case "list":
		var l []any
		for i := range g.items(s) {
			v, ok := g.value(s.Member, fmt.Sprintf("%s%d", name, i+1), location, stack)
			if !ok {
				return nil, false
			}
			if len(s.Member.Shape.Enum) > 0 {
				v = s.Member.Shape.Enum[min(i, len(s.Member.Shape.Enum)-1)]
			}
			l = append(l, v)
		}
		if l == nil {
			l = []any{}
		}
		return l, true
	case "map":
		keys := mapKeys(location == "headers")
		if len(s.Key.Shape.Enum) > 0 {
			keys = s.Key.Shape.Enum
		}
		m := map[string]any{}
		for _, k := range keys[:min(len(keys), g.items(s))] {
			v, ok := g.value(s.Value, name, location, stack)
			if !ok {
				return nil, false
			}
			m[k] = v
		}
		return m, true
	case "string":
		switch {
		case len(s.Enum) > 0:
			return s.Enum[0], true
		case zero && !(header && strings.EqualFold(ref.LocationName, "Content-Type")):
			// An empty Content-Type means none: the codecs then send the
			// payload's default, as they should.
			return "", true
		}
		return outputString(name, header, g.xml), true
	case "integer", "long":
		switch {
		case location == "statusCode":
			return int64(200), true
		case zero:
			return int64(0), true
		}
		return exampleNumber(s), true
	case "float", "double":
		if zero {
			return 0.0, true
		}
		return exampleNumber(s), true
	case "boolean":
		return !zero, true
	case "timestamp":
		switch {
		case zero:
			return time.Unix(0, 0).UTC(), true
		case header || timestampFormat(ref) == "rfc822":
			return exampleSecondTime, true
		}
		return exampleTime, true
	case "blob":
		return g.blob(), true
	}
	return nil, false
}

// collisions returns the body members of s whose XML element name an
// earlier member already uses (S3's deprecated Event beside Events): they
// cannot travel, so neither side generates nor compares them.
func collisions(s *model.Shape) map[string]bool {
	var out map[string]bool
	seen := map[string]bool{}
	for _, m := range s.Members {
		if m.Location != "" {
			continue
		}
		wire := m.Name
		if m.LocationName != "" {
			wire = m.LocationName
		}
		if seen[wire] {
			if out == nil {
				out = map[string]bool{}
			}
			out[m.Name] = true
		}
		seen[wire] = true
	}
	return out
}

func count(s *model.Shape, n int) int {
	if s.Min != nil && float64(n) < *s.Min {
		n = int(*s.Min)
	}
	if s.Max != nil && float64(n) > *s.Max {
		n = int(*s.Max)
	}
	return n
}

func timestampFormat(ref *model.ShapeRef) string {
	if ref.TimestampFormat != "" {
		return strings.ToLower(ref.TimestampFormat)
	}
	return strings.ToLower(ref.Shape.TimestampFormat)
}

// payloadMember returns the output's payload member, or nil.
func payloadMember(s *model.Shape) *model.Member {
	if s == nil || s.Payload == "" {
		return nil
	}
	return s.MemberByName(s.Payload)
}

func isStreaming(m *model.Member) bool {
	return m != nil && (m.Streaming || m.Shape.Streaming)
}

// exampleOutput returns the example output document of op (nil without
// output) and the document to hand to Encode (streaming payloads as
// readers, as services hand them over).
func exampleOutput(op *model.Operation, g generator) (want, enc map[string]any) {
	s := op.OutputShape
	if s == nil {
		return nil, nil
	}
	want = g.structure(s, nil)
	pm := payloadMember(s)
	for _, m := range s.Members {
		if m.Location == "header" && strings.EqualFold(m.LocationName, "Content-Length") && isStreaming(pm) {
			want[m.Name] = int64(len(g.blob())) // must agree with the body
		}
	}
	// The codec gets its own copy: nothing it does to it may change what
	// the parse is compared with.
	enc = deepCopy(want).(map[string]any)
	if isStreaming(pm) && pm.Shape.Type == "blob" {
		if b, ok := want[pm.Name].([]byte); ok {
			enc[pm.Name] = bytes.NewReader(b)
		}
	}
	return want, enc
}

func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[k] = deepCopy(x)
		}
		return m
	case []any:
		l := make([]any, len(t))
		for i, x := range t {
			l[i] = deepCopy(x)
		}
		return l
	case []byte:
		return bytes.Clone(t)
	}
	return v
}

// ---------------------------------------------------------------- typing

// typer converts a value to the document form of shape s, checking
// types on the way. Values from Python (wire=true) come as JSON with
// json.Number and the tags {"$blob": base64}, {"$ts": seconds},
// {"$float": "NaN"}; values from a codec (wire=false) must already have
// the document types (io.Reader for streams, read here). Problems go to
// errs with their path.
type typer struct {
	wire bool
	// xml drops the members collisions excludes: a parser fills them from
	// the elements of the member that shares their name.
	xml  bool
	errs *[]string
}

func (ty typer) value(s *model.Shape, v any, path string) any {
	wire, errs := ty.wire, ty.errs
	bad := func(want string) any {
		*errs = append(*errs, fmt.Sprintf("%s: %T %v is not a %s (%s)", path, v, short(v), want, s.Type))
		return v
	}
	if v == nil {
		return nil
	}
	switch s.Type {
	case "structure":
		m, ok := v.(map[string]any)
		if !ok {
			return bad("map[string]any")
		}
		out := make(map[string]any, len(m))
		var skip map[string]bool
		if ty.xml {
			skip = collisions(s)
		}
		for k, x := range m {
			if skip[k] {
				continue
			}
			mem := s.MemberByName(k)
			if mem == nil {
				*errs = append(*errs, fmt.Sprintf("%s: unknown member %q", path, k))
				continue
			}
			out[k] = ty.value(mem.Shape, x, join(path, k))
		}
		return out
	case "list":
		l, ok := v.([]any)
		if !ok {
			return bad("[]any")
		}
		out := make([]any, len(l))
		for i, x := range l {
			out[i] = ty.value(s.Member.Shape, x, fmt.Sprintf("%s[%d]", path, i))
		}
		return out
	case "map":
		m, ok := v.(map[string]any)
		if !ok {
			return bad("map[string]any")
		}
		out := make(map[string]any, len(m))
		for k, x := range m {
			out[k] = ty.value(s.Value.Shape, x, fmt.Sprintf("%s[%q]", path, k))
		}
		return out
	case "string":
		if r, ok := v.(io.Reader); ok && !wire {
			b, _ := io.ReadAll(r)
			return string(b)
		}
		if _, ok := v.(string); !ok {
			return bad("string")
		}
		return v
	case "boolean":
		if _, ok := v.(bool); !ok {
			return bad("bool")
		}
		return v
	case "integer", "long":
		if wire {
			n, ok := v.(json.Number)
			if !ok {
				return bad("number")
			}
			i, err := n.Int64()
			if err != nil {
				return bad("integer")
			}
			return i
		}
		if _, ok := v.(int64); !ok {
			return bad("int64")
		}
		return v
	case "float", "double":
		if wire {
			// botocore's JSON parsers have no float handler: the specials
			// come back as the strings the protocol spells them with.
			if str, ok := v.(string); ok {
				v = map[string]any{"$float": str}
			}
			if t, ok := v.(map[string]any); ok {
				switch t["$float"] {
				case "NaN":
					return math.NaN()
				case "Infinity":
					return math.Inf(1)
				case "-Infinity":
					return math.Inf(-1)
				}
			}
			n, ok := v.(json.Number)
			if !ok {
				return bad("number")
			}
			f, err := n.Float64()
			if err != nil {
				return bad("float")
			}
			return f
		}
		if _, ok := v.(float64); !ok {
			return bad("float64")
		}
		return v
	case "timestamp":
		if wire {
			t, ok := v.(map[string]any)
			n, ok2 := t["$ts"].(json.Number)
			if !ok || !ok2 {
				return bad("tagged timestamp")
			}
			f, _ := n.Float64()
			return time.UnixMilli(int64(math.Round(f * 1000))).UTC()
		}
		t, ok := v.(time.Time)
		if !ok {
			return bad("time.Time")
		}
		return t.UTC().Truncate(time.Millisecond)
	case "blob":
		if wire {
			t, ok := v.(map[string]any)
			str, ok2 := t["$blob"].(string)
			if !ok || !ok2 {
				return bad("tagged blob")
			}
			b, err := base64.StdEncoding.DecodeString(str)
			if err != nil {
				return bad("base64 blob")
			}
			return b
		}
		switch b := v.(type) {
		case []byte:
			return b
		case io.Reader:
			data, err := io.ReadAll(b)
			if err != nil {
				return bad("readable stream")
			}
			if c, ok := b.(io.Closer); ok {
				c.Close()
			}
			return data
		}
		return bad("[]byte")
	}
	return bad("known shape type")
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// diff compares two typed documents and returns the differences, one per
// line, with paths.
func diff(path string, want, got any) []string {
	return (&differ{}).diff(path, want, got)
}

// differ compares typed documents and counts the scalar values compared.
type differ struct{ leaves int }

func (df *differ) diff(path string, want, got any) []string {
	var out []string
	d := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			d("%s: want %s, got %T %s", orRoot(path), short(want), got, short(got))
			return out
		}
		keys := map[string]bool{}
		for k := range w {
			keys[k] = true
		}
		for k := range g {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			wv, wok := w[k]
			gv, gok := g[k]
			switch {
			case wok && !gok:
				d("%s: missing (want %s)", join(path, k), short(wv))
			case !wok && gok:
				d("%s: unexpected %s", join(path, k), short(gv))
			default:
				out = append(out, df.diff(join(path, k), wv, gv)...)
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok {
			d("%s: want %s, got %T %s", orRoot(path), short(want), got, short(got))
			return out
		}
		if len(w) != len(g) {
			d("%s: want %d items %s, got %d %s", orRoot(path), len(w), short(w), len(g), short(g))
			return out
		}
		for i := range w {
			out = append(out, df.diff(fmt.Sprintf("%s[%d]", path, i), w[i], g[i])...)
		}
	case []byte:
		df.leaves++
		g, ok := got.([]byte)
		if !ok || !bytes.Equal(w, g) {
			d("%s: want %q, got %s", orRoot(path), w, short(got))
		}
	case time.Time:
		df.leaves++
		g, ok := got.(time.Time)
		if !ok || !w.Equal(g) {
			d("%s: want %s, got %s", orRoot(path), w.Format(time.RFC3339Nano), short(got))
		}
	case float64:
		df.leaves++
		g, ok := got.(float64)
		if !ok || !(w == g || math.IsNaN(w) && math.IsNaN(g)) {
			d("%s: want %v, got %T %s", orRoot(path), w, got, short(got))
		}
	default:
		df.leaves++
		if !reflect.DeepEqual(want, got) {
			d("%s: want %T %s, got %T %s", orRoot(path), want, short(want), got, short(got))
		}
	}
	return out
}

func orRoot(path string) string {
	if path == "" {
		return "(document)"
	}
	return path
}

// short renders a value for a diff line, cut to a readable length.
func short(v any) string {
	var s string
	switch t := v.(type) {
	case string:
		s = fmt.Sprintf("%q", t)
	case []byte:
		s = fmt.Sprintf("[]byte(%q)", t)
	case time.Time:
		s = t.Format(time.RFC3339Nano)
	default:
		b, err := json.Marshal(v)
		if err != nil {
			s = fmt.Sprintf("%v", v)
		} else {
			s = string(b)
		}
	}
	if len(s) > 160 {
		s = s[:157] + "..."
	}
	return s
}

// uncarried removes from a want document the values the wire cannot carry,
// so that their absence on the other side is no disagreement. Each rule is
// a property of the protocol (or of botocore's serializer), not of hako:
//
//   - an empty payload: HTTP does not tell an empty body from none;
//   - an empty list or map bound to a querystring, header or headers
//     location: no parameter or header is sent for it (botocore skips
//     empty header lists explicitly);
//   - an empty map in a query-protocol request: botocore's query
//     serializer writes no parameter for it (it writes "Name=" for an
//     empty list, which does travel);
//   - an empty flattened list or map in XML (rest-xml, query responses):
//     no element is left to carry it;
//   - an empty structure in a query-protocol request: it has no
//     parameter of its own, and a list of nothing but empty structures
//     writes none either; a map of them writes only keys
//     (Attributes.entry.1.Name=k), entries the query codec skips.
func uncarried(s *model.Shape, doc map[string]any, proto, dir string) map[string]any {
	if doc == nil {
		return nil
	}
	out := make(map[string]any, len(doc))
	for k, v := range doc {
		m := s.MemberByName(k)
		if m == nil {
			out[k] = v
			continue
		}
		switch {
		case k == s.Payload && isEmptyScalar(v):
			continue
		case (m.Location == "querystring" || m.Location == "header" || m.Location == "headers") && isEmptyCollection(v):
			continue
		}
		if v, ok := uncarriedValue(m.ShapeRef, v, proto, dir); ok {
			out[k] = v
		}
	}
	return out
}

func uncarriedValue(ref *model.ShapeRef, v any, proto, dir string) (any, bool) {
	s := ref.Shape
	xml := proto == "rest-xml" || proto == "query" && dir != dirRequest
	queryRequest := proto == "query" && dir == dirRequest
	if isEmptyCollection(v) {
		if xml && (ref.Flattened || s.Flattened) {
			return nil, false
		}
		if queryRequest && (s.Type == "map" || s.Type == "structure") {
			return nil, false
		}
	}
	switch t := v.(type) {
	case map[string]any:
		if s.Type == "structure" {
			st := uncarried(s, t, proto, dir)
			if queryRequest && len(st) == 0 {
				return nil, false
			}
			return st, true
		}
		out := make(map[string]any, len(t))
		for k, x := range t {
			if x, ok := uncarriedValue(s.Value, x, proto, dir); ok {
				out[k] = x
			}
		}
		if len(t) > 0 && len(out) == 0 && queryRequest {
			return nil, false
		}
		return out, true
	case []any:
		out := make([]any, 0, len(t))
		for _, x := range t {
			if x, ok := uncarriedValue(s.Member, x, proto, dir); ok {
				out = append(out, x)
			}
		}
		if len(t) > 0 && len(out) == 0 && queryRequest {
			return nil, false
		}
		return out, true
	}
	return v, true
}

func isEmptyScalar(v any) bool {
	switch t := v.(type) {
	case string:
		return t == ""
	case []byte:
		return len(t) == 0
	}
	return false
}

func isEmptyCollection(v any) bool {
	switch t := v.(type) {
	case []any:
		return len(t) == 0
	case map[string]any:
		return len(t) == 0
	}
	return false
}
