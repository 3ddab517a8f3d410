package sigv4

import (
	"context"
	"crypto/subtle"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go/logging"
)

// verifyV4 recomputes a SigV4 signature (Authorization header or presigned
// query) and compares it with the one the request carries.
func verifyV4(r *http.Request, p *Parsed, secret string) error {
	payload, err := payloadHash(r, p)
	if err != nil {
		return err
	}
	paths := canonicalPaths(r, p.Service)
	for _, path := range paths {
		sig := expectedV4(r, p, secret, payload, path, nil)
		if sig != "" && subtle.ConstantTimeCompare([]byte(sig), []byte(p.Signature)) == 1 {
			return nil
		}
	}
	// Only failures pay for the diagnostics: sign again, keeping the
	// canonical request and string to sign the client can diff against.
	var d diagnostics
	expectedV4(r, p, secret, payload, paths[0], &d)
	return &Error{Reason: ReasonSignatureMismatch, Msg: MsgSignatureMismatch,
		CanonicalRequest: d.canonical, StringToSign: d.stringToSign, SignatureProvided: p.Signature}
}

// diagnostics receives the canonical request and string to sign.
type diagnostics struct{ canonical, stringToSign string }

// Logf captures the SDK signer's LogSigning output, whose first two
// arguments are the canonical request and the string to sign.
func (d *diagnostics) Logf(_ logging.Classification, _ string, v ...any) {
	if len(v) >= 2 {
		d.canonical, _ = v[0].(string)
		d.stringToSign, _ = v[1].(string)
	}
}

// expectedV4 is the signature the client should have sent when it signed
// path as the URI. The aws-sdk-go-v2 signer computes it from a copy of the
// request that holds only what the client signed; the few requests that
// copy cannot express go to specSignature (see sdkRequest).
func expectedV4(r *http.Request, p *Parsed, secret, payload, path string, d *diagnostics) string {
	cp, ok := sdkRequest(r, p, path)
	if !ok {
		sig, creq, sts := specSignature(r, p, secret, payload, path)
		if d != nil {
			d.canonical, d.stringToSign = creq, sts
		}
		return sig
	}
	creds := aws.Credentials{AccessKeyID: p.AccessKeyID, SecretAccessKey: secret}
	opts := func(o *v4.SignerOptions) {
		// S3 signs the path as sent; everyone else escapes it once more.
		o.DisableURIPathEscaping = isS3(p.Service)
		// The token is in the copy only if the client signed it.
		o.DisableSessionToken = true
		// The query already holds whatever the client hoisted into it.
		o.DisableHeaderHoisting = true
		if d != nil {
			o.LogSigning, o.Logger = true, d
		}
	}
	signer := signerFor(p.AccessKeyID, secret)
	ctx := context.Background()
	if p.Kind == Presigned {
		u, _, err := signer.PresignHTTP(ctx, creds, cp, payload, p.Service, p.Region, p.Date, opts)
		if err != nil {
			return ""
		}
		_, sig, _ := cutLast(u, "X-Amz-Signature=")
		return sig
	}
	if err := signer.SignHTTP(ctx, creds, cp, payload, p.Service, p.Region, p.Date, opts); err != nil {
		return ""
	}
	_, sig, _ := cutLast(cp.Header.Get("Authorization"), "Signature=")
	return sig
}

func cutLast(s, sep string) (before, after string, found bool) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return s, "", false
}

// sdkRequest builds the request the SDK signer must sign to reproduce the
// client's canonical request, or reports that it cannot.
//
// What the SDK signer does by itself, and how the copy accounts for it:
//   - It signs every header in the request except a fixed ignore list
//     (Authorization, User-Agent, X-Amzn-Trace-Id, Expect,
//     Transfer-Encoding). The copy holds only the signed headers, stored
//     under lower-case map keys: the ignore list matches canonical keys
//     exactly, so a client that signed User-Agent (AWS SDK for Java v1
//     does) still gets it signed.
//   - It always signs host (from req.Host) and content-length when
//     ContentLength > 0; the copy sets them only as the client signed them.
//     A signed "content-length: 0" cannot be expressed: spec path.
//   - Header auth: it always signs X-Amz-Date formatted from the signing
//     time. A client that used the Date header or did not sign x-amz-date:
//     spec path.
//   - It would add X-Amz-Security-Token and hoist X-Amz-* headers into a
//     presigned query: both disabled, the copy already is what was signed.
//   - It writes SignedHeaders sorted and lower-cased; a client that sent
//     them otherwise signed that other string: spec path.
//   - Presigned: it sets X-Amz-Algorithm, -Credential, -Date and
//     -SignedHeaders itself, which equal the client's values once the above
//     holds and each appears once.
//   - It strips a default port from the host when the URL has a scheme;
//     the copy has none, so the Host is signed as received.
//   - It takes the canonical URI from URL.Opaque when set, so the copy
//     carries the path exactly as it came over the wire.
func sdkRequest(r *http.Request, p *Parsed, path string) (*http.Request, bool) {
	if p.signedHeadersRaw != canonicalSignedHeaders(p.SignedHeaders) {
		return nil, false
	}
	rawQuery := r.URL.RawQuery
	if p.Kind == Presigned {
		q := r.URL.Query()
		for _, k := range []string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders"} {
			if len(q[k]) != 1 {
				return nil, false
			}
		}
		q.Del("X-Amz-Signature")
		rawQuery = q.Encode()
	} else if p.amzDate == "" || !slices.Contains(p.SignedHeaders, "x-amz-date") {
		return nil, false
	}
	cp := &http.Request{
		Method: methodOf(r),
		// GetURIPath in the signer takes the path from Opaque after
		// "//host"; any host will do, the signed host is cp.Host.
		URL:    &url.URL{Opaque: "//h" + path, RawQuery: rawQuery},
		Host:   requestHost(r),
		Header: make(http.Header, len(p.SignedHeaders)),
	}
	for _, name := range p.SignedHeaders {
		switch name {
		case "host":
			continue
		case "content-length":
			v := headerValue(r, name)
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 || strconv.FormatInt(n, 10) != v {
				return nil, false
			}
			cp.ContentLength = n
			continue
		case "x-amz-date":
			if p.Kind == Header {
				continue // the signer writes it
			}
		}
		cp.Header[name] = headerValues(r, name)
	}
	return cp, true
}

