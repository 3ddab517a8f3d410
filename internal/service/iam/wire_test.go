package iam

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
func roundTrip(t *testing.T, s *Service, form url.Values) (int, string) {
	t.Helper()
	api := s.APIs()[0]
	c := &protocol.Call{RequestID: "req-1", Account: acct, Region: "us-east-1", Time: t0, API: api.Model(), ValidationCode: api.ValidationCode}
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
		return fail(protocol.NotImplemented("iam", op.Name))
	}
	out, err := h(ctx, in)
	if err != nil {
		return fail(err)
	}
	codec.Encode(c, w, out)
	return w.Code, w.Body.String()
}

// What IAM's clients read off the wire: the policy document URL-encoded
// inside the XML, errors with AWS's codes and statuses. Set
// HAKO_DUMP_WIRE=1 to print the bodies (to feed botocore's parser).
func TestWire(t *testing.T) {
	s, _ := newTest(t)
	dump := os.Getenv("HAKO_DUMP_WIRE") != ""
	code, body := roundTrip(t, s, url.Values{
		"Action": {"CreateRole"}, "Version": {"2010-05-08"}, "RoleName": {"wire"},
		"AssumeRolePolicyDocument": {trust}, "Tags.member.1.Key": {"k"}, "Tags.member.1.Value": {"v"},
	})
	if dump {
		t.Log(body)
	}
	if code != 200 || !strings.Contains(body, "<AssumeRolePolicyDocument>%7B%22Version%22%3A%20%222012-10-17%22") ||
		!strings.Contains(body, "<CreateRoleResult><Role>") || strings.Contains(body, "MaxSessionDuration") {
		t.Fatalf("CreateRole %d %s", code, body)
	}
	code, body = roundTrip(t, s, url.Values{"Action": {"GetRole"}, "RoleName": {"wire"}})
	if dump {
		t.Log(body)
	}
	if code != 200 || !strings.Contains(body, "<RoleLastUsed></RoleLastUsed>") && !strings.Contains(body, "<RoleLastUsed/>") {
		t.Fatalf("GetRole %d %s", code, body)
	}
	code, body = roundTrip(t, s, url.Values{"Action": {"ListRoles"}, "PathPrefix": {"/nothing/"}})
	if dump {
		t.Log(body)
	}
	if code != 200 || !strings.Contains(body, "<IsTruncated>false</IsTruncated>") {
		t.Fatalf("ListRoles %d %s", code, body)
	}
	code, body = roundTrip(t, s, url.Values{"Action": {"GetRole"}, "RoleName": {"ghost"}})
	if code != 404 || !strings.Contains(body, "<Code>NoSuchEntity</Code>") || !strings.Contains(body, "<Type>Sender</Type>") {
		t.Fatalf("GetRole ghost %d %s", code, body)
	}
	code, body = roundTrip(t, s, url.Values{"Action": {"CreateRole"}, "RoleName": {"bad name"}, "AssumeRolePolicyDocument": {trust}})
	if code != 400 || !strings.Contains(body, "<Code>ValidationError</Code>") || !strings.Contains(body, "&apos;roleName&apos;") && !strings.Contains(body, "'roleName'") {
		t.Fatalf("CreateRole bad name %d %s", code, body)
	}
	code, body = roundTrip(t, s, url.Values{"Action": {"CreateRole"}, "RoleName": {"wire"}, "AssumeRolePolicyDocument": {trust}})
	if code != 409 || !strings.Contains(body, "<Code>EntityAlreadyExists</Code>") {
		t.Fatalf("CreateRole again %d %s", code, body)
	}
	code, body = roundTrip(t, s, url.Values{"Action": {"DeleteRole"}, "RoleName": {"wire"}})
	if code != 200 || !strings.Contains(body, "<DeleteRoleResponse") {
		t.Fatalf("DeleteRole %d %s", code, body)
	}
}
