package iam

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"hako/internal/clock"
	"hako/internal/engine"
	"hako/internal/protocol"
	"hako/internal/protocol/model"
	"hako/internal/service"
	"hako/internal/service/sts"
)

var _ sts.RoleLookup = (*Service)(nil)

const acct = "000000000000"

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

const trust = `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}`

const allowAll = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

func newTest(t *testing.T) (*Service, context.Context) {
	t.Helper()
	eng := engine.NewMemory()
	t.Cleanup(func() { eng.Close() })
	s := New(service.Env{Engine: eng, Clock: clock.NewFake(t0), Account: acct, Region: "us-east-1"})
	return s, callCtx(protocol.Call{})
}

func callCtx(c protocol.Call) context.Context {
	if c.Account == "" {
		c.Account = acct
	}
	if c.Region == "" {
		c.Region = "eu-west-1" // IAM is global: the region must not matter
	}
	if c.Time.IsZero() {
		c.Time = t0
	}
	return protocol.WithCall(context.Background(), &c)
}

var iamModel = model.MustLoad("iam")

// wantErr checks an error's code, message (when msg is not "") and the HTTP
// status the model gives it.
func wantErr(t *testing.T, err error, code, msg string, status int) {
	t.Helper()
	var pe *protocol.Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T), want %s", err, err, code)
	}
	if pe.Code != code || (msg != "" && pe.Message != msg) {
		t.Fatalf("got %s: %s\nwant %s: %s", pe.Code, pe.Message, code, msg)
	}
	pe.Resolve(iamModel)
	if pe.Status != status {
		t.Fatalf("%s: status %d, want %d", code, pe.Status, status)
	}
}

// must returns v, or fails the test (by panicking: it takes a call's two
// results directly) when err is set.
func must[T any](v T, err error) T {
	if err != nil {
		panic(fmt.Sprintf("unexpected error: %v", err))
	}
	return v
}

func i32(v int32) *int32 { return &v }
func bp(v bool) *bool    { return &v }

func createRole(t *testing.T, s *Service, ctx context.Context, name, path string) *Role {
	t.Helper()
	return must(s.CreateRole(ctx, &CreateRoleRequest{RoleName: name, Path: path, AssumeRolePolicyDocument: trust})).Role
}

func TestService(t *testing.T) {
	s, _ := newTest(t)
	if s.Name() != "iam" {
		t.Fatalf("Name %q", s.Name())
	}
	apis := s.APIs()
	if len(apis) != 1 || apis[0].Model().Name != "iam" {
		t.Fatalf("APIs %+v", apis)
	}
	for name := range apis[0].Handlers {
		if apis[0].Model().Operations[name] == nil {
			t.Errorf("handler %s is not an operation of the model", name)
		}
	}
}

var (
	roleIDRe   = regexp.MustCompile(`^AROA[A-Z0-9]{17}$`)
	policyIDRe = regexp.MustCompile(`^ANPA[A-Z0-9]{17}$`)
)

func TestCreateAndGetRole(t *testing.T) {
	s, ctx := newTest(t)
	out := must(s.CreateRole(ctx, &CreateRoleRequest{
		RoleName:                 "Lambda-Exec",
		Path:                     "/service/",
		AssumeRolePolicyDocument: trust,
		Tags:                     []Tag{{Key: "team", Value: "a"}},
	})).Role
	if out.Arn != "arn:aws:iam::000000000000:role/service/Lambda-Exec" || out.Path != "/service/" || out.RoleName != "Lambda-Exec" {
		t.Errorf("role %+v", out)
	}
	if !roleIDRe.MatchString(out.RoleId) {
		t.Errorf("RoleId %q", out.RoleId)
	}
	if !out.CreateDate.Equal(t0) {
		t.Errorf("CreateDate %v", out.CreateDate)
	}
	// CreateRole echoes what was given: no MaxSessionDuration or
	// RoleLastUsed unless asked for, as AWS answers.
	doc := protocol.ToDoc(out)
	for _, absent := range []string{"MaxSessionDuration", "RoleLastUsed", "Description", "PermissionsBoundary"} {
		if _, ok := doc[absent]; ok {
			t.Errorf("CreateRole answered %s", absent)
		}
	}
	if len(out.Tags) != 1 {
		t.Errorf("Tags %v", out.Tags)
	}
	// The trust policy comes back URL-encoded, as AWS's query API answers.
	if strings.ContainsAny(out.AssumeRolePolicyDocument, " +{\"") {
		t.Errorf("document not encoded: %s", out.AssumeRolePolicyDocument)
	}
	if !strings.Contains(out.AssumeRolePolicyDocument, "%20") {
		t.Errorf("spaces must be %%20: %s", out.AssumeRolePolicyDocument)
	}
	if dec, err := url.PathUnescape(out.AssumeRolePolicyDocument); err != nil || dec != trust {
		t.Errorf("document decodes to %q, %v", dec, err)
	}

	// Names are found without regard to case.
	got := must(s.GetRole(ctx, &GetRoleRequest{RoleName: "lambda-exec"})).Role
	if got.RoleId != out.RoleId || got.RoleName != "Lambda-Exec" {
		t.Errorf("GetRole %+v", got)
	}
	if got.MaxSessionDuration == nil || *got.MaxSessionDuration != 3600 {
		t.Errorf("MaxSessionDuration %v", got.MaxSessionDuration)
	}
	if got.RoleLastUsed == nil {
		t.Error("GetRole without RoleLastUsed")
	}
	if d := protocol.ToDoc(got); d["RoleLastUsed"] == nil {
		t.Error("RoleLastUsed not in the document")
	}
	if len(got.Tags) != 1 || got.Tags[0].Key != "team" {
		t.Errorf("Tags %v", got.Tags)
	}

	// Everything given is kept.
	full := must(s.CreateRole(ctx, &CreateRoleRequest{
		RoleName: "full", AssumeRolePolicyDocument: trust, Description: "d", MaxSessionDuration: i32(7200),
		PermissionsBoundary: "arn:aws:iam::aws:policy/PowerUserAccess",
	})).Role
	if full.Path != "/" || full.Arn != "arn:aws:iam::000000000000:role/full" || full.Description != "d" ||
		full.MaxSessionDuration == nil || *full.MaxSessionDuration != 7200 ||
		full.PermissionsBoundary == nil || full.PermissionsBoundary.PermissionsBoundaryArn != "arn:aws:iam::aws:policy/PowerUserAccess" ||
		full.PermissionsBoundary.PermissionsBoundaryType != "PermissionsBoundaryPolicy" {
		t.Errorf("full role %+v", full)
	}

	// Roles belong to accounts.
	other := callCtx(protocol.Call{Account: "111111111111"})
	_, err := s.GetRole(other, &GetRoleRequest{RoleName: "full"})
	wantErr(t, err, "NoSuchEntity", "The role with name full cannot be found.", 404)
	createRole(t, s, other, "full", "")
}

