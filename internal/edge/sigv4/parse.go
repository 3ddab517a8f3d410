package sigv4

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Kind is the authentication mechanism a request uses.
type Kind int

const (
	// None: anonymous, no signature anywhere.
	None Kind = iota
	// Header: Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...
	Header
	// Presigned: SigV4 in the query (X-Amz-Algorithm, X-Amz-Credential, ...).
	Presigned
	// V2Header: Authorization: AWS AccessKeyId:Signature (S3 SigV2).
	V2Header
	// V2Presigned: ?AWSAccessKeyId=...&Expires=...&Signature=... (S3 SigV2).
	V2Presigned
)

func (k Kind) String() string {
	switch k {
	case None:
		return "None"
	case Header:
		return "Header"
	case Presigned:
		return "Presigned"
	case V2Header:
		return "V2Header"
	case V2Presigned:
		return "V2Presigned"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Parsed is what a request claims about its signature, before verification.
type Parsed struct {
	Kind        Kind
	AccessKeyID string
	// Date is the signing time: X-Amz-Date (or the Date header when there is
	// no X-Amz-Date). Zero for V2Presigned, which carries only ExpiresAt.
	Date time.Time
	// Region and Service come from the SigV4 credential scope; empty for
	// V2 and None.
	Region, Service string
	// SignedHeaders are the lower-cased names the client signed (SigV4).
	SignedHeaders []string
	// Signature as sent: lower-case hex (SigV4) or base64 (SigV2).
	Signature string
	// SecurityToken is X-Amz-Security-Token (header or query).
	SecurityToken string
	// Expires is X-Amz-Expires (Presigned only; 0 when absent, which only
	// non-S3 services allow: such URLs are then held to the 15-minute skew).
	Expires time.Duration
	// ExpiresAt is when a presigned URL stops being valid: Date+Expires for
	// Presigned, the Expires parameter for V2Presigned.
	ExpiresAt time.Time
	// PayloadHash is the declared X-Amz-Content-Sha256 (header, or query for
	// presigned URLs), verbatim: a hex SHA-256, UNSIGNED-PAYLOAD or one of the
	// STREAMING-* values; UNSIGNED-PAYLOAD for S3 presigned URLs that do not
	// say. Empty when the request does not declare one (the body is signed).
	PayloadHash string

	// VirtualHostBucket is not read from the request: the router sets it when
	// it resolved an S3 bucket from the Host (BUCKET.s3.localhost), because a
	// SigV2 signature covers "/BUCKET/key" even when the path is "/key".
	VirtualHostBucket string

	// What the client signed, byte for byte, where our parsed form loses it.
	amzDate          string // raw X-Amz-Date; "" when the Date header gave the time
	signedHeadersRaw string // raw SignedHeaders / X-Amz-SignedHeaders
	scopeDate        string // YYYYMMDD of the credential scope
	hasExpires       bool   // X-Amz-Expires was present
	v2Date           string // SigV2 header: raw Date header value
	v2AmzDate        bool   // SigV2 header: x-amz-date present (Date line is empty)
	v2Expires        string // SigV2 presigned: raw Expires
}

const (
	algorithm     = "AWS4-HMAC-SHA256"
	timeFormat    = "20060102T150405Z"
	dateFormat    = "20060102"
	terminator    = "aws4_request"
	maxSkew       = 15 * time.Minute
	maxExpires    = 604800 // seconds, one week
	v2HeaderSpace = "AWS "
)

// Messages of malformed requests, as AWS words them.
const (
	msgOneMechanism  = "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified"
	msgUnsupported   = "Unsupported Authorization Type"
	msgHostSigned    = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
	msgQueryV4       = "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."
	msgQueryV4Alg    = `X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"`
	msgQueryV4Date   = `X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`
	msgQueryV4Cred   = `Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`
	msgExpiresNaN    = "X-Amz-Expires should be a number"
	msgExpiresNeg    = "X-Amz-Expires must be non-negative"
	msgExpiresWeek   = "X-Amz-Expires must be less than a week (in seconds) that is 604800"
	msgQueryV2       = "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters"
	msgV2Header      = "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature"
	msgV2Date        = "AWS authentication requires a valid Date or x-amz-date header"
	msgRegionInScope = "Credential should be scoped to a valid region. "
	msgServiceScope  = "Credential should be scoped to correct service. "
)

// Parse reads which mechanism a request uses and what it claims (key id,
// scope, signed headers, dates). It does no cryptography and does not read
// the body, so the router can call it on every request to pick the service
// from the credential scope. A request without any signature gives
// Kind None and no error; a signature that is present but malformed gives a
// ReasonMalformed *Error.
func Parse(r *http.Request) (*Parsed, error) {
	auth := r.Header.Get("Authorization")
	var q url.Values
	if raw := r.URL.RawQuery; raw != "" &&
		(strings.Contains(raw, "X-Amz-") || strings.Contains(raw, "Signature") || strings.Contains(raw, "AWSAccessKeyId")) {
		q = r.URL.Query()
	}
	v4q := q.Has("X-Amz-Algorithm") || q.Has("X-Amz-Credential") || q.Has("X-Amz-Signature")
	v2q := q.Has("AWSAccessKeyId") || q.Has("Signature")
	n := 0
	for _, b := range []bool{auth != "", v4q, v2q} {
		if b {
			n++
		}
	}
	switch {
	case n == 0:
		return &Parsed{Kind: None}, nil
	case n > 1:
		return nil, malformed(msgOneMechanism)
	case v4q:
		return parsePresigned(r, q)
	case v2q:
		return parseV2Presigned(r, q)
	case strings.HasPrefix(auth, algorithm+" ") || auth == algorithm:
		return parseHeader(r, auth)
	case strings.HasPrefix(auth, v2HeaderSpace):
		return parseV2Header(r, auth)
	}
	return nil, malformed(msgUnsupported)
}

// parseHeader reads "AWS4-HMAC-SHA256 Credential=K/D/R/S/aws4_request,
// SignedHeaders=a;b, Signature=hex".
func parseHeader(r *http.Request, auth string) (*Parsed, error) {
	var cred, signed, sig string
	for _, f := range strings.Split(auth[len(algorithm):], ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(f), "=")
		switch k {
		case "Credential":
			cred = v
		case "SignedHeaders":
			signed = v
		case "Signature":
			sig = v
		}
	}
	amzDate := r.Header.Get("X-Amz-Date")
	httpDate := r.Header.Get("Date")

	// AWS lists everything that is missing in one message.
	var missing strings.Builder
	if cred == "" {
		missing.WriteString("Authorization header requires 'Credential' parameter. ")
	}
	if sig == "" {
		missing.WriteString("Authorization header requires 'Signature' parameter. ")
	}
	if signed == "" {
		missing.WriteString("Authorization header requires 'SignedHeaders' parameter. ")
	}
	if amzDate == "" && httpDate == "" {
		missing.WriteString("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ")
	}
	if missing.Len() > 0 {
		missing.WriteString("Authorization=" + auth)
		return nil, malformed(missing.String())
	}

	p := &Parsed{
		Kind:             Header,
		Signature:        sig,
		SecurityToken:    r.Header.Get("X-Amz-Security-Token"),
		PayloadHash:      r.Header.Get("X-Amz-Content-Sha256"),
		amzDate:          amzDate,
		signedHeadersRaw: signed,
	}
	if amzDate != "" {
		t, err := parseAmzDate(amzDate)
		if err != nil {
			return nil, malformed("Date must be in ISO-8601 'basic format'. Got '" + amzDate + "'. See http://en.wikipedia.org/wiki/ISO_8601")
		}
		p.Date = t
	} else {
		t, err := parseHTTPDate(httpDate)
		if err != nil {
			return nil, malformed("Date must be in ISO-8601 'basic format'. Got '" + httpDate + "'. See http://en.wikipedia.org/wiki/ISO_8601")
		}
		p.Date = t.UTC()
	}
	if err := p.setCredential(cred, false); err != nil {
		return nil, err
	}
	if err := p.setSignedHeaders(signed); err != nil {
		return nil, err
	}
	return p, nil
}

// parsePresigned reads SigV4 query authentication.
func parsePresigned(r *http.Request, q url.Values) (*Parsed, error) {
	alg, cred, date := q.Get("X-Amz-Algorithm"), q.Get("X-Amz-Credential"), q.Get("X-Amz-Date")
	signed, sig := q.Get("X-Amz-SignedHeaders"), q.Get("X-Amz-Signature")
	if alg == "" || cred == "" || date == "" || signed == "" || sig == "" {
		return nil, malformed(msgQueryV4)
	}
	if alg != algorithm {
		return nil, malformed(msgQueryV4Alg)
	}
	t, err := parseAmzDate(date)
	if err != nil {
		return nil, malformed(msgQueryV4Date)
	}
	p := &Parsed{
		Kind:             Presigned,
		Date:             t,
		Signature:        sig,
		SecurityToken:    q.Get("X-Amz-Security-Token"),
		PayloadHash:      q.Get("X-Amz-Content-Sha256"),
		amzDate:          date,
		signedHeadersRaw: signed,
	}
	if p.SecurityToken == "" {
		p.SecurityToken = r.Header.Get("X-Amz-Security-Token")
	}
	if err := p.setCredential(cred, true); err != nil {
		return nil, err
	}
	if err := p.setSignedHeaders(signed); err != nil {
		return nil, err
	}
	if p.PayloadHash == "" && isS3(p.Service) {
		// S3 presigned URLs never sign their body; a header from whoever
		// uses the URL changes nothing.
		p.PayloadHash = UnsignedPayload
	}
	if q.Has("X-Amz-Expires") {
		v := q.Get("X-Amz-Expires")
		secs, err := strconv.ParseInt(v, 10, 64)
		switch {
		case err != nil:
			return nil, malformed(msgExpiresNaN)
		case secs < 0:
			return nil, malformed(msgExpiresNeg)
		case secs > maxExpires:
			return nil, malformed(msgExpiresWeek)
		}
		p.hasExpires = true
		p.Expires = time.Duration(secs) * time.Second
		p.ExpiresAt = p.Date.Add(p.Expires)
	} else if isS3(p.Service) {
		return nil, malformed(msgQueryV4)
	}
	return p, nil
}

// parseAmzDate parses the ISO-8601 basic format strictly: time.Parse alone
// would take a one-digit hour, and then the string we sign would differ
// from the one the client signed.
func parseAmzDate(s string) (time.Time, error) {
	t, err := time.Parse(timeFormat, s)
	if err == nil && t.Format(timeFormat) != s {
		err = errors.New("not in basic format")
	}
	return t, err
}

// parseHTTPDate reads a Date header: RFC 1123 with a zone name or a numeric
// offset (Python's email.utils.formatdate writes "-0000"), RFC 850, asctime.
func parseHTTPDate(s string) (time.Time, error) {
	var err error
	for _, layout := range []string{time.RFC1123, time.RFC1123Z, time.RFC850, time.ANSIC} {
		var t time.Time
		if t, err = time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, err
}

// setCredential splits "AKID/YYYYMMDD/region/service/aws4_request" and
// checks the scope against the request date.
func (p *Parsed) setCredential(cred string, query bool) error {
	parts := strings.Split(cred, "/")
	if len(parts) != 5 || parts[0] == "" {
		if query {
			return malformed(msgQueryV4Cred)
		}
		return malformed("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '" + cred + "'")
	}
	if parts[4] != terminator {
		return malformed("Credential should be scoped with a valid terminator: 'aws4_request', not '" + parts[4] + "'. ")
	}
	if parts[2] == "" {
		return malformed(msgRegionInScope)
	}
	if parts[3] == "" {
		return malformed(msgServiceScope)
	}
	iso := p.amzDate
	if iso == "" {
		iso = p.Date.Format(timeFormat)
	}
	if parts[1] != iso[:len(dateFormat)] {
		return malformed("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '" +
			parts[1] + "' != '" + iso[:len(dateFormat)] + "', from '" + iso + "'.")
	}
	p.AccessKeyID, p.scopeDate, p.Region, p.Service = parts[0], parts[1], parts[2], parts[3]
	return nil
}

func (p *Parsed) setSignedHeaders(raw string) error {
	names := strings.Split(raw, ";")
	host := false
	for i, n := range names {
		names[i] = strings.ToLower(n)
		host = host || names[i] == "host"
	}
	if !host {
		return malformed(msgHostSigned)
	}
	p.SignedHeaders = names
	return nil
}

// parseV2Header reads "AWS AKID:base64signature" (S3 SigV2).
func parseV2Header(r *http.Request, auth string) (*Parsed, error) {
	rest := auth[len(v2HeaderSpace):]
	i := strings.LastIndexByte(rest, ':')
	if i <= 0 || i == len(rest)-1 {
		return nil, malformed(msgV2Header)
	}
	p := &Parsed{
		Kind:          V2Header,
		AccessKeyID:   rest[:i],
		Signature:     rest[i+1:],
		SecurityToken: r.Header.Get("X-Amz-Security-Token"),
		PayloadHash:   r.Header.Get("X-Amz-Content-Sha256"),
		v2Date:        r.Header.Get("Date"),
	}
	// In SigV2 x-amz-date replaces Date (and is signed among the x-amz-
	// headers, with an empty Date line).
	date := p.v2Date
	if d := r.Header.Get("X-Amz-Date"); d != "" {
		date, p.v2AmzDate = d, true
	}
	t, err := parseHTTPDate(date)
	if err != nil {
		return nil, malformed(msgV2Date)
	}
	p.Date = t.UTC()
	return p, nil
}

// parseV2Presigned reads ?AWSAccessKeyId=K&Expires=epoch&Signature=b64.
func parseV2Presigned(r *http.Request, q url.Values) (*Parsed, error) {
	key, sig, exp := q.Get("AWSAccessKeyId"), q.Get("Signature"), q.Get("Expires")
	if key == "" || sig == "" || exp == "" {
		return nil, malformed(msgQueryV2)
	}
	secs, err := strconv.ParseInt(exp, 10, 64)
	if err != nil {
		return nil, malformed("Invalid date (should be seconds since epoch): " + exp)
	}
	p := &Parsed{
		Kind:        V2Presigned,
		AccessKeyID: key,
		// A '+' the client left unescaped arrives as a space; base64 has none.
		Signature:     strings.ReplaceAll(sig, " ", "+"),
		SecurityToken: queryFold(q, "x-amz-security-token"),
		ExpiresAt:     time.Unix(secs, 0).UTC(),
		PayloadHash:   r.Header.Get("X-Amz-Content-Sha256"),
		v2Expires:     exp,
	}
	if p.SecurityToken == "" {
		p.SecurityToken = r.Header.Get("X-Amz-Security-Token")
	}
	return p, nil
}

// queryFold is q.Get with a case-insensitive name.
func queryFold(q url.Values, name string) string {
	if v := q.Get(name); v != "" {
		return v
	}
	for k, v := range q {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

// isS3 reports whether a signing name uses S3's rules: the path is signed as
// sent (not escaped a second time, not normalized) and presigned URLs sign
// UNSIGNED-PAYLOAD.
func isS3(service string) bool {
	return service == "s3" || service == "s3express" || strings.HasPrefix(service, "s3-")
}
