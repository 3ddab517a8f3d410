package model

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// uriTemplate is a parsed requestUri such as
// "/2015-03-31/functions/{FunctionName}/invocations" or "/{Bucket}/{Key+}?uploads".
type uriTemplate struct {
	segments []uriSegment
	query    []queryLiteral // literals after '?' that the request must carry
}

type uriSegment struct {
	literal string // when label == ""
	label   string
	greedy  bool // {Label+}: matches the rest of the path, slashes included
	// prefix/suffix around a label inside one segment, e.g. "{Name}.json" (rare)
	prefix, suffix string
}

type queryLiteral struct {
	key, value string
	hasValue   bool
}

func parseURITemplate(s string) *uriTemplate {
	path, query, _ := strings.Cut(s, "?")
	t := &uriTemplate{}
	for _, seg := range strings.Split(strings.TrimPrefix(path, "/"), "/") {
		open := strings.IndexByte(seg, '{')
		close := strings.IndexByte(seg, '}')
		if open < 0 || close < open {
			t.segments = append(t.segments, uriSegment{literal: seg})
			continue
		}
		label := seg[open+1 : close]
		greedy := strings.HasSuffix(label, "+")
		t.segments = append(t.segments, uriSegment{
			label:  strings.TrimSuffix(label, "+"),
			greedy: greedy,
			prefix: seg[:open],
			suffix: seg[close+1:],
		})
	}
	// A trailing empty literal ("/path/") only matters when it is the sole segment.
	if n := len(t.segments); n > 1 && t.segments[n-1].literal == "" && t.segments[n-1].label == "" {
		t.segments = t.segments[:n-1]
	}
	if query != "" {
		for _, part := range strings.Split(query, "&") {
			k, v, has := strings.Cut(part, "=")
			t.query = append(t.query, queryLiteral{key: k, value: v, hasValue: has})
		}
	}
	return t
}

// score ranks matching templates: literal segments first, then required
// query literals; a greedy label ranks below a literal.
func (t *uriTemplate) score() int {
	s := 0
	for _, seg := range t.segments {
		switch {
		case seg.label == "":
			s += 100
		case seg.greedy:
			s += 1
		default:
			s += 10
		}
	}
	return s*10 + len(t.query)
}

// match reports whether the path's segments and the query fit the template and returns the
// unescaped label values.
func (t *uriTemplate) match(allParts []string, query url.Values) (map[string]string, bool) {
	for _, q := range t.query {
		vals, ok := query[q.key]
		if !ok {
			return nil, false
		}
		if q.hasValue && (len(vals) == 0 || vals[0] != q.value) {
			return nil, false
		}
	}
	parts := allParts
	if len(parts) > 1 && parts[len(parts)-1] == "" && !(len(t.segments) > 0 && t.segments[len(t.segments)-1].greedy) {
		parts = parts[:len(parts)-1]
	}
	var labels map[string]string
	for i, seg := range t.segments {
		if seg.greedy {
			rest := strings.Join(parts[min(i, len(parts)):], "/")
			v, err := url.PathUnescape(rest)
			if err != nil || v == "" {
				return nil, false
			}
			if labels == nil {
				labels = map[string]string{}
			}
			labels[seg.label] = v
			return labels, true
		}
		if i >= len(parts) {
			return nil, false
		}
		p := parts[i]
		if seg.label == "" {
			if p != seg.literal {
				return nil, false
			}
			continue
		}
		if !strings.HasPrefix(p, seg.prefix) || !strings.HasSuffix(p, seg.suffix) || len(p) < len(seg.prefix)+len(seg.suffix) {
			return nil, false
		}
		v, err := url.PathUnescape(p[len(seg.prefix) : len(p)-len(seg.suffix)])
		if err != nil || v == "" {
			return nil, false
		}
		if labels == nil {
			labels = map[string]string{}
		}
		labels[seg.label] = v
	}
	if len(parts) != len(t.segments) {
		// "/" matches a template of one empty literal segment only.
		return nil, false
	}
	return labels, true
}

func hasHeaders(h http.Header, names []string) bool {
	for _, n := range names {
		// Present but empty still selects the operation (S3 then rejects
		// the empty value) rather than falling through to a more general
		// one that would, say, overwrite an object with the body.
		if _, ok := h[http.CanonicalHeaderKey(n)]; !ok {
			return false
		}
	}
	return true
}

func hasQuery(q url.Values, names []string) bool {
	for _, n := range names {
		if _, ok := q[n]; !ok {
			return false
		}
	}
	return true
}

func sortRestOps(ops []*Operation) {
	sort.SliceStable(ops, func(i, j int) bool {
		si, sj := ops[i].specificity(), ops[j].specificity()
		if si != sj {
			return si > sj
		}
		// A deprecated operation shares its URI with its replacement
		// (S3's PutBucketLifecycle and PutBucketLifecycleConfiguration):
		// requests are the replacement's.
		if ops[i].Deprecated != ops[j].Deprecated {
			return !ops[i].Deprecated
		}
		return ops[i].Name < ops[j].Name
	})
}

// MatchREST finds the operation of a rest-json or rest-xml model that a
// request addresses, and the values of its URI labels. rawPath is the
// escaped path (r.URL.EscapedPath()), relative to the service root (for
// virtual-hosted S3 the edge prepends the bucket). When the path matches
// operations but none with this method, methodMismatch is true (405).
//
// Operations that share a URI template (S3's PutObject, CopyObject and
// UploadPart) are told apart by their required header and querystring
// members: a candidate whose required members are missing from the request does not match.
func (a *API) MatchREST(method, rawPath string, query url.Values, header http.Header) (op *Operation, labels map[string]string, methodMismatch bool) {
	parts := strings.Split(strings.TrimPrefix(rawPath, "/"), "/") // once, not per candidate
	var partial *Operation                                        // path and method fit, a required member is missing
	var partialLabels map[string]string
	for _, candidate := range a.restOps {
		l, ok := candidate.uri.match(parts, query)
		if !ok {
			continue
		}
		if candidate.HTTP.Method != method {
			methodMismatch = true
			continue
		}
		if !hasHeaders(header, candidate.requiredHeaders) || !hasQuery(query, candidate.requiredQuery) {
			if partial == nil {
				partial, partialLabels = candidate, l
			}
			continue
		}
		if partial != nil && len(partial.uri.query) > len(candidate.uri.query) {
			// The request carries the partial match's own query literal
			// (?attributes, ?renameObject), which this plainer operation
			// lacks: it is that operation, with a member missing that
			// validation will name.
			return partial, partialLabels, false
		}
		return candidate, l, false
	}
	if partial != nil {
		// Serve the operation so validation names the missing member,
		// rather than answering "unknown operation".
		return partial, partialLabels, false
	}
	return nil, nil, methodMismatch
}

// specificity orders operations for matching: more literal path, more
// required query literals and members, more required headers first.
func (op *Operation) specificity() int {
	return op.uri.score() + len(op.requiredHeaders) + len(op.requiredQuery)
}

// FixedQueryKeys are the query keys written in the operation's requestUri
// ("/{Bucket}?uploads", "/restapis?mode=import").
func (op *Operation) FixedQueryKeys() []string {
	if op.uri == nil {
		return nil
	}
	keys := make([]string, len(op.uri.query))
	for i, q := range op.uri.query {
		keys[i] = q.key
	}
	return keys
}
