package s3

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"hako/internal/engine"
	"hako/internal/protocol"
)

// POST Object: a browser uploads a file with an HTML form (a presigned
// POST: boto3's generate_presigned_post, the SDKs' createPresignedPost).
// The form's fields come first, the file last; a policy document signed
// with SigV4 (x-amz-algorithm, x-amz-credential, x-amz-date,
// x-amz-signature) or SigV2 (AWSAccessKeyId, signature) says which fields
// and sizes it allows. Without a policy the upload is anonymous and needs
// a bucket policy or ACL that lets anyone write.

// maxFormFields bounds the form's fields (besides the file) and
// maxFieldSize each one.
const (
	maxFormFields = 100
	maxFieldSize  = 64 << 10
)

type postCtxKey struct{}

// postForm is what a POST Object request carries besides the file.
type postForm struct {
	fields   map[string]string // lower-cased names
	names    map[string]string // lower-cased -> as sent
	filename string
}

func (f *postForm) get(name string) string { return f.fields[strings.ToLower(name)] }

func (s *Service) servePostObject(w http.ResponseWriter, r *http.Request, c *protocol.Call) {
	bucketName, rest := bucketOfPath(r.URL.Path)
	if bucketName == "" || rest != "" {
		writeXMLError(w, c, http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.", "Method", "POST", "ResourceType", "OBJECT")
		return
	}
	if origin := r.Header.Get("Origin"); origin != "" {
		if b, err := s.bucketRecordOf(bucketName); err == nil {
			if rule := corsRule(b.CORS, origin, http.MethodPost, nil); rule != nil {
				setCORSHeaders(w.Header(), rule, origin, nil)
			}
		}
	}
	mr, err := r.MultipartReader()
	if err != nil {
		writeXMLError(w, c, http.StatusBadRequest, "MalformedPOSTRequest", "The body of your POST request is not well-formed multipart/form-data.")
		return
	}
	form := &postForm{fields: map[string]string{}, names: map[string]string{}}
	var file *multipart.Part
	for file == nil {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			writeXMLError(w, c, http.StatusBadRequest, "MalformedPOSTRequest", "The body of your POST request is not well-formed multipart/form-data.")
			return
		}
		name := p.FormName()
		if strings.EqualFold(name, "file") {
			file, form.filename = p, p.FileName()
			break
		}
		if len(form.fields) >= maxFormFields {
			writeXMLError(w, c, http.StatusBadRequest, "MalformedPOSTRequest", "The body of your POST request is not well-formed multipart/form-data.")
			return
		}
		v, err := io.ReadAll(io.LimitReader(p, maxFieldSize+1))
		if err != nil || len(v) > maxFieldSize {
			writeXMLError(w, c, http.StatusBadRequest, "MaxPostPreDataLengthExceeded", "Your POST request fields preceeding the upload file was too large.")
			return
		}
		form.fields[strings.ToLower(name)] = string(v)
		form.names[strings.ToLower(name)] = name
	}
	if file == nil {
		writeXMLError(w, c, http.StatusBadRequest, "InvalidArgument", "POST requires exactly one file upload per request.", "ArgumentName", "file", "ArgumentValue", "0")
		return
	}
	key := form.get("key")
	if key == "" {
		writeXMLError(w, c, http.StatusBadRequest, "InvalidArgument", "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.", "ArgumentName", "key", "ArgumentValue", "")
		return
	}
	key = strings.ReplaceAll(key, "${filename}", form.filename)
	form.fields["key"] = key
	call, minSize, maxSize, perr := s.postAuth(r.Context(), c, form, bucketName)
	if perr != nil {
		writeProtocolError(w, c, perr)
		return
	}
	in := &PutObjectRequest{
		Bucket: bucketName, Key: key, Body: &sizeLimited{r: file, min: minSize, max: maxSize},
		ContentType: form.get("content-type"), CacheControl: form.get("cache-control"),
		ContentDisposition: form.get("content-disposition"), ContentEncoding: form.get("content-encoding"),
		StorageClass: form.get("x-amz-storage-class"), ACL: form.get("acl"),
		WebsiteRedirectLocation: form.get("x-amz-website-redirect-location"),
	}
	if in.ContentType == "" {
		in.ContentType = "binary/octet-stream"
	}
	for k, v := range form.fields {
		if m, ok := strings.CutPrefix(k, "x-amz-meta-"); ok {
			if in.Metadata == nil {
				in.Metadata = map[string]string{}
			}
			in.Metadata[m] = v
		}
	}
	ctx := context.WithValue(protocol.WithCall(r.Context(), call), postCtxKey{}, true)
	out, err := s.PutObject(ctx, in)
	if err != nil {
		writeProtocolError(w, c, err)
		return
	}
	location := "/" + bucketName + "/" + url.PathEscape(key)
	w.Header().Set("ETag", out.ETag)
	w.Header().Set("Location", location)
	if redirect := form.get("success_action_redirect"); redirect != "" {
		if u, err := url.Parse(redirect); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
			q := u.Query()
			q.Set("bucket", bucketName)
			q.Set("key", key)
			q.Set("etag", out.ETag)
			u.RawQuery = q.Encode()
			http.Redirect(w, r, u.String(), http.StatusSeeOther)
			return
		}
	}
	switch form.get("success_action_status") {
	case "200":
		w.WriteHeader(http.StatusOK)
	case "201":
		var b strings.Builder
		b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<PostResponse><Location>")
		xmlText(&b, "http://"+r.Host+location)
		b.WriteString("</Location><Bucket>")
		xmlText(&b, bucketName)
		b.WriteString("</Bucket><Key>")
		xmlText(&b, key)
		b.WriteString("</Key><ETag>")
		xmlText(&b, out.ETag)
		b.WriteString("</ETag></PostResponse>")
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, b.String())
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