func TestCreateRoleErrors(t *testing.T) {
	s, ctx := newTest(t)
	createRole(t, s, ctx, "taken", "")
	big := `{"Statement":[{"Effect":"Allow","Principal":{"Service":"` + strings.Repeat("x", 2048) + `"},"Action":"sts:AssumeRole"}]}`
	cases := []struct {
		name   string
		in     CreateRoleRequest
		code   string
		msg    string
		status int
	}{
		{"exists", CreateRoleRequest{RoleName: "TAKEN", AssumeRolePolicyDocument: trust}, "EntityAlreadyExists", "Role with name TAKEN already exists.", 409},
		{"invalid json", CreateRoleRequest{RoleName: "r", AssumeRolePolicyDocument: "{"}, "MalformedPolicyDocument", "This policy contains invalid Json", 400},
		{"not an object", CreateRoleRequest{RoleName: "r", AssumeRolePolicyDocument: "[]"}, "MalformedPolicyDocument", "Syntax errors in policy.", 400},
		{"no statement", CreateRoleRequest{RoleName: "r", AssumeRolePolicyDocument: `{"Version":"2012-10-17"}`}, "MalformedPolicyDocument", "Syntax errors in policy.", 400},
		{"too big", CreateRoleRequest{RoleName: "r", AssumeRolePolicyDocument: big}, "LimitExceeded", "Cannot exceed quota for ACLSizePerRole: 2048", 409},
		{"short session", CreateRoleRequest{RoleName: "r", AssumeRolePolicyDocument: trust, MaxSessionDuration: i32(3599)}, "ValidationError",
			"1 validation error detected: Value '3599' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600", 400},
		{"long session", CreateRoleRequest{RoleName: "r", AssumeRolePolicyDocument: trust, MaxSessionDuration: i32(43201)}, "ValidationError",
			"1 validation error detected: Value '43201' at 'maxSessionDuration' failed to satisfy constraint: Member must have value less than or equal to 43200", 400},
		{"bad path", CreateRoleRequest{RoleName: "r", Path: "nope", AssumeRolePolicyDocument: trust}, "ValidationError", "", 400},
		{"duplicate tags", CreateRoleRequest{RoleName: "r", AssumeRolePolicyDocument: trust, Tags: []Tag{{Key: "a", Value: "1"}, {Key: "A", Value: "2"}}}, "InvalidInput",
			"Duplicate tag keys found. Please note that Tag keys are case insensitive.", 400},
		{"bad boundary", CreateRoleRequest{RoleName: "r", AssumeRolePolicyDocument: trust, PermissionsBoundary: "arn:aws:s3:::bucket/thing"}, "InvalidInput",
			"ARN arn:aws:s3:::bucket/thing is not valid.", 400},
		{"missing boundary", CreateRoleRequest{RoleName: "r", AssumeRolePolicyDocument: trust, PermissionsBoundary: "arn:aws:iam::000000000000:policy/nope"}, "NoSuchEntity",
			"Scope ARN: arn:aws:iam::000000000000:policy/nope does not exist or is not attachable.", 404},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.CreateRole(ctx, &c.in)
			wantErr(t, err, c.code, c.msg, c.status)
		})
	}
	// Nothing was created by the failures.
	roles := must(s.ListRoles(ctx, &ListRolesRequest{})).Roles
	if len(roles) != 1 {
		t.Fatalf("roles after failures: %v", roles)
	}
	// A boundary that exists is fine.
	pol := must(s.CreatePolicy(ctx, &CreatePolicyRequest{PolicyName: "boundary", PolicyDocument: allowAll})).Policy
	if _, err := s.CreateRole(ctx, &CreateRoleRequest{RoleName: "bounded", AssumeRolePolicyDocument: trust, PermissionsBoundary: pol.Arn}); err != nil {
		t.Fatal(err)
	}
}

// The model's validation (run by the server before the handler) covers
// names, lengths and ranges with AWS's text.
func TestModelValidation(t *testing.T) {
	in := iamModel.Operations["CreateRole"].InputShape
	err := protocol.Validate(iamModel, in, map[string]any{"RoleName": "bad name!", "AssumeRolePolicyDocument": trust, "MaxSessionDuration": int64(60)}, "ValidationError")
	if err == nil || !strings.Contains(err.Message, "'roleName'") || !strings.Contains(err.Message, "'maxSessionDuration'") {
		t.Fatalf("got %v", err)
	}
	in = iamModel.Operations["ListRoles"].InputShape
	if err := protocol.Validate(iamModel, in, map[string]any{"MaxItems": int64(1001)}, "ValidationError"); err == nil {
		t.Fatal("MaxItems 1001 accepted")
	}
}

