package restxml

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"os/exec"
	"reflect"
	"testing"
	"time"

	"hako/internal/protocol"
	"hako/internal/protocol/internal/codectest"
	"hako/internal/protocol/model"
)

// parserScript reads encoded S3 responses on stdin and parses each with
// botocore's own rest-xml response parser (bytes and datetimes tagged).
const parserScript = `
import json, sys, base64, datetime
import botocore.session, botocore.parsers
from botocore.compat import HTTPHeaders
utc = datetime.timezone.utc
def tag(v):
    if isinstance(v, bytes):
        return {"$b64": base64.b64encode(v).decode()}
    if isinstance(v, datetime.datetime):
        v = v.astimezone(utc)
        frac = ("." + ("%06d" % v.microsecond).rstrip("0")) if v.microsecond else ""
        return {"$time": v.strftime("%Y-%m-%dT%H:%M:%S") + frac + "Z"}
    if isinstance(v, dict):
        return {k: tag(x) for k, x in v.items() if k != "ResponseMetadata"}
    if isinstance(v, list):
        return [tag(x) for x in v]
    return v
model = botocore.session.get_session().get_service_model("s3")
out = []
for r in json.load(sys.stdin):
    op = model.operation_model(r["op"])
    headers = HTTPHeaders()
    for k, vs in r["headers"].items():
        for v in vs or []:
            headers[k] = v
    parser = botocore.parsers.create_parser("rest-xml")
    parsed = parser.parse({"status_code": r["status"], "headers": headers, "body": base64.b64decode(r["body"] or "")}, op.output_shape)
    out.append({"status": r["status"], "parsed": tag(parsed)})
print(json.dumps(out))
`

