// Command pinger is the benchmarks' asynchronous target: an aws-lambda-go
// function that, when its handler starts, calls the URL in its event, so
// the benchmark learns when each event reached a handler.
package main

import (
	"context"
	"net/http"

	"github.com/aws/aws-lambda-go/lambda"
)

type event struct {
	URL string `json:"url"`
}

func handle(ctx context.Context, e event) (string, error) {
	resp, err := http.Get(e.URL)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	return "ok", nil
}

func main() { lambda.Start(handle) }
