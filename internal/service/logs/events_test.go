package logs

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	hourMs = int64(time.Hour / time.Millisecond)
)

func TestPutLogEventsRules(t *testing.T) {
	f := newFixture(t)
	f.createGroup(t, "g")
	f.createStream(t, "g", "s")
	f.createGroup(t, "short")
	f.createStream(t, "short", "s")
	if _, err := f.s.PutRetentionPolicy(f.ctx, &PutRetentionPolicyRequest{LogGroupName: "short", RetentionInDays: ptr(int32(1))}); err != nil {
		t.Fatal(err)
	}
	now := f.now()
	big := strings.Repeat("x", 1048576-26) // exactly the limit with its overhead

	tests := []struct {
		name     string
		group    string
		events   []InputLogEvent
		code     string // whole call fails
		msg      string
		rejected *RejectedLogEventsInfo
		stored   []string // messages the stream gains
	}{
		{name: "accepted", group: "g", events: []InputLogEvent{ev(now-10, "a"), ev(now-10, "b"), ev(now, "c")},
			stored: []string{"a", "b", "c"}},
		{name: "out of order", group: "g", events: []InputLogEvent{ev(now, "a"), ev(now-2*24*hourMs, "b")},
			code: "InvalidParameterException", msg: "Log events in a single PutLogEvents request must be in chronological order."},
		{name: "one byte too large", group: "g", events: []InputLogEvent{ev(now, big+"y")},
			code: "InvalidParameterException", msg: "Upload too large: 1048577 bytes exceeds limit of 1048576"},
		{name: "largest batch", group: "g", events: []InputLogEvent{ev(now, big)},
			stored: []string{big}},
		{name: "many small events too large", group: "g", events: slices.Repeat([]InputLogEvent{ev(now, strings.Repeat("z", 100))}, 8400),
			code: "InvalidParameterException", msg: "Upload too large: 1058400 bytes exceeds limit of 1048576"},
		{name: "spans more than 24h", group: "g", events: []InputLogEvent{ev(now-24*hourMs-1, "a"), ev(now, "b")},
			code: "InvalidParameterException", msg: "cannot span more than 24 hours"},
		{name: "spans exactly 24h", group: "g", events: []InputLogEvent{ev(now-24*hourMs, "a"), ev(now, "b")},
			stored: []string{"a", "b"}},
		{name: "too old and too new", group: "g", events: []InputLogEvent{
			ev(now-14*24*hourMs-2, "old1"), ev(now-14*24*hourMs-1, "old2"), ev(now-14*24*hourMs, "edge"),
			ev(now, "ok"), ev(now+2*hourMs, "edge2"), ev(now+2*hourMs+1, "new")},
			code: "InvalidParameterException", msg: "cannot span more than 24 hours"},
		{name: "too old", group: "g", events: []InputLogEvent{
			ev(now-14*24*hourMs-2, "old1"), ev(now-14*24*hourMs-1, "old2"), ev(now-14*24*hourMs, "edge")},
			rejected: &RejectedLogEventsInfo{TooOldLogEventEndIndex: ptr(int32(2))}, stored: []string{"edge"}},
		{name: "too new", group: "g", events: []InputLogEvent{ev(now, "ok"), ev(now+2*hourMs, "edge"), ev(now+2*hourMs+1, "new")},
			rejected: &RejectedLogEventsInfo{TooNewLogEventStartIndex: ptr(int32(2))}, stored: []string{"ok", "edge"}},
		{name: "all too new", group: "g", events: []InputLogEvent{ev(now+3*hourMs, "new")},
			rejected: &RejectedLogEventsInfo{TooNewLogEventStartIndex: ptr(int32(0))}},
		{name: "expired by retention", group: "short", events: []InputLogEvent{
			ev(now-24*hourMs-5, "old"), ev(now-24*hourMs-1, "old2"), ev(now-hourMs, "ok")},
			rejected: &RejectedLogEventsInfo{ExpiredLogEventEndIndex: ptr(int32(2))}, stored: []string{"ok"}},
		{name: "too old and expired", group: "short", events: []InputLogEvent{
			ev(now-14*24*hourMs-10, "ancient"), ev(now-14*24*hourMs, "old"), ev(now-14*24*hourMs+hourMs, "old2")},
			rejected: &RejectedLogEventsInfo{TooOldLogEventEndIndex: ptr(int32(1)), ExpiredLogEventEndIndex: ptr(int32(3))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := allMessages(t, f, tt.group, "s")
			out, err := f.s.PutLogEvents(f.ctx, &PutLogEventsRequest{LogGroupName: tt.group, LogStreamName: "s",
				LogEvents: tt.events, SequenceToken: "anything-at-all"})
			after := allMessages(t, f, tt.group, "s")
			if tt.code != "" {
				wantCode(t, err, tt.code, tt.msg)
				if !reflect.DeepEqual(before, after) {
					t.Errorf("failed call changed the stream")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if out.NextSequenceToken == "" {
				t.Error("no nextSequenceToken")
			}
			if !reflect.DeepEqual(out.RejectedLogEventsInfo, tt.rejected) {
				t.Errorf("rejected = %+v, want %+v", deref(out.RejectedLogEventsInfo), deref(tt.rejected))
			}
			gained := after[len(before):]
			if len(after) < len(before) || !slices.Equal(before, after[:len(before)]) {
				gained = after // new events sorted before old ones; compare as sets below
				for _, m := range before {
					i := slices.Index(gained, m)
					gained = slices.Delete(gained, i, i+1)
				}
			}
			slices.Sort(gained)
			want := slices.Clone(tt.stored)
			slices.Sort(want)
			if len(gained) != len(want) || (len(want) > 0 && !slices.Equal(gained, want)) {
				t.Errorf("stored %d events %.40q, want %.40q", len(gained), gained, want)
			}
		})
	}

	t.Run("missing group and stream", func(t *testing.T) {
		_, err := f.s.PutLogEvents(f.ctx, &PutLogEventsRequest{LogGroupName: "nope", LogStreamName: "s", LogEvents: []InputLogEvent{ev(now, "x")}})
		wantCode(t, err, "ResourceNotFoundException", "The specified log group does not exist.")
		_, err = f.s.PutLogEvents(f.ctx, &PutLogEventsRequest{LogGroupName: "g", LogStreamName: "nope", LogEvents: []InputLogEvent{ev(now, "x")}})
		wantCode(t, err, "ResourceNotFoundException", "The specified log stream does not exist.")
	})
	t.Run("model limits", func(t *testing.T) {
		tooMany := make([]any, 10001)
		for i := range tooMany {
			tooMany[i] = map[string]any{"timestamp": now, "message": "m"}
		}
		_, err := f.invoke("PutLogEvents", map[string]any{"logGroupName": "g", "logStreamName": "s", "logEvents": tooMany})
		wantCode(t, err, "InvalidParameterException", "Member must have length less than or equal to 10000")
		_, err = f.invoke("PutLogEvents", map[string]any{"logGroupName": "g", "logStreamName": "s", "logEvents": []any{}})
		wantCode(t, err, "InvalidParameterException", "Member must have length greater than or equal to 1")
		_, err = f.invoke("PutLogEvents", map[string]any{"logGroupName": "g", "logStreamName": "s",
			"logEvents": []any{map[string]any{"timestamp": now, "message": ""}}})
		wantCode(t, err, "InvalidParameterException", "logEvents.1.member.message")
		doc, err := f.invoke("PutLogEvents", map[string]any{"logGroupName": "g", "logStreamName": "s",
			"logEvents": []any{map[string]any{"timestamp": now, "message": "wire"}}})
		if err != nil {
			t.Fatal(err)
		}
		if tok, _ := doc["nextSequenceToken"].(string); len(tok) != 56 {
			t.Errorf("nextSequenceToken = %q", tok)
		}
		if _, ok := doc["rejectedLogEventsInfo"]; ok {
			t.Errorf("rejectedLogEventsInfo present: %#v", doc)
		}
	})
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// allMessages reads a whole stream from the head.
func allMessages(t *testing.T, f *fixture, group, stream string) []string {
	t.Helper()
	var out []string
	in := &GetLogEventsRequest{LogGroupName: group, LogStreamName: stream, StartFromHead: ptr(true)}
	for {
		page, err := f.s.GetLogEvents(f.ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, outMsgs(page.Events)...)
		if page.NextForwardToken == in.NextToken {
			return out
		}
		in.NextToken = page.NextForwardToken
	}
}

func TestGetLogEventsPaging(t *testing.T) {
	f := newFixture(t)
	f.createGroup(t, "g")
	f.createStream(t, "g", "s")
	now := f.now()
	var batch []InputLogEvent
	for i := range 25 {
		batch = append(batch, ev(now-25_000+int64(i)*1000, fmt.Sprintf("m%d", i)))
	}
	f.put(t, "g", "s", batch...)

	get := func(in GetLogEventsRequest) *GetLogEventsResponse {
		t.Helper()
		in.LogGroupName, in.LogStreamName = "g", "s"
		out, err := f.s.GetLogEvents(f.ctx, &in)
		if err != nil {
			t.Fatal(err)
		}
		if out.NextForwardToken == "" || out.NextBackwardToken == "" {
			t.Fatalf("missing token: %+v", out)
		}
		return out
	}

	// From the head, forward.
	p := get(GetLogEventsRequest{StartFromHead: ptr(true), Limit: ptr(int32(10))})
	if got := outMsgs(p.Events); !slices.Equal(got, seqMsgs("m", 0, 10)) {
		t.Fatalf("head page = %v", got)
	}
	if !strings.HasPrefix(p.NextForwardToken, "f/") || !strings.HasPrefix(p.NextBackwardToken, "b/") {
		t.Errorf("tokens %q %q", p.NextForwardToken, p.NextBackwardToken)
	}
	fwd := []struct {
		want []string
	}{{seqMsgs("m", 10, 20)}, {seqMsgs("m", 20, 25)}, {nil}, {nil}}
	tok := p.NextForwardToken
	for i, step := range fwd {
		p = get(GetLogEventsRequest{NextToken: tok, Limit: ptr(int32(10))})
		if got := outMsgs(p.Events); !slices.Equal(got, step.want) {
			t.Fatalf("forward page %d = %v, want %v", i, got, step.want)
		}
		if step.want == nil && p.NextForwardToken != tok {
			t.Fatalf("exhausted forward token changed: %q -> %q", tok, p.NextForwardToken)
		}
		tok = p.NextForwardToken
	}
	// New events after the end are picked up by the same token (tailing).
	f.put(t, "g", "s", ev(now, "late"))
	p = get(GetLogEventsRequest{NextToken: tok})
	if got := outMsgs(p.Events); !slices.Equal(got, []string{"late"}) {
		t.Fatalf("tail = %v", got)
	}
	// Going back from there walks the older events, newest page first.
	p = get(GetLogEventsRequest{NextToken: p.NextBackwardToken, Limit: ptr(int32(10))})
	if got := outMsgs(p.Events); !slices.Equal(got, seqMsgs("m", 15, 25)) {
		t.Fatalf("back from tail = %v", got)
	}

	// Default: the newest events, then backward.
	p = get(GetLogEventsRequest{Limit: ptr(int32(10))})
	if got := outMsgs(p.Events); !slices.Equal(got, append(seqMsgs("m", 16, 25), "late")) {
		t.Fatalf("latest page = %v", got)
	}
	back := [][]string{seqMsgs("m", 6, 16), seqMsgs("m", 0, 6), nil, nil}
	tok = p.NextBackwardToken
	for i, want := range back {
		p = get(GetLogEventsRequest{NextToken: tok, Limit: ptr(int32(10))})
		if got := outMsgs(p.Events); !slices.Equal(got, want) {
			t.Fatalf("backward page %d = %v, want %v", i, got, want)
		}
		if want == nil && p.NextBackwardToken != tok {
			t.Fatalf("exhausted backward token changed")
		}
		tok = p.NextBackwardToken
	}
	// And forward again from the very beginning.
	p = get(GetLogEventsRequest{NextToken: p.NextForwardToken, Limit: ptr(int32(3))})
	if got := outMsgs(p.Events); !slices.Equal(got, seqMsgs("m", 0, 3)) {
		t.Fatalf("forward from head = %v", got)
	}

	// Time range: startTime inclusive, endTime exclusive.
	p = get(GetLogEventsRequest{StartTime: ptr(now - 20_000), EndTime: ptr(now - 17_000), StartFromHead: ptr(true)})
	if got := outMsgs(p.Events); !slices.Equal(got, seqMsgs("m", 5, 8)) {
		t.Fatalf("time range = %v", got)
	}
	p = get(GetLogEventsRequest{StartTime: ptr(now - 20_000), EndTime: ptr(now - 17_000), NextToken: p.NextForwardToken})
	if len(p.Events) != 0 {
		t.Fatalf("token leaves the time range: %v", outMsgs(p.Events))
	}

	// Fields and identifiers.
	arn := "arn:aws:logs:eu-west-1:123456789012:log-group:g"
	for _, id := range []string{arn, arn + ":*", "g"} {
		out, err := f.s.GetLogEvents(f.ctx, &GetLogEventsRequest{LogGroupIdentifier: id, LogStreamName: "s", Limit: ptr(int32(1)), StartFromHead: ptr(true)})
		if err != nil {
			t.Fatalf("identifier %q: %v", id, err)
		}
		want := OutputLogEvent{Timestamp: ptr(now - 25_000), Message: "m0", IngestionTime: ptr(now)}
		if len(out.Events) != 1 || !reflect.DeepEqual(out.Events[0], want) {
			t.Errorf("identifier %q: events %+v", id, out.Events)
		}
	}

	errs := []struct {
		name, code, msg string
		doc             map[string]any
	}{
		{"bad token", "InvalidParameterException", "The specified nextToken is invalid.",
			map[string]any{"logGroupName": "g", "logStreamName": "s", "nextToken": "invalid-token"}},
		{"limit", "InvalidParameterException", "1 validation error detected: Value '10001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 10000",
			map[string]any{"logGroupName": "g", "logStreamName": "s", "limit": int64(10001)}},
		{"missing group", "ResourceNotFoundException", "The specified log group does not exist.",
			map[string]any{"logGroupName": "nope", "logStreamName": "s"}},
		{"missing stream", "ResourceNotFoundException", "The specified log stream does not exist.",
			map[string]any{"logGroupName": "g", "logStreamName": "nope"}},
		{"name and ARN", "ValidationException", "LogGroup name and LogGroup ARN are mutually exclusive parameters.",
			map[string]any{"logGroupName": "g", "logGroupIdentifier": arn, "logStreamName": "s"}},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.invoke("GetLogEvents", tt.doc)
			wantCode(t, err, tt.code, tt.msg)
		})
	}
}

func TestGetLogEventsEmptyAndSize(t *testing.T) {
	f := newFixture(t)
	f.createGroup(t, "g")
	f.createStream(t, "g", "s")

	// An empty stream still answers both tokens, and its forward token
	// picks up what is written later.
	doc, err := f.invoke("GetLogEvents", map[string]any{"logGroupName": "g", "logStreamName": "s"})
	if err != nil {
		t.Fatal(err)
	}
	if l, ok := doc["events"].([]any); !ok || len(l) != 0 {
		t.Errorf("events = %#v", doc["events"])
	}
	fwd, _ := doc["nextForwardToken"].(string)
	if fwd == "" || doc["nextBackwardToken"] == nil {
		t.Fatalf("tokens missing: %#v", doc)
	}
	now := f.now()
	f.put(t, "g", "s", ev(now-1000, "a"), ev(now, "b"))
	out, err := f.s.GetLogEvents(f.ctx, &GetLogEventsRequest{LogGroupName: "g", LogStreamName: "s", NextToken: fwd})
	if err != nil || !slices.Equal(outMsgs(out.Events), []string{"a", "b"}) {
		t.Fatalf("after empty = %+v, %v", out, err)
	}

	// Without a limit a page stops at 1 MB.
	msg := strings.Repeat("x", 300_000)
	f.put(t, "g", "s", ev(now, msg), ev(now, msg))
	f.put(t, "g", "s", ev(now, msg), ev(now, msg))
	out, err = f.s.GetLogEvents(f.ctx, &GetLogEventsRequest{LogGroupName: "g", LogStreamName: "s", StartFromHead: ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Events) != 5 { // a, b and three big ones
		t.Errorf("1 MB page has %d events", len(out.Events))
	}
	out, _ = f.s.GetLogEvents(f.ctx, &GetLogEventsRequest{LogGroupName: "g", LogStreamName: "s", NextToken: out.NextForwardToken})
	if len(out.Events) != 1 {
		t.Errorf("second page has %d events", len(out.Events))
	}
}

func TestAppend(t *testing.T) {
	f := newFixture(t)
	now := f.now()
	// Unsorted, with empty lines, spanning more than 24 h and over 10,000
	// events: Append sorts, drops and splits.
	var events []InputLogEvent
	for i := range 12000 {
		events = append(events, ev(now-int64(i), fmt.Sprintf("e%05d", i)))
	}
	events = append(events, ev(now, ""), ev(now-30*hourMs, "day-old"), ev(now-13*24*hourMs, "old"), InputLogEvent{Message: "no timestamp"})
	if err := f.s.Append(t.Context(), testAccount, testRegion, "/aws/lambda/fn", "2026/03/01/[$LATEST]abc", events); err != nil {
		t.Fatal(err)
	}
	got := allMessages(t, f, "/aws/lambda/fn", "2026/03/01/[$LATEST]abc")
	if len(got) != 12003 {
		t.Fatalf("stored %d events", len(got))
	}
	if got[0] != "old" || got[1] != "day-old" || got[2] != "e11999" || got[12001] != "e00000" || got[12002] != "no timestamp" {
		t.Errorf("order: %v ... %v", got[:3], got[12000:])
	}
	// Equal timestamps keep their order.
	if err := f.s.Append(t.Context(), testAccount, testRegion, "/aws/lambda/fn", "s2",
		[]InputLogEvent{ev(now, "START"), ev(now, "line"), ev(now, "END"), ev(now-1, "before")}); err != nil {
		t.Fatal(err)
	}
	if got := allMessages(t, f, "/aws/lambda/fn", "s2"); !slices.Equal(got, []string{"before", "START", "line", "END"}) {
		t.Errorf("s2 = %v", got)
	}
	groups, _ := f.s.DescribeLogGroups(f.ctx, &DescribeLogGroupsRequest{})
	if len(groups.LogGroups) != 1 || groups.LogGroups[0].LogGroupClass != "STANDARD" {
		t.Errorf("groups = %+v", groups.LogGroups)
	}
	if err := f.s.Append(t.Context(), testAccount, testRegion, "", "s", events[:1]); err == nil {
		t.Error("Append without a group succeeded")
	}
}

// TestConcurrentPutLogEvents hammers one stream: every batch must succeed
// and every event must be stored exactly once.
func TestConcurrentPutLogEvents(t *testing.T) {
	f := newFixture(t)
	f.createGroup(t, "g")
	f.createStream(t, "g", "s")
	now := f.now()
	const writers, puts = 64, 20
	var wg sync.WaitGroup
	errs := make(chan error, writers*puts)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range puts {
				_, err := f.s.PutLogEvents(f.ctx, &PutLogEventsRequest{LogGroupName: "g", LogStreamName: "s",
					LogEvents: []InputLogEvent{ev(now-int64(i), fmt.Sprintf("w%02d-%02d", w, i))}})
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("PutLogEvents: %v", err)
	}
	out, err := f.s.GetLogEvents(f.ctx, &GetLogEventsRequest{LogGroupName: "g", LogStreamName: "s", StartFromHead: ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Events) != writers*puts {
		t.Fatalf("stored %d events, want %d", len(out.Events), writers*puts)
	}
	seen := map[string]bool{}
	for _, e := range out.Events {
		seen[e.Message] = true
	}
	if len(seen) != writers*puts {
		t.Errorf("%d distinct messages", len(seen))
	}
	if !slices.IsSortedFunc(out.Events, func(a, b OutputLogEvent) int { return int(*a.Timestamp - *b.Timestamp) }) {
		t.Error("events not in timestamp order")
	}
	sc := scope{account: testAccount, region: testRegion}
	st, err := getStream(f.eng, sc, "g", "s")
	if err != nil || st.Seq != writers*puts || st.Uploads != writers*puts {
		t.Errorf("stream record = %+v, %v", st, err)
	}
	filtered, err := f.s.FilterLogEvents(f.ctx, &FilterLogEventsRequest{LogGroupName: "g"})
	if err != nil || len(filtered.Events) != writers*puts {
		t.Errorf("FilterLogEvents found %d, %v", len(filtered.Events), err)
	}
}
