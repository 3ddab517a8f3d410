package query

import (
	"encoding/json"
	"os/exec"
	"reflect"
	"testing"
	"time"

	"hako/internal/protocol"
	"hako/internal/protocol/internal/codectest"
	"hako/internal/protocol/model"
)

// botoScript talks to the fake STS and IAM with boto3 and prints what it
// got back as JSON.
const botoScript = `
import json, sys, boto3, botocore
from botocore.config import Config
url = sys.argv[1]
kw = dict(endpoint_url=url, region_name="us-east-1", aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
          aws_secret_access_key="secret", config=Config(retries={"max_attempts": 1}))
out = {}
ident = boto3.client("sts", **kw).get_caller_identity()
out["identity"] = {k: ident[k] for k in ("UserId", "Account", "Arn")}
out["identity_request_id"] = ident["ResponseMetadata"]["RequestId"]
iam = boto3.client("iam", **kw)
role = iam.create_role(RoleName="fn", AssumeRolePolicyDocument='{"Version":"2012-10-17"}', Description="d",
                       Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])["Role"]
out["role"] = {"RoleName": role["RoleName"], "CreateDate": role["CreateDate"].isoformat(), "Tags": role["Tags"]}
pages = iam.get_paginator("list_roles").paginate(PaginationConfig={"PageSize": 1})
out["listed"] = [r["RoleName"] for p in pages for r in p["Roles"]]
try:
    iam.get_role(RoleName="ghost")
except botocore.exceptions.ClientError as e:
    out["error"] = {"code": e.response["Error"]["Code"], "message": e.response["Error"]["Message"],
                    "type": e.response["Error"]["Type"], "status": e.response["ResponseMetadata"]["HTTPStatusCode"],
                    "modelled": isinstance(e, iam.exceptions.NoSuchEntityException)}
print(json.dumps(out))
`

func TestBotocore(t *testing.T) {
	py := codectest.Python(t)
	created := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	_, stsSrv := newFake(t, model.MustLoad("sts"), Codec{}, map[string]reply{
		"GetCallerIdentity": func(map[string]any) (map[string]any, error) {
			return map[string]any{"UserId": "AIDA", "Account": "000000000000", "Arn": "arn:aws:iam::000000000000:user/u"}, nil
		},
	})
	iamFake, iamSrv := newFake(t, model.MustLoad("iam"), Codec{}, map[string]reply{
		"CreateRole": func(in map[string]any) (map[string]any, error) {
			return map[string]any{"Role": map[string]any{"RoleName": in["RoleName"], "Path": "/", "RoleId": "AROA", "Arn": "arn:aws:iam::000000000000:role/fn", "CreateDate": created, "Tags": in["Tags"]}}, nil
		},
		"ListRoles": func(in map[string]any) (map[string]any, error) {
			role := func(n string) any {
				return map[string]any{"RoleName": n, "Path": "/", "RoleId": "AROA" + n, "Arn": "arn:aws:iam::000000000000:role/" + n, "CreateDate": created}
			}
			if in["Marker"] == nil {
				return map[string]any{"Roles": []any{role("one")}, "IsTruncated": true, "Marker": "2"}, nil
			}
			return map[string]any{"Roles": []any{role("two")}, "IsTruncated": false}, nil
		},
		"GetRole": func(in map[string]any) (map[string]any, error) {
			return nil, protocol.Errorf("NoSuchEntity", "The role with name %s cannot be found.", in["RoleName"])
		},
	})
	cmd := exec.Command(py, "-c", stsIAMSplit+botoScript, stsSrv.URL, iamSrv.URL)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("boto3: %v\n%s", err, out)
	}
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("boto3 output: %s", out)
	}
	want := map[string]any{
		"identity":            map[string]any{"UserId": "AIDA", "Account": "000000000000", "Arn": "arn:aws:iam::000000000000:user/u"},
		"identity_request_id": "4442587f-8eac-4b2a-9c85-1e5b8a7a2b11",
		"role":                map[string]any{"RoleName": "fn", "CreateDate": "2024-01-02T03:04:05+00:00", "Tags": []any{map[string]any{"Key": "a", "Value": "1"}, map[string]any{"Key": "b", "Value": "2"}}},
		"listed":              []any{"one", "two"},
		"error":               map[string]any{"code": "NoSuchEntity", "message": "The role with name ghost cannot be found.", "type": "Sender", "status": float64(404), "modelled": true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("boto3 saw\n%v\nwant\n%v", got, want)
	}
	in := iamFake.lastOf("CreateRole").in
	if !reflect.DeepEqual(in["Tags"], []any{map[string]any{"Key": "a", "Value": "1"}, map[string]any{"Key": "b", "Value": "2"}}) || in["Description"] != "d" {
		t.Errorf("create_role decoded %#v", in)
	}
	if in := iamFake.lastOf("ListRoles").in; !reflect.DeepEqual(in, map[string]any{"MaxItems": int64(1), "Marker": "2"}) {
		t.Errorf("list_roles decoded %#v", in)
	}
}

// stsIAMSplit makes boto3.client("sts") use the first endpoint and
// boto3.client("iam") the second.
const stsIAMSplit = `
import sys, boto3
_endpoints = {"sts": sys.argv[1], "iam": sys.argv[2]}
_client = boto3.client
def _split(name, **kw):
    kw["endpoint_url"] = _endpoints[name]
    return _client(name, **kw)
boto3.client = _split
`
