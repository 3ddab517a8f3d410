package s3

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"hako/internal/engine"
	"hako/internal/protocol"
	"hako/internal/protocol/checksum"
)

// maxMetadata is S3's limit on user metadata (names and values): 2 KB.
const maxMetadata = 2048

func checkKey(key string) error {
	if len(key) > 1024 {
		return protocol.Errorf("KeyTooLongError", "Your key is too long").With("Size", int64(len(key))).With("MaxSizeAllowed", int64(1024))
	}
	return nil
}

func checkMetadata(meta map[string]string) error {
	n := 0
	for k, v := range meta {
		n += len(k) + len(v)
	}
	if n > maxMetadata {
		return protocol.Errorf("MetadataTooLarge", "Your metadata headers exceed the maximum allowed metadata size.").With("Size", int64(n)).With("MaxSizeAllowed", int64(maxMetadata))
	}
	return nil
}

// checkSSE accepts SSE-S3 (AES256, every object's encryption on AWS
// since 2023) and refuses what hako does not do.
func checkSSE(sse, customerAlg string) error {
	if customerAlg != "" {
		return errNotImplemented("Server-side encryption with customer-provided keys (SSE-C)")
	}
	switch sse {
	case "", "AES256":
		return nil
	}
	return errNotImplemented("Server-side encryption " + sse)
}

// parseTagging reads the x-amz-tagging header (URL query form).
func parseTagging(s string) ([]Tag, error) {
	if s == "" {
		return nil, nil
	}
	q, err := url.ParseQuery(s)
	if err != nil {
		return nil, errInvalidArgument("The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.", "x-amz-tagging", s)
	}
	var tags []Tag
	for _, part := range strings.Split(s, "&") {
		k, _, _ := strings.Cut(part, "=")
		k, _ = url.QueryUnescape(k)
		vs := q[k]
		if len(vs) != 1 {
			return nil, errInvalidArgument("The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.", "x-amz-tagging", s)
		}
		tags = append(tags, Tag{Key: k, Value: vs[0]})
	}
	return tags, validTags(tags, 10)
}

