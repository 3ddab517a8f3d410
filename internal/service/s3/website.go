package s3

import (
	"context"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"hako/internal/engine"
	"hako/internal/protocol"
)

// WebsitePath is the path form of the website endpoint, for machines
// without wildcard DNS: WebsitePath + BUCKET + "/" + KEY serves what
// http://BUCKET.s3-website.localhost:4566/KEY serves.
const WebsitePath = "/_hako/s3-website/"

func isWebsiteHost(host string) bool {
	h := strings.ToLower(host)
	if hst, _, err := net.SplitHostPort(h); err == nil {
		h = hst
	}
	return strings.HasSuffix(h, ".s3-website.localhost") || strings.Contains(h, ".s3-website.") || strings.Contains(h, ".s3-website-")
}

func validWebsite(c *WebsiteConfiguration) error {
	if c.RedirectAllRequestsTo != nil {
		if c.IndexDocument != nil || c.ErrorDocument != nil || len(c.RoutingRules) > 0 {
			return errInvalidArgument("RedirectAllRequestsTo cannot be provided in conjunction with other Routing Rules.", "RedirectAllRequestsTo", "not null")
		}
		if c.RedirectAllRequestsTo.HostName == "" {
			return protocol.Errorf("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
		}
		return validProtocol(c.RedirectAllRequestsTo.Protocol)
	}
	if c.IndexDocument == nil || c.IndexDocument.Suffix == "" {
		return errInvalidArgument("A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty", "IndexDocument", "null")
	}
	if strings.Contains(c.IndexDocument.Suffix, "/") {
		return errInvalidArgument("The IndexDocument Suffix is not well formed", "IndexDocument", c.IndexDocument.Suffix)
	}
	if c.ErrorDocument != nil && c.ErrorDocument.Key == "" {
		return errInvalidArgument("The ErrorDocument Key is not well formed", "ErrorDocument", "")
	}
	for _, r := range c.RoutingRules {
		if r.Redirect == nil {
			return protocol.Errorf("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
		}
		if r.Redirect.ReplaceKeyPrefixWith != "" && r.Redirect.ReplaceKeyWith != "" {
			return errInvalidArgument("You can only define ReplaceKeyPrefix or ReplaceKey but not both.", "Redirect", "")
		}
		if code := r.Redirect.HttpRedirectCode; code != "" {
			if n, err := strconv.Atoi(code); err != nil || n < 300 || n > 399 || n == 300 {
				return errInvalidArgument("The provided HTTP redirect code ("+code+") is not valid. Valid codes are 3XX except 300.", "HttpRedirectCode", code)
			}
		}
		if err := validProtocol(r.Redirect.Protocol); err != nil {
			return err
		}
		if r.Condition != nil && r.Condition.HttpErrorCodeReturnedEquals != "" {
			if n, err := strconv.Atoi(r.Condition.HttpErrorCodeReturnedEquals); err != nil || n < 400 || n > 599 {
				return errInvalidArgument("The provided HTTP error code ("+r.Condition.HttpErrorCodeReturnedEquals+") is not valid. Valid codes are 4XX or 5XX.", "HttpErrorCodeReturnedEquals", r.Condition.HttpErrorCodeReturnedEquals)
			}
		}
	}
	return nil
}

func validProtocol(p string) error {
	if p != "" && p != "http" && p != "https" {
		return errInvalidArgument("Invalid protocol, protocol can be http or https. If not defined the protocol will be selected automatically.", "Protocol", p)
	}
	return nil
}

// PutBucketWebsite sets the bucket's website configuration.
func (s *Service) PutBucketWebsite(ctx context.Context, in *PutBucketWebsiteRequest) (*struct{}, error) {
	if in.WebsiteConfiguration == nil {
		return nil, protocol.Errorf("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
	}
	if err := validWebsite(in.WebsiteConfiguration); err != nil {
		return nil, err
	}
	err := s.changeBucket(ctx, in.Bucket, func(tx engine.Txn, b *bucketRecord) error {
		b.Website = in.WebsiteConfiguration
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// GetBucketWebsite returns the configuration; NoSuchWebsiteConfiguration
// when none.
func (s *Service) GetBucketWebsite(ctx context.Context, in *GetBucketWebsiteRequest) (*GetBucketWebsiteOutput, error) {
	b, err := s.readBucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	if b.Website == nil {
		return nil, errNoWebsite(in.Bucket)
	}
	w := b.Website
	return &GetBucketWebsiteOutput{RedirectAllRequestsTo: w.RedirectAllRequestsTo, IndexDocument: w.IndexDocument, ErrorDocument: w.ErrorDocument, RoutingRules: w.RoutingRules}, nil
}

func errNoWebsite(bucketName string) *protocol.Error {
	return protocol.Errorf("NoSuchWebsiteConfiguration", "The specified bucket does not have a website configuration").With("BucketName", bucketName)
}

// DeleteBucketWebsite removes the configuration.
func (s *Service) DeleteBucketWebsite(ctx context.Context, in *DeleteBucketWebsiteRequest) (*struct{}, error) {
	err := s.changeBucket(ctx, in.Bucket, func(tx engine.Txn, b *bucketRecord) error {
		b.Website = nil
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// WebsiteHandler serves the path form of the website endpoint
// (WebsitePath); the server mounts it.
func (s *Service) WebsiteHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := &protocol.Call{RequestID: newUUID(), Time: s.clock.Now()}
		if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
			c.SourceIP = h
		}
		w.Header().Set("x-amz-request-id", c.RequestID)
		w.Header().Set("x-amz-id-2", hostID(c.RequestID))
		rest := strings.TrimPrefix(r.URL.Path, WebsitePath)
		bucketName, key, _ := strings.Cut(rest, "/")
		s.website(w, r, c, bucketName, key, WebsitePath+bucketName)
	})
}

// serveWebsite serves the host form (BUCKET.s3-website.localhost).
func (s *Service) serveWebsite(w http.ResponseWriter, r *http.Request, c *protocol.Call, bucketName, key string) {
	s.website(w, r, c, bucketName, key, "")
}

// website answers one website request: GET and HEAD only, anonymous (the
// bucket policy or ACLs must make objects public), index documents,
// "/dir" -> 302 "/dir/", routing rules, the error document, and HTML
// error pages. base is the path the bucket's root is served under.
func (s *Service) website(w http.ResponseWriter, r *http.Request, c *protocol.Call, bucketName, key, base string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		htmlError(w, r, c, http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.", "Method", r.Method, "ResourceType", "OBJECT")
		return
	}
	var b *bucketRecord
	if err := s.eng.View(func(rd engine.Reader) (err error) { b, err = getBucketRecord(rd, bucketName); return err }); err != nil || bucketName == "" {
		htmlError(w, r, c, http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist", "BucketName", bucketName)
		return
	}
	cfg := b.Website
	if cfg == nil {
		htmlError(w, r, c, http.StatusNotFound, "NoSuchWebsiteConfiguration", "The specified bucket does not have a website configuration", "BucketName", bucketName)
		return
	}
	if to := cfg.RedirectAllRequestsTo; to != nil {
		proto := to.Protocol
		if proto == "" {
			proto = "http"
		}
		http.Redirect(w, r, proto+"://"+to.HostName+"/"+key, http.StatusMovedPermanently)
		return
	}
	if rule := routingRule(cfg.RoutingRules, key, 0); rule != nil {
		s.redirect(w, r, rule, key, base)
		return
	}
	target := key
	if target == "" || strings.HasSuffix(target, "/") {
		target += cfg.IndexDocument.Suffix
	}
	o, allowed := s.websiteObject(b, c, bucketName, target)
	if o == nil && !strings.HasSuffix(key, "/") && key != "" {
		// A "directory" with an index document: /dir -> /dir/.
		if idx, ok := s.websiteObject(b, c, bucketName, key+"/"+cfg.IndexDocument.Suffix); idx != nil && ok {
			http.Redirect(w, r, base+"/"+key+"/", http.StatusFound)
			return
		}
	}
	status, code, msg := 0, "", ""
	switch {
	case !allowed:
		status, code, msg = http.StatusForbidden, "AccessDenied", "Access Denied"
	case o == nil:
		status, code, msg = http.StatusNotFound, "NoSuchKey", "The specified key does not exist."
	}
	if status == 0 {
		if o.WebsiteRedirect != "" {
			http.Redirect(w, r, o.WebsiteRedirect, http.StatusMovedPermanently)
			return
		}
		s.writeWebsiteObject(w, r, o, http.StatusOK)
		return
	}
	if rule := routingRule(cfg.RoutingRules, key, status); rule != nil {
		s.redirect(w, r, rule, key, base)
		return
	}
	if cfg.ErrorDocument != nil {
		if doc, ok := s.websiteObject(b, c, bucketName, cfg.ErrorDocument.Key); doc != nil && ok {
			s.writeWebsiteObject(w, r, doc, status)
			return
		}
		htmlError(w, r, c, status, code, msg, "Key", target, "ErrorDocumentError", cfg.ErrorDocument.Key)
		return
	}
	htmlError(w, r, c, status, code, msg, "Key", target)
}

// websiteObject reads an object for the website: nil when missing, and
// whether an anonymous reader may read it (for a missing key: may list
// the bucket — else AWS answers 403, not 404).
func (s *Service) websiteObject(b *bucketRecord, c *protocol.Call, bucketName, key string) (*objectRecord, bool) {
	var o *objectRecord
	ok := false
	a := access{anonymous: true, sourceIP: c.SourceIP, action: "s3:GetObject", resource: "arn:aws:s3:::" + bucketName + "/" + key}
	s.eng.View(func(r engine.Reader) error {
		var err error
		if o, err = getObjectRecord(r, bucketName, key); err != nil {
			o = nil
			return err
		}
		if o != nil {
			ok = b.authorize(r, a, bucketName, key)
			return nil
		}
		a.action, a.resource = "s3:ListBucket", "arn:aws:s3:::"+bucketName
		ok = b.authorize(r, a, bucketName, "")
		return nil
	})
	if !ok && o != nil {
		return nil, false
	}
	return o, ok
}

func (s *Service) writeWebsiteObject(w http.ResponseWriter, r *http.Request, o *objectRecord, status int) {
	h := w.Header()
	ct := o.ContentType
	if ct == "" {
		ct = "binary/octet-stream"
	}
	h.Set("Content-Type", ct)
	h.Set("ETag", o.ETag)
	h.Set("Last-Modified", time.Unix(0, o.Modified).UTC().Format(http.TimeFormat))
	h.Set("Content-Length", strconv.FormatInt(o.Size, 10))
	for k, v := range map[string]string{"Content-Encoding": o.ContentEncoding, "Content-Language": o.ContentLanguage, "Content-Disposition": o.ContentDisposition, "Cache-Control": o.CacheControl, "Expires": o.Expires} {
		if v != "" {
			h.Set(k, v)
		}
	}
	if status == http.StatusOK && r.Header.Get("If-None-Match") != "" && etagMatches(r.Header.Get("If-None-Match"), o.ETag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if r.Method == http.MethodHead {
		w.WriteHeader(status)
		return
	}
	body, err := s.openRange(o, 0, o.Size)
	if err != nil {
		s.log.Warn("s3 website: object body unreadable", "err", err)
		http.Error(w, "object unreadable", http.StatusServiceUnavailable)
		return
	}
	defer body.Close()
	w.WriteHeader(status)
	io.Copy(w, body)
}

// routingRule is the first rule whose condition holds for key (and the
// error status, 0 before the object is looked up).
func routingRule(rules []RoutingRule, key string, status int) *RoutingRule {
	for i := range rules {
		r := &rules[i]
		cond := r.Condition
		if cond == nil {
			if status == 0 {
				return r
			}
			continue
		}
		if cond.HttpErrorCodeReturnedEquals != "" {
			if strconv.Itoa(status) != cond.HttpErrorCodeReturnedEquals {
				continue
			}
		} else if status != 0 {
			continue
		}
		if cond.KeyPrefixEquals != "" && !strings.HasPrefix(key, cond.KeyPrefixEquals) {
			continue
		}
		return r
	}
	return nil
}

func (s *Service) redirect(w http.ResponseWriter, r *http.Request, rule *RoutingRule, key, base string) {
	rd := rule.Redirect
	newKey := key
	switch {
	case rd.ReplaceKeyWith != "":
		newKey = rd.ReplaceKeyWith
	case rd.ReplaceKeyPrefixWith != "" || (rule.Condition != nil && rule.Condition.KeyPrefixEquals != ""):
		prefix := ""
		if rule.Condition != nil {
			prefix = rule.Condition.KeyPrefixEquals
		}
		newKey = rd.ReplaceKeyPrefixWith + strings.TrimPrefix(key, prefix)
	}
	code := http.StatusMovedPermanently
	if rd.HttpRedirectCode != "" {
		code, _ = strconv.Atoi(rd.HttpRedirectCode)
	}
	loc := base + "/" + newKey
	if rd.HostName != "" {
		proto := rd.Protocol
		if proto == "" {
			proto = "http"
		}
		loc = proto + "://" + rd.HostName + "/" + newKey
	}
	http.Redirect(w, r, loc, code)
}

// htmlError writes the website endpoint's HTML error page, as AWS's.
func htmlError(w http.ResponseWriter, r *http.Request, c *protocol.Call, status int, code, msg string, extra ...string) {
	title := fmt.Sprintf("%d %s", status, http.StatusText(status))
	var b strings.Builder
	fmt.Fprintf(&b, "<html>\n<head><title>%s</title></head>\n<body>\n<h1>%s</h1>\n<ul>\n<li>Code: %s</li>\n<li>Message: %s</li>\n", title, title, html.EscapeString(code), html.EscapeString(msg))
	for i := 0; i+1 < len(extra); i += 2 {
		fmt.Fprintf(&b, "<li>%s: %s</li>\n", extra[i], html.EscapeString(extra[i+1]))
	}
	fmt.Fprintf(&b, "<li>RequestId: %s</li>\n<li>HostId: %s</li>\n</ul>\n<hr/>\n</body>\n</html>\n", c.RequestID, hostID(c.RequestID))
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		io.WriteString(w, b.String())
	}
}
