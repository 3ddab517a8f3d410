package events

import (
	"context"
	"encoding/json"
	"testing"

	"hako/internal/clock"
	"hako/internal/engine"
	"hako/internal/eventbus"
	"hako/internal/protocol"
	"hako/internal/service"
)

// FuzzPutEvents feeds arbitrary entries to PutEvents: it never fails as a
// whole for an entry's content, every entry is either accepted (and then
// delivered to the catch-all rule's target as a valid JSON envelope
// carrying the entry's fields) or refused with an error code.
func FuzzPutEvents(f *testing.F) {
	f.Add("com.shop", "Order Placed", `{"total":1}`, "arn:aws:s3:::b")
	f.Add("aws.s3", "x", `{}`, "")
	f.Add("s", "d", `[1]`, "")
	f.Add("s", "d", `{"a":"\u00e9\ud83d\ude00"}`, "r")
	f.Add("", "", "", "")
	f.Add("s\x00", "d\xff", `{"a":1} `, "\xff") // invalid UTF-8 was once accepted and mangled
	eng := engine.NewMemory()
	defer eng.Close()
	clk := clock.NewFake(start)
	bus := eventbus.New(eventbus.Config{Engine: eng, Clock: clk}) // not started: deliveries stay queued
	s := New(service.Env{Engine: eng, Clock: clk, Bus: bus})
	ctx := protocol.WithCall(context.Background(), &protocol.Call{Account: acct, Region: region, Time: start})
	f.Fuzz(func(t *testing.T, source, detailType, detail, resource string) {
		// A fresh store each run keeps the queue scans short.
		if err := eng.Reset(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := s.PutRule(ctx, &PutRuleRequest{Name: "all", EventPattern: `{"source":[{"prefix":""}]}`}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.PutTargets(ctx, &PutTargetsRequest{Rule: "all", Targets: []Target{{Id: "t", Arn: lambdaFn}}}); err != nil {
			t.Fatal(err)
		}
		before, _ := bus.Pending(KindDeliver)
		e := PutEventsRequestEntry{Source: source, DetailType: detailType, Detail: detail}
		if resource != "" {
			e.Resources = []string{resource}
		}
		out, err := s.PutEvents(ctx, &PutEventsRequest{Entries: []PutEventsRequestEntry{e}})
		if err != nil {
			t.Fatalf("PutEvents failed as a whole: %v", err)
		}
		r := out.Entries[0]
		after, _ := bus.Pending(KindDeliver)
		if (r.EventId == "") == (r.ErrorCode == "") {
			t.Fatalf("entry result %+v", r)
		}
		if r.ErrorCode != "" {
			if len(after) != len(before) {
				t.Fatal("a refused entry was delivered")
			}
			return
		}
		if len(after) != len(before)+1 {
			t.Fatalf("%d deliveries for an accepted entry", len(after)-len(before))
		}
		var ev envelope
		var m *eventbus.Message
		for _, x := range after {
			var e envelope
			if json.Unmarshal(x.Payload, &e) == nil && e.ID == r.EventId {
				m, ev = x, e
			}
		}
		if m == nil || ev.Source != source || ev.DetailType != detailType || !json.Valid(ev.Detail) {
			t.Fatalf("delivered %v for %q %q %q", m, source, detailType, detail)
		}
	})
}
