package s3

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"strings"
	"time"
	"unicode/utf8"

	"hako/internal/engine"
	"hako/internal/protocol"
)

// validBucketName applies AWS's naming rules for general purpose buckets.
func validBucketName(name string) bool {
	if len(name) < 3 || len(name) > 63 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	first, last := name[0], name[len(name)-1]
	if first == '.' || first == '-' || last == '.' || last == '-' {
		return false
	}
	if strings.Contains(name, "..") || net.ParseIP(name) != nil {
		return false
	}
	for _, p := range []string{"xn--", "sthree-", "amzn-s3-demo-"} {
		if strings.HasPrefix(name, p) {
			return false
		}
	}
	for _, sfx := range []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"} {
		if strings.HasSuffix(name, sfx) {
			return false
		}
	}
	return true
}

// bucket reads a bucket the caller may use for the request's operation:
// its owner always; anonymous callers and other accounts as the bucket
// policy and ACLs allow (access.go), else AccessDenied.
func bucket(r engine.Reader, ctx context.Context, name string) (*bucketRecord, error) {
	b, err := getBucketRecord(r, name)
	if err != nil {
		return nil, err
	}
	c := protocol.CallFrom(ctx)
	if c.AccessKeyID != "" && b.Account == c.Account {
		return b, nil // the owner
	}
	if c.Op == nil && c.AccessKeyID == "" {
		return b, nil // hako's own calls (the lifecycle sweeper)
	}
	key := c.Labels["Key"]
	if b.authorize(r, accessFor(c, name, key), name, key) {
		return b, nil
	}
	return nil, ErrAccessDenied("Access Denied")
}

// changeBucket runs change on a bucket's record (as the caller may see
// it) in one transaction and stores the record: the shape of every Put
// and Delete of a bucket sub-resource.
func (s *Service) changeBucket(ctx context.Context, name string, change func(tx engine.Txn, b *bucketRecord) error) error {
	return s.update(ctx, func(tx engine.Txn) error {
		b, err := bucket(tx, ctx, name)
		if err != nil {
			return err
		}
		if err := change(tx, b); err != nil {
			return err
		}
		tx.Set(bucketKey(name), engine.MustJSON(b))
		return nil
	})
}

// readBucket reads a bucket's record as the caller may see it.
func (s *Service) readBucket(ctx context.Context, name string) (*bucketRecord, error) {
	var b *bucketRecord
	err := s.eng.View(func(r engine.Reader) (err error) {
		b, err = bucket(r, ctx, name)
		return err
	})
	return b, err
}

