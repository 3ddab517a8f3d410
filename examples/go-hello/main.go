// Command go-hello is a Lambda function written with aws-lambda-go, built as
// a provided.al2023 `bootstrap` (or a go1.x handler binary) and run on hako
// unchanged:
//
//	GOOS=linux CGO_ENABLED=0 go build -o bootstrap ./examples/go-hello && zip fn.zip bootstrap
package main

import (
	"context"
	"fmt"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

type event struct {
	Name string `json:"name"`
}

var invocations int // survives between invokes of one warm sandbox

func handle(ctx context.Context, e event) (map[string]any, error) {
	invocations++
	lc, _ := lambdacontext.FromContext(ctx)
	if e.Name == "" {
		return nil, fmt.Errorf("name is required")
	}
	fmt.Printf("hello %s\n", e.Name)
	return map[string]any{"greeting": "hello " + e.Name, "invocations": invocations, "requestId": lc.AwsRequestID}, nil
}

func main() { lambda.Start(handle) }