// canonicalSignedHeaders is the SignedHeaders string the SDK signer writes
// for these names: sorted, de-duplicated, ';'-joined.
func canonicalSignedHeaders(names []string) string {
	s := slices.Clone(names)
	slices.Sort(s)
	s = slices.Compact(s)
	if len(s) > 0 && s[0] == "" {
		return "" // an empty name never matches: force the spec path
	}
	return strings.Join(s, ";")
}

func requestHost(r *http.Request) string {
	if r.Host != "" {
		return r.Host
	}
	return r.URL.Host
}

// headerValues returns all values of a (lower-case) header name, including
// the ones net/http moved out of the header map.
func headerValues(r *http.Request, name string) []string {
	if v := r.Header.Values(name); len(v) > 0 {
		return v
	}
	for k, v := range r.Header { // keys set without canonicalization
		if strings.EqualFold(k, name) {
			return v
		}
	}
	switch name {
	case "host":
		return []string{requestHost(r)}
	case "content-length":
		if r.ContentLength > 0 {
			return []string{strconv.FormatInt(r.ContentLength, 10)}
		}
	case "transfer-encoding":
		if len(r.TransferEncoding) > 0 {
			return []string{strings.Join(r.TransferEncoding, ",")}
		}
	}
	return nil
}

func headerValue(r *http.Request, name string) string {
	return strings.TrimSpace(strings.Join(headerValues(r, name), ","))
}

// canonicalPaths lists the URIs the client may have signed. S3 signs the
// path as sent. Other services sign the path with dot segments and empty
// segments removed; botocore does that before signing and aws-sdk-go-v2
// does not, so a path that normalization changes is tried both ways.
func canonicalPaths(r *http.Request, service string) []string {
	raw := wirePath(r)
	if isS3(service) {
		return []string{raw}
	}
	if n := removeDotSegments(raw); n != raw {
		return []string{raw, n}
	}
	return []string{raw}
}

// wirePath is the path as the client sent it (still percent-encoded), which
// is what the client signed, rather than net/url's re-encoding of it.
func wirePath(r *http.Request) string {
	if ru := r.RequestURI; strings.HasPrefix(ru, "/") {
		if i := strings.IndexByte(ru, '?'); i >= 0 {
			ru = ru[:i]
		}
		return ru
	}
	// Absolute-form and "*" request targets: SigV4 paths start with '/'
	// (and the SDK signer reads the path from the first '/').
	p := r.URL.EscapedPath()
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return p
}

// removeDotSegments is RFC 3986 5.2.4 plus collapsing of empty segments,
// the way botocore normalizes paths for non-S3 services.
func removeDotSegments(path string) string {
	if path == "" {
		return "/"
	}
	var out []string
	for _, seg := range strings.Split(path, "/") {
		switch seg {
		case "", ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, seg)
		}
	}
	first, last := "", ""
	if path[0] == '/' {
		first = "/"
	}
	if path[len(path)-1] == '/' && len(out) > 0 {
		last = "/"
	}
	return first + strings.Join(out, "/") + last
}

// signerFor returns a signer per access key and secret. The SDK signer
// caches derived signing keys by region and service and checks only the
// access key id and the day on a hit, not the secret: one signer shared
// across secrets would accept a request signed with a wrong secret once
// the right one had been used for that key id the same day.
func signerFor(accessKeyID, secret string) *v4.Signer {
	k := signerKey{accessKeyID, secret}
	signers.Lock()
	defer signers.Unlock()
	s, ok := signers.m[k]
	if !ok {
		if len(signers.m) >= maxSigners {
			clear(signers.m)
		}
		s = v4.NewSigner()
		signers.m[k] = s
	}
	return s
}

type signerKey struct{ id, secret string }

const maxSigners = 1024

var signers = struct {
	sync.Mutex
	m map[signerKey]*v4.Signer
}{m: map[signerKey]*v4.Signer{}}
