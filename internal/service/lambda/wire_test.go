package lambda

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"

	"hako/internal/protocol"
	"hako/internal/protocol/restjson"
	"hako/internal/runtime"
)

// wireServer serves the service over HTTP the way the edge does (codec,
// model validation, handler, codec), for a real client.
func wireServer(t *testing.T, f *fixture) *httptest.Server {
	t.Helper()
	api := f.s.APIs()[0]
	var codec restjson.Codec
	mux := http.NewServeMux()
	mux.Handle(CodePath, f.s.CodeHandler())
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		c := &protocol.Call{RequestID: "wire-req", Account: testAccount, Region: testRegion, Time: f.clk.Now(), API: api.Model(), ValidationCode: api.ValidationCode}
		fail := func(err error) {
			var pe *protocol.Error
			if !errors.As(err, &pe) {
				t.Errorf("non-AWS error %v", err)
				pe = protocol.InternalFailure()
			}
			codec.EncodeError(c, w, pe)
		}
		op, err := codec.Operation(c, r)
		if err != nil {
			fail(err)
			return
		}
		c.Op = op
		in, err := codec.Decode(c, r)
		if err != nil {
			fail(err)
			return
		}
		if verr := protocol.Validate(api.Model(), op.InputShape, in, api.ValidationCode); verr != nil {
			fail(verr)
			return
		}
		h := api.Handlers[op.Name]
		if h == nil {
			fail(protocol.NotImplemented("lambda", op.Name))
			return
		}
		out, err := h(protocol.WithCall(r.Context(), c), in)
		if err != nil {
			fail(err)
			return
		}
		codec.Encode(c, w, out)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// What aws-sdk-go-v2 reads off the wire: typed outputs, status codes,
// Invoke's raw payload and headers, typed errors.
func TestWireSDK(t *testing.T) {
	var base string
	f := newFixture(t, WithEndpoint(func() string { return base }))
	srv := wireServer(t, f)
	base = srv.URL
	client := awslambda.NewFromConfig(aws.Config{
		Region:      testRegion,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		Retryer:     func() aws.Retryer { return aws.NopRetryer{} },
	}, func(o *awslambda.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	ctx := context.Background()

	zipFile := pyZip(t, "def handler(e, c):\n    return e\n")
	created, err := client.CreateFunction(ctx, &awslambda.CreateFunctionInput{
		FunctionName: aws.String("fn"), Runtime: types.RuntimePython312, Role: aws.String(testRole),
		Handler: aws.String("app.handler"), Code: &types.FunctionCode{ZipFile: zipFile},
		Environment: &types.Environment{Variables: map[string]string{"AA": "1"}},
		Tags:        map[string]string{"team": "a"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if created.State != types.StatePending || created.StateReasonCode != types.StateReasonCodeCreating ||
		aws.ToInt32(created.MemorySize) != 128 || aws.ToString(created.LastModified) != "2026-01-01T00:00:00.000+0000" {
		t.Errorf("create = %+v", created)
	}
	f.clk.Advance(0)

	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := awslambda.NewFunctionActiveV2Waiter(client).Wait(wctx, &awslambda.GetFunctionInput{FunctionName: aws.String("fn")}, 5*time.Second); err != nil {
		t.Fatalf("function-active-v2: %v", err)
	}

	got, err := client.GetFunction(ctx, &awslambda.GetFunctionInput{FunctionName: aws.String("fn")})
	if err != nil {
		t.Fatal(err)
	}
	if got.Configuration.State != types.StateActive || got.Configuration.LastUpdateStatus != types.LastUpdateStatusSuccessful || got.Tags["team"] != "a" {
		t.Errorf("get = %+v", got.Configuration)
	}
	resp, err := http.Get(aws.ToString(got.Code.Location))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != string(zipFile) {
		t.Errorf("download %d, %d bytes", resp.StatusCode, len(body))
	}

	f.inv.result.Payload = []byte(`{"errorMessage":"division by zero","errorType":"ZeroDivisionError"}`)
	f.inv.result.FunctionError = "Unhandled"
	f.inv.result.LogTail = []byte("START RequestId: wire-req Version: $LATEST\n")
	inv, err := client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("fn"), Payload: []byte(`{"x":10,"y":0}`), LogType: types.LogTypeTail})
	if err != nil {
		t.Fatal(err)
	}
	if inv.StatusCode != 200 || aws.ToString(inv.FunctionError) != "Unhandled" || !strings.Contains(string(inv.Payload), "ZeroDivisionError") ||
		aws.ToString(inv.ExecutedVersion) != "$LATEST" || aws.ToString(inv.LogResult) == "" {
		t.Errorf("invoke = %d %q %s %q", inv.StatusCode, aws.ToString(inv.FunctionError), inv.Payload, aws.ToString(inv.LogResult))
	}
	if string(f.inv.lastReq(t).Payload) != `{"x":10,"y":0}` {
		t.Errorf("payload %s", f.inv.lastReq(t).Payload)
	}
	dry, err := client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("fn"), InvocationType: types.InvocationTypeDryRun})
	if err != nil || dry.StatusCode != 204 {
		t.Errorf("dry run %v %v", dry, err)
	}

	// Typed errors.
	_, err = client.GetFunction(ctx, &awslambda.GetFunctionInput{FunctionName: aws.String("nope")})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) || aws.ToString(nf.Message) != "Function not found: "+testARN+"nope" || aws.ToString(nf.Type) != "User" {
		t.Errorf("not found: %v", err)
	}
	_, err = client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("fn"), Payload: []byte(`'test'`)})
	var bad *types.InvalidRequestContentException
	if !errors.As(err, &bad) || !strings.HasPrefix(aws.ToString(bad.Message), "Could not parse request body into json: Could not parse payload into json: Unexpected character (''' (code 39))") {
		t.Errorf("bad payload: %v", err)
	}
	f.inv.err = &errThrottle
	_, err = client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("fn")})
	var tooMany *types.TooManyRequestsException
	if !errors.As(err, &tooMany) || tooMany.Reason != types.ThrottleReasonReservedFunctionConcurrentInvocationLimitExceeded || aws.ToString(tooMany.Message) != "Rate Exceeded." {
		t.Errorf("throttled: %v", err)
	}
	f.inv.err = nil
	_, err = client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("fn"), Payload: make([]byte, maxSyncPayload+1)})
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "RequestEntityTooLargeException" || api.ErrorMessage() != "Request must be smaller than 6291456 bytes for the InvokeFunction operation" {
		t.Errorf("too large: %v", err)
	}
	_, err = client.UpdateFunctionCode(ctx, &awslambda.UpdateFunctionCodeInput{FunctionName: aws.String("fn"), ZipFile: zipFile, RevisionId: aws.String("nope")})
	var pre *types.PreconditionFailedException
	if !errors.As(err, &pre) {
		t.Errorf("precondition: %v", err)
	}

	up, err := client.UpdateFunctionConfiguration(ctx, &awslambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("fn"), Timeout: aws.Int32(10)})
	if err != nil || up.LastUpdateStatus != types.LastUpdateStatusInProgress {
		t.Fatalf("update: %v %v", up, err)
	}
	_, err = client.UpdateFunctionConfiguration(ctx, &awslambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("fn"), Timeout: aws.Int32(11)})
	var conflict *types.ResourceConflictException
	if !errors.As(err, &conflict) {
		t.Errorf("second update: %v", err)
	}
	f.clk.Advance(0)
	if err := awslambda.NewFunctionUpdatedV2Waiter(client).Wait(wctx, &awslambda.GetFunctionInput{FunctionName: aws.String("fn")}, 5*time.Second); err != nil {
		t.Fatalf("function-updated-v2: %v", err)
	}

	if _, err := client.AddPermission(ctx, &awslambda.AddPermissionInput{FunctionName: aws.String("fn"), StatementId: aws.String("s3"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("s3.amazonaws.com"), SourceArn: aws.String("arn:aws:s3:::b")}); err != nil {
		t.Fatal(err)
	}
	pol, err := client.GetPolicy(ctx, &awslambda.GetPolicyInput{FunctionName: aws.String("fn")})
	if err != nil || !strings.Contains(aws.ToString(pol.Policy), `"ArnLike":{"AWS:SourceArn":"arn:aws:s3:::b"}`) {
		t.Errorf("policy %v %v", pol, err)
	}
	if _, err := client.RemovePermission(ctx, &awslambda.RemovePermissionInput{FunctionName: aws.String("fn"), StatementId: aws.String("s3")}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.TagResource(ctx, &awslambda.TagResourceInput{Resource: aws.String(testARN + "fn"), Tags: map[string]string{"b": "2"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := client.ListTags(ctx, &awslambda.ListTagsInput{Resource: aws.String(testARN + "fn")})
	if err != nil || len(tags.Tags) != 2 {
		t.Errorf("tags %v %v", tags, err)
	}
	if _, err := client.UntagResource(ctx, &awslambda.UntagResourceInput{Resource: aws.String(testARN + "fn"), TagKeys: []string{"b"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.PutFunctionConcurrency(ctx, &awslambda.PutFunctionConcurrencyInput{FunctionName: aws.String("fn"), ReservedConcurrentExecutions: aws.Int32(5)}); err != nil {
		t.Fatal(err)
	}
	conc, err := client.GetFunctionConcurrency(ctx, &awslambda.GetFunctionConcurrencyInput{FunctionName: aws.String("fn")})
	if err != nil || aws.ToInt32(conc.ReservedConcurrentExecutions) != 5 {
		t.Errorf("concurrency %v %v", conc, err)
	}
	if _, err := client.DeleteFunctionConcurrency(ctx, &awslambda.DeleteFunctionConcurrencyInput{FunctionName: aws.String("fn")}); err != nil {
		t.Fatal(err)
	}
	settings, err := client.GetAccountSettings(ctx, &awslambda.GetAccountSettingsInput{})
	if err != nil || settings.AccountUsage.FunctionCount != 1 || aws.ToInt32(settings.AccountLimit.UnreservedConcurrentExecutions) != 1000 {
		t.Errorf("settings %+v %v", settings, err)
	}

	for _, n := range []string{"b", "c", "d"} {
		f.create(t, n)
	}
	var names []string
	pager := awslambda.NewListFunctionsPaginator(client, &awslambda.ListFunctionsInput{MaxItems: aws.Int32(3)})
	for pager.HasMorePages() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, fn := range page.Functions {
			names = append(names, aws.ToString(fn.FunctionName))
		}
	}
	if strings.Join(names, ",") != "b,c,d,fn" {
		t.Errorf("listed %v", names)
	}

	del, err := client.DeleteFunction(ctx, &awslambda.DeleteFunctionInput{FunctionName: aws.String("fn")})
	if err != nil || del.StatusCode != 204 {
		t.Errorf("delete %v %v", del, err)
	}
	_, err = client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("fn"), InvocationType: types.InvocationTypeEvent})
	if !errors.As(err, &nf) {
		t.Errorf("invoke deleted: %v", err)
	}
}

var errThrottle = runtime.ThrottleError{Reason: "ReservedFunctionConcurrentInvocationLimitExceeded"}
