package lambda

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestCreateFunction(t *testing.T) {
	f := newFixture(t)
	zipFile := pyZip(t, "def handler(e, c):\n    return e\n")
	req := f.createReq("fn", zipFile)
	req.Environment = &Environment{Variables: map[string]string{"A": "1"}}
	req.Layers = []string{f.publishLayer(t, "deps", zipEntry{name: "python/deps.py", body: "x = 1\n"})}
	req.TracingConfig = &TracingConfig{Mode: "Active"}
	req.DeadLetterConfig = &DeadLetterConfig{TargetArn: "arn:aws:sqs:eu-west-1:123456789012:dlq"}
	req.Tags = map[string]string{"team": "a"}
	req.Description = "my function"
	out, err := f.s.CreateFunction(f.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	hexSum, b64 := sha(zipFile)
	if out.FunctionName != "fn" || out.FunctionArn != testARN+"fn" || out.Version != "$LATEST" ||
		out.Runtime != "python3.12" || out.Handler != "app.handler" || out.Role != testRole || out.Description != "my function" ||
		out.CodeSha256 != b64 || *out.CodeSize != int64(len(zipFile)) || out.PackageType != "Zip" {
		t.Errorf("create = %+v", out)
	}
	if *out.MemorySize != 128 || *out.Timeout != 3 || *out.EphemeralStorage.Size != 512 || !reflect.DeepEqual(out.Architectures, []string{"x86_64"}) {
		t.Errorf("defaults: memory %d timeout %d storage %d arch %v", *out.MemorySize, *out.Timeout, *out.EphemeralStorage.Size, out.Architectures)
	}
	if out.LastModified != "2026-01-01T00:00:00.000+0000" {
		t.Errorf("LastModified %q", out.LastModified)
	}
	if !uuidRE.MatchString(out.RevisionId) {
		t.Errorf("RevisionId %q", out.RevisionId)
	}
	if out.State != "Pending" || out.StateReason != "The function is being created." || out.StateReasonCode != "Creating" || out.LastUpdateStatus != "" {
		t.Errorf("state %s %q %s, last update %q", out.State, out.StateReason, out.StateReasonCode, out.LastUpdateStatus)
	}
	if out.Environment.Variables["A"] != "1" || len(out.Layers) != 1 || out.Layers[0].Arn != req.Layers[0] ||
		out.TracingConfig.Mode != "Active" || out.DeadLetterConfig.TargetArn != req.DeadLetterConfig.TargetArn ||
		out.LoggingConfig.LogGroup != "/aws/lambda/fn" || out.LoggingConfig.LogFormat != "Text" {
		t.Errorf("configuration = %+v", out)
	}

	// The code is in a blob, byte for byte.
	rec := f.record(t, "fn")
	if rec.Code.Sha256 != hexSum {
		t.Errorf("sha256 %s", rec.Code.Sha256)
	}
	blob, err := f.eng.Blobs().Open(rec.Code.Blob)
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := io.ReadAll(blob)
	blob.Close()
	if !bytes.Equal(stored, zipFile) {
		t.Error("stored zip differs")
	}

	// Pending until the clock lets settle run, then Active with a new
	// revision, as on AWS.
	got, _ := f.s.GetFunctionConfiguration(f.ctx, &GetFunctionConfigurationRequest{FunctionName: "fn"})
	if got.State != "Pending" {
		t.Errorf("before settle: %s", got.State)
	}
	f.clk.Advance(0)
	got, _ = f.s.GetFunctionConfiguration(f.ctx, &GetFunctionConfigurationRequest{FunctionName: "fn"})
	if got.State != "Active" || got.StateReason != "" || got.StateReasonCode != "" || got.LastUpdateStatus != "Successful" {
		t.Errorf("after settle: %s %q %s / %s", got.State, got.StateReason, got.StateReasonCode, got.LastUpdateStatus)
	}
	if got.RevisionId == out.RevisionId || !uuidRE.MatchString(got.RevisionId) {
		t.Errorf("revision %s after %s", got.RevisionId, out.RevisionId)
	}
	if got.LastModified != out.LastModified {
		t.Errorf("LastModified changed by the transition: %s", got.LastModified)
	}

	// GetFunction: configuration, code location, tags.
	gf, err := f.s.GetFunction(f.ctx, &GetFunctionRequest{FunctionName: "fn"})
	if err != nil {
		t.Fatal(err)
	}
	if gf.Configuration.FunctionArn != testARN+"fn" || gf.Code.RepositoryType != "S3" ||
		!strings.HasPrefix(gf.Code.Location, "http://localhost:4566/_hako/lambda/code/") ||
		gf.Tags["team"] != "a" || gf.Concurrency != nil {
		t.Errorf("GetFunction = %+v %+v", gf.Code, gf)
	}

	// Through the handler: the document the codec serializes.
	doc, err := f.call("GetFunctionConfiguration", map[string]any{"FunctionName": testARN + "fn"})
	if err != nil {
		t.Fatal(err)
	}
	if doc["MemorySize"] != int64(128) || doc["State"] != "Active" {
		t.Errorf("doc = %v", doc)
	}
	if env, _ := doc["Environment"].(map[string]any); env == nil {
		t.Errorf("Environment missing: %v", doc)
	}
}

func TestCreateFunctionEmptyEnvironmentReported(t *testing.T) {
	f := newFixture(t)
	f.create(t, "fn")
	doc, err := f.call("GetFunctionConfiguration", map[string]any{"FunctionName": "fn"})
	if err != nil {
		t.Fatal(err)
	}
	env, ok := doc["Environment"].(map[string]any)
	if !ok || env["Variables"] == nil {
		t.Errorf("AWS reports Environment {Variables: {}} for a function without variables; got %v", doc["Environment"])
	}
}

func TestCreateFunctionErrors(t *testing.T) {
	good := func(f *fixture, t *testing.T) *CreateFunctionRequest {
		return f.createReq("fn", pyZip(t, "x = 1\n"))
	}
	bigEnv := map[string]string{"BIG": strings.Repeat("x", 4090)}
	cases := []struct {
		name   string
		mod    func(r *CreateFunctionRequest)
		code   string
		status int
		msg    string
	}{
		{"S3 code", func(r *CreateFunctionRequest) { r.Code = &FunctionCode{S3Bucket: "b", S3Key: "k.zip"} },
			"InvalidParameterValueException", 400, "Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist."},
		{"image", func(r *CreateFunctionRequest) {
			r.PackageType = "Image"
			r.Code = &FunctionCode{ImageUri: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/img:latest"}
		}, "InvalidParameterValueException", 400, "Container images (PackageType Image) are not supported by hako..."},
		{"no code", func(r *CreateFunctionRequest) { r.Code = &FunctionCode{} },
			"InvalidParameterValueException", 400, "Please provide a source for function code."},
		{"bad role", func(r *CreateFunctionRequest) { r.Role = "lambda-role" },
			"ValidationException", 400, `1 validation error detected: Value 'lambda-role' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+`},
		{"deprecated runtime", func(r *CreateFunctionRequest) { r.Runtime = "python3.7" },
			"InvalidParameterValueException", 400, "The runtime parameter of python3.7 is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions."},
		{"runtime hako cannot run", func(r *CreateFunctionRequest) { r.Runtime = "java21" },
			"InvalidParameterValueException", 400, "The runtime parameter of java21 is not supported by hako. hako runs these runtimes: ..."},
		{"no handler", func(r *CreateFunctionRequest) { r.Handler = "" },
			"InvalidParameterValueException", 400, "Runtime and Handler are mandatory parameters for functions created with deployment packages."},
		{"no runtime", func(r *CreateFunctionRequest) { r.Runtime = "" },
			"InvalidParameterValueException", 400, "Runtime and Handler are mandatory parameters for functions created with deployment packages."},
		{"environment over 4 KB", func(r *CreateFunctionRequest) { r.Environment = &Environment{Variables: bigEnv} },
			"InvalidParameterValueException", 400, `Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: {"BIG":"` + bigEnv["BIG"] + `"}`},
		{"reserved variable", func(r *CreateFunctionRequest) {
			r.Environment = &Environment{Variables: map[string]string{"AWS_REGION": "x", "OK": "1"}}
		}, "InvalidParameterValueException", 400, "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: AWS_REGION"},
		{"six layers", func(r *CreateFunctionRequest) {
			for i := range 6 {
				r.Layers = append(r.Layers, fmt.Sprintf("arn:aws:lambda:eu-west-1:123456789012:layer:l%d:1", i))
			}
		}, "InvalidParameterValueException", 400, "Cannot reference more than 5 layers."},
		{"51 tags", func(r *CreateFunctionRequest) {
			r.Tags = map[string]string{}
			for i := range 51 {
				r.Tags[fmt.Sprint("k", i)] = "v"
			}
		}, "InvalidParameterValueException", 400, "Number of tags exceeds resource tag limit."},
		{"zip over 50 MB", func(r *CreateFunctionRequest) { r.Code = &FunctionCode{ZipFile: make([]byte, maxZipped+1)} },
			"RequestEntityTooLargeException", 413, "Zipped size must be smaller than 52428800 bytes"},
		{"log level with Text", func(r *CreateFunctionRequest) {
			r.LoggingConfig = &LoggingConfig{LogFormat: "Text", ApplicationLogLevel: "DEBUG"}
		}, "InvalidParameterValueException", 400, `LogLevel is not supported when LogFormat is set to "Text". Remove LogLevel from your request or change the LogFormat to "JSON" and try again.`},
		{"qualified name", func(r *CreateFunctionRequest) { r.FunctionName = "fn:1" },
			"ValidationException", 400, "1 validation error detected: Value 'fn:1' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: ..."},
		{"name over 64", func(r *CreateFunctionRequest) { r.FunctionName = strings.Repeat("a", 65) },
			"ValidationException", 400, "1 validation error detected: Value '" + strings.Repeat("a", 65) + "' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 64"},
		{"other region", func(r *CreateFunctionRequest) { r.FunctionName = "arn:aws:lambda:us-east-1:123456789012:function:fn" },
			"ResourceNotFoundException", 404, "Functions from 'us-east-1' are not reachable in this region ('eu-west-1')"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			r := good(f, t)
			c.mod(r)
			_, err := f.s.CreateFunction(f.ctx, r)
			wantErr(t, err, c.code, c.status, c.msg)
			f.nothingStored(t)
		})
	}
}

func TestCreateFunctionProvidedNeedsNoHandler(t *testing.T) {
	f := newFixture(t)
	r := f.createReq("go", makeZip(t, zipEntry{name: "bootstrap", body: "\x7fELF", mode: 0o100755}))
	r.Runtime, r.Handler = "provided.al2023", ""
	if _, err := f.s.CreateFunction(f.ctx, r); err != nil {
		t.Fatal(err)
	}
	r = f.createReq("go1", makeZip(t, zipEntry{name: "main", body: "\x7fELF", mode: 0o100755}))
	r.Runtime, r.Handler = "go1.x", "main"
	if _, err := f.s.CreateFunction(f.ctx, r); err != nil {
		t.Fatalf("go1.x is deprecated on AWS but hako runs it: %v", err)
	}
}

func TestCreateFunctionExists(t *testing.T) {
	f := newFixture(t)
	f.create(t, "fn")
	keys, blobs := f.keys(t), f.eng.blobs.count()
	_, err := f.s.CreateFunction(f.ctx, f.createReq("fn", pyZip(t, "y = 2\n")))
	wantErr(t, err, "ResourceConflictException", 409, "Function already exist: fn")
	if len(f.keys(t)) != len(keys) || f.eng.blobs.count() != blobs {
		t.Error("the refused create stored something")
	}
}

// The model's constraints are checked before the handler: unknown
// runtimes and out-of-range sizes are ValidationException.
func TestCreateFunctionModelValidation(t *testing.T) {
	zipB64 := pyZip(t, "x = 1\n")
	base := func() map[string]any {
		return map[string]any{"FunctionName": "fn", "Runtime": "python3.12", "Role": testRole, "Handler": "app.handler",
			"Code": map[string]any{"ZipFile": zipB64}}
	}
	cases := []struct {
		name, member string
		value        any
		msg          string
	}{
		{"unknown runtime", "Runtime", "python2.9", "1 validation error detected: Value 'python2.9' at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: ..."},
		{"memory", "MemorySize", int64(64), "1 validation error detected: Value '64' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128"},
		{"timeout", "Timeout", int64(901), "1 validation error detected: Value '901' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900"},
		{"storage", "EphemeralStorage", map[string]any{"Size": int64(10241)}, "1 validation error detected: Value '10241' at 'ephemeralStorage.size' failed to satisfy constraint: Member must have value less than or equal to 10240"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			doc := base()
			doc[c.member] = c.value
			_, err := f.call("CreateFunction", doc)
			// The member's casing is the protocol layer's business (AWS
			// writes 'memorySize'); compare without it.
			pe := wantErr(t, err, "ValidationException", 400, "")
			want, _ := strings.CutSuffix(strings.ToLower(c.msg), "...")
			if !strings.HasPrefix(strings.ToLower(pe.Message), want) {
				t.Errorf("message %q\nwant %q", pe.Message, c.msg)
			}
			f.nothingStored(t)
		})
	}
	t.Run("valid", func(t *testing.T) {
		f := newFixture(t)
		doc := base()
		doc["MemorySize"], doc["Timeout"], doc["EphemeralStorage"] = int64(10240), int64(900), map[string]any{"Size": int64(10240)}
		out, err := f.call("CreateFunction", doc)
		if err != nil {
			t.Fatal(err)
		}
		if out["MemorySize"] != int64(10240) || out["Timeout"] != int64(900) {
			t.Errorf("out = %v", out)
		}
	})
}

