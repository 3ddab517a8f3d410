package logs

import (
	"fmt"
	"hako/internal/engine"
	"reflect"
	"testing"
)

func TestCreateAndDescribeLogGroup(t *testing.T) {
	f := newFixture(t)
	created := f.now()
	if _, err := f.s.CreateLogGroup(f.ctx, &CreateLogGroupRequest{
		LogGroupName: "/aws/lambda/fn",
		KmsKeyId:     "arn:aws:kms:eu-west-1:123456789012:key/k",
		Tags:         map[string]string{"env": "test"},
	}); err != nil {
		t.Fatal(err)
	}
	f.createGroup(t, "plain")
	if _, err := f.s.CreateLogGroup(f.ctx, &CreateLogGroupRequest{LogGroupName: "ia", LogGroupClass: "INFREQUENT_ACCESS"}); err != nil {
		t.Fatal(err)
	}

	_, err := f.s.CreateLogGroup(f.ctx, &CreateLogGroupRequest{LogGroupName: "plain"})
	wantCode(t, err, "ResourceAlreadyExistsException", "The specified log group already exists")

	out, err := f.s.DescribeLogGroups(f.ctx, &DescribeLogGroupsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if out.NextToken != "" || len(out.LogGroups) != 3 {
		t.Fatalf("DescribeLogGroups = %+v", out)
	}
	want := LogGroup{
		LogGroupName:              "/aws/lambda/fn",
		CreationTime:              ptr(created),
		MetricFilterCount:         ptr(int32(0)),
		Arn:                       "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/fn:*",
		LogGroupArn:               "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/fn",
		StoredBytes:               ptr(int64(0)),
		KmsKeyId:                  "arn:aws:kms:eu-west-1:123456789012:key/k",
		LogGroupClass:             "STANDARD",
		DeletionProtectionEnabled: ptr(false),
	}
	if !reflect.DeepEqual(out.LogGroups[0], want) {
		t.Errorf("group = %+v\nwant    %+v", out.LogGroups[0], want)
	}
	if names := groupNames(out.LogGroups); !reflect.DeepEqual(names, []string{"/aws/lambda/fn", "ia", "plain"}) {
		t.Errorf("order = %v", names)
	}
	if out.LogGroups[1].LogGroupClass != "INFREQUENT_ACCESS" {
		t.Errorf("class = %q", out.LogGroups[1].LogGroupClass)
	}

	// The other account and region see nothing.
	other, err := f.s.DescribeLogGroups(t.Context(), &DescribeLogGroupsRequest{})
	if err != nil || len(other.LogGroups) != 0 {
		t.Errorf("default scope sees %+v, %v", other, err)
	}

	// The wire form: an empty listing is [], not absent.
	doc, err := f.invoke("DescribeLogGroups", map[string]any{"logGroupNamePrefix": "none"})
	if err != nil {
		t.Fatal(err)
	}
	if l, ok := doc["logGroups"].([]any); !ok || len(l) != 0 {
		t.Errorf("empty DescribeLogGroups = %#v", doc)
	}
}

func groupNames(gs []LogGroup) []string {
	var out []string
	for _, g := range gs {
		out = append(out, g.LogGroupName)
	}
	return out
}

func TestDeleteLogGroup(t *testing.T) {
	f := newFixture(t)
	f.createGroup(t, "g")
	f.createGroup(t, "g2")
	f.createStream(t, "g", "s")
	f.createStream(t, "g2", "s")
	f.put(t, "g", "s", ev(f.now(), "one"))
	f.put(t, "g2", "s", ev(f.now(), "two"))

	if _, err := f.s.DeleteLogGroup(f.ctx, &DeleteLogGroupRequest{LogGroupName: "g"}); err != nil {
		t.Fatal(err)
	}
	_, err := f.s.DeleteLogGroup(f.ctx, &DeleteLogGroupRequest{LogGroupName: "g"})
	wantCode(t, err, "ResourceNotFoundException", "The specified log group does not exist.")

	// Recreating the group shows neither the old stream nor its events.
	f.createGroup(t, "g")
	streams, err := f.s.DescribeLogStreams(f.ctx, &DescribeLogStreamsRequest{LogGroupName: "g"})
	if err != nil || len(streams.LogStreams) != 0 {
		t.Fatalf("streams after delete = %+v, %v", streams, err)
	}
	sc := scope{account: testAccount, region: testRegion}
	n := 0
	ep := sc.groupEventsPrefix("g")
	f.eng.Scan(ep, engine.PrefixEnd(ep), false, func(k, v []byte) (bool, error) { n++; return true, nil })
	if n != 0 {
		t.Errorf("%d event keys left after DeleteLogGroup", n)
	}
	// The neighbour is untouched.
	got, err := f.s.GetLogEvents(f.ctx, &GetLogEventsRequest{LogGroupName: "g2", LogStreamName: "s"})
	if err != nil || len(got.Events) != 1 {
		t.Errorf("g2 events = %+v, %v", got, err)
	}
}

func TestDescribeLogGroupsPaging(t *testing.T) {
	f := newFixture(t)
	var all []string
	for i := range 7 {
		name := fmt.Sprintf("/app/g%d", i)
		all = append(all, name)
		f.createGroup(t, name)
	}
	f.createGroup(t, "/other/x")
	f.createGroup(t, "/other/Gx")

	tests := []struct {
		name  string
		in    DescribeLogGroupsRequest
		pages [][]string
	}{
		{"prefix limit 3", DescribeLogGroupsRequest{LogGroupNamePrefix: "/app/", Limit: ptr(int32(3))},
			[][]string{all[0:3], all[3:6], all[6:7]}},
		{"prefix exact page", DescribeLogGroupsRequest{LogGroupNamePrefix: "/app/", Limit: ptr(int32(7))},
			[][]string{all}},
		{"all default limit", DescribeLogGroupsRequest{},
			[][]string{append(append([]string{}, all...), "/other/Gx", "/other/x")}},
		{"pattern is a case-sensitive substring", DescribeLogGroupsRequest{LogGroupNamePattern: "G"},
			[][]string{{"/other/Gx"}}},
		{"pattern paging", DescribeLogGroupsRequest{LogGroupNamePattern: "g", Limit: ptr(int32(4))},
			[][]string{all[0:4], all[4:7]}},
		{"class filter", DescribeLogGroupsRequest{LogGroupClass: "INFREQUENT_ACCESS"},
			[][]string{{}}},
		{"identifiers", DescribeLogGroupsRequest{LogGroupIdentifiers: []string{"/app/g2",
			"arn:aws:logs:eu-west-1:123456789012:log-group:/other/x:*", "arn:aws:logs:eu-west-1:999999999999:log-group:/app/g3"}},
			[][]string{{"/app/g2", "/other/x"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			for i, want := range tt.pages {
				out, err := f.s.DescribeLogGroups(f.ctx, &in)
				if err != nil {
					t.Fatal(err)
				}
				got := groupNames(out.LogGroups)
				if len(got) != len(want) || (len(want) > 0 && !reflect.DeepEqual(got, want)) {
					t.Fatalf("page %d = %v, want %v", i, got, want)
				}
				last := i == len(tt.pages)-1
				if last != (out.NextToken == "") {
					t.Fatalf("page %d nextToken = %q", i, out.NextToken)
				}
				if in.LogGroupNamePattern != "" {
					for _, g := range out.LogGroups {
						if g.StoredBytes != nil || g.DeletionProtectionEnabled != nil {
							t.Errorf("pattern search reports storedBytes/deletionProtectionEnabled: %+v", g)
						}
					}
				}
				in.NextToken = out.NextToken
			}
		})
	}

	errTests := []struct {
		name, code, msg string
		doc             map[string]any
	}{
		{"prefix and pattern", "InvalidParameterException", "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.",
			map[string]any{"logGroupNamePrefix": "/app", "logGroupNamePattern": "g"}},
		{"bad token", "InvalidParameterException", "The specified nextToken is invalid.",
			map[string]any{"nextToken": "garbage"}},
		{"limit above 50", "InvalidParameterException", "1 validation error detected: Value '51' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 50",
			map[string]any{"limit": int64(51)}},
		{"limit 0", "InvalidParameterException", "Member must have value greater than or equal to 1",
			map[string]any{"limit": int64(0)}},
	}
	for _, tt := range errTests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.invoke("DescribeLogGroups", tt.doc)
			wantCode(t, err, tt.code, tt.msg)
		})
	}
}