func (s *Service) bucketRecordOf(name string) (*bucketRecord, error) {
	var b *bucketRecord
	err := s.eng.View(func(r engine.Reader) (err error) { b, err = getBucketRecord(r, name); return err })
	return b, err
}

func xmlText(b *strings.Builder, s string) {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")
	b.WriteString(r.Replace(s))
}

// writeProtocolError writes an AWS error outside the codec.
func writeProtocolError(w http.ResponseWriter, c *protocol.Call, err error) {
	pe, ok := err.(*protocol.Error)
	if !ok {
		writeXMLError(w, c, http.StatusInternalServerError, "InternalError", "We encountered an internal error. Please try again.")
		return
	}
	status := pe.Status
	if status == 0 {
		status = http.StatusBadRequest
		switch pe.Code {
		case "AccessDenied", "SignatureDoesNotMatch", "InvalidAccessKeyId":
			status = http.StatusForbidden
		case "NoSuchBucket":
			status = http.StatusNotFound
		case "NotImplemented":
			status = http.StatusNotImplemented
		}
	}
	writeXMLError(w, c, status, pe.Code, pe.Message)
}

// sizeLimited enforces a policy's content-length-range while the file
// streams: beyond max is EntityTooLarge, short of min EntityTooSmall.
type sizeLimited struct {
	r        io.Reader
	n        int64
	min, max int64 // max < 0: none
}

func (l *sizeLimited) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.n += int64(n)
	if l.max >= 0 && l.n > l.max {
		return n, protocol.Errorf("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size").WithStatus(http.StatusBadRequest)
	}
	if err == io.EOF && l.n < l.min {
		return n, protocol.Errorf("EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size").WithStatus(http.StatusBadRequest)
	}
	return n, err
}

