package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/aws/smithy-go/encoding/httpbinding"
)

// specSignature computes a SigV4 signature straight from the specification
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html).
// It serves the requests the SDK signer cannot reproduce (see sdkRequest):
// a Date header instead of X-Amz-Date, an unsigned x-amz-date, a signed
// "content-length: 0", SignedHeaders not sorted or not lower-case. It
// canonicalizes the query and header values exactly as the SDK signer does,
// and the tests and FuzzVerify hold both to the same answer wherever the SDK
// can sign.
func specSignature(r *http.Request, p *Parsed, secret, payload, path string) (sig, canonical, stringToSign string) {
	var b strings.Builder
	b.WriteString(methodOf(r))
	b.WriteByte('\n')
	uri := path
	if !isS3(p.Service) {
		uri = httpbinding.EscapePath(uri, false)
	}
	if uri == "" {
		uri = "/"
	}
	b.WriteString(uri)
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(r.URL.RawQuery, p.Kind == Presigned))
	b.WriteByte('\n')
	for _, name := range strings.Split(p.signedHeadersRaw, ";") {
		name = strings.ToLower(name)
		b.WriteString(name)
		b.WriteByte(':')
		if name == "host" {
			// Like the SDK: the host is only stripped of repeated spaces.
			b.WriteString(stripExcessSpaces(requestHost(r)))
		} else {
			for i, v := range headerValues(r, name) {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(strings.TrimSpace(stripExcessSpaces(v)))
			}
		}
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(p.signedHeadersRaw)
	b.WriteByte('\n')
	b.WriteString(payload)
	canonical = b.String()

	amzDate := p.amzDate
	if amzDate == "" {
		amzDate = p.Date.UTC().Format(timeFormat)
	}
	scope := p.scopeDate + "/" + p.Region + "/" + p.Service + "/" + terminator
	sum := sha256.Sum256([]byte(canonical))
	stringToSign = algorithm + "\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(sum[:])

	key := hmacSHA256([]byte("AWS4"+secret), p.scopeDate)
	key = hmacSHA256(key, p.Region)
	key = hmacSHA256(key, p.Service)
	key = hmacSHA256(key, terminator)
	return hex.EncodeToString(hmacSHA256(key, stringToSign)), canonical, stringToSign
}

func methodOf(r *http.Request) string {
	if r.Method == "" {
		return "GET"
	}
	return r.Method
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// canonicalQuery decodes the query the way net/url does (as the SDK signer
// does) and re-encodes each name and value with SigV4's escaping, sorted
// after encoding. Presigned requests leave out X-Amz-Signature.
func canonicalQuery(raw string, presigned bool) string {
	q, _ := url.ParseQuery(raw)
	if presigned {
		delete(q, "X-Amz-Signature")
	}
	type pair struct{ k, v string }
	var pairs []pair
	for k, vs := range q {
		ek := queryEscape(k)
		for _, v := range vs {
			pairs = append(pairs, pair{ek, queryEscape(v)})
		}
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
	}
	return b.String()
}

// queryEscape escapes all but A-Z a-z 0-9 - _ . ~, a space as %20.
func queryEscape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// stripExcessSpaces trims spaces at both ends and folds runs of spaces into
// one (spaces only, not tabs, as the SDK signer does).
func stripExcessSpaces(s string) string {
	s = strings.Trim(s, " ")
	if !strings.Contains(s, "  ") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		b.WriteByte(c)
	}
	return b.String()
}
