package logs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"hako/internal/clock"
	"hako/internal/engine"
	"hako/internal/protocol"
	"hako/internal/service"
)

const (
	testAccount = "123456789012"
	testRegion  = "eu-west-1"
)

var testStart = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type fixture struct {
	s   *Service
	clk *clock.Fake
	eng engine.Engine
	ctx context.Context
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	eng := engine.NewMemory()
	t.Cleanup(func() { eng.Close() })
	clk := clock.NewFake(testStart)
	s := New(service.Env{Engine: eng, Clock: clk, Account: "000000000000", Region: "us-east-1"})
	ctx := protocol.WithCall(context.Background(), &protocol.Call{Account: testAccount, Region: testRegion, Time: testStart})
	return &fixture{s: s, clk: clk, eng: eng, ctx: ctx}
}

func (f *fixture) now() int64 { return f.clk.Now().UnixMilli() }

// invoke calls an operation the way the server does: through the registered
// handler, after the model's validation.
func (f *fixture) invoke(op string, doc map[string]any) (map[string]any, error) {
	api := f.s.APIs()[0]
	h, ok := api.Handlers[op]
	if !ok {
		return nil, protocol.NotImplemented("logs", op)
	}
	if verr := protocol.Validate(api.Model(), api.Model().Operations[op].InputShape, doc, api.ValidationCode); verr != nil {
		return nil, verr
	}
	return h(f.ctx, doc)
}

func (f *fixture) createGroup(t *testing.T, name string) {
	t.Helper()
	if _, err := f.s.CreateLogGroup(f.ctx, &CreateLogGroupRequest{LogGroupName: name}); err != nil {
		t.Fatalf("CreateLogGroup(%q): %v", name, err)
	}
}

func (f *fixture) createStream(t *testing.T, group, stream string) {
	t.Helper()
	if _, err := f.s.CreateLogStream(f.ctx, &CreateLogStreamRequest{LogGroupName: group, LogStreamName: stream}); err != nil {
		t.Fatalf("CreateLogStream(%q, %q): %v", group, stream, err)
	}
}

func (f *fixture) put(t *testing.T, group, stream string, events ...InputLogEvent) *PutLogEventsResponse {
	t.Helper()
	out, err := f.s.PutLogEvents(f.ctx, &PutLogEventsRequest{LogGroupName: group, LogStreamName: stream, LogEvents: events})
	if err != nil {
		t.Fatalf("PutLogEvents: %v", err)
	}
	return out
}

func ev(ts int64, msg string) InputLogEvent { return InputLogEvent{Timestamp: ptr(ts), Message: msg} }

// wantCode checks that err is an AWS error with the given code and, if msg
// is not empty, a message containing msg.
func wantCode(t *testing.T, err error, code, msg string) {
	t.Helper()
	var pe *protocol.Error
	if !errors.As(err, &pe) {
		t.Fatalf("error = %v, want %s", err, code)
	}
	if pe.Code != code {
		t.Fatalf("code = %s (%s), want %s", pe.Code, pe.Message, code)
	}
	if msg != "" && !strings.Contains(pe.Message, msg) {
		t.Fatalf("message = %q, want it to contain %q", pe.Message, msg)
	}
}

func messages[T any](events []T, msg func(T) string) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = msg(e)
	}
	return out
}

func outMsgs(events []OutputLogEvent) []string {
	return messages(events, func(e OutputLogEvent) string { return e.Message })
}

func filteredMsgs(events []FilteredLogEvent) []string {
	return messages(events, func(e FilteredLogEvent) string { return e.Message })
}

func seqMsgs(prefix string, from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf("%s%d", prefix, i))
	}
	return out
}

func TestAPIs(t *testing.T) {
	f := newFixture(t)
	apis := f.s.APIs()
	if len(apis) != 1 || f.s.Name() != "logs" {
		t.Fatalf("Name/APIs = %q/%d", f.s.Name(), len(apis))
	}
	api := apis[0]
	if api.ValidationCode != "InvalidParameterException" {
		t.Errorf("ValidationCode = %q", api.ValidationCode)
	}
	want := []string{"CreateLogGroup", "DeleteLogGroup", "DescribeLogGroups", "CreateLogStream",
		"DeleteLogStream", "DescribeLogStreams", "PutLogEvents", "GetLogEvents", "FilterLogEvents",
		"PutRetentionPolicy", "DeleteRetentionPolicy", "TagResource", "UntagResource",
		"ListTagsForResource", "TagLogGroup", "UntagLogGroup", "ListTagsLogGroup"}
	for _, op := range want {
		if api.Handlers[op] == nil {
			t.Errorf("no handler for %s", op)
		}
	}
	for op := range api.Handlers {
		if api.Model().Operations[op] == nil {
			t.Errorf("handler %s is not an operation of the model", op)
		}
	}
	if api.Handlers["StartLiveTail"] != nil {
		t.Error("StartLiveTail must answer NotImplemented")
	}
}

func TestKeyEncodingOrder(t *testing.T) {
	sc := scope{account: "a", region: "r"}
	names := []string{"a", "a\x00", "a\x00b", "a\x01", "ab", "b"}
	var keys []string
	for _, n := range names {
		keys = append(keys, string(sc.eventsPrefix(n, "s")))
	}
	if !slices.IsSorted(keys) {
		t.Errorf("escaped names do not sort like the names: %q", keys)
	}
	// No group's event range contains another group's keys.
	for i, n := range names {
		p := sc.groupEventsPrefix(n)
		end := engine.PrefixEnd(p)
		for j, k := range keys {
			in := k >= string(p) && k < string(end)
			if in != (i == j) {
				t.Errorf("group %q range contains %q = %v", n, names[j], in)
			}
		}
	}
	// Event keys order by timestamp (negative ones first), then seq.
	pf := sc.eventsPrefix("g", "s")
	ps := []pos{{-5, 1}, {-1, 9}, {0, 1}, {0, 2}, {1, 0}, {1 << 40, 3}}
	var eks []string
	for _, p := range ps {
		k := eventKey(pf, p)
		got, err := decodeEventKey(k)
		if err != nil || got != p {
			t.Errorf("decodeEventKey(eventKey(%v)) = %v, %v", p, got, err)
		}
		eks = append(eks, string(k))
	}
	if !slices.IsSorted(eks) {
		t.Error("event keys are not in (timestamp, seq) order")
	}
}

func TestEventsTokenRoundTrip(t *testing.T) {
	for _, p := range []pos{posMin, posMax, {0, 0}, {1700000000000, 42}, {-3, 7}} {
		for _, dir := range []byte{'f', 'b'} {
			tok := encodeEventsToken(dir, p)
			if len(tok) != 2+56+2 {
				t.Errorf("token %q has length %d", tok, len(tok))
			}
			d, got, err := decodeEventsToken(tok)
			if err != nil || d != dir || got != p {
				t.Errorf("decode(%q) = %c %v %v", tok, d, got, err)
			}
		}
	}
	for _, bad := range []string{"", "invalid-token", "f/123/s", "x/" + strings.Repeat("0", 56) + "/s", "f/" + strings.Repeat("a", 56) + "/s"} {
		if _, _, err := decodeEventsToken(bad); err == nil {
			t.Errorf("decode(%q) succeeded", bad)
		}
	}
}
