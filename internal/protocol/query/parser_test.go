package query

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"reflect"
	"testing"
	"time"

	"hako/internal/protocol"
	"hako/internal/protocol/internal/codectest"
	"hako/internal/protocol/model"
)

// parserScript reads encoded responses on stdin and parses each with
// botocore's own query response parser, printing what botocore's users
// would get (bytes and datetimes tagged).
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
session = botocore.session.get_session()
out = []
for r in json.load(sys.stdin):
    op = session.get_service_model(r["service"]).operation_model(r["op"])
    headers = HTTPHeaders()
    for k, vs in r["headers"].items():
        for v in vs or []:
            headers[k] = v
    parser = botocore.parsers.create_parser("query")
    parsed = parser.parse({"status_code": r["status"], "headers": headers, "body": base64.b64decode(r["body"] or "")}, op.output_shape)
    out.append(tag(parsed))
print(json.dumps(out))
`

// TestBotocoreParser encodes outputs of every query service and has
// botocore's response parser read them back.
func TestBotocoreParser(t *testing.T) {
	py := codectest.Python(t)
	when := time.Date(2024, 3, 4, 5, 6, 7, 890e6, time.UTC)
	cases := []struct {
		service, op string
		out         map[string]any
	}{
		{"sts", "AssumeRole", map[string]any{
			"Credentials":      map[string]any{"AccessKeyId": "ASIA", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": when},
			"AssumedRoleUser":  map[string]any{"AssumedRoleId": "AROA:s", "Arn": "arn:aws:sts::000000000000:assumed-role/r/s"},
			"PackedPolicySize": int64(3)}},
		{"iam", "GetAccountSummary", map[string]any{"SummaryMap": map[string]any{"Users": int64(3), "Roles": int64(7)}}},
		{"iam", "ListAttachedRolePolicies", map[string]any{"AttachedPolicies": []any{
			map[string]any{"PolicyName": "a", "PolicyArn": "arn:a"}, map[string]any{"PolicyName": "b", "PolicyArn": "arn:b"}},
			"IsTruncated": true, "Marker": "m"}},
		{"iam", "GetAccountAuthorizationDetails", map[string]any{"RoleDetailList": []any{map[string]any{
			"RoleName": "r", "CreateDate": when, "AssumeRolePolicyDocument": "%7B%7D",
			"InstanceProfileList":     []any{map[string]any{"InstanceProfileName": "ip", "Path": "/", "InstanceProfileId": "AIPA", "Arn": "arn:ip", "CreateDate": when, "Roles": []any{}}},
			"RolePolicyList":          []any{map[string]any{"PolicyName": "inline", "PolicyDocument": "%7B%7D"}},
			"AttachedManagedPolicies": []any{map[string]any{"PolicyName": "p", "PolicyArn": "arn:p"}},
			"Tags":                    []any{map[string]any{"Key": "k", "Value": "v"}},
		}}, "IsTruncated": false}},
		{"sns", "GetTopicAttributes", map[string]any{"Attributes": map[string]any{"TopicArn": "arn:t", "DisplayName": "d & <x>", "Policy": `{"a":"b"}`}}},
		{"sns", "ListSubscriptionsByTopic", map[string]any{"Subscriptions": []any{map[string]any{"SubscriptionArn": "arn:s", "Owner": "o", "Protocol": "sqs", "Endpoint": "arn:q", "TopicArn": "arn:t"}}, "NextToken": "n"}},
		{"sns", "Publish", map[string]any{"MessageId": "m", "SequenceNumber": "1"}},
		{"cloudformation", "DescribeStacks", map[string]any{"Stacks": []any{map[string]any{
			"StackId": "arn:stack", "StackName": "s", "CreationTime": when, "StackStatus": "CREATE_COMPLETE", "DisableRollback": false,
			"Parameters":   []any{map[string]any{"ParameterKey": "A", "ParameterValue": "1"}},
			"Outputs":      []any{map[string]any{"OutputKey": "Url", "OutputValue": "https://x", "ExportName": "e"}},
			"Capabilities": []any{"CAPABILITY_IAM"}, "Tags": []any{map[string]any{"Key": "k", "Value": "v"}},
			"RollbackConfiguration": map[string]any{"RollbackTriggers": []any{}},
			"DriftInformation":      map[string]any{"StackDriftStatus": "NOT_CHECKED"},
		}}}},
		{"ses", "GetSendQuota", map[string]any{"Max24HourSend": 200.0, "MaxSendRate": 1.5, "SentLast24Hours": 3.0}},
		{"ses", "GetIdentityVerificationAttributes", map[string]any{"VerificationAttributes": map[string]any{
			"a@example.com": map[string]any{"VerificationStatus": "Success"},
			"example.com":   map[string]any{"VerificationStatus": "Pending", "VerificationToken": "tok"}}}},
		{"cloudwatch", "GetMetricStatistics", map[string]any{"Label": "Invocations", "Datapoints": []any{
			map[string]any{"Timestamp": when, "Sum": 12.5, "SampleCount": 3.0, "Unit": "Count"},
			map[string]any{"Timestamp": when.Add(time.Minute), "Maximum": 1e-7, "ExtendedStatistics": map[string]any{"p99": 0.25}}}}},
	}
	type encoded struct {
		Service string              `json:"service"`
		Op      string              `json:"op"`
		Status  int                 `json:"status"`
		Headers map[string][]string `json:"headers"`
		Body    []byte              `json:"body"`
	}
	var in []encoded
	for _, c := range cases {
		api := model.MustLoad(c.service)
		call := &protocol.Call{API: api, Op: api.Operations[c.op], RequestID: "rid"}
		if call.Op == nil {
			t.Fatalf("%s has no %s", c.service, c.op)
		}
		w := newRecorder()
		Codec{}.Encode(call, w, c.out)
		in = append(in, encoded{c.service, c.op, w.status, w.header, []byte(w.body.String())})
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
	var parsed []map[string]any
	if err := json.Unmarshal(out, &parsed); err != nil {
		t.Fatalf("botocore output: %v\n%s", err, out)
	}
	for i, c := range cases {
		if want := tagged(c.out); !reflect.DeepEqual(parsed[i], want) {
			t.Errorf("%s.%s: botocore parsed\n%v\nwant\n%v\nfrom %s", c.service, c.op, parsed[i], want, in[i].Body)
		}
	}
}
