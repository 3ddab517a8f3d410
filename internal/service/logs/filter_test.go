package logs

import (
	"reflect"
	"slices"
	"testing"
	"time"
)

func TestFilterLogEvents(t *testing.T) {
	f := newFixture(t)
	f.createGroup(t, "g")
	for _, s := range []string{"app-1", "app-2", "web", "idle"} {
		f.createStream(t, "g", s)
	}
	t0 := f.now() - 60_000
	f.put(t, "g", "app-1", ev(t0, "ERROR disk full"), ev(t0+2, `{"level":"ERROR","latency":600}`), ev(t0+4, "INFO ok"))
	f.clk.Advance(time.Second)
	f.put(t, "g", "app-2", ev(t0+1, "WARN slow"), ev(t0+2, "ERROR timeout"), ev(t0+5, `{"level":"INFO","latency":100}`))
	f.clk.Advance(time.Second)
	f.put(t, "g", "web", ev(t0+3, "GET /index 200"), ev(t0+6, "GET /missing 404"))

	all := []string{"ERROR disk full", "WARN slow", `{"level":"ERROR","latency":600}`, "ERROR timeout",
		"GET /index 200", "INFO ok", `{"level":"INFO","latency":100}`, "GET /missing 404"}

	tests := []struct {
		name     string
		in       FilterLogEventsRequest
		want     []string
		searched []string
	}{
		{"everything interleaved", FilterLogEventsRequest{Interleaved: ptr(false)}, all,
			[]string{"app-1", "app-2", "idle", "web"}},
		{"term", FilterLogEventsRequest{FilterPattern: "ERROR"},
			[]string{"ERROR disk full", `{"level":"ERROR","latency":600}`, "ERROR timeout"}, nil},
		{"any term", FilterLogEventsRequest{FilterPattern: "?ERROR ?WARN"},
			[]string{"ERROR disk full", "WARN slow", `{"level":"ERROR","latency":600}`, "ERROR timeout"}, nil},
		{"json", FilterLogEventsRequest{FilterPattern: `{ $.latency > 500 }`},
			[]string{`{"level":"ERROR","latency":600}`}, nil},
		{"space delimited", FilterLogEventsRequest{FilterPattern: `[method, path, status=404]`},
			[]string{"GET /missing 404"}, nil},
		{"regex", FilterLogEventsRequest{FilterPattern: `%dis[k]%`},
			[]string{"ERROR disk full"}, nil},
		{"blank pattern", FilterLogEventsRequest{FilterPattern: `" "`}, all, nil},
		{"stream names", FilterLogEventsRequest{LogStreamNames: []string{"web", "nope", "web"}},
			[]string{"GET /index 200", "GET /missing 404"}, []string{"web"}},
		{"stream prefix", FilterLogEventsRequest{LogStreamNamePrefix: "app"},
			[]string{"ERROR disk full", "WARN slow", `{"level":"ERROR","latency":600}`, "ERROR timeout",
				"INFO ok", `{"level":"INFO","latency":100}`}, []string{"app-1", "app-2"}},
		{"time range inclusive", FilterLogEventsRequest{StartTime: ptr(t0 + 2), EndTime: ptr(t0 + 4)},
			all[2:6], nil},
		{"identifier", FilterLogEventsRequest{LogGroupIdentifier: "arn:aws:logs:eu-west-1:123456789012:log-group:g:*", FilterPattern: "WARN"},
			[]string{"WARN slow"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			if in.LogGroupIdentifier == "" {
				in.LogGroupName = "g"
			}
			out, err := f.s.FilterLogEvents(f.ctx, &in)
			if err != nil {
				t.Fatal(err)
			}
			if got := filteredMsgs(out.Events); !slices.Equal(got, tt.want) {
				t.Errorf("events = %q\nwant     %q", got, tt.want)
			}
			if out.NextToken != "" {
				t.Errorf("nextToken = %q", out.NextToken)
			}
			if tt.searched != nil {
				var names []string
				for _, s := range out.SearchedLogStreams {
					names = append(names, s.LogStreamName)
					if s.SearchedCompletely == nil || !*s.SearchedCompletely {
						t.Errorf("stream %s not searched completely", s.LogStreamName)
					}
				}
				if !reflect.DeepEqual(names, tt.searched) {
					t.Errorf("searched = %v, want %v", names, tt.searched)
				}
			}
		})
	}

	// Fields.
	out, err := f.s.FilterLogEvents(f.ctx, &FilterLogEventsRequest{LogGroupName: "g"})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, e := range out.Events {
		if len(e.EventId) != 56 || ids[e.EventId] {
			t.Errorf("event id %q (len %d, duplicate %v)", e.EventId, len(e.EventId), ids[e.EventId])
		}
		ids[e.EventId] = true
		if e.LogStreamName == "" || e.Timestamp == nil || e.IngestionTime == nil {
			t.Errorf("incomplete event %+v", e)
		}
	}
	if e := out.Events[3]; e.LogStreamName != "app-2" || *e.Timestamp != t0+2 || *e.IngestionTime != testStart.UnixMilli()+1000 {
		t.Errorf("event 3 = %+v", e)
	}

	// Paging, including between two events with the same timestamp.
	for _, limit := range []int32{1, 2, 3, 7} {
		in := FilterLogEventsRequest{LogGroupName: "g", Limit: ptr(limit)}
		var got []string
		for page := 0; ; page++ {
			out, err := f.s.FilterLogEvents(f.ctx, &in)
			if err != nil {
				t.Fatal(err)
			}
			if len(out.Events) > int(limit) {
				t.Fatalf("limit %d: page of %d", limit, len(out.Events))
			}
			got = append(got, filteredMsgs(out.Events)...)
			if out.NextToken == "" {
				break
			}
			incomplete := false
			for _, s := range out.SearchedLogStreams {
				incomplete = incomplete || !*s.SearchedCompletely
			}
			if !incomplete {
				t.Errorf("limit %d page %d: a nextToken but every stream searched completely", limit, page)
			}
			in.NextToken = out.NextToken
			if page > 20 {
				t.Fatal("paging does not end")
			}
		}
		if !slices.Equal(got, all) {
			t.Errorf("limit %d: paged events = %q", limit, got)
		}
	}

	errs := []struct {
		name, code, msg string
		doc             map[string]any
	}{
		{"invalid pattern", "InvalidParameterException", "Invalid filter pattern",
			map[string]any{"logGroupName": "g", "filterPattern": `{ $.level = }`}},
		{"names and prefix", "InvalidParameterException", "mutually exclusive",
			map[string]any{"logGroupName": "g", "logStreamNames": []any{"web"}, "logStreamNamePrefix": "w"}},
		{"bad token", "InvalidParameterException", "The specified nextToken is invalid.",
			map[string]any{"logGroupName": "g", "nextToken": "f/00/s"}},
		{"limit", "InvalidParameterException", "Value '10001' at 'limit'",
			map[string]any{"logGroupName": "g", "limit": int64(10001)}},
		{"missing group", "ResourceNotFoundException", "The specified log group does not exist.",
			map[string]any{"logGroupName": "nope"}},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.invoke("FilterLogEvents", tt.doc)
			wantCode(t, err, tt.code, tt.msg)
		})
	}
}

