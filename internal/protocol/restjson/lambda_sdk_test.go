package restjson_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"hako/internal/protocol"
	"hako/internal/protocol/internal/codectest"
)

const fnArn = "arn:aws:lambda:us-east-1:000000000000:function:fn"

func functionConfig(name string) map[string]any {
	return map[string]any{
		"FunctionName":  name,
		"FunctionArn":   "arn:aws:lambda:us-east-1:000000000000:function:" + name,
		"Runtime":       "python3.12",
		"Role":          "arn:aws:iam::000000000000:role/r",
		"Handler":       "app.handler",
		"CodeSize":      int64(1234),
		"Timeout":       int64(30),
		"MemorySize":    int64(256),
		"LastModified":  "2024-01-02T03:04:05.000+0000",
		"CodeSha256":    "abc=",
		"Version":       "$LATEST",
		"Environment":   map[string]any{"Variables": map[string]any{"AA": "1"}},
		"State":         "Active",
		"Architectures": []any{"arm64"},
	}
}

// lambdaHandler answers the Lambda calls the tests make.
func lambdaHandler(op string, in map[string]any) (map[string]any, error) {
	if in["FunctionName"] == "missing" {
		return nil, protocol.Errorf("ResourceNotFoundException", "Function not found: arn:aws:lambda:us-east-1:000000000000:function:missing")
	}
	if in["FunctionName"] == "busy" {
		return nil, protocol.Errorf("TooManyRequestsException", "Rate Exceeded.").
			With("retryAfterSeconds", "7").With("Reason", "ReservedFunctionConcurrentInvocationLimitExceeded")
	}
	if in["FunctionName"] == "broken" {
		return nil, protocol.Errorf("ServiceException", "Lambda had an internal error.")
	}
	switch op {
	case "CreateFunction":
		return functionConfig(in["FunctionName"].(string)), nil
	case "GetFunction":
		return map[string]any{
			"Configuration": functionConfig(in["FunctionName"].(string)),
			"Code":          map[string]any{"RepositoryType": "S3", "Location": "http://localhost/code.zip?x=1&y=2"},
			"Tags":          map[string]any{"team": "a"},
		}, nil
	case "ListFunctions":
		if in["Marker"] == nil {
			return map[string]any{"Functions": []any{functionConfig("a"), functionConfig("b")}, "NextMarker": "m2"}, nil
		}
		return map[string]any{"Functions": []any{functionConfig("c")}}, nil
	case "Invoke":
		if in["InvocationType"] == "Event" {
			return map[string]any{"StatusCode": int64(202)}, nil
		}
		payload, _ := in["Payload"].([]byte)
		out := map[string]any{
			"StatusCode":      int64(200),
			"Payload":         append([]byte(`{"echo":`), append(payload, '}')...),
			"ExecutedVersion": "$LATEST",
		}
		if bytes.Contains(payload, []byte("fail")) {
			out["FunctionError"] = "Unhandled"
		}
		if in["LogType"] == "Tail" {
			out["LogResult"] = base64.StdEncoding.EncodeToString([]byte("START RequestId: 1\nEND\n"))
		}
		return out, nil
	case "TagResource", "UntagResource":
		return nil, nil
	case "ListTags":
		return map[string]any{"Tags": map[string]any{"team": "a", "env": "dev"}}, nil
	case "DeleteFunction":
		return map[string]any{"StatusCode": int64(204)}, nil
	}
	return nil, protocol.NotImplemented("lambda", op)
}

