package e2e

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
)

func nowMs() int64 { return time.Now().UnixMilli() }

func TestLogsWithCLI(t *testing.T) {
	s := StartServer(t)
	for _, bin := range []string{"/usr/bin/aws", "aws"} {
		t.Run(bin, func(t *testing.T) {
			s.Reset(t)
			s.cli(t, bin, "logs", "create-log-group", "--log-group-name", "/app/web")
			s.cli(t, bin, "logs", "create-log-stream", "--log-group-name", "/app/web", "--log-stream-name", "s1")
			ts := nowMs()
			events := fmt.Sprintf(`[{"timestamp":%d,"message":"INFO started"},{"timestamp":%d,"message":"ERROR disk full"},{"timestamp":%d,"message":"{\"level\":\"error\",\"code\":500}"}]`, ts, ts+1, ts+2)
			put := s.cliJSON(t, bin, "logs", "put-log-events", "--log-group-name", "/app/web", "--log-stream-name", "s1", "--log-events", events)
			if _, ok := put["nextSequenceToken"]; !ok {
				t.Errorf("put-log-events: %v", put)
			}
			got := s.cliJSON(t, bin, "logs", "get-log-events", "--log-group-name", "/app/web", "--log-stream-name", "s1", "--start-from-head")
			evs, _ := got["events"].([]any)
			if len(evs) != 3 || evs[0].(map[string]any)["message"] != "INFO started" {
				t.Fatalf("get-log-events = %v", got)
			}
			f := s.cliJSON(t, bin, "logs", "filter-log-events", "--log-group-name", "/app/web", "--filter-pattern", "ERROR")
			fe, _ := f["events"].([]any)
			if len(fe) != 1 || fe[0].(map[string]any)["message"] != "ERROR disk full" {
				t.Fatalf("filter ERROR = %v", f)
			}
			f = s.cliJSON(t, bin, "logs", "filter-log-events", "--log-group-name", "/app/web", "--filter-pattern", "{ $.code = 500 }")
			fe, _ = f["events"].([]any)
			if len(fe) != 1 {
				t.Fatalf("filter json = %v", f)
			}
			// Paging: 7 groups, pages of 2, the CLI follows nextToken.
			for i := 0; i < 6; i++ {
				s.cli(t, bin, "logs", "create-log-group", "--log-group-name", fmt.Sprintf("/page/g%d", i))
			}
			d := s.cliJSON(t, bin, "logs", "describe-log-groups", "--page-size", "2")
			if gs, _ := d["logGroups"].([]any); len(gs) != 7 {
				t.Fatalf("describe-log-groups (paged by 2) = %d groups: %v", len(gs), d)
			}
			d = s.cliJSON(t, bin, "logs", "describe-log-groups", "--log-group-name-prefix", "/page/", "--max-items", "4")
			if gs, _ := d["logGroups"].([]any); len(gs) != 4 || d["NextToken"] == nil {
				t.Fatalf("describe-log-groups --max-items 4 = %v", d)
			}
			// A modelled error surfaces with its code.
			out, err := s.cliErr(t, bin, "logs", "create-log-group", "--log-group-name", "/app/web")
			if err == nil || !strings.Contains(out, "ResourceAlreadyExistsException") {
				t.Fatalf("duplicate group: %v %s", err, out)
			}
		})
	}
}

func TestLogsTailFollow(t *testing.T) {
	s := StartServer(t)
	c := cwl.NewFromConfig(s.sdkConfig(t))
	mustLogs(t, c, "/tail/app", "s")
	cctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(cctx, "/usr/bin/aws", "--endpoint-url", s.URL, "logs", "tail", "/tail/app", "--follow", "--format", "short")
	cmd.Env = awsEnv("PYTHONUNBUFFERED=1") // tail does not flush stdout into a pipe
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Skipf("aws CLI v2: %v", err)
	}
	defer cmd.Process.Kill()
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	// Written after tail started: tail must pick it up on a later poll.
	time.Sleep(2 * time.Second)
	if _, err := c.PutLogEvents(ctx, &cwl.PutLogEventsInput{
		LogGroupName: aws.String("/tail/app"), LogStreamName: aws.String("s"),
		LogEvents: []types.InputLogEvent{{Timestamp: aws.Int64(nowMs()), Message: aws.String("hello from after the start")}},
	}); err != nil {
		t.Fatal(err)
	}
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("aws logs tail exited")
			}
			if strings.Contains(l, "hello from after the start") {
				return
			}
		case <-cctx.Done():
			t.Fatal("aws logs tail --follow did not show the event")
		}
	}
}