// TestFilterLogEventsManyMatches crosses the per-stream buffer size.
func TestFilterLogEventsManyMatches(t *testing.T) {
	f := newFixture(t)
	f.createGroup(t, "g")
	now := f.now()
	var a, b []InputLogEvent
	for i := range 1000 {
		a = append(a, ev(now-2000+int64(i)*2, "a"))
		b = append(b, ev(now-2000+int64(i)*2+1, "b"))
	}
	if err := f.s.Append(t.Context(), testAccount, testRegion, "g", "a", a); err != nil {
		t.Fatal(err)
	}
	if err := f.s.Append(t.Context(), testAccount, testRegion, "g", "b", b); err != nil {
		t.Fatal(err)
	}
	out, err := f.s.FilterLogEvents(f.ctx, &FilterLogEventsRequest{LogGroupName: "g", Limit: ptr(int32(1500))})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Events) != 1500 || out.NextToken == "" {
		t.Fatalf("%d events, token %q", len(out.Events), out.NextToken)
	}
	for i, e := range out.Events {
		if want := []string{"a", "b"}[i%2]; e.Message != want {
			t.Fatalf("event %d = %s, want %s", i, e.Message, want)
		}
	}
	rest, err := f.s.FilterLogEvents(f.ctx, &FilterLogEventsRequest{LogGroupName: "g", NextToken: out.NextToken})
	if err != nil || len(rest.Events) != 500 || rest.NextToken != "" {
		t.Fatalf("rest: %d events, token %q, %v", len(rest.Events), rest.NextToken, err)
	}
}
