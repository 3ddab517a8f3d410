package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
)

// followLookback is how far behind the newest event seen -f keeps asking,
// so events delivered late (with earlier timestamps) still show; eventIds
// keep them from printing twice.
const followLookback = time.Minute

// runLogs is `hako logs NAME [-f] [--since 10m]`.
func runLogs(args []string) int {
	fs := flag.NewFlagSet("logs", flag.ContinueOnError)
	var cf clientFlags
	cf.register(fs)
	follow := fs.Bool("f", false, "keep printing new events until interrupted (Ctrl-C)")
	fs.BoolVar(follow, "follow", false, "same as -f")
	since := fs.Duration("since", 10*time.Minute, "show events newer than this (0: all)")
	setUsage(fs, "hako logs NAME [-f] [--since 10m] [flags]",
		"Prints a function's log events (group /aws/lambda/NAME, or NAME itself if it\n"+
			"starts with '/') as TIMESTAMP STREAM MESSAGE lines.")
	pos, ok := parseArgs(fs, args)
	if !ok {
		return exitUsage
	}
	if len(pos) != 1 {
		return usageError(fs, "want one function or log group name, got %d arguments", len(pos))
	}
	if *since < 0 {
		return usageError(fs, "--since must not be negative")
	}
	group := pos[0]
	if !strings.HasPrefix(group, "/") {
		group = "/aws/lambda/" + group
	}
	var start int64
	if *since > 0 {
		start = time.Now().Add(-*since).UnixMilli()
	}

	ctx, stop := interruptible()
	defer stop()
	c := cloudwatchlogs.NewFromConfig(cf.awsConfig(0))
	seen := map[string]int64{} // eventId -> timestamp
	var newest int64
	first := true
	for {
		from := start
		if !first && newest-followLookback.Milliseconds() > from {
			from = newest - followLookback.Milliseconds()
		}
		err := filterEvents(ctx, c, group, from, func(e types.FilteredLogEvent) {
			id := aws.ToString(e.EventId)
			ts := aws.ToInt64(e.Timestamp)
			if _, dup := seen[id]; dup {
				return
			}
			seen[id] = ts
			newest = max(newest, ts)
			printEvent(e)
		})
		var missing *types.ResourceNotFoundException
		switch {
		case ctx.Err() != nil:
			return exitOK
		case errors.As(err, &missing) && *follow:
			if first {
				fmt.Fprintf(os.Stderr, "hako: log group %s does not exist yet; waiting\n", group)
			}
		case errors.As(err, &missing):
			fmt.Fprintf(os.Stderr, "hako: no logs: log group %s does not exist (has the function run?)\n", group)
			return exitUsage
		case err != nil:
			return apiError("logs "+group, cf.endpoint, err)
		}
		if !*follow {
			return exitOK
		}
		first = false
		// Forget events that can no longer come back.
		for id, ts := range seen {
			if ts < newest-followLookback.Milliseconds() {
				delete(seen, id)
			}
		}
		select {
		case <-ctx.Done():
			return exitOK
		case <-time.After(time.Second):
		}
	}
}

// filterEvents calls fn for every event in group from start (ms) on.
func filterEvents(ctx context.Context, c *cloudwatchlogs.Client, group string, start int64, fn func(types.FilteredLogEvent)) error {
	in := &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String(group)}
	if start > 0 {
		in.StartTime = aws.Int64(start)
	}
	p := cloudwatchlogs.NewFilterLogEventsPaginator(c, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, e := range page.Events {
			fn(e)
		}
	}
	return nil
}

func printEvent(e types.FilteredLogEvent) {
	ts := time.UnixMilli(aws.ToInt64(e.Timestamp)).Format("2006-01-02 15:04:05.000")
	msg := strings.TrimRight(aws.ToString(e.Message), "\r\n")
	fmt.Printf("%s %s %s\n", ts, aws.ToString(e.LogStreamName), msg)
}
