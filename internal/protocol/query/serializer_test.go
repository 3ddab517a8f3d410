package query

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"

	"hako/internal/protocol"
	"hako/internal/protocol/internal/codectest"
	"hako/internal/protocol/model"
)

// serializerScript serializes request parameters with botocore's own
// query serializer (as LocalStack's parser tests do) and prints, per case,
// the form body and the parameters with bytes and datetimes tagged.
const serializerScript = `
import json, base64, datetime, urllib.parse
import botocore.session, botocore.serialize
utc = datetime.timezone.utc
cases = [
  ("sns", "Publish", {"TopicArn": "arn:aws:sns:us-east-1:000000000000:t", "Message": "hi & <bye>", "Subject": "s",
    "MessageStructure": "json", "MessageGroupId": "g",
    "MessageAttributes": {"str": {"DataType": "String", "StringValue": "v=1;x"},
                          "bin": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xff"},
                          "arr": {"DataType": "String.Array", "StringValue": "[\"a\",\"b\"]"}}}),
  ("sns", "CreateTopic", {"Name": "t.fifo", "Attributes": {"DisplayName": "T", "FifoTopic": "true"},
    "Tags": [{"Key": "k", "Value": "v"}]}),
  ("sns", "Subscribe", {"TopicArn": "arn:t", "Protocol": "sqs", "Endpoint": "arn:q",
    "Attributes": {"RawMessageDelivery": "true", "FilterPolicy": "{\"a\": [\"b\"]}"}, "ReturnSubscriptionArn": True}),
  ("cloudformation", "CreateStack", {"StackName": "s", "TemplateBody": "{\"Resources\": {}}\n# ünï",
    "Parameters": [{"ParameterKey": "A", "ParameterValue": "1"}, {"ParameterKey": "B", "UsePreviousValue": True}],
    "Capabilities": ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"], "Tags": [{"Key": "k", "Value": "v"}],
    "TimeoutInMinutes": 5, "EnableTerminationProtection": False, "NotificationARNs": [],
    "RollbackConfiguration": {"RollbackTriggers": [{"Arn": "arn:alarm", "Type": "AWS::CloudWatch::Alarm"}], "MonitoringTimeInMinutes": 3}}),
  ("ses", "SendEmail", {"Source": "a@example.com", "Destination": {"ToAddresses": ["b@example.com", "c@example.com"]},
    "Message": {"Subject": {"Data": "subj", "Charset": "UTF-8"}, "Body": {"Text": {"Data": "text"}, "Html": {"Data": "<p>html</p>"}}},
    "ReplyToAddresses": ["r@example.com"], "Tags": [{"Name": "n", "Value": "v"}]}),
  ("ses", "SendRawEmail", {"RawMessage": {"Data": "Subject: é\r\n\r\nbody\r\n".encode()}, "Destinations": ["b@example.com"]}),
  ("cloudwatch", "GetMetricStatistics", {"Namespace": "AWS/Lambda", "MetricName": "Invocations",
    "Dimensions": [{"Name": "FunctionName", "Value": "f"}], "StartTime": datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=utc),
    "EndTime": datetime.datetime(2024, 1, 2, 4, 4, 5, 123000, tzinfo=utc), "Period": 60, "Statistics": ["Sum", "Average"]}),
  ("cloudwatch", "PutMetricData", {"Namespace": "hako", "MetricData": [{"MetricName": "m", "Dimensions": [{"Name": "d", "Value": "v"}],
    "Timestamp": datetime.datetime(2024, 5, 6, 7, 8, 9, tzinfo=utc), "Value": 1.5, "Unit": "Seconds", "StorageResolution": 1,
    "Values": [1.0, 2.5], "Counts": [1, 2], "StatisticValues": {"SampleCount": 2, "Sum": 3.5, "Minimum": 1, "Maximum": 2.5}}]}),
  ("iam", "CreatePolicy", {"PolicyName": "p", "Path": "/", "PolicyDocument": "{\"Version\": \"2012-10-17\"}", "Tags": [{"Key": "k", "Value": "v"}]}),
  ("iam", "SimulateCustomPolicy", {"PolicyInputList": ["{}"], "ActionNames": ["s3:GetObject", "s3:PutObject"],
    "ContextEntries": [{"ContextKeyName": "aws:SourceIp", "ContextKeyValues": ["10.0.0.1"], "ContextKeyType": "ip"}], "MaxItems": 10}),
  ("iam", "UpdateAccountPasswordPolicy", {"MinimumPasswordLength": 12, "RequireSymbols": True, "RequireNumbers": False, "MaxPasswordAge": 90}),
  ("sts", "AssumeRoleWithWebIdentity", {"RoleArn": "arn:aws:iam::000000000000:role/r", "RoleSessionName": "session",
    "WebIdentityToken": "eyJ.x.y", "DurationSeconds": 3600, "ProviderId": "www.amazon.com"}),
]
session = botocore.session.get_session()
serializer = botocore.serialize.create_serializer("query", include_validation=False)
def tag(v):
    if isinstance(v, bytes):
        return {"$b64": base64.b64encode(v).decode()}
    if isinstance(v, datetime.datetime):
        v = v.astimezone(utc)
        frac = ("." + ("%06d" % v.microsecond).rstrip("0")) if v.microsecond else ""
        return {"$time": v.strftime("%Y-%m-%dT%H:%M:%S") + frac + "Z"}
    if isinstance(v, dict):
        return {k: tag(x) for k, x in v.items()}
    if isinstance(v, list):
        return [tag(x) for x in v]
    return v
out = []
for svc, op, params in cases:
    req = serializer.serialize_to_request(params, session.get_service_model(svc).operation_model(op))
    out.append({"service": svc, "op": op, "form": urllib.parse.urlencode(req["body"]), "params": tag(params)})
print(json.dumps(out))
`

