package logs

import (
	"reflect"
	"testing"
	"time"
)

func streamNames(ss []LogStream) []string {
	out := []string{}
	for _, s := range ss {
		out = append(out, s.LogStreamName)
	}
	return out
}

func TestCreateDeleteLogStream(t *testing.T) {
	f := newFixture(t)
	_, err := f.s.CreateLogStream(f.ctx, &CreateLogStreamRequest{LogGroupName: "g", LogStreamName: "s"})
	wantCode(t, err, "ResourceNotFoundException", "The specified log group does not exist.")

	f.createGroup(t, "g")
	created := f.now()
	f.createStream(t, "g", "s")
	_, err = f.s.CreateLogStream(f.ctx, &CreateLogStreamRequest{LogGroupName: "g", LogStreamName: "s"})
	wantCode(t, err, "ResourceAlreadyExistsException", "The specified log stream already exists")

	out, err := f.s.DescribeLogStreams(f.ctx, &DescribeLogStreamsRequest{LogGroupName: "g"})
	if err != nil {
		t.Fatal(err)
	}
	// A stream without events has exactly these fields on AWS.
	want := LogStream{
		LogStreamName: "s",
		CreationTime:  ptr(created),
		Arn:           "arn:aws:logs:eu-west-1:123456789012:log-group:g:log-stream:s",
		StoredBytes:   ptr(int64(0)),
	}
	if len(out.LogStreams) != 1 || !reflect.DeepEqual(out.LogStreams[0], want) {
		t.Fatalf("streams = %+v", out.LogStreams)
	}

	f.clk.Advance(time.Second)
	ingest := f.now()
	ts := ingest - 5000
	first := f.put(t, "g", "s", ev(ts, "hello"), ev(ts+10, "world"))
	second := f.put(t, "g", "s", ev(ts-100, "earlier"))
	if first.NextSequenceToken == "" || first.NextSequenceToken == second.NextSequenceToken {
		t.Errorf("sequence tokens %q, %q", first.NextSequenceToken, second.NextSequenceToken)
	}
	out, err = f.s.DescribeLogStreams(f.ctx, &DescribeLogStreamsRequest{LogGroupName: "g"})
	if err != nil {
		t.Fatal(err)
	}
	got := out.LogStreams[0]
	want.FirstEventTimestamp = ptr(ts - 100)
	want.LastEventTimestamp = ptr(ts + 10)
	want.LastIngestionTime = ptr(ingest)
	want.UploadSequenceToken = second.NextSequenceToken
	if !reflect.DeepEqual(got, want) {
		t.Errorf("stream = %+v\nwant     %+v", got, want)
	}
	groups, _ := f.s.DescribeLogGroups(f.ctx, &DescribeLogGroupsRequest{})
	if sb := groups.LogGroups[0].StoredBytes; sb == nil || *sb != int64(len("helloworldearlier")) {
		t.Errorf("group storedBytes = %v", sb)
	}

	_, err = f.s.DeleteLogStream(f.ctx, &DeleteLogStreamRequest{LogGroupName: "g", LogStreamName: "nope"})
	wantCode(t, err, "ResourceNotFoundException", "The specified log stream does not exist.")
	_, err = f.s.DeleteLogStream(f.ctx, &DeleteLogStreamRequest{LogGroupName: "nope", LogStreamName: "s"})
	wantCode(t, err, "ResourceNotFoundException", "The specified log group does not exist.")
	if _, err := f.s.DeleteLogStream(f.ctx, &DeleteLogStreamRequest{LogGroupName: "g", LogStreamName: "s"}); err != nil {
		t.Fatal(err)
	}
	f.createStream(t, "g", "s")
	ev, err := f.s.GetLogEvents(f.ctx, &GetLogEventsRequest{LogGroupName: "g", LogStreamName: "s"})
	if err != nil || len(ev.Events) != 0 {
		t.Errorf("recreated stream has events: %+v, %v", ev, err)
	}
}