// TestBotocoreParser encodes S3 outputs and has botocore's response
// parser read them back: body XML, headers and payloads.
func TestBotocoreParser(t *testing.T) {
	py := codectest.Python(t)
	when := time.Date(2024, 3, 4, 5, 6, 7, 890e6, time.UTC)
	day := time.Date(2030, 1, 2, 0, 0, 0, 0, time.UTC)
	owner := map[string]any{"DisplayName": "me", "ID": "abc"}
	cases := []struct {
		op     string
		out    map[string]any
		status int
	}{
		{"ListObjectVersions", map[string]any{"IsTruncated": true, "KeyMarker": "", "NextKeyMarker": "k2", "NextVersionIdMarker": "v2", "Name": "b", "Prefix": "", "MaxKeys": int64(2),
			"Versions": []any{map[string]any{"ETag": `"e"`, "Size": int64(3), "StorageClass": "STANDARD", "Key": "k", "VersionId": "v1", "IsLatest": true, "LastModified": when, "Owner": owner,
				"ChecksumAlgorithm": []any{"CRC32"}, "RestoreStatus": map[string]any{"IsRestoreInProgress": false, "RestoreExpiryDate": day}}},
			"DeleteMarkers":  []any{map[string]any{"Owner": owner, "Key": "k2", "VersionId": "v2", "IsLatest": false, "LastModified": when}},
			"CommonPrefixes": []any{map[string]any{"Prefix": "p/"}}}, 200},
		{"ListMultipartUploads", map[string]any{"Bucket": "b", "KeyMarker": "", "UploadIdMarker": "", "IsTruncated": false, "MaxUploads": int64(1000),
			"Uploads": []any{map[string]any{"UploadId": "u", "Key": "k", "Initiated": when, "StorageClass": "STANDARD", "Owner": owner, "Initiator": map[string]any{"ID": "abc", "DisplayName": "me"}}}}, 200},
		{"ListParts", map[string]any{"AbortDate": day, "AbortRuleId": "r", "Bucket": "b", "Key": "k", "UploadId": "u", "PartNumberMarker": int64(0), "NextPartNumberMarker": int64(2), "MaxParts": int64(2), "IsTruncated": true,
			"Parts": []any{map[string]any{"PartNumber": int64(1), "LastModified": when, "ETag": `"e1"`, "Size": int64(5242880)}, map[string]any{"PartNumber": int64(2), "LastModified": when, "ETag": `"e2"`, "Size": int64(1)}}}, 200},
		{"CreateMultipartUpload", map[string]any{"Bucket": "b", "Key": "k", "UploadId": "u", "ServerSideEncryption": "AES256", "ChecksumAlgorithm": "CRC32"}, 200},
		{"CompleteMultipartUpload", map[string]any{"Location": "http://b.s3/k", "Bucket": "b", "Key": "k", "ETag": `"e-2"`, "VersionId": "v", "ChecksumCRC32": "AAAAAA=="}, 200},
		{"CopyObject", map[string]any{"CopyObjectResult": map[string]any{"ETag": `"e"`, "LastModified": when}, "VersionId": "v2", "CopySourceVersionId": "v1"}, 200},
		{"GetBucketLifecycleConfiguration", map[string]any{"Rules": []any{map[string]any{"ID": "r", "Status": "Enabled",
			"Filter":      map[string]any{"And": map[string]any{"Prefix": "logs/", "Tags": []any{map[string]any{"Key": "k", "Value": "v"}}}},
			"Expiration":  map[string]any{"Date": day},
			"Transitions": []any{map[string]any{"Days": int64(30), "StorageClass": "GLACIER"}}}}}, 200},
		{"GetBucketNotificationConfiguration", map[string]any{"QueueConfigurations": []any{map[string]any{"Id": "q", "QueueArn": "arn:q", "Events": []any{"s3:ObjectCreated:*", "s3:ObjectRemoved:*"},
			"Filter": map[string]any{"Key": map[string]any{"FilterRules": []any{map[string]any{"Name": "prefix", "Value": "in/"}}}}}},
			"EventBridgeConfiguration": map[string]any{}}, 200},
		{"GetBucketPolicy", map[string]any{"Policy": `{"Version":"2012-10-17","Statement":[]}`}, 200},
		{"GetBucketEncryption", map[string]any{"ServerSideEncryptionConfiguration": map[string]any{"Rules": []any{map[string]any{
			"ApplyServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": false}}}}, 200},
		{"GetObjectRetention", map[string]any{"Retention": map[string]any{"Mode": "COMPLIANCE", "RetainUntilDate": day}}, 200},
		{"GetObjectAttributes", map[string]any{"DeleteMarker": false, "LastModified": when.Truncate(time.Second), "VersionId": "v", "ETag": "e", "StorageClass": "STANDARD", "ObjectSize": int64(9),
			"Checksum":    map[string]any{"ChecksumCRC32": "AAAAAA==", "ChecksumType": "FULL_OBJECT"},
			"ObjectParts": map[string]any{"TotalPartsCount": int64(1), "IsTruncated": false, "Parts": []any{map[string]any{"PartNumber": int64(1), "Size": int64(9)}}}}, 200},
		{"GetBucketVersioning", map[string]any{"Status": "Enabled", "MFADelete": "Disabled"}, 200},
		{"GetObjectTagging", map[string]any{"VersionId": "v", "TagSet": []any{map[string]any{"Key": "a", "Value": "1"}}}, 200},
		{"GetBucketCors", map[string]any{"CORSRules": []any{map[string]any{"AllowedMethods": []any{"GET", "PUT"}, "AllowedOrigins": []any{"*"}, "MaxAgeSeconds": int64(60)}}}, 200},
		{"GetBucketWebsite", map[string]any{"IndexDocument": map[string]any{"Suffix": "index.html"},
			"RoutingRules": []any{map[string]any{"Condition": map[string]any{"HttpErrorCodeReturnedEquals": "404"}, "Redirect": map[string]any{"HostName": "x", "ReplaceKeyWith": "e.html"}}}}, 200},
		{"ListBuckets", map[string]any{"Buckets": []any{map[string]any{"Name": "a", "CreationDate": when, "BucketRegion": "us-east-1", "BucketArn": "arn:aws:s3:::a"}}, "Owner": owner, "ContinuationToken": "c", "Prefix": "a"}, 200},
		{"DeleteObjects", map[string]any{"Deleted": []any{map[string]any{"Key": "a", "DeleteMarker": true, "DeleteMarkerVersionId": "dm"}},
			"Errors": []any{map[string]any{"Key": "b", "Code": "AccessDenied", "Message": "Access Denied"}}, "RequestCharged": "requester"}, 200},
		{"HeadObject", map[string]any{"ContentLength": int64(11), "LastModified": when.Truncate(time.Second), "ETag": `"e"`, "ContentType": "text/plain",
			"Metadata": map[string]any{"color": "blue", "x-y": "z"}, "ObjectLockRetainUntilDate": day, "ObjectLockMode": "GOVERNANCE",
			"MissingMeta": int64(1), "BucketKeyEnabled": true, "PartsCount": int64(3), "Restore": `ongoing-request="false", expiry-date="Fri, 21 Dec 2012 00:00:00 GMT"`}, 200},
		{"PutObject", map[string]any{"ETag": `"e"`, "VersionId": "v", "ChecksumCRC32": "AAAAAA==", "Size": int64(5), "Expiration": `expiry-date="Fri, 23 Dec 2012 00:00:00 GMT", rule-id="r"`}, 200},
		{"DeleteObject", map[string]any{"DeleteMarker": true, "VersionId": "v"}, 204},
	}
	type encoded struct {
		Op      string              `json:"op"`
		Status  int                 `json:"status"`
		Headers map[string][]string `json:"headers"`
		Body    []byte              `json:"body"`
	}
	api := model.MustLoad("s3")
	var in []encoded
	for _, c := range cases {
		call := &protocol.Call{API: api, Op: api.Operations[c.op], RequestID: "rid"}
		if call.Op == nil {
			t.Fatalf("s3 has no %s", c.op)
		}
		w := httptest.NewRecorder()
		Codec{}.Encode(call, w, c.out)
		in = append(in, encoded{c.op, w.Code, w.Header(), w.Body.Bytes()})
	}
	stdin, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, "-c", parserScript)
	cmd.Stdin = bytes.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("botocore: %v\n%s", err, out)
	}
	var parsed []struct {
		Status int
		Parsed map[string]any
	}
	if err := json.Unmarshal(out, &parsed); err != nil {
		t.Fatalf("botocore output: %v\n%s", err, out)
	}
	for i, c := range cases {
		if want := tagged(c.out); !reflect.DeepEqual(parsed[i].Parsed, want) || parsed[i].Status != c.status {
			t.Errorf("%s: %d botocore parsed\n%v\nwant %d\n%v\nfrom %v %s", c.op, parsed[i].Status, parsed[i].Parsed, c.status, want, in[i].Headers, in[i].Body)
		}
	}
}
