package restxml

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"reflect"
	"testing"
	"time"

	"hako/internal/protocol"
	"hako/internal/protocol/internal/codectest"
)

const botoS3Script = `
import json, sys, boto3, botocore
from botocore.config import Config
s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
                  aws_secret_access_key="secret", config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))
out = {}
p = s3.put_object(Bucket="alpha", Key="dir/a b.txt", Body=b"hello boto", ContentType="text/plain", Metadata={"Color": "blue"})
out["put"] = {"ETag": p["ETag"]}
g = s3.get_object(Bucket="alpha", Key="dir/a b.txt")
out["get"] = {"body": g["Body"].read().decode(), "ContentType": g["ContentType"], "Metadata": g["Metadata"],
              "ContentLength": g["ContentLength"], "LastModified": g["LastModified"].isoformat(), "ETag": g["ETag"],
              "request_id": g["ResponseMetadata"]["RequestId"]}
l = s3.list_objects_v2(Bucket="alpha", Prefix="dir/", Delimiter="/")
out["list"] = {"keys": [o["Key"] for o in l.get("Contents", [])], "sizes": [o["Size"] for o in l.get("Contents", [])],
               "prefixes": [c["Prefix"] for c in l.get("CommonPrefixes", [])], "KeyCount": l["KeyCount"], "IsTruncated": l["IsTruncated"]}
try:
    s3.head_object(Bucket="alpha", Key="missing")
except botocore.exceptions.ClientError as e:
    out["head_error"] = {"code": e.response["Error"]["Code"], "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}
try:
    s3.get_object(Bucket="alpha", Key="missing")
except s3.exceptions.NoSuchKey as e:
    out["get_error"] = {"code": e.response["Error"]["Code"], "message": e.response["Error"]["Message"],
                        "key": e.response["Error"].get("Key"), "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}
print(json.dumps(out))
`

func TestBotocoreS3(t *testing.T) {
	py := codectest.Python(t)
	modified := time.Date(2024, 2, 3, 4, 5, 6, 0, time.UTC)
	var stored []byte
	f, srv := newFake(t, map[string]reply{
		"PutObject": func(in map[string]any) (map[string]any, error) {
			stored, _ = in["Body"].([]byte)
			return map[string]any{"ETag": `"etag-1"`}, nil
		},
		"GetObject": func(in map[string]any) (map[string]any, error) {
			if in["Key"] == "missing" {
				return nil, protocol.Errorf("NoSuchKey", "The specified key does not exist.").With("Key", in["Key"])
			}
			return map[string]any{"Body": bytes.NewReader(stored), "ContentType": "text/plain", "Metadata": map[string]any{"color": "blue"},
				"ContentLength": int64(len(stored)), "LastModified": modified, "ETag": `"etag-1"`}, nil
		},
		"HeadObject": func(in map[string]any) (map[string]any, error) {
			return nil, protocol.Errorf("NoSuchKey", "The specified key does not exist.")
		},
		"ListObjectsV2": func(in map[string]any) (map[string]any, error) {
			return map[string]any{"Name": "alpha", "Prefix": "dir/", "Delimiter": "/", "KeyCount": int64(2), "IsTruncated": false,
				"Contents":       []any{map[string]any{"Key": "dir/a b.txt", "Size": int64(10), "LastModified": modified, "ETag": `"etag-1"`}},
				"CommonPrefixes": []any{map[string]any{"Prefix": "dir/sub/"}}}, nil
		},
	})
	out, err := exec.Command(py, "-c", botoS3Script, srv.URL).CombinedOutput()
	if err != nil {
		t.Fatalf("boto3: %v\n%s", err, out)
	}
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("boto3 output: %s", out)
	}
	want := map[string]any{
		"put": map[string]any{"ETag": `"etag-1"`},
		"get": map[string]any{"body": "hello boto", "ContentType": "text/plain", "Metadata": map[string]any{"color": "blue"},
			"ContentLength": float64(10), "LastModified": "2024-02-03T04:05:06+00:00", "ETag": `"etag-1"`, "request_id": requestID},
		"list":       map[string]any{"keys": []any{"dir/a b.txt"}, "sizes": []any{float64(10)}, "prefixes": []any{"dir/sub/"}, "KeyCount": float64(2), "IsTruncated": false},
		"head_error": map[string]any{"code": "404", "status": float64(404)},
		"get_error":  map[string]any{"code": "NoSuchKey", "message": "The specified key does not exist.", "key": "missing", "status": float64(404)},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("boto3 saw\n%v\nwant\n%v", got, want)
	}
	put := f.lastOf("PutObject")
	if diff := subset(put.in, map[string]any{"Bucket": "alpha", "Key": "dir/a b.txt", "ContentType": "text/plain", "Metadata": map[string]any{"color": "blue"}}); diff != nil {
		t.Errorf("put_object decoded %v wrong: %#v", diff, put.in)
	}
	t.Logf("boto3 put_object checksum headers: %v; decoded checksum members: %v %v", checksumHeaders(put.header), put.in["ChecksumCRC32"], put.in["ChecksumAlgorithm"])
	if string(stored) != "hello boto" {
		t.Errorf("put_object body %q (the codec hands the raw body through; Content-Encoding %q)", stored, put.header.Get("Content-Encoding"))
	}
	if diff := subset(f.lastOf("ListObjectsV2").in, map[string]any{"Bucket": "alpha", "Prefix": "dir/", "Delimiter": "/", "EncodingType": "url"}); diff != nil {
		t.Errorf("list_objects_v2 decoded %v wrong: %#v", diff, f.lastOf("ListObjectsV2").in)
	}
}
