// Command fn is the Go function the runtime tests run as a provided.al2023
// bootstrap: it does what the event's "action" says.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

type event struct {
	Action string `json:"action"`
	Sleep  string `json:"sleep"`
	MB     int    `json:"mb"`
	Code   int    `json:"code"`
	Text   string `json:"text"`
	File   string `json:"file"`
}

var (
	counter int
	keep    [][]byte
)

func init() {
	if os.Getenv("FN_INIT_EXIT") != "" {
		fmt.Println("init failing on purpose")
		os.Exit(2)
	}
	fmt.Println("init done")
}

func handle(ctx context.Context, e event) (any, error) {
	counter++
	switch e.Action {
	case "", "echo":
		return map[string]any{"echo": e.Text, "count": counter}, nil
	case "count":
		return counter, nil
	case "error":
		return nil, errors.New("boom: " + e.Text)
	case "print":
		fmt.Println(e.Text)
		fmt.Fprintln(os.Stderr, "to stderr")
		return "printed", nil
	case "sleep":
		d, _ := time.ParseDuration(e.Sleep)
		time.Sleep(d)
		return "slept " + e.Sleep, nil
	case "panic":
		panic("panicking: " + e.Text)
	case "exit":
		os.Exit(e.Code)
	case "alloc":
		for i := 0; i < e.MB; i++ {
			b := make([]byte, 1<<20)
			for j := range b {
				b[j] = byte(j)
			}
			keep = append(keep, b)
		}
		return len(keep), nil
	case "big":
		return strings.Repeat("x", e.MB<<20), nil
	case "env":
		env := map[string]string{}
		for _, kv := range os.Environ() {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
		lc, _ := lambdacontext.FromContext(ctx)
		dl, _ := ctx.Deadline()
		wd, _ := os.Getwd()
		return map[string]any{
			"env": env, "requestId": lc.AwsRequestID, "arn": lc.InvokedFunctionArn,
			"deadlineIn": time.Until(dl).Milliseconds(), "uid": os.Getuid(), "wd": wd,
			"clientContext": lc.ClientContext.Custom,
		}, nil
	case "write":
		err := os.WriteFile(e.File, []byte(e.Text), 0o600)
		if err != nil {
			return nil, err
		}
		b, err := os.ReadFile(e.File)
		return string(b), err
	case "read":
		b, err := os.ReadFile(e.File)
		if err != nil {
			return nil, err
		}
		return len(b), nil
	case "ls":
		ents, err := os.ReadDir(e.File)
		if err != nil {
			return nil, err
		}
		var names []string
		for _, d := range ents {
			names = append(names, d.Name())
		}
		return names, nil
	}
	return nil, fmt.Errorf("unknown action %q", e.Action)
}

func main() { lambda.Start(handle) }
