package sts

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"hako/internal/protocol"
	"hako/internal/protocol/query"
)

// roundTrip serves one query request the way the server does: codec,
// model validation, handler, codec.
func roundTrip(t *testing.T, s *Service, call protocol.Call, form url.Values) (int, string) {
	t.Helper()
	api := s.APIs()[0]
	c := &call
	c.RequestID, c.API, c.ValidationCode = "req-1", api.Model(), api.ValidationCode
	if c.Account == "" {
		c.Account = "000000000000"
	}
	if c.Time.IsZero() {
		c.Time = t0
	}
	ctx := protocol.WithCall(t.Context(), c)
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	var codec query.Codec
	fail := func(err error) (int, string) {
		pe, ok := err.(*protocol.Error)
		if !ok {
			t.Fatalf("non-AWS error %v", err)
		}
		codec.EncodeError(c, w, pe)
		return w.Code, w.Body.String()
	}
	op, err := codec.Operation(c, r)
	if err != nil {
		return fail(err)
	}
	c.Op = op
	in, err := codec.Decode(c, r)
	if err != nil {
		return fail(err)
	}
	if verr := protocol.Validate(api.Model(), op.InputShape, in, api.ValidationCode); verr != nil {
		return fail(verr)
	}
	h := api.Handlers[op.Name]
	if h == nil {
		return fail(protocol.NotImplemented("sts", op.Name))
	}
	out, err := h(ctx, in)
	if err != nil {
		return fail(err)
	}
	codec.Encode(c, w, out)
	return w.Code, w.Body.String()
}

// Set HAKO_DUMP_WIRE=1 to print the bodies (to feed botocore's parser).
func TestWire(t *testing.T) {
	s, _ := newTest()
	dump := os.Getenv("HAKO_DUMP_WIRE") != ""
	code, body := roundTrip(t, s, protocol.Call{}, url.Values{"Action": {"GetCallerIdentity"}, "Version": {"2011-06-15"}})
	if dump {
		t.Log(body)
	}
	if code != 200 || !strings.Contains(body, "<Arn>arn:aws:iam::000000000000:root</Arn>") || !strings.Contains(body, "<UserId>000000000000</UserId>") {
		t.Fatalf("GetCallerIdentity %d %s", code, body)
	}
	code, body = roundTrip(t, s, protocol.Call{}, url.Values{"Action": {"AssumeRole"}, "RoleArn": {"arn:aws:iam::000000000000:role/r"}, "RoleSessionName": {"s1"}})
	if dump {
		t.Log(body)
	}
	if code != 200 || !strings.Contains(body, "<Expiration>2026-01-02T04:04:05") || !strings.Contains(body, "<Arn>arn:aws:sts::000000000000:assumed-role/r/s1</Arn>") {
		t.Fatalf("AssumeRole %d %s", code, body)
	}
	code, body = roundTrip(t, s, protocol.Call{}, url.Values{"Action": {"AssumeRole"}, "RoleArn": {"arn:aws:iam::000000000000:role/r"}, "RoleSessionName": {"Session1:2"}})
	if code != 400 || !strings.Contains(body, "<Code>ValidationError</Code>") || !strings.Contains(body, "roleSessionName") {
		t.Fatalf("AssumeRole bad session %d %s", code, body)
	}
	code, body = roundTrip(t, s, protocol.Call{}, url.Values{"Action": {"AssumeRoleWithWebIdentity"}, "RoleArn": {"arn:aws:iam::000000000000:role/r"}, "RoleSessionName": {"s1"}, "WebIdentityToken": {"tok-tok-tok"}})
	if code != 501 || !strings.Contains(body, "<Code>NotImplemented</Code>") {
		t.Fatalf("AssumeRoleWithWebIdentity %d %s", code, body)
	}
}