func mustLogs(t testing.TB, c *cwl.Client, group, stream string) {
	t.Helper()
	if _, err := c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String(group)}); err != nil {
		var exists *types.ResourceAlreadyExistsException
		if !errors.As(err, &exists) {
			t.Fatal(err)
		}
	}
	if _, err := c.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: aws.String(group), LogStreamName: aws.String(stream)}); err != nil {
		var exists *types.ResourceAlreadyExistsException
		if !errors.As(err, &exists) {
			t.Fatal(err)
		}
	}
}

func TestLogsWithSDK(t *testing.T) {
	s := StartServer(t)
	c := cwl.NewFromConfig(s.sdkConfig(t))
	mustLogs(t, c, "/sdk/app", "a")
	base := nowMs()
	var evs []types.InputLogEvent
	for i := 0; i < 25; i++ {
		evs = append(evs, types.InputLogEvent{Timestamp: aws.Int64(base + int64(i)), Message: aws.String(fmt.Sprintf("event %02d", i))})
	}
	if _, err := c.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: aws.String("/sdk/app"), LogStreamName: aws.String("a"), LogEvents: evs}); err != nil {
		t.Fatal(err)
	}
	// GetLogEvents repeats the token at the end, as AWS does; the paginator
	// stops on it when asked to.
	p := cwl.NewGetLogEventsPaginator(c, &cwl.GetLogEventsInput{LogGroupName: aws.String("/sdk/app"), LogStreamName: aws.String("a"), StartFromHead: aws.Bool(true), Limit: aws.Int32(10)},
		func(o *cwl.GetLogEventsPaginatorOptions) { o.StopOnDuplicateToken = true })
	var got []string
	for p.HasMorePages() && len(got) < 100 {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Events {
			got = append(got, aws.ToString(e.Message))
		}
	}
	if len(got) != 25 || got[0] != "event 00" || got[24] != "event 24" {
		t.Fatalf("paged events = %d %v", len(got), got)
	}
	_, err := c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("/sdk/missing"), LogStreamName: aws.String("a")})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) || !strings.Contains(nf.ErrorMessage(), "does not exist") {
		t.Fatalf("missing group: %v", err)
	}
}

// TestLogsDurableAcrossKill writes 1,000 events concurrently, kills the
// server with SIGKILL right after the last acknowledgement, restarts it on
// the same data dir and finds every acknowledged event.
func TestLogsDurableAcrossKill(t *testing.T) {
	s := StartServer(t)
	c := cwl.NewFromConfig(s.sdkConfig(t))
	mustLogs(t, c, "/durable", "s")
	const n, workers = 1000, 16
	base := nowMs()
	var (
		mu    sync.Mutex
		acked = map[string]bool{}
		wg    sync.WaitGroup
		next  = make(chan int)
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				msg := fmt.Sprintf("event-%04d", i)
				_, err := c.PutLogEvents(ctx, &cwl.PutLogEventsInput{
					LogGroupName: aws.String("/durable"), LogStreamName: aws.String("s"),
					LogEvents: []types.InputLogEvent{{Timestamp: aws.Int64(base + int64(i)), Message: aws.String(msg)}},
				})
				if err != nil {
					t.Error(err)
					continue
				}
				mu.Lock()
				acked[msg] = true
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	s.Kill()
	s.start()
	seen := map[string]bool{}
	var token *string
	for {
		out, err := c.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: aws.String("/durable"), NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range out.Events {
			seen[aws.ToString(e.Message)] = true
		}
		if out.NextToken == nil {
			break
		}
		token = out.NextToken
	}
	missing := 0
	for msg := range acked {
		if !seen[msg] {
			missing++
		}
	}
	if len(acked) != n || missing > 0 {
		t.Fatalf("acknowledged %d, missing after kill -9: %d", len(acked), missing)
	}
}
