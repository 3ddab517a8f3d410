package lambda

import (
	"context"
	"strings"
	"testing"

	"hako/internal/service"
)

func TestPermissions(t *testing.T) {
	f := newFixture(t)
	f.create(t, "fn")
	_, err := f.s.GetPolicy(f.ctx, &GetPolicyRequest{FunctionName: "fn"})
	wantErr(t, err, "ResourceNotFoundException", 404, "The resource you requested does not exist.")

	rev := f.record(t, "fn").RevisionID
	out, err := f.s.AddPermission(f.ctx, &AddPermissionRequest{
		FunctionName: "fn", StatementId: "s3-invoke", Action: "lambda:InvokeFunction", Principal: "s3.amazonaws.com",
		SourceArn: "arn:aws:s3:::my-bucket", SourceAccount: "123456789012", RevisionId: rev,
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Sid":"s3-invoke","Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"` + testARN + `fn","Condition":{"StringEquals":{"AWS:SourceAccount":"123456789012"},"ArnLike":{"AWS:SourceArn":"arn:aws:s3:::my-bucket"}}}`
	if out.Statement != want {
		t.Errorf("statement\n%s\nwant\n%s", out.Statement, want)
	}
	if f.record(t, "fn").RevisionID == rev {
		t.Error("AddPermission kept the RevisionId")
	}
	if _, err := f.s.AddPermission(f.ctx, &AddPermissionRequest{
		FunctionName: testARN + "fn", StatementId: "acct", Action: "lambda:*", Principal: "210987654321",
	}); err != nil {
		t.Fatal(err)
	}
	pol, err := f.s.GetPolicy(f.ctx, &GetPolicyRequest{FunctionName: "fn"})
	if err != nil {
		t.Fatal(err)
	}
	wantPolicy := `{"Version":"2012-10-17","Id":"default","Statement":[` + want +
		`,{"Sid":"acct","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::210987654321:root"},"Action":"lambda:*","Resource":"` + testARN + `fn"}]}`
	if pol.Policy != wantPolicy || pol.RevisionId != f.record(t, "fn").RevisionID {
		t.Errorf("policy\n%s\nwant\n%s", pol.Policy, wantPolicy)
	}

	cases := []struct {
		name   string
		in     *AddPermissionRequest
		code   string
		status int
		msg    string
	}{
		{"duplicate", &AddPermissionRequest{FunctionName: "fn", StatementId: "acct", Action: "lambda:InvokeFunction", Principal: "*"},
			"ResourceConflictException", 409, "The statement id (acct) provided already exists. Please provide a new statement id, or remove the existing statement."},
		{"revision", &AddPermissionRequest{FunctionName: "fn", StatementId: "x", Action: "lambda:InvokeFunction", Principal: "*", RevisionId: rev},
			"PreconditionFailedException", 412, "The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id"},
		{"principal", &AddPermissionRequest{FunctionName: "fn", StatementId: "x", Action: "lambda:InvokeFunction", Principal: "someone"},
			"InvalidParameterValueException", 400, "The provided principal was invalid. Please check the principal and try again."},
		{"$LATEST", &AddPermissionRequest{FunctionName: "fn", StatementId: "x", Action: "lambda:InvokeFunction", Principal: "*", Qualifier: "$LATEST"},
			"InvalidParameterValueException", 400, "We currently do not support adding policies for $LATEST."},
		{"version", &AddPermissionRequest{FunctionName: "fn", StatementId: "x", Action: "lambda:InvokeFunction", Principal: "*", Qualifier: "1"},
			"ResourceNotFoundException", 404, "Function not found: " + testARN + "fn:1"},
		{"missing", &AddPermissionRequest{FunctionName: "nope", StatementId: "x", Action: "lambda:InvokeFunction", Principal: "*"},
			"ResourceNotFoundException", 404, "Function not found: " + testARN + "nope"},
	}
	for _, c := range cases {
		_, err := f.s.AddPermission(f.ctx, c.in)
		wantErr(t, err, c.code, c.status, c.msg)
	}

	// RemovePermission.
	_, err = f.s.RemovePermission(f.ctx, &RemovePermissionRequest{FunctionName: "fn", StatementId: "nope"})
	wantErr(t, err, "ResourceNotFoundException", 404, "Statement nope is not found in resource policy.")
	_, err = f.s.RemovePermission(f.ctx, &RemovePermissionRequest{FunctionName: "fn", StatementId: "acct", RevisionId: rev})
	wantErr(t, err, "PreconditionFailedException", 412, "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id")
	_, err = f.s.RemovePermission(f.ctx, &RemovePermissionRequest{FunctionName: "nope", StatementId: "acct"})
	wantErr(t, err, "ResourceNotFoundException", 404, "No policy found for: "+testARN+"nope")
	if _, err := f.s.RemovePermission(f.ctx, &RemovePermissionRequest{FunctionName: "fn", StatementId: "s3-invoke"}); err != nil {
		t.Fatal(err)
	}
	pol, _ = f.s.GetPolicy(f.ctx, &GetPolicyRequest{FunctionName: "fn"})
	if want := `{"Version":"2012-10-17","Id":"default","Statement":[{"Sid":"acct","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::210987654321:root"},"Action":"lambda:*","Resource":"` + testARN + `fn"}]}`; pol.Policy != want {
		t.Errorf("after remove: %s", pol.Policy)
	}
	if _, err := f.s.RemovePermission(f.ctx, &RemovePermissionRequest{FunctionName: "fn", StatementId: "acct"}); err != nil {
		t.Fatal(err)
	}
	_, err = f.s.GetPolicy(f.ctx, &GetPolicyRequest{FunctionName: "fn"})
	wantErr(t, err, "ResourceNotFoundException", 404, "The resource you requested does not exist.")
	_, err = f.s.RemovePermission(f.ctx, &RemovePermissionRequest{FunctionName: "fn", StatementId: "acct"})
	wantErr(t, err, "ResourceNotFoundException", 404, "No policy is associated with the given resource.")

	// Through the handler: AddPermission's statement pattern and the
	// model's action pattern.
	_, err = f.call("AddPermission", map[string]any{"FunctionName": "fn", "StatementId": "bad id!", "Action": "lambda:InvokeFunction", "Principal": "*"})
	wantErr(t, err, "ValidationException", 400, "")
}

func TestTags(t *testing.T) {
	f := newFixture(t)
	f.create(t, "fn")
	arn := testARN + "fn"
	rev := f.record(t, "fn").RevisionID
	if _, err := f.s.TagResource(f.ctx, &TagResourceRequest{Resource: arn, Tags: map[string]string{"a": "1", "b": "2"}}); err != nil {
		t.Fatal(err)
	}
	if f.record(t, "fn").RevisionID == rev {
		t.Error("TagResource kept the RevisionId")
	}
	if _, err := f.s.TagResource(f.ctx, &TagResourceRequest{Resource: arn, Tags: map[string]string{"b": "3", "c": "4"}}); err != nil {
		t.Fatal(err)
	}
	out, err := f.s.ListTags(f.ctx, &ListTagsRequest{Resource: arn})
	if err != nil || len(out.Tags) != 3 || out.Tags["a"] != "1" || out.Tags["b"] != "3" || out.Tags["c"] != "4" {
		t.Errorf("tags %v %v", out, err)
	}
	if _, err := f.s.UntagResource(f.ctx, &UntagResourceRequest{Resource: arn, TagKeys: []string{"a", "zzz"}}); err != nil {
		t.Fatal(err)
	}
	gf, _ := f.s.GetFunction(f.ctx, &GetFunctionRequest{FunctionName: "fn"})
	if len(gf.Tags) != 2 || gf.Tags["a"] != "" {
		t.Errorf("GetFunction tags %v", gf.Tags)
	}
	doc, err := f.call("ListTags", map[string]any{"Resource": testARN + "fn"})
	if err != nil || doc["Tags"] == nil {
		t.Errorf("doc %v %v", doc, err)
	}

	many := map[string]string{}
	for i := range 49 {
		many[string(rune('A'+i%26))+string(rune('a'+i/26))] = "v"
	}
	cases := []struct {
		name     string
		resource string
		tags     map[string]string
		code     string
		status   int
		msg      string
	}{
		{"qualified", arn + ":1", map[string]string{"k": "v"}, "InvalidParameterValueException", 400, "Tags on function aliases and versions are not supported. Please specify a function ARN."},
		{"missing", testARN + "nope", map[string]string{"k": "v"}, "ResourceNotFoundException", 404, "Function not found: " + testARN + "nope"},
		{"layer", "arn:aws:lambda:eu-west-1:123456789012:layer:x", map[string]string{"k": "v"}, "ResourceNotFoundException", 404, "The resource you requested does not exist."},
		{"empty", arn, map[string]string{}, "InvalidParameterValueException", 400, "An error occurred and the request cannot be processed."},
		{"too many", arn, many, "InvalidParameterValueException", 400, "Number of tags exceeds resource tag limit."},
	}
	for _, c := range cases {
		_, err := f.s.TagResource(f.ctx, &TagResourceRequest{Resource: c.resource, Tags: c.tags})
		wantErr(t, err, c.code, c.status, c.msg)
	}
	_, err = f.s.ListTags(f.ctx, &ListTagsRequest{Resource: testARN + "nope"})
	wantErr(t, err, "ResourceNotFoundException", 404, "Function not found: "+testARN+"nope")
	_, err = f.s.UntagResource(f.ctx, &UntagResourceRequest{Resource: arn})
	wantErr(t, err, "ValidationException", 400, "1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null")
}

func TestConcurrency(t *testing.T) {
	f := newFixture(t)
	f.create(t, "a")
	f.create(t, "b")
	out, err := f.s.GetFunctionConcurrency(f.ctx, &GetFunctionConcurrencyRequest{FunctionName: "a"})
	if err != nil || out.ReservedConcurrentExecutions != nil {
		t.Errorf("none yet: %+v %v", out, err)
	}
	c, err := f.s.PutFunctionConcurrency(f.ctx, &PutFunctionConcurrencyRequest{FunctionName: "a", ReservedConcurrentExecutions: ptr(int32(100))})
	if err != nil || *c.ReservedConcurrentExecutions != 100 {
		t.Fatalf("put: %v %v", c, err)
	}
	out, _ = f.s.GetFunctionConcurrency(f.ctx, &GetFunctionConcurrencyRequest{FunctionName: testARN + "a"})
	if out.ReservedConcurrentExecutions == nil || *out.ReservedConcurrentExecutions != 100 {
		t.Errorf("get: %+v", out)
	}
	gf, _ := f.s.GetFunction(f.ctx, &GetFunctionRequest{FunctionName: "a"})
	if gf.Concurrency == nil || *gf.Concurrency.ReservedConcurrentExecutions != 100 {
		t.Errorf("GetFunction concurrency %+v", gf.Concurrency)
	}
	f.s.Invoke(f.ctx, &InvocationRequest{FunctionName: "a"})
	if rc := f.inv.lastReq(t).Function.ReservedConcurrency; rc == nil || *rc != 100 {
		t.Errorf("runtime got reserved %v", rc)
	}
	if n := f.inv.reserved[testARN+"a"]; n == nil || *n != 100 {
		t.Errorf("runtime told %v", n)
	}
	settings, _ := f.s.GetAccountSettings(f.ctx, &GetAccountSettingsRequest{})
	if *settings.AccountLimit.UnreservedConcurrentExecutions != 900 {
		t.Errorf("unreserved %d", *settings.AccountLimit.UnreservedConcurrentExecutions)
	}

	const below = "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100]."
	_, err = f.s.PutFunctionConcurrency(f.ctx, &PutFunctionConcurrencyRequest{FunctionName: "b", ReservedConcurrentExecutions: ptr(int32(801))})
	wantErr(t, err, "InvalidParameterValueException", 400, below)
	if _, err := f.s.PutFunctionConcurrency(f.ctx, &PutFunctionConcurrencyRequest{FunctionName: "b", ReservedConcurrentExecutions: ptr(int32(800))}); err != nil {
		t.Errorf("800 + 100 leaves exactly 100: %v", err)
	}
	// Replacing a function's own reservation does not count it twice.
	if _, err := f.s.PutFunctionConcurrency(f.ctx, &PutFunctionConcurrencyRequest{FunctionName: "a", ReservedConcurrentExecutions: ptr(int32(100))}); err != nil {
		t.Errorf("same value again: %v", err)
	}
	_, err = f.s.PutFunctionConcurrency(f.ctx, &PutFunctionConcurrencyRequest{FunctionName: "a", ReservedConcurrentExecutions: ptr(int32(101))})
	wantErr(t, err, "InvalidParameterValueException", 400, below)

	_, err = f.s.PutFunctionConcurrency(f.ctx, &PutFunctionConcurrencyRequest{FunctionName: "a:1", ReservedConcurrentExecutions: ptr(int32(1))})
	wantErr(t, err, "InvalidParameterValueException", 400, "This operation is permitted on Lambda functions only. Aliases and versions do not support this operation. Please specify either a function name or an unqualified function ARN.")
	_, err = f.s.PutFunctionConcurrency(f.ctx, &PutFunctionConcurrencyRequest{FunctionName: "nope", ReservedConcurrentExecutions: ptr(int32(1))})
	wantErr(t, err, "ResourceNotFoundException", 404, "Function not found: "+testARN+"nope")

	if _, err := f.s.DeleteFunctionConcurrency(f.ctx, &DeleteFunctionConcurrencyRequest{FunctionName: "b"}); err != nil {
		t.Fatal(err)
	}
	out, _ = f.s.GetFunctionConcurrency(f.ctx, &GetFunctionConcurrencyRequest{FunctionName: "b"})
	if out.ReservedConcurrentExecutions != nil {
		t.Errorf("after delete: %v", *out.ReservedConcurrentExecutions)
	}
	if n, ok := f.inv.reserved[testARN+"b"]; !ok || n != nil {
		t.Errorf("runtime not told of the delete: %v %v", n, ok)
	}

	// A restarted service tells the runtime every reservation.
	inv2 := &fakeInvoker{}
	s2 := New(service.Env{Engine: f.eng, Clock: f.clk}, inv2)
	if err := s2.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	s2.Stop()
	if n := inv2.reserved[testARN+"a"]; len(inv2.reserved) != 1 || n == nil || *n != 100 {
		t.Errorf("at start the runtime was told %v", inv2.reserved)
	}
	settings, _ = f.s.GetAccountSettings(f.ctx, &GetAccountSettingsRequest{})
	if *settings.AccountLimit.UnreservedConcurrentExecutions != 900 {
		t.Errorf("unreserved %d", *settings.AccountLimit.UnreservedConcurrentExecutions)
	}
	_, err = f.s.DeleteFunctionConcurrency(f.ctx, &DeleteFunctionConcurrencyRequest{FunctionName: "nope"})
	wantErr(t, err, "ResourceNotFoundException", 404, "Function not found: "+testARN+"nope")
	// Deleting the function frees its reservation.
	f.s.DeleteFunction(f.ctx, &DeleteFunctionRequest{FunctionName: "a"})
	if n, ok := f.inv.reserved[testARN+"a"]; !ok || n != nil {
		t.Errorf("runtime not told of the deleted function: %v %v", n, ok)
	}
	settings, _ = f.s.GetAccountSettings(f.ctx, &GetAccountSettingsRequest{})
	if *settings.AccountLimit.UnreservedConcurrentExecutions != 1000 {
		t.Errorf("unreserved %d after delete", *settings.AccountLimit.UnreservedConcurrentExecutions)
	}
}

func TestAccountSettings(t *testing.T) {
	f := newFixture(t, WithAccountConcurrency(50))
	a := f.create(t, "a")
	b := f.create(t, "b")
	out, err := f.s.GetAccountSettings(f.ctx, &GetAccountSettingsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	l, u := out.AccountLimit, out.AccountUsage
	if *l.TotalCodeSize != 80530636800 || *l.CodeSizeUnzipped != 262144000 || *l.CodeSizeZipped != 52428800 ||
		*l.ConcurrentExecutions != 50 || *l.UnreservedConcurrentExecutions != 50 {
		t.Errorf("limits %+v", l)
	}
	if *u.FunctionCount != 2 || *u.TotalCodeSize != *a.CodeSize+*b.CodeSize {
		t.Errorf("usage %+v", u)
	}
	other, _ := f.s.GetAccountSettings(ctxFor("000000000000", testRegion), &GetAccountSettingsRequest{})
	if *other.AccountUsage.FunctionCount != 0 {
		t.Errorf("other account sees %d functions", *other.AccountUsage.FunctionCount)
	}
}

// Versions and aliases have policies of their own; InvokePermitted reads
// the one the ARN names.
func TestQualifiedPolicyAndInvokePermitted(t *testing.T) {
	f := newFixture(t)
	f.create(t, "fn")
	f.publish(t, "fn")
	if _, err := f.s.CreateAlias(f.ctx, &CreateAliasRequest{FunctionName: "fn", Name: "live", FunctionVersion: "1"}); err != nil {
		t.Fatal(err)
	}
	add := func(qualifier, sid, source string) {
		t.Helper()
		_, err := f.s.AddPermission(f.ctx, &AddPermissionRequest{FunctionName: "fn", Qualifier: qualifier, StatementId: sid,
			Action: "lambda:InvokeFunction", Principal: "s3.amazonaws.com", SourceArn: source, SourceAccount: testAccount})
		if err != nil {
			t.Fatal(err)
		}
	}
	add("live", "s3live", "arn:aws:s3:::uploads-*")
	got, err := f.s.GetPolicy(f.ctx, &GetPolicyRequest{FunctionName: "fn", Qualifier: "live"})
	if err != nil || !strings.Contains(got.Policy, `"Resource":"`+testARN+`fn:live"`) {
		t.Fatalf("%+v %v", got, err)
	}
	_, err = f.s.GetPolicy(f.ctx, &GetPolicyRequest{FunctionName: "fn"})
	wantErr(t, err, "ResourceNotFoundException", 404, "The resource you requested does not exist.")
	for _, c := range []struct {
		arn, principal, source, account string
		want                            bool
	}{
		{testARN + "fn:live", "s3.amazonaws.com", "arn:aws:s3:::uploads-1", testAccount, true},
		{testARN + "fn:live", "s3.amazonaws.com", "arn:aws:s3:::other", testAccount, false},
		{testARN + "fn:live", "s3.amazonaws.com", "arn:aws:s3:::uploads-1", "999999999999", false},
		{testARN + "fn:live", "events.amazonaws.com", "arn:aws:s3:::uploads-1", testAccount, false},
		{testARN + "fn", "s3.amazonaws.com", "arn:aws:s3:::uploads-1", testAccount, false},
	} {
		ok, err := f.s.InvokePermitted(f.ctx, c.arn, c.principal, c.source, c.account)
		if err != nil || ok != c.want {
			t.Errorf("%+v: %v %v", c, ok, err)
		}
	}
	_, err = f.s.InvokePermitted(f.ctx, testARN+"nope", "s3.amazonaws.com", "", "")
	wantErr(t, err, "ResourceNotFoundException", 404, "")
	if _, err := f.s.RemovePermission(f.ctx, &RemovePermissionRequest{FunctionName: "fn", Qualifier: "live", StatementId: "s3live"}); err != nil {
		t.Fatal(err)
	}
	if ok, _ := f.s.InvokePermitted(f.ctx, testARN+"fn:live", "s3.amazonaws.com", "arn:aws:s3:::uploads-1", testAccount); ok {
		t.Error("permitted after RemovePermission")
	}
}
