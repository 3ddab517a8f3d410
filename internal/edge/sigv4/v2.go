package sigv4

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// verifyV2 checks an S3 SigV2 signature: base64(HMAC-SHA1(secret,
// StringToSign)) with
//
//	StringToSign = Method\nContent-MD5\nContent-Type\nDate\n
//	               CanonicalizedAmzHeaders CanonicalizedResource
//
// where Date is the Expires parameter for presigned URLs
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html).
func verifyV2(r *http.Request, p *Parsed, secret string) error {
	var q url.Values
	if p.Kind == V2Presigned {
		q = r.URL.Query()
	}
	// The Date line: Expires when presigned; empty when x-amz-date is
	// present (the spec) or the Date header (what botocore signs when a
	// request has both), else the Date header.
	var dates []string
	switch {
	case p.Kind == V2Presigned:
		dates = []string{p.v2Expires}
	case p.v2AmzDate && p.v2Date != "":
		dates = []string{"", p.v2Date}
	default:
		dates = []string{p.v2Date}
	}
	var first string
	for i, date := range dates {
		sts := stringToSignV2(r, p, q, date)
		if i == 0 {
			first = sts
		}
		m := hmac.New(sha1.New, []byte(secret))
		m.Write([]byte(sts))
		want := base64.StdEncoding.EncodeToString(m.Sum(nil))
		if subtle.ConstantTimeCompare([]byte(want), []byte(p.Signature)) == 1 {
			return nil
		}
	}
	return &Error{Reason: ReasonSignatureMismatch, Msg: MsgSignatureMismatch, StringToSign: first, SignatureProvided: p.Signature}
}

func stringToSignV2(r *http.Request, p *Parsed, q url.Values, date string) string {
	var b strings.Builder
	b.WriteString(methodOf(r))
	b.WriteByte('\n')
	// A presigned URL carries the signed Content-MD5, Content-Type and
	// x-amz-* headers in its query (botocore moves them there), so the query
	// wins over the headers of whoever uses the URL.
	for _, h := range []string{"content-md5", "content-type"} {
		v := queryFold(q, h)
		if v == "" {
			v = headerValue(r, h)
		}
		b.WriteString(strings.TrimSpace(v))
		b.WriteByte('\n')
	}
	b.WriteString(date)
	b.WriteByte('\n')

	amz := map[string]string{}
	for k, vs := range r.Header {
		if lk := strings.ToLower(k); strings.HasPrefix(lk, "x-amz-") {
			amz[lk] = joinTrimmed(vs)
		}
	}
	for k, vs := range q {
		if lk := strings.ToLower(k); strings.HasPrefix(lk, "x-amz-") {
			amz[lk] = joinTrimmed(vs)
		}
	}
	names := make([]string, 0, len(amz))
	for k := range amz {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		b.WriteString(k + ":" + amz[k] + "\n")
	}

	if p.VirtualHostBucket != "" {
		b.WriteString("/" + p.VirtualHostBucket)
	}
	b.WriteString(wirePath(r))
	b.WriteString(subresources(r.URL.RawQuery))
	return b.String()
}

func joinTrimmed(vs []string) string {
	t := make([]string, len(vs))
	for i, v := range vs {
		t[i] = strings.TrimSpace(v)
	}
	return strings.Join(t, ",")
}

// subresources is the "?acl&versionId=3" part of a SigV2 resource: the
// query parameters S3 signs, sorted by name, values unescaped. The list is
// botocore's (HmacV1Auth.QSAOfInterest), the client that still signs SigV2.
func subresources(rawQuery string) string {
	type pair struct{ k, kv string }
	var sel []pair
	for _, part := range strings.Split(rawQuery, "&") {
		k, v, hasV := strings.Cut(part, "=")
		if !v2Subresources[k] {
			continue
		}
		if hasV {
			if u, err := url.PathUnescape(v); err == nil {
				v = u
			}
			sel = append(sel, pair{k, k + "=" + v})
		} else {
			sel = append(sel, pair{k, k})
		}
	}
	if len(sel) == 0 {
		return ""
	}
	sort.SliceStable(sel, func(i, j int) bool { return sel[i].k < sel[j].k })
	parts := make([]string, len(sel))
	for i, s := range sel {
		parts[i] = s.kv
	}
	return "?" + strings.Join(parts, "&")
}

var v2Subresources = map[string]bool{}

func init() {
	for _, k := range []string{
		"accelerate", "acl", "cors", "defaultObjectAcl", "location", "logging",
		"partNumber", "policy", "requestPayment", "torrent", "versioning",
		"versionId", "versions", "website", "uploads", "uploadId",
		"response-content-type", "response-content-language", "response-expires",
		"response-cache-control", "response-content-disposition",
		"response-content-encoding", "delete", "lifecycle", "tagging", "restore",
		"storageClass", "notification", "replication", "analytics", "metrics",
		"inventory", "select", "select-type", "object-lock",
	} {
		v2Subresources[k] = true
	}
}
