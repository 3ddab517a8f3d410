package server

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// startedPy prints the wall-clock time its handler started at, per key.
const startedPy = `import time
def handler(event, context):
    t = time.time()
    for r in event["Records"]:
        print("STARTED %.6f %s" % (t, r["s3"]["object"]["key"]))
`

// BenchmarkS3PutToHandlerStart is the latency from the moment a client
// sends a PutObject (aws-sdk-go-v2) to the moment the Python handler the
// bucket's notification invokes starts (its time.time(), same host clock),
// with a warm sandbox, one upload at a time (25 ms apart so deliveries do
// not queue behind each other). Reports p50/p99 and the PUT's own p50.
func BenchmarkS3PutToHandlerStart(b *testing.B) {
	cmd, url, _ := start(b, b.TempDir())
	defer stop(cmd)
	ctx := context.Background()
	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")}
	sc := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	lc := lambda.NewFromConfig(cfg)
	logs := cwl.NewFromConfig(cfg)
	if _, err := lc.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName: aws.String("started"), Runtime: types.RuntimePython311, Handler: aws.String("app.handler"),
		Role: aws.String("arn:aws:iam::000000000000:role/r"), Code: &types.FunctionCode{ZipFile: zipOne("app.py", []byte(startedPy), 0o644)},
	}); err != nil {
		b.Fatal(err)
	}
	if _, err := lc.AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: aws.String("started"), StatementId: aws.String("s3"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("s3.amazonaws.com")}); err != nil {
		b.Fatal(err)
	}
	if _, err := sc.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bench-notify")}); err != nil {
		b.Fatal(err)
	}
	if _, err := sc.PutBucketNotificationConfiguration(ctx, &s3.PutBucketNotificationConfigurationInput{Bucket: aws.String("bench-notify"),
		NotificationConfiguration: &s3types.NotificationConfiguration{LambdaFunctionConfigurations: []s3types.LambdaFunctionConfiguration{{
			LambdaFunctionArn: aws.String("arn:aws:lambda:us-east-1:000000000000:function:started"),
			Events:            []s3types.Event{"s3:ObjectCreated:*"},
		}}}}); err != nil {
		b.Fatal(err)
	}
	rx := regexp.MustCompile(`STARTED (\d+\.\d+) (\S+)`)
	started := func(want int) map[string]float64 {
		deadline := time.Now().Add(2 * time.Minute)
		for {
			got := map[string]float64{}
			p := cwl.NewFilterLogEventsPaginator(logs, &cwl.FilterLogEventsInput{LogGroupName: aws.String("/aws/lambda/started")})
			for p.HasMorePages() {
				page, err := p.NextPage(ctx)
				if err != nil {
					break
				}
				for _, e := range page.Events {
					if m := rx.FindStringSubmatch(aws.ToString(e.Message)); m != nil {
						got[m[2]], _ = strconv.ParseFloat(m[1], 64)
					}
				}
			}
			if len(got) >= want || time.Now().After(deadline) {
				return got
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	put := func(key string) (time.Time, time.Duration) {
		t0 := time.Now()
		if _, err := sc.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bench-notify"), Key: aws.String(key), Body: strings.NewReader("x")}); err != nil {
			b.Fatal(err)
		}
		return t0, time.Since(t0)
	}
	put("warm-up") // cold start of the sandbox
	started(1)
	sent := make([]time.Time, b.N)
	puts := make([]time.Duration, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sent[i], puts[i] = put(fmt.Sprintf("k%d", i))
		time.Sleep(25 * time.Millisecond)
	}
	b.StopTimer()
	got := started(b.N + 1)
	var lat []time.Duration
	for i := range sent {
		at, ok := got[fmt.Sprintf("k%d", i)]
		if !ok {
			b.Fatalf("handler never started for k%d", i)
		}
		lat = append(lat, time.Unix(0, int64(at*1e9)).Sub(sent[i]))
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	sort.Slice(puts, func(i, j int) bool { return puts[i] < puts[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(puts[len(puts)/2].Microseconds())/1000, "put-p50-ms")
}