func TestGetRoleErrors(t *testing.T) {
	s, ctx := newTest(t)
	_, err := s.GetRole(ctx, &GetRoleRequest{RoleName: "ghost"})
	wantErr(t, err, "NoSuchEntity", "The role with name ghost cannot be found.", 404)
}

func TestDeleteRole(t *testing.T) {
	s, ctx := newTest(t)
	createRole(t, s, ctx, "r", "")
	must(s.PutRolePolicy(ctx, &PutRolePolicyRequest{RoleName: "r", PolicyName: "inline", PolicyDocument: allowAll}))
	must(s.AttachRolePolicy(ctx, &AttachRolePolicyRequest{RoleName: "r", PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess"}))

	_, err := s.DeleteRole(ctx, &DeleteRoleRequest{RoleName: "r"})
	wantErr(t, err, "DeleteConflict", "Cannot delete entity, must detach all policies first.", 409)
	must(s.DetachRolePolicy(ctx, &DetachRolePolicyRequest{RoleName: "r", PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess"}))
	_, err = s.DeleteRole(ctx, &DeleteRoleRequest{RoleName: "r"})
	wantErr(t, err, "DeleteConflict", "Cannot delete entity, must delete policies first.", 409)
	must(s.DeleteRolePolicy(ctx, &DeleteRolePolicyRequest{RoleName: "r", PolicyName: "inline"}))

	must(s.DeleteRole(ctx, &DeleteRoleRequest{RoleName: "R"}))
	_, err = s.GetRole(ctx, &GetRoleRequest{RoleName: "r"})
	wantErr(t, err, "NoSuchEntity", "", 404)
	_, err = s.DeleteRole(ctx, &DeleteRoleRequest{RoleName: "r"})
	wantErr(t, err, "NoSuchEntity", "The role with name r cannot be found.", 404)
	// The name is free again.
	createRole(t, s, ctx, "r", "")
}

func TestListRoles(t *testing.T) {
	s, ctx := newTest(t)
	empty := must(s.ListRoles(ctx, &ListRolesRequest{}))
	if empty.Roles == nil || len(empty.Roles) != 0 || empty.IsTruncated == nil || *empty.IsTruncated {
		t.Fatalf("empty listing %+v", empty)
	}
	for i := range 5 {
		createRole(t, s, ctx, fmt.Sprintf("app-%d", i), "/app/")
	}
	createRole(t, s, ctx, "other", "/other/")
	must(s.TagRole(ctx, &TagRoleRequest{RoleName: "app-0", Tags: []Tag{{Key: "k", Value: "v"}}}))

	all := must(s.ListRoles(ctx, &ListRolesRequest{}))
	if len(all.Roles) != 6 || *all.IsTruncated || all.Marker != "" {
		t.Fatalf("all: %d roles, truncated %v", len(all.Roles), *all.IsTruncated)
	}
	r := all.Roles[0]
	if r.RoleName != "app-0" || r.Tags != nil || r.RoleLastUsed != nil || r.MaxSessionDuration == nil || *r.MaxSessionDuration != 3600 || r.AssumeRolePolicyDocument == "" {
		t.Errorf("listed role %+v", r)
	}

	var names []string
	marker := ""
	pages := 0
	for {
		out := must(s.ListRoles(ctx, &ListRolesRequest{PathPrefix: "/app/", Marker: marker, MaxItems: i32(2)}))
		pages++
		for _, r := range out.Roles {
			names = append(names, r.RoleName)
		}
		if !*out.IsTruncated {
			if out.Marker != "" {
				t.Fatal("marker on the last page")
			}
			break
		}
		marker = out.Marker
	}
	if pages != 3 || strings.Join(names, ",") != "app-0,app-1,app-2,app-3,app-4" {
		t.Fatalf("%d pages: %v", pages, names)
	}
	// A page that ends exactly at the last match is not truncated.
	out := must(s.ListRoles(ctx, &ListRolesRequest{PathPrefix: "/other/", MaxItems: i32(1)}))
	if len(out.Roles) != 1 || *out.IsTruncated {
		t.Fatalf("exact page %+v", out)
	}

	_, err := s.ListRoles(ctx, &ListRolesRequest{Marker: "!!!"})
	wantErr(t, err, "InvalidInput", "", 400)
	_, err = s.ListRoles(ctx, &ListRolesRequest{MaxItems: i32(0)})
	wantErr(t, err, "ValidationError", "", 400)
}

func TestUpdateRole(t *testing.T) {
	s, ctx := newTest(t)
	createRole(t, s, ctx, "r", "")
	must(s.UpdateRole(ctx, &UpdateRoleRequest{RoleName: "r", Description: "first", MaxSessionDuration: i32(43200)}))
	got := must(s.GetRole(ctx, &GetRoleRequest{RoleName: "r"})).Role
	if got.Description != "first" || *got.MaxSessionDuration != 43200 {
		t.Fatalf("after UpdateRole %+v", got)
	}
	// Leaving members out leaves them alone.
	must(s.UpdateRole(ctx, &UpdateRoleRequest{RoleName: "r"}))
	got = must(s.GetRole(ctx, &GetRoleRequest{RoleName: "r"})).Role
	if got.Description != "first" || *got.MaxSessionDuration != 43200 {
		t.Fatalf("after empty UpdateRole %+v", got)
	}
	_, err := s.UpdateRole(ctx, &UpdateRoleRequest{RoleName: "ghost"})
	wantErr(t, err, "NoSuchEntity", "The role with name ghost cannot be found.", 404)
	_, err = s.UpdateRole(ctx, &UpdateRoleRequest{RoleName: "r", MaxSessionDuration: i32(100)})
	wantErr(t, err, "ValidationError", "", 400)

	desc := must(s.UpdateRoleDescription(ctx, &UpdateRoleDescriptionRequest{RoleName: "R", Description: "second"})).Role
	if desc.Description != "second" || desc.RoleName != "r" {
		t.Fatalf("UpdateRoleDescription %+v", desc)
	}
	_, err = s.UpdateRoleDescription(ctx, &UpdateRoleDescriptionRequest{RoleName: "ghost", Description: "x"})
	wantErr(t, err, "NoSuchEntity", "", 404)
}

func TestUpdateAssumeRolePolicy(t *testing.T) {
	s, ctx := newTest(t)
	createRole(t, s, ctx, "r", "")
	newTrust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}]}`
	must(s.UpdateAssumeRolePolicy(ctx, &UpdateAssumeRolePolicyRequest{RoleName: "r", PolicyDocument: newTrust}))
	got := must(s.GetRole(ctx, &GetRoleRequest{RoleName: "r"})).Role
	if dec, _ := url.PathUnescape(got.AssumeRolePolicyDocument); dec != newTrust {
		t.Fatalf("trust policy %s", dec)
	}
	_, err := s.UpdateAssumeRolePolicy(ctx, &UpdateAssumeRolePolicyRequest{RoleName: "r", PolicyDocument: "nope"})
	wantErr(t, err, "MalformedPolicyDocument", "This policy contains invalid Json", 400)
	_, err = s.UpdateAssumeRolePolicy(ctx, &UpdateAssumeRolePolicyRequest{RoleName: "ghost", PolicyDocument: newTrust})
	wantErr(t, err, "NoSuchEntity", "The role with name ghost cannot be found.", 404)
}

func TestInlinePolicies(t *testing.T) {
	s, ctx := newTest(t)
	createRole(t, s, ctx, "r", "")
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/a b%2F"}]}`
	must(s.PutRolePolicy(ctx, &PutRolePolicyRequest{RoleName: "R", PolicyName: "read", PolicyDocument: doc}))
	must(s.PutRolePolicy(ctx, &PutRolePolicyRequest{RoleName: "r", PolicyName: "all", PolicyDocument: allowAll}))

	got := must(s.GetRolePolicy(ctx, &GetRolePolicyRequest{RoleName: "R", PolicyName: "read"}))
	if got.RoleName != "r" || got.PolicyName != "read" {
		t.Errorf("GetRolePolicy %+v", got)
	}
	// One layer of encoding over the document as given (its own %2F
	// survives), which is what botocore's unquote undoes.
	if dec, err := url.PathUnescape(got.PolicyDocument); err != nil || dec != doc {
		t.Errorf("document %q decodes to %q", got.PolicyDocument, dec)
	}

	// Put replaces.
	must(s.PutRolePolicy(ctx, &PutRolePolicyRequest{RoleName: "r", PolicyName: "read", PolicyDocument: allowAll}))
	got = must(s.GetRolePolicy(ctx, &GetRolePolicyRequest{RoleName: "r", PolicyName: "read"}))
	if dec, _ := url.PathUnescape(got.PolicyDocument); dec != allowAll {
		t.Errorf("replaced document %s", dec)
	}

	list := must(s.ListRolePolicies(ctx, &ListRolePoliciesRequest{RoleName: "r"}))
	if strings.Join(list.PolicyNames, ",") != "all,read" || *list.IsTruncated {
		t.Errorf("ListRolePolicies %+v", list)
	}
	list = must(s.ListRolePolicies(ctx, &ListRolePoliciesRequest{RoleName: "r", MaxItems: i32(1)}))
	if strings.Join(list.PolicyNames, ",") != "all" || !*list.IsTruncated {
		t.Errorf("first page %+v", list)
	}
	list = must(s.ListRolePolicies(ctx, &ListRolePoliciesRequest{RoleName: "r", MaxItems: i32(1), Marker: list.Marker}))
	if strings.Join(list.PolicyNames, ",") != "read" || *list.IsTruncated {
		t.Errorf("second page %+v", list)
	}

	_, err := s.PutRolePolicy(ctx, &PutRolePolicyRequest{RoleName: "ghost", PolicyName: "p", PolicyDocument: allowAll})
	wantErr(t, err, "NoSuchEntity", "The role with name ghost cannot be found.", 404)
	_, err = s.PutRolePolicy(ctx, &PutRolePolicyRequest{RoleName: "r", PolicyName: "p", PolicyDocument: "{"})
	wantErr(t, err, "MalformedPolicyDocument", "This policy contains invalid Json", 400)
	_, err = s.GetRolePolicy(ctx, &GetRolePolicyRequest{RoleName: "r", PolicyName: "nope"})
	wantErr(t, err, "NoSuchEntity", "The role policy with name nope cannot be found.", 404)
	_, err = s.GetRolePolicy(ctx, &GetRolePolicyRequest{RoleName: "ghost", PolicyName: "read"})
	wantErr(t, err, "NoSuchEntity", "The role with name ghost cannot be found.", 404)
	_, err = s.ListRolePolicies(ctx, &ListRolePoliciesRequest{RoleName: "ghost"})
	wantErr(t, err, "NoSuchEntity", "The role with name ghost cannot be found.", 404)
	_, err = s.DeleteRolePolicy(ctx, &DeleteRolePolicyRequest{RoleName: "r", PolicyName: "nope"})
	wantErr(t, err, "NoSuchEntity", "The role policy with name nope cannot be found.", 404)
	_, err = s.DeleteRolePolicy(ctx, &DeleteRolePolicyRequest{RoleName: "ghost", PolicyName: "read"})
	wantErr(t, err, "NoSuchEntity", "The role with name ghost cannot be found.", 404)

	// The inline policies of a role share 10240 characters (whitespace not
	// counted); replacing a policy counts its new size only.
	chunk := func(n int) string {
		return `{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + strings.Repeat("x", n) + `"}]}`
	}
	createRole(t, s, ctx, "full", "")
	must(s.PutRolePolicy(ctx, &PutRolePolicyRequest{RoleName: "full", PolicyName: "a", PolicyDocument: chunk(5000)}))
	must(s.PutRolePolicy(ctx, &PutRolePolicyRequest{RoleName: "full", PolicyName: "a", PolicyDocument: chunk(5000)}))
	_, err = s.PutRolePolicy(ctx, &PutRolePolicyRequest{RoleName: "full", PolicyName: "b", PolicyDocument: chunk(5200)})
	wantErr(t, err, "LimitExceeded", "Maximum policy size of 10240 bytes exceeded for role full", 409)

	must(s.DeleteRolePolicy(ctx, &DeleteRolePolicyRequest{RoleName: "r", PolicyName: "read"}))
	list = must(s.ListRolePolicies(ctx, &ListRolePoliciesRequest{RoleName: "r"}))
	if strings.Join(list.PolicyNames, ",") != "all" {
		t.Errorf("after delete %+v", list)
	}
}

func TestAttachedPolicies(t *testing.T) {
	s, ctx := newTest(t)
	createRole(t, s, ctx, "r", "")
	pol := must(s.CreatePolicy(ctx, &CreatePolicyRequest{PolicyName: "mine", Path: "/team/", PolicyDocument: allowAll})).Policy
	const basic = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"

	must(s.AttachRolePolicy(ctx, &AttachRolePolicyRequest{RoleName: "r", PolicyArn: basic}))
	must(s.AttachRolePolicy(ctx, &AttachRolePolicyRequest{RoleName: "R", PolicyArn: pol.Arn}))
	must(s.AttachRolePolicy(ctx, &AttachRolePolicyRequest{RoleName: "r", PolicyArn: pol.Arn})) // again: no change

	if got := must(s.GetPolicy(ctx, &GetPolicyRequest{PolicyArn: pol.Arn})).Policy; *got.AttachmentCount != 1 {
		t.Errorf("AttachmentCount %d", *got.AttachmentCount)
	}
	if got := must(s.GetPolicy(ctx, &GetPolicyRequest{PolicyArn: basic})).Policy; *got.AttachmentCount != 1 || got.PolicyName != "AWSLambdaBasicExecutionRole" || got.Path != "/service-role/" {
		t.Errorf("AWS managed policy %+v", got)
	}

	list := must(s.ListAttachedRolePolicies(ctx, &ListAttachedRolePoliciesRequest{RoleName: "r"}))
	if len(list.AttachedPolicies) != 2 || *list.IsTruncated {
		t.Fatalf("attached %+v", list)
	}
	names := map[string]string{}
	for _, a := range list.AttachedPolicies {
		names[a.PolicyName] = a.PolicyArn
	}
	if names["mine"] != pol.Arn || names["AWSLambdaBasicExecutionRole"] != basic {
		t.Errorf("attached %v", names)
	}
	list = must(s.ListAttachedRolePolicies(ctx, &ListAttachedRolePoliciesRequest{RoleName: "r", PathPrefix: "/team/"}))
	if len(list.AttachedPolicies) != 1 || list.AttachedPolicies[0].PolicyName != "mine" {
		t.Errorf("PathPrefix /team/: %+v", list)
	}
	list = must(s.ListAttachedRolePolicies(ctx, &ListAttachedRolePoliciesRequest{RoleName: "r", MaxItems: i32(1)}))
	if len(list.AttachedPolicies) != 1 || !*list.IsTruncated {
		t.Errorf("first page %+v", list)
	}
	list = must(s.ListAttachedRolePolicies(ctx, &ListAttachedRolePoliciesRequest{RoleName: "r", MaxItems: i32(1), Marker: list.Marker}))
	if len(list.AttachedPolicies) != 1 || *list.IsTruncated {
		t.Errorf("second page %+v", list)
	}

	cases := []struct {
		name   string
		role   string
		arn    string
		code   string
		msg    string
		status int
	}{
		{"not an arn", "r", "longpolicynamebutnoarn", "ValidationError", "Invalid ARN:  Could not be parsed!", 400},
		{"a name", "r", "mine", "ValidationError", "Invalid ARN:  Could not be parsed!", 400},
		{"missing", "r", pol.Arn + "123", "NoSuchEntity", "Policy " + pol.Arn + "123 does not exist or is not attachable.", 404},
		{"wrong path", "r", "arn:aws:iam::000000000000:policy/mine", "NoSuchEntity", "Policy arn:aws:iam::000000000000:policy/mine does not exist or is not attachable.", 404},
		{"other account", "r", "arn:aws:iam::111111111111:policy/team/mine", "NoSuchEntity", "", 404},
		{"no role", "ghost", basic, "NoSuchEntity", "The role with name ghost cannot be found.", 404},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.AttachRolePolicy(ctx, &AttachRolePolicyRequest{RoleName: c.role, PolicyArn: c.arn})
			wantErr(t, err, c.code, c.msg, c.status)
		})
	}

	// Ten attached policies per role.
	for i := 2; i < 10; i++ {
		must(s.AttachRolePolicy(ctx, &AttachRolePolicyRequest{RoleName: "r", PolicyArn: fmt.Sprintf("arn:aws:iam::aws:policy/P%d", i)}))
	}
	_, err := s.AttachRolePolicy(ctx, &AttachRolePolicyRequest{RoleName: "r", PolicyArn: "arn:aws:iam::aws:policy/P10"})
	wantErr(t, err, "LimitExceeded", "Cannot exceed quota for PoliciesPerRole: 10", 409)

	// Detach.
	must(s.DetachRolePolicy(ctx, &DetachRolePolicyRequest{RoleName: "r", PolicyArn: pol.Arn}))
	if got := must(s.GetPolicy(ctx, &GetPolicyRequest{PolicyArn: pol.Arn})).Policy; *got.AttachmentCount != 0 {
		t.Errorf("AttachmentCount after detach %d", *got.AttachmentCount)
	}
	_, err = s.DetachRolePolicy(ctx, &DetachRolePolicyRequest{RoleName: "r", PolicyArn: pol.Arn})
	wantErr(t, err, "NoSuchEntity", "Policy "+pol.Arn+" was not found.", 404)
	_, err = s.DetachRolePolicy(ctx, &DetachRolePolicyRequest{RoleName: "r", PolicyArn: "nope"})
	wantErr(t, err, "ValidationError", "Invalid ARN:  Could not be parsed!", 400)
	_, err = s.DetachRolePolicy(ctx, &DetachRolePolicyRequest{RoleName: "ghost", PolicyArn: basic})
	wantErr(t, err, "NoSuchEntity", "The role with name ghost cannot be found.", 404)
	_, err = s.ListAttachedRolePolicies(ctx, &ListAttachedRolePoliciesRequest{RoleName: "ghost"})
	wantErr(t, err, "NoSuchEntity", "The role with name ghost cannot be found.", 404)
}

func TestRoleTags(t *testing.T) {
	s, ctx := newTest(t)
	must(s.CreateRole(ctx, &CreateRoleRequest{RoleName: "r", AssumeRolePolicyDocument: trust, Tags: []Tag{{Key: "Env", Value: "dev"}}}))
	must(s.TagRole(ctx, &TagRoleRequest{RoleName: "r", Tags: []Tag{{Key: "env", Value: "prod"}, {Key: "team", Value: "a"}}}))
	tags := must(s.ListRoleTags(ctx, &ListRoleTagsRequest{RoleName: "R"}))
	if fmt.Sprint(tags.Tags) != "[{env prod} {team a}]" || *tags.IsTruncated {
		t.Fatalf("tags %+v", tags)
	}
	page := must(s.ListRoleTags(ctx, &ListRoleTagsRequest{RoleName: "r", MaxItems: i32(1)}))
	if fmt.Sprint(page.Tags) != "[{env prod}]" || !*page.IsTruncated {
		t.Fatalf("first page %+v", page)
	}
	page = must(s.ListRoleTags(ctx, &ListRoleTagsRequest{RoleName: "r", MaxItems: i32(1), Marker: page.Marker}))
	if fmt.Sprint(page.Tags) != "[{team a}]" || *page.IsTruncated {
		t.Fatalf("second page %+v", page)
	}
	must(s.UntagRole(ctx, &UntagRoleRequest{RoleName: "r", TagKeys: []string{"ENV", "absent"}}))
	tags = must(s.ListRoleTags(ctx, &ListRoleTagsRequest{RoleName: "r"}))
	if fmt.Sprint(tags.Tags) != "[{team a}]" {
		t.Fatalf("after untag %+v", tags)
	}
	must(s.UntagRole(ctx, &UntagRoleRequest{RoleName: "r", TagKeys: []string{"team"}}))
	tags = must(s.ListRoleTags(ctx, &ListRoleTagsRequest{RoleName: "r"}))
	if tags.Tags == nil || len(tags.Tags) != 0 {
		t.Fatalf("no tags must be an empty list: %+v", tags)
	}

	var many []Tag
	for i := range 50 {
		many = append(many, Tag{Key: fmt.Sprintf("k%d", i), Value: "v"})
	}
	must(s.TagRole(ctx, &TagRoleRequest{RoleName: "r", Tags: many}))
	_, err := s.TagRole(ctx, &TagRoleRequest{RoleName: "r", Tags: []Tag{{Key: "one-more", Value: "v"}}})
	wantErr(t, err, "LimitExceeded", "The number of tags has reached the maximum limit.", 409)
	_, err = s.TagRole(ctx, &TagRoleRequest{RoleName: "r", Tags: []Tag{{Key: "a", Value: "1"}, {Key: "A", Value: "2"}}})
	wantErr(t, err, "InvalidInput", "", 400)
	_, err = s.TagRole(ctx, &TagRoleRequest{RoleName: "ghost", Tags: []Tag{{Key: "a", Value: "1"}}})
	wantErr(t, err, "NoSuchEntity", "The role with name ghost cannot be found.", 404)
	_, err = s.UntagRole(ctx, &UntagRoleRequest{RoleName: "ghost", TagKeys: []string{"a"}})
	wantErr(t, err, "NoSuchEntity", "The role with name ghost cannot be found.", 404)
	_, err = s.ListRoleTags(ctx, &ListRoleTagsRequest{RoleName: "ghost"})
	wantErr(t, err, "NoSuchEntity", "The role with name ghost cannot be found.", 404)
	_, err = s.ListRoleTags(ctx, &ListRoleTagsRequest{RoleName: "r", Marker: "garbage"})
	wantErr(t, err, "InvalidInput", "", 400)
}

func TestManagedPolicies(t *testing.T) {
	s, ctx := newTest(t)
	out := must(s.CreatePolicy(ctx, &CreatePolicyRequest{
		PolicyName: "Deploy", Path: "/ci/", PolicyDocument: allowAll, Description: "deploys", Tags: []Tag{{Key: "a", Value: "b"}},
	})).Policy
	if out.Arn != "arn:aws:iam::000000000000:policy/ci/Deploy" || out.DefaultVersionId != "v1" || !policyIDRe.MatchString(out.PolicyId) ||
		*out.AttachmentCount != 0 || *out.PermissionsBoundaryUsageCount != 0 || !*out.IsAttachable || out.Path != "/ci/" ||
		!out.CreateDate.Equal(t0) || !out.UpdateDate.Equal(t0) || len(out.Tags) != 1 {
		t.Fatalf("CreatePolicy %+v", out)
	}
	got := must(s.GetPolicy(ctx, &GetPolicyRequest{PolicyArn: out.Arn})).Policy
	if got.PolicyId != out.PolicyId || got.Description != "deploys" || len(got.Tags) != 1 {
		t.Fatalf("GetPolicy %+v", got)
	}
	v := must(s.GetPolicyVersion(ctx, &GetPolicyVersionRequest{PolicyArn: out.Arn, VersionId: "v1"})).PolicyVersion
	if dec, _ := url.PathUnescape(v.Document); dec != allowAll || v.VersionId != "v1" || !*v.IsDefaultVersion {
		t.Fatalf("GetPolicyVersion %+v", v)
	}
	_, err := s.GetPolicyVersion(ctx, &GetPolicyVersionRequest{PolicyArn: out.Arn, VersionId: "v2"})
	wantErr(t, err, "NoSuchEntity", "", 404)

	_, err = s.CreatePolicy(ctx, &CreatePolicyRequest{PolicyName: "deploy", PolicyDocument: allowAll})
	wantErr(t, err, "EntityAlreadyExists", "A policy called deploy already exists. Duplicate names are not allowed.", 409)
	_, err = s.CreatePolicy(ctx, &CreatePolicyRequest{PolicyName: "p", PolicyDocument: "{"})
	wantErr(t, err, "MalformedPolicyDocument", "This policy contains invalid Json", 400)
	_, err = s.CreatePolicy(ctx, &CreatePolicyRequest{PolicyName: "p", PolicyDocument: `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"` + strings.Repeat("x", 6144) + `"}]}`})
	wantErr(t, err, "LimitExceeded", "Cannot exceed quota for PolicySize: 6144", 409)
	_, err = s.CreatePolicy(ctx, &CreatePolicyRequest{PolicyName: "p", Path: "/no", PolicyDocument: allowAll})
	wantErr(t, err, "ValidationError", "", 400)
	_, err = s.GetPolicy(ctx, &GetPolicyRequest{PolicyArn: "arn:aws:iam::000000000000:policy/nope"})
	wantErr(t, err, "NoSuchEntity", "Policy arn:aws:iam::000000000000:policy/nope was not found.", 404)
	_, err = s.GetPolicy(ctx, &GetPolicyRequest{PolicyArn: "Deploy"})
	wantErr(t, err, "ValidationError", "Invalid ARN:  Could not be parsed!", 400)

	// Listing.
	must(s.CreatePolicy(ctx, &CreatePolicyRequest{PolicyName: "audit", PolicyDocument: allowAll}))
	createRole(t, s, ctx, "r", "")
	must(s.AttachRolePolicy(ctx, &AttachRolePolicyRequest{RoleName: "r", PolicyArn: out.Arn}))
	list := must(s.ListPolicies(ctx, &ListPoliciesRequest{}))
	if len(list.Policies) != 2 || list.Policies[0].PolicyName != "audit" || *list.IsTruncated {
		t.Fatalf("ListPolicies %+v", list)
	}
	if list.Policies[1].Description != "" || list.Policies[1].Tags != nil {
		t.Errorf("ListPolicies answers descriptions or tags: %+v", list.Policies[1])
	}
	list = must(s.ListPolicies(ctx, &ListPoliciesRequest{Scope: "Local", OnlyAttached: bp(true)}))
	if len(list.Policies) != 1 || list.Policies[0].PolicyName != "Deploy" || *list.Policies[0].AttachmentCount != 1 {
		t.Fatalf("OnlyAttached %+v", list)
	}
	list = must(s.ListPolicies(ctx, &ListPoliciesRequest{PathPrefix: "/ci"}))
	if len(list.Policies) != 1 {
		t.Fatalf("PathPrefix %+v", list)
	}
	list = must(s.ListPolicies(ctx, &ListPoliciesRequest{Scope: "AWS"}))
	if list.Policies == nil || len(list.Policies) != 0 || *list.IsTruncated {
		t.Fatalf("Scope AWS %+v", list)
	}
	list = must(s.ListPolicies(ctx, &ListPoliciesRequest{MaxItems: i32(1)}))
	if len(list.Policies) != 1 || !*list.IsTruncated {
		t.Fatalf("page 1 %+v", list)
	}
	list = must(s.ListPolicies(ctx, &ListPoliciesRequest{MaxItems: i32(1), Marker: list.Marker}))
	if len(list.Policies) != 1 || list.Policies[0].PolicyName != "Deploy" || *list.IsTruncated {
		t.Fatalf("page 2 %+v", list)
	}

	// Deleting.
	_, err = s.DeletePolicy(ctx, &DeletePolicyRequest{PolicyArn: out.Arn})
	wantErr(t, err, "DeleteConflict", "Cannot delete a policy attached to entities.", 409)
	must(s.DetachRolePolicy(ctx, &DetachRolePolicyRequest{RoleName: "r", PolicyArn: out.Arn}))
	must(s.DeletePolicy(ctx, &DeletePolicyRequest{PolicyArn: out.Arn}))
	_, err = s.GetPolicy(ctx, &GetPolicyRequest{PolicyArn: out.Arn})
	wantErr(t, err, "NoSuchEntity", "", 404)
	_, err = s.DeletePolicy(ctx, &DeletePolicyRequest{PolicyArn: out.Arn})
	wantErr(t, err, "NoSuchEntity", "Policy "+out.Arn+" was not found.", 404)
	_, err = s.DeletePolicy(ctx, &DeletePolicyRequest{PolicyArn: "junk"})
	wantErr(t, err, "ValidationError", "Invalid ARN:  Could not be parsed!", 400)
}

func TestGetUser(t *testing.T) {
	s, _ := newTest(t)
	root := must(s.GetUser(callCtx(protocol.Call{Account: "123456789012"}), &GetUserRequest{})).User
	if root.UserId != "123456789012" || root.Arn != "arn:aws:iam::123456789012:root" || root.UserName != "" || root.Path != "" || root.CreateDate.IsZero() {
		t.Fatalf("root %+v", root)
	}
	alice := callCtx(protocol.Call{CallerARN: "arn:aws:iam::000000000000:user/devs/alice", UserID: "AIDAALICE"})
	u := must(s.GetUser(alice, &GetUserRequest{})).User
	if u.UserName != "alice" || u.Path != "/devs/" || u.UserId != "AIDAALICE" || u.Arn != "arn:aws:iam::000000000000:user/devs/alice" {
		t.Fatalf("user %+v", u)
	}
	if _, err := s.GetUser(alice, &GetUserRequest{UserName: "alice"}); err != nil {
		t.Fatal(err)
	}
	_, err := s.GetUser(alice, &GetUserRequest{UserName: "bob"})
	wantErr(t, err, "NoSuchEntity", "The user with name bob cannot be found.", 404)
	session := callCtx(protocol.Call{CallerARN: "arn:aws:sts::000000000000:assumed-role/r/s"})
	_, err = s.GetUser(session, &GetUserRequest{})
	wantErr(t, err, "ValidationError", "Must specify userName when calling with non-User credentials", 400)
	_, err = s.GetUser(session, &GetUserRequest{UserName: "bob"})
	wantErr(t, err, "NoSuchEntity", "", 404)
}

func TestLookupRole(t *testing.T) {
	s, ctx := newTest(t)
	r := must(s.CreateRole(ctx, &CreateRoleRequest{RoleName: "Worker", AssumeRolePolicyDocument: trust, MaxSessionDuration: i32(7200)})).Role
	id, max, ok, err := s.LookupRole(ctx, acct, "worker")
	if err != nil || !ok || id != r.RoleId || max != 7200 {
		t.Fatalf("LookupRole = %q %d %v %v", id, max, ok, err)
	}
	if _, _, ok, err := s.LookupRole(ctx, "111111111111", "worker"); ok || err != nil {
		t.Fatalf("other account: %v %v", ok, err)
	}

	// STS wired to IAM reports the role's id and enforces its limit.
	st := sts.New(service.Env{Account: acct, Credentials: nopStore{}}, sts.WithRoles(s))
	out, err := st.AssumeRole(ctx, &sts.AssumeRoleRequest{RoleArn: r.Arn, RoleSessionName: "job"})
	if err != nil {
		t.Fatal(err)
	}
	if out.AssumedRoleUser.AssumedRoleId != r.RoleId+":job" {
		t.Fatalf("AssumedRoleId %q", out.AssumedRoleUser.AssumedRoleId)
	}
	_, err = st.AssumeRole(ctx, &sts.AssumeRoleRequest{RoleArn: r.Arn, RoleSessionName: "job", DurationSeconds: i32(7201)})
	var pe *protocol.Error
	if !errors.As(err, &pe) || pe.Code != "ValidationError" {
		t.Fatalf("over the role's limit: %v", err)
	}
}

type nopStore struct{}

func (nopStore) Lookup(context.Context, string) (service.Identity, bool, error) {
	return service.Identity{}, false, nil
}
func (nopStore) Issue(context.Context, service.Identity) error { return nil }

// Through the handlers: documents in, documents out, as the codec sees them.
func TestHandlers(t *testing.T) {
	s, ctx := newTest(t)
	h := s.APIs()[0].Handlers
	out, err := h["ListRoles"](ctx, map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	if roles, ok := out["Roles"].([]any); !ok || len(roles) != 0 || out["IsTruncated"] != false {
		t.Fatalf("empty ListRoles document %#v", out)
	}
	if _, err := h["CreateRole"](ctx, map[string]any{"RoleName": "r", "AssumeRolePolicyDocument": trust, "MaxSessionDuration": int64(3600)}); err != nil {
		t.Fatal(err)
	}
	out, err = h["DeleteRole"](ctx, map[string]any{"RoleName": "r"})
	if err != nil || out != nil {
		t.Fatalf("DeleteRole: %v %v", out, err)
	}
	out, err = h["GetRole"](ctx, map[string]any{"RoleName": "r"})
	wantErr(t, err, "NoSuchEntity", "The role with name r cannot be found.", 404)
}

// State lives under iam/<account>/ only, whatever the region.
func TestKeys(t *testing.T) {
	s, ctx := newTest(t)
	createRole(t, s, ctx, "r", "")
	must(s.CreatePolicy(ctx, &CreatePolicyRequest{PolicyName: "p", PolicyDocument: allowAll}))
	var keys []string
	s.eng.Scan(nil, nil, false, func(k, v []byte) (bool, error) {
		keys = append(keys, string(k))
		return true, nil
	})
	if strings.Join(keys, " ") != "iam/000000000000/policy/p iam/000000000000/role/r" {
		t.Fatalf("keys %v", keys)
	}
}
