package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
)

// TestPutEventsToLambda: custom events sent with boto3 and the aws CLI v2
// and v1 reach a Lambda target through a rule whose pattern uses prefix,
// numeric and anything-but; an event the pattern excludes does not, and a
// bad entry fails alone.
func TestPutEventsToLambda(t *testing.T) {
	const aws2 = "/usr/bin/aws"
	s := StartServer(t)
	logs := cwl.NewFromConfig(s.sdkConfig(t))
	s.cli(t, aws2, "lambda", "create-function", "--function-name", "OrderHandler", "--runtime", "python3.11",
		"--handler", "app.handler", "--role", roleARN, "--zip-file", "fileb://"+zipAt(t, map[string]string{"app.py": printEventPy}))
	s.cli(t, aws2, "events", "create-event-bus", "--name", "shop")
	pattern := `{"source":[{"prefix":"com.shop"}],"detail-type":["Order Placed"],"detail":{"total":[{"numeric":[">=",100,"<",1000]}],"channel":[{"anything-but":["test","staging"]}]}}`
	rule := s.cliJSON(t, aws2, "events", "put-rule", "--name", "big-orders", "--event-bus-name", "shop", "--event-pattern", pattern)
	ruleARN := rule["RuleArn"].(string)
	if ruleARN != "arn:aws:events:us-east-1:000000000000:rule/shop/big-orders" {
		t.Fatalf("rule %v", rule)
	}
	s.cli(t, aws2, "lambda", "add-permission", "--function-name", "OrderHandler", "--statement-id", "events",
		"--action", "lambda:InvokeFunction", "--principal", "events.amazonaws.com", "--source-arn", ruleARN)
	s.cli(t, aws2, "events", "put-targets", "--rule", "big-orders", "--event-bus-name", "shop", "--targets",
		`[{"Id":"fn","Arn":"arn:aws:lambda:us-east-1:000000000000:function:OrderHandler"}]`)

	v := s.python(t, `
import boto3, json, os, datetime
e = boto3.client("events", endpoint_url=os.environ["ENDPOINT"])
r = e.put_events(Entries=[
  {"Source": "com.shop.orders", "DetailType": "Order Placed", "Detail": json.dumps({"total": 250, "channel": "web", "n": "boto3"}),
   "EventBusName": "shop", "Resources": ["arn:aws:shop::order/1"], "Time": datetime.datetime(2026, 5, 1, 12, 30, 45, tzinfo=datetime.timezone.utc)},
  {"Source": "com.shop.orders", "DetailType": "Order Placed", "Detail": json.dumps({"total": 50, "channel": "web"}), "EventBusName": "shop"},
  {"Source": "com.shop.orders", "DetailType": "Order Placed", "Detail": json.dumps({"total": 500, "channel": "test"}), "EventBusName": "shop"},
  {"Source": "com.shop.orders", "DetailType": "Order Placed", "Detail": "not json", "EventBusName": "shop"},
])
print(json.dumps({"failed": r["FailedEntryCount"], "entries": r["Entries"]}))
`)
	entries := v["entries"].([]any)
	if v["failed"] != float64(1) || len(entries) != 4 || entries[3].(map[string]any)["ErrorCode"] != "MalformedDetail" {
		t.Fatalf("put_events %v", v)
	}
	boto3ID := entries[0].(map[string]any)["EventId"].(string)
	for _, bin := range []string{aws2, "aws"} {
		out := s.cliJSON(t, bin, "events", "put-events", "--entries",
			`[{"Source":"com.shop.web","DetailType":"Order Placed","Detail":"{\"total\":100,\"channel\":\"mobile\",\"n\":\"`+bin+`\"}","EventBusName":"shop"}]`)
		if out["FailedEntryCount"] != float64(0) {
			t.Fatalf("%s put-events %v", bin, out)
		}
	}
	evs := waitEvents(t, logs, "OrderHandler", 3)
	byN := map[string]map[string]any{}
	for _, e := range evs {
		var ev map[string]any
		if err := json.Unmarshal([]byte(e), &ev); err != nil {
			t.Fatal(err)
		}
		byN[ev["detail"].(map[string]any)["n"].(string)] = ev
	}
	b := byN["boto3"]
	if b == nil || b["id"] != boto3ID || b["version"] != "0" || b["detail-type"] != "Order Placed" || b["source"] != "com.shop.orders" ||
		b["account"] != "000000000000" || b["region"] != "us-east-1" || b["time"] != "2026-05-01T12:30:45Z" ||
		b["resources"].([]any)[0] != "arn:aws:shop::order/1" || b["detail"].(map[string]any)["total"] != float64(250) {
		t.Fatalf("boto3 event %v", b)
	}
	if byN[aws2] == nil || byN["aws"] == nil || len(evs) != 3 {
		t.Fatalf("events %q", evs)
	}
	// The envelope's members come in AWS's order.
	if !strings.HasPrefix(evs[0], `{"version": "0", "id": `) || !strings.Contains(evs[0], `"region": "us-east-1", "resources": [`) {
		t.Fatalf("member order %s", evs[0])
	}
	// Too many entries: the model's limit, as AWS answers it.
	if out, err := s.cliErr(t, aws2, "events", "put-events", "--entries", "["+strings.Repeat(`{"Source":"a","DetailType":"b","Detail":"{}"},`, 10)+`{"Source":"a","DetailType":"b","Detail":"{}"}]`); err == nil || !strings.Contains(out, "ValidationException") {
		t.Fatalf("11 entries: %v %s", err, out)
	}
}
