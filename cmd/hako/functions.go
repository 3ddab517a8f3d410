package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"hako/internal/runtime"
	"hako/internal/server"
)

// runFunctions is `hako functions`: one line per function with its
// runtime, state, memory, last invoke and live sandboxes.
func runFunctions(args []string) int {
	fs := flag.NewFlagSet("functions", flag.ContinueOnError)
	var cf clientFlags
	cf.register(fs)
	setUsage(fs, "hako functions [flags]",
		"Lists functions with their runtime, state, memory (MB), last invoke and sandboxes:\n"+
			"WARM are idle sandboxes ready for the next invoke, BUSY are running one. LAST INVOKE\n"+
			"comes from live sandboxes (\"-\" once they have been reclaimed).")
	pos, ok := parseArgs(fs, args)
	if !ok {
		return exitUsage
	}
	if len(pos) != 0 {
		return usageError(fs, "unexpected argument %q", pos[0])
	}
	ctx, stop := interruptible()
	defer stop()

	c := lambda.NewFromConfig(cf.awsConfig(0))
	var fns []types.FunctionConfiguration
	p := lambda.NewListFunctionsPaginator(c, &lambda.ListFunctionsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return apiError("list functions", cf.endpoint, err)
		}
		fns = append(fns, page.Functions...)
	}
	sandboxes, sbErr := fetchSandboxes(ctx, cf.endpoint)
	if sbErr != nil {
		fmt.Fprintf(os.Stderr, "hako: sandboxes unknown: %v\n", sbErr)
	}
	if len(fns) == 0 {
		fmt.Fprintf(os.Stderr, "no functions in %s at %s\n", cf.region, cf.endpoint)
		return exitOK
	}

	type live struct {
		last       time.Time
		warm, busy int
	}
	byARN := map[string]*live{}
	for _, sb := range sandboxes {
		l := byARN[sb.FunctionARN]
		if l == nil {
			l = &live{}
			byARN[sb.FunctionARN] = l
		}
		if sb.Busy {
			l.busy++
		} else {
			l.warm++
		}
		if sb.LastUsed.After(l.last) {
			l.last = sb.LastUsed
		}
	}

	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tRUNTIME\tSTATE\tMEMORY\tLAST INVOKE\tWARM\tBUSY")
	for _, f := range fns {
		rt := string(f.Runtime)
		if rt == "" {
			rt = string(f.PackageType) // container images have no runtime
		}
		state := string(f.State)
		if f.LastUpdateStatus == types.LastUpdateStatusInProgress {
			state += " (updating)"
		}
		last, warm, busy := "-", "0", "0"
		if l := byARN[aws.ToString(f.FunctionArn)]; l != nil {
			if !l.last.IsZero() {
				last = l.last.Local().Format("2006-01-02 15:04:05")
			}
			warm, busy = strconv.Itoa(l.warm), strconv.Itoa(l.busy)
		}
		if sbErr != nil {
			last, warm, busy = "?", "?", "?"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\n",
			aws.ToString(f.FunctionName), orDash(rt), orDash(state), aws.ToInt32(f.MemorySize), last, warm, busy)
	}
	tw.Flush()
	return exitOK
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// fetchSandboxes asks hako for its live sandboxes (GET /_hako/sandboxes,
// answered to loopback clients only).
func fetchSandboxes(ctx context.Context, endpoint string) ([]runtime.SandboxInfo, error) {
	var body struct {
		Sandboxes []runtime.SandboxInfo `json:"sandboxes"`
	}
	err := adminCall(ctx, http.MethodGet, endpoint, server.SandboxesPath, &body)
	return body.Sandboxes, err
}

// adminCall calls one of hako's own endpoints (/_hako/...) and decodes its
// JSON answer into out; an error answer becomes an error with its text.
func adminCall(ctx context.Context, method, endpoint, path string, out any) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(endpoint, "/")+path, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		if json.NewDecoder(resp.Body).Decode(&e) == nil && e.Error != "" {
			return fmt.Errorf("%s: %s", path, e.Error)
		}
		return fmt.Errorf("%s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	return nil
}