func TestRetentionPolicy(t *testing.T) {
	f := newFixture(t)
	f.createGroup(t, "g")
	retention := func() *int32 {
		t.Helper()
		out, err := f.s.DescribeLogGroups(f.ctx, &DescribeLogGroupsRequest{LogGroupNamePrefix: "g"})
		if err != nil || len(out.LogGroups) != 1 {
			t.Fatalf("DescribeLogGroups = %+v, %v", out, err)
		}
		return out.LogGroups[0].RetentionInDays
	}
	if r := retention(); r != nil {
		t.Fatalf("new group has retention %d", *r)
	}
	tests := []struct {
		days    int32
		wantErr string
	}{
		{1, ""}, {3653, ""}, {731, ""}, {1096, ""},
		{0, "1 validation error detected: Value '0' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]"},
		{4, "Value '4' at 'retentionInDays'"},
		{728, "Value '728' at 'retentionInDays'"},
	}
	for _, tt := range tests {
		_, err := f.s.PutRetentionPolicy(f.ctx, &PutRetentionPolicyRequest{LogGroupName: "g", RetentionInDays: ptr(tt.days)})
		if tt.wantErr != "" {
			wantCode(t, err, "InvalidParameterException", tt.wantErr)
			continue
		}
		if err != nil {
			t.Fatalf("PutRetentionPolicy(%d): %v", tt.days, err)
		}
		if r := retention(); r == nil || *r != tt.days {
			t.Errorf("retention after %d = %v", tt.days, r)
		}
	}
	if _, err := f.s.DeleteRetentionPolicy(f.ctx, &DeleteRetentionPolicyRequest{LogGroupName: "g"}); err != nil {
		t.Fatal(err)
	}
	if r := retention(); r != nil {
		t.Errorf("retention after delete = %d", *r)
	}
	_, err := f.s.PutRetentionPolicy(f.ctx, &PutRetentionPolicyRequest{LogGroupName: "nope", RetentionInDays: ptr(int32(1))})
	wantCode(t, err, "ResourceNotFoundException", "The specified log group does not exist.")
	_, err = f.s.DeleteRetentionPolicy(f.ctx, &DeleteRetentionPolicyRequest{LogGroupName: "nope"})
	wantCode(t, err, "ResourceNotFoundException", "The specified log group does not exist.")
}

