package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	stypes "github.com/aws/aws-sdk-go-v2/service/scheduler/types"

	"hako/internal/schedule"
)

// BenchmarkScheduleJitter is the delay from a schedule's tick (the real
// clock) to its Lambda handler starting: an at() schedule per second,
// b.N of them, each firing the warm pinger function through package
// fire's tick, the Scheduler delivery and Lambda's asynchronous path (three
// eventbus hops). Reported as p50/p99 (ms).
//
//	go test -run '^$' -bench ScheduleJitter -benchtime 30x ./bench/server/
func BenchmarkScheduleJitter(b *testing.B) {
	cmd, url, _ := start(b, b.TempDir())
	defer stop(cmd)
	lc := lambdaClient(url)
	sink := newPingSink(b)
	name := pingerFunction(b, lc)
	if err := event(lc, name, sink.url, -1); err != nil { // cold start out of the way
		b.Fatal(err)
	}
	<-sink.got
	sc := scheduler.NewFromConfig(aws.Config{
		Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
	fn := "arn:aws:lambda:us-east-1:000000000000:function:" + name
	t0 := time.Now().Truncate(time.Second).Add(3 * time.Second)
	at := make([]time.Time, b.N)
	for i := range b.N {
		at[i] = t0.Add(time.Duration(i) * time.Second).UTC()
		if _, err := sc.CreateSchedule(context.Background(), &scheduler.CreateScheduleInput{
			Name: aws.String(fmt.Sprintf("s%d", i)), ScheduleExpression: aws.String("at(" + at[i].Format("2006-01-02T15:04:05") + ")"),
			FlexibleTimeWindow: &stypes.FlexibleTimeWindow{Mode: stypes.FlexibleTimeWindowModeOff},
			Target: &stypes.Target{Arn: aws.String(fn), RoleArn: aws.String("arn:aws:iam::000000000000:role/r"),
				Input: aws.String(fmt.Sprintf(`{"url":"%s?id=%d"}`, sink.url, i))},
		}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for range b.N {
		select {
		case <-sink.got:
		case <-time.After(time.Until(at[b.N-1]) + 30*time.Second):
			b.Fatalf("only %d of %d ticks reached the handler", len(sink.at)-1, b.N)
		}
	}
	b.StopTimer()
	lat := make([]time.Duration, b.N)
	sink.mu.Lock()
	for i := range b.N {
		lat[i] = sink.at[i].Sub(at[i])
	}
	sink.mu.Unlock()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

// eventsCall signs and sends one EventBridge JSON 1.1 request (the
// eventbridge SDK module is not a dependency; the core signer is).
func eventsCall(url, op, body string) error {
	req, _ := http.NewRequest(http.MethodPost, url+"/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AWSEvents."+op)
	sum := sha256.Sum256([]byte(body))
	err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"},
		req, hex.EncodeToString(sum[:]), "events", "us-east-1", time.Now())
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		var buf bytes.Buffer
		buf.ReadFrom(resp.Body)
		return fmt.Errorf("%s: %s %s", op, resp.Status, buf.String())
	}
	return nil
}

// cpuTicks is a process's user+system CPU time in clock ticks (1/100 s).
func cpuTicks(pid int) int {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+2:]))
	u, _ := strconv.Atoi(f[11])
	s, _ := strconv.Atoi(f[12])
	return u + s
}

// Benchmark10000Rules is the cost of 10,000 enabled scheduled rules (each
// with one armed tick message): creating them (PutRule at concurrency 16),
// the server's RSS, its CPU while idle (measured over 20 s, reported per
// minute), and start-up to healthy on their data directory. Run once:
//
//	go test -run '^$' -bench 10000Rules -benchtime 1x ./bench/server/
func Benchmark10000Rules(b *testing.B) {
	const n = 10000
	for range b.N {
		dir := b.TempDir()
		cmd, url, _ := start(b, dir)
		base := rssKB(cmd.Process.Pid)
		t0 := time.Now()
		var wg sync.WaitGroup
		next := make(chan int, 16)
		for range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range next {
					// Nightly, at a minute of its own: no tick is due during the run.
					body := fmt.Sprintf(`{"Name":"r%05d","ScheduleExpression":"cron(%d %d * * ? *)"}`, i, i%60, (time.Now().UTC().Hour()+12)%24)
					if err := eventsCall(url, "PutRule", body); err != nil {
						b.Error(err)
					}
				}
			}()
		}
		for i := range n {
			next <- i
		}
		close(next)
		wg.Wait()
		created := time.Since(t0)
		time.Sleep(2 * time.Second)
		rss := rssKB(cmd.Process.Pid)
		c0 := cpuTicks(cmd.Process.Pid)
		time.Sleep(20 * time.Second)
		idle := cpuTicks(cmd.Process.Pid) - c0
		stop(cmd)
		cmd, _, startup := start(b, dir)
		time.Sleep(time.Second)
		rssAfter := rssKB(cmd.Process.Pid)
		stop(cmd)
		b.ReportMetric(float64(n)/created.Seconds(), "rules-created/s")
		b.ReportMetric(float64(base)/1024, "MiB-RSS-empty")
		b.ReportMetric(float64(rss)/1024, "MiB-RSS-10k")
		b.ReportMetric(float64(rssAfter)/1024, "MiB-RSS-10k-restarted")
		b.ReportMetric(float64(idle)*10*3, "ms-CPU/idle-min") // ticks of 10 ms over 20 s, times 3
		b.ReportMetric(float64(startup.Microseconds())/1000, "ms-start-10k")
	}
}

// BenchmarkNextTick is the time to compute a rule's next tick, the work a
// tick's outcome transaction does besides its writes.
func BenchmarkNextTick(b *testing.B) {
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, expr := range []string{"rate(5 minutes)", "cron(0 16 * * ? *)", "cron(0/5 * * * ? *)", "cron(15 10 ? * 6L 2026-2030)", "cron(0 0 30 FEB ? *)"} {
		s, err := schedule.Parse(expr)
		if err != nil {
			b.Fatal(err)
		}
		s = s.Anchored(from)
		b.Run(expr, func(b *testing.B) {
			t := from
			for range b.N {
				if n := s.Next(t); !n.IsZero() {
					t = n
				} else {
					t = from
				}
			}
		})
	}
}
