package restxml

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"hako/internal/protocol"
	"hako/internal/protocol/checksum"
	"hako/internal/protocol/model"
)

// decode runs a request through Operation and Decode.
func decode(t *testing.T, r *http.Request) (*protocol.Call, map[string]any, error) {
	t.Helper()
	var codec Codec
	c := &protocol.Call{API: model.MustLoad("s3"), RequestID: "rid"}
	op, err := codec.Operation(c, r)
	if err != nil {
		return c, nil, err
	}
	c.Op = op
	doc, err := codec.Decode(c, r)
	return c, doc, err
}

func TestDecodePayloads(t *testing.T) {
	cases := []struct {
		name, method, target, body string
		header                     map[string]string
		op                         string
		want                       map[string]any
	}{
		{
			name: "acl with xsi:type", method: "PUT", target: "/b?acl", op: "PutBucketAcl",
			body: `<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>o</ID></Owner><AccessControlList>` +
				`<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>o</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant>` +
				`<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group"><URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee><Permission>READ</Permission></Grant>` +
				`</AccessControlList></AccessControlPolicy>`,
			want: map[string]any{"Bucket": "b", "AccessControlPolicy": map[string]any{
				"Owner": map[string]any{"ID": "o"},
				"Grants": []any{
					map[string]any{"Grantee": map[string]any{"Type": "CanonicalUser", "ID": "o"}, "Permission": "FULL_CONTROL"},
					map[string]any{"Grantee": map[string]any{"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"}, "Permission": "READ"},
				},
			}},
		},
		{
			name: "lifecycle with flattened rules", method: "PUT", target: "/b?lifecycle", op: "PutBucketLifecycleConfiguration",
			header: map[string]string{"x-amz-sdk-checksum-algorithm": "CRC32"},
			body: `<LifecycleConfiguration><Rule><ID>a</ID><Filter><And><Prefix>logs/</Prefix><Tag><Key>k</Key><Value>v</Value></Tag><Tag><Key>k2</Key><Value>v2</Value></Tag></And></Filter>` +
				`<Status>Enabled</Status><Expiration><Days>30</Days></Expiration><Transition><Days>7</Days><StorageClass>GLACIER</StorageClass></Transition></Rule>` +
				`<Rule><ID>b</ID><Filter><Prefix></Prefix></Filter><Status>Disabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule></LifecycleConfiguration>`,
			want: map[string]any{"Bucket": "b", "ChecksumAlgorithm": "CRC32", "LifecycleConfiguration": map[string]any{"Rules": []any{
				map[string]any{"ID": "a", "Status": "Enabled",
					"Filter":      map[string]any{"And": map[string]any{"Prefix": "logs/", "Tags": []any{map[string]any{"Key": "k", "Value": "v"}, map[string]any{"Key": "k2", "Value": "v2"}}}},
					"Expiration":  map[string]any{"Days": int64(30)},
					"Transitions": []any{map[string]any{"Days": int64(7), "StorageClass": "GLACIER"}}},
				map[string]any{"ID": "b", "Status": "Disabled", "Filter": map[string]any{"Prefix": ""},
					"AbortIncompleteMultipartUpload": map[string]any{"DaysAfterInitiation": int64(1)}},
			}}},
		},
		{
			name: "cors", method: "PUT", target: "/b?cors", op: "PutBucketCors",
			body: `<CORSConfiguration><CORSRule><AllowedHeader>*</AllowedHeader><AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod><AllowedOrigin>https://example.com</AllowedOrigin><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>3000</MaxAgeSeconds></CORSRule></CORSConfiguration>`,
			want: map[string]any{"Bucket": "b", "CORSConfiguration": map[string]any{"CORSRules": []any{map[string]any{
				"AllowedHeaders": []any{"*"}, "AllowedMethods": []any{"GET", "PUT"}, "AllowedOrigins": []any{"https://example.com"},
				"ExposeHeaders": []any{"ETag"}, "MaxAgeSeconds": int64(3000)}}}},
		},
		{
			name: "complete multipart upload", method: "POST", target: "/b/big/file.bin?uploadId=u-1", op: "CompleteMultipartUpload",
			body: `<CompleteMultipartUpload><Part><ETag>"e1"</ETag><PartNumber>1</PartNumber></Part><Part><ETag>"e2"</ETag><PartNumber>2</PartNumber><ChecksumCRC32>AAAAAA==</ChecksumCRC32></Part></CompleteMultipartUpload>`,
			want: map[string]any{"Bucket": "b", "Key": "big/file.bin", "UploadId": "u-1", "MultipartUpload": map[string]any{"Parts": []any{
				map[string]any{"ETag": `"e1"`, "PartNumber": int64(1)},
				map[string]any{"ETag": `"e2"`, "PartNumber": int64(2), "ChecksumCRC32": "AAAAAA=="}}}},
		},
		{
			name: "no configuration", method: "PUT", target: "/b", op: "CreateBucket",
			want: map[string]any{"Bucket": "b"},
		},
		{
			name: "list parameters", method: "GET", target: "/b?list-type=2&start-after=a%2Fb&max-keys=5&fetch-owner=false&encoding-type=url", op: "ListObjectsV2",
			header: map[string]string{"x-amz-request-payer": "requester", "x-amz-optional-object-attributes": "RestoreStatus"},
			want: map[string]any{"Bucket": "b", "StartAfter": "a/b", "MaxKeys": int64(5), "FetchOwner": false, "EncodingType": "url",
				"RequestPayer": "requester", "OptionalObjectAttributes": []any{"RestoreStatus"}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest(c.method, c.target, strings.NewReader(c.body))
			for k, v := range c.header {
				r.Header.Set(k, v)
			}
			call, doc, err := decode(t, r)
			if err != nil {
				t.Fatal(err)
			}
			if call.Op.Name != c.op {
				t.Fatalf("operation %s, want %s", call.Op.Name, c.op)
			}
			if !equal(doc, c.want) {
				t.Errorf("decoded\n%#v\nwant\n%#v", doc, c.want)
			}
			if err := protocol.Validate(call.API, call.Op.InputShape, doc, "InvalidArgument"); err != nil {
				t.Errorf("does not validate: %v", err)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	cases := []struct {
		name, method, target, body string
		header                     map[string]string
		code                       string
		status                     int
	}{
		{"not xml", "PUT", "/b?tagging", "Tagging", nil, "MalformedXML", 400},
		{"unclosed", "PUT", "/b?tagging", "<Tagging><TagSet>", nil, "MalformedXML", 400},
		{"two roots", "PUT", "/b?tagging", "<Tagging/><Tagging/>", nil, "MalformedXML", 400},
		{"wrong type", "PUT", "/b?lifecycle", "<LifecycleConfiguration><Rule><Expiration><Days>soon</Days></Expiration></Rule></LifecycleConfiguration>", nil, "MalformedXML", 400},
		{"list for scalar", "PUT", "/b?versioning", "<VersioningConfiguration><Status><A/></Status></VersioningConfiguration>", nil, "MalformedXML", 400},
		{"too deep", "PUT", "/b?tagging", strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100), nil, "MalformedXML", 400},
		{"bad header int", "GET", "/b/k?partNumber=x", "", nil, "InvalidArgument", 400},
		{"bad header time", "GET", "/b/k", "", map[string]string{"If-Modified-Since": "yesterday"}, "InvalidArgument", 400},
		{"bad bool", "PUT", "/b", "", map[string]string{"x-amz-bucket-object-lock-enabled": "maybe"}, "InvalidArgument", 400},
		{"method", "PATCH", "/b/k", "", nil, "MethodNotAllowed", 405},
		{"wrong content-md5", "PUT", "/b?tagging", "<Tagging><TagSet/></Tagging>", map[string]string{"Content-MD5": "1B2M2Y8AsgTpgAmY7PhCfg=="}, "BadDigest", 400},
		{"content-md5 not base64", "PUT", "/b?tagging", "<Tagging><TagSet/></Tagging>", map[string]string{"Content-MD5": "nope!"}, "InvalidDigest", 400},
		{"content-md5 short", "PUT", "/b?tagging", "<Tagging><TagSet/></Tagging>", map[string]string{"Content-MD5": "AAAA"}, "InvalidDigest", 400},
		{"wrong crc32", "PUT", "/b?tagging", "<Tagging><TagSet/></Tagging>", map[string]string{"x-amz-checksum-crc32": "AAAAAA=="}, "BadDigest", 400},
		{"malformed crc32", "PUT", "/b?tagging", "<Tagging><TagSet/></Tagging>", map[string]string{"x-amz-checksum-crc32": "AAAA"}, "InvalidRequest", 400},
		{"unsupported algorithm", "PUT", "/b?tagging", "<Tagging><TagSet/></Tagging>", map[string]string{"x-amz-checksum-xxhash64": "AAAAAAAAAAA="}, "InvalidRequest", 400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest(c.method, c.target, strings.NewReader(c.body))
			for k, v := range c.header {
				r.Header.Set(k, v)
			}
			call, _, err := decode(t, r)
			var pe *protocol.Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %v, want %s", err, c.code)
			}
			w := httptest.NewRecorder()
			Codec{}.EncodeError(call, w, pe)
			if pe.Code != c.code || w.Code != c.status {
				t.Errorf("%s %d (%s), want %s %d", pe.Code, w.Code, pe.Message, c.code, c.status)
			}
		})
	}
}

// TestIntegrityHeaders: a body read whole that matches its Content-MD5 or
// flexible checksum decodes.
func TestIntegrityHeaders(t *testing.T) {
	body := "<Tagging><TagSet/></Tagging>"
	md := md5.Sum([]byte(body))
	for name, h := range map[string][2]string{
		"md5":       {"Content-MD5", base64.StdEncoding.EncodeToString(md[:])},
		"crc32":     {"x-amz-checksum-crc32", crcOf("CRC32", body)},
		"crc64nvme": {"x-amz-checksum-crc64nvme", crcOf("CRC64NVME", body)},
		"sha256":    {"x-amz-checksum-sha256", crcOf("SHA256", body)},
	} {
		r := httptest.NewRequest("PUT", "/b?tagging", strings.NewReader(body))
		r.Header.Set(h[0], h[1])
		if _, _, err := decode(t, r); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func crcOf(alg, s string) string {
	h, _ := checksum.New(alg)
	h.Write([]byte(s))
	return checksum.Encode(h.Sum(nil))
}

// TestAWSChunkedPassesThrough: boto3 over https and the SDKs with trailing
// checksums frame object bodies as aws-chunked; the codec hands the body
// over unread and keeps the headers that describe it.
func TestAWSChunkedPassesThrough(t *testing.T) {
	body := "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n"
	r := httptest.NewRequest("PUT", "/b/k", strings.NewReader(body))
	r.Header.Set("Content-Encoding", "aws-chunked")
	r.Header.Set("X-Amz-Content-Sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
	r.Header.Set("X-Amz-Trailer", "x-amz-checksum-crc32")
	r.Header.Set("X-Amz-Decoded-Content-Length", "5")
	r.Header.Set("X-Amz-Sdk-Checksum-Algorithm", "CRC32")
	r.Header.Set("Content-Length", "52")
	call, doc, err := decode(t, r)
	if err != nil {
		t.Fatal(err)
	}
	if call.Op.Name != "PutObject" {
		t.Fatalf("operation %s", call.Op.Name)
	}
	rc, ok := doc["Body"].(io.ReadCloser)
	if !ok {
		t.Fatalf("Body is %T", doc["Body"])
	}
	raw, _ := io.ReadAll(rc)
	if string(raw) != body || doc["ContentEncoding"] != "aws-chunked" || doc["ChecksumAlgorithm"] != "CRC32" || doc["ContentLength"] != int64(52) {
		t.Errorf("decoded %#v body %q", doc, raw)
	}
}

func TestEncodeRangedGet(t *testing.T) {
	api := model.MustLoad("s3")
	c := &protocol.Call{API: api, Op: api.Operations["GetObject"], RequestID: "rid"}
	w := httptest.NewRecorder()
	Codec{}.Encode(c, w, map[string]any{"Body": bytes.NewReader([]byte("hello")), "ContentRange": "bytes 0-4/11", "ContentLength": int64(5), "AcceptRanges": "bytes"})
	if w.Code != http.StatusPartialContent || w.Body.String() != "hello" || w.Header().Get("Content-Range") != "bytes 0-4/11" || w.Header().Get("Content-Length") != "5" {
		t.Errorf("%d %v %q", w.Code, w.Header(), w.Body.String())
	}
	// A body with no type of its own is not sniffed into one.
	if _, ok := w.Header()["Content-Type"]; ok && w.Header().Get("Content-Type") != "" {
		t.Errorf("content type %q", w.Header().Get("Content-Type"))
	}
	// HEAD: headers, no body, whatever the status.
	c.Op = api.Operations["HeadObject"]
	w = httptest.NewRecorder()
	Codec{}.Encode(c, w, map[string]any{"ContentLength": int64(11), "LastModified": "2024-01-01T00:00:00Z", "Metadata": map[string]any{"k": "v"}})
	if w.Code != 200 || w.Body.Len() != 0 || w.Header().Get("Content-Length") != "11" || w.Header().Get("Last-Modified") != "Mon, 01 Jan 2024 00:00:00 GMT" || w.Header()["x-amz-meta-k"][0] != "v" {
		t.Errorf("HEAD: %d %v %q", w.Code, w.Header(), w.Body.String())
	}
	// Error on HEAD: status only.
	w = httptest.NewRecorder()
	Codec{}.EncodeError(c, w, protocol.Errorf("NoSuchKey", "The specified key does not exist."))
	if w.Code != 404 || w.Body.Len() != 0 {
		t.Errorf("HEAD error: %d %q", w.Code, w.Body.String())
	}
}
