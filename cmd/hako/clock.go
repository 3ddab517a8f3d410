package main

import (
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"time"

	"hako/internal/server"
)

// runClock is `hako clock` (the server's time) and `hako clock advance D`
// (move a --clock fixed:... server forward: due schedules, retries and
// lifecycle rules run at once).
func runClock(args []string) int {
	fs := flag.NewFlagSet("clock", flag.ContinueOnError)
	var cf clientFlags
	cf.register(fs)
	setUsage(fs, "hako clock [advance DURATION] [flags]",
		"Prints the server's time; 'advance 5m' moves a server started with --clock fixed:...\n"+
			"forward, firing what becomes due (schedules, retries, lifecycle expiry).")
	pos, ok := parseArgs(fs, args)
	if !ok {
		return exitUsage
	}
	ctx, stop := interruptible()
	defer stop()
	var body struct {
		Now        string `json:"now"`
		Adjustable bool   `json:"adjustable"`
	}
	var err error
	switch {
	case len(pos) == 0:
		err = adminCall(ctx, http.MethodGet, cf.endpoint, server.ClockPath, &body)
	case len(pos) == 2 && pos[0] == "advance":
		if d, perr := time.ParseDuration(pos[1]); perr != nil || d <= 0 {
			return usageError(fs, "advance wants a positive duration such as 5m or 24h, not %q", pos[1])
		}
		err = adminCall(ctx, http.MethodPost, cf.endpoint, server.ClockPath+"?advance="+url.QueryEscape(pos[1]), &body)
	default:
		return usageError(fs, "want no argument or 'advance DURATION'")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "hako:", err)
		return exitUsage
	}
	t, _ := time.Parse(time.RFC3339Nano, body.Now)
	kind := "wall clock"
	if body.Adjustable {
		kind = "adjustable (hako clock advance D)"
	}
	fmt.Printf("%s  (%s local)  %s\n", t.UTC().Format(time.RFC3339), t.Local().Format("2006-01-02 15:04:05 MST"), kind)
	return exitOK
}