func TestGetFunctionNotFound(t *testing.T) {
	f := newFixture(t)
	f.create(t, "fn")
	cases := []struct {
		name, qualifier, msg string
		code                 string
		status               int
	}{
		{"nope", "", "Function not found: " + testARN + "nope", "ResourceNotFoundException", 404},
		{"fn", "1", "Function not found: " + testARN + "fn:1", "ResourceNotFoundException", 404},
		{"fn:alias", "", "Function not found: " + testARN + "fn:alias", "ResourceNotFoundException", 404},
		{"fn:1", "2", "The derived qualifier from the function name does not match the specified qualifier.", "InvalidParameterValueException", 400},
		{"arn:aws:lambda:us-west-2:123456789012:function:fn", "", "Functions from 'us-west-2' are not reachable in this region ('eu-west-1')", "ResourceNotFoundException", 404},
		{"210987654321:function:fn", "", "Function not found: arn:aws:lambda:eu-west-1:210987654321:function:fn", "ResourceNotFoundException", 404},
	}
	for _, c := range cases {
		_, err := f.s.GetFunction(f.ctx, &GetFunctionRequest{FunctionName: c.name, Qualifier: c.qualifier})
		wantErr(t, err, c.code, c.status, c.msg)
		_, err = f.s.GetFunctionConfiguration(f.ctx, &GetFunctionConfigurationRequest{FunctionName: c.name, Qualifier: c.qualifier})
		wantErr(t, err, c.code, c.status, c.msg)
	}
	// Every way of naming the function finds it.
	for _, name := range []string{"fn", "fn:$LATEST", "123456789012:function:fn", testARN + "fn", testARN + "fn:$LATEST", "function:fn"} {
		if _, err := f.s.GetFunction(f.ctx, &GetFunctionRequest{FunctionName: name}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestListFunctions(t *testing.T) {
	f := newFixture(t)
	names := []string{"e", "a", "c", "b", "d"}
	for _, n := range names {
		f.create(t, n)
	}
	var got []string
	marker := ""
	pages := 0
	for {
		out, err := f.s.ListFunctions(f.ctx, &ListFunctionsRequest{MaxItems: ptr(int32(2)), Marker: marker})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, fn := range out.Functions {
			got = append(got, fn.FunctionName)
			if fn.FunctionArn != testARN+fn.FunctionName || fn.State != "Active" {
				t.Errorf("listed %+v", fn)
			}
		}
		if out.NextMarker == "" {
			break
		}
		marker = out.NextMarker
	}
	if want := []string{"a", "b", "c", "d", "e"}; !reflect.DeepEqual(got, want) || pages != 3 {
		t.Errorf("listed %v in %d pages", got, pages)
	}
	out, err := f.s.ListFunctions(f.ctx, &ListFunctionsRequest{FunctionVersion: "ALL"})
	if err != nil || len(out.Functions) != 5 || out.NextMarker != "" {
		t.Errorf("default page: %d functions, marker %q, %v", len(out.Functions), out.NextMarker, err)
	}
	_, err = f.s.ListFunctions(f.ctx, &ListFunctionsRequest{Marker: "!!"})
	wantErr(t, err, "InvalidParameterValueException", 400, "Invalid marker: !!")
	_, err = f.call("ListFunctions", map[string]any{"MaxItems": int64(10001)})
	wantErr(t, err, "ValidationException", 400, "1 validation error detected: Value '10001' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 10000")

	// Other accounts and regions see nothing.
	for _, ctx := range []context.Context{ctxFor("000000000000", testRegion), ctxFor(testAccount, "us-east-1")} {
		out, err = f.s.ListFunctions(ctx, &ListFunctionsRequest{})
		if err != nil || len(out.Functions) != 0 {
			t.Errorf("other scope: %v %v", out, err)
		}
	}
}

func TestUpdateFunctionCode(t *testing.T) {
	f := newFixture(t)
	f.create(t, "fn")
	before := f.record(t, "fn")
	newZip := pyZip(t, "def handler(e, c):\n    return 2\n")
	_, b64 := sha(newZip)

	// RevisionId precondition.
	_, err := f.s.UpdateFunctionCode(f.ctx, &UpdateFunctionCodeRequest{FunctionName: "fn", ZipFile: newZip, RevisionId: "1f0b1e0c-0000-4000-8000-000000000000"})
	wantErr(t, err, "PreconditionFailedException", 412, "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id")

	// DryRun checks and stores nothing.
	dry, err := f.s.UpdateFunctionCode(f.ctx, &UpdateFunctionCodeRequest{FunctionName: "fn", ZipFile: newZip, DryRun: ptr(true)})
	if err != nil || dry.CodeSha256 != b64 {
		t.Fatalf("dry run: %v %v", dry, err)
	}
	if rec := f.record(t, "fn"); rec.RevisionID != before.RevisionID || rec.Code != before.Code || f.eng.blobs.count() != 1 {
		t.Error("dry run changed the function")
	}

	out, err := f.s.UpdateFunctionCode(f.ctx, &UpdateFunctionCodeRequest{FunctionName: "fn", ZipFile: newZip, RevisionId: before.RevisionID, Architectures: []string{"arm64"}})
	if err != nil {
		t.Fatal(err)
	}
	if out.CodeSha256 != b64 || *out.CodeSize != int64(len(newZip)) || out.State != "Active" ||
		out.LastUpdateStatus != "InProgress" || out.LastUpdateStatusReason != "The function is being created." || out.LastUpdateStatusReasonCode != "Creating" ||
		out.RevisionId == before.RevisionID || out.Architectures[0] != "arm64" {
		t.Errorf("update = %+v", out)
	}

	// A second update while the first is in progress: 409.
	_, err = f.s.UpdateFunctionCode(f.ctx, &UpdateFunctionCodeRequest{FunctionName: "fn", ZipFile: pyZip(t, "z = 3\n")})
	wantErr(t, err, "ResourceConflictException", 409, "The operation cannot be performed at this time. An update is in progress for resource: "+testARN+"fn")
	_, err = f.s.UpdateFunctionConfiguration(f.ctx, &UpdateFunctionConfigurationRequest{FunctionName: "fn", Timeout: ptr(int32(9))})
	wantErr(t, err, "ResourceConflictException", 409, "The operation cannot be performed at this time. An update is in progress for resource: "+testARN+"fn")
	// Both code blobs exist until the update settles.
	if n := f.eng.blobs.count(); n != 2 {
		t.Errorf("%d blobs during the update", n)
	}

	f.clk.Advance(0)
	got, _ := f.s.GetFunctionConfiguration(f.ctx, &GetFunctionConfigurationRequest{FunctionName: "fn"})
	if got.LastUpdateStatus != "Successful" || got.LastUpdateStatusReason != "" || got.CodeSha256 != b64 || got.RevisionId == out.RevisionId {
		t.Errorf("after settle: %+v", got)
	}
	if n := f.eng.blobs.count(); n != 1 {
		t.Errorf("%d blobs after the update: the old code was not deleted", n)
	}
	if _, err := f.eng.Blobs().Open(before.Code.Blob); err == nil {
		t.Error("old blob still there")
	}
	if len(f.inv.evicted) != 1 || f.inv.evicted[0] != testARN+"fn" {
		t.Errorf("evicted %v", f.inv.evicted)
	}
	if rec := f.record(t, "fn"); rec.ConfigRev == before.ConfigRev {
		t.Error("the runtime revision did not change with the code")
	}
}

func TestUpdateFunctionCodeErrors(t *testing.T) {
	f := newFixture(t)
	f.create(t, "fn")
	cases := []struct {
		name   string
		in     *UpdateFunctionCodeRequest
		code   string
		status int
		msg    string
	}{
		{"missing", &UpdateFunctionCodeRequest{FunctionName: "nope", ZipFile: pyZip(t, "")}, "ResourceNotFoundException", 404, "Function not found: " + testARN + "nope"},
		{"S3", &UpdateFunctionCodeRequest{FunctionName: "fn", S3Bucket: "b", S3Key: "k"}, "InvalidParameterValueException", 400, "Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist."},
		{"image", &UpdateFunctionCodeRequest{FunctionName: "fn", ImageUri: "img"}, "InvalidParameterValueException", 400, "Please don't provide ImageUri when updating a function with packageType Zip."},
		{"nothing", &UpdateFunctionCodeRequest{FunctionName: "fn"}, "InvalidParameterValueException", 400, "Please provide a source for function code."},
		{"too big", &UpdateFunctionCodeRequest{FunctionName: "fn", ZipFile: make([]byte, maxZipped+1)}, "RequestEntityTooLargeException", 413, "Zipped size must be smaller than 52428800 bytes"},
		{"version", &UpdateFunctionCodeRequest{FunctionName: "fn:3", ZipFile: pyZip(t, "")}, "ResourceNotFoundException", 404, "Function not found: " + testARN + "fn:3"},
	}
	before := f.record(t, "fn")
	for _, c := range cases {
		_, err := f.s.UpdateFunctionCode(f.ctx, c.in)
		wantErr(t, err, c.code, c.status, c.msg)
	}
	if rec := f.record(t, "fn"); rec.RevisionID != before.RevisionID || f.eng.blobs.count() != 1 {
		t.Error("a refused update changed the function")
	}
}

func TestUpdateFunctionConfiguration(t *testing.T) {
	f := newFixture(t)
	req := f.createReq("fn", pyZip(t, "x = 1\n"))
	req.Environment = &Environment{Variables: map[string]string{"A": "1"}}
	req.Layers = []string{f.publishLayer(t, "deps", zipEntry{name: "python/deps.py", body: "x = 1\n"})}
	if _, err := f.s.CreateFunction(f.ctx, req); err != nil {
		t.Fatal(err)
	}
	// An update while the function is still Pending.
	_, err := f.s.UpdateFunctionConfiguration(f.ctx, &UpdateFunctionConfigurationRequest{FunctionName: "fn", Timeout: ptr(int32(5))})
	wantErr(t, err, "ResourceConflictException", 409, "The operation cannot be performed at this time. The function is currently in the following state: Pending")
	f.clk.Advance(0)
	before := f.record(t, "fn")

	f.clk.Advance(time.Hour)
	out, err := f.s.UpdateFunctionConfiguration(f.ctx, &UpdateFunctionConfigurationRequest{
		FunctionName: "fn", Timeout: ptr(int32(30)), MemorySize: ptr(int32(512)), Handler: "app.main", Runtime: "nodejs22.x",
		Environment: &Environment{Variables: map[string]string{"B": "2"}}, Layers: []string{},
		EphemeralStorage: &EphemeralStorage{Size: ptr(int32(1024))}, Description: "d",
		RevisionId: before.RevisionID,
	})
	if err != nil {
		t.Fatal(err)
	}
	if *out.Timeout != 30 || *out.MemorySize != 512 || out.Handler != "app.main" || out.Runtime != "nodejs22.x" ||
		!reflect.DeepEqual(out.Environment.Variables, map[string]string{"B": "2"}) || len(out.Layers) != 0 ||
		*out.EphemeralStorage.Size != 1024 || out.Description != "d" || out.LastUpdateStatus != "InProgress" ||
		out.LastModified != "2026-01-01T01:00:00.000+0000" || out.CodeSha256 != before.Code.CodeSha256 {
		t.Errorf("update = %+v", out)
	}
	f.clk.Advance(0)
	rec := f.record(t, "fn")
	if rec.LastUpdateStatus != "Successful" || rec.ConfigRev == before.ConfigRev || rec.Code != before.Code {
		t.Errorf("after settle: %+v", rec)
	}
	if f.eng.blobs.count() != 2 {
		t.Errorf("%d blobs: a configuration update must keep the code (and the layer)", f.eng.blobs.count())
	}

	// Members left out keep their values; an empty Environment clears.
	if _, err := f.s.UpdateFunctionConfiguration(f.ctx, &UpdateFunctionConfigurationRequest{FunctionName: "fn", Environment: &Environment{}}); err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(0)
	rec = f.record(t, "fn")
	if rec.Timeout != 30 || rec.Handler != "app.main" || len(rec.Environment) != 0 {
		t.Errorf("partial update: %+v", rec)
	}

	cases := []struct {
		name   string
		in     *UpdateFunctionConfigurationRequest
		code   string
		status int
		msg    string
	}{
		{"revision", &UpdateFunctionConfigurationRequest{FunctionName: "fn", RevisionId: before.RevisionID},
			"PreconditionFailedException", 412, "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id"},
		{"deprecated runtime", &UpdateFunctionConfigurationRequest{FunctionName: "fn", Runtime: "nodejs12.x"},
			"InvalidParameterValueException", 400, "The runtime parameter of nodejs12.x is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions."},
		{"environment", &UpdateFunctionConfigurationRequest{FunctionName: "fn", Environment: &Environment{Variables: map[string]string{"BIG": strings.Repeat("y", 5000)}}},
			"InvalidParameterValueException", 400, "Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: ..."},
		{"missing", &UpdateFunctionConfigurationRequest{FunctionName: "nope", Timeout: ptr(int32(9))},
			"ResourceNotFoundException", 404, "Function not found: " + testARN + "nope"},
		{"bad role", &UpdateFunctionConfigurationRequest{FunctionName: "fn", Role: "arn:aws:iam::1:role/x"},
			"ValidationException", 400, "1 validation error detected: Value 'arn:aws:iam::1:role/x' at 'role' failed to satisfy constraint: ..."},
	}
	settled := f.record(t, "fn")
	for _, c := range cases {
		_, err := f.s.UpdateFunctionConfiguration(f.ctx, c.in)
		wantErr(t, err, c.code, c.status, c.msg)
	}
	if rec := f.record(t, "fn"); rec.RevisionID != settled.RevisionID {
		t.Error("a refused update changed the function")
	}
}

func TestDeleteFunction(t *testing.T) {
	f := newFixture(t)
	f.create(t, "fn")
	f.create(t, "other")
	if _, err := f.s.PutFunctionConcurrency(f.ctx, &PutFunctionConcurrencyRequest{FunctionName: "fn", ReservedConcurrentExecutions: ptr(int32(10))}); err != nil {
		t.Fatal(err)
	}
	_, err := f.s.DeleteFunction(f.ctx, &DeleteFunctionRequest{FunctionName: "fn", Qualifier: "$LATEST"})
	wantErr(t, err, "InvalidParameterValueException", 400, "$LATEST version cannot be deleted without deleting the function.")
	_, err = f.s.DeleteFunction(f.ctx, &DeleteFunctionRequest{FunctionName: "fn", Qualifier: "4"})
	wantErr(t, err, "ResourceNotFoundException", 404, "Function not found: "+testARN+"fn:4")

	out, err := f.s.DeleteFunction(f.ctx, &DeleteFunctionRequest{FunctionName: testARN + "fn"})
	if err != nil || *out.StatusCode != 204 {
		t.Fatalf("delete: %v %v", out, err)
	}
	if len(f.inv.evicted) != 1 || f.inv.evicted[0] != testARN+"fn" {
		t.Errorf("evicted %v", f.inv.evicted)
	}
	if n := f.eng.blobs.count(); n != 1 {
		t.Errorf("%d blobs left, want other's only", n)
	}
	for _, k := range f.keys(t) {
		if strings.HasSuffix(k, "/fn") {
			t.Errorf("key %s left", k)
		}
	}
	_, err = f.s.GetFunction(f.ctx, &GetFunctionRequest{FunctionName: "fn"})
	wantErr(t, err, "ResourceNotFoundException", 404, "Function not found: "+testARN+"fn")
	_, err = f.s.DeleteFunction(f.ctx, &DeleteFunctionRequest{FunctionName: "fn"})
	wantErr(t, err, "ResourceNotFoundException", 404, "Function not found: "+testARN+"fn")

	// Deleting during an update also deletes the code the update replaced.
	if _, err := f.s.UpdateFunctionCode(f.ctx, &UpdateFunctionCodeRequest{FunctionName: "other", ZipFile: pyZip(t, "v = 2\n")}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.DeleteFunction(f.ctx, &DeleteFunctionRequest{FunctionName: "other"}); err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(0)
	f.nothingStored(t)
}

// Configuration hako cannot honour is refused, named, with nothing stored.
func TestUnsupportedConfigurationIsNamed(t *testing.T) {
	f := newFixture(t)
	r := f.createReq("fn", pyZip(t, "def handler(e, c):\n    return 1\n"))
	r.SnapStart = &SnapStart{ApplyOn: "PublishedVersions"}
	_, err := f.s.CreateFunction(f.ctx, r)
	wantErr(t, err, "NotImplemented", 501, "SnapStart (ApplyOn PublishedVersions) is not implemented by hako...")
	f.nothingStored(t)
	f.create(t, "fn")
	_, err = f.s.UpdateFunctionConfiguration(f.ctx, &UpdateFunctionConfigurationRequest{FunctionName: "fn",
		FileSystemConfigs: []FileSystemConfig{{Arn: "arn:aws:elasticfilesystem:eu-west-1:123456789012:access-point/fsap-1", LocalMountPath: "/mnt/efs"}}})
	wantErr(t, err, "NotImplemented", 501, "FileSystemConfigs (EFS mounts) is not implemented by hako...")
	r = f.createReq("fn2", pyZip(t, ""))
	r.SnapStart = &SnapStart{ApplyOn: "None"}
	if _, err := f.s.CreateFunction(f.ctx, r); err != nil {
		t.Errorf("SnapStart None refused: %v", err)
	}
}

// S3Bucket/S3Key deploy the same package as ZipFile would.
func TestCodeFromS3(t *testing.T) {
	f := newFixture(t)
	zip := pyZip(t, "def handler(e, c):\n    return 's3'\n")
	f.objects["deploy/fn.zip"] = zip
	r := f.createReq("fn", nil)
	r.Code = &FunctionCode{S3Bucket: "deploy", S3Key: "fn.zip"}
	out, err := f.s.CreateFunction(f.ctx, r)
	_, b64 := sha(zip)
	if err != nil || out.CodeSha256 != b64 || *out.CodeSize != int64(len(zip)) {
		t.Fatalf("%+v %v", out, err)
	}
	f.clk.Advance(0)
	zip2 := pyZip(t, "def handler(e, c):\n    return 2\n")
	f.objects["deploy/v2.zip"] = zip2
	up, err := f.s.UpdateFunctionCode(f.ctx, &UpdateFunctionCodeRequest{FunctionName: "fn", S3Bucket: "deploy", S3Key: "v2.zip"})
	if _, b := sha(zip2); err != nil || up.CodeSha256 != b {
		t.Fatalf("%+v %v", up, err)
	}
	_, err = f.s.UpdateFunctionCode(f.ctx, &UpdateFunctionCodeRequest{FunctionName: "fn", S3Bucket: "deploy"})
	wantErr(t, err, "InvalidParameterValueException", 400, "Please provide a source for function code.")
}
