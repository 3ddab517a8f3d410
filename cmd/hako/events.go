package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"

	"hako/internal/server"
	"hako/internal/service/lambda"
)

// runEvents is `hako events failed` and `hako events replay ID`: the
// asynchronous invocations that failed with no destination, kept so that
// nothing is dropped silently.
func runEvents(args []string) int {
	fs := flag.NewFlagSet("events", flag.ContinueOnError)
	var cf clientFlags
	cf.register(fs)
	account := fs.String("account", "", "account (default: the server's)")
	asJSON := fs.Bool("json", false, "print the failure records as JSON (with payloads and invocation records)")
	setUsage(fs, "hako events failed [--json] | hako events replay ID [flags]",
		"failed lists asynchronous invocations that exhausted their retries or grew too old\n"+
			"and had no OnFailure destination or dead-letter queue; replay ID queues one again\n"+
			"(fresh retries and age) and removes its failure record.")
	pos, ok := parseArgs(fs, args)
	if !ok {
		return exitUsage
	}
	q := url.Values{"region": {cf.region}}
	if *account != "" {
		q.Set("account", *account)
	}
	ctx, stop := interruptible()
	defer stop()
	switch {
	case len(pos) == 1 && pos[0] == "failed":
		var body struct {
			FailedEvents []lambda.FailedEvent `json:"failedEvents"`
		}
		if err := adminCall(ctx, http.MethodGet, cf.endpoint, server.FailedEventsPath+"?"+q.Encode(), &body); err != nil {
			fmt.Fprintln(os.Stderr, "hako:", err)
			return exitUsage
		}
		if *asJSON {
			printJSON(body.FailedEvents)
			return exitOK
		}
		if len(body.FailedEvents) == 0 {
			fmt.Fprintf(os.Stderr, "no failed events in %s at %s\n", cf.region, cf.endpoint)
			return exitOK
		}
		tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tTIME\tFUNCTION\tCONDITION\tREQUEST ID")
		for _, f := range body.FailedEvents {
			name := f.Function[strings.Index(f.Function, ":function:")+len(":function:"):]
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", f.ID, f.Time.Local().Format("2006-01-02 15:04:05"), name, f.Condition, f.RequestID)
		}
		tw.Flush()
		return exitOK
	case len(pos) == 2 && pos[0] == "replay":
		var body struct {
			ID string `json:"id"`
		}
		path := server.FailedEventsPath + "/" + url.PathEscape(pos[1]) + "/replay?" + q.Encode()
		if err := adminCall(ctx, http.MethodPost, cf.endpoint, path, &body); err != nil {
			fmt.Fprintln(os.Stderr, "hako:", err)
			return exitUsage
		}
		fmt.Printf("queued again as %s\n", body.ID)
		return exitOK
	}
	return usageError(fs, "want 'failed' or 'replay ID'")
}

func printJSON(v any) {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}
