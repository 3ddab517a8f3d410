package lambda

import (
	"testing"

	"hako/internal/runtime"
)

func (f *fixture) updateCode(t *testing.T, name, body string) {
	t.Helper()
	if _, err := f.s.UpdateFunctionCode(f.ctx, &UpdateFunctionCodeRequest{FunctionName: name, ZipFile: pyZip(t, body)}); err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(0)
}

func (f *fixture) publish(t *testing.T, name string) *FunctionConfiguration {
	t.Helper()
	v, err := f.s.PublishVersion(f.ctx, &PublishVersionRequest{FunctionName: name})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestPublishVersionsAndInvokeThem(t *testing.T) {
	f := newFixture(t)
	f.create(t, "fn")
	v1 := f.publish(t, "fn")
	if v1.Version != "1" || v1.FunctionArn != testARN+"fn:1" || v1.State != "Active" {
		t.Fatalf("v1 = %+v", v1)
	}
	if again := f.publish(t, "fn"); again.Version != "1" || again.RevisionId != v1.RevisionId {
		t.Errorf("publishing an unchanged function made version %s", again.Version)
	}
	f.updateCode(t, "fn", "def handler(e, c):\n    return 2\n")
	v2 := f.publish(t, "fn")
	if v2.Version != "2" || v2.CodeSha256 == v1.CodeSha256 {
		t.Fatalf("v2 = %+v", v2)
	}
	// The version's code outlives $LATEST's next update.
	f.updateCode(t, "fn", "def handler(e, c):\n    return 3\n")
	if n := f.eng.blobs.count(); n != 3 {
		t.Errorf("%d code blobs, want 3 (v1, v2, $LATEST)", n)
	}

	for q, want := range map[string]string{"1": v1.CodeSha256, "2": v2.CodeSha256} {
		if _, err := f.s.Invoke(f.ctx, &InvocationRequest{FunctionName: "fn", Qualifier: q}); err != nil {
			t.Fatal(err)
		}
		req := f.inv.lastReq(t)
		if req.Function.Version != q || req.InvokedARN != testARN+"fn:"+q {
			t.Errorf("invoke %s ran %s as %s", q, req.Function.Version, req.InvokedARN)
		}
		cfg, err := f.s.GetFunctionConfiguration(f.ctx, &GetFunctionConfigurationRequest{FunctionName: "fn", Qualifier: q})
		if err != nil || cfg.CodeSha256 != want || cfg.Version != q {
			t.Errorf("configuration of %s: %+v %v", q, cfg, err)
		}
	}
	list, err := f.s.ListVersionsByFunction(f.ctx, &ListVersionsByFunctionRequest{FunctionName: "fn", MaxItems: ptr(int32(2))})
	if err != nil || len(list.Versions) != 2 || list.Versions[0].Version != "$LATEST" || list.Versions[0].FunctionArn != testARN+"fn:$LATEST" || list.Versions[1].Version != "1" || list.NextMarker == "" {
		t.Fatalf("page 1: %+v %v", list, err)
	}
	list, err = f.s.ListVersionsByFunction(f.ctx, &ListVersionsByFunctionRequest{FunctionName: "fn", Marker: list.NextMarker})
	if err != nil || len(list.Versions) != 1 || list.Versions[0].Version != "2" || list.NextMarker != "" {
		t.Fatalf("page 2: %+v %v", list, err)
	}
	_, err = f.s.Invoke(f.ctx, &InvocationRequest{FunctionName: "fn", Qualifier: "9"})
	wantErr(t, err, "ResourceNotFoundException", 404, "Function not found: "+testARN+"fn:9")
}

func TestPublishPreconditions(t *testing.T) {
	f := newFixture(t)
	cfg := f.create(t, "fn")
	_, err := f.s.PublishVersion(f.ctx, &PublishVersionRequest{FunctionName: "fn", CodeSha256: "abc"})
	wantErr(t, err, "PreconditionFailedException", 412, "CodeSHA256 (abc) is different from current CodeSHA256 in $LATEST ("+cfg.CodeSha256+")...")
	_, err = f.s.PublishVersion(f.ctx, &PublishVersionRequest{FunctionName: "fn", RevisionId: "stale"})
	wantErr(t, err, "PreconditionFailedException", 412, "The Revision Id provided does not match the latest Revision Id...")
	if f.record(t, "fn").LastVersion != 0 {
		t.Error("a refused publish published")
	}
	v, err := f.s.PublishVersion(f.ctx, &PublishVersionRequest{FunctionName: "fn", CodeSha256: cfg.CodeSha256, Description: "first"})
	if err != nil || v.Version != "1" || v.Description != "first" {
		t.Fatalf("%+v %v", v, err)
	}
}

func TestAliasesAndRouting(t *testing.T) {
	f := newFixture(t)
	f.create(t, "fn")
	f.publish(t, "fn")
	f.updateCode(t, "fn", "def handler(e, c):\n    return 2\n")
	f.publish(t, "fn")

	a, err := f.s.CreateAlias(f.ctx, &CreateAliasRequest{FunctionName: "fn", Name: "prod", FunctionVersion: "1"})
	if err != nil || a.AliasArn != testARN+"fn:prod" || a.FunctionVersion != "1" || a.RevisionId == "" {
		t.Fatalf("%+v %v", a, err)
	}
	_, err = f.s.CreateAlias(f.ctx, &CreateAliasRequest{FunctionName: "fn", Name: "prod", FunctionVersion: "1"})
	wantErr(t, err, "ResourceConflictException", 409, "Alias already exists: "+testARN+"fn:prod")
	_, err = f.s.CreateAlias(f.ctx, &CreateAliasRequest{FunctionName: "fn", Name: "x", FunctionVersion: "7"})
	wantErr(t, err, "ResourceNotFoundException", 404, "Function not found: "+testARN+"fn:7")
	_, err = f.s.CreateAlias(f.ctx, &CreateAliasRequest{FunctionName: "fn", Name: "x", FunctionVersion: "$LATEST",
		RoutingConfig: &AliasRoutingConfiguration{AdditionalVersionWeights: map[string]float64{"1": 0.5}}})
	wantErr(t, err, "InvalidParameterValueException", 400, "$LATEST is not supported for an alias pointing to more than 1 version")

	if _, err := f.s.Invoke(f.ctx, &InvocationRequest{FunctionName: testARN + "fn:prod"}); err != nil {
		t.Fatal(err)
	}
	if req := f.inv.lastReq(t); req.Function.Version != "1" || req.InvokedARN != testARN+"fn:prod" {
		t.Errorf("prod ran %s as %s", req.Function.Version, req.InvokedARN)
	}
	cfg, err := f.s.GetFunction(f.ctx, &GetFunctionRequest{FunctionName: "fn", Qualifier: "prod"})
	if err != nil || cfg.Configuration.Version != "1" || cfg.Configuration.FunctionArn != testARN+"fn:prod" {
		t.Fatalf("%+v %v", cfg, err)
	}

	_, err = f.s.UpdateAlias(f.ctx, &UpdateAliasRequest{FunctionName: "fn", Name: "prod", RevisionId: "stale", FunctionVersion: "2"})
	wantErr(t, err, "PreconditionFailedException", 412, "")
	a, err = f.s.UpdateAlias(f.ctx, &UpdateAliasRequest{FunctionName: "fn", Name: "prod", FunctionVersion: "2",
		RoutingConfig: &AliasRoutingConfiguration{AdditionalVersionWeights: map[string]float64{"1": 0.3}}})
	if err != nil || a.FunctionVersion != "2" || a.RoutingConfig.AdditionalVersionWeights["1"] != 0.3 {
		t.Fatalf("%+v %v", a, err)
	}
	ran := map[string]int{}
	f.inv.script = func(n int, req *runtime.InvokeRequest) (*runtime.InvokeResult, error) {
		ran[req.Function.Version]++
		return &runtime.InvokeResult{Payload: []byte(`1`), ExecutedVersion: req.Function.Version}, nil
	}
	const n = 1000
	for range n {
		out, err := f.s.Invoke(f.ctx, &InvocationRequest{FunctionName: "fn", Qualifier: "prod"})
		if err != nil {
			t.Fatal(err)
		}
		if out.ExecutedVersion != "1" && out.ExecutedVersion != "2" {
			t.Fatalf("executed %s", out.ExecutedVersion)
		}
	}
	// 30% of 1000: the standard deviation is about 14.5; 5 of them is a
	// bound a correct split misses once in millions of runs.
	if got := ran["1"]; got < 300-73 || got > 300+73 || ran["1"]+ran["2"] != n {
		t.Errorf("split %v, want about 300 / 700", ran)
	}

	_, err = f.s.DeleteFunction(f.ctx, &DeleteFunctionRequest{FunctionName: "fn", Qualifier: "1"})
	wantErr(t, err, "ResourceConflictException", 409, "Unable to delete version because the following aliases reference it: [prod]")
	aliases, err := f.s.ListAliases(f.ctx, &ListAliasesRequest{FunctionName: "fn", FunctionVersion: "1"})
	if err != nil || len(aliases.Aliases) != 1 {
		t.Fatalf("%+v %v", aliases, err)
	}
	if _, err := f.s.DeleteAlias(f.ctx, &DeleteAliasRequest{FunctionName: "fn", Name: "prod"}); err != nil {
		t.Fatal(err)
	}
	_, err = f.s.GetAlias(f.ctx, &GetAliasRequest{FunctionName: "fn", Name: "prod"})
	wantErr(t, err, "ResourceNotFoundException", 404, "Alias not found: "+testARN+"fn:prod")
	if _, err := f.s.DeleteFunction(f.ctx, &DeleteFunctionRequest{FunctionName: "fn", Qualifier: "1"}); err != nil {
		t.Fatal(err)
	}
	if n := f.eng.blobs.count(); n != 1 {
		t.Errorf("%d blobs after deleting v1, want 1 (v2 and $LATEST share one)", n)
	}
	if _, err := f.s.DeleteFunction(f.ctx, &DeleteFunctionRequest{FunctionName: "fn"}); err != nil {
		t.Fatal(err)
	}
	f.nothingStored(t)
}

func TestListFunctionsAllVersions(t *testing.T) {
	f := newFixture(t)
	f.create(t, "a")
	f.publish(t, "a")
	f.create(t, "b")
	out, err := f.s.ListFunctions(f.ctx, &ListFunctionsRequest{FunctionVersion: "ALL"})
	if err != nil || len(out.Functions) != 3 || out.Functions[0].Version != "$LATEST" || out.Functions[1].FunctionArn != testARN+"a:1" || out.Functions[2].FunctionName != "b" {
		t.Fatalf("%+v %v", out, err)
	}
	out, err = f.s.ListFunctions(f.ctx, &ListFunctionsRequest{MaxItems: ptr(int32(1))})
	if err != nil || len(out.Functions) != 1 || out.NextMarker == "" {
		t.Fatalf("page 1: %+v %v", out, err)
	}
	out, err = f.s.ListFunctions(f.ctx, &ListFunctionsRequest{Marker: out.NextMarker})
	if err != nil || len(out.Functions) != 1 || out.Functions[0].FunctionName != "b" || out.NextMarker != "" {
		t.Fatalf("page 2: %+v %v", out, err)
	}
}
