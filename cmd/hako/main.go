// Command hako runs AWS Lambda and the event-driven services around it in
// one process.
//
//	hako server [flags]   serve every API on one port (default 127.0.0.1:4566)
//	hako invoke NAME      invoke a function, print its result and log tail
//	hako logs NAME [-f]   print (or follow) a function's logs
//	hako functions        list functions with their state and sandboxes
//	hako events failed    list failed asynchronous invocations (replay ID)
//	hako schedules        list scheduled rules and schedules with next fire times
//	hako coverage         print docs/coverage.md (which operations work)
//	hako version
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"hako/internal/edge"
	"hako/internal/server"
)

const usage = `hako: AWS Lambda and the services around it, in one binary.

Usage:
  hako server [flags]   serve all APIs (see 'hako server -h')
  hako invoke NAME [--payload JSON|@FILE] [--qualifier Q]
                        invoke a function: result on stdout, log tail on
                        stderr; exits 1 if the function failed
  hako logs NAME [-f] [--since 10m]
                        print a function's log events; -f follows them
  hako functions        list functions: runtime, state, memory, last
                        invoke, warm and busy sandboxes
  hako events failed    list asynchronous invocations that failed with no
                        destination; 'hako events replay ID' queues one again
  hako schedules [-n N] list EventBridge scheduled rules and Scheduler
                        schedules with their next fire times (UTC and local)
  hako clock [advance D] print the server's time; move a --clock fixed:... server
                        forward (schedules, retries, lifecycle fire at once)
  hako coverage         print the API coverage table (docs/coverage.md)
  hako version          print the version

invoke, logs, functions, events, schedules and clock talk to a running server: --endpoint-url, or
HAKO_ENDPOINT, or AWS_ENDPOINT_URL (default http://127.0.0.1:4566).
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "server", "serve":
		err = runServer(os.Args[2:])
	case "invoke":
		os.Exit(runInvoke(os.Args[2:]))
	case "logs":
		os.Exit(runLogs(os.Args[2:]))
	case "functions", "fns":
		os.Exit(runFunctions(os.Args[2:]))
	case "events":
		os.Exit(runEvents(os.Args[2:]))
	case "clock":
		os.Exit(runClock(os.Args[2:]))
	case "schedules":
		os.Exit(runSchedules(os.Args[2:]))
	case "coverage":
		var report []edge.Coverage
		report, err = server.Coverage()
		if err == nil {
			fmt.Print(edge.CoverageMarkdown(report))
		}
	case "version", "--version", "-v":
		fmt.Println("hako", server.Version)
	case "help", "-h", "--help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "hako: unknown command %q\n\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "hako:", err)
		os.Exit(1)
	}
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

// envDuration reads a duration variable; a malformed one is fatal rather
// than silently the default.
func envDuration(name string, def time.Duration) time.Duration {
	v, ok := os.LookupEnv(name)
	if !ok || v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		fmt.Fprintf(os.Stderr, "hako: %s=%q: want a positive duration such as 15m\n", name, v)
		os.Exit(2)
	}
	return d
}

func envBool(name string) bool {
	b, _ := strconv.ParseBool(os.Getenv(name))
	return b
}

func runServer(args []string) error {
	fs := flag.NewFlagSet("hako server", flag.ExitOnError)
	var cfg server.Config
	fs.StringVar(&cfg.Addr, "addr", env("HAKO_ADDR", "127.0.0.1:4566"), "listen address (HAKO_ADDR); on a non-loopback address only --credentials keys are accepted")
	fs.StringVar(&cfg.DataDir, "data-dir", env("HAKO_DATA_DIR", server.DefaultDataDir()), "where state is kept across restarts (HAKO_DATA_DIR)")
	fs.BoolVar(&cfg.Ephemeral, "ephemeral", envBool("HAKO_EPHEMERAL"), "keep all state in memory, write nothing to disk (HAKO_EPHEMERAL)")
	fs.StringVar(&cfg.Region, "region", env("HAKO_REGION", "us-east-1"), "default region (HAKO_REGION)")
	fs.StringVar(&cfg.Account, "account", env("HAKO_ACCOUNT", "000000000000"), "default account id (HAKO_ACCOUNT)")
	fs.StringVar(&cfg.Clock, "clock", env("HAKO_CLOCK", "real"), "clock: real, or fixed:2026-01-01T00:59:00Z[,speed=60] (HAKO_CLOCK)")
	fs.StringVar(&cfg.Credentials, "credentials", env("HAKO_CREDENTIALS", ""), "access keys verified strictly: ID:SECRET[:ACCOUNT],... (HAKO_CREDENTIALS)")
	fs.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", 5*time.Second, "how long to drain requests on SIGTERM")
	fs.DurationVar(&cfg.SandboxIdleTimeout, "sandbox-idle-timeout", envDuration("HAKO_SANDBOX_IDLE_TIMEOUT", server.DefaultSandboxIdleTimeout),
		"how long an idle Lambda sandbox stays warm, on --clock (HAKO_SANDBOX_IDLE_TIMEOUT)")
	fs.Parse(args)
	if fs.NArg() > 0 {
		return fmt.Errorf("server: unexpected argument %q", fs.Arg(0))
	}
	if cfg.SandboxIdleTimeout <= 0 {
		return fmt.Errorf("server: --sandbox-idle-timeout %v: want a positive duration such as 15m", cfg.SandboxIdleTimeout)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	return server.Run(ctx, cfg)
}
