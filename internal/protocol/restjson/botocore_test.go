package restjson_test

import (
	"testing"

	"hako/internal/protocol/internal/codectest"
)

func TestLambdaBotocore(t *testing.T) {
	svc, srv := startService(t, "lambda", "ValidationException", lambdaHandler)
	var got map[string]any
	codectest.Botocore(t, "testdata/botocore_lambda.py", &got, srv.URL)

	calls := svc.All()
	equalDoc(t, "CreateFunction input", calls[0].Doc, map[string]any{
		"FunctionName": "fn", "Runtime": "python3.12", "Role": "arn:aws:iam::000000000000:role/r", "Handler": "app.handler",
		"Code": map[string]any{"ZipFile": []byte("PK\x03\x04zip\x00\xff")}, "Environment": map[string]any{"Variables": map[string]any{"AA": "1"}},
	})
	equalDoc(t, "Invoke input", calls[1].Doc, map[string]any{
		"FunctionName": "fn", "Payload": []byte(`{"x":"fail"}`), "LogType": "Tail", "Qualifier": "live",
		"ClientContext": "eyJjdXN0b20iOnt9fQ==",
	})
	equalDoc(t, "create", got["create"], map[string]any{"FunctionArn": fnArn, "CodeSize": 1234.0, "Timeout": 30.0})
	equalDoc(t, "invoke", got["invoke"], map[string]any{
		"StatusCode": 200.0, "FunctionError": "Unhandled", "ExecutedVersion": "$LATEST",
		"LogResult": "START RequestId: 1\nEND\n", "Payload": `{"echo":{"x":"fail"}}`,
	})
	equalDoc(t, "event", got["event"], map[string]any{"StatusCode": 202.0, "Payload": ""})
	equalDoc(t, "tags", got["tags"], map[string]any{"team": "a", "env": "dev"})
	equalDoc(t, "delete", got["delete"], 204.0)
	errs, _ := got["errors"].(map[string]any)
	equalDoc(t, "missing", errs["missing"], map[string]any{
		"code": "ResourceNotFoundException", "message": "Function not found: arn:aws:lambda:us-east-1:000000000000:function:missing",
		"status": 404.0, "type": "User", "retryAfterSeconds": nil, "modeled": "ResourceNotFoundException",
	})
	equalDoc(t, "busy", errs["busy"], map[string]any{
		"code": "TooManyRequestsException", "message": "Rate Exceeded.",
		"status": 429.0, "type": "User", "retryAfterSeconds": "7", "modeled": "TooManyRequestsException",
	})
}
