package protocol

import (
	"strings"
	"testing"
	"time"

	"hako/internal/protocol/model"
)

func TestValidate(t *testing.T) {
	logs := model.MustLoad("logs")
	iam := model.MustLoad("iam")
	in := func(api *model.API, op string) *model.Shape { return api.Operations[op].InputShape }
	cases := []struct {
		name string
		api  *model.API
		op   string
		doc  map[string]any
		want string // "" = valid
	}{
		{"valid", logs, "CreateLogGroup", map[string]any{"logGroupName": "/a/b"}, ""},
		{"missing", logs, "CreateLogGroup", map[string]any{}, "1 validation error detected: Value null at 'logGroupName' failed to satisfy constraint: Member must not be null"},
		{"pattern", logs, "CreateLogGroup", map[string]any{"logGroupName": "a:b"}, "1 validation error detected: Value 'a:b' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+"},
		{"too long", logs, "CreateLogGroup", map[string]any{"logGroupName": strings.Repeat("a", 513)}, "Member must have length less than or equal to 512"},
		{"range", logs, "DescribeLogGroups", map[string]any{"limit": int64(0)}, "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"enum", logs, "DescribeLogStreams", map[string]any{"orderBy": "Size"}, "Member must satisfy enum value set: [LogStreamName, LastEventTime]"},
		{"nested list", logs, "PutLogEvents", map[string]any{"logGroupName": "g", "logStreamName": "s", "logEvents": []any{map[string]any{"timestamp": int64(1)}}}, "Value null at 'logEvents.1.member.message' failed to satisfy constraint: Member must not be null"},
		{"two problems", logs, "PutLogEvents", map[string]any{"logEvents": []any{}}, "3 validation errors detected"},
		{"query lowerCamel", iam, "CreateRole", map[string]any{"RoleName": "r"}, "1 validation error detected: Value null at 'assumeRolePolicyDocument' failed to satisfy constraint: Member must not be null"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Validate(c.api, in(c.api, c.op), c.doc, "ValidationException")
			if c.want == "" {
				if err != nil {
					t.Fatalf("unexpected %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Message, c.want) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
		})
	}
}

type sample struct {
	Name   string            `json:"name,omitempty"`
	Count  *int32            `json:"count,omitempty"`
	Big    *int64            `json:"big,omitempty"`
	Ratio  *float64          `json:"ratio,omitempty"`
	On     *bool             `json:"on,omitempty"`
	When   time.Time         `json:"when,omitempty"`
	Data   []byte            `json:"data,omitempty"`
	Items  []sampleItem      `json:"items,omitempty"`
	Tags   map[string]string `json:"tags,omitempty"`
	Nested *sampleItem       `json:"nested,omitempty"`
	Doc    any               `json:"doc,omitempty"`
}

type sampleItem struct {
	Key string `json:"Key,omitempty"`
}

func TestDocRoundTrip(t *testing.T) {
	when := time.Date(2026, 1, 2, 3, 4, 5, 6000000, time.UTC)
	doc := map[string]any{
		"name": "n", "count": int64(3), "big": int64(1) << 40, "ratio": 0.5, "on": true, "when": when,
		"data": []byte("xyz"), "items": []any{map[string]any{"Key": "a"}, map[string]any{"Key": "b"}},
		"tags": map[string]any{"k": "v"}, "nested": map[string]any{"Key": "c"}, "doc": map[string]any{"any": []any{1.0}},
		"unknown": "ignored",
	}
	var s sample
	if err := FromDoc(doc, &s); err != nil {
		t.Fatal(err)
	}
	if s.Name != "n" || *s.Count != 3 || *s.Big != 1<<40 || *s.Ratio != 0.5 || !*s.On || !s.When.Equal(when) ||
		string(s.Data) != "xyz" || len(s.Items) != 2 || s.Items[1].Key != "b" || s.Tags["k"] != "v" || s.Nested.Key != "c" {
		t.Fatalf("FromDoc = %+v", s)
	}
	back := ToDoc(&s)
	delete(doc, "unknown")
	for k := range doc {
		if _, ok := back[k]; !ok {
			t.Errorf("ToDoc lost %s", k)
		}
	}
	if back["count"] != int64(3) {
		t.Errorf("count = %#v", back["count"])
	}
	if len(ToDoc(&sample{})) != 0 {
		t.Errorf("empty struct gave %v", ToDoc(&sample{}))
	}
	if err := FromDoc(map[string]any{"count": "x"}, &s); err == nil {
		t.Error("wrong type accepted")
	}
}

func TestErrorResolve(t *testing.T) {
	logs := model.MustLoad("logs")
	e := Errorf("ResourceNotFoundException", "gone")
	e.Resolve(logs)
	if e.Status != 400 || !e.IsSender() {
		t.Errorf("logs RNF: %d %v", e.Status, e.IsSender())
	}
	iam := model.MustLoad("iam")
	e = Errorf("NoSuchEntity", "gone")
	e.Resolve(iam)
	if e.Status != 404 {
		t.Errorf("iam NoSuchEntity: %d", e.Status)
	}
	e = NotImplemented("logs", "StartLiveTail")
	e.Resolve(logs)
	if e.Status != 501 || e.IsSender() {
		t.Errorf("NotImplemented: %d", e.Status)
	}
}
