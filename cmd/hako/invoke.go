package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// runInvoke is `hako invoke NAME [--payload JSON|@file] [--qualifier Q]`:
// it prints the result (indented if JSON) to stdout and the log tail to
// stderr, and exits 1 when the function failed.
func runInvoke(args []string) int {
	fs := flag.NewFlagSet("invoke", flag.ContinueOnError)
	var cf clientFlags
	cf.register(fs)
	payload := fs.String("payload", "", "event as JSON, @FILE to read it from a file, or @- for stdin (default: no payload)")
	qualifier := fs.String("qualifier", "", "version or alias to invoke")
	quiet := fs.Bool("no-logs", false, "do not print the log tail")
	setUsage(fs, "hako invoke NAME [--payload JSON|@FILE] [--qualifier Q] [flags]",
		"Invokes a function synchronously. The result goes to stdout (indented if JSON), the\n"+
			"last 4 KB of its log to stderr. Exits 1 if the function failed, 2 if the call did.")
	pos, ok := parseArgs(fs, args)
	if !ok {
		return exitUsage
	}
	if len(pos) != 1 {
		return usageError(fs, "want one function name, got %d arguments", len(pos))
	}
	name := pos[0]
	var body []byte
	switch {
	case *payload == "@-":
		b, err := io.ReadAll(os.Stdin)
		if err != nil {
			return usageError(fs, "read payload from stdin: %v", err)
		}
		body = b
	case strings.HasPrefix(*payload, "@"):
		b, err := os.ReadFile((*payload)[1:])
		if err != nil {
			return usageError(fs, "--payload: %v", err)
		}
		body = b
	case *payload != "":
		body = []byte(*payload)
	}
	if len(body) > 0 && !json.Valid(body) {
		return usageError(fs, "--payload is not valid JSON")
	}

	ctx, stop := interruptible()
	defer stop()
	// One attempt: an invoke is not idempotent.
	c := lambda.NewFromConfig(cf.awsConfig(1))
	in := &lambda.InvokeInput{FunctionName: aws.String(name), Payload: body, LogType: types.LogTypeTail}
	if *qualifier != "" {
		in.Qualifier = aws.String(*qualifier)
	}
	out, err := c.Invoke(ctx, in)
	if err != nil {
		return apiError("invoke "+name, cf.endpoint, err)
	}
	if !*quiet {
		printLogTail(aws.ToString(out.LogResult))
	}
	if fe := aws.ToString(out.FunctionError); fe != "" {
		printFunctionError(fe, out.Payload)
		return exitFunctionError
	}
	printPayload(os.Stdout, out.Payload)
	return exitOK
}

func printLogTail(b64 string) {
	if b64 == "" {
		return
	}
	tail, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(tail) == 0 {
		return
	}
	os.Stderr.Write(tail)
	if tail[len(tail)-1] != '\n' {
		fmt.Fprintln(os.Stderr)
	}
}

// printFunctionError prints "errorType: errorMessage" and the stack trace
// from a failed invoke's payload.
func printFunctionError(kind string, payload []byte) {
	var e struct {
		ErrorType    string          `json:"errorType"`
		ErrorMessage string          `json:"errorMessage"`
		StackTrace   json.RawMessage `json:"stackTrace"` // Python, Java
		Trace        json.RawMessage `json:"trace"`      // Node.js
	}
	if json.Unmarshal(payload, &e) != nil || (e.ErrorType == "" && e.ErrorMessage == "") {
		fmt.Fprintf(os.Stderr, "function error (%s):\n", kind)
		printPayload(os.Stderr, payload)
		return
	}
	typ := e.ErrorType
	if typ == "" {
		typ = kind
	}
	fmt.Fprintf(os.Stderr, "%s: %s\n", typ, e.ErrorMessage)
	trace := e.StackTrace
	if len(trace) == 0 {
		trace = e.Trace
	}
	var frames []string
	if json.Unmarshal(trace, &frames) == nil {
		for _, f := range frames {
			if f = strings.TrimSpace(f); f != "" && f != typ+": "+e.ErrorMessage {
				fmt.Fprintf(os.Stderr, "    %s\n", f)
			}
		}
	}
}

// printPayload writes a result, indented if it is JSON.
func printPayload(w io.Writer, p []byte) {
	if len(p) == 0 {
		return
	}
	var buf bytes.Buffer
	if json.Valid(p) && json.Indent(&buf, p, "", "  ") == nil {
		p = buf.Bytes()
	}
	w.Write(p)
	if p[len(p)-1] != '\n' {
		fmt.Fprintln(w)
	}
}
