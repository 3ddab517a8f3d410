package s3

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"hako/internal/clock"
	"hako/internal/engine"
	"hako/internal/protocol"
	"hako/internal/protocol/checksum"
	"hako/internal/service"
)

func newTest(t *testing.T) (*Service, *clock.Fake, *[]Event) {
	t.Helper()
	eng := engine.NewMemory()
	t.Cleanup(func() { eng.Close() })
	clk := clock.NewFake(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	var events []Event
	s := New(service.Env{Engine: eng, Clock: clk}, WithNotifier(func(tx engine.Txn, ev Event) error {
		events = append(events, ev)
		return nil
	}))
	return s, clk, &events
}

func ctxFor(account, region string) context.Context {
	return protocol.WithCall(context.Background(), &protocol.Call{Account: account, Region: region, AccessKeyID: "AK" + account, RequestID: "rid"})
}

var bg = ctxFor("000000000000", "us-east-1")

func code(t *testing.T, err error) string {
	t.Helper()
	var pe *protocol.Error
	if !errors.As(err, &pe) {
		if err != nil {
			t.Fatalf("not an AWS error: %v", err)
		}
		return ""
	}
	return pe.Code
}

func mustBucket(t *testing.T, s *Service, name string) {
	t.Helper()
	if _, err := s.CreateBucket(bg, &CreateBucketRequest{Bucket: name}); err != nil {
		t.Fatal(err)
	}
}

func put(t *testing.T, s *Service, bucket, key, body string) *PutObjectOutput {
	t.Helper()
	out, err := s.PutObject(bg, &PutObjectRequest{Bucket: bucket, Key: key, Body: strings.NewReader(body), ContentLength: ptr(int64(len(body)))})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func get(t *testing.T, s *Service, in *GetObjectRequest) (*GetObjectOutput, string) {
	t.Helper()
	out, err := s.GetObject(bg, in)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	out.Body.(io.Closer).Close()
	return out, string(b)
}

func TestBucketNames(t *testing.T) {
	s, _, _ := newTest(t)
	for _, bad := range []string{"ab", strings.Repeat("a", 64), "Upper", "under_score", "-start", "end-", "a..b", "192.168.1.1", "xn--abc", "sthree-x", "b-s3alias", "b--ol-s3"} {
		if c := code(t, func() error { _, err := s.CreateBucket(bg, &CreateBucketRequest{Bucket: bad}); return err }()); c != "InvalidBucketName" {
			t.Errorf("%q: %s", bad, c)
		}
	}
	for _, good := range []string{"abc", "my.bucket-1", strings.Repeat("a", 63)} {
		if _, err := s.CreateBucket(bg, &CreateBucketRequest{Bucket: good}); err != nil {
			t.Errorf("%q: %v", good, err)
		}
	}
}

func TestCreateBucketRules(t *testing.T) {
	s, _, _ := newTest(t)
	eu := ctxFor("000000000000", "eu-west-1")
	cases := []struct {
		ctx        context.Context
		bucket, lc string
		want       string
	}{
		{bg, "east", "", ""},
		{bg, "east", "", ""}, // us-east-1 legacy: 200 again
		{bg, "explicit-east", "us-east-1", "InvalidLocationConstraint"},
		{eu, "no-constraint", "", "IllegalLocationConstraintException"},
		{eu, "other-region", "us-west-2", "IllegalLocationConstraintException"},
		{eu, "euro", "eu-west-1", ""},
		{eu, "euro", "eu-west-1", "BucketAlreadyOwnedByYou"},
		{ctxFor("111111111111", "us-east-1"), "east", "", "BucketAlreadyExists"},
		{bg, "west-from-east", "us-west-2", ""},
	}
	for i, c := range cases {
		in := &CreateBucketRequest{Bucket: c.bucket}
		if c.lc != "" {
			in.CreateBucketConfiguration = &CreateBucketConfiguration{LocationConstraint: c.lc}
		}
		_, err := s.CreateBucket(c.ctx, in)
		if got := code(t, err); got != c.want {
			t.Errorf("%d %s %q: %q want %q", i, c.bucket, c.lc, got, c.want)
		}
	}
	loc, err := s.GetBucketLocation(bg, &GetBucketLocationRequest{Bucket: "east"})
	if err != nil || loc.LocationConstraint != "" {
		t.Errorf("east location %+v %v", loc, err)
	}
	loc, _ = s.GetBucketLocation(bg, &GetBucketLocationRequest{Bucket: "west-from-east"})
	if loc.LocationConstraint != "us-west-2" {
		t.Errorf("west location %+v", loc)
	}
	// Another account does not see, and may not use, the bucket.
	other := ctxFor("111111111111", "us-east-1")
	if _, err := s.HeadBucket(other, &HeadBucketRequest{Bucket: "east"}); code(t, err) != "AccessDenied" {
		t.Errorf("other account head: %v", err)
	}
	list, _ := s.ListBuckets(other, &ListBucketsRequest{})
	if len(list.Buckets) != 0 {
		t.Errorf("other account lists %v", list.Buckets)
	}
}

func TestListBucketsPaging(t *testing.T) {
	s, _, _ := newTest(t)
	for i := 0; i < 5; i++ {
		mustBucket(t, s, fmt.Sprintf("bucket-%d", i))
	}
	mustBucket(t, s, "other")
	var names []string
	tok := ""
	for pages := 0; ; pages++ {
		out, err := s.ListBuckets(bg, &ListBucketsRequest{MaxBuckets: ptr(int32(2)), Prefix: "bucket-", ContinuationToken: tok})
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range out.Buckets {
			names = append(names, b.Name)
		}
		if out.ContinuationToken == "" {
			break
		}
		tok = out.ContinuationToken
		if pages > 5 {
			t.Fatal("no end")
		}
	}
	if strings.Join(names, ",") != "bucket-0,bucket-1,bucket-2,bucket-3,bucket-4" {
		t.Errorf("names %v", names)
	}
	if _, err := s.ListBuckets(bg, &ListBucketsRequest{ContinuationToken: "garbage!"}); code(t, err) != "InvalidArgument" {
		t.Errorf("bad token: %v", err)
	}
}

func TestDeleteBucketNotEmpty(t *testing.T) {
	s, _, _ := newTest(t)
	mustBucket(t, s, "full")
	put(t, s, "full", "k", "v")
	if _, err := s.DeleteBucket(bg, &DeleteBucketRequest{Bucket: "full"}); code(t, err) != "BucketNotEmpty" {
		t.Fatalf("delete: %v", err)
	}
	if _, err := s.DeleteObject(bg, &DeleteObjectRequest{Bucket: "full", Key: "k"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteBucket(bg, &DeleteBucketRequest{Bucket: "full"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.HeadBucket(bg, &HeadBucketRequest{Bucket: "full"}); code(t, err) != "NoSuchBucket" {
		t.Errorf("head after delete: %v", err)
	}
}

func TestBucketTagging(t *testing.T) {
	s, _, _ := newTest(t)
	mustBucket(t, s, "tags")
	if _, err := s.GetBucketTagging(bg, &GetBucketTaggingRequest{Bucket: "tags"}); code(t, err) != "NoSuchTagSet" {
		t.Errorf("no tags: %v", err)
	}
	tagging := &Tagging{TagSet: []Tag{{Key: "a", Value: "1"}}}
	if _, err := s.PutBucketTagging(bg, &PutBucketTaggingRequest{Bucket: "tags", Tagging: tagging}); code(t, err) != "InvalidRequest" {
		t.Errorf("without checksum: %v", err)
	}
	if _, err := s.PutBucketTagging(bg, &PutBucketTaggingRequest{Bucket: "tags", ChecksumAlgorithm: "CRC32", Tagging: &Tagging{TagSet: []Tag{{Key: "a"}, {Key: "a"}}}}); code(t, err) != "InvalidTag" {
		t.Errorf("duplicate: %v", err)
	}
	if _, err := s.PutBucketTagging(bg, &PutBucketTaggingRequest{Bucket: "tags", ChecksumAlgorithm: "CRC32", Tagging: tagging}); err != nil {
		t.Fatal(err)
	}
	out, err := s.GetBucketTagging(bg, &GetBucketTaggingRequest{Bucket: "tags"})
	if err != nil || len(out.TagSet) != 1 || out.TagSet[0].Value != "1" {
		t.Errorf("tags %+v %v", out, err)
	}
	s.DeleteBucketTagging(bg, &DeleteBucketTaggingRequest{Bucket: "tags"})
	if _, err := s.GetBucketTagging(bg, &GetBucketTaggingRequest{Bucket: "tags"}); code(t, err) != "NoSuchTagSet" {
		t.Errorf("after delete: %v", err)
	}
}

func TestPutGetObject(t *testing.T) {
	s, _, events := newTest(t)
	mustBucket(t, s, "bkt")
	body := "hello, world"
	sum := md5.Sum([]byte(body))
	out, err := s.PutObject(bg, &PutObjectRequest{
		Bucket: "bkt", Key: "dir/k", Body: strings.NewReader(body), ContentLength: ptr(int64(len(body))),
		ContentType: "text/plain", Metadata: map[string]string{"color": "blue"}, CacheControl: "no-cache",
		ContentMD5: base64.StdEncoding.EncodeToString(sum[:]), Tagging: "a=1&b=2",
	})
	if err != nil {
		t.Fatal(err)
	}
	if out.ETag != fmt.Sprintf(`"%x"`, sum) || out.ChecksumCRC64NVME == "" || out.ServerSideEncryption != "AES256" {
		t.Errorf("put out %+v", out)
	}
	if len(*events) != 1 || (*events)[0].Name != "ObjectCreated:Put" || (*events)[0].Size != int64(len(body)) {
		t.Errorf("events %+v", *events)
	}
	g, got := get(t, s, &GetObjectRequest{Bucket: "bkt", Key: "dir/k", ChecksumMode: "ENABLED"})
	if got != body || g.ContentType != "text/plain" || g.Metadata["color"] != "blue" || g.CacheControl != "no-cache" ||
		*g.TagCount != 2 || g.ChecksumCRC64NVME != out.ChecksumCRC64NVME || *g.ContentLength != int64(len(body)) {
		t.Errorf("get %+v %q", g, got)
	}
	// Ranges.
	for _, c := range []struct{ rng, want, cr string }{
		{"bytes=0-4", "hello", "bytes 0-4/12"},
		{"bytes=7-", "world", "bytes 7-11/12"},
		{"bytes=-5", "world", "bytes 7-11/12"},
		{"bytes=7-100", "world", "bytes 7-11/12"},
		{"bytes=x-y", body, ""},
	} {
		g, got := get(t, s, &GetObjectRequest{Bucket: "bkt", Key: "dir/k", Range: c.rng})
		if got != c.want || g.ContentRange != c.cr {
			t.Errorf("%s: %q %q", c.rng, got, g.ContentRange)
		}
		if g.ChecksumCRC64NVME != "" {
			t.Errorf("%s: a range carries no object checksum", c.rng)
		}
	}
	if _, err := s.GetObject(bg, &GetObjectRequest{Bucket: "bkt", Key: "dir/k", Range: "bytes=12-"}); code(t, err) != "InvalidRange" {
		t.Errorf("unsatisfiable: %v", err)
	}
	// Overrides.
	g, _ = get(t, s, &GetObjectRequest{Bucket: "bkt", Key: "dir/k", ResponseContentType: "application/json", ResponseContentDisposition: "attachment"})
	if g.ContentType != "application/json" || g.ContentDisposition != "attachment" {
		t.Errorf("overrides %+v", g)
	}
	if _, err := s.GetObject(bg, &GetObjectRequest{Bucket: "bkt", Key: "nope"}); code(t, err) != "NoSuchKey" {
		t.Errorf("missing: %v", err)
	}
	if _, err := s.GetObject(bg, &GetObjectRequest{Bucket: "nobucket", Key: "k"}); code(t, err) != "NoSuchBucket" {
		t.Errorf("no bucket: %v", err)
	}
}

func TestConditions(t *testing.T) {
	s, clk, _ := newTest(t)
	mustBucket(t, s, "bkt")
	etag := put(t, s, "bkt", "k", "v1").ETag
	mod := clk.Now()
	clk.Advance(time.Hour)
	for _, c := range []struct {
		name string
		in   GetObjectRequest
		want string
	}{
		{"if-match ok", GetObjectRequest{IfMatch: etag}, ""},
		{"if-match wrong", GetObjectRequest{IfMatch: `"abc"`}, "PreconditionFailed"},
		{"if-none-match hit", GetObjectRequest{IfNoneMatch: etag}, "NotModified"},
		{"if-none-match miss", GetObjectRequest{IfNoneMatch: `"abc"`}, ""},
		{"modified-since later", GetObjectRequest{IfModifiedSince: mod.Add(time.Minute)}, "NotModified"},
		{"modified-since earlier", GetObjectRequest{IfModifiedSince: mod.Add(-time.Minute)}, ""},
		{"unmodified-since earlier", GetObjectRequest{IfUnmodifiedSince: mod.Add(-time.Minute)}, "PreconditionFailed"},
		{"if-match beats unmodified-since", GetObjectRequest{IfMatch: etag, IfUnmodifiedSince: mod.Add(-time.Minute)}, ""},
		{"if-none-match beats modified-since", GetObjectRequest{IfNoneMatch: `"abc"`, IfModifiedSince: mod.Add(time.Minute)}, ""},
	} {
		c.in.Bucket, c.in.Key = "bkt", "k"
		out, err := s.GetObject(bg, &c.in)
		if got := code(t, err); got != c.want {
			t.Errorf("%s: %q want %q", c.name, got, c.want)
		}
		if err == nil {
			out.Body.(io.Closer).Close()
		}
	}
	// Conditional write.
	_, err := s.PutObject(bg, &PutObjectRequest{Bucket: "bkt", Key: "k", IfNoneMatch: "*", Body: strings.NewReader("v2")})
	if code(t, err) != "PreconditionFailed" {
		t.Errorf("if-none-match * on existing: %v", err)
	}
	if _, body := get(t, s, &GetObjectRequest{Bucket: "bkt", Key: "k"}); body != "v1" {
		t.Errorf("overwritten despite the condition: %q", body)
	}
	if _, err := s.PutObject(bg, &PutObjectRequest{Bucket: "bkt", Key: "new", IfNoneMatch: "*", Body: strings.NewReader("v")}); err != nil {
		t.Errorf("if-none-match * on new: %v", err)
	}
}

func TestIntegrity(t *testing.T) {
	s, _, _ := newTest(t)
	mustBucket(t, s, "bkt")
	crc := func(alg, s string) string {
		h, _ := checksum.New(alg)
		h.Write([]byte(s))
		return checksum.Encode(h.Sum(nil))
	}
	for _, c := range []struct {
		name string
		in   PutObjectRequest
		want string
	}{
		{"good crc32", PutObjectRequest{ChecksumAlgorithm: "CRC32", ChecksumCRC32: crc("CRC32", "data")}, ""},
		{"bad crc32", PutObjectRequest{ChecksumAlgorithm: "CRC32", ChecksumCRC32: crc("CRC32", "other")}, "BadDigest"},
		{"good sha256", PutObjectRequest{ChecksumSHA256: crc("SHA256", "data")}, ""},
		{"bad crc64nvme", PutObjectRequest{ChecksumCRC64NVME: crc("CRC64NVME", "x")}, "BadDigest"},
		{"malformed", PutObjectRequest{ChecksumCRC32C: "zz"}, "InvalidRequest"},
		{"bad md5", PutObjectRequest{ContentMD5: "1B2M2Y8AsgTpgAmY7PhCfg=="}, "BadDigest"},
		{"invalid md5", PutObjectRequest{ContentMD5: "abc"}, "InvalidDigest"},
		{"two algorithms", PutObjectRequest{ChecksumCRC32: crc("CRC32", "data"), ChecksumSHA1: crc("SHA1", "data")}, "InvalidRequest"},
		{"short body", PutObjectRequest{ContentLength: ptr(int64(10))}, "IncompleteBody"},
	} {
		c.in.Bucket, c.in.Key, c.in.Body = "bkt", c.name, strings.NewReader("data")
		out, err := s.PutObject(bg, &c.in)
		if got := code(t, err); got != c.want {
			t.Errorf("%s: %q want %q", c.name, got, c.want)
			continue
		}
		_, gerr := s.HeadObject(bg, &HeadObjectRequest{Bucket: "bkt", Key: c.name})
		if c.want != "" && code(t, gerr) != "NoSuchKey" {
			t.Errorf("%s: refused write left an object", c.name)
		}
		if c.want == "" && c.in.ChecksumAlgorithm == "CRC32" && out.ChecksumCRC32 != c.in.ChecksumCRC32 {
			t.Errorf("%s: out %+v", c.name, out)
		}
	}
	h, err := s.HeadObject(bg, &HeadObjectRequest{Bucket: "bkt", Key: "good sha256", ChecksumMode: "ENABLED"})
	if err != nil || h.ChecksumSHA256 != crc("SHA256", "data") || h.ChecksumType != "FULL_OBJECT" {
		t.Errorf("head %+v %v", h, err)
	}
}

func TestListObjects(t *testing.T) {
	s, _, _ := newTest(t)
	mustBucket(t, s, "bkt")
	keys := []string{"a/1", "a/2", "a/b/3", "b/1", "c", "d e+f"}
	for _, k := range keys {
		put(t, s, "bkt", k, k)
	}
	out, err := s.ListObjectsV2(bg, &ListObjectsV2Request{Bucket: "bkt", Delimiter: "/"})
	if err != nil {
		t.Fatal(err)
	}
	var cps, ks []string
	for _, p := range out.CommonPrefixes {
		cps = append(cps, p.Prefix)
	}
	for _, o := range out.Contents {
		ks = append(ks, o.Key)
	}
	if strings.Join(cps, ",") != "a/,b/" || strings.Join(ks, ",") != "c,d e+f" || *out.KeyCount != 4 {
		t.Errorf("delimiter: %v %v %d", cps, ks, *out.KeyCount)
	}
	// Paging with max-keys 1 walks every key and prefix once.
	var seen []string
	tok := ""
	for i := 0; i < 10; i++ {
		out, err := s.ListObjectsV2(bg, &ListObjectsV2Request{Bucket: "bkt", Prefix: "a/", Delimiter: "/", MaxKeys: ptr(int32(1)), ContinuationToken: tok})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range out.Contents {
			seen = append(seen, o.Key)
		}
		for _, p := range out.CommonPrefixes {
			seen = append(seen, p.Prefix)
		}
		if !*out.IsTruncated {
			break
		}
		tok = out.NextContinuationToken
	}
	if strings.Join(seen, ",") != "a/1,a/2,a/b/" {
		t.Errorf("paging: %v", seen)
	}
	out, _ = s.ListObjectsV2(bg, &ListObjectsV2Request{Bucket: "bkt", StartAfter: "b/1", EncodingType: "url", FetchOwner: ptr(true)})
	if len(out.Contents) != 2 || out.Contents[0].Key != "c" || out.Contents[1].Key != "d+e%2Bf" || out.Contents[0].Owner == nil {
		t.Errorf("start-after/url: %+v", out.Contents)
	}
	v1, err := s.ListObjects(bg, &ListObjectsRequest{Bucket: "bkt", Marker: "a/2", MaxKeys: ptr(int32(2)), Delimiter: "/"})
	if err != nil || len(v1.Contents)+len(v1.CommonPrefixes) != 2 || !*v1.IsTruncated || v1.NextMarker != "b/" {
		t.Errorf("v1: %+v %v", v1, err)
	}
	if _, err := s.ListObjectsV2(bg, &ListObjectsV2Request{Bucket: "bkt", EncodingType: "xml"}); code(t, err) != "InvalidArgument" {
		t.Errorf("bad encoding: %v", err)
	}
}

func TestCopyObject(t *testing.T) {
	s, _, events := newTest(t)
	mustBucket(t, s, "bkt")
	src := put(t, s, "bkt", "src", "copy me")
	if _, err := s.CopyObject(bg, &CopyObjectRequest{Bucket: "bkt", Key: "src", CopySource: "bkt/src"}); code(t, err) != "InvalidRequest" {
		t.Errorf("copy onto itself: %v", err)
	}
	out, err := s.CopyObject(bg, &CopyObjectRequest{Bucket: "bkt", Key: "src", CopySource: "/bkt/src", MetadataDirective: "REPLACE", Metadata: map[string]string{"x": "y"}, ContentType: "text/x"})
	if err != nil || out.CopyObjectResult.ETag != src.ETag {
		t.Fatalf("copy onto itself with REPLACE: %+v %v", out, err)
	}
	g, body := get(t, s, &GetObjectRequest{Bucket: "bkt", Key: "src"})
	if body != "copy me" || g.Metadata["x"] != "y" || g.ContentType != "text/x" {
		t.Errorf("after replace: %q %+v", body, g)
	}
	if _, err := s.CopyObject(bg, &CopyObjectRequest{Bucket: "bkt", Key: "dst", CopySource: "bkt/src"}); err != nil {
		t.Fatal(err)
	}
	g, body = get(t, s, &GetObjectRequest{Bucket: "bkt", Key: "dst"})
	if body != "copy me" || g.Metadata["x"] != "y" {
		t.Errorf("copied: %q %+v", body, g)
	}
	if _, err := s.CopyObject(bg, &CopyObjectRequest{Bucket: "bkt", Key: "dst2", CopySource: "bkt/src", CopySourceIfMatch: `"nope"`}); code(t, err) != "PreconditionFailed" {
		t.Errorf("copy-source-if-match: %v", err)
	}
	if _, err := s.CopyObject(bg, &CopyObjectRequest{Bucket: "bkt", Key: "dst2", CopySource: "bkt/missing"}); code(t, err) != "NoSuchKey" {
		t.Errorf("missing source: %v", err)
	}
	if (*events)[len(*events)-1].Name != "ObjectCreated:Copy" {
		t.Errorf("events %+v", *events)
	}
}

func TestDeleteObjects(t *testing.T) {
	s, _, _ := newTest(t)
	mustBucket(t, s, "bkt")
	put(t, s, "bkt", "a", "1")
	put(t, s, "bkt", "b", "2")
	out, err := s.DeleteObjects(bg, &DeleteObjectsRequest{Bucket: "bkt", ChecksumAlgorithm: "CRC32", Delete: &Delete{Objects: []ObjectIdentifier{{Key: "a"}, {Key: "missing"}, {Key: "b", VersionId: "v9"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Deleted) != 2 || len(out.Errors) != 1 || out.Errors[0].Code != "NoSuchVersion" {
		t.Errorf("out %+v", out)
	}
	out, err = s.DeleteObjects(bg, &DeleteObjectsRequest{Bucket: "bkt", Delete: &Delete{Quiet: ptr(true), Objects: []ObjectIdentifier{{Key: "b"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Deleted) != 0 || len(out.Errors) != 0 {
		t.Errorf("quiet %+v", out)
	}
	l, _ := s.ListObjectsV2(bg, &ListObjectsV2Request{Bucket: "bkt"})
	if len(l.Contents) != 0 {
		t.Errorf("left %+v", l.Contents)
	}
}

func TestObjectTagging(t *testing.T) {
	s, _, _ := newTest(t)
	mustBucket(t, s, "bkt")
	put(t, s, "bkt", "k", "v")
	if _, err := s.PutObjectTagging(bg, &PutObjectTaggingRequest{Bucket: "bkt", Key: "k", ContentMD5: "x", Tagging: &Tagging{TagSet: []Tag{{Key: "t", Value: "1"}}}}); err != nil {
		t.Fatal(err)
	}
	out, _ := s.GetObjectTagging(bg, &GetObjectTaggingRequest{Bucket: "bkt", Key: "k"})
	if len(out.TagSet) != 1 || out.TagSet[0].Key != "t" {
		t.Errorf("tags %+v", out)
	}
	many := make([]Tag, 11)
	for i := range many {
		many[i] = Tag{Key: fmt.Sprint(i)}
	}
	if _, err := s.PutObjectTagging(bg, &PutObjectTaggingRequest{Bucket: "bkt", Key: "k", ContentMD5: "x", Tagging: &Tagging{TagSet: many}}); code(t, err) != "InvalidRequest" {
		t.Errorf("11 tags: %v", err)
	}
	s.DeleteObjectTagging(bg, &DeleteObjectTaggingRequest{Bucket: "bkt", Key: "k"})
	out, _ = s.GetObjectTagging(bg, &GetObjectTaggingRequest{Bucket: "bkt", Key: "k"})
	if len(out.TagSet) != 0 {
		t.Errorf("after delete %+v", out)
	}
	if _, err := s.GetObjectTagging(bg, &GetObjectTaggingRequest{Bucket: "bkt", Key: "nope"}); code(t, err) != "NoSuchKey" {
		t.Errorf("missing key: %v", err)
	}
}

func TestMultipart(t *testing.T) {
	s, _, events := newTest(t)
	mustBucket(t, s, "bkt")
	cr, err := s.CreateMultipartUpload(bg, &CreateMultipartUploadRequest{Bucket: "bkt", Key: "big", ChecksumAlgorithm: "CRC32", ContentType: "video/x", Metadata: map[string]string{"m": "1"}})
	if err != nil {
		t.Fatal(err)
	}
	if cr.ChecksumType != "COMPOSITE" {
		t.Errorf("checksum type %q", cr.ChecksumType)
	}
	p1 := bytes.Repeat([]byte("a"), minPartSize)
	p2 := []byte("tail")
	var etags []string
	var sums [][]byte
	for i, p := range [][]byte{p1, p2} {
		h, _ := checksum.New("CRC32")
		h.Write(p)
		sums = append(sums, h.Sum(nil))
		out, err := s.UploadPart(bg, &UploadPartRequest{Bucket: "bkt", Key: "big", UploadId: cr.UploadId, PartNumber: ptr(int32(i + 1)), Body: bytes.NewReader(p), ChecksumCRC32: checksum.Encode(h.Sum(nil)), ChecksumAlgorithm: "CRC32"})
		if err != nil {
			t.Fatal(err)
		}
		etags = append(etags, out.ETag)
	}
	lp, err := s.ListParts(bg, &ListPartsRequest{Bucket: "bkt", Key: "big", UploadId: cr.UploadId})
	if err != nil || len(lp.Parts) != 2 || *lp.Parts[1].Size != 4 {
		t.Fatalf("list parts %+v %v", lp, err)
	}
	lu, _ := s.ListMultipartUploads(bg, &ListMultipartUploadsRequest{Bucket: "bkt"})
	if len(lu.Uploads) != 1 || lu.Uploads[0].UploadId != cr.UploadId {
		t.Errorf("uploads %+v", lu)
	}
	// Errors: order, missing part, wrong ETag.
	complete := func(parts ...CompletedPart) error {
		_, err := s.CompleteMultipartUpload(bg, &CompleteMultipartUploadRequest{Bucket: "bkt", Key: "big", UploadId: cr.UploadId, MultipartUpload: &CompletedMultipartUpload{Parts: parts}})
		return err
	}
	if err := complete(CompletedPart{PartNumber: ptr(int32(2)), ETag: etags[1]}, CompletedPart{PartNumber: ptr(int32(1)), ETag: etags[0]}); code(t, err) != "InvalidPartOrder" {
		t.Errorf("order: %v", err)
	}
	if err := complete(CompletedPart{PartNumber: ptr(int32(1)), ETag: `"bad"`}); code(t, err) != "InvalidPart" {
		t.Errorf("etag: %v", err)
	}
	if err := complete(CompletedPart{PartNumber: ptr(int32(2)), ETag: etags[1]}, CompletedPart{PartNumber: ptr(int32(3)), ETag: etags[1]}); code(t, err) != "InvalidPart" {
		t.Errorf("missing part: %v", err)
	}
	out, err := s.CompleteMultipartUpload(bg, &CompleteMultipartUploadRequest{Bucket: "bkt", Key: "big", UploadId: cr.UploadId, MultipartUpload: &CompletedMultipartUpload{Parts: []CompletedPart{
		{PartNumber: ptr(int32(1)), ETag: etags[0], ChecksumCRC32: checksum.Encode(sums[0])},
		{PartNumber: ptr(int32(2)), ETag: etags[1]},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	m1, m2 := md5.Sum(p1), md5.Sum(p2)
	wantETag := fmt.Sprintf(`"%x-2"`, md5.Sum(append(m1[:], m2[:]...)))
	h, _ := checksum.New("CRC32")
	h.Write(append(append([]byte{}, sums[0]...), sums[1]...))
	wantSum := checksum.Encode(h.Sum(nil)) + "-2"
	if out.ETag != wantETag || out.ChecksumCRC32 != wantSum || out.ChecksumType != "COMPOSITE" {
		t.Errorf("complete %+v want %s %s", out, wantETag, wantSum)
	}
	g, body := get(t, s, &GetObjectRequest{Bucket: "bkt", Key: "big"})
	if len(body) != minPartSize+4 || !strings.HasSuffix(body, "aaatail") || g.ContentType != "video/x" || g.Metadata["m"] != "1" {
		t.Errorf("object: %d bytes %+v", len(body), g)
	}
	g, body = get(t, s, &GetObjectRequest{Bucket: "bkt", Key: "big", PartNumber: ptr(int32(2))})
	if body != "tail" || *g.PartsCount != 2 || g.ContentRange != fmt.Sprintf("bytes %d-%d/%d", minPartSize, minPartSize+3, minPartSize+4) {
		t.Errorf("part 2: %q %+v", body, g)
	}
	_, body = get(t, s, &GetObjectRequest{Bucket: "bkt", Key: "big", Range: fmt.Sprintf("bytes=%d-%d", minPartSize-2, minPartSize+1)})
	if body != "aata" {
		t.Errorf("range across parts: %q", body)
	}
	if (*events)[len(*events)-1].Name != "ObjectCreated:CompleteMultipartUpload" {
		t.Errorf("events %+v", *events)
	}
	if _, err := s.ListParts(bg, &ListPartsRequest{Bucket: "bkt", Key: "big", UploadId: cr.UploadId}); code(t, err) != "NoSuchUpload" {
		t.Errorf("upload still there: %v", err)
	}
}

func TestMultipartTooSmallAndAbort(t *testing.T) {
	s, _, _ := newTest(t)
	mustBucket(t, s, "bkt")
	cr, _ := s.CreateMultipartUpload(bg, &CreateMultipartUploadRequest{Bucket: "bkt", Key: "k"})
	var etags []string
	for i := 1; i <= 2; i++ {
		out, err := s.UploadPart(bg, &UploadPartRequest{Bucket: "bkt", Key: "k", UploadId: cr.UploadId, PartNumber: ptr(int32(i)), Body: strings.NewReader("small")})
		if err != nil {
			t.Fatal(err)
		}
		etags = append(etags, out.ETag)
	}
	_, err := s.CompleteMultipartUpload(bg, &CompleteMultipartUploadRequest{Bucket: "bkt", Key: "k", UploadId: cr.UploadId, MultipartUpload: &CompletedMultipartUpload{Parts: []CompletedPart{
		{PartNumber: ptr(int32(1)), ETag: etags[0]}, {PartNumber: ptr(int32(2)), ETag: etags[1]},
	}}})
	if code(t, err) != "EntityTooSmall" {
		t.Errorf("too small: %v", err)
	}
	if _, err := s.HeadObject(bg, &HeadObjectRequest{Bucket: "bkt", Key: "k"}); code(t, err) != "NoSuchKey" {
		t.Errorf("object exists after a refused completion: %v", err)
	}
	if _, err := s.UploadPart(bg, &UploadPartRequest{Bucket: "bkt", Key: "k", UploadId: cr.UploadId, PartNumber: ptr(int32(10001)), Body: strings.NewReader("x")}); code(t, err) != "InvalidArgument" {
		t.Errorf("part 10001: %v", err)
	}
	if _, err := s.AbortMultipartUpload(bg, &AbortMultipartUploadRequest{Bucket: "bkt", Key: "k", UploadId: cr.UploadId}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AbortMultipartUpload(bg, &AbortMultipartUploadRequest{Bucket: "bkt", Key: "k", UploadId: cr.UploadId}); code(t, err) != "NoSuchUpload" {
		t.Errorf("abort twice: %v", err)
	}
	// Single-part upload with a full-object checksum and an UploadPartCopy.
	put(t, s, "bkt", "src", "0123456789")
	cr, _ = s.CreateMultipartUpload(bg, &CreateMultipartUploadRequest{Bucket: "bkt", Key: "k2", ChecksumAlgorithm: "CRC32C", ChecksumType: "FULL_OBJECT"})
	pc, err := s.UploadPartCopy(bg, &UploadPartCopyRequest{Bucket: "bkt", Key: "k2", UploadId: cr.UploadId, PartNumber: ptr(int32(1)), CopySource: "bkt/src", CopySourceRange: "bytes=2-5"})
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.CompleteMultipartUpload(bg, &CompleteMultipartUploadRequest{Bucket: "bkt", Key: "k2", UploadId: cr.UploadId, MultipartUpload: &CompletedMultipartUpload{Parts: []CompletedPart{{PartNumber: ptr(int32(1)), ETag: pc.CopyPartResult.ETag}}}})
	if err != nil {
		t.Fatal(err)
	}
	h, _ := checksum.New("CRC32C")
	h.Write([]byte("2345"))
	if out.ChecksumCRC32C != checksum.Encode(h.Sum(nil)) || out.ChecksumType != "FULL_OBJECT" {
		t.Errorf("full object: %+v", out)
	}
	if _, body := get(t, s, &GetObjectRequest{Bucket: "bkt", Key: "k2"}); body != "2345" {
		t.Errorf("k2 %q", body)
	}
}

// TestOverwriteDeletesOldBlob: an overwritten object's blob goes once the
// new record commits.
func TestOverwriteDeletesOldBlob(t *testing.T) {
	s, _, _ := newTest(t)
	mustBucket(t, s, "bkt")
	put(t, s, "bkt", "k", "one")
	var first string
	s.eng.View(func(r engine.Reader) error {
		o, _ := getObjectRecord(r, "bkt", "k")
		first = o.Segments[0].Blob
		return nil
	})
	put(t, s, "bkt", "k", "two")
	if _, err := s.blobs.Open(first); err == nil {
		t.Error("old blob still there")
	}
	if _, body := get(t, s, &GetObjectRequest{Bucket: "bkt", Key: "k"}); body != "two" {
		t.Errorf("%q", body)
	}
}

// A bucket policy is read back by GetBucketPolicy and removed by
// DeleteBucketPolicy (the shared changeBucket / readBucket path).
func TestBucketSubresourcesRoundTrip(t *testing.T) {
	s, _, _ := newTest(t)
	mustBucket(t, s, "sub")
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::sub/*"}]}`
	if _, err := s.PutBucketPolicy(bg, &PutBucketPolicyRequest{Bucket: "sub", Policy: policy}); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetBucketPolicy(bg, &GetBucketPolicyRequest{Bucket: "sub"})
	if err != nil || got.Policy != policy {
		t.Fatalf("policy %+v %v", got, err)
	}
	if _, err := s.DeleteBucketPolicy(bg, &DeleteBucketPolicyRequest{Bucket: "sub"}); err != nil {
		t.Fatal(err)
	}
	if c := code(t, func() error { _, err := s.GetBucketPolicy(bg, &GetBucketPolicyRequest{Bucket: "sub"}); return err }()); c != "NoSuchBucketPolicy" {
		t.Fatalf("after delete: %s", c)
	}
	if c := code(t, func() error { _, err := s.GetBucketPolicy(bg, &GetBucketPolicyRequest{Bucket: "nope"}); return err }()); c != "NoSuchBucket" {
		t.Fatalf("missing bucket: %s", c)
	}
}
