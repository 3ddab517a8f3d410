package restxml

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"hako/internal/protocol"
	"hako/internal/protocol/model"
)

// FuzzDecode feeds arbitrary methods, paths, query strings, headers and
// bodies to the codec with the S3 model: it must never panic, must only
// fail with *protocol.Error, and what it decodes must encode (as an output
// document of the same operation, which exercises the encoder with
// ill-typed values) without panicking.
func FuzzDecode(f *testing.F) {
	ns := ` xmlns="http://s3.amazonaws.com/doc/2006-03-01/"`
	seeds := []struct{ method, path, query, header, body string }{
		{"PUT", "/b", "", "x-amz-acl: private\nx-amz-bucket-object-lock-enabled: true", `<CreateBucketConfiguration` + ns + `><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>`},
		{"GET", "/", "", "", ""},
		{"PUT", "/b/dir/a%20b.txt", "", "Content-Type: text/plain\nContent-Length: 5\nx-amz-meta-Color: blue\nExpires: Mon, 02 Jan 2006 15:04:05 GMT", "hello"},
		{"GET", "/b/k", "versionId=v&partNumber=2", "Range: bytes=0-4\nIf-Modified-Since: Mon, 02 Jan 2006 15:04:05 GMT", ""},
		{"HEAD", "/b/k", "", "If-Unmodified-Since: 2006-01-02T15:04:05Z", ""},
		{"GET", "/b", "list-type=2&prefix=p%2F&delimiter=%2F&max-keys=10&continuation-token=t&fetch-owner=true", "", ""},
		{"POST", "/b", "delete", "Content-MD5: x", `<Delete` + ns + `><Object><Key>a</Key></Object><Object><Key>b</Key><VersionId>v</VersionId></Object><Quiet>true</Quiet></Delete>`},
		{"PUT", "/b", "tagging", "", `<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag></TagSet></Tagging>`},
		{"PUT", "/b", "acl", "", `<AccessControlPolicy><Owner><ID>o</ID></Owner><AccessControlList><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>o</ID></Grantee><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>`},
		{"PUT", "/b", "lifecycle", "", `<LifecycleConfiguration><Rule><ID>r</ID><Filter><And><Prefix>p</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></And></Filter><Status>Enabled</Status><Expiration><Days>3</Days></Expiration></Rule></LifecycleConfiguration>`},
		{"PUT", "/b", "cors", "", `<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin><MaxAgeSeconds>x</MaxAgeSeconds></CORSRule></CORSConfiguration>`},
		{"POST", "/b/k", "uploadId=u", "", `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"e"</ETag></Part></CompleteMultipartUpload>`},
		{"PUT", "/b/k", "partNumber=1&uploadId=u", "x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER\nContent-Encoding: aws-chunked\nx-amz-trailer: x-amz-checksum-crc32", "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n"},
		{"DELETE", "/", "", "", ""},
		{"PUT", "/b", "tagging", "", `<Tagging><TagSet><Tag><Key>a</Key></TagSet>`},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, s.query, s.header, []byte(s.body))
	}
	api := model.MustLoad("s3")
	f.Fuzz(func(t *testing.T, method, path, rawQuery, header string, body []byte) {
		if method == "" || strings.ContainsAny(method, " \t\r\n") {
			method = "GET"
		}
		u, err := url.Parse("http://localhost" + "/" + strings.TrimPrefix(path, "/"))
		if err != nil {
			t.Skip()
		}
		u.RawQuery = rawQuery
		r := &http.Request{Method: method, URL: u, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(string(body))), ContentLength: int64(len(body))}
		for _, line := range strings.Split(header, "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok {
				r.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
			}
		}
		var codec Codec
		c := &protocol.Call{API: api, RequestID: "rid"}
		op, err := codec.Operation(c, r)
		if err != nil {
			codec.EncodeError(c, httptest.NewRecorder(), asProtocolError(t, err))
			return
		}
		c.Op = op
		doc, err := codec.Decode(c, r)
		if err != nil {
			codec.EncodeError(c, httptest.NewRecorder(), asProtocolError(t, err))
			return
		}
		for k, v := range doc {
			if rc, ok := v.(io.ReadCloser); ok {
				io.Copy(io.Discard, rc)
				rc.Close()
				delete(doc, k)
			}
		}
		codec.Encode(c, httptest.NewRecorder(), doc)
	})
}

func asProtocolError(t *testing.T, err error) *protocol.Error {
	t.Helper()
	var pe *protocol.Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %T is not a *protocol.Error: %v", err, err)
	}
	return pe
}
