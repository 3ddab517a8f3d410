package e2e

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// TestLambdaFailures drives the failure modes AWS users meet, through
// aws-sdk-go-v2: timeouts, init errors and throttling at reserved
// concurrency.
func TestLambdaFailures(t *testing.T) {
	s := StartServer(t)
	c := lambda.NewFromConfig(s.sdkConfig(t))

	t.Run("timeout", func(t *testing.T) {
		code := zipFiles(t, map[string]string{"index.js": `exports.handler = async () => { await new Promise(r => setTimeout(r, 3000)); return "late"; };`}, nil)
		if _, err := c.CreateFunction(ctx, &lambda.CreateFunctionInput{
			FunctionName: aws.String("slow"), Runtime: types.RuntimeNodejs20x, Handler: aws.String("index.handler"),
			Role: aws.String(roleARN), Code: &types.FunctionCode{ZipFile: code}, Timeout: aws.Int32(1),
		}); err != nil {
			t.Fatal(err)
		}
		v, fe := invoke(t, c, "slow", `{}`)
		msg, _ := v["errorMessage"].(string)
		if fe != "Unhandled" || !strings.Contains(msg, "Task timed out after 1.00 seconds") {
			t.Fatalf("timeout = %v %s", v, fe)
		}
	})

	t.Run("handler not found and import error", func(t *testing.T) {
		createFunction(t, c, "nohandler", "python3.11", "app.nope", zipFiles(t, map[string]string{"app.py": "def handler(e, c):\n    return 1\n"}, nil))
		v, fe := invoke(t, c, "nohandler", `{}`)
		if fe != "Unhandled" || v["errorType"] != "Runtime.HandlerNotFound" {
			t.Fatalf("handler not found = %v %s", v, fe)
		}
		createFunction(t, c, "badimport", "python3.11", "app.handler", zipFiles(t, map[string]string{"app.py": "import not_a_module\n"}, nil))
		v, fe = invoke(t, c, "badimport", `{}`)
		if fe != "Unhandled" || v["errorType"] != "Runtime.ImportModuleError" || !strings.Contains(v["errorMessage"].(string), "No module named 'not_a_module'") {
			t.Fatalf("import error = %v %s", v, fe)
		}
	})

	t.Run("reserved concurrency", func(t *testing.T) {
		createFunction(t, c, "limited", "nodejs20.x", "index.handler", zipFiles(t, map[string]string{
			"index.js": `exports.handler = async () => { await new Promise(r => setTimeout(r, 1500)); return "ok"; };`,
		}, nil))
		if _, err := c.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: aws.String("limited"), ReservedConcurrentExecutions: aws.Int32(1)}); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 3)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("limited"), Payload: []byte(`{}`)})
			}()
		}
		wg.Wait()
		ok, throttled := 0, 0
		for _, err := range errs {
			var tm *types.TooManyRequestsException
			switch {
			case err == nil:
				ok++
			case errors.As(err, &tm):
				if tm.Reason != types.ThrottleReasonReservedFunctionConcurrentInvocationLimitExceeded {
					t.Errorf("reason = %s", tm.Reason)
				}
				throttled++
			default:
				t.Errorf("unexpected %v", err)
			}
		}
		if ok != 1 || throttled != 2 {
			t.Fatalf("with reserved concurrency 1: %d ran, %d throttled", ok, throttled)
		}
		// Reserved concurrency 0 stops the function entirely.
		if _, err := c.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: aws.String("limited"), ReservedConcurrentExecutions: aws.Int32(0)}); err != nil {
			t.Fatal(err)
		}
		_, err := c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("limited"), Payload: []byte(`{}`)})
		expectAPIError(t, err, "TooManyRequestsException", 429)
	})
}
