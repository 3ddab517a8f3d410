package logs

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

func TestRetentionSweeper(t *testing.T) {
	f := newFixture(t)
	t0 := f.now()
	for _, g := range []string{"keep", "short"} {
		f.createGroup(t, g)
		f.createStream(t, g, "s")
		f.put(t, g, "s", ev(t0-20*hourMs, "h-20"), ev(t0-10*hourMs, "h-10"), ev(t0, "h0"))
	}
	// A second account and region with retention: the sweeper covers every
	// scope, not just the default one.
	if err := f.s.Append(t.Context(), "000000000000", "us-east-1", "other", "s",
		[]InputLogEvent{ev(t0-20*hourMs, "o-20"), ev(t0, "o0")}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.PutRetentionPolicy(t.Context(), &PutRetentionPolicyRequest{LogGroupName: "other", RetentionInDays: ptr(int32(1))}); err != nil {
		t.Fatal(err)
	}
	// More old events than one sweeping transaction deletes.
	var bulk []InputLogEvent
	for i := range sweepBatch + 2500 {
		bulk = append(bulk, ev(t0-23*hourMs+int64(i), fmt.Sprint(i)))
	}
	bulk = append(bulk, ev(t0, "bulk-new"))
	if err := f.s.Append(t.Context(), testAccount, testRegion, "short", "bulk", bulk); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.PutRetentionPolicy(f.ctx, &PutRetentionPolicyRequest{LogGroupName: "short", RetentionInDays: ptr(int32(1))}); err != nil {
		t.Fatal(err)
	}
	if err := f.s.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := f.s.Start(t.Context()); err == nil {
		t.Error("second Start succeeded")
	}
	defer f.s.Stop()

	otherMsgs := func() []string {
		out, err := f.s.GetLogEvents(t.Context(), &GetLogEventsRequest{LogGroupName: "other", LogStreamName: "s", StartFromHead: ptr(true)})
		if err != nil {
			t.Fatal(err)
		}
		return outMsgs(out.Events)
	}

	steps := []struct {
		advance     time.Duration
		short, keep []string
		other       []string
		bulkLeft    int
		firstEvent  int64
	}{
		// Nothing is a day old yet; the first sweep runs at +10 min.
		{10 * time.Minute, []string{"h-20", "h-10", "h0"}, []string{"h-20", "h-10", "h0"}, []string{"o-20", "o0"}, sweepBatch + 2501, t0 - 20*hourMs},
		// At +5h the -20h events are more than a day old.
		{5 * time.Hour, []string{"h-10", "h0"}, []string{"h-20", "h-10", "h0"}, []string{"o0"}, 1, t0 - 10*hourMs},
		// At +15h the -10h one goes too.
		{10 * time.Hour, []string{"h0"}, []string{"h-20", "h-10", "h0"}, []string{"o0"}, 1, t0},
	}
	for i, st := range steps {
		f.clk.Advance(st.advance)
		if got := allMessages(t, f, "short", "s"); !slices.Equal(got, st.short) {
			t.Errorf("step %d: short = %v, want %v", i, got, st.short)
		}
		if got := allMessages(t, f, "keep", "s"); !slices.Equal(got, st.keep) {
			t.Errorf("step %d: keep = %v, want %v", i, got, st.keep)
		}
		if got := otherMsgs(); !slices.Equal(got, st.other) {
			t.Errorf("step %d: other = %v, want %v", i, got, st.other)
		}
		if got := len(allMessages(t, f, "short", "bulk")); got != st.bulkLeft {
			t.Errorf("step %d: bulk has %d events, want %d", i, got, st.bulkLeft)
		}
		streams, err := f.s.DescribeLogStreams(f.ctx, &DescribeLogStreamsRequest{LogGroupName: "short", LogStreamNamePrefix: "s"})
		if err != nil {
			t.Fatal(err)
		}
		if ls := streams.LogStreams[0]; *ls.FirstEventTimestamp != st.firstEvent || *ls.LastEventTimestamp != t0 {
			t.Errorf("step %d: first/last event = %d/%d", i, *ls.FirstEventTimestamp, *ls.LastEventTimestamp)
		}
		groups, err := f.s.DescribeLogGroups(f.ctx, &DescribeLogGroupsRequest{LogGroupNamePrefix: "short"})
		if err != nil {
			t.Fatal(err)
		}
		var want int64
		for _, m := range append(st.short, allMessages(t, f, "short", "bulk")...) {
			want += int64(len(m))
		}
		if got := *groups.LogGroups[0].StoredBytes; got != want {
			t.Errorf("step %d: storedBytes = %d, want %d", i, got, want)
		}
	}

	// After Stop nothing is swept any more.
	if err := f.s.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := f.s.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.PutRetentionPolicy(f.ctx, &PutRetentionPolicyRequest{LogGroupName: "keep", RetentionInDays: ptr(int32(1))}); err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(48 * time.Hour)
	if got := allMessages(t, f, "keep", "s"); len(got) != 3 {
		t.Errorf("swept after Stop: %v", got)
	}
	// Sweep can still be run by hand.
	if err := f.s.Sweep(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := allMessages(t, f, "keep", "s"); len(got) != 0 {
		t.Errorf("manual sweep left %v", got)
	}
}
