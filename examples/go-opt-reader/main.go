// Command go-opt-reader is a provided.al2023 function (aws-lambda-go) that
// reads what its layers put under /opt: a file, a program found through
// PATH (/opt/bin) and the library path (/opt/lib). Shipped as a layer
// itself, it is also the function's bootstrap (/opt/bootstrap).
//
//	GOOS=linux CGO_ENABLED=0 go build -o bootstrap ./examples/go-opt-reader
package main

import (
	"context"
	"os"
	"os/exec"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
)

type event struct {
	File string `json:"file"`
	Tool string `json:"tool"`
}

func handle(ctx context.Context, e event) (map[string]any, error) {
	out := map[string]any{
		"path":            os.Getenv("PATH"),
		"ld_library_path": os.Getenv("LD_LIBRARY_PATH"),
		"executable":      os.Args[0],
	}
	if e.File != "" {
		b, err := os.ReadFile(e.File)
		if err != nil {
			return nil, err
		}
		out["content"] = string(b)
	}
	if e.Tool != "" {
		p, err := exec.LookPath(e.Tool)
		if err != nil {
			return nil, err
		}
		b, err := exec.CommandContext(ctx, p).Output()
		if err != nil {
			return nil, err
		}
		out["tool"], out["tool_output"] = p, strings.TrimSpace(string(b))
	}
	return out, nil
}

func main() { lambda.Start(handle) }
