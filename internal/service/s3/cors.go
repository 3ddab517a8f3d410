package s3

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"hako/internal/engine"
	"hako/internal/protocol"
)

// maxCORSRules is AWS's limit of rules per CORS configuration.
const maxCORSRules = 100

func validCORS(rules []CORSRule) error {
	if len(rules) == 0 {
		return protocol.Errorf("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
	}
	if len(rules) > maxCORSRules {
		return ErrInvalidRequest("The number of CORS rules should not exceed allowed limit of 100 rules.")
	}
	for _, r := range rules {
		if len(r.AllowedMethods) == 0 || len(r.AllowedOrigins) == 0 {
			return protocol.Errorf("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
		}
		for _, m := range r.AllowedMethods {
			switch m {
			case "GET", "PUT", "POST", "DELETE", "HEAD":
			default:
				return ErrInvalidRequest("Found unsupported HTTP method in CORS config. Unsupported method is %s", m)
			}
		}
		for _, o := range r.AllowedOrigins {
			if strings.Count(o, "*") > 1 {
				return ErrInvalidRequest(`AllowedOrigin "%s" can not have more than one wildcard.`, o)
			}
		}
		for _, h := range r.AllowedHeaders {
			if strings.Count(h, "*") > 1 {
				return ErrInvalidRequest(`AllowedHeader "%s" can not have more than one wildcard.`, h)
			}
		}
		if len(r.ID) > 255 {
			return ErrInvalidRequest("The ID of a CORS rule cannot be longer than 255 characters.")
		}
	}
	return nil
}

// PutBucketCors replaces the bucket's CORS rules.
func (s *Service) PutBucketCors(ctx context.Context, in *PutBucketCorsRequest) (*struct{}, error) {
	if err := requireChecksum(in.ContentMD5, in.ChecksumAlgorithm); err != nil {
		return nil, err
	}
	if in.CORSConfiguration == nil {
		return nil, protocol.Errorf("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
	}
	if err := validCORS(in.CORSConfiguration.CORSRules); err != nil {
		return nil, err
	}
	err := s.changeBucket(ctx, in.Bucket, func(tx engine.Txn, b *bucketRecord) error {
		b.CORS = in.CORSConfiguration.CORSRules
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// GetBucketCors returns the rules; NoSuchCORSConfiguration when none.
func (s *Service) GetBucketCors(ctx context.Context, in *GetBucketCorsRequest) (*GetBucketCorsOutput, error) {
	b, err := s.readBucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	if len(b.CORS) == 0 {
		return nil, protocol.Errorf("NoSuchCORSConfiguration", "The CORS configuration does not exist").With("BucketName", in.Bucket)
	}
	return &GetBucketCorsOutput{CORSRules: b.CORS}, nil
}

// DeleteBucketCors removes the rules.
func (s *Service) DeleteBucketCors(ctx context.Context, in *DeleteBucketCorsRequest) (*struct{}, error) {
	err := s.changeBucket(ctx, in.Bucket, func(tx engine.Txn, b *bucketRecord) error {
		b.CORS = nil
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// wildcardMatch matches CORS's one-wildcard patterns ("*",
// "https://*.example.com"), case-insensitively for headers.
func wildcardMatch(pattern, s string) bool {
	before, after, star := strings.Cut(pattern, "*")
	if !star {
		return pattern == s
	}
	return len(s) >= len(before)+len(after) && strings.HasPrefix(s, before) && strings.HasSuffix(s, after)
}

// corsRule is the first rule allowing origin, method and every header
// (AWS's order).
func corsRule(rules []CORSRule, origin, method string, headers []string) *CORSRule {
	for i := range rules {
		r := &rules[i]
		ok := false
		for _, o := range r.AllowedOrigins {
			ok = ok || wildcardMatch(o, origin)
		}
		if !ok {
			continue
		}
		ok = false
		for _, m := range r.AllowedMethods {
			ok = ok || m == method
		}
		if !ok {
			continue
		}
		all := true
		for _, h := range headers {
			found := false
			for _, a := range r.AllowedHeaders {
				found = found || wildcardMatch(strings.ToLower(a), strings.ToLower(h))
			}
			all = all && found
		}
		if all {
			return r
		}
	}
	return nil
}

// setCORSHeaders writes the Access-Control-* headers a matched rule gives.
func setCORSHeaders(h http.Header, r *CORSRule, origin string, requested []string) {
	anyOrigin := false
	for _, o := range r.AllowedOrigins {
		anyOrigin = anyOrigin || o == "*"
	}
	if anyOrigin {
		h.Set("Access-Control-Allow-Origin", "*")
	} else {
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	h.Set("Access-Control-Allow-Methods", strings.Join(r.AllowedMethods, ", "))
	if len(requested) > 0 {
		h.Set("Access-Control-Allow-Headers", strings.ToLower(strings.Join(requested, ", ")))
	}
	if len(r.ExposeHeaders) > 0 {
		h.Set("Access-Control-Expose-Headers", strings.Join(r.ExposeHeaders, ", "))
	}
	if r.MaxAgeSeconds != nil {
		h.Set("Access-Control-Max-Age", strconv.Itoa(int(*r.MaxAgeSeconds)))
	}
	h.Add("Vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method")
}

// bucketOfPath is the bucket a path-style request names (the edge has
// rewritten virtual-hosted requests to path style).
func bucketOfPath(p string) (bucketName, key string) {
	p = strings.TrimPrefix(p, "/")
	bucketName, key, _ = strings.Cut(p, "/")
	return bucketName, key
}

// intercept answers what S3's model has no operation for — the website
// endpoint, CORS preflights, browser POST uploads — and adds CORS headers
// to the responses of requests that carry an Origin.
func (s *Service) intercept(w http.ResponseWriter, r *http.Request, c *protocol.Call) bool {
	if isWebsiteHost(r.Host) {
		bucketName, key := bucketOfPath(r.URL.Path)
		s.serveWebsite(w, r, c, bucketName, key)
		return true
	}
	origin := r.Header.Get("Origin")
	if r.Method == http.MethodOptions {
		s.preflight(w, r, c)
		return true
	}
	if r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		s.servePostObject(w, r, c)
		return true
	}
	if origin == "" {
		return false
	}
	bucketName, _ := bucketOfPath(r.URL.Path)
	if bucketName == "" {
		return false
	}
	var b *bucketRecord
	if s.eng.View(func(rd engine.Reader) (err error) { b, err = getBucketRecord(rd, bucketName); return err }) != nil || len(b.CORS) == 0 {
		return false
	}
	if rule := corsRule(b.CORS, origin, r.Method, nil); rule != nil {
		setCORSHeaders(w.Header(), rule, origin, nil)
	}
	return false
}

// preflight answers a CORS preflight (OPTIONS) from the bucket's rules.
func (s *Service) preflight(w http.ResponseWriter, r *http.Request, c *protocol.Call) {
	origin, method := r.Header.Get("Origin"), r.Header.Get("Access-Control-Request-Method")
	bucketName, _ := bucketOfPath(r.URL.Path)
	if origin == "" {
		writeXMLError(w, c, http.StatusBadRequest, "BadRequest", "Insufficient information. Origin request header needed.")
		return
	}
	if method == "" {
		writeXMLError(w, c, http.StatusBadRequest, "BadRequest", "Invalid Access-Control-Request-Method: null")
		return
	}
	var b *bucketRecord
	if err := s.eng.View(func(rd engine.Reader) (err error) { b, err = getBucketRecord(rd, bucketName); return err }); err != nil {
		writeXMLError(w, c, http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist", "BucketName", bucketName)
		return
	}
	if len(b.CORS) == 0 {
		writeXMLError(w, c, http.StatusForbidden, "AccessForbidden", "CORSResponse: CORS is not enabled for this bucket.", "Method", method, "ResourceType", "BUCKET")
		return
	}
	var headers []string
	for _, h := range strings.Split(r.Header.Get("Access-Control-Request-Headers"), ",") {
		if h = strings.TrimSpace(h); h != "" {
			headers = append(headers, h)
		}
	}
	rule := corsRule(b.CORS, origin, method, headers)
	if rule == nil {
		writeXMLError(w, c, http.StatusForbidden, "AccessForbidden", "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.", "Method", method, "ResourceType", "OBJECT")
		return
	}
	setCORSHeaders(w.Header(), rule, origin, headers)
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
}

// writeXMLError writes S3's XML error document (for answers that do not
// go through the codec); extra is name/value pairs of more elements.
func writeXMLError(w http.ResponseWriter, c *protocol.Call, status int, code, msg string, extra ...string) {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<Error><Code>")
	xml.EscapeText(&b, []byte(code))
	b.WriteString("</Code><Message>")
	xml.EscapeText(&b, []byte(msg))
	b.WriteString("</Message>")
	for i := 0; i+1 < len(extra); i += 2 {
		fmt.Fprintf(&b, "<%s>", extra[i])
		xml.EscapeText(&b, []byte(extra[i+1]))
		fmt.Fprintf(&b, "</%s>", extra[i])
	}
	fmt.Fprintf(&b, "<RequestId>%s</RequestId><HostId>%s</HostId></Error>", c.RequestID, hostID(c.RequestID))
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(status)
	w.Write([]byte(b.String()))
}
