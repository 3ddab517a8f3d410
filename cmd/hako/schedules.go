package main

import (
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"text/tabwriter"
	"time"

	"hako/internal/schedule"
	"hako/internal/server"
)

// runSchedules is `hako schedules`: every EventBridge scheduled rule and
// Scheduler schedule with its next fire times, in UTC and in local time.
// The armed next tick comes from the server (GET /_hako/schedules: it is
// not in AWS's APIs); the later ones are computed here from the expression
// with the same package the server uses.
func runSchedules(args []string) int {
	fs := flag.NewFlagSet("schedules", flag.ContinueOnError)
	var cf clientFlags
	cf.register(fs)
	account := fs.String("account", "", "account (default: the server's)")
	count := fs.Int("n", 1, "how many fire times to show per schedule")
	asJSON := fs.Bool("json", false, "print JSON")
	setUsage(fs, "hako schedules [-n N] [--json] [flags]",
		"lists EventBridge scheduled rules and EventBridge Scheduler schedules with their\n"+
			"next fire times in UTC and in local time. A disabled or finished schedule has none.")
	pos, ok := parseArgs(fs, args)
	if !ok {
		return exitUsage
	}
	if len(pos) != 0 || *count < 1 {
		return usageError(fs, "no arguments expected; -n must be at least 1")
	}
	q := url.Values{"region": {cf.region}}
	if *account != "" {
		q.Set("account", *account)
	}
	ctx, stop := interruptible()
	defer stop()
	var body struct {
		Schedules []server.ScheduleEntry `json:"schedules"`
	}
	if err := adminCall(ctx, http.MethodGet, cf.endpoint, server.SchedulesPath+"?"+q.Encode(), &body); err != nil {
		fmt.Fprintln(os.Stderr, "hako:", err)
		return exitUsage
	}
	if *asJSON {
		printJSON(body.Schedules)
		return exitOK
	}
	if len(body.Schedules) == 0 {
		fmt.Fprintf(os.Stderr, "no scheduled rules or schedules in %s at %s\n", cf.region, cf.endpoint)
		return exitOK
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "KIND\tNAME\tGROUP\tEXPRESSION\tSTATE\tNEXT (UTC)\tNEXT (%s)\n", time.Local)
	for _, e := range body.Schedules {
		expr := e.Expression
		if e.Timezone != "" {
			expr += " " + e.Timezone
		}
		times := fireTimes(e, *count)
		if len(times) == 0 {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t-\t-\n", e.Kind, e.Name, e.Group, expr, e.State)
		}
		for i, t := range times {
			if i == 0 {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t", e.Kind, e.Name, e.Group, expr, e.State)
			} else {
				fmt.Fprint(tw, "\t\t\t\t\t")
			}
			fmt.Fprintf(tw, "%s\t%s\n", t.UTC().Format("2006-01-02 15:04:05"), t.Local().Format("2006-01-02 15:04:05 MST"))
		}
	}
	tw.Flush()
	return exitOK
}

// fireTimes is the armed tick and the n-1 after it. The armed tick is on
// a rate schedule's grid, so anchoring there continues it exactly. (A
// Scheduler EndDate is not known here: later times may lie past it.)
func fireTimes(e server.ScheduleEntry, n int) []time.Time {
	if e.Next == nil {
		return nil
	}
	out := []time.Time{*e.Next}
	var s *schedule.Schedule
	var err error
	if e.Kind == "rule" {
		s, err = schedule.Parse(e.Expression)
	} else if loc, lerr := schedule.LoadTimezone(e.Timezone); lerr == nil {
		s, err = schedule.ParseScheduler(e.Expression, loc)
	} else {
		err = lerr
	}
	if err != nil {
		return out
	}
	s = s.Anchored(*e.Next)
	for t := *e.Next; len(out) < n; {
		if t = s.Next(t); t.IsZero() {
			break
		}
		out = append(out, t)
	}
	return out
}