// contentEncoding drops aws-chunked, the transfer framing S3 removes.
func contentEncoding(ce string) string {
	if !strings.Contains(ce, "aws-chunked") {
		return ce
	}
	var keep []string
	for _, p := range strings.Split(ce, ",") {
		if p = strings.TrimSpace(p); p != "" && p != "aws-chunked" {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, ",")
}

// finishChecksum sets the object's checksum from a write: the algorithm
// the client named, else CRC64NVME, which AWS computes for every object
// uploaded without one.
func finishChecksum(rec *objectRecord, w *written, alg string) {
	if alg == "" {
		alg = "CRC64NVME"
	}
	rec.ChecksumAlgorithm = alg
	rec.Checksum = checksum.Encode(w.Sums[alg])
	rec.ChecksumType = "FULL_OBJECT"
}

// PutObject stores an object; its body streams into a blob.
func (s *Service) PutObject(ctx context.Context, in *PutObjectRequest) (*PutObjectOutput, error) {
	if err := checkKey(in.Key); err != nil {
		return nil, err
	}
	if err := checkMetadata(in.Metadata); err != nil {
		return nil, err
	}
	if err := checkSSE(in.ServerSideEncryption, in.SSECustomerAlgorithm); err != nil {
		return nil, err
	}
	if in.WriteOffsetBytes != nil {
		return nil, errNotImplemented("Appending to objects (x-amz-write-offset-bytes)")
	}
	if in.GrantFullControl+in.GrantRead+in.GrantReadACP+in.GrantWriteACP != "" {
		return nil, errNotImplemented("ACL grant headers (x-amz-grant-*)")
	}
	if in.IfNoneMatch != "" && in.IfNoneMatch != "*" {
		return nil, errNotImplemented("If-None-Match other than * on PutObject")
	}
	tags, err := parseTagging(in.Tagging)
	if err != nil {
		return nil, err
	}
	sums := map[string]string{
		"CRC32": in.ChecksumCRC32, "CRC32C": in.ChecksumCRC32C, "CRC64NVME": in.ChecksumCRC64NVME,
		"SHA1": in.ChecksumSHA1, "SHA256": in.ChecksumSHA256, "SHA512": in.ChecksumSHA512, "MD5": in.ChecksumMD5,
	}
	for alg, v := range map[string]string{"XXHASH64": in.ChecksumXXHASH64, "XXHASH3": in.ChecksumXXHASH3, "XXHASH128": in.ChecksumXXHASH128} {
		if v != "" {
			return nil, ErrInvalidRequest("The %s checksum algorithm is not supported by hako.", alg)
		}
	}
	integ, err := parseIntegrity(in.ContentMD5, in.ChecksumAlgorithm, sums)
	if err != nil {
		return nil, err
	}
	// Fail before reading a body into a bucket that is not there.
	if err := s.eng.View(func(r engine.Reader) error { _, err := bucket(r, ctx, in.Bucket); return err }); err != nil {
		return nil, err
	}
	declared := int64(-1)
	if in.ContentLength != nil && !strings.Contains(in.ContentEncoding, "aws-chunked") {
		declared = *in.ContentLength
	}
	algs := integ.algs
	if integ.algorithm() == "" {
		algs = []string{"CRC64NVME"}
	}
	w, err := s.writeBlob(in.Body, declared, algs, true)
	if err != nil {
		return nil, err
	}
	if err := integ.verify(w); err != nil {
		s.deleteBlobs([]string{w.Blob})
		return nil, err
	}
	rec := &objectRecord{
		Size: w.Size, Modified: s.clock.Now().UnixNano(), ETag: w.etag(),
		Segments:    []segment{w.segment()},
		ContentType: in.ContentType, ContentEncoding: contentEncoding(in.ContentEncoding),
		ContentDisposition: in.ContentDisposition, ContentLanguage: in.ContentLanguage,
		CacheControl: in.CacheControl, Expires: in.Expires, WebsiteRedirect: in.WebsiteRedirectLocation,
		Metadata: in.Metadata, Tags: tags, StorageClass: in.StorageClass, ACL: in.ACL,
	}
	if rec.ContentType == "" {
		rec.ContentType = "binary/octet-stream"
	}
	finishChecksum(rec, w, integ.algorithm())
	expiration, err := s.commitObject(ctx, putObject{
		bucket: in.Bucket, key: in.Key, rec: rec, event: putEvent(ctx),
		cond: writeCondition(in.IfMatch, in.IfNoneMatch),
	})
	if err != nil {
		return nil, err
	}
	out := &PutObjectOutput{ETag: rec.ETag, ServerSideEncryption: "AES256", ChecksumType: rec.ChecksumType, Expiration: expiration}
	setChecksum(out, rec.ChecksumAlgorithm, rec.Checksum)
	return out, nil
}

// writeCondition is the conditional write of PutObject and
// CompleteMultipartUpload: If-None-Match: * fails when the key exists,
// If-Match when its ETag differs (or it does not exist).
func writeCondition(ifMatch, ifNoneMatch string) func(old *objectRecord) error {
	if ifMatch == "" && ifNoneMatch == "" {
		return nil
	}
	return func(old *objectRecord) error {
		if ifNoneMatch == "*" && old != nil {
			return errPrecondition("If-None-Match")
		}
		if ifMatch != "" {
			if old == nil {
				return errNoSuchKeyPlain()
			}
			if !etagMatches(ifMatch, old.ETag) {
				return errPrecondition("If-Match")
			}
		}
		return nil
	}
}

func errNoSuchKeyPlain() error { return ErrNoSuchKey("The specified key does not exist.") }

func errPrecondition(condition string) error {
	return protocol.Errorf("PreconditionFailed", "At least one of the pre-conditions you specified did not hold").With("Condition", condition)
}

// etagMatches compares an If-Match / If-None-Match list with an ETag.
func etagMatches(list, etag string) bool {
	for _, t := range strings.Split(list, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || trimETag(t) == trimETag(etag) {
			return true
		}
	}
	return false
}

// readConditions are the preconditions of GetObject and HeadObject, and,
// with other names, of a copy source.
type readConditions struct {
	ifMatch, ifNoneMatch               string
	ifModifiedSince, ifUnmodifiedSince time.Time
}

// check applies RFC 7232's order as S3 does: If-Match decides over
// If-Unmodified-Since (412), If-None-Match over If-Modified-Since (304).
// copy turns the 304 cases into 412, as a copy source's conditions are.
func (c readConditions) check(o *objectRecord, copy bool) error {
	mod := time.Unix(0, o.Modified).Truncate(time.Second)
	if c.ifMatch != "" {
		if !etagMatches(c.ifMatch, o.ETag) {
			return errPrecondition(condName("If-Match", copy))
		}
	} else if !c.ifUnmodifiedSince.IsZero() && mod.After(c.ifUnmodifiedSince) {
		return errPrecondition(condName("If-Unmodified-Since", copy))
	}
	notModified := false
	name := ""
	if c.ifNoneMatch != "" {
		notModified, name = etagMatches(c.ifNoneMatch, o.ETag), "If-None-Match"
	} else if !c.ifModifiedSince.IsZero() && !mod.After(c.ifModifiedSince) {
		notModified, name = true, "If-Modified-Since"
	}
	if notModified {
		if copy {
			return errPrecondition(condName(name, copy))
		}
		e := protocol.Errorf("NotModified", "Not Modified").WithStatus(http.StatusNotModified)
		e.Header = http.Header{"Etag": {o.ETag}, "Last-Modified": {time.Unix(0, o.Modified).UTC().Format(http.TimeFormat)}}
		return e
	}
	return nil
}

func condName(name string, copy bool) string {
	if copy {
		return "x-amz-copy-source-" + strings.ToLower(name)
	}
	return name
}

// byteRange is a satisfiable range of an object, end inclusive.
type byteRange struct{ start, end int64 }

// parseRange reads a Range header for an object of size n. ok is false
// when the header is not a single byte range S3 honours (then the whole
// object is served, as S3 does); a range that starts past the end is
// InvalidRange (416).
func parseRange(h string, n int64) (r byteRange, ok bool, err error) {
	spec, found := strings.CutPrefix(strings.TrimSpace(h), "bytes=")
	if !found || strings.Contains(spec, ",") {
		return r, false, nil
	}
	a, b, found := strings.Cut(spec, "-")
	if !found {
		return r, false, nil
	}
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	invalid := func() error {
		return protocol.Errorf("InvalidRange", "The requested range is not satisfiable").
			With("RangeRequested", h).With("ActualObjectSize", n)
	}
	switch {
	case a == "" && b == "":
		return r, false, nil
	case a == "":
		suffix, err := strconv.ParseInt(b, 10, 64)
		if err != nil {
			return r, false, nil
		}
		if suffix == 0 || n == 0 {
			return r, false, invalid()
		}
		return byteRange{max(0, n-suffix), n - 1}, true, nil
	}
	start, err1 := strconv.ParseInt(a, 10, 64)
	end := n - 1
	var err2 error
	if b != "" {
		end, err2 = strconv.ParseInt(b, 10, 64)
	}
	if err1 != nil || err2 != nil || start < 0 || (b != "" && end < start) {
		return r, false, nil
	}
	if start >= n {
		return r, false, invalid()
	}
	return byteRange{start, min(end, n-1)}, true, nil
}

// GetObject streams an object (or a range or part of it) from its blobs.
func (s *Service) GetObject(ctx context.Context, in *GetObjectRequest) (*GetObjectOutput, error) {
	out := &GetObjectOutput{}
	rd, err := s.read(ctx, readRequest{
		bucket: in.Bucket, key: in.Key, versionID: in.VersionId, rng: in.Range, part: in.PartNumber,
		cond:         readConditions{in.IfMatch, in.IfNoneMatch, in.IfModifiedSince, in.IfUnmodifiedSince},
		checksumMode: in.ChecksumMode, sseC: in.SSECustomerAlgorithm, body: true,
	}, (*objectHead)(out))
	if err != nil {
		return nil, err
	}
	out.Body = rd
	overrides(&out.ContentType, in.ResponseContentType)
	overrides(&out.ContentLanguage, in.ResponseContentLanguage)
	overrides(&out.ContentDisposition, in.ResponseContentDisposition)
	overrides(&out.ContentEncoding, in.ResponseContentEncoding)
	overrides(&out.CacheControl, in.ResponseCacheControl)
	if !in.ResponseExpires.IsZero() {
		out.Expires = in.ResponseExpires.UTC().Format(http.TimeFormat)
	}
	return out, nil
}

func overrides(dst *string, v string) {
	if v != "" {
		*dst = v
	}
}

// HeadObject is GetObject without the body.
func (s *Service) HeadObject(ctx context.Context, in *HeadObjectRequest) (*HeadObjectOutput, error) {
	var g GetObjectOutput
	_, err := s.read(ctx, readRequest{
		bucket: in.Bucket, key: in.Key, versionID: in.VersionId, rng: in.Range, part: in.PartNumber,
		cond:         readConditions{in.IfMatch, in.IfNoneMatch, in.IfModifiedSince, in.IfUnmodifiedSince},
		checksumMode: in.ChecksumMode,
	}, (*objectHead)(&g))
	if err != nil {
		return nil, err
	}
	out := &HeadObjectOutput{
		AcceptRanges: g.AcceptRanges, LastModified: g.LastModified, ContentLength: g.ContentLength,
		ETag: g.ETag, CacheControl: g.CacheControl, ContentDisposition: g.ContentDisposition,
		ContentEncoding: g.ContentEncoding, ContentLanguage: g.ContentLanguage, ContentType: g.ContentType,
		ContentRange: g.ContentRange, Expires: g.Expires, WebsiteRedirectLocation: g.WebsiteRedirectLocation,
		ServerSideEncryption: g.ServerSideEncryption, Metadata: g.Metadata, StorageClass: g.StorageClass,
		PartsCount: g.PartsCount, TagCount: g.TagCount, ChecksumType: g.ChecksumType,
		ChecksumCRC32: g.ChecksumCRC32, ChecksumCRC32C: g.ChecksumCRC32C, ChecksumCRC64NVME: g.ChecksumCRC64NVME,
		ChecksumSHA1: g.ChecksumSHA1, ChecksumSHA256: g.ChecksumSHA256, ChecksumSHA512: g.ChecksumSHA512, ChecksumMD5: g.ChecksumMD5,
		Expiration: g.Expiration,
	}
	overrides(&out.ContentType, in.ResponseContentType)
	overrides(&out.ContentLanguage, in.ResponseContentLanguage)
	overrides(&out.ContentDisposition, in.ResponseContentDisposition)
	overrides(&out.ContentEncoding, in.ResponseContentEncoding)
	overrides(&out.CacheControl, in.ResponseCacheControl)
	return out, nil
}

// objectHead is the output GetObject and HeadObject share.
type objectHead GetObjectOutput

type readRequest struct {
	bucket, key, versionID, rng string
	part                        *int32
	cond                        readConditions
	checksumMode, sseC          string
	body                        bool
}

// read resolves an object read: preconditions, range or part, headers
// into out, and (with body) the opened body reader.
func (s *Service) read(ctx context.Context, req readRequest, out *objectHead) (io.ReadCloser, error) {
	if req.sseC != "" {
		return nil, errNotImplemented("Server-side encryption with customer-provided keys (SSE-C)")
	}
	if req.versionID != "" && req.versionID != "null" {
		return nil, invalidArgument("Invalid version id specified")
	}
	for attempt := 0; ; attempt++ {
		var o *objectRecord
		var b *bucketRecord
		err := s.eng.View(func(r engine.Reader) error {
			var err error
			if b, err = bucket(r, ctx, req.bucket); err != nil {
				return err
			}
			o, err = getObjectRecord(r, req.bucket, req.key)
			if err == nil && o == nil {
				err = errNoSuchKey(req.key)
				// A caller who may not list the bucket does not learn
				// which keys exist: AWS answers 403.
				if c := protocol.CallFrom(ctx); c.Op != nil && (c.AccessKeyID == "" || c.Account != b.Account) {
					a := accessFor(c, req.bucket, "")
					a.action = "s3:ListBucket"
					if !b.authorize(r, a, req.bucket, "") {
						err = ErrAccessDenied("Access Denied")
					}
				}
			}
			return err
		})
		if err != nil {
			return nil, err
		}
		if err := req.cond.check(o, false); err != nil {
			return nil, err
		}
		start, length := int64(0), o.Size
		partial := false
		if req.part != nil {
			n := int(*req.part)
			if n < 1 || n > 10000 {
				return nil, invalidArgument("Part number must be an integer between 1 and 10000, inclusive").With("ArgumentName", "partNumber").With("ArgumentValue", strconv.Itoa(n))
			}
			if req.rng != "" {
				return nil, ErrInvalidRequest("Cannot specify both Range header and partNumber query parameter")
			}
			if o.PartsCount == 0 {
				if n != 1 {
					return nil, protocol.Errorf("InvalidPartNumber", "The requested partnumber is not satisfiable").WithStatus(http.StatusRequestedRangeNotSatisfiable).With("PartNumberRequested", int64(n)).With("ActualPartCount", int64(1))
				}
			} else {
				if n > len(o.Segments) {
					return nil, protocol.Errorf("InvalidPartNumber", "The requested partnumber is not satisfiable").WithStatus(http.StatusRequestedRangeNotSatisfiable).With("PartNumberRequested", int64(n)).With("ActualPartCount", int64(len(o.Segments)))
				}
				for _, sg := range o.Segments[:n-1] {
					start += sg.Size
				}
				length = o.Segments[n-1].Size
				partial = true
				out.PartsCount = ptr(o.PartsCount)
			}
		} else if req.rng != "" {
			r, ok, err := parseRange(req.rng, o.Size)
			if err != nil {
				return nil, err
			}
			if ok {
				start, length, partial = r.start, r.end-r.start+1, true
			}
		}
		fillHead(out, o)
		out.Expiration = expirationHeader(b, req.key, o)
		out.ContentLength = ptr(length)
		if partial {
			out.ContentRange = fmt.Sprintf("bytes %d-%d/%d", start, start+length-1, o.Size)
		}
		if strings.EqualFold(req.checksumMode, "ENABLED") && !partial || (partial && req.part != nil && o.PartsCount == 0) {
			if strings.EqualFold(req.checksumMode, "ENABLED") {
				setChecksum((*GetObjectOutput)(out), o.ChecksumAlgorithm, o.Checksum)
				out.ChecksumType = o.ChecksumType
			}
		}
		if !req.body {
			return nil, nil
		}
		rd, err := s.openRange(o, start, length)
		if isBlobGone(err) && attempt < 3 {
			continue // overwritten under us: read the new record
		}
		return rd, err
	}
}

func fillHead(out *objectHead, o *objectRecord) {
	out.AcceptRanges = "bytes"
	out.LastModified = time.Unix(0, o.Modified).UTC()
	out.ETag = o.ETag
	out.ContentType = o.ContentType
	out.ContentEncoding = o.ContentEncoding
	out.ContentDisposition = o.ContentDisposition
	out.ContentLanguage = o.ContentLanguage
	out.CacheControl = o.CacheControl
	out.Expires = o.Expires
	out.WebsiteRedirectLocation = o.WebsiteRedirect
	out.Metadata = o.Metadata
	out.ServerSideEncryption = "AES256"
	if o.StorageClass != "" && o.StorageClass != "STANDARD" {
		out.StorageClass = o.StorageClass
	}
	if len(o.Tags) > 0 {
		out.TagCount = ptr(int32(len(o.Tags)))
	}
}

// DeleteObject deletes an object; a missing key is no error (204).
func (s *Service) DeleteObject(ctx context.Context, in *DeleteObjectRequest) (*DeleteObjectOutput, error) {
	if in.VersionId != "" && in.VersionId != "null" {
		return nil, invalidArgument("Invalid version id specified")
	}
	call := protocol.CallFrom(ctx)
	var old *objectRecord
	queued := false
	err := s.update(ctx, func(tx engine.Txn) error {
		b, err := bucket(tx, ctx, in.Bucket)
		if err != nil {
			return err
		}
		if old, err = getObjectRecord(tx, in.Bucket, in.Key); err != nil || old == nil {
			return err
		}
		if in.IfMatch != "" && !etagMatches(in.IfMatch, old.ETag) {
			return errPrecondition("If-Match")
		}
		tx.Delete(objectKey(in.Bucket, in.Key))
		queued, err = s.record(tx, call, b, "ObjectRemoved:Delete", in.Bucket, in.Key, nil)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.kick(queued)
	s.deleteBlobs(segmentBlobs(old))
	return &DeleteObjectOutput{}, nil
}

// maxDeleteObjects is how many keys one DeleteObjects may name.
const maxDeleteObjects = 1000

// DeleteObjects deletes up to 1,000 keys in one transaction; keys that
// cannot be deleted are reported one by one.
func (s *Service) DeleteObjects(ctx context.Context, in *DeleteObjectsRequest) (*DeleteObjectsOutput, error) {
	// The model requires a checksum here, but DeleteObjects has no
	// Content-MD5 member to tell whether one came: the codec verified
	// whichever did, and a request with none is accepted.
	if in.Delete == nil || len(in.Delete.Objects) == 0 || len(in.Delete.Objects) > maxDeleteObjects {
		return nil, protocol.Errorf("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
	}
	quiet := in.Delete.Quiet != nil && *in.Delete.Quiet
	call := protocol.CallFrom(ctx)
	out := &DeleteObjectsOutput{}
	var blobs []string
	queued := false
	err := s.update(ctx, func(tx engine.Txn) error {
		out.Deleted, out.Errors, blobs, queued = nil, nil, blobs[:0], false
		b, err := bucket(tx, ctx, in.Bucket)
		if err != nil {
			return err
		}
		for _, id := range in.Delete.Objects {
			if id.VersionId != "" && id.VersionId != "null" {
				out.Errors = append(out.Errors, Error{Key: id.Key, VersionId: id.VersionId, Code: "NoSuchVersion", Message: "The specified version does not exist."})
				continue
			}
			if err := checkKey(id.Key); err != nil || id.Key == "" {
				out.Errors = append(out.Errors, Error{Key: id.Key, Code: "InvalidArgument", Message: "Invalid key"})
				continue
			}
			old, err := getObjectRecord(tx, in.Bucket, id.Key)
			if err != nil {
				return err
			}
			if old != nil {
				if id.ETag != "" && !etagMatches(id.ETag, old.ETag) {
					out.Errors = append(out.Errors, Error{Key: id.Key, Code: "PreconditionFailed", Message: "At least one of the pre-conditions you specified did not hold"})
					continue
				}
				tx.Delete(objectKey(in.Bucket, id.Key))
				blobs = append(blobs, segmentBlobs(old)...)
				q, err := s.record(tx, call, b, "ObjectRemoved:Delete", in.Bucket, id.Key, nil)
				if err != nil {
					return err
				}
				queued = queued || q
			}
			if !quiet {
				out.Deleted = append(out.Deleted, DeletedObject{Key: id.Key})
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.kick(queued)
	s.deleteBlobs(blobs)
	return out, nil
}

// copySource parses x-amz-copy-source: [/]bucket/key[?versionId=...],
// URL-encoded.
func copySource(src string) (bucket, key string, err error) {
	raw, version, _ := strings.Cut(src, "?")
	dec, uerr := url.PathUnescape(raw)
	if uerr != nil {
		dec = raw
	}
	dec = strings.TrimPrefix(dec, "/")
	bucket, key, ok := strings.Cut(dec, "/")
	if !ok || bucket == "" || key == "" {
		return "", "", invalidArgument("Invalid copy source object key").With("ArgumentName", "x-amz-copy-source").With("ArgumentValue", src)
	}
	if v, ok := strings.CutPrefix(version, "versionId="); ok && v != "null" {
		return "", "", invalidArgument("Invalid version id specified")
	}
	return bucket, key, nil
}

// sourceObject reads a copy source and checks its conditions.
func (s *Service) sourceObject(ctx context.Context, src string, cond readConditions) (*objectRecord, string, string, error) {
	sb, sk, err := copySource(src)
	if err != nil {
		return nil, "", "", err
	}
	var o *objectRecord
	err = s.eng.View(func(r engine.Reader) error {
		if _, err := bucket(r, ctx, sb); err != nil {
			return err
		}
		var err error
		if o, err = getObjectRecord(r, sb, sk); err == nil && o == nil {
			err = errNoSuchKey(sk)
		}
		return err
	})
	if err != nil {
		return nil, "", "", err
	}
	if err := cond.check(o, true); err != nil {
		return nil, "", "", err
	}
	return o, sb, sk, nil
}

// copyInto streams [start, start+length) of o into a new blob (or inline,
// when allowed and small: see writeBlob).
func (s *Service) copyInto(o *objectRecord, start, length int64, algs []string, inline bool) (*written, error) {
	rd, err := s.openRange(o, start, length)
	if err != nil {
		if isBlobGone(err) {
			return nil, ErrNoSuchKey("The specified key does not exist.")
		}
		return nil, err
	}
	defer rd.Close()
	return s.writeBlob(rd, length, algs, inline)
}

// CopyObject copies an object (or rewrites its metadata in place, copying
// its bytes).
func (s *Service) CopyObject(ctx context.Context, in *CopyObjectRequest) (*CopyObjectOutput, error) {
	if err := checkKey(in.Key); err != nil {
		return nil, err
	}
	if err := checkSSE(in.ServerSideEncryption, in.SSECustomerAlgorithm); err != nil {
		return nil, err
	}
	if in.CopySourceSSECustomerAlgorithm != "" {
		return nil, errNotImplemented("Server-side encryption with customer-provided keys (SSE-C)")
	}
	if in.IfNoneMatch != "" && in.IfNoneMatch != "*" {
		return nil, errNotImplemented("If-None-Match other than * on CopyObject")
	}
	src, sb, sk, err := s.sourceObject(ctx, in.CopySource, readConditions{in.CopySourceIfMatch, in.CopySourceIfNoneMatch, in.CopySourceIfModifiedSince, in.CopySourceIfUnmodifiedSince})
	if err != nil {
		return nil, err
	}
	replace := strings.EqualFold(in.MetadataDirective, "REPLACE")
	if in.MetadataDirective != "" && !replace && !strings.EqualFold(in.MetadataDirective, "COPY") {
		return nil, invalidArgument("Unknown metadata directive.").With("ArgumentName", "x-amz-metadata-directive").With("ArgumentValue", in.MetadataDirective)
	}
	if sb == in.Bucket && sk == in.Key && !replace && in.StorageClass == "" && in.WebsiteRedirectLocation == "" && in.ServerSideEncryption == "" && in.ChecksumAlgorithm == "" {
		return nil, ErrInvalidRequest("This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.")
	}
	rec := &objectRecord{
		ContentType: src.ContentType, ContentEncoding: src.ContentEncoding, ContentDisposition: src.ContentDisposition,
		ContentLanguage: src.ContentLanguage, CacheControl: src.CacheControl, Expires: src.Expires,
		Metadata: src.Metadata, StorageClass: src.StorageClass, WebsiteRedirect: src.WebsiteRedirect, Tags: src.Tags,
	}
	if replace {
		if err := checkMetadata(in.Metadata); err != nil {
			return nil, err
		}
		rec.ContentType, rec.ContentEncoding, rec.ContentDisposition = in.ContentType, in.ContentEncoding, in.ContentDisposition
		rec.ContentLanguage, rec.CacheControl, rec.Expires, rec.Metadata = in.ContentLanguage, in.CacheControl, in.Expires, in.Metadata
		if rec.ContentType == "" {
			rec.ContentType = "binary/octet-stream"
		}
	}
	if in.StorageClass != "" {
		rec.StorageClass = in.StorageClass
	}
	if in.WebsiteRedirectLocation != "" {
		rec.WebsiteRedirect = in.WebsiteRedirectLocation
	}
	switch strings.ToUpper(in.TaggingDirective) {
	case "", "COPY":
	case "REPLACE":
		if rec.Tags, err = parseTagging(in.Tagging); err != nil {
			return nil, err
		}
	default:
		return nil, invalidArgument("Unknown tagging directive.").With("ArgumentName", "x-amz-tagging-directive").With("ArgumentValue", in.TaggingDirective)
	}
	alg := in.ChecksumAlgorithm
	if alg == "" {
		alg = src.ChecksumAlgorithm
	}
	if alg == "" {
		alg = "CRC64NVME"
	}
	w, err := s.copyInto(src, 0, src.Size, []string{alg}, true)
	if err != nil {
		return nil, err
	}
	rec.Size, rec.Modified, rec.ETag = w.Size, s.clock.Now().UnixNano(), w.etag()
	rec.Segments = []segment{w.segment()}
	finishChecksum(rec, w, alg)
	expiration, err := s.commitObject(ctx, putObject{bucket: in.Bucket, key: in.Key, rec: rec, event: "ObjectCreated:Copy", cond: writeCondition(in.IfMatch, in.IfNoneMatch)})
	if err != nil {
		return nil, err
	}
	res := &CopyObjectResult{ETag: rec.ETag, LastModified: time.Unix(0, rec.Modified).UTC(), ChecksumType: rec.ChecksumType}
	setChecksum(res, rec.ChecksumAlgorithm, rec.Checksum)
	return &CopyObjectOutput{CopyObjectResult: res, ServerSideEncryption: "AES256", Expiration: expiration}, nil
}

// updateObject changes an object's record in place (tagging).
func (s *Service) updateObject(ctx context.Context, bucketName, key, versionID string, fn func(o *objectRecord) error) error {
	if versionID != "" && versionID != "null" {
		return invalidArgument("Invalid version id specified")
	}
	return s.update(ctx, func(tx engine.Txn) error {
		if _, err := bucket(tx, ctx, bucketName); err != nil {
			return err
		}
		o, err := getObjectRecord(tx, bucketName, key)
		if err != nil {
			return err
		}
		if o == nil {
			return errNoSuchKey(key)
		}
		if err := fn(o); err != nil {
			return err
		}
		tx.Set(objectKey(bucketName, key), encodeObject(o))
		return nil
	})
}

// PutObjectTagging replaces an object's tags.
func (s *Service) PutObjectTagging(ctx context.Context, in *PutObjectTaggingRequest) (*PutObjectTaggingOutput, error) {
	if err := requireChecksum(in.ContentMD5, in.ChecksumAlgorithm); err != nil {
		return nil, err
	}
	var tags []Tag
	if in.Tagging != nil {
		tags = in.Tagging.TagSet
	}
	if err := validTags(tags, 10); err != nil {
		return nil, err
	}
	err := s.updateObject(ctx, in.Bucket, in.Key, in.VersionId, func(o *objectRecord) error { o.Tags = tags; return nil })
	if err != nil {
		return nil, err
	}
	return &PutObjectTaggingOutput{}, nil
}

// GetObjectTagging returns an object's tags (an empty set when none).
func (s *Service) GetObjectTagging(ctx context.Context, in *GetObjectTaggingRequest) (*GetObjectTaggingOutput, error) {
	if in.VersionId != "" && in.VersionId != "null" {
		return nil, invalidArgument("Invalid version id specified")
	}
	var o *objectRecord
	err := s.eng.View(func(r engine.Reader) error {
		if _, err := bucket(r, ctx, in.Bucket); err != nil {
			return err
		}
		var err error
		if o, err = getObjectRecord(r, in.Bucket, in.Key); err == nil && o == nil {
			err = errNoSuchKey(in.Key)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &GetObjectTaggingOutput{TagSet: o.Tags}, nil
}

// DeleteObjectTagging removes an object's tags.
func (s *Service) DeleteObjectTagging(ctx context.Context, in *DeleteObjectTaggingRequest) (*DeleteObjectTaggingOutput, error) {
	err := s.updateObject(ctx, in.Bucket, in.Key, in.VersionId, func(o *objectRecord) error { o.Tags = nil; return nil })
	if err != nil {
		return nil, err
	}
	return &DeleteObjectTaggingOutput{}, nil
}

// putEvent names a PutObject's event: ObjectCreated:Post for a browser
// upload (POST Object), else ObjectCreated:Put.
func putEvent(ctx context.Context) string {
	if ctx.Value(postCtxKey{}) != nil {
		return "ObjectCreated:Post"
	}
	return "ObjectCreated:Put"
}