func TestLambdaSDK(t *testing.T) {
	svc, srv := startService(t, "lambda", "ValidationException", lambdaHandler)
	client := lambda.NewFromConfig(codectest.SDKConfig(), func(o *lambda.Options) { o.BaseEndpoint = aws.String(srv.URL) })

	t.Run("CreateFunction", func(t *testing.T) {
		zip := []byte("PK\x03\x04 not really a zip \x00\xff")
		out, err := client.CreateFunction(ctx, &lambda.CreateFunctionInput{
			FunctionName:  aws.String("fn"),
			Runtime:       types.RuntimePython312,
			Role:          aws.String("arn:aws:iam::000000000000:role/r"),
			Handler:       aws.String("app.handler"),
			Code:          &types.FunctionCode{ZipFile: zip},
			Timeout:       aws.Int32(30),
			MemorySize:    aws.Int32(256),
			Environment:   &types.Environment{Variables: map[string]string{"AA": "1", "BB": "two words"}},
			Tags:          map[string]string{"team": "a"},
			Architectures: []types.Architecture{types.ArchitectureArm64},
			TracingConfig: &types.TracingConfig{Mode: types.TracingModeActive},
		})
		if err != nil {
			t.Fatal(err)
		}
		equalDoc(t, "input", svc.Last(t).Doc, map[string]any{
			"FunctionName":  "fn",
			"Runtime":       "python3.12",
			"Role":          "arn:aws:iam::000000000000:role/r",
			"Handler":       "app.handler",
			"Code":          map[string]any{"ZipFile": zip},
			"Timeout":       int64(30),
			"MemorySize":    int64(256),
			"Environment":   map[string]any{"Variables": map[string]any{"AA": "1", "BB": "two words"}},
			"Tags":          map[string]any{"team": "a"},
			"Architectures": []any{"arm64"},
			"TracingConfig": map[string]any{"Mode": "Active"},
		})
		if aws.ToString(out.FunctionArn) != fnArn || aws.ToInt64(&out.CodeSize) != 1234 || aws.ToInt32(out.Timeout) != 30 ||
			out.Environment == nil || out.Environment.Variables["AA"] != "1" || out.State != types.StateActive ||
			len(out.Architectures) != 1 || out.Architectures[0] != types.ArchitectureArm64 {
			t.Errorf("output = %+v", out)
		}
		if code := svc.Last(t); code.Op != "CreateFunction" {
			t.Errorf("op %s", code.Op)
		}
	})

	t.Run("GetFunction", func(t *testing.T) {
		out, err := client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(fnArn), Qualifier: aws.String("$LATEST")})
		if err != nil {
			t.Fatal(err)
		}
		equalDoc(t, "input", svc.Last(t).Doc, map[string]any{"FunctionName": fnArn, "Qualifier": "$LATEST"})
		if aws.ToString(out.Configuration.Handler) != "app.handler" || aws.ToString(out.Code.Location) != "http://localhost/code.zip?x=1&y=2" || out.Tags["team"] != "a" {
			t.Errorf("output = %+v", out)
		}
	})

	t.Run("ListFunctionsPaging", func(t *testing.T) {
		before := len(svc.All())
		p := lambda.NewListFunctionsPaginator(client, &lambda.ListFunctionsInput{MaxItems: aws.Int32(2)})
		var names []string
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range page.Functions {
				names = append(names, aws.ToString(f.FunctionName))
			}
		}
		calls := svc.All()[before:]
		if len(calls) != 2 {
			t.Fatalf("%d calls", len(calls))
		}
		equalDoc(t, "page 1", calls[0].Doc, map[string]any{"MaxItems": int64(2)})
		equalDoc(t, "page 2", calls[1].Doc, map[string]any{"MaxItems": int64(2), "Marker": "m2"})
		if strings.Join(names, ",") != "a,b,c" {
			t.Errorf("names %v", names)
		}
	})

	t.Run("Invoke", func(t *testing.T) {
		clientContext := base64.StdEncoding.EncodeToString([]byte(`{"custom":{"k":"v"}}`))
		out, err := client.Invoke(ctx, &lambda.InvokeInput{
			FunctionName:   aws.String("fn"),
			Payload:        []byte(`{"x":10,"y":"fail"}`),
			InvocationType: types.InvocationTypeRequestResponse,
			LogType:        types.LogTypeTail,
			ClientContext:  aws.String(clientContext),
			Qualifier:      aws.String("live"),
		})
		if err != nil {
			t.Fatal(err)
		}
		equalDoc(t, "input", svc.Last(t).Doc, map[string]any{
			"FunctionName":   "fn",
			"Payload":        []byte(`{"x":10,"y":"fail"}`),
			"InvocationType": "RequestResponse",
			"LogType":        "Tail",
			"ClientContext":  clientContext,
			"Qualifier":      "live",
		})
		if out.StatusCode != 200 || string(out.Payload) != `{"echo":{"x":10,"y":"fail"}}` || aws.ToString(out.FunctionError) != "Unhandled" || aws.ToString(out.ExecutedVersion) != "$LATEST" {
			t.Errorf("output = %+v payload %s", out, out.Payload)
		}
		if logs, _ := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult)); string(logs) != "START RequestId: 1\nEND\n" {
			t.Errorf("LogResult %q", logs)
		}
	})

	t.Run("InvokeEvent", func(t *testing.T) {
		out, err := client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("fn"), InvocationType: types.InvocationTypeEvent, Payload: []byte(`{}`)})
		if err != nil {
			t.Fatal(err)
		}
		if out.StatusCode != 202 || len(out.Payload) != 0 || out.FunctionError != nil {
			t.Errorf("output = %+v", out)
		}
	})

	t.Run("InvokeNoPayload", func(t *testing.T) {
		if _, err := client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("fn")}); err != nil {
			t.Fatal(err)
		}
		equalDoc(t, "input", svc.Last(t).Doc, map[string]any{"FunctionName": "fn"})
	})

	t.Run("TagAndListTags", func(t *testing.T) {
		if _, err := client.TagResource(ctx, &lambda.TagResourceInput{Resource: aws.String(fnArn), Tags: map[string]string{"env": "dev", "team": "a"}}); err != nil {
			t.Fatal(err)
		}
		equalDoc(t, "tag input", svc.Last(t).Doc, map[string]any{"Resource": fnArn, "Tags": map[string]any{"env": "dev", "team": "a"}})
		if _, err := client.UntagResource(ctx, &lambda.UntagResourceInput{Resource: aws.String(fnArn), TagKeys: []string{"a,b", "env"}}); err != nil {
			t.Fatal(err)
		}
		equalDoc(t, "untag input", svc.Last(t).Doc, map[string]any{"Resource": fnArn, "TagKeys": []any{"a,b", "env"}})
		out, err := client.ListTags(ctx, &lambda.ListTagsInput{Resource: aws.String(fnArn)})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Tags) != 2 || out.Tags["env"] != "dev" {
			t.Errorf("tags %v", out.Tags)
		}
	})

	t.Run("DeleteFunction", func(t *testing.T) {
		out, err := client.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("fn"), Qualifier: aws.String("3")})
		if err != nil {
			t.Fatal(err)
		}
		equalDoc(t, "input", svc.Last(t).Doc, map[string]any{"FunctionName": "fn", "Qualifier": "3"})
		if out.StatusCode != 204 {
			t.Errorf("StatusCode %d", out.StatusCode)
		}
	})

	t.Run("ResourceNotFoundException", func(t *testing.T) {
		_, err := client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("missing")})
		var nf *types.ResourceNotFoundException
		if !errors.As(err, &nf) {
			t.Fatalf("err = %T %v", err, err)
		}
		if aws.ToString(nf.Type) != "User" || nf.ErrorMessage() != "Function not found: arn:aws:lambda:us-east-1:000000000000:function:missing" {
			t.Errorf("Type %q message %q", aws.ToString(nf.Type), nf.ErrorMessage())
		}
		var re interface{ HTTPStatusCode() int }
		if !errors.As(err, &re) || re.HTTPStatusCode() != 404 {
			t.Errorf("status: %v", err)
		}
	})

	t.Run("TooManyRequestsException", func(t *testing.T) {
		_, err := client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("busy")})
		var tm *types.TooManyRequestsException
		if !errors.As(err, &tm) {
			t.Fatalf("err = %T %v", err, err)
		}
		if aws.ToString(tm.RetryAfterSeconds) != "7" || tm.Reason != types.ThrottleReasonReservedFunctionConcurrentInvocationLimitExceeded || aws.ToString(tm.Type) != "User" {
			t.Errorf("error = %+v", tm)
		}
	})

	t.Run("ServiceException", func(t *testing.T) {
		_, err := client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("broken")})
		var se *types.ServiceException
		if !errors.As(err, &se) || aws.ToString(se.Type) != "Service" {
			t.Fatalf("err = %T %v", err, err)
		}
	})

	t.Run("Validation", func(t *testing.T) {
		_, err := client.CreateFunction(ctx, &lambda.CreateFunctionInput{
			FunctionName: aws.String("fn"), Role: aws.String("r"), Code: &types.FunctionCode{}, Timeout: aws.Int32(0),
		})
		var ve interface{ ErrorCode() string }
		if !errors.As(err, &ve) || ve.ErrorCode() != "ValidationException" {
			t.Fatalf("err = %T %v", err, err)
		}
	})
}
