package restjson_test

import (
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	schedtypes "github.com/aws/aws-sdk-go-v2/service/scheduler/types"

	"hako/internal/protocol"
	"hako/internal/protocol/internal/codectest"
)

func TestSchedulerSDK(t *testing.T) {
	start := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	created := time.Date(2024, 5, 6, 7, 8, 9, 250_000_000, time.UTC)
	svc, srv := startService(t, "scheduler", "ValidationException", func(op string, in map[string]any) (map[string]any, error) {
		if in["Name"] == "missing" {
			return nil, protocol.Errorf("ResourceNotFoundException", "Schedule missing does not exist.")
		}
		switch op {
		case "CreateSchedule":
			return map[string]any{"ScheduleArn": "arn:aws:scheduler:us-east-1:000000000000:schedule/default/" + in["Name"].(string)}, nil
		case "GetSchedule":
			return map[string]any{
				"Name":                 in["Name"],
				"GroupName":            in["GroupName"],
				"CreationDate":         created,
				"LastModificationDate": created.Add(time.Hour),
				"ScheduleExpression":   "rate(5 minutes)",
				"FlexibleTimeWindow":   map[string]any{"Mode": "FLEXIBLE", "MaximumWindowInMinutes": int64(15)},
				"Target": map[string]any{
					"Arn": "arn:aws:lambda:us-east-1:000000000000:function:fn", "RoleArn": "arn:aws:iam::000000000000:role/r",
					"RetryPolicy": map[string]any{"MaximumRetryAttempts": int64(3), "MaximumEventAgeInSeconds": int64(120)},
				},
				"State": "ENABLED",
			}, nil
		}
		return nil, protocol.NotImplemented("scheduler", op)
	})
	client := scheduler.NewFromConfig(codectest.SDKConfig(), func(o *scheduler.Options) { o.BaseEndpoint = aws.String(srv.URL) })

	_, err := client.CreateSchedule(ctx, &scheduler.CreateScheduleInput{
		Name:               aws.String("every-5"),
		ScheduleExpression: aws.String("rate(5 minutes)"),
		FlexibleTimeWindow: &schedtypes.FlexibleTimeWindow{Mode: schedtypes.FlexibleTimeWindowModeOff},
		StartDate:          aws.Time(start),
		Target: &schedtypes.Target{
			Arn:         aws.String("arn:aws:lambda:us-east-1:000000000000:function:fn"),
			RoleArn:     aws.String("arn:aws:iam::000000000000:role/r"),
			Input:       aws.String(`{"k":"v"}`),
			RetryPolicy: &schedtypes.RetryPolicy{MaximumRetryAttempts: aws.Int32(0)},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	doc := svc.Last(t).Doc
	if token, _ := doc["ClientToken"].(string); token == "" {
		t.Errorf("ClientToken (idempotency token) missing: %v", doc)
	}
	delete(doc, "ClientToken")
	equalDoc(t, "CreateSchedule input", doc, map[string]any{
		"Name":               "every-5",
		"ScheduleExpression": "rate(5 minutes)",
		"FlexibleTimeWindow": map[string]any{"Mode": "OFF"},
		"StartDate":          start,
		"Target": map[string]any{
			"Arn": "arn:aws:lambda:us-east-1:000000000000:function:fn", "RoleArn": "arn:aws:iam::000000000000:role/r",
			"Input": `{"k":"v"}`, "RetryPolicy": map[string]any{"MaximumRetryAttempts": int64(0)},
		},
	})

	out, err := client.GetSchedule(ctx, &scheduler.GetScheduleInput{Name: aws.String("every-5"), GroupName: aws.String("my-group_1.x")})
	if err != nil {
		t.Fatal(err)
	}
	equalDoc(t, "GetSchedule input", svc.Last(t).Doc, map[string]any{"Name": "every-5", "GroupName": "my-group_1.x"})
	if !aws.ToTime(out.CreationDate).Equal(created) || !aws.ToTime(out.LastModificationDate).Equal(created.Add(time.Hour)) ||
		aws.ToInt32(out.FlexibleTimeWindow.MaximumWindowInMinutes) != 15 || aws.ToInt32(out.Target.RetryPolicy.MaximumRetryAttempts) != 3 ||
		out.State != schedtypes.ScheduleStateEnabled || aws.ToString(out.GroupName) != "my-group_1.x" {
		t.Errorf("output = %+v (created %v)", out, aws.ToTime(out.CreationDate))
	}

	_, err = client.GetSchedule(ctx, &scheduler.GetScheduleInput{Name: aws.String("missing")})
	var nf *schedtypes.ResourceNotFoundException
	if !errors.As(err, &nf) || nf.ErrorMessage() != "Schedule missing does not exist." {
		t.Fatalf("err = %T %v", err, err)
	}
}

func TestAPIGatewaySDK(t *testing.T) {
	created := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	svc, srv := startService(t, "apigateway", "BadRequestException", func(op string, in map[string]any) (map[string]any, error) {
		switch op {
		case "GetRestApis":
			return map[string]any{
				"items": []any{
					map[string]any{"id": "a1", "name": "one", "createdDate": created, "binaryMediaTypes": []any{"image/png"}, "tags": map[string]any{"k": "v"}},
					map[string]any{"id": "b2", "name": "two", "createdDate": created, "disableExecuteApiEndpoint": true},
				},
				"position": "next",
			}, nil
		case "GetExport":
			return map[string]any{
				"contentType":        "application/yaml",
				"contentDisposition": `attachment; filename="swagger.yaml"`,
				"body":               []byte("openapi: 3.0.1\n"),
			}, nil
		}
		return nil, protocol.NotImplemented("apigateway", op)
	})
	client := apigateway.NewFromConfig(codectest.SDKConfig(), func(o *apigateway.Options) { o.BaseEndpoint = aws.String(srv.URL) })

	out, err := client.GetRestApis(ctx, &apigateway.GetRestApisInput{Limit: aws.Int32(2), Position: aws.String("p")})
	if err != nil {
		t.Fatal(err)
	}
	equalDoc(t, "GetRestApis input", svc.Last(t).Doc, map[string]any{"limit": int64(2), "position": "p"})
	// The list member is "items" in the model and "item" on the wire.
	if len(out.Items) != 2 || aws.ToString(out.Items[0].Id) != "a1" || !aws.ToTime(out.Items[0].CreatedDate).Equal(created) ||
		out.Items[0].Tags["k"] != "v" || !out.Items[1].DisableExecuteApiEndpoint || aws.ToString(out.Position) != "next" {
		t.Errorf("output = %+v", out)
	}

	exp, err := client.GetExport(ctx, &apigateway.GetExportInput{
		RestApiId: aws.String("a1"), StageName: aws.String("prod"), ExportType: aws.String("oas30"),
		Accepts:    aws.String("application/yaml"),
		Parameters: map[string]string{"extensions": "apigateway", "flag": "x y"},
	})
	if err != nil {
		t.Fatal(err)
	}
	equalDoc(t, "GetExport input", svc.Last(t).Doc, map[string]any{
		// aws-sdk-go-v2's API Gateway client overwrites Accept with application/json.
		"restApiId": "a1", "stageName": "prod", "exportType": "oas30", "accepts": "application/json",
		"parameters": map[string]any{"extensions": "apigateway", "flag": "x y"},
	})
	if string(exp.Body) != "openapi: 3.0.1\n" || aws.ToString(exp.ContentType) != "application/yaml" || aws.ToString(exp.ContentDisposition) != `attachment; filename="swagger.yaml"` {
		t.Errorf("export = %+v body %q", exp, exp.Body)
	}
}