func TestDescribeLogStreams(t *testing.T) {
	f := newFixture(t)
	f.createGroup(t, "g")
	// Streams by name: a1 a2 a3 b1 b2; last event times: b1 < a3 < a1, a2 and b2 empty.
	for _, n := range []string{"b2", "a1", "b1", "a3", "a2"} {
		f.createStream(t, "g", n)
	}
	now := f.now()
	f.put(t, "g", "b1", ev(now-3000, "x"))
	f.put(t, "g", "a3", ev(now-2000, "x"))
	f.put(t, "g", "a1", ev(now-1000, "x"))

	tests := []struct {
		name  string
		in    DescribeLogStreamsRequest
		pages [][]string
	}{
		{"by name", DescribeLogStreamsRequest{LogGroupName: "g"},
			[][]string{{"a1", "a2", "a3", "b1", "b2"}}},
		{"by name paged", DescribeLogStreamsRequest{LogGroupName: "g", Limit: ptr(int32(2))},
			[][]string{{"a1", "a2"}, {"a3", "b1"}, {"b2"}}},
		{"by name descending paged", DescribeLogStreamsRequest{LogGroupName: "g", Descending: ptr(true), Limit: ptr(int32(2))},
			[][]string{{"b2", "b1"}, {"a3", "a2"}, {"a1"}}},
		{"prefix", DescribeLogStreamsRequest{LogGroupName: "g", LogStreamNamePrefix: "a", Limit: ptr(int32(2))},
			[][]string{{"a1", "a2"}, {"a3"}}},
		{"prefix descending", DescribeLogStreamsRequest{LogGroupName: "g", LogStreamNamePrefix: "b", Descending: ptr(true)},
			[][]string{{"b2", "b1"}}},
		{"last event time", DescribeLogStreamsRequest{LogGroupName: "g", OrderBy: "LastEventTime"},
			[][]string{{"a2", "b2", "b1", "a3", "a1"}}},
		{"last event time descending paged", DescribeLogStreamsRequest{LogGroupName: "g", OrderBy: "LastEventTime", Descending: ptr(true), Limit: ptr(int32(2))},
			[][]string{{"a1", "a3"}, {"b1", "b2"}, {"a2"}}},
		{"identifier is an ARN", DescribeLogStreamsRequest{LogGroupIdentifier: "arn:aws:logs:eu-west-1:123456789012:log-group:g:*", LogStreamNamePrefix: "b"},
			[][]string{{"b1", "b2"}}},
		{"identifier is a name", DescribeLogStreamsRequest{LogGroupIdentifier: "g", LogStreamNamePrefix: "a3"},
			[][]string{{"a3"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			for i, want := range tt.pages {
				out, err := f.s.DescribeLogStreams(f.ctx, &in)
				if err != nil {
					t.Fatal(err)
				}
				if got := streamNames(out.LogStreams); !reflect.DeepEqual(got, want) {
					t.Fatalf("page %d = %v, want %v", i, got, want)
				}
				if last := i == len(tt.pages)-1; last != (out.NextToken == "") {
					t.Fatalf("page %d nextToken = %q", i, out.NextToken)
				}
				in.NextToken = out.NextToken
			}
		})
	}

	// A stream that gets newer events while paging moves, but paging by
	// name is unaffected and the time order never repeats a stream.
	page, _ := f.s.DescribeLogStreams(f.ctx, &DescribeLogStreamsRequest{LogGroupName: "g", Limit: ptr(int32(2))})
	f.createStream(t, "g", "a0")
	rest, _ := f.s.DescribeLogStreams(f.ctx, &DescribeLogStreamsRequest{LogGroupName: "g", NextToken: page.NextToken})
	if got := streamNames(rest.LogStreams); !reflect.DeepEqual(got, []string{"a3", "b1", "b2"}) {
		t.Errorf("page after insert = %v", got)
	}

	errs := []struct {
		name, code, msg string
		doc             map[string]any
	}{
		{"missing group", "ResourceNotFoundException", "The specified log group does not exist.",
			map[string]any{"logGroupName": "nope"}},
		{"order by time with prefix", "InvalidParameterException", "Cannot order by LastEventTime with a logStreamNamePrefix.",
			map[string]any{"logGroupName": "g", "orderBy": "LastEventTime", "logStreamNamePrefix": "a"}},
		{"name and identifier", "ValidationException", "LogGroup name and LogGroup ARN are mutually exclusive parameters.",
			map[string]any{"logGroupName": "g", "logGroupIdentifier": "g"}},
		{"neither name nor identifier", "InvalidParameterException", "",
			map[string]any{}},
		{"ARN of another account", "ResourceNotFoundException", "The specified log group does not exist.",
			map[string]any{"logGroupIdentifier": "arn:aws:logs:eu-west-1:999999999999:log-group:g"}},
		{"bad orderBy", "InvalidParameterException", "Member must satisfy enum value set: [LogStreamName, LastEventTime]",
			map[string]any{"logGroupName": "g", "orderBy": "Name"}},
		{"token of the other order", "InvalidParameterException", "The specified nextToken is invalid.",
			map[string]any{"logGroupName": "g", "orderBy": "LastEventTime", "nextToken": page.NextToken}},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.invoke("DescribeLogStreams", tt.doc)
			wantCode(t, err, tt.code, tt.msg)
		})
	}
}
