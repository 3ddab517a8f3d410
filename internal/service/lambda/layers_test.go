package lambda

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"hako/internal/engine"
	"hako/internal/protocol"
)

const testLayerARN = "arn:aws:lambda:eu-west-1:123456789012:layer:"

// publishLayer publishes a version of a layer holding files and returns
// its version ARN.
func (f *fixture) publishLayer(t *testing.T, name string, files ...zipEntry) string {
	t.Helper()
	out, err := f.s.PublishLayerVersion(f.ctx, &PublishLayerVersionRequest{
		LayerName: name, Content: &LayerVersionContentInput{ZipFile: makeZip(t, files...)},
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.LayerVersionArn
}

func TestPublishLayerVersion(t *testing.T) {
	f := newFixture(t)
	z := makeZip(t, zipEntry{name: "python/common_utils.py", body: "def greet(n):\n    return 'hi ' + n\n"})
	out, err := f.s.PublishLayerVersion(f.ctx, &PublishLayerVersionRequest{
		LayerName: "common", Description: "shared code", LicenseInfo: "MIT",
		CompatibleRuntimes:      []string{"python3.12", "python3.13"},
		CompatibleArchitectures: []string{"x86_64"},
		Content:                 &LayerVersionContentInput{ZipFile: z},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, b64 := sha(z)
	if out.LayerArn != testLayerARN+"common" || out.LayerVersionArn != testLayerARN+"common:1" || *out.Version != 1 ||
		out.Description != "shared code" || out.LicenseInfo != "MIT" || out.CreatedDate != "2026-01-01T00:00:00.000+0000" ||
		!reflect.DeepEqual(out.CompatibleRuntimes, []string{"python3.12", "python3.13"}) ||
		!reflect.DeepEqual(out.CompatibleArchitectures, []string{"x86_64"}) {
		t.Errorf("publish = %+v", out)
	}
	if out.Content.CodeSha256 != b64 || *out.Content.CodeSize != int64(len(z)) ||
		!strings.HasPrefix(out.Content.Location, "http://localhost:4566"+CodePath) {
		t.Errorf("content = %+v", out.Content)
	}

	// Versions count up per layer and are never reused after a delete.
	v2 := f.publishLayer(t, "common", zipEntry{name: "a", body: "2"})
	if v2 != testLayerARN+"common:2" {
		t.Fatalf("second version %s", v2)
	}
	if other := f.publishLayer(t, "other", zipEntry{name: "a", body: "x"}); other != testLayerARN+"other:1" {
		t.Errorf("another layer starts at 1: %s", other)
	}
	if _, err := f.s.DeleteLayerVersion(f.ctx, &DeleteLayerVersionRequest{LayerName: "common", VersionNumber: ptr(int64(2))}); err != nil {
		t.Fatal(err)
	}
	if v3 := f.publishLayer(t, "common", zipEntry{name: "a", body: "3"}); v3 != testLayerARN+"common:3" {
		t.Errorf("after deleting version 2: %s, want version 3", v3)
	}
	// A layer ARN names the layer too.
	byARN, err := f.s.PublishLayerVersion(f.ctx, &PublishLayerVersionRequest{LayerName: testLayerARN + "common", Content: &LayerVersionContentInput{ZipFile: z}})
	if err != nil || *byARN.Version != 4 {
		t.Errorf("publish by ARN: %v %+v", err, byARN)
	}
}

func TestPublishLayerVersionRefused(t *testing.T) {
	cases := []struct {
		name   string
		doc    map[string]any
		code   string
		status int
		msg    string
	}{
		{"bad zip", map[string]any{"LayerName": "l", "Content": map[string]any{"ZipFile": []byte("not a zip")}},
			"InvalidParameterValueException", 400, "Could not unzip uploaded file. Please check your file, then try to upload again."},
		{"escaping zip", map[string]any{"LayerName": "l", "Content": map[string]any{"ZipFile": nil}},
			"InvalidParameterValueException", 400, "Could not unzip uploaded file. Please check your file, then try to upload again."},
		{"s3", map[string]any{"LayerName": "l", "Content": map[string]any{"S3Bucket": "bucket", "S3Key": "k.zip"}},
			"InvalidParameterValueException", 400, "Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist."},
		{"no content", map[string]any{"LayerName": "l", "Content": map[string]any{}},
			"InvalidParameterValueException", 400, "Missing Content"},
		{"unknown runtime", map[string]any{"LayerName": "l", "CompatibleRuntimes": []any{"cobol"}, "Content": map[string]any{"ZipFile": []byte("x")}},
			"ValidationException", 400, "1 validation error detected: ..."},
		{"three architectures", map[string]any{"LayerName": "l", "CompatibleArchitectures": []any{"x86_64", "arm64", "x86_64"}, "Content": map[string]any{"ZipFile": []byte("x")}},
			"ValidationException", 400, "1 validation error detected: ..."},
		{"bad name", map[string]any{"LayerName": "a/b", "Content": map[string]any{"ZipFile": []byte("x")}},
			"ValidationException", 400, "1 validation error detected: ..."},
		{"license too long", map[string]any{"LayerName": "l", "LicenseInfo": strings.Repeat("x", 513), "Content": map[string]any{"ZipFile": []byte("x")}},
			"ValidationException", 400, "1 validation error detected: ..."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			if c.name == "escaping zip" {
				c.doc["Content"].(map[string]any)["ZipFile"] = makeZip(t, zipEntry{name: "../evil", body: "x"})
			}
			_, err := f.call("PublishLayerVersion", c.doc)
			wantErr(t, err, c.code, c.status, c.msg)
			f.nothingStored(t)
		})
	}
	// Another account's layer cannot be published to.
	f := newFixture(t)
	_, err := f.s.PublishLayerVersion(f.ctx, &PublishLayerVersionRequest{
		LayerName: "arn:aws:lambda:eu-west-1:999999999999:layer:theirs",
		Content:   &LayerVersionContentInput{ZipFile: makeZip(t, zipEntry{name: "a", body: "x"})},
	})
	wantErr(t, err, "AccessDeniedException", 403, "User: arn:aws:iam::123456789012:root is not authorized to perform: lambda:PublishLayerVersion on resource: arn:aws:lambda:eu-west-1:999999999999:layer:theirs because no resource-based policy allows the lambda:PublishLayerVersion action")
	f.nothingStored(t)
}

func TestGetLayerVersion(t *testing.T) {
	f := newFixture(t)
	arn := f.publishLayer(t, "lib", zipEntry{name: "bin/tool", body: "#!/bin/sh\n", mode: 0o100755})
	for _, name := range []string{"lib", testLayerARN + "lib"} {
		out, err := f.s.GetLayerVersion(f.ctx, &GetLayerVersionRequest{LayerName: name, VersionNumber: ptr(int64(1))})
		if err != nil || out.LayerVersionArn != arn || out.Content == nil || out.Content.Location == "" {
			t.Errorf("get %s: %v %+v", name, err, out)
		}
	}
	byARN, err := f.s.GetLayerVersionByArn(f.ctx, &GetLayerVersionByArnRequest{Arn: arn})
	if err != nil || byARN.LayerVersionArn != arn || *byARN.Version != 1 {
		t.Errorf("by ARN: %v %+v", err, byARN)
	}
	_, err = f.s.GetLayerVersion(f.ctx, &GetLayerVersionRequest{LayerName: "lib", VersionNumber: ptr(int64(2))})
	wantErr(t, err, "ResourceNotFoundException", 404, "The resource you requested does not exist.")
	_, err = f.s.GetLayerVersion(f.ctx, &GetLayerVersionRequest{LayerName: "nope", VersionNumber: ptr(int64(1))})
	wantErr(t, err, "ResourceNotFoundException", 404, "The resource you requested does not exist.")
	_, err = f.s.GetLayerVersion(f.ctx, &GetLayerVersionRequest{LayerName: "lib", VersionNumber: ptr(int64(0))})
	wantErr(t, err, "InvalidParameterValueException", 400, "Layer Version Cannot be less than 1")
	_, err = f.s.GetLayerVersionByArn(f.ctx, &GetLayerVersionByArnRequest{Arn: testLayerARN + "lib:7"})
	wantErr(t, err, "ResourceNotFoundException", 404, "The resource you requested does not exist.")
	_, err = f.call("GetLayerVersionByArn", map[string]any{"Arn": testLayerARN + "lib"})
	wantErr(t, err, "ValidationException", 400, "1 validation error detected: ...")
}

func TestListLayers(t *testing.T) {
	f := newFixture(t)
	pub := func(name string, runtimes, archs []string) {
		t.Helper()
		_, err := f.s.PublishLayerVersion(f.ctx, &PublishLayerVersionRequest{
			LayerName: name, CompatibleRuntimes: runtimes, CompatibleArchitectures: archs,
			Content: &LayerVersionContentInput{ZipFile: makeZip(t, zipEntry{name: "f", body: name})},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	pub("b", []string{"python3.12"}, []string{"x86_64"}) // b:1
	pub("b", []string{"nodejs20.x"}, []string{"arm64"})  // b:2
	pub("a", []string{"python3.12"}, nil)                // a:1
	pub("c", nil, nil)                                   // c:1
	pub("d", []string{"python3.12"}, []string{"arm64"})  // d:1
	if _, err := f.s.DeleteLayerVersion(f.ctx, &DeleteLayerVersionRequest{LayerName: "d", VersionNumber: ptr(int64(1))}); err != nil {
		t.Fatal(err)
	}
	list := func(in *ListLayersRequest) (names []string, versions []int64, marker string) {
		t.Helper()
		out, err := f.s.ListLayers(f.ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range out.Layers {
			names = append(names, l.LayerName)
			versions = append(versions, *l.LatestMatchingVersion.Version)
			if l.LayerArn != testLayerARN+l.LayerName || l.LatestMatchingVersion.LayerVersionArn != l.LayerArn+":"+strconv.FormatInt(*l.LatestMatchingVersion.Version, 10) {
				t.Errorf("item %+v", l)
			}
		}
		return names, versions, out.NextMarker
	}
	names, versions, marker := list(&ListLayersRequest{})
	if !reflect.DeepEqual(names, []string{"a", "b", "c"}) || !reflect.DeepEqual(versions, []int64{1, 2, 1}) || marker != "" {
		t.Errorf("all: %v %v %q (a layer whose versions are all deleted is not listed)", names, versions, marker)
	}
	names, versions, _ = list(&ListLayersRequest{CompatibleRuntime: "python3.12"})
	if !reflect.DeepEqual(names, []string{"a", "b"}) || !reflect.DeepEqual(versions, []int64{1, 1}) {
		t.Errorf("python3.12: %v %v (b's latest matching version is 1)", names, versions)
	}
	names, _, _ = list(&ListLayersRequest{CompatibleArchitecture: "arm64"})
	if !reflect.DeepEqual(names, []string{"b"}) {
		t.Errorf("arm64: %v", names)
	}
	names, _, _ = list(&ListLayersRequest{CompatibleRuntime: "python3.12", CompatibleArchitecture: "arm64"})
	if len(names) != 0 {
		t.Errorf("python3.12 on arm64: %v", names)
	}
	// Paging.
	var all []string
	marker = ""
	for range 5 {
		names, _, marker = list(&ListLayersRequest{MaxItems: ptr(int32(1)), Marker: marker})
		all = append(all, names...)
		if marker == "" {
			break
		}
	}
	if !reflect.DeepEqual(all, []string{"a", "b", "c"}) {
		t.Errorf("pages: %v", all)
	}
	_, err := f.s.ListLayers(f.ctx, &ListLayersRequest{Marker: "!!"})
	wantErr(t, err, "InvalidParameterValueException", 400, "Invalid marker: !!")
	_, err = f.call("ListLayers", map[string]any{"MaxItems": 51})
	wantErr(t, err, "ValidationException", 400, "1 validation error detected: ...")
}

func TestListLayerVersions(t *testing.T) {
	f := newFixture(t)
	for i := range 4 {
		rt := []string{"python3.12"}
		if i == 2 {
			rt = []string{"nodejs22.x"}
		}
		_, err := f.s.PublishLayerVersion(f.ctx, &PublishLayerVersionRequest{
			LayerName: "l", CompatibleRuntimes: rt,
			Content: &LayerVersionContentInput{ZipFile: makeZip(t, zipEntry{name: "f", body: fmt.Sprint(i)})},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	versions := func(in *ListLayerVersionsRequest) ([]int64, string) {
		t.Helper()
		out, err := f.s.ListLayerVersions(f.ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		var vs []int64
		for _, v := range out.LayerVersions {
			vs = append(vs, *v.Version)
		}
		return vs, out.NextMarker
	}
	if vs, m := versions(&ListLayerVersionsRequest{LayerName: "l"}); !reflect.DeepEqual(vs, []int64{4, 3, 2, 1}) || m != "" {
		t.Errorf("versions %v %q, want newest first", vs, m)
	}
	if vs, _ := versions(&ListLayerVersionsRequest{LayerName: "l", CompatibleRuntime: "nodejs22.x"}); !reflect.DeepEqual(vs, []int64{3}) {
		t.Errorf("nodejs22.x: %v", vs)
	}
	var all []int64
	m := ""
	for range 5 {
		var vs []int64
		vs, m = versions(&ListLayerVersionsRequest{LayerName: "l", MaxItems: ptr(int32(3)), Marker: m})
		all = append(all, vs...)
		if m == "" {
			break
		}
	}
	if !reflect.DeepEqual(all, []int64{4, 3, 2, 1}) {
		t.Errorf("pages: %v", all)
	}
	if vs, _ := versions(&ListLayerVersionsRequest{LayerName: "nope"}); len(vs) != 0 {
		t.Errorf("unknown layer: %v", vs)
	}
}

func TestLayerVersionPolicy(t *testing.T) {
	f := newFixture(t)
	arn := f.publishLayer(t, "shared", zipEntry{name: "f", body: "x"})
	add := func(sid, principal, org, rev string) (*AddLayerVersionPermissionResponse, error) {
		return f.s.AddLayerVersionPermission(f.ctx, &AddLayerVersionPermissionRequest{
			LayerName: "shared", VersionNumber: ptr(int64(1)), StatementId: sid,
			Action: "lambda:GetLayerVersion", Principal: principal, OrganizationId: org, RevisionId: rev,
		})
	}
	_, err := f.s.GetLayerVersionPolicy(f.ctx, &GetLayerVersionPolicyRequest{LayerName: "shared", VersionNumber: ptr(int64(1))})
	wantErr(t, err, "ResourceNotFoundException", 404, "No policy is associated with the given resource.")

	first, err := add("acct", "210987654321", "", "")
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"Sid":"acct","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::210987654321:root"},"Action":"lambda:GetLayerVersion","Resource":"` + arn + `"}`; first.Statement != want {
		t.Errorf("statement %s\nwant      %s", first.Statement, want)
	}
	_, err = add("org", "*", "o-abcdefghij", "not-the-revision")
	wantErr(t, err, "PreconditionFailedException", 412, "The Revision Id provided does not match the latest Revision Id. Call the GetLayerPolicy API to retrieve the latest Revision Id")
	second, err := add("org", "*", "o-abcdefghij", first.RevisionId)
	if err != nil {
		t.Fatal(err)
	}
	if second.RevisionId == first.RevisionId || !strings.Contains(second.Statement, `"Principal":"*"`) ||
		!strings.Contains(second.Statement, `"Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abcdefghij"}}`) {
		t.Errorf("second: %+v", second)
	}
	_, err = add("acct", "*", "", "")
	wantErr(t, err, "ResourceConflictException", 409, "The statement id (acct) provided already exists. Please provide a new statement id, or remove the existing statement.")

	pol, err := f.s.GetLayerVersionPolicy(f.ctx, &GetLayerVersionPolicyRequest{LayerName: "shared", VersionNumber: ptr(int64(1))})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Version, Id string
		Statement   []map[string]any
	}
	if err := json.Unmarshal([]byte(pol.Policy), &doc); err != nil || doc.Version != "2012-10-17" || doc.Id != "default" ||
		len(doc.Statement) != 2 || pol.RevisionId != second.RevisionId {
		t.Errorf("policy %s (%v) revision %s", pol.Policy, err, pol.RevisionId)
	}

	rm := func(sid, rev string) error {
		_, err := f.s.RemoveLayerVersionPermission(f.ctx, &RemoveLayerVersionPermissionRequest{LayerName: "shared", VersionNumber: ptr(int64(1)), StatementId: sid, RevisionId: rev})
		return err
	}
	wantErr(t, rm("nope", ""), "ResourceNotFoundException", 404, "Statement nope is not found in resource policy.")
	wantErr(t, rm("acct", first.RevisionId), "PreconditionFailedException", 412, "")
	if err := rm("acct", second.RevisionId); err != nil {
		t.Fatal(err)
	}
	if err := rm("org", ""); err != nil {
		t.Fatal(err)
	}
	wantErr(t, rm("org", ""), "ResourceNotFoundException", 404, "No policy is associated with the given resource.")

	// A version that does not exist.
	_, err = f.s.AddLayerVersionPermission(f.ctx, &AddLayerVersionPermissionRequest{LayerName: "shared", VersionNumber: ptr(int64(9)), StatementId: "s", Action: "lambda:GetLayerVersion", Principal: "*"})
	wantErr(t, err, "ResourceNotFoundException", 404, "Layer version "+testLayerARN+"shared:9 does not exist.")
	_, err = f.s.GetLayerVersionPolicy(f.ctx, &GetLayerVersionPolicyRequest{LayerName: "gone", VersionNumber: ptr(int64(1))})
	wantErr(t, err, "ResourceNotFoundException", 404, "Layer version "+testLayerARN+"gone:1 does not exist.")
	// The model's constraints.
	_, err = f.call("AddLayerVersionPermission", map[string]any{"LayerName": "shared", "VersionNumber": 1, "StatementId": "s", "Action": "lambda:InvokeFunction", "Principal": "*"})
	wantErr(t, err, "ValidationException", 400, "1 validation error detected: ...")
	_, err = f.call("AddLayerVersionPermission", map[string]any{"LayerName": "shared", "VersionNumber": 1, "StatementId": "s", "Action": "lambda:GetLayerVersion", "Principal": "s3.amazonaws.com"})
	wantErr(t, err, "ValidationException", 400, "1 validation error detected: ...")
}

func TestFunctionLayers(t *testing.T) {
	f := newFixture(t)
	l1 := f.publishLayer(t, "one", zipEntry{name: "python/one.py", body: "x = 1\n"})
	l2 := f.publishLayer(t, "two", zipEntry{name: "nodejs/node_modules/two/index.js", body: "module.exports = 2\n"})
	req := f.createReq("fn", pyZip(t, "import one\n"))
	req.Layers = []string{l2, l1}
	out, err := f.s.CreateFunction(f.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	v1, _ := f.s.GetLayerVersionByArn(f.ctx, &GetLayerVersionByArnRequest{Arn: l1})
	v2, _ := f.s.GetLayerVersionByArn(f.ctx, &GetLayerVersionByArnRequest{Arn: l2})
	want := []Layer{{Arn: l2, CodeSize: v2.Content.CodeSize}, {Arn: l1, CodeSize: v1.Content.CodeSize}}
	if !reflect.DeepEqual(out.Layers, want) {
		t.Errorf("Layers %+v, want %+v", out.Layers, want)
	}
	f.clk.Advance(0)
	// The runtime gets the layers' contents in order.
	if _, err := f.s.Invoke(f.ctx, &InvocationRequest{FunctionName: "fn"}); err != nil {
		t.Fatal(err)
	}
	fn := f.inv.lastReq(t).Function
	if len(fn.Layers) != 2 {
		t.Fatalf("runtime layers %+v", fn.Layers)
	}
	for i, arn := range []string{l2, l1} {
		rec := f.layerRecord(t, arn)
		if fn.Layers[i].Sha256 != rec.Code.Sha256 {
			t.Errorf("layer %d: sha %s, want %s", i, fn.Layers[i].Sha256, rec.Code.Sha256)
		}
		r, size, err := fn.Layers[i].Open()
		if err != nil || size != rec.Code.Size {
			t.Errorf("layer %d: open %v size %d", i, err, size)
		} else if c, ok := r.(interface{ Close() error }); ok {
			c.Close()
		}
	}

	// Updates replace the list; an empty list clears it.
	up, err := f.s.UpdateFunctionConfiguration(f.ctx, &UpdateFunctionConfigurationRequest{FunctionName: "fn", Layers: []string{l1}})
	if err != nil || len(up.Layers) != 1 || up.Layers[0].Arn != l1 {
		t.Fatalf("update: %v %+v", err, up)
	}
	f.clk.Advance(0)
	up, err = f.s.UpdateFunctionConfiguration(f.ctx, &UpdateFunctionConfigurationRequest{FunctionName: "fn", Layers: []string{}})
	if err != nil || len(up.Layers) != 0 {
		t.Fatalf("clear: %v %+v", err, up)
	}
	f.clk.Advance(0)
	// Another update without Layers keeps them.
	if _, err := f.s.UpdateFunctionConfiguration(f.ctx, &UpdateFunctionConfigurationRequest{FunctionName: "fn", Layers: []string{l1}}); err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(0)
	up, err = f.s.UpdateFunctionConfiguration(f.ctx, &UpdateFunctionConfigurationRequest{FunctionName: "fn", Timeout: ptr(int32(9))})
	if err != nil || len(up.Layers) != 1 {
		t.Errorf("update without Layers: %v %+v", err, up)
	}
}

func (f *fixture) layerRecord(t *testing.T, arn string) *layerVersionRecord {
	t.Helper()
	m := layerVersionRE.FindStringSubmatch(arn)
	v, _ := strconv.ParseInt(m[4], 10, 64)
	rec, err := getLayerVersion(f.eng, scope{account: m[2], region: m[1]}, m[3], v, true)
	if err != nil || rec == nil {
		t.Fatalf("layer record %s: %v", arn, err)
	}
	return rec
}

func TestFunctionLayersRefused(t *testing.T) {
	f := newFixture(t)
	l1 := f.publishLayer(t, "one", zipEntry{name: "f", body: "1"})
	l1b := f.publishLayer(t, "one", zipEntry{name: "f", body: "2"})
	big := f.publishLayer(t, "big", zipEntry{name: "f", body: "3"})
	// Pretend the big layer unzips to nearly 250 MB (writing that much in
	// a unit test would only be slow): the sum check reads the record.
	rec := f.layerRecord(t, big)
	rec.Code.Unzipped = maxUnzipped - 10
	if err := f.eng.Update(context.Background(), func(tx engine.Txn) error {
		tx.Set(scope{account: testAccount, region: testRegion}.layerVersionKey("big", 1), engine.MustJSON(rec))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var six []string
	for i := range 6 {
		six = append(six, fmt.Sprintf("%sl%d:1", testLayerARN, i))
	}
	code := pyZip(t, "def handler(e, c):\n    return e\n")
	codeSize := int64(len("def handler(e, c):\n    return e\n"))
	cases := []struct {
		name   string
		layers []string
		code   string
		status int
		msg    string
	}{
		{"unknown version", []string{l1, testLayerARN + "one:9"}, "InvalidParameterValueException", 400, "Layer version " + testLayerARN + "one:9 does not exist."},
		{"unknown layer", []string{testLayerARN + "nope:1"}, "InvalidParameterValueException", 400, "Layer version " + testLayerARN + "nope:1 does not exist."},
		{"six layers", six, "InvalidParameterValueException", 400, "Cannot reference more than 5 layers."},
		{"two versions", []string{l1, l1b}, "InvalidParameterValueException", 400,
			"Two different versions of the same layer are not allowed to be referenced in the same function. " + l1 + " and " + l1b + " are versions of the same layer."},
		{"same version twice", []string{l1, l1}, "InvalidParameterValueException", 400, "Two different versions of the same layer are not allowed to be referenced in the same function. ..."},
		{"other region", []string{"arn:aws:lambda:us-west-2:123456789012:layer:one:1"}, "InvalidParameterValueException", 400,
			"Layers are not in the same region as the function. Layers are expected to be in region eu-west-1."},
		{"other account", []string{"arn:aws:lambda:eu-west-1:999999999999:layer:one:1"}, "InvalidParameterValueException", 400,
			"Layer version arn:aws:lambda:eu-west-1:999999999999:layer:one:1 does not exist."},
		{"over 250 MB with the code", []string{big}, "InvalidParameterValueException", 400,
			fmt.Sprintf("Function code combined with layers exceeds the maximum allowed size of 262144000 bytes. The actual size is %d bytes.", maxUnzipped-10+codeSize)},
	}
	keys, blobs := len(f.keys(t)), f.eng.blobs.count()
	for _, c := range cases {
		req := f.createReq("fn", code)
		req.Layers = c.layers
		_, err := f.s.CreateFunction(f.ctx, req)
		wantErr(t, err, c.code, c.status, c.msg)
		if len(f.keys(t)) != keys || f.eng.blobs.count() != blobs {
			t.Errorf("%s: a refused create stored something", c.name)
		}
	}
	// The same checks on update, which changes nothing when refused.
	f.create(t, "fn")
	before := f.record(t, "fn")
	for _, c := range cases {
		_, err := f.s.UpdateFunctionConfiguration(f.ctx, &UpdateFunctionConfigurationRequest{FunctionName: "fn", Layers: c.layers})
		wantErr(t, err, c.code, c.status, c.msg)
	}
	if after := f.record(t, "fn"); after.RevisionID != before.RevisionID {
		t.Error("a refused update changed the function")
	}
	// New code that, with the function's layers, is too large (the
	// record keeps each layer's unzipped size from when it was added).
	if _, err := f.s.UpdateFunctionConfiguration(f.ctx, &UpdateFunctionConfigurationRequest{FunctionName: "fn", Layers: []string{l1}}); err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(0)
	fr := f.record(t, "fn")
	fr.Layers[0].Unzipped = maxUnzipped - 5
	f.eng.Update(context.Background(), func(tx engine.Txn) error {
		putFunction(tx, scope{account: testAccount, region: testRegion}, fr)
		return nil
	})
	_, err := f.s.UpdateFunctionCode(f.ctx, &UpdateFunctionCodeRequest{FunctionName: "fn", ZipFile: code})
	wantErr(t, err, "InvalidParameterValueException", 400, fmt.Sprintf("Function code combined with layers exceeds the maximum allowed size of 262144000 bytes. The actual size is %d bytes.", maxUnzipped-5+codeSize))
	if after := f.record(t, "fn"); after.RevisionID != fr.RevisionID {
		t.Error("a refused code update changed the function")
	}
}

func TestDeleteLayerVersionInUse(t *testing.T) {
	f := newFixture(t)
	used := f.publishLayer(t, "lib", zipEntry{name: "python/lib.py", body: "x = 1\n"})
	req := f.createReq("fn", pyZip(t, "import lib\n"))
	req.Layers = []string{used}
	if _, err := f.s.CreateFunction(f.ctx, req); err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(0)
	blobs := f.eng.blobs.count()
	if _, err := f.s.DeleteLayerVersion(f.ctx, &DeleteLayerVersionRequest{LayerName: "lib", VersionNumber: ptr(int64(1))}); err != nil {
		t.Fatal(err)
	}
	// Gone from the API, still run by the function.
	_, err := f.s.GetLayerVersionByArn(f.ctx, &GetLayerVersionByArnRequest{Arn: used})
	wantErr(t, err, "ResourceNotFoundException", 404, "The resource you requested does not exist.")
	if out, _ := f.s.ListLayerVersions(f.ctx, &ListLayerVersionsRequest{LayerName: "lib"}); len(out.LayerVersions) != 0 {
		t.Errorf("deleted version listed: %+v", out.LayerVersions)
	}
	if f.eng.blobs.count() != blobs {
		t.Fatal("the blob of a layer version in use was deleted")
	}
	if _, err := f.s.Invoke(f.ctx, &InvocationRequest{FunctionName: "fn"}); err != nil {
		t.Fatal(err)
	}
	if l := f.inv.lastReq(t).Function.Layers; len(l) != 1 {
		t.Errorf("runtime layers after the delete: %+v", l)
	}
	// It can no longer be added to functions.
	req = f.createReq("fn2", pyZip(t, "x = 1\n"))
	req.Layers = []string{used}
	_, err = f.s.CreateFunction(f.ctx, req)
	wantErr(t, err, "InvalidParameterValueException", 400, "Layer version "+used+" does not exist.")
	// Deleting it again is fine (AWS answers 204 for versions that do not exist).
	if _, err := f.s.DeleteLayerVersion(f.ctx, &DeleteLayerVersionRequest{LayerName: "lib", VersionNumber: ptr(int64(1))}); err != nil {
		t.Fatal(err)
	}
	// Dropping it from another function that used it sweeps nothing
	// while fn still uses it.
	if _, err := f.s.UpdateFunctionConfiguration(f.ctx, &UpdateFunctionConfigurationRequest{FunctionName: "fn", Timeout: ptr(int32(5))}); err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(0)
	if f.eng.blobs.count() != blobs {
		t.Fatal("the blob of a layer version in use was deleted by an update")
	}
	// Once the last function using it is gone, so is the copy.
	if _, err := f.s.DeleteFunction(f.ctx, &DeleteFunctionRequest{FunctionName: "fn"}); err != nil {
		t.Fatal(err)
	}
	if n := f.eng.blobs.count(); n != 0 {
		t.Errorf("%d blobs after the function went", n)
	}
	if k := f.keys(t); len(k) != 1 || !strings.HasSuffix(k[0], "/lc/lib") {
		t.Errorf("keys %q: only the version counter should remain", k)
	}

	// A version nothing uses goes at once.
	f.publishLayer(t, "lib", zipEntry{name: "f", body: "2"})
	if _, err := f.s.DeleteLayerVersion(f.ctx, &DeleteLayerVersionRequest{LayerName: "lib", VersionNumber: ptr(int64(2))}); err != nil {
		t.Fatal(err)
	}
	if n := f.eng.blobs.count(); n != 0 {
		t.Errorf("%d blobs after deleting an unused version", n)
	}
}

func TestUpdateDroppingDeletedLayerSweepsIt(t *testing.T) {
	f := newFixture(t)
	arn := f.publishLayer(t, "lib", zipEntry{name: "f", body: "1"})
	req := f.createReq("fn", pyZip(t, "x = 1\n"))
	req.Layers = []string{arn}
	if _, err := f.s.CreateFunction(f.ctx, req); err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(0)
	if _, err := f.s.DeleteLayerVersion(f.ctx, &DeleteLayerVersionRequest{LayerName: "lib", VersionNumber: ptr(int64(1))}); err != nil {
		t.Fatal(err)
	}
	if n := f.eng.blobs.count(); n != 2 {
		t.Fatalf("%d blobs: the version in use must stay", n)
	}
	if _, err := f.s.UpdateFunctionConfiguration(f.ctx, &UpdateFunctionConfigurationRequest{FunctionName: "fn", Layers: []string{}}); err != nil {
		t.Fatal(err)
	}
	if n := f.eng.blobs.count(); n != 1 {
		t.Errorf("%d blobs: the deleted version nothing uses any more must go", n)
	}
}

func TestStartSweepsDeletedLayers(t *testing.T) {
	f := newFixture(t)
	arn := f.publishLayer(t, "lib", zipEntry{name: "f", body: "1"})
	rec := f.layerRecord(t, arn)
	rec.Deleted = true // as a crash between a function's delete and the sweep leaves it
	f.eng.Update(context.Background(), func(tx engine.Txn) error {
		tx.Set(scope{account: testAccount, region: testRegion}.layerVersionKey("lib", 1), engine.MustJSON(rec))
		return nil
	})
	if err := f.s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := f.eng.blobs.count(); n != 0 {
		t.Errorf("%d blobs after Start", n)
	}
}

func TestCrossAccountLayer(t *testing.T) {
	f := newFixture(t)
	arn := f.publishLayer(t, "shared", zipEntry{name: "python/shared.py", body: "x = 1\n"})
	other := protocol.WithCall(context.Background(), &protocol.Call{Account: "210987654321", Region: testRegion, Time: testStart,
		CallerARN: "arn:aws:iam::210987654321:user/bob"})
	req := f.createReq("fn", pyZip(t, "import shared\n"))
	req.Layers = []string{arn}
	denied := "User: arn:aws:iam::210987654321:user/bob is not authorized to perform: lambda:GetLayerVersion on resource: " + arn + " because no resource-based policy allows the lambda:GetLayerVersion action"
	_, err := f.s.CreateFunction(other, req)
	wantErr(t, err, "AccessDeniedException", 403, denied)
	_, err = f.s.GetLayerVersionByArn(other, &GetLayerVersionByArnRequest{Arn: arn})
	wantErr(t, err, "AccessDeniedException", 403, denied)
	// An organization-wide grant gives nothing: hako has no organizations.
	if _, err := f.s.AddLayerVersionPermission(f.ctx, &AddLayerVersionPermissionRequest{LayerName: "shared", VersionNumber: ptr(int64(1)),
		StatementId: "org", Action: "lambda:GetLayerVersion", Principal: "*", OrganizationId: "o-abcdefghij"}); err != nil {
		t.Fatal(err)
	}
	_, err = f.s.CreateFunction(other, req)
	wantErr(t, err, "AccessDeniedException", 403, denied)
	if _, err := f.s.AddLayerVersionPermission(f.ctx, &AddLayerVersionPermissionRequest{LayerName: "shared", VersionNumber: ptr(int64(1)),
		StatementId: "bob", Action: "lambda:GetLayerVersion", Principal: "210987654321"}); err != nil {
		t.Fatal(err)
	}
	out, err := f.s.CreateFunction(other, req)
	if err != nil || len(out.Layers) != 1 || out.Layers[0].Arn != arn {
		t.Fatalf("shared layer: %v %+v", err, out)
	}
	if got, err := f.s.GetLayerVersionByArn(other, &GetLayerVersionByArnRequest{Arn: arn}); err != nil || got.LayerVersionArn != arn {
		t.Errorf("shared get: %v", err)
	}
	// The owner's delete keeps what the other account's function runs.
	if _, err := f.s.DeleteLayerVersion(f.ctx, &DeleteLayerVersionRequest{LayerName: "shared", VersionNumber: ptr(int64(1))}); err != nil {
		t.Fatal(err)
	}
	if f.eng.blobs.count() != 2 {
		t.Errorf("%d blobs: the layer used by another account's function went", f.eng.blobs.count())
	}
	// The other account cannot change the layer.
	_, err = f.s.DeleteLayerVersion(other, &DeleteLayerVersionRequest{LayerName: "arn:aws:lambda:eu-west-1:123456789012:layer:shared", VersionNumber: ptr(int64(1))})
	wantErr(t, err, "AccessDeniedException", 403, "")
}

func TestLegacyLayerStrings(t *testing.T) {
	// Records written before layers were resolved hold bare ARNs.
	var rec functionRecord
	if err := json.Unmarshal([]byte(`{"name":"fn","layers":["`+testLayerARN+`x:1"]}`), &rec); err != nil {
		t.Fatal(err)
	}
	if len(rec.Layers) != 1 || rec.Layers[0].Arn != testLayerARN+"x:1" || rec.Layers[0].Blob != "" {
		t.Errorf("legacy layers %+v", rec.Layers)
	}
	f := newFixture(t)
	if l := f.s.runtimeLayers(rec.Layers); len(l) != 0 {
		t.Errorf("a ref without contents became runtime code: %+v", l)
	}
	if c := configuration(scope{testAccount, testRegion}, &rec); len(c.Layers) != 1 || *c.Layers[0].CodeSize != 0 {
		t.Errorf("configuration layers %+v", c.Layers)
	}
}

// FuzzLayerVersionARN: whatever the string, resolving it as a function's
// layer never panics, and an ARN the parser accepts is printed back as
// given (the key and the ARN the API reports agree).
func FuzzLayerVersionARN(f *testing.F) {
	for _, s := range []string{
		testLayerARN + "x:1", testLayerARN + "x:0", testLayerARN + "x:99999999999999999999", testLayerARN + "x",
		"arn:aws-cn:lambda:cn-north-1:123456789012:layer:a_b-c:7", "arn:aws:lambda:::awslayer:x", "", ":::", "arn:aws:lambda:eu-west-1:123456789012:layer:x/y:1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		mem := engine.NewMemory()
		defer mem.Close()
		ctx := protocol.WithCall(context.Background(), &protocol.Call{Account: testAccount, Region: testRegion})
		refs, err := resolveLayers(ctx, mem, []string{s})
		if err == nil {
			t.Fatalf("%q resolved to %+v in an empty store", s, refs)
		}
		m := layerVersionRE.FindStringSubmatch(s)
		if m == nil {
			return
		}
		v, perr := strconv.ParseInt(m[4], 10, 64)
		if perr != nil || strconv.FormatInt(v, 10) != m[4] || !strings.HasPrefix(s, "arn:"+partition(m[1])+":") {
			return
		}
		if got := layerVersionARN(scope{account: m[2], region: m[1]}, m[3], v); got != s {
			t.Errorf("%q printed back as %q", s, got)
		}
	})
}