// CreateBucket creates a bucket. Names are global: a name another account
// holds is BucketAlreadyExists.
func (s *Service) CreateBucket(ctx context.Context, in *CreateBucketRequest) (*CreateBucketOutput, error) {
	call := protocol.CallFrom(ctx)
	if !validBucketName(in.Bucket) {
		return nil, protocol.Errorf("InvalidBucketName", "The specified bucket is not valid.").With("BucketName", in.Bucket)
	}
	region := "us-east-1"
	constraint := ""
	if cfg := in.CreateBucketConfiguration; cfg != nil {
		constraint = cfg.LocationConstraint
		if cfg.Location != nil || cfg.Bucket != nil {
			return nil, errNotImplemented("Directory buckets (CreateBucketConfiguration Location/Bucket)")
		}
	}
	switch {
	case constraint == "" && call.Region != "us-east-1":
		return nil, protocol.Errorf("IllegalLocationConstraintException", "The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.")
	case constraint == "us-east-1":
		return nil, protocol.Errorf("InvalidLocationConstraint", "The specified location-constraint is not valid").With("LocationConstraint", constraint)
	case constraint != "" && call.Region != "us-east-1" && constraint != call.Region && !(constraint == "EU" && call.Region == "eu-west-1"):
		return nil, protocol.Errorf("IllegalLocationConstraintException", "The %s location constraint is incompatible for the region specific endpoint this request was sent to.", constraint)
	case constraint == "EU":
		region = "eu-west-1"
	case constraint != "":
		region = constraint
	}
	if in.ObjectLockEnabledForBucket != nil && *in.ObjectLockEnabledForBucket {
		return nil, errNotImplemented("S3 Object Lock")
	}
	acl := in.ACL
	if in.GrantFullControl+in.GrantRead+in.GrantReadACP+in.GrantWrite+in.GrantWriteACP != "" {
		return nil, errNotImplemented("ACL grant headers (x-amz-grant-*)")
	}
	ownership := in.ObjectOwnership
	if ownership == "" {
		ownership = "BucketOwnerEnforced"
	}
	if acl != "" && acl != "private" && ownership == "BucketOwnerEnforced" {
		return nil, protocol.Errorf("InvalidBucketAclWithObjectOwnership", "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting")
	}
	var tags []Tag
	if cfg := in.CreateBucketConfiguration; cfg != nil && len(cfg.Tags) > 0 {
		if err := validTags(cfg.Tags, 50); err != nil {
			return nil, err
		}
		tags = cfg.Tags
	}
	rec := bucketRecord{Account: call.Account, Region: region, Created: s.clock.Now().UnixNano(), ACL: acl, ObjectOwnership: ownership, Tags: tags}
	err := s.update(ctx, func(tx engine.Txn) error {
		old, err := getBucketRecord(tx, in.Bucket)
		if err == nil {
			if old.Account != call.Account {
				return ErrBucketAlreadyExists("The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.").With("BucketName", in.Bucket)
			}
			if old.Region == "us-east-1" && region == "us-east-1" {
				// AWS's legacy answer in North Virginia: 200, ACL reset.
				old.ACL = acl
				tx.Set(bucketKey(in.Bucket), engine.MustJSON(old))
				return nil
			}
			return ErrBucketAlreadyOwnedByYou("Your previous request to create the named bucket succeeded and you already own it.").With("BucketName", in.Bucket)
		}
		var pe *protocol.Error
		if !errors.As(err, &pe) {
			return err
		}
		tx.Set(bucketKey(in.Bucket), engine.MustJSON(rec))
		tx.Set(accountBucketKey(call.Account, in.Bucket), nil)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &CreateBucketOutput{Location: "/" + in.Bucket, BucketArn: "arn:aws:s3:::" + in.Bucket}, nil
}

// HeadBucket answers whether the bucket exists and the caller may use it.
func (s *Service) HeadBucket(ctx context.Context, in *HeadBucketRequest) (*HeadBucketOutput, error) {
	var b *bucketRecord
	err := s.eng.View(func(r engine.Reader) (err error) {
		b, err = bucket(r, ctx, in.Bucket)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &HeadBucketOutput{BucketRegion: b.Region, AccessPointAlias: ptr(false), BucketArn: "arn:aws:s3:::" + in.Bucket}, nil
}

// ListBuckets lists the caller's buckets in name order, a page at a time.
func (s *Service) ListBuckets(ctx context.Context, in *ListBucketsRequest) (*ListBucketsOutput, error) {
	call := protocol.CallFrom(ctx)
	limit := 10000
	if in.MaxBuckets != nil {
		if *in.MaxBuckets < 1 || *in.MaxBuckets > 10000 {
			return nil, errInvalidArgument("Argument max-buckets must be an integer between 1 and 10000", "max-buckets", "")
		}
		limit = int(*in.MaxBuckets)
	}
	p := accountBucketsPrefix(call.Account)
	start := append(append([]byte{}, p...), in.Prefix...)
	end := engine.PrefixEnd(start)
	if in.ContinuationToken != "" {
		after, ok := decodeToken(in.ContinuationToken)
		if !ok {
			return nil, errInvalidArgument("The continuation token provided is incorrect", "continuation-token", in.ContinuationToken)
		}
		if k := append(accountBucketKey(call.Account, after), 0); string(k) > string(start) {
			start = k
		}
	}
	out := &ListBucketsOutput{Owner: ownerOf(call.Account), Prefix: in.Prefix, Buckets: []Bucket{}}
	err := s.eng.View(func(r engine.Reader) error {
		var names []string
		err := r.Scan(start, end, false, func(k, _ []byte) (bool, error) {
			names = append(names, string(k[len(p):]))
			return true, nil
		})
		if err != nil {
			return err
		}
		for _, name := range names {
			b, err := getBucketRecord(r, name)
			if err != nil {
				continue // deleted under us: not listed
			}
			if in.BucketRegion != "" && b.Region != in.BucketRegion {
				continue
			}
			if len(out.Buckets) == limit {
				out.ContinuationToken = encodeToken(out.Buckets[len(out.Buckets)-1].Name)
				return nil
			}
			out.Buckets = append(out.Buckets, Bucket{Name: name, CreationDate: time.Unix(0, b.Created).UTC(), BucketRegion: b.Region, BucketArn: "arn:aws:s3:::" + name})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteBucket deletes an empty bucket, with its unfinished multipart
// uploads.
func (s *Service) DeleteBucket(ctx context.Context, in *DeleteBucketRequest) (*struct{}, error) {
	var blobs []string
	err := s.update(ctx, func(tx engine.Txn) error {
		blobs = blobs[:0]
		b, err := bucket(tx, ctx, in.Bucket)
		if err != nil {
			return err
		}
		op := objectsPrefix(in.Bucket)
		empty := true
		if err := tx.Scan(op, engine.PrefixEnd(op), false, func(k, v []byte) (bool, error) {
			empty = false
			return false, nil
		}); err != nil {
			return err
		}
		if !empty {
			return protocol.Errorf("BucketNotEmpty", "The bucket you tried to delete is not empty").With("BucketName", in.Bucket)
		}
		up := uploadsPrefix(in.Bucket)
		var uploads []string
		if err := tx.Scan(up, engine.PrefixEnd(up), false, func(k, v []byte) (bool, error) {
			var u uploadRecord
			if json.Unmarshal(v, &u) == nil {
				uploads = append(uploads, u.UploadID)
			}
			return true, nil
		}); err != nil {
			return err
		}
		for _, id := range uploads {
			pp := partsPrefix(id)
			if err := tx.Scan(pp, engine.PrefixEnd(pp), false, func(k, v []byte) (bool, error) {
				var p partRecord
				if json.Unmarshal(v, &p) == nil {
					blobs = append(blobs, p.Blob)
				}
				return true, nil
			}); err != nil {
				return err
			}
			tx.DeleteRange(pp, engine.PrefixEnd(pp))
		}
		tx.DeleteRange(up, engine.PrefixEnd(up))
		tx.Delete(bucketKey(in.Bucket))
		tx.Delete(accountBucketKey(b.Account, in.Bucket))
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.deleteBlobs(blobs)
	return &struct{}{}, nil
}

// GetBucketLocation answers the bucket's region; us-east-1 is the empty
// constraint, as on AWS.
func (s *Service) GetBucketLocation(ctx context.Context, in *GetBucketLocationRequest) (*GetBucketLocationOutput, error) {
	var b *bucketRecord
	err := s.eng.View(func(r engine.Reader) (err error) {
		b, err = bucket(r, ctx, in.Bucket)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &GetBucketLocationOutput{}
	if b.Region != "us-east-1" {
		out.LocationConstraint = b.Region
	}
	return out, nil
}

// validTags applies S3's tag rules (max tags per resource: 50 for buckets,
// 10 for objects).
func validTags(tags []Tag, max int) error {
	if len(tags) > max {
		if max == 10 {
			return ErrInvalidRequest("Object tags cannot be greater than 10")
		}
		return protocol.Errorf("InvalidTag", "Bucket tag count cannot be greater than %d", max)
	}
	seen := map[string]bool{}
	for _, t := range tags {
		if seen[t.Key] {
			return protocol.Errorf("InvalidTag", "Cannot provide multiple Tags with the same key").With("TagKey", t.Key)
		}
		seen[t.Key] = true
		if utf8.RuneCountInString(t.Key) > 128 || t.Key == "" {
			return protocol.Errorf("InvalidTag", "The TagKey you have provided is invalid").With("TagKey", t.Key)
		}
		if utf8.RuneCountInString(t.Value) > 256 {
			return protocol.Errorf("InvalidTag", "The TagValue you have provided is invalid").With("TagKey", t.Key).With("TagValue", t.Value)
		}
		if strings.HasPrefix(t.Key, "aws:") {
			return protocol.Errorf("InvalidTag", "System tags cannot be added/updated by requester")
		}
	}
	return nil
}

// PutBucketTagging replaces the bucket's tags.
func (s *Service) PutBucketTagging(ctx context.Context, in *PutBucketTaggingRequest) (*struct{}, error) {
	if err := requireChecksum(in.ContentMD5, in.ChecksumAlgorithm); err != nil {
		return nil, err
	}
	var tags []Tag
	if in.Tagging != nil {
		tags = in.Tagging.TagSet
	}
	if err := validTags(tags, 50); err != nil {
		return nil, err
	}
	err := s.changeBucket(ctx, in.Bucket, func(tx engine.Txn, b *bucketRecord) error {
		b.Tags = tags
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// GetBucketTagging returns the bucket's tags; none is NoSuchTagSet.
func (s *Service) GetBucketTagging(ctx context.Context, in *GetBucketTaggingRequest) (*GetBucketTaggingOutput, error) {
	var b *bucketRecord
	err := s.eng.View(func(r engine.Reader) (err error) {
		b, err = bucket(r, ctx, in.Bucket)
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(b.Tags) == 0 {
		return nil, protocol.Errorf("NoSuchTagSet", "The TagSet does not exist").With("BucketName", in.Bucket)
	}
	return &GetBucketTaggingOutput{TagSet: b.Tags}, nil
}

// DeleteBucketTagging removes the bucket's tags.
func (s *Service) DeleteBucketTagging(ctx context.Context, in *DeleteBucketTaggingRequest) (*struct{}, error) {
	err := s.changeBucket(ctx, in.Bucket, func(tx engine.Txn, b *bucketRecord) error {
		b.Tags = nil
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// GetBucketVersioning answers that versioning was never enabled (hako has
// no versioning yet; PutBucketVersioning refuses to enable it).
func (s *Service) GetBucketVersioning(ctx context.Context, in *GetBucketVersioningRequest) (*GetBucketVersioningOutput, error) {
	err := s.eng.View(func(r engine.Reader) error {
		_, err := bucket(r, ctx, in.Bucket)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &GetBucketVersioningOutput{}, nil
}

// PutBucketVersioning: hako does not implement versioning; suspending it
// (the state it is always in) is accepted, enabling it is NotImplemented.
func (s *Service) PutBucketVersioning(ctx context.Context, in *PutBucketVersioningRequest) (*struct{}, error) {
	if err := requireChecksum(in.ContentMD5, in.ChecksumAlgorithm); err != nil {
		return nil, err
	}
	err := s.eng.View(func(r engine.Reader) error {
		_, err := bucket(r, ctx, in.Bucket)
		return err
	})
	if err != nil {
		return nil, err
	}
	if in.VersioningConfiguration != nil && in.VersioningConfiguration.Status == "Enabled" {
		return nil, errNotImplemented("S3 bucket versioning (PutBucketVersioning Status=Enabled)")
	}
	return &struct{}{}, nil
}
