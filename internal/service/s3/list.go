package s3

import (
	"bytes"
	"context"
	"net/url"
	"strings"
	"time"

	"hako/internal/engine"
	"hako/internal/protocol"
)

// listing is one page of a bucket's keys as ListObjects and ListObjectsV2
// compute it.
type listing struct {
	contents  []Object
	prefixes  []string
	truncated bool
	// last is the last key or common prefix returned (the next page
	// starts after it).
	last string
}

// listObjects walks the keys under prefix after `after` (exclusive) in
// key order, folding keys that hold delimiter after the prefix into
// common prefixes, until max entries. It reads only the binary head of
// each record it returns and jumps over the whole key range of a common
// prefix with a new scan instead of visiting its keys.
func (s *Service) listObjects(ctx context.Context, bucketName, prefix, delimiter, after string, maxKeys int, owner *Owner) (*listing, error) {
	l := &listing{}
	err := s.eng.View(func(r engine.Reader) error {
		if _, err := bucket(r, ctx, bucketName); err != nil {
			return err
		}
		base := objectsPrefix(bucketName)
		start := append(bytes.Clone(base), prefix...)
		end := engine.PrefixEnd(start)
		if after != "" {
			k := append(append(bytes.Clone(base), after...), 0)
			if bytes.Compare(k, start) > 0 {
				start = k
			}
		}
		if maxKeys == 0 {
			return r.Scan(start, end, false, func(k, v []byte) (bool, error) {
				l.truncated = true
				return false, nil
			})
		}
		for start != nil && (end == nil || bytes.Compare(start, end) < 0) {
			var next []byte
			err := r.Scan(start, end, false, func(k, v []byte) (bool, error) {
				key := string(k[len(base):])
				if len(l.contents)+len(l.prefixes) == maxKeys {
					l.truncated = true
					return false, nil
				}
				if delimiter != "" {
					if i := strings.Index(key[len(prefix):], delimiter); i >= 0 {
						cp := key[:len(prefix)+i+len(delimiter)]
						l.prefixes = append(l.prefixes, cp)
						l.last = cp
						next = engine.PrefixEnd(append(bytes.Clone(base), cp...))
						return false, nil
					}
				}
				h, _, err := decodeHead(v)
				if err != nil {
					return false, err
				}
				l.contents = append(l.contents, Object{
					Key: key, LastModified: time.Unix(0, h.Modified).UTC(), ETag: h.ETag,
					Size: ptr(h.Size), StorageClass: "STANDARD", Owner: owner,
				})
				l.last = key
				return true, nil
			})
			if err != nil {
				return err
			}
			if next == nil {
				break
			}
			start = next
		}
		return nil
	})
	return l, err
}

func validMaxKeys(m *int32) (int, error) {
	if m == nil {
		return 1000, nil
	}
	if *m < 0 {
		return 0, invalidArgument("Argument maxKeys must be an integer between 0 and 2147483647").With("ArgumentName", "maxKeys")
	}
	return min(int(*m), 1000), nil
}

func encodingType(t string) (bool, error) {
	switch t {
	case "":
		return false, nil
	case "url":
		return true, nil
	}
	return false, invalidArgument("Invalid Encoding Method specified in Request").With("ArgumentName", "encoding-type").With("ArgumentValue", t)
}

// enc URL-encodes a key for encoding-type=url (space as +, as S3 does;
// the SDKs decode with unquote_plus / QueryUnescape).
func enc(on bool, s string) string {
	if !on || s == "" {
		return s
	}
	return url.QueryEscape(s)
}

// ListObjectsV2 lists a page of keys.
func (s *Service) ListObjectsV2(ctx context.Context, in *ListObjectsV2Request) (*ListObjectsV2Output, error) {
	maxKeys, err := validMaxKeys(in.MaxKeys)
	if err != nil {
		return nil, err
	}
	urlEnc, err := encodingType(in.EncodingType)
	if err != nil {
		return nil, err
	}
	after := in.StartAfter
	if in.ContinuationToken != "" {
		k, ok := decodeToken(in.ContinuationToken)
		if !ok {
			return nil, invalidArgument("The continuation token provided is incorrect").With("ArgumentName", "continuation-token")
		}
		if k > after {
			after = k
		}
	}
	var owner *Owner
	if in.FetchOwner != nil && *in.FetchOwner {
		owner = ownerOf(s.ownerAccount(in.Bucket))
	}
	l, err := s.listObjects(ctx, in.Bucket, in.Prefix, in.Delimiter, after, maxKeys, owner)
	if err != nil {
		return nil, err
	}
	out := &ListObjectsV2Output{
		Name: in.Bucket, Prefix: enc(urlEnc, in.Prefix), Delimiter: enc(urlEnc, in.Delimiter), MaxKeys: ptr(int32(maxKeys)),
		IsTruncated: ptr(l.truncated), KeyCount: ptr(int32(len(l.contents) + len(l.prefixes))),
		ContinuationToken: in.ContinuationToken, StartAfter: enc(urlEnc, in.StartAfter), EncodingType: in.EncodingType,
	}
	if in.MaxKeys != nil {
		out.MaxKeys = in.MaxKeys
	}
	for _, o := range l.contents {
		o.Key = enc(urlEnc, o.Key)
		out.Contents = append(out.Contents, o)
	}
	for _, p := range l.prefixes {
		out.CommonPrefixes = append(out.CommonPrefixes, CommonPrefix{Prefix: enc(urlEnc, p)})
	}
	if l.truncated && l.last != "" {
		out.NextContinuationToken = encodeToken(l.last)
	}
	return out, nil
}

// ListObjects is version 1 of the listing: Marker / NextMarker, owners
// always included.
func (s *Service) ListObjects(ctx context.Context, in *ListObjectsRequest) (*ListObjectsOutput, error) {
	maxKeys, err := validMaxKeys(in.MaxKeys)
	if err != nil {
		return nil, err
	}
	urlEnc, err := encodingType(in.EncodingType)
	if err != nil {
		return nil, err
	}
	l, err := s.listObjects(ctx, in.Bucket, in.Prefix, in.Delimiter, in.Marker, maxKeys, ownerOf(s.ownerAccount(in.Bucket)))
	if err != nil {
		return nil, err
	}
	out := &ListObjectsOutput{
		Name: in.Bucket, Prefix: enc(urlEnc, in.Prefix), Delimiter: enc(urlEnc, in.Delimiter), Marker: enc(urlEnc, in.Marker),
		MaxKeys: ptr(int32(maxKeys)), IsTruncated: ptr(l.truncated), EncodingType: in.EncodingType,
	}
	if in.MaxKeys != nil {
		out.MaxKeys = in.MaxKeys
	}
	for _, o := range l.contents {
		o.Key = enc(urlEnc, o.Key)
		out.Contents = append(out.Contents, o)
	}
	for _, p := range l.prefixes {
		out.CommonPrefixes = append(out.CommonPrefixes, CommonPrefix{Prefix: enc(urlEnc, p)})
	}
	// AWS returns NextMarker only with a delimiter; without one clients
	// continue from the last key.
	if l.truncated && in.Delimiter != "" {
		out.NextMarker = enc(urlEnc, l.last)
	}
	return out, nil
}

// ownerAccount is the account owning a bucket ("" when it is gone).
func (s *Service) ownerAccount(bucketName string) string {
	var acct string
	s.eng.View(func(r engine.Reader) error {
		if b, err := getBucketRecord(r, bucketName); err == nil {
			acct = b.Account
		}
		return nil
	})
	return acct
}

var _ = protocol.CallFrom
