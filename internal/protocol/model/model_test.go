package model

import (
	"net/url"
	"testing"
)

func TestLoadAll(t *testing.T) {
	for _, name := range Names() {
		api, err := Load(name)
		if err != nil {
			t.Fatal(err)
		}
		if len(api.Operations) == 0 {
			t.Errorf("%s: no operations", name)
		}
	}
}

func TestMatchREST(t *testing.T) {
	s3 := MustLoad("s3")
	lambda := MustLoad("lambda")
	cases := []struct {
		api          *API
		method, path string
		query        string
		want         string
		labels       map[string]string
	}{
		{s3, "GET", "/", "", "ListBuckets", nil},
		{s3, "PUT", "/b", "", "CreateBucket", map[string]string{"Bucket": "b"}},
		{s3, "GET", "/b", "list-type=2", "ListObjectsV2", map[string]string{"Bucket": "b"}},
		{s3, "GET", "/b", "", "ListObjects", map[string]string{"Bucket": "b"}},
		{s3, "PUT", "/b/dir/a%20b.txt", "", "PutObject", map[string]string{"Bucket": "b", "Key": "dir/a b.txt"}},
		{s3, "POST", "/b/k", "uploads", "CreateMultipartUpload", map[string]string{"Bucket": "b", "Key": "k"}},
		{s3, "PUT", "/b/k", "partNumber=1&uploadId=x", "UploadPart", map[string]string{"Bucket": "b", "Key": "k"}},
		{s3, "GET", "/b", "acl", "GetBucketAcl", map[string]string{"Bucket": "b"}},
		{lambda, "POST", "/2015-03-31/functions/fn/invocations", "", "Invoke", map[string]string{"FunctionName": "fn"}},
		{lambda, "GET", "/2015-03-31/functions/", "", "ListFunctions", nil},
		{lambda, "GET", "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Afn", "", "GetFunction", map[string]string{"FunctionName": "arn:aws:lambda:us-east-1:000000000000:function:fn"}},
	}
	for _, c := range cases {
		q, _ := url.ParseQuery(c.query)
		op, labels, _ := c.api.MatchREST(c.method, c.path, q, nil)
		if op == nil {
			t.Errorf("%s %s?%s: no match", c.method, c.path, c.query)
			continue
		}
		if op.Name != c.want {
			t.Errorf("%s %s?%s: got %s want %s", c.method, c.path, c.query, op.Name, c.want)
		}
		for k, v := range c.labels {
			if labels[k] != v {
				t.Errorf("%s: label %s = %q want %q", c.want, k, labels[k], v)
			}
		}
	}
}
