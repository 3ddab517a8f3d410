package s3

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"testing"
	"time"

	"hako/internal/clock"
	"hako/internal/engine"
	"hako/internal/eventbus"
	"hako/internal/service"
)

// permits is a FunctionPolicy allowing the functions it names.
type permits map[string]bool

func (p permits) InvokePermitted(_ context.Context, arn, principal, sourceARN, _ string) (bool, error) {
	return principal == "s3.amazonaws.com" && p[arn+" "+sourceARN], nil
}

func newNotifyTest(t *testing.T, p permits) (*Service, engine.Engine, *clock.Fake) {
	t.Helper()
	eng := engine.NewMemory()
	t.Cleanup(func() { eng.Close() })
	clk := clock.NewFake(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	bus := eventbus.New(eventbus.Config{Engine: eng, Clock: clk})
	return New(service.Env{Engine: eng, Clock: clk, Bus: bus}, WithFunctions(p)), eng, clk
}

// queued returns the messages on the bus (never started: nothing is
// delivered).
func queued(t *testing.T, eng engine.Engine) []eventbus.Message {
	t.Helper()
	var out []eventbus.Message
	err := eng.View(func(r engine.Reader) error {
		p := []byte("bus/d/")
		return r.Scan(p, engine.PrefixEnd(p), false, func(k, v []byte) (bool, error) {
			var m eventbus.Message
			if err := json.Unmarshal(v, &m); err != nil {
				return false, err
			}
			out = append(out, m)
			return true, nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

const fnA = "arn:aws:lambda:us-east-1:000000000000:function:a"

func lambdaCfg(id, arn string, events []string, prefix, suffix string) LambdaFunctionConfiguration {
	c := LambdaFunctionConfiguration{Id: id, LambdaFunctionArn: arn, Events: events}
	var rules []FilterRule
	if prefix != "" {
		rules = append(rules, FilterRule{Name: "prefix", Value: prefix})
	}
	if suffix != "" {
		rules = append(rules, FilterRule{Name: "Suffix", Value: suffix})
	}
	if rules != nil {
		c.Filter = &NotificationConfigurationFilter{Key: &S3KeyFilter{FilterRules: rules}}
	}
	return c
}

func TestNotificationDelivery(t *testing.T) {
	s, eng, _ := newNotifyTest(t, permits{fnA + " arn:aws:s3:::bkt": true})
	mustBucket(t, s, "bkt")
	_, err := s.PutBucketNotificationConfiguration(bg, &PutBucketNotificationConfigurationRequest{Bucket: "bkt",
		NotificationConfiguration: &NotificationConfiguration{
			LambdaFunctionConfigurations: []LambdaFunctionConfiguration{lambdaCfg("in", fnA, []string{"s3:ObjectCreated:Put", "s3:ObjectRemoved:*"}, "in/", ".txt")},
			QueueConfigurations: []QueueConfiguration{{Id: "q", QueueArn: "arn:aws:sqs:us-east-1:000000000000:q", Events: []string{"s3:ObjectCreated:*"},
				Filter: &NotificationConfigurationFilter{Key: &S3KeyFilter{FilterRules: []FilterRule{{Name: "suffix", Value: ".csv"}}}}}},
			EventBridgeConfiguration: &EventBridgeConfiguration{},
		}})
	if err != nil {
		t.Fatal(err)
	}
	// The queue got AWS's test event; the function did not.
	ms := queued(t, eng)
	if len(ms) != 1 || ms[0].Kind != eventbus.KindSQSSend || !strings.Contains(string(ms[0].Payload), `"Event":"s3:TestEvent"`) {
		t.Fatalf("after configuring: %+v", ms)
	}
	put(t, s, "bkt", "in/a b+c.txt", "hello")
	put(t, s, "bkt", "in/x.csv", "hello") // not the function's suffix
	if _, err := s.DeleteObject(bg, &DeleteObjectRequest{Bucket: "bkt", Key: "in/a b+c.txt"}); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	var lambdaRecs []map[string]any
	for _, m := range queued(t, eng) {
		if strings.Contains(string(m.Payload), "s3:TestEvent") {
			continue // the one above (all are due at once, in id order)
		}
		kinds[m.Kind]++
		if m.Kind == eventbus.KindLambdaInvoke {
			if m.Target != fnA || m.Attrs["requestId"] == "" {
				t.Errorf("lambda message %+v", m)
			}
			var p struct{ Records []map[string]any }
			json.Unmarshal(m.Payload, &p)
			lambdaRecs = append(lambdaRecs, p.Records...)
		}
		if m.Kind == eventbus.KindEventsPut {
			var ev map[string]any
			json.Unmarshal(m.Payload, &ev)
			if ev["source"] != "aws.s3" || m.Target != "arn:aws:events:us-east-1:000000000000:event-bus/default" {
				t.Errorf("eventbridge message %+v", m)
			}
		}
	}
	// Function: the .txt put and its delete; queue: the .csv put;
	// EventBridge: all three.
	if kinds[eventbus.KindLambdaInvoke] != 2 || kinds[eventbus.KindSQSSend] != 1 || kinds[eventbus.KindEventsPut] != 3 {
		t.Fatalf("messages by kind: %v", kinds)
	}
	seq := func(r map[string]any) string {
		return r["s3"].(map[string]any)["object"].(map[string]any)["sequencer"].(string)
	}
	sort.Slice(lambdaRecs, func(i, j int) bool { return seq(lambdaRecs[i]) < seq(lambdaRecs[j]) })
	put1, del := lambdaRecs[0], lambdaRecs[1]
	o1 := put1["s3"].(map[string]any)["object"].(map[string]any)
	o2 := del["s3"].(map[string]any)["object"].(map[string]any)
	if put1["eventName"] != "ObjectCreated:Put" || o1["key"] != "in/a+b%2Bc.txt" || o1["size"] != float64(5) || o1["eTag"] != "5d41402abc4b2a76b9719d911017c592" {
		t.Errorf("put record %v", put1)
	}
	if del["eventName"] != "ObjectRemoved:Delete" || o2["size"] != nil || o2["eTag"] != nil || o2["sequencer"].(string) <= o1["sequencer"].(string) {
		t.Errorf("delete record %v (put sequencer %v)", del, o1["sequencer"])
	}
}

// A write whose transaction fails records no notification; one that
// commits records it in the same transaction (no window in between).
func TestNotificationSameTransaction(t *testing.T) {
	s, eng, _ := newNotifyTest(t, permits{fnA + " arn:aws:s3:::bkt": true})
	mustBucket(t, s, "bkt")
	if _, err := s.PutBucketNotificationConfiguration(bg, &PutBucketNotificationConfigurationRequest{Bucket: "bkt",
		NotificationConfiguration: &NotificationConfiguration{LambdaFunctionConfigurations: []LambdaFunctionConfiguration{lambdaCfg("", fnA, []string{"s3:ObjectCreated:*"}, "", "")}}}); err != nil {
		t.Fatal(err)
	}
	put(t, s, "bkt", "k", "v1")
	_, err := s.PutObject(bg, &PutObjectRequest{Bucket: "bkt", Key: "k", IfNoneMatch: "*", Body: strings.NewReader("v2"), ContentLength: ptr(int64(2))})
	if code(t, err) != "PreconditionFailed" {
		t.Fatalf("conditional put: %v", err)
	}
	if n := len(queued(t, eng)); n != 1 {
		t.Fatalf("%d messages, want the one of the write that committed", n)
	}
}

func TestNotificationValidation(t *testing.T) {
	s, _, _ := newNotifyTest(t, permits{fnA + " arn:aws:s3:::bkt": true})
	mustBucket(t, s, "bkt")
	putCfg := func(skip bool, ls ...LambdaFunctionConfiguration) error {
		_, err := s.PutBucketNotificationConfiguration(bg, &PutBucketNotificationConfigurationRequest{Bucket: "bkt", SkipDestinationValidation: &skip,
			NotificationConfiguration: &NotificationConfiguration{LambdaFunctionConfigurations: ls}})
		return err
	}
	fnB := "arn:aws:lambda:us-east-1:000000000000:function:b"
	for _, tc := range []struct {
		name string
		skip bool
		cfgs []LambdaFunctionConfiguration
		want string
	}{
		{"wildcard overlaps its event", false, []LambdaFunctionConfiguration{lambdaCfg("1", fnA, []string{"s3:ObjectCreated:*"}, "", ""), lambdaCfg("2", fnA, []string{"s3:ObjectCreated:Copy"}, "", "")}, "Configurations overlap"},
		{"prefix of a prefix overlaps", false, []LambdaFunctionConfiguration{lambdaCfg("1", fnA, []string{"s3:ObjectCreated:Put"}, "a/", ".jpg"), lambdaCfg("2", fnA, []string{"s3:ObjectCreated:Put"}, "a/b/", "")}, "Configurations overlap"},
		{"suffix of a suffix overlaps", false, []LambdaFunctionConfiguration{lambdaCfg("1", fnA, []string{"s3:ObjectRemoved:*"}, "", "x.jpg"), lambdaCfg("2", fnA, []string{"s3:ObjectRemoved:Delete"}, "", ".jpg")}, "Configurations overlap"},
		{"same id twice", false, []LambdaFunctionConfiguration{lambdaCfg("1", fnA, []string{"s3:ObjectCreated:Put"}, "a", ""), lambdaCfg("1", fnA, []string{"s3:ObjectCreated:Put"}, "b", "")}, "Same ID"},
		{"function not allowed", false, []LambdaFunctionConfiguration{lambdaCfg("1", fnB, []string{"s3:ObjectCreated:Put"}, "", "")}, "Unable to validate"},
		{"not allowed but skipped", true, []LambdaFunctionConfiguration{lambdaCfg("1", fnB, []string{"s3:ObjectCreated:Put"}, "", "")}, ""},
		{"disjoint prefixes", false, []LambdaFunctionConfiguration{lambdaCfg("1", fnA, []string{"s3:ObjectCreated:*"}, "a/", ""), lambdaCfg("2", fnA, []string{"s3:ObjectCreated:*"}, "b/", "")}, ""},
		{"disjoint suffixes", false, []LambdaFunctionConfiguration{lambdaCfg("1", fnA, []string{"s3:ObjectCreated:*"}, "", ".png"), lambdaCfg("2", fnA, []string{"s3:ObjectCreated:*"}, "", ".jpg")}, ""},
		{"different events", false, []LambdaFunctionConfiguration{lambdaCfg("1", fnA, []string{"s3:ObjectCreated:*"}, "", ""), lambdaCfg("2", fnA, []string{"s3:ObjectRemoved:*"}, "", "")}, ""},
	} {
		err := putCfg(tc.skip, tc.cfgs...)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		if code(t, err) != "InvalidArgument" || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	// A refused configuration leaves the stored one.
	got, err := s.GetBucketNotificationConfiguration(bg, &GetBucketNotificationConfigurationRequest{Bucket: "bkt"})
	if err != nil || len(got.LambdaFunctionConfigurations) != 2 || got.LambdaFunctionConfigurations[1].Id != "2" {
		t.Errorf("stored: %+v %v", got, err)
	}
}

func TestEncodeEventKey(t *testing.T) {
	for in, want := range map[string]string{
		"plain.txt":           "plain.txt",
		"a b+c.txt":           "a+b%2Bc.txt",
		"dir/sub dir/(1).jpg": "dir/sub+dir/%281%29.jpg",
		"日本.txt":              "%E6%97%A5%E6%9C%AC.txt",
		"a=b&c~d":             "a%3Db%26c%7Ed",
	} {
		if got := encodeEventKey(in); got != want {
			t.Errorf("encodeEventKey(%q) = %q, want %q", in, got, want)
		}
	}
}
