package server

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
)

var bin string

func TestMain(m *testing.M) {
	dir, _ := os.MkdirTemp("", "hako-bench")
	bin = filepath.Join(dir, "hako")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/hako").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func freeAddr(b *testing.B) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// start runs hako and returns once its banner (printed after the server is
// ready) appears, with the elapsed time since exec.
func start(b *testing.B, dataDir string) (*exec.Cmd, string, time.Duration) {
	addr := freeAddr(b)
	cmd := exec.Command(bin, "server", "--addr", addr, "--data-dir", dataDir)
	stderr, _ := cmd.StderrPipe()
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "listening on") {
			elapsed := time.Since(t0)
			go func() {
				for sc.Scan() {
				}
			}()
			return cmd, "http://" + addr, elapsed
		}
	}
	b.Fatal("hako exited before becoming ready")
	return nil, "", 0
}

func stop(cmd *exec.Cmd) {
	cmd.Process.Signal(os.Interrupt)
	cmd.Wait()
}

// BenchmarkStartToHealthy measures exec → ready (banner printed after the
// listener is up and health answers 200), on a fresh data dir each time.
func BenchmarkStartToHealthy(b *testing.B) {
	var total time.Duration
	var all []time.Duration
	for i := 0; i < b.N; i++ {
		cmd, _, d := start(b, b.TempDir())
		total += d
		all = append(all, d)
		stop(cmd)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	b.ReportMetric(float64(total.Microseconds())/float64(b.N)/1000, "ms/start")
	b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
}

func rssKB(pid int) int {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	return 0
}

// BenchmarkIdleRSS reports the resident set of a started, idle server.
func BenchmarkIdleRSS(b *testing.B) {
	for i := 0; i < b.N; i++ {
		cmd, _, _ := start(b, b.TempDir())
		time.Sleep(500 * time.Millisecond)
		b.ReportMetric(float64(rssKB(cmd.Process.Pid))/1024, "MiB-idle-RSS")
		stop(cmd)
	}
}

func client(url string) *cwl.Client {
	return cwl.NewFromConfig(aws.Config{
		Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
}

// measure runs op b.N times from `workers` goroutines and reports ops/s,
// p50 and p99 latency.
func measure(b *testing.B, workers int, op func(i int) error) {
	lat := make([]time.Duration, b.N)
	var wg sync.WaitGroup
	next := make(chan int, workers)
	b.ResetTimer()
	t0 := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				s := time.Now()
				if err := op(i); err != nil {
					b.Error(err)
				}
				lat[i] = time.Since(s)
			}
		}()
	}
	for i := 0; i < b.N; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	elapsed := time.Since(t0)
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "ops/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

func BenchmarkPutLogEvents(b *testing.B) {
	cmd, url, _ := start(b, b.TempDir())
	defer stop(cmd)
	c := client(url)
	ctx := context.Background()
	c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("/bench")})
	for w := 0; w < 16; w++ {
		c.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: aws.String("/bench"), LogStreamName: aws.String(fmt.Sprint(w))})
	}
	now := time.Now().UnixMilli()
	measure(b, 16, func(i int) error {
		_, err := c.PutLogEvents(ctx, &cwl.PutLogEventsInput{
			LogGroupName: aws.String("/bench"), LogStreamName: aws.String(fmt.Sprint(i % 16)),
			LogEvents: []types.InputLogEvent{{Timestamp: aws.Int64(now + int64(i)), Message: aws.String("bench event with a typical length of a log line, about a hundred bytes or so")}},
		})
		return err
	})
}

func BenchmarkGetLogEvents(b *testing.B) {
	cmd, url, _ := start(b, b.TempDir())
	defer stop(cmd)
	c := client(url)
	ctx := context.Background()
	c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("/bench")})
	c.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: aws.String("/bench"), LogStreamName: aws.String("s")})
	now := time.Now().UnixMilli()
	var evs []types.InputLogEvent
	for i := 0; i < 100; i++ {
		evs = append(evs, types.InputLogEvent{Timestamp: aws.Int64(now + int64(i)), Message: aws.String(fmt.Sprintf("event %d", i))})
	}
	if _, err := c.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: aws.String("/bench"), LogStreamName: aws.String("s"), LogEvents: evs}); err != nil {
		b.Fatal(err)
	}
	measure(b, 16, func(i int) error {
		out, err := c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("/bench"), LogStreamName: aws.String("s"), Limit: aws.Int32(10), StartFromHead: aws.Bool(true)})
		if err == nil && len(out.Events) != 10 {
			err = fmt.Errorf("got %d events", len(out.Events))
		}
		return err
	})
}
