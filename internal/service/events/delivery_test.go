package events

import (
	"encoding/json"
	"regexp"
	"testing"
	"time"
)

// The scheduled event has AWS's exact shape and field order.
func TestScheduledEvent(t *testing.T) {
	arn := "arn:aws:events:us-east-1:123456789012:rule/MyScheduledRule"
	b := ScheduledEvent("123456789012", "us-east-1", arn, time.Date(2026, 3, 1, 16, 0, 0, 987, time.UTC))
	want := regexp.MustCompile(`^\{"version":"0","id":"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}","detail-type":"Scheduled Event","source":"aws.events","account":"123456789012","time":"2026-03-01T16:00:00Z","region":"us-east-1","resources":\["arn:aws:events:us-east-1:123456789012:rule/MyScheduledRule"\],"detail":\{\}\}$`)
	if !want.Match(b) {
		t.Fatalf("event %s", b)
	}
}

func TestRenderInput(t *testing.T) {
	ev := []byte(`{"id":"1","time":"2026-03-01T16:00:00Z","detail":{"instance":"i-1","state":"running","n":3,"list":[1,2]}}`)
	arn := "arn:aws:events:us-east-1:1:rule/r"
	for _, c := range []struct {
		t    Target
		want string
	}{
		{Target{}, string(ev)},
		{Target{Input: `{"fixed":true}`}, `{"fixed":true}`},
		{Target{InputPath: "$.detail.state"}, `"running"`},
		{Target{InputPath: "$.detail.list[1]"}, `2`},
		{Target{InputPath: "$.detail.missing"}, `null`},
		{Target{InputTransformer: &InputTransformer{
			InputPathsMap: map[string]string{"i": "$.detail.instance", "s": "$.detail.state", "n": "$.detail.n"},
			InputTemplate: `{"msg":"<i> is <s>","n":<n>,"state":<s>,"rule":"<aws.events.rule-name>"}`}},
			`{"msg":"i-1 is running","n":3,"state":"running","rule":"r"}`},
		{Target{InputTransformer: &InputTransformer{InputPathsMap: map[string]string{"s": "$.detail.state"},
			InputTemplate: `"state: <s>"`}}, `"state: running"`},
	} {
		d, err := NewDelivery(arn, "r", c.t, ev)
		if err != nil {
			t.Fatal(err)
		}
		if string(d.Payload) != c.want {
			t.Errorf("%+v: %s, want %s", c.t, d.Payload, c.want)
		}
		if c.t.InputTransformer != nil && len(c.want) > 0 && c.want[0] == '{' && !json.Valid(d.Payload) {
			t.Errorf("not JSON: %s", d.Payload)
		}
	}
}