// postAuth checks the form's signature and policy and returns the call to
// write as and the content-length-range (max -1 when none).
func (s *Service) postAuth(ctx context.Context, c *protocol.Call, form *postForm, bucketName string) (*protocol.Call, int64, int64, error) {
	call := *c
	call.Op = nil
	policyB64 := form.get("policy")
	if policyB64 == "" {
		// Anonymous: the bucket's policy or ACL must let anyone write.
		a := access{anonymous: true, sourceIP: c.SourceIP, action: "s3:PutObject", resource: "arn:aws:s3:::" + bucketName + "/" + form.get("key")}
		b, err := s.bucketRecordOf(bucketName)
		if err != nil {
			return nil, 0, 0, errNoSuchBucket(bucketName)
		}
		if !b.authorize(nil, a, bucketName, form.get("key")) {
			return nil, 0, 0, ErrAccessDenied("Access Denied")
		}
		call.AccessKeyID, call.Account = "", b.Account
		return &call, 0, -1, nil
	}
	var akid, sig string
	var verify func(secret string) bool
	if alg := form.get("x-amz-algorithm"); alg != "" {
		if alg != "AWS4-HMAC-SHA256" {
			return nil, 0, 0, invalidArgument("Unsupported algorithm: " + alg)
		}
		cred := strings.Split(form.get("x-amz-credential"), "/")
		if len(cred) != 5 || cred[3] != "s3" || cred[4] != "aws4_request" {
			return nil, 0, 0, invalidArgument("Invalid credential: " + form.get("x-amz-credential"))
		}
		akid, sig = cred[0], form.get("x-amz-signature")
		verify = func(secret string) bool {
			k := hmacSHA256([]byte("AWS4"+secret), cred[1])
			k = hmacSHA256(k, cred[2])
			k = hmacSHA256(k, cred[3])
			k = hmacSHA256(k, "aws4_request")
			return hmac.Equal([]byte(hex.EncodeToString(hmacSHA256(k, policyB64))), []byte(sig))
		}
	} else {
		akid, sig = form.get("awsaccesskeyid"), form.get("signature")
		verify = func(secret string) bool {
			m := hmac.New(sha1.New, []byte(secret))
			m.Write([]byte(policyB64))
			return hmac.Equal([]byte(base64.StdEncoding.EncodeToString(m.Sum(nil))), []byte(sig))
		}
	}
	if akid == "" || sig == "" {
		return nil, 0, 0, invalidArgument("Bucket POST must contain a field named 'AWSAccessKeyId' or 'X-Amz-Credential'.  If it is specified, please check the order of the fields.")
	}
	call.AccessKeyID = akid
	if s.creds == nil {
		return nil, 0, 0, errNotImplemented("POST Object signatures without a credential store")
	}
	id, known, err := s.creds.Lookup(ctx, akid)
	if err != nil {
		return nil, 0, 0, err
	}
	switch {
	case known:
		if !verify(id.SecretAccessKey) {
			return nil, 0, 0, protocol.Errorf("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method.").WithStatus(http.StatusForbidden)
		}
		call.Account, call.CallerARN, call.UserID = id.Account, id.ARN, id.UserID
	case c.AnyKey:
		// Loopback: unknown keys are accepted unverified, as the edge does
		// (a 12-digit key id selects that account).
		if regexp.MustCompile(`^\d{12}$`).MatchString(akid) {
			call.Account = akid
		}
		call.CallerARN, call.UserID = "arn:aws:iam::"+call.Account+":root", call.Account
	default:
		return nil, 0, 0, protocol.Errorf("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.").WithStatus(http.StatusForbidden)
	}
	minSize, maxSize, err := checkPostPolicy(policyB64, form, bucketName, s.clock.Now())
	if err != nil {
		return nil, 0, 0, err
	}
	return &call, minSize, maxSize, nil
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

func errPolicy(msg string) error {
	return ErrAccessDenied("Invalid according to Policy: %s", msg)
}

// checkPostPolicy checks the form against the policy document: not
// expired, every condition met, every field covered by a condition.
func checkPostPolicy(policyB64 string, form *postForm, bucketName string, now time.Time) (int64, int64, error) {
	raw, err := base64.StdEncoding.DecodeString(policyB64)
	if err != nil {
		return 0, 0, invalidArgument("Invalid Policy: Invalid 'Policy' field: not base64 encoded")
	}
	var doc struct {
		Expiration string            `json:"expiration"`
		Conditions []json.RawMessage `json:"conditions"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return 0, 0, invalidArgument("Invalid Policy: Invalid JSON.")
	}
	exp, err := time.Parse(time.RFC3339, doc.Expiration)
	if err != nil {
		return 0, 0, invalidArgument("Invalid Policy: Invalid 'expiration' value: '" + doc.Expiration + "'")
	}
	if !now.Before(exp) {
		return 0, 0, errPolicy("Policy expired.")
	}
	values := map[string]string{"bucket": bucketName}
	for k, v := range form.fields {
		values[k] = v
	}
	covered := map[string]bool{}
	minSize, maxSize := int64(0), int64(-1)
	for _, c := range doc.Conditions {
		var m map[string]string
		if json.Unmarshal(c, &m) == nil {
			for k, v := range m {
				k = strings.ToLower(k)
				covered[k] = true
				if values[k] != v {
					return 0, 0, errPolicy(fmt.Sprintf("Policy Condition failed: [\"eq\", \"$%s\", \"%s\"]", k, v))
				}
			}
			continue
		}
		var arr []json.RawMessage
		if json.Unmarshal(c, &arr) != nil || len(arr) != 3 {
			return 0, 0, invalidArgument("Invalid Policy: Invalid Condition: " + string(c))
		}
		var op string
		json.Unmarshal(arr[0], &op)
		switch strings.ToLower(op) {
		case "content-length-range":
			var lo, hi int64
			if json.Unmarshal(arr[1], &lo) != nil || json.Unmarshal(arr[2], &hi) != nil {
				return 0, 0, invalidArgument("Invalid Policy: Invalid content-length-range")
			}
			minSize, maxSize = lo, hi
		case "eq", "starts-with":
			var field, want string
			json.Unmarshal(arr[1], &field)
			json.Unmarshal(arr[2], &want)
			k := strings.ToLower(strings.TrimPrefix(field, "$"))
			covered[k] = true
			got := values[k]
			ok := got == want
			if strings.ToLower(op) == "starts-with" {
				ok = strings.HasPrefix(got, want)
				if k == "content-type" && !ok {
					// Content-Type may list several types, each checked.
					ok = true
					for _, t := range strings.Split(got, ",") {
						ok = ok && strings.HasPrefix(strings.TrimSpace(t), want)
					}
				}
			}
			if !ok {
				return 0, 0, errPolicy(fmt.Sprintf("Policy Condition failed: [\"%s\", \"%s\", \"%s\"]", op, field, want))
			}
		default:
			return 0, 0, invalidArgument("Invalid Policy: Invalid Condition: " + string(c))
		}
	}
	for k := range form.fields {
		switch {
		case k == "policy", k == "signature", k == "awsaccesskeyid", k == "x-amz-signature", k == "file", strings.HasPrefix(k, "x-ignore-"):
			continue
		}
		if !covered[k] {
			return 0, 0, errPolicy("Extra input fields: " + form.names[k])
		}
	}
	return minSize, maxSize, nil
}