// TestBotocoreSerializer decodes what botocore's query serializer writes
// for operations of every query service and compares the result with the
// parameters it was given.
func TestBotocoreSerializer(t *testing.T) {
	py := codectest.Python(t)
	out, err := exec.Command(py, "-c", serializerScript).CombinedOutput()
	if err != nil {
		t.Fatalf("botocore: %v\n%s", err, out)
	}
	var cases []struct {
		Service, Op, Form string
		Params            map[string]any
	}
	if err := json.Unmarshal(out, &cases); err != nil {
		t.Fatalf("botocore output: %v\n%s", err, out)
	}
	codes := map[string]string{"sns": "InvalidParameter", "cloudformation": "ValidationError", "ses": "ValidationError", "cloudwatch": "InvalidParameterValue", "iam": "ValidationError", "sts": "ValidationError"}
	for _, c := range cases {
		t.Run(c.Service+"."+c.Op, func(t *testing.T) {
			api := model.MustLoad(c.Service)
			r, _ := http.NewRequest("POST", "/", strings.NewReader(c.Form))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
			call := &protocol.Call{API: api}
			op, err := Codec{}.Operation(call, r)
			if err != nil {
				t.Fatal(err)
			}
			call.Op = op
			doc, err := Codec{}.Decode(call, r)
			if err != nil {
				t.Fatal(err)
			}
			if got := tagged(doc); !reflect.DeepEqual(got, c.Params) {
				t.Errorf("form %s\ndecoded %v\n   want %v", c.Form, got, c.Params)
			}
			if err := protocol.Validate(api, op.InputShape, doc, codes[c.Service]); err != nil {
				t.Errorf("decoded document does not validate: %v", err)
			}
		})
	}
}

// tagged turns a document into the JSON shape the script prints.
func tagged(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = tagged(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = tagged(e)
		}
		return l
	case int64:
		return float64(x)
	case []byte:
		return map[string]any{"$b64": base64.StdEncoding.EncodeToString(x)}
	case time.Time:
		return map[string]any{"$time": x.UTC().Format(time.RFC3339Nano)}
	}
	return v
}
