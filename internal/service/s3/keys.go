package s3

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"hako/internal/engine"
)

// Storage layout (see the package comment): bucket names are global
// across accounts and regions, as on AWS, so S3's keys begin with "s3/"
// and not with an account and region.
const keyRoot = "s3/"

func bucketKey(bucket string) []byte { return []byte(keyRoot + "b/" + bucket) }

// accountBucketsPrefix indexes an account's buckets by name.
func accountBucketsPrefix(account string) []byte { return []byte(keyRoot + "a/" + account + "/") }

func accountBucketKey(account, bucket string) []byte {
	return append(accountBucketsPrefix(account), bucket...)
}

// objectsPrefix is where a bucket's objects live; the object key follows
// raw (bucket names hold no '/'), so objects sort in S3's UTF-8 binary key
// order and a key prefix is a key range.
func objectsPrefix(bucket string) []byte { return []byte(keyRoot + "o/" + bucket + "/") }

func objectKey(bucket, key string) []byte { return append(objectsPrefix(bucket), key...) }

// uploadsPrefix holds a bucket's multipart uploads: KEY 0x00 UPLOADID, so
// they list by key, then upload id.
func uploadsPrefix(bucket string) []byte { return []byte(keyRoot + "u/" + bucket + "/") }

func uploadKey(bucket, key, uploadID string) []byte {
	k := append(uploadsPrefix(bucket), key...)
	k = append(k, 0)
	return append(k, uploadID...)
}

// partsPrefix holds an upload's parts by big-endian part number (upload
// ids are unique across buckets).
func partsPrefix(uploadID string) []byte { return []byte(keyRoot + "p/" + uploadID + "/") }

func partKey(uploadID string, n int32) []byte {
	return binary.BigEndian.AppendUint32(partsPrefix(uploadID), uint32(n))
}

// bucketRecord is the value at bucketKey.
type bucketRecord struct {
	Account         string `json:"account"`
	Region          string `json:"region"`
	Created         int64  `json:"created"` // unix ns
	Tags            []Tag  `json:"tags,omitempty"`
	ACL             string `json:"acl,omitempty"`
	ObjectOwnership string `json:"ownership,omitempty"`
	// Notification is the event notification configuration (ids filled).
	Notification *NotificationConfiguration `json:"notification,omitempty"`
	// Lifecycle is the lifecycle configuration's rules (ids filled).
	Lifecycle []LifecycleRule `json:"lifecycle,omitempty"`
	// Policy is the bucket policy as the owner sent it; Grants the ACL
	// when set by grants rather than a canned ACL.
	Policy string  `json:"policy,omitempty"`
	Grants []Grant `json:"grants,omitempty"`
	// CORS and Website are those configurations.
	CORS    []CORSRule            `json:"cors,omitempty"`
	Website *WebsiteConfiguration `json:"website,omitempty"`
}

// segment is one blob of an object's body; a multipart object has one per
// part, in order, so completing an upload copies no bytes. A small body
// sits in the record itself (Data, no blob: see inlineMax).
type segment struct {
	Blob string `json:"b"`
	Data []byte `json:"d,omitempty"`
	Size int64  `json:"s"`
	// Checksum is the part's checksum (multipart objects with one).
	Checksum string `json:"c,omitempty"`
}

// objectRecord is the value at objectKey. It is stored as a fixed binary
// head (size, modification time, ETag) followed by the JSON of the rest,
// so that listings read the head only (listHead) and never decode the
// metadata of the objects they list.
type objectRecord struct {
	Size     int64  `json:"-"`
	Modified int64  `json:"-"` // unix ns
	ETag     string `json:"-"` // quoted, as on the wire

	Segments []segment `json:"seg,omitempty"`
	// PartsCount is set for objects made by CompleteMultipartUpload.
	PartsCount int32 `json:"parts,omitempty"`

	ContentType        string            `json:"ct,omitempty"`
	ContentEncoding    string            `json:"ce,omitempty"`
	ContentDisposition string            `json:"cd,omitempty"`
	ContentLanguage    string            `json:"cl,omitempty"`
	CacheControl       string            `json:"cc,omitempty"`
	Expires            string            `json:"ex,omitempty"`
	WebsiteRedirect    string            `json:"wr,omitempty"`
	Metadata           map[string]string `json:"meta,omitempty"`
	Tags               []Tag             `json:"tags,omitempty"`
	StorageClass       string            `json:"sc,omitempty"`
	ACL                string            `json:"acl,omitempty"`
	Grants             []Grant           `json:"grants,omitempty"`

	// ChecksumAlgorithm, Checksum and ChecksumType: the one checksum S3
	// keeps of an object (CRC64NVME FULL_OBJECT when the client sent none).
	ChecksumAlgorithm string `json:"ca,omitempty"`
	Checksum          string `json:"cv,omitempty"`
	ChecksumType      string `json:"ctype,omitempty"`
}