func TestTags(t *testing.T) {
	f := newFixture(t)
	if _, err := f.s.CreateLogGroup(f.ctx, &CreateLogGroupRequest{LogGroupName: "g", Tags: map[string]string{"env": "testing1"}}); err != nil {
		t.Fatal(err)
	}
	f.createGroup(t, "bare")
	arn := "arn:aws:logs:eu-west-1:123456789012:log-group:g"

	list := func() map[string]string {
		t.Helper()
		a, err := f.s.ListTagsForResource(f.ctx, &ListTagsForResourceRequest{ResourceArn: arn})
		if err != nil {
			t.Fatal(err)
		}
		b, err := f.s.ListTagsLogGroup(f.ctx, &ListTagsLogGroupRequest{LogGroupName: "g"})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(a.Tags, b.Tags) {
			t.Fatalf("ListTagsForResource %v != ListTagsLogGroup %v", a.Tags, b.Tags)
		}
		return a.Tags
	}
	steps := []struct {
		name string
		do   func() error
		want map[string]string
	}{
		{"create", func() error { return nil }, map[string]string{"env": "testing1"}},
		{"TagResource", func() error {
			_, err := f.s.TagResource(f.ctx, &TagResourceRequest{ResourceArn: arn, Tags: map[string]string{"test1": "val1", "test2": "val2"}})
			return err
		}, map[string]string{"env": "testing1", "test1": "val1", "test2": "val2"}},
		{"TagLogGroup", func() error {
			_, err := f.s.TagLogGroup(f.ctx, &TagLogGroupRequest{LogGroupName: "g", Tags: map[string]string{"test3": "val3", "env": "prod"}})
			return err
		}, map[string]string{"env": "prod", "test1": "val1", "test2": "val2", "test3": "val3"}},
		{"UntagResource", func() error {
			_, err := f.s.UntagResource(f.ctx, &UntagResourceRequest{ResourceArn: arn + ":*", TagKeys: []string{"env", "test1", "absent"}})
			return err
		}, map[string]string{"test2": "val2", "test3": "val3"}},
		{"UntagLogGroup", func() error {
			_, err := f.s.UntagLogGroup(f.ctx, &UntagLogGroupRequest{LogGroupName: "g", Tags: []string{"test3"}})
			return err
		}, map[string]string{"test2": "val2"}},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if got := list(); !reflect.DeepEqual(got, st.want) {
			t.Fatalf("after %s tags = %v, want %v", st.name, got, st.want)
		}
	}

	// An untagged group answers {"tags": {}}.
	doc, err := f.invoke("ListTagsLogGroup", map[string]any{"logGroupName": "bare"})
	if err != nil {
		t.Fatal(err)
	}
	if m, ok := doc["tags"].(map[string]any); !ok || len(m) != 0 {
		t.Errorf("untagged ListTagsLogGroup = %#v", doc)
	}

	many := map[string]string{}
	for i := range 50 {
		many[fmt.Sprintf("k%d", i)] = "v"
	}
	_, err = f.s.TagResource(f.ctx, &TagResourceRequest{ResourceArn: arn, Tags: many})
	wantCode(t, err, "TooManyTagsException", "")
	if got := list(); len(got) != 1 {
		t.Errorf("failed TagResource changed tags: %v", got)
	}

	errs := []struct {
		name string
		err  func() error
		code string
	}{
		{"TagResource missing group", func() error {
			_, err := f.s.TagResource(f.ctx, &TagResourceRequest{ResourceArn: arn + "x", Tags: map[string]string{"a": "b"}})
			return err
		}, "ResourceNotFoundException"},
		{"TagResource other account", func() error {
			_, err := f.s.TagResource(f.ctx, &TagResourceRequest{ResourceArn: "arn:aws:logs:eu-west-1:999999999999:log-group:g", Tags: map[string]string{"a": "b"}})
			return err
		}, "ResourceNotFoundException"},
		{"TagResource not a log group", func() error {
			_, err := f.s.TagResource(f.ctx, &TagResourceRequest{ResourceArn: "arn:aws:logs:eu-west-1:123456789012:destination:d", Tags: map[string]string{"a": "b"}})
			return err
		}, "ResourceNotFoundException"},
		{"ListTagsForResource missing", func() error {
			_, err := f.s.ListTagsForResource(f.ctx, &ListTagsForResourceRequest{ResourceArn: arn + "x"})
			return err
		}, "ResourceNotFoundException"},
		{"TagLogGroup missing", func() error {
			_, err := f.s.TagLogGroup(f.ctx, &TagLogGroupRequest{LogGroupName: "nope", Tags: map[string]string{"a": "b"}})
			return err
		}, "ResourceNotFoundException"},
		{"ListTagsLogGroup missing", func() error {
			_, err := f.s.ListTagsLogGroup(f.ctx, &ListTagsLogGroupRequest{LogGroupName: "nope"})
			return err
		}, "ResourceNotFoundException"},
		{"UntagLogGroup missing", func() error {
			_, err := f.s.UntagLogGroup(f.ctx, &UntagLogGroupRequest{LogGroupName: "nope", Tags: []string{"a"}})
			return err
		}, "ResourceNotFoundException"},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) { wantCode(t, tt.err(), tt.code, "") })
	}
}

func TestNotImplemented(t *testing.T) {
	f := newFixture(t)
	_, err := f.invoke("StartLiveTail", map[string]any{"logGroupIdentifiers": []any{"g"}})
	wantCode(t, err, "NotImplemented", "")
}
