package s3

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"hako/internal/engine"
	"hako/internal/protocol"
	"hako/internal/protocol/checksum"
)

// minPartSize is the smallest part but the last: 5 MiB.
const minPartSize = 5 << 20

func newUploadID() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func errNoSuchUpload(id string) error {
	return ErrNoSuchUpload("The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.").With("UploadId", id)
}

func getUpload(r engine.Reader, bucketName, key, id string) (*uploadRecord, error) {
	v, err := r.Get(uploadKey(bucketName, key, id))
	if errors.Is(err, engine.ErrNotFound) {
		return nil, errNoSuchUpload(id)
	}
	if err != nil {
		return nil, err
	}
	u := new(uploadRecord)
	if err := json.Unmarshal(v, u); err != nil {
		return nil, fmt.Errorf("s3: upload record: %w", err)
	}
	return u, nil
}

func checkPartNumber(n *int32) (int32, error) {
	if n == nil || *n < 1 || *n > 10000 {
		v := ""
		if n != nil {
			v = strconv.Itoa(int(*n))
		}
		return 0, invalidArgument("Part number must be an integer between 1 and 10000, inclusive").With("ArgumentName", "partNumber").With("ArgumentValue", v)
	}
	return *n, nil
}

// CreateMultipartUpload starts an upload; its metadata is applied to the
// object on completion.
func (s *Service) CreateMultipartUpload(ctx context.Context, in *CreateMultipartUploadRequest) (*CreateMultipartUploadOutput, error) {
	call := protocol.CallFrom(ctx)
	if err := checkKey(in.Key); err != nil {
		return nil, err
	}
	if err := checkMetadata(in.Metadata); err != nil {
		return nil, err
	}
	if err := checkSSE(in.ServerSideEncryption, in.SSECustomerAlgorithm); err != nil {
		return nil, err
	}
	tags, err := parseTagging(in.Tagging)
	if err != nil {
		return nil, err
	}
	alg, ctype := in.ChecksumAlgorithm, in.ChecksumType
	if alg != "" {
		if _, ok := checksum.New(alg); !ok {
			return nil, ErrInvalidRequest("The %s checksum algorithm is not supported by hako.", alg)
		}
	}
	switch {
	case ctype != "" && alg == "":
		return nil, ErrInvalidRequest("The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.")
	case ctype == "" && alg == "CRC64NVME":
		ctype = "FULL_OBJECT"
	case ctype == "" && alg != "":
		ctype = "COMPOSITE"
	case ctype == "FULL_OBJECT" && !checksum.IsCRC(alg):
		return nil, ErrInvalidRequest("The FULL_OBJECT checksum type cannot be used with the %s checksum algorithm.", strings.ToLower(alg))
	case ctype == "COMPOSITE" && alg == "CRC64NVME":
		return nil, ErrInvalidRequest("The COMPOSITE checksum type cannot be used with the crc64nvme checksum algorithm.")
	}
	meta := &objectRecord{
		ContentType: in.ContentType, ContentEncoding: in.ContentEncoding, ContentDisposition: in.ContentDisposition,
		ContentLanguage: in.ContentLanguage, CacheControl: in.CacheControl, Expires: in.Expires,
		WebsiteRedirect: in.WebsiteRedirectLocation, Metadata: in.Metadata, Tags: tags, StorageClass: in.StorageClass, ACL: in.ACL,
		ChecksumAlgorithm: alg, ChecksumType: ctype,
	}
	if meta.ContentType == "" {
		meta.ContentType = "binary/octet-stream"
	}
	u := uploadRecord{Key: in.Key, UploadID: newUploadID(), Initiated: s.clock.Now().UnixNano(), Object: meta, Account: call.Account, Initiator: call.CallerARN}
	err = s.update(ctx, func(tx engine.Txn) error {
		if _, err := bucket(tx, ctx, in.Bucket); err != nil {
			return err
		}
		tx.Set(uploadKey(in.Bucket, in.Key, u.UploadID), engine.MustJSON(u))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &CreateMultipartUploadOutput{Bucket: in.Bucket, Key: in.Key, UploadId: u.UploadID, ServerSideEncryption: "AES256", ChecksumAlgorithm: alg, ChecksumType: ctype}, nil
}

// storePart records a part whose blob is committed, replacing (and then
// deleting) a part of the same number.
func (s *Service) storePart(ctx context.Context, bucketName, key, uploadID string, n int32, p *partRecord) error {
	var old string
	err := s.update(ctx, func(tx engine.Txn) error {
		old = ""
		if _, err := bucket(tx, ctx, bucketName); err != nil {
			return err
		}
		if _, err := getUpload(tx, bucketName, key, uploadID); err != nil {
			return err
		}
		if v, err := tx.Get(partKey(uploadID, n)); err == nil {
			var op partRecord
			if json.Unmarshal(v, &op) == nil {
				old = op.Blob
			}
		}
		tx.Set(partKey(uploadID, n), engine.MustJSON(p))
		return nil
	})
	if err != nil {
		s.deleteBlobs([]string{p.Blob})
		return err
	}
	s.deleteBlobs([]string{old})
	return nil
}

func (s *Service) uploadOf(ctx context.Context, bucketName, key, id string) (*uploadRecord, error) {
	var u *uploadRecord
	err := s.eng.View(func(r engine.Reader) (err error) {
		if _, err = bucket(r, ctx, bucketName); err != nil {
			return err
		}
		u, err = getUpload(r, bucketName, key, id)
		return err
	})
	return u, err
}

// UploadPart streams one part into a blob.
func (s *Service) UploadPart(ctx context.Context, in *UploadPartRequest) (*UploadPartOutput, error) {
	n, err := checkPartNumber(in.PartNumber)
	if err != nil {
		return nil, err
	}
	if in.SSECustomerAlgorithm != "" {
		return nil, errNotImplemented("Server-side encryption with customer-provided keys (SSE-C)")
	}
	u, err := s.uploadOf(ctx, in.Bucket, in.Key, in.UploadId)
	if err != nil {
		return nil, err
	}
	integ, err := parseIntegrity(in.ContentMD5, in.ChecksumAlgorithm, checksumValues(in))
	if err != nil {
		return nil, err
	}
	upAlg := u.Object.ChecksumAlgorithm
	if a := integ.algorithm(); a != "" && upAlg != "" && a != upAlg {
		return nil, ErrInvalidRequest("Checksum Type mismatch occurred, expected checksum Type: %s, actual checksum Type: %s", strings.ToLower(upAlg), strings.ToLower(a))
	}
	algs := integ.algs
	if upAlg != "" && integ.algorithm() == "" {
		algs = []string{upAlg}
	}
	declared := int64(-1)
	if in.ContentLength != nil {
		declared = *in.ContentLength
	}
	w, err := s.writeBlob(in.Body, declared, algs, false)
	if err != nil {
		return nil, err
	}
	if err := integ.verify(w); err != nil {
		s.deleteBlobs([]string{w.Blob})
		return nil, err
	}
	p := &partRecord{ETag: w.etag(), Size: w.Size, Blob: w.Blob, Modified: s.clock.Now().UnixNano()}
	if upAlg != "" {
		p.ChecksumAlgorithm, p.Checksum = upAlg, checksum.Encode(w.Sums[upAlg])
	}
	if err := s.storePart(ctx, in.Bucket, in.Key, in.UploadId, n, p); err != nil {
		return nil, err
	}
	out := &UploadPartOutput{ETag: p.ETag, ServerSideEncryption: "AES256"}
	setChecksum(out, p.ChecksumAlgorithm, p.Checksum)
	if a := integ.algorithm(); a != "" && a != upAlg {
		setChecksum(out, a, checksum.Encode(w.Sums[a]))
	}
	return out, nil
}

// UploadPartCopy makes a part from (a range of) an existing object.
func (s *Service) UploadPartCopy(ctx context.Context, in *UploadPartCopyRequest) (*UploadPartCopyOutput, error) {
	n, err := checkPartNumber(in.PartNumber)
	if err != nil {
		return nil, err
	}
	if in.SSECustomerAlgorithm != "" || in.CopySourceSSECustomerAlgorithm != "" {
		return nil, errNotImplemented("Server-side encryption with customer-provided keys (SSE-C)")
	}
	u, err := s.uploadOf(ctx, in.Bucket, in.Key, in.UploadId)
	if err != nil {
		return nil, err
	}
	src, _, _, err := s.sourceObject(ctx, in.CopySource, readConditions{in.CopySourceIfMatch, in.CopySourceIfNoneMatch, in.CopySourceIfModifiedSince, in.CopySourceIfUnmodifiedSince})
	if err != nil {
		return nil, err
	}
	start, length := int64(0), src.Size
	if in.CopySourceRange != "" {
		r, ok, err := parseRange(in.CopySourceRange, src.Size)
		if err != nil || !ok || r.end >= src.Size {
			return nil, invalidArgument("The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy").
				With("ArgumentName", "x-amz-copy-source-range").With("ArgumentValue", in.CopySourceRange)
		}
		start, length = r.start, r.end-r.start+1
	}
	var algs []string
	if a := u.Object.ChecksumAlgorithm; a != "" {
		algs = []string{a}
	}
	w, err := s.copyInto(src, start, length, algs, false)
	if err != nil {
		return nil, err
	}
	p := &partRecord{ETag: w.etag(), Size: w.Size, Blob: w.Blob, Modified: s.clock.Now().UnixNano()}
	if a := u.Object.ChecksumAlgorithm; a != "" {
		p.ChecksumAlgorithm, p.Checksum = a, checksum.Encode(w.Sums[a])
	}
	if err := s.storePart(ctx, in.Bucket, in.Key, in.UploadId, n, p); err != nil {
		return nil, err
	}
	res := &CopyPartResult{ETag: p.ETag, LastModified: time.Unix(0, p.Modified).UTC()}
	setChecksum(res, p.ChecksumAlgorithm, p.Checksum)
	return &UploadPartCopyOutput{CopyPartResult: res, ServerSideEncryption: "AES256"}, nil
}

func readParts(r engine.Reader, uploadID string) (map[int32]*partRecord, error) {
	parts := map[int32]*partRecord{}
	pp := partsPrefix(uploadID)
	err := r.Scan(pp, engine.PrefixEnd(pp), false, func(k, v []byte) (bool, error) {
		p := new(partRecord)
		if err := json.Unmarshal(v, p); err != nil {
			return false, err
		}
		parts[int32(uint32(k[len(k)-4])<<24|uint32(k[len(k)-3])<<16|uint32(k[len(k)-2])<<8|uint32(k[len(k)-1]))] = p
		return true, nil
	})
	return parts, err
}

func errInvalidPart(n int32, etag string) error {
	return protocol.Errorf("InvalidPart", "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.").
		With("UploadId", "").With("PartNumber", strconv.Itoa(int(n))).With("ETag", etag)
}

// CompleteMultipartUpload assembles the object from the listed parts: the
// parts' blobs become the object's segments (no bytes are copied), the
// upload's records and the unlisted parts' blobs go.
func (s *Service) CompleteMultipartUpload(ctx context.Context, in *CompleteMultipartUploadRequest) (*CompleteMultipartUploadOutput, error) {
	if in.MultipartUpload == nil || len(in.MultipartUpload.Parts) == 0 {
		return nil, protocol.Errorf("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
	}
	if in.IfNoneMatch != "" && in.IfNoneMatch != "*" {
		return nil, errNotImplemented("If-None-Match other than * on CompleteMultipartUpload")
	}
	listed := in.MultipartUpload.Parts
	for i, p := range listed {
		if p.PartNumber == nil {
			return nil, protocol.Errorf("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
		}
		if i > 0 && *p.PartNumber <= *listed[i-1].PartNumber {
			return nil, protocol.Errorf("InvalidPartOrder", "The list of parts was not in ascending order. Parts must be ordered by part number.").With("UploadId", in.UploadId)
		}
	}
	u, err := s.uploadOf(ctx, in.Bucket, in.Key, in.UploadId)
	if err != nil {
		return nil, err
	}
	var parts map[int32]*partRecord
	if err := s.eng.View(func(r engine.Reader) (err error) { parts, err = readParts(r, in.UploadId); return err }); err != nil {
		return nil, err
	}
	alg, ctype := u.Object.ChecksumAlgorithm, u.Object.ChecksumType
	rec := *u.Object
	rec.Segments = nil
	md := md5.New()
	var composite []byte
	// Every listed part must exist before sizes are judged.
	for _, lp := range listed {
		if p := parts[*lp.PartNumber]; p == nil || trimETag(lp.ETag) != trimETag(p.ETag) {
			return nil, errInvalidPart(*lp.PartNumber, lp.ETag).(*protocol.Error).With("UploadId", in.UploadId)
		}
	}
	for i, lp := range listed {
		p := parts[*lp.PartNumber]
		if i < len(listed)-1 && p.Size < minPartSize {
			return nil, protocol.Errorf("EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size").
				With("ProposedSize", p.Size).With("MinSizeAllowed", int64(minPartSize)).With("PartNumber", int64(*lp.PartNumber)).With("ETag", p.ETag)
		}
		if alg != "" {
			if v := getChecksum(&lp, alg); v != "" && v != p.Checksum {
				return nil, errInvalidPart(*lp.PartNumber, lp.ETag).(*protocol.Error).With("UploadId", in.UploadId)
			}
			raw, _ := base64.StdEncoding.DecodeString(p.Checksum)
			composite = append(composite, raw...)
		}
		sum, _ := hex.DecodeString(trimETag(p.ETag))
		md.Write(sum)
		rec.Segments = append(rec.Segments, segment{Blob: p.Blob, Size: p.Size, Checksum: p.Checksum})
		rec.Size += p.Size
	}
	if in.MpuObjectSize != nil && *in.MpuObjectSize != rec.Size {
		return nil, ErrInvalidRequest("The provided 'x-amz-mp-object-size' header value %d does not match what was computed: %d", *in.MpuObjectSize, rec.Size)
	}
	rec.PartsCount = int32(len(listed))
	rec.ETag = fmt.Sprintf(`"%s-%d"`, hex.EncodeToString(md.Sum(nil)), len(listed))
	rec.Modified = s.clock.Now().UnixNano()
	switch {
	case alg == "":
		// No checksum was asked for: AWS gives the object a full-object
		// CRC64NVME, computed here from the parts.
		alg, ctype = "CRC64NVME", "FULL_OBJECT"
		fallthrough
	case ctype == "FULL_OBJECT":
		v, err := s.fullChecksum(&rec, alg)
		if err != nil {
			return nil, err
		}
		rec.Checksum = v
	default:
		h, _ := checksum.New(alg)
		h.Write(composite)
		rec.Checksum = fmt.Sprintf("%s-%d", checksum.Encode(h.Sum(nil)), len(listed))
	}
	rec.ChecksumAlgorithm, rec.ChecksumType = alg, ctype
	if want := getChecksum(in, alg); want != "" && want != rec.Checksum && strings.TrimSuffix(want, fmt.Sprintf("-%d", len(listed))) != strings.TrimSuffix(rec.Checksum, fmt.Sprintf("-%d", len(listed))) {
		return nil, protocol.Errorf("BadDigest", "The %s you specified did not match the calculated checksum.", alg)
	}
	used := map[string]bool{}
	for _, sg := range rec.Segments {
		used[sg.Blob] = true
	}
	var unused []string
	for _, p := range parts {
		if !used[p.Blob] {
			unused = append(unused, p.Blob)
		}
	}
	var old *objectRecord
	call := protocol.CallFrom(ctx)
	cond := writeCondition(in.IfMatch, in.IfNoneMatch)
	queued, expiration := false, ""
	err = s.update(ctx, func(tx engine.Txn) error {
		b, err := bucket(tx, ctx, in.Bucket)
		if err != nil {
			return err
		}
		// The parts must be the ones read above: a part re-uploaded in
		// between changes its record, and the transaction re-runs.
		now, err := readParts(tx, in.UploadId)
		if err != nil {
			return err
		}
		if _, err := getUpload(tx, in.Bucket, in.Key, in.UploadId); err != nil {
			return err
		}
		for n, p := range parts {
			if q := now[n]; q == nil || q.Blob != p.Blob {
				return protocol.Errorf("OperationAborted", "A conflicting conditional operation is currently in progress against this resource. Please try again.")
			}
		}
		if old, err = getObjectRecord(tx, in.Bucket, in.Key); err != nil {
			return err
		}
		if cond != nil {
			if err := cond(old); err != nil {
				return err
			}
		}
		tx.Delete(uploadKey(in.Bucket, in.Key, in.UploadId))
		pp := partsPrefix(in.UploadId)
		tx.DeleteRange(pp, engine.PrefixEnd(pp))
		tx.Set(objectKey(in.Bucket, in.Key), encodeObject(&rec))
		expiration = expirationHeader(b, in.Key, &rec)
		queued, err = s.record(tx, call, b, "ObjectCreated:CompleteMultipartUpload", in.Bucket, in.Key, &rec)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.kick(queued)
	s.deleteBlobs(segmentBlobs(old))
	s.deleteBlobs(unused)
	out := &CompleteMultipartUploadOutput{
		Location: "/" + in.Bucket + "/" + in.Key, Bucket: in.Bucket, Key: in.Key, ETag: rec.ETag,
		ServerSideEncryption: "AES256", ChecksumType: rec.ChecksumType, Expiration: expiration,
	}
	setChecksum(out, rec.ChecksumAlgorithm, rec.Checksum)
	return out, nil
}

// fullChecksum computes a full-object checksum by reading the parts back
// (streaming). Combining the parts' CRCs arithmetically would avoid the
// read; reading keeps one obviously correct path for every algorithm.
func (s *Service) fullChecksum(rec *objectRecord, alg string) (string, error) {
	h, ok := checksum.New(alg)
	if !ok {
		return "", ErrInvalidRequest("The %s checksum algorithm is not supported by hako.", alg)
	}
	rd, err := s.openRange(rec, 0, rec.Size)
	if err != nil {
		return "", err
	}
	defer rd.Close()
	bufp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bufp)
	if _, err := io.CopyBuffer(h, onlyReader{rd}, *bufp); err != nil {
		return "", err
	}
	return checksum.Encode(h.Sum(nil)), nil
}

// AbortMultipartUpload discards an upload and its parts.
func (s *Service) AbortMultipartUpload(ctx context.Context, in *AbortMultipartUploadRequest) (*AbortMultipartUploadOutput, error) {
	var blobs []string
	err := s.update(ctx, func(tx engine.Txn) error {
		blobs = blobs[:0]
		if _, err := bucket(tx, ctx, in.Bucket); err != nil {
			return err
		}
		u, err := getUpload(tx, in.Bucket, in.Key, in.UploadId)
		if err != nil {
			return err
		}
		if !in.IfMatchInitiatedTime.IsZero() && !time.Unix(0, u.Initiated).Truncate(time.Second).Equal(in.IfMatchInitiatedTime.Truncate(time.Second)) {
			return errPrecondition("x-amz-if-match-initiated-time")
		}
		parts, err := readParts(tx, in.UploadId)
		if err != nil {
			return err
		}
		for _, p := range parts {
			blobs = append(blobs, p.Blob)
		}
		tx.Delete(uploadKey(in.Bucket, in.Key, in.UploadId))
		pp := partsPrefix(in.UploadId)
		tx.DeleteRange(pp, engine.PrefixEnd(pp))
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.deleteBlobs(blobs)
	return &AbortMultipartUploadOutput{}, nil
}

// ListParts lists an upload's parts in part-number order.
func (s *Service) ListParts(ctx context.Context, in *ListPartsRequest) (*ListPartsOutput, error) {
	maxParts := 1000
	if in.MaxParts != nil {
		if *in.MaxParts < 0 {
			return nil, invalidArgument("Argument max-parts must be an integer between 0 and 2147483647").With("ArgumentName", "max-parts")
		}
		maxParts = min(int(*in.MaxParts), 1000)
	}
	var marker int32
	if in.PartNumberMarker != nil {
		marker = *in.PartNumberMarker
	}
	var u *uploadRecord
	out := &ListPartsOutput{Bucket: in.Bucket, Key: in.Key, UploadId: in.UploadId, MaxParts: ptr(int32(maxParts)), PartNumberMarker: ptr(marker), IsTruncated: ptr(false)}
	err := s.eng.View(func(r engine.Reader) error {
		if _, err := bucket(r, ctx, in.Bucket); err != nil {
			return err
		}
		var err error
		if u, err = getUpload(r, in.Bucket, in.Key, in.UploadId); err != nil {
			return err
		}
		start := partKey(in.UploadId, marker+1)
		pp := partsPrefix(in.UploadId)
		return r.Scan(start, engine.PrefixEnd(pp), false, func(k, v []byte) (bool, error) {
			if len(out.Parts) == maxParts {
				out.IsTruncated = ptr(true)
				return false, nil
			}
			var p partRecord
			if err := json.Unmarshal(v, &p); err != nil {
				return false, err
			}
			n := int32(uint32(k[len(k)-4])<<24 | uint32(k[len(k)-3])<<16 | uint32(k[len(k)-2])<<8 | uint32(k[len(k)-1]))
			part := Part{PartNumber: ptr(n), LastModified: time.Unix(0, p.Modified).UTC(), ETag: p.ETag, Size: ptr(p.Size)}
			setChecksum(&part, p.ChecksumAlgorithm, p.Checksum)
			out.Parts = append(out.Parts, part)
			out.NextPartNumberMarker = ptr(n)
			return true, nil
		})
	})
	if err != nil {
		return nil, err
	}
	out.Initiator = &Initiator{ID: u.Initiator, DisplayName: u.Initiator}
	if u.Initiator == "" {
		out.Initiator = &Initiator{ID: canonicalID(u.Account), DisplayName: "hako-" + u.Account}
	}
	out.Owner = ownerOf(u.Account)
	out.StorageClass = "STANDARD"
	out.ChecksumAlgorithm, out.ChecksumType = u.Object.ChecksumAlgorithm, u.Object.ChecksumType
	return out, nil
}

// ListMultipartUploads lists a bucket's unfinished uploads by key, then
// upload id.
func (s *Service) ListMultipartUploads(ctx context.Context, in *ListMultipartUploadsRequest) (*ListMultipartUploadsOutput, error) {
	maxUploads := 1000
	if in.MaxUploads != nil {
		if *in.MaxUploads < 0 {
			return nil, invalidArgument("Argument max-uploads must be an integer between 0 and 2147483647").With("ArgumentName", "max-uploads")
		}
		maxUploads = min(int(*in.MaxUploads), 1000)
	}
	urlEnc, err := encodingType(in.EncodingType)
	if err != nil {
		return nil, err
	}
	out := &ListMultipartUploadsOutput{
		Bucket: in.Bucket, KeyMarker: in.KeyMarker, UploadIdMarker: in.UploadIdMarker, Prefix: enc(urlEnc, in.Prefix),
		Delimiter: in.Delimiter, MaxUploads: ptr(int32(maxUploads)), IsTruncated: ptr(false), EncodingType: in.EncodingType,
	}
	err = s.eng.View(func(r engine.Reader) error {
		b, err := bucket(r, ctx, in.Bucket)
		if err != nil {
			return err
		}
		base := uploadsPrefix(in.Bucket)
		start := append(bytes.Clone(base), in.Prefix...)
		end := engine.PrefixEnd(start)
		if in.KeyMarker != "" {
			var k []byte
			if in.UploadIdMarker != "" {
				k = append(uploadKey(in.Bucket, in.KeyMarker, in.UploadIdMarker), 0)
			} else {
				k = append(append(bytes.Clone(base), in.KeyMarker...), 1)
			}
			if bytes.Compare(k, start) > 0 {
				start = k
			}
		}
		lastCP := ""
		return r.Scan(start, end, false, func(k, v []byte) (bool, error) {
			var u uploadRecord
			if err := json.Unmarshal(v, &u); err != nil {
				return false, err
			}
			if in.Delimiter != "" {
				if i := strings.Index(u.Key[len(in.Prefix):], in.Delimiter); i >= 0 {
					cp := u.Key[:len(in.Prefix)+i+len(in.Delimiter)]
					if cp != lastCP {
						if len(out.Uploads)+len(out.CommonPrefixes) == maxUploads {
							out.IsTruncated = ptr(true)
							return false, nil
						}
						out.CommonPrefixes = append(out.CommonPrefixes, CommonPrefix{Prefix: enc(urlEnc, cp)})
						lastCP = cp
					}
					return true, nil
				}
			}
			if len(out.Uploads)+len(out.CommonPrefixes) == maxUploads {
				out.IsTruncated = ptr(true)
				return false, nil
			}
			ini := &Initiator{ID: canonicalID(u.Account), DisplayName: "hako-" + u.Account}
			out.Uploads = append(out.Uploads, MultipartUpload{
				UploadId: u.UploadID, Key: enc(urlEnc, u.Key), Initiated: time.Unix(0, u.Initiated).UTC(), StorageClass: "STANDARD",
				Owner: ownerOf(b.Account), Initiator: ini, ChecksumAlgorithm: u.Object.ChecksumAlgorithm, ChecksumType: u.Object.ChecksumType,
			})
			out.NextKeyMarker, out.NextUploadIdMarker = enc(urlEnc, u.Key), u.UploadID
			return true, nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