const recordVersion = 1

// encodeObject writes version(1) size(8) modified(8) len(etag)(1) etag JSON.
func encodeObject(o *objectRecord) []byte {
	rest, err := json.Marshal(o)
	if err != nil {
		panic(err) // plain struct; cannot fail
	}
	b := make([]byte, 0, 18+len(o.ETag)+len(rest))
	b = append(b, recordVersion)
	b = binary.BigEndian.AppendUint64(b, uint64(o.Size))
	b = binary.BigEndian.AppendUint64(b, uint64(o.Modified))
	b = append(b, byte(len(o.ETag)))
	b = append(b, o.ETag...)
	return append(b, rest...)
}

var errBadRecord = errors.New("s3: malformed object record")

// listHead is what a listing needs of an object.
type listHead struct {
	Size     int64
	Modified int64
	ETag     string
}

// decodeHead reads the binary head of an object record; rest is the JSON
// that follows.
func decodeHead(v []byte) (h listHead, rest []byte, err error) {
	if len(v) < 18 || v[0] != recordVersion {
		return h, nil, errBadRecord
	}
	h.Size = int64(binary.BigEndian.Uint64(v[1:]))
	h.Modified = int64(binary.BigEndian.Uint64(v[9:]))
	n := int(v[17])
	if len(v) < 18+n {
		return h, nil, errBadRecord
	}
	h.ETag = string(v[18 : 18+n])
	return h, v[18+n:], nil
}

func decodeObject(v []byte) (*objectRecord, error) {
	h, rest, err := decodeHead(v)
	if err != nil {
		return nil, err
	}
	o := &objectRecord{Size: h.Size, Modified: h.Modified, ETag: h.ETag}
	if err := json.Unmarshal(rest, o); err != nil {
		return nil, fmt.Errorf("%w: %v", errBadRecord, err)
	}
	return o, nil
}

// uploadRecord is the value at uploadKey: what CreateMultipartUpload was
// told, applied to the object on completion.
type uploadRecord struct {
	Key       string        `json:"key"`
	UploadID  string        `json:"id"`
	Initiated int64         `json:"init"` // unix ns
	Object    *objectRecord `json:"obj"`  // metadata only
	// Owner account and the initiator's ARN.
	Account   string `json:"acct"`
	Initiator string `json:"by,omitempty"`
}

// partRecord is the value at partKey.
type partRecord struct {
	ETag     string `json:"etag"` // quoted
	Size     int64  `json:"size"`
	Blob     string `json:"blob"`
	Modified int64  `json:"mod"`
	// ChecksumAlgorithm/Checksum: the part's checksum in the upload's
	// algorithm.
	ChecksumAlgorithm string `json:"ca,omitempty"`
	Checksum          string `json:"cv,omitempty"`
}

func getBucketRecord(r engine.Reader, bucket string) (*bucketRecord, error) {
	v, err := r.Get(bucketKey(bucket))
	if errors.Is(err, engine.ErrNotFound) {
		return nil, errNoSuchBucket(bucket)
	}
	if err != nil {
		return nil, err
	}
	b := new(bucketRecord)
	if err := json.Unmarshal(v, b); err != nil {
		return nil, fmt.Errorf("s3: bucket record %q: %w", bucket, err)
	}
	return b, nil
}

// getObjectRecord returns the object, or nil when there is none.
func getObjectRecord(r engine.Reader, bucket, key string) (*objectRecord, error) {
	v, err := r.Get(objectKey(bucket, key))
	if errors.Is(err, engine.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return decodeObject(v)
}

// pageToken is an opaque continuation token: base64 of the key (or
// common prefix) a listing continues after.
func encodeToken(after string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("1" + after))
}

func decodeToken(tok string) (string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) == 0 || b[0] != '1' {
		return "", false
	}
	return string(b[1:]), true
}
