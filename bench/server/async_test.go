package server

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// pingSink records when each event's handler started (the pinger
// function calls /?id=N).
type pingSink struct {
	url string
	mu  sync.Mutex
	at  map[int]time.Time
	got chan int
}

func newPingSink(b *testing.B) *pingSink {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	p := &pingSink{url: "http://" + ln.Addr().String() + "/", at: map[int]time.Time{}, got: make(chan int, 1<<16)}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := time.Now()
		id, _ := strconv.Atoi(r.URL.Query().Get("id"))
		p.mu.Lock()
		_, dup := p.at[id]
		if !dup {
			p.at[id] = now
		}
		p.mu.Unlock()
		if !dup {
			p.got <- id
		}
	})}
	go srv.Serve(ln)
	b.Cleanup(func() { srv.Close() })
	return p
}

func pingerFunction(b *testing.B, c *lambda.Client) string {
	dir := b.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "bootstrap"), "./testdata/pinger")
	build.Env = append(os.Environ(), "GOOS=linux", "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	bin, _ := os.ReadFile(filepath.Join(dir, "bootstrap"))
	name := "pinger"
	if _, err := c.CreateFunction(context.Background(), &lambda.CreateFunctionInput{
		FunctionName: aws.String(name), Runtime: types.RuntimeProvidedal2023, Handler: aws.String("bootstrap"),
		Role: aws.String("arn:aws:iam::000000000000:role/r"), Code: &types.FunctionCode{ZipFile: zipOne("bootstrap", bin, 0o755)},
	}); err != nil {
		b.Fatal(err)
	}
	return name
}

func event(c *lambda.Client, name, url string, id int) error {
	out, err := c.Invoke(context.Background(), &lambda.InvokeInput{
		FunctionName: aws.String(name), InvocationType: types.InvocationTypeEvent,
		Payload: []byte(fmt.Sprintf(`{"url":"%s?id=%d"}`, url, id)),
	})
	if err == nil && out.StatusCode != 202 {
		err = fmt.Errorf("status %d", out.StatusCode)
	}
	return err
}

// BenchmarkLambdaEventAccept is the latency of an Event invoke's 202 via
// aws-sdk-go-v2: the event is on disk (group commit) before the answer.
func BenchmarkLambdaEventAccept(b *testing.B) {
	for _, conc := range []int{1, 16} {
		b.Run(fmt.Sprintf("conc=%d", conc), func(b *testing.B) {
			cmd, url, _ := start(b, b.TempDir())
			defer stop(cmd)
			c := lambdaClient(url)
			sink := newPingSink(b)
			name := pingerFunction(b, c)
			measure(b, conc, func(i int) error { return event(c, name, sink.url, i) })
		})
	}
}

// BenchmarkLambdaEventToHandler is the delay from sending an Event invoke
// to its handler starting (warm sandbox), one event at a time.
func BenchmarkLambdaEventToHandler(b *testing.B) {
	cmd, url, _ := start(b, b.TempDir())
	defer stop(cmd)
	c := lambdaClient(url)
	sink := newPingSink(b)
	name := pingerFunction(b, c)
	if err := event(c, name, sink.url, -1); err != nil { // cold start out of the way
		b.Fatal(err)
	}
	<-sink.got
	lat := make([]time.Duration, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if err := event(c, name, sink.url, i); err != nil {
			b.Fatal(err)
		}
		<-sink.got
		sink.mu.Lock()
		lat[i] = sink.at[i].Sub(t0)
		sink.mu.Unlock()
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

// BenchmarkLambdaEventThroughput sends b.N events from 16 clients and
// reports events/s from the first send to the last handler start.
func BenchmarkLambdaEventThroughput(b *testing.B) {
	cmd, url, _ := start(b, b.TempDir())
	defer stop(cmd)
	c := lambdaClient(url)
	sink := newPingSink(b)
	name := pingerFunction(b, c)
	b.ResetTimer()
	t0 := time.Now()
	var wg sync.WaitGroup
	next := make(chan int, 16)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := event(c, name, sink.url, i); err != nil {
					b.Error(err)
				}
			}
		}()
	}
	for i := 0; i < b.N; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	accepted := time.Since(t0)
	for range b.N {
		select {
		case <-sink.got:
		case <-time.After(60 * time.Second):
			b.Fatalf("only %d of %d events reached the handler", len(sink.at), b.N)
		}
	}
	elapsed := time.Since(t0)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/accepted.Seconds(), "accepted/s")
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "delivered/s")
}
