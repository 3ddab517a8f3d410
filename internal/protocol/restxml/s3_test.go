package restxml

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"hako/internal/protocol"
)

func equal(a, b any) bool {
	switch x := a.(type) {
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y)
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k := range x {
			if !equal(x[k], y[k]) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equal(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

func TestS3Buckets(t *testing.T) {
	created := time.Date(2024, 3, 4, 5, 6, 7, 0, time.UTC)
	f, srv := newFake(t, map[string]reply{
		"CreateBucket": func(in map[string]any) (map[string]any, error) {
			return map[string]any{"Location": "/" + in["Bucket"].(string)}, nil
		},
		"ListBuckets": func(in map[string]any) (map[string]any, error) {
			return map[string]any{
				"Buckets": []any{
					map[string]any{"Name": "alpha", "CreationDate": created, "BucketRegion": "us-east-1"},
					map[string]any{"Name": "beta", "CreationDate": created.Add(time.Hour)},
				},
				"Owner": map[string]any{"DisplayName": "me", "ID": "abc123"},
			}, nil
		},
		"GetBucketLocation": func(in map[string]any) (map[string]any, error) {
			return map[string]any{"LocationConstraint": "eu-west-1"}, nil
		},
	})
	client := s3Client(srv.URL)
	out, err := client.CreateBucket(ctx(t), &s3.CreateBucketInput{
		Bucket:                     aws.String("alpha"),
		ACL:                        types.BucketCannedACLPrivate,
		ObjectLockEnabledForBucket: aws.Bool(true),
		CreateBucketConfiguration:  &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraintEuWest1},
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Location) != "/alpha" {
		t.Errorf("location %q", aws.ToString(out.Location))
	}
	want := map[string]any{
		"Bucket":                     "alpha",
		"ACL":                        "private",
		"ObjectLockEnabledForBucket": true,
		"CreateBucketConfiguration":  map[string]any{"LocationConstraint": "eu-west-1"},
	}
	if got := f.lastOf("CreateBucket").in; !equal(got, want) {
		t.Errorf("CreateBucket decoded\n%#v\nwant\n%#v", got, want)
	}

	list, err := client.ListBuckets(ctx(t), &s3.ListBucketsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Buckets) != 2 || aws.ToString(list.Buckets[0].Name) != "alpha" || !list.Buckets[0].CreationDate.Equal(created) ||
		aws.ToString(list.Buckets[0].BucketRegion) != "us-east-1" || aws.ToString(list.Owner.ID) != "abc123" {
		t.Errorf("ListBuckets: %+v %+v", list.Buckets, list.Owner)
	}

	loc, err := client.GetBucketLocation(ctx(t), &s3.GetBucketLocationInput{Bucket: aws.String("alpha")})
	if err != nil {
		t.Fatal(err)
	}
	if loc.LocationConstraint != types.BucketLocationConstraintEuWest1 {
		t.Errorf("location constraint %q", loc.LocationConstraint)
	}
}

// sizedBody is an object body that knows its length, as the S3 service's
// blob readers will.
type sizedBody struct {
	*bytes.Reader
	closed *bool
}

func (b sizedBody) Close() error { *b.closed = true; return nil }

func TestS3Objects(t *testing.T) {
	modified := time.Date(2024, 7, 8, 9, 10, 11, 0, time.UTC)
	content := "hello, object world"
	var closed bool
	f, srv := newFake(t, map[string]reply{
		"PutObject": func(in map[string]any) (map[string]any, error) {
			return map[string]any{"ETag": `"5d41402abc4b2a76b9719d911017c592"`, "VersionId": "v1"}, nil
		},
		"GetObject": func(in map[string]any) (map[string]any, error) {
			return map[string]any{
				"Body":          sizedBody{bytes.NewReader([]byte(content)), &closed},
				"ContentType":   "text/plain",
				"ETag":          `"etag"`,
				"LastModified":  modified,
				"Metadata":      map[string]any{"color": "blue", "shape": "round"},
				"AcceptRanges":  "bytes",
				"StorageClass":  "STANDARD",
				"TagCount":      int64(2),
				"CacheControl":  "max-age=60",
				"ContentLength": int64(len(content)),
			}, nil
		},
		"HeadObject": func(in map[string]any) (map[string]any, error) {
			return map[string]any{"ContentLength": int64(len(content)), "ETag": `"etag"`, "LastModified": modified, "Metadata": map[string]any{"color": "blue"}, "ContentType": "text/plain"}, nil
		},
	})
	client := s3Client(srv.URL)
	put, err := client.PutObject(ctx(t), &s3.PutObjectInput{
		Bucket:       aws.String("alpha"),
		Key:          aws.String("dir/hello world+ü.txt"),
		Body:         strings.NewReader(content),
		ContentType:  aws.String("text/plain"),
		CacheControl: aws.String("no-cache"),
		Metadata:     map[string]string{"Color": "blue", "shape": "round"},
		Expires:      aws.Time(modified),
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(put.ETag) != `"5d41402abc4b2a76b9719d911017c592"` || aws.ToString(put.VersionId) != "v1" {
		t.Errorf("PutObject: %+v", put)
	}
	rec := f.lastOf("PutObject")
	want := map[string]any{
		"Bucket":        "alpha",
		"Key":           "dir/hello world+ü.txt",
		"ContentType":   "text/plain",
		"CacheControl":  "no-cache",
		"Metadata":      map[string]any{"color": "blue", "shape": "round"},
		"ContentLength": int64(len(content)),
	}
	if diff := subset(rec.in, want); diff != nil {
		t.Errorf("PutObject decoded %v wrong:\n%#v", diff, rec.in)
	}
	if body, _ := rec.in["Body"].([]byte); string(body) != content {
		t.Errorf("PutObject body %q (Content-Encoding %q): a raw body is handed through", body, rec.header.Get("Content-Encoding"))
	}
	t.Logf("PutObject checksum headers: %v", checksumHeaders(rec.header))

	get, err := client.GetObject(ctx(t), &s3.GetObjectInput{Bucket: aws.String("alpha"), Key: aws.String("dir/hello world+ü.txt"), Range: aws.String("bytes=0-4")})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(get.Body)
	get.Body.Close()
	if string(body) != content || aws.ToString(get.ContentType) != "text/plain" || aws.ToString(get.ETag) != `"etag"` ||
		!get.LastModified.Equal(modified) || get.Metadata["color"] != "blue" || get.Metadata["shape"] != "round" ||
		aws.ToInt64(get.ContentLength) != int64(len(content)) || aws.ToInt32(get.TagCount) != 2 || aws.ToString(get.CacheControl) != "max-age=60" {
		t.Errorf("GetObject: body %q %+v", body, get)
	}
	if !closed {
		t.Error("the codec did not close the body it streamed")
	}
	if got := f.lastOf("GetObject").in; !equal(got, map[string]any{"Bucket": "alpha", "Key": "dir/hello world+ü.txt", "Range": "bytes=0-4"}) {
		t.Errorf("GetObject decoded %#v", got)
	}

	head, err := client.HeadObject(ctx(t), &s3.HeadObjectInput{Bucket: aws.String("alpha"), Key: aws.String("k"), IfModifiedSince: aws.Time(modified)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt64(head.ContentLength) != int64(len(content)) || !head.LastModified.Equal(modified) || head.Metadata["color"] != "blue" {
		t.Errorf("HeadObject: %+v", head)
	}
	if got := f.lastOf("HeadObject").in; !equal(got, map[string]any{"Bucket": "alpha", "Key": "k", "IfModifiedSince": modified}) {
		t.Errorf("HeadObject decoded %#v", got)
	}
}

func checksumHeaders(h http.Header) map[string]string {
	out := map[string]string{}
	for k := range h {
		lk := strings.ToLower(k)
		if strings.Contains(lk, "checksum") || strings.Contains(lk, "content-sha256") || lk == "content-encoding" || strings.Contains(lk, "decoded") {
			out[k] = h.Get(k)
		}
	}
	return out
}

func TestS3ListObjectsV2(t *testing.T) {
	modified := time.Date(2024, 1, 1, 0, 0, 0, 123e6, time.UTC)
	f, srv := newFake(t, map[string]reply{
		"ListObjectsV2": func(in map[string]any) (map[string]any, error) {
			obj := func(k string, size int64) any {
				return map[string]any{"Key": k, "LastModified": modified, "ETag": `"e-` + k + `"`, "Size": size, "StorageClass": "STANDARD",
					"Owner": map[string]any{"ID": "abc", "DisplayName": "me"}, "ChecksumAlgorithm": []any{"CRC32"}}
			}
			out := map[string]any{"Name": in["Bucket"], "Prefix": in["Prefix"], "Delimiter": in["Delimiter"], "MaxKeys": in["MaxKeys"]}
			if in["ContinuationToken"] == nil {
				out["Contents"] = []any{obj("photos/a.jpg", 10), obj("photos/b & c.jpg", 20)}
				out["CommonPrefixes"] = []any{map[string]any{"Prefix": "photos/2023/"}, map[string]any{"Prefix": "photos/2024/"}}
				out["IsTruncated"] = true
				out["NextContinuationToken"] = "token/2=="
				out["KeyCount"] = int64(4)
			} else {
				out["ContinuationToken"] = in["ContinuationToken"]
				out["Contents"] = []any{obj("photos/z.jpg", 30)}
				out["IsTruncated"] = false
				out["KeyCount"] = int64(1)
			}
			return out, nil
		},
	})
	p := s3.NewListObjectsV2Paginator(s3Client(srv.URL), &s3.ListObjectsV2Input{
		Bucket: aws.String("alpha"), Prefix: aws.String("photos/"), Delimiter: aws.String("/"), MaxKeys: aws.Int32(4), FetchOwner: aws.Bool(true),
	})
	var keys, prefixes []string
	var counts []int32
	for p.HasMorePages() {
		page, err := p.NextPage(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
			if !o.LastModified.Equal(modified) || aws.ToString(o.Owner.ID) != "abc" || o.StorageClass != types.ObjectStorageClassStandard ||
				len(o.ChecksumAlgorithm) != 1 || o.ChecksumAlgorithm[0] != types.ChecksumAlgorithmCrc32 {
				t.Errorf("object %+v", o)
			}
		}
		for _, cp := range page.CommonPrefixes {
			prefixes = append(prefixes, aws.ToString(cp.Prefix))
		}
		counts = append(counts, aws.ToInt32(page.KeyCount))
		if aws.ToString(page.Name) != "alpha" || aws.ToInt32(page.MaxKeys) != 4 {
			t.Errorf("page %+v", page)
		}
	}
	if strings.Join(keys, ",") != "photos/a.jpg,photos/b & c.jpg,photos/z.jpg" || strings.Join(prefixes, ",") != "photos/2023/,photos/2024/" || fmt.Sprint(counts) != "[4 1]" {
		t.Errorf("keys %v prefixes %v counts %v", keys, prefixes, counts)
	}
	calls := f.all("ListObjectsV2")
	if len(calls) != 2 {
		t.Fatalf("%d calls", len(calls))
	}
	want := map[string]any{"Bucket": "alpha", "Prefix": "photos/", "Delimiter": "/", "MaxKeys": int64(4), "FetchOwner": true}
	if diff := subset(calls[0].in, want); diff != nil {
		t.Errorf("first page decoded %v wrong: %#v", diff, calls[0].in)
	}
	want["ContinuationToken"] = "token/2=="
	if diff := subset(calls[1].in, want); diff != nil {
		t.Errorf("second page decoded %v wrong: %#v", diff, calls[1].in)
	}
}

func TestS3DeleteObjectsAndTagging(t *testing.T) {
	f, srv := newFake(t, map[string]reply{
		"DeleteObjects": func(in map[string]any) (map[string]any, error) {
			objs := in["Delete"].(map[string]any)["Objects"].([]any)
			return map[string]any{
				"Deleted": []any{map[string]any{"Key": objs[0].(map[string]any)["Key"]}, map[string]any{"Key": "b", "VersionId": "v2", "DeleteMarker": true}},
				"Errors":  []any{map[string]any{"Key": "c", "Code": "AccessDenied", "Message": "Access Denied"}},
			}, nil
		},
		"PutBucketTagging": func(in map[string]any) (map[string]any, error) { return nil, nil },
		"GetBucketTagging": func(in map[string]any) (map[string]any, error) {
			return map[string]any{"TagSet": []any{map[string]any{"Key": "env", "Value": "dev"}, map[string]any{"Key": "team", "Value": "<core>"}}}, nil
		},
		"GetBucketAcl": func(in map[string]any) (map[string]any, error) {
			return map[string]any{
				"Owner": map[string]any{"ID": "abc", "DisplayName": "me"},
				"Grants": []any{
					map[string]any{"Grantee": map[string]any{"Type": "CanonicalUser", "ID": "abc", "DisplayName": "me"}, "Permission": "FULL_CONTROL"},
					map[string]any{"Grantee": map[string]any{"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"}, "Permission": "READ"},
				},
			}, nil
		},
	})
	client := s3Client(srv.URL)
	del, err := client.DeleteObjects(ctx(t), &s3.DeleteObjectsInput{
		Bucket: aws.String("alpha"),
		Delete: &types.Delete{Objects: []types.ObjectIdentifier{{Key: aws.String("a")}, {Key: aws.String("b"), VersionId: aws.String("v2")}, {Key: aws.String("c")}}, Quiet: aws.Bool(false)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(del.Deleted) != 2 || aws.ToString(del.Deleted[0].Key) != "a" || !aws.ToBool(del.Deleted[1].DeleteMarker) ||
		len(del.Errors) != 1 || aws.ToString(del.Errors[0].Code) != "AccessDenied" {
		t.Errorf("DeleteObjects: %+v", del)
	}
	want := map[string]any{"Bucket": "alpha", "Delete": map[string]any{
		"Objects": []any{map[string]any{"Key": "a"}, map[string]any{"Key": "b", "VersionId": "v2"}, map[string]any{"Key": "c"}},
		"Quiet":   false,
	}}
	if diff := subset(f.lastOf("DeleteObjects").in, want); diff != nil {
		t.Errorf("DeleteObjects decoded %v wrong: %#v", diff, f.lastOf("DeleteObjects").in)
	}

	_, err = client.PutBucketTagging(ctx(t), &s3.PutBucketTaggingInput{Bucket: aws.String("alpha"), Tagging: &types.Tagging{TagSet: []types.Tag{
		{Key: aws.String("env"), Value: aws.String("dev")}, {Key: aws.String("team"), Value: aws.String("<core>")},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	want = map[string]any{"Bucket": "alpha", "Tagging": map[string]any{"TagSet": []any{map[string]any{"Key": "env", "Value": "dev"}, map[string]any{"Key": "team", "Value": "<core>"}}}}
	if diff := subset(f.lastOf("PutBucketTagging").in, want); diff != nil {
		t.Errorf("PutBucketTagging decoded %v wrong: %#v", diff, f.lastOf("PutBucketTagging").in)
	}
	tags, err := client.GetBucketTagging(ctx(t), &s3.GetBucketTaggingInput{Bucket: aws.String("alpha")})
	if err != nil {
		t.Fatal(err)
	}
	if len(tags.TagSet) != 2 || aws.ToString(tags.TagSet[1].Value) != "<core>" {
		t.Errorf("GetBucketTagging: %+v", tags.TagSet)
	}

	acl, err := client.GetBucketAcl(ctx(t), &s3.GetBucketAclInput{Bucket: aws.String("alpha")})
	if err != nil {
		t.Fatal(err)
	}
	if len(acl.Grants) != 2 || acl.Grants[0].Grantee.Type != types.TypeCanonicalUser || aws.ToString(acl.Grants[0].Grantee.ID) != "abc" ||
		acl.Grants[1].Grantee.Type != types.TypeGroup || acl.Grants[1].Permission != types.PermissionRead || aws.ToString(acl.Owner.DisplayName) != "me" {
		t.Errorf("GetBucketAcl: %+v %+v", acl.Grants, acl.Owner)
	}
}

func TestS3Errors(t *testing.T) {
	_, srv := newFake(t, map[string]reply{
		// ListObjectsV2 is an operation whose modelled errors include
		// NoSuchBucket; the SDK types only an operation's modelled errors.
		"ListObjectsV2": func(in map[string]any) (map[string]any, error) {
			return nil, protocol.Errorf("NoSuchBucket", "The specified bucket does not exist").With("BucketName", in["Bucket"])
		},
		"GetObject": func(in map[string]any) (map[string]any, error) {
			return nil, protocol.Errorf("NoSuchKey", "The specified key does not exist.").With("Key", in["Key"])
		},
		"HeadObject": func(in map[string]any) (map[string]any, error) {
			return nil, protocol.Errorf("NoSuchKey", "The specified key does not exist.")
		},
		"DeleteBucket": func(in map[string]any) (map[string]any, error) {
			return nil, protocol.Errorf("BucketNotEmpty", "The bucket you tried to delete is not empty").With("BucketName", in["Bucket"])
		},
	})
	client := s3Client(srv.URL)
	_, err := client.ListObjectsV2(ctx(t), &s3.ListObjectsV2Input{Bucket: aws.String("ghost")})
	var nsb *types.NoSuchBucket
	if !errors.As(err, &nsb) || nsb.ErrorMessage() != "The specified bucket does not exist" {
		t.Fatalf("ListObjectsV2 error %T %v, want NoSuchBucket", err, err)
	}
	checkStatus(t, err, 404)
	var re interface{ ServiceRequestID() string }
	if !errors.As(err, &re) || re.ServiceRequestID() != requestID {
		t.Errorf("request id not carried: %v", err)
	}

	_, err = client.GetObject(ctx(t), &s3.GetObjectInput{Bucket: aws.String("alpha"), Key: aws.String("k")})
	var nsk *types.NoSuchKey
	if !errors.As(err, &nsk) || nsk.ErrorMessage() != "The specified key does not exist." {
		t.Fatalf("GetObject error %T %v, want NoSuchKey", err, err)
	}

	_, err = client.HeadObject(ctx(t), &s3.HeadObjectInput{Bucket: aws.String("alpha"), Key: aws.String("k")})
	var nf *types.NotFound
	if !errors.As(err, &nf) {
		t.Fatalf("HeadObject error %T %v, want NotFound", err, err)
	}
	checkStatus(t, err, 404)

	_, err = client.DeleteBucket(ctx(t), &s3.DeleteBucketInput{Bucket: aws.String("alpha")})
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "BucketNotEmpty" {
		t.Fatalf("DeleteBucket error %v", err)
	}
	checkStatus(t, err, 409)
}

func checkStatus(t *testing.T, err error, want int) {
	t.Helper()
	var re *smithyhttp.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("%v is not a response error", err)
	}
	if re.HTTPStatusCode() != want {
		t.Errorf("status %d, want %d", re.HTTPStatusCode(), want)
	}
}

func do(t *testing.T, method, url, body string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestRawWire(t *testing.T) {
	_, srv := newFake(t, map[string]reply{
		"PutBucketTagging": func(in map[string]any) (map[string]any, error) { return nil, nil },
		"GetBucketAcl": func(in map[string]any) (map[string]any, error) {
			return map[string]any{"Grants": []any{map[string]any{"Grantee": map[string]any{"Type": "CanonicalUser", "ID": "abc"}, "Permission": "FULL_CONTROL"}}}, nil
		},
		"ListObjectsV2": func(in map[string]any) (map[string]any, error) {
			return map[string]any{"Name": "b", "IsTruncated": false, "KeyCount": int64(0), "Contents": []any{map[string]any{"Key": "k", "LastModified": time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), "Size": int64(1)}}}, nil
		},
	})
	resp, body := do(t, "DELETE", srv.URL+"/", "")
	if resp.StatusCode != 405 || !strings.Contains(body, "<Code>MethodNotAllowed</Code><Message>The specified method is not allowed against this resource.</Message><Method>DELETE</Method><ResourceType>SERVICE</ResourceType><RequestId>"+requestID+"</RequestId><HostId>") {
		t.Errorf("DELETE /: %d %s", resp.StatusCode, body)
	}
	resp, body = do(t, "PUT", srv.URL+"/b?tagging", "<Tagging><TagSet><Tag><Key>a</Key></TagSet></Tagging>")
	if resp.StatusCode != 400 || !strings.HasPrefix(body, `<?xml version="1.0" encoding="UTF-8"?>`+"\n<Error><Code>MalformedXML</Code><Message>The XML you provided was not well-formed or did not validate against our published schema</Message>") ||
		resp.Header.Get("Content-Type") != "application/xml" || resp.Header.Get("X-Amz-Request-Id") != requestID || resp.Header.Get("X-Amz-Id-2") == "" {
		t.Errorf("bad XML: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	resp, body = do(t, "GET", srv.URL+"/b?acl", "")
	want := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><AccessControlList><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>abc</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant></AccessControlList></AccessControlPolicy>`
	if resp.StatusCode != 200 || body != want {
		t.Errorf("GetBucketAcl:\n%s\nwant\n%s", body, want)
	}
	resp, body = do(t, "GET", srv.URL+"/b?list-type=2", "")
	want = `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><IsTruncated>false</IsTruncated><Contents><Key>k</Key><LastModified>2024-01-01T00:00:00.000Z</LastModified><Size>1</Size></Contents><Name>b</Name><KeyCount>0</KeyCount></ListBucketResult>`
	if resp.StatusCode != 200 || body != want {
		t.Errorf("ListObjectsV2:\n%s\nwant\n%s", body, want)
	}
	resp, body = do(t, "PUT", srv.URL+"/b?tagging", `<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet><Tag><Key>a</Key><Value>1</Value></Tag></TagSet></Tagging>`)
	if resp.StatusCode != 200 || body != "" {
		t.Errorf("PutBucketTagging: %d %s", resp.StatusCode, body)
	}
}
