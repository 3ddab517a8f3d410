package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go"
)

// Exit codes of the client subcommands (invoke, logs, functions).
const (
	exitOK            = 0
	exitFunctionError = 1 // the function ran and failed (invoke only)
	exitUsage         = 2 // bad arguments, or hako/the API refused the call
)

const defaultEndpoint = "http://127.0.0.1:4566"

// clientFlags are the flags every client subcommand takes.
type clientFlags struct {
	endpoint string
	region   string
}

func (c *clientFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.endpoint, "endpoint-url", firstEnv(defaultEndpoint, "HAKO_ENDPOINT", "AWS_ENDPOINT_URL"),
		"hako's URL (HAKO_ENDPOINT, AWS_ENDPOINT_URL)")
	fs.StringVar(&c.region, "region", firstEnv("us-east-1", "AWS_REGION", "AWS_DEFAULT_REGION"),
		"region (AWS_REGION, AWS_DEFAULT_REGION)")
}

// awsConfig is an SDK config aimed at hako with static credentials: the
// AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN from the
// environment, or hako's test keys.
func (c *clientFlags) awsConfig(retries int) aws.Config {
	ak, sk := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if ak == "" || sk == "" {
		ak, sk = "test", "test"
	}
	return aws.Config{
		Region:           c.region,
		BaseEndpoint:     aws.String(strings.TrimSuffix(c.endpoint, "/")),
		Credentials:      credentials.NewStaticCredentialsProvider(ak, sk, os.Getenv("AWS_SESSION_TOKEN")),
		RetryMaxAttempts: retries,
	}
}

func firstEnv(def string, names ...string) string {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return v
		}
	}
	return def
}

// parseArgs parses flags that may come before or after positional
// arguments ("hako invoke NAME --payload ..."), returning the positionals.
// On a bad flag it prints the error and usage and returns ok=false.
func parseArgs(fs *flag.FlagSet, args []string) (pos []string, ok bool) {
	fs.SetOutput(os.Stderr)
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				os.Exit(exitOK)
			}
			return nil, false
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, true
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), true
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// usageError prints a usage mistake and returns exitUsage.
func usageError(fs *flag.FlagSet, format string, a ...any) int {
	fmt.Fprintf(os.Stderr, "hako %s: %s\n", fs.Name(), fmt.Sprintf(format, a...))
	fs.Usage()
	return exitUsage
}

// apiError prints why a call failed, naming the AWS error code and message
// when there is one, and returns exitUsage.
func apiError(what, endpoint string, err error) int {
	var ae smithy.APIError
	switch {
	case errors.As(err, &ae):
		fmt.Fprintf(os.Stderr, "hako: %s: %s: %s\n", what, ae.ErrorCode(), ae.ErrorMessage())
	case errors.Is(err, context.Canceled):
		fmt.Fprintf(os.Stderr, "hako: %s: interrupted\n", what)
	default:
		fmt.Fprintf(os.Stderr, "hako: %s: %v\n", what, err)
		if strings.Contains(err.Error(), "connection refused") {
			fmt.Fprintf(os.Stderr, "hako: is the server running at %s? (start it with 'hako server', or set --endpoint-url / HAKO_ENDPOINT)\n", endpoint)
		}
	}
	return exitUsage
}

// interruptible is a context cancelled by SIGINT or SIGTERM.
func interruptible() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
}

// setUsage gives a FlagSet a usage line above its flag defaults.
func setUsage(fs *flag.FlagSet, synopsis, description string) {
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: %s\n\n%s\n\nFlags:\n", synopsis, description)
		fs.PrintDefaults()
	}
}
