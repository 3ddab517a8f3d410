package e2e

import (
	"bytes"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// slowProxy forwards TCP connections to target, passing client→server
// bytes at about rate bytes/s in total (all connections share the budget),
// so a 100 MB upload takes seconds and the test can kill the server while
// the body is arriving, whatever the machine's speed.
type slowProxy struct {
	ln     net.Listener
	target string
	rate   float64
	mu     sync.Mutex
	next   time.Time
}

func newSlowProxy(t *testing.T, target string, rate float64) *slowProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &slowProxy{ln: ln, target: target, rate: rate}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.serve(c)
		}
	}()
	return p
}

func (p *slowProxy) URL() string { return "http://" + p.ln.Addr().String() }

// wait reserves the time slot for n bytes on the shared budget.
func (p *slowProxy) wait(n int) {
	p.mu.Lock()
	now := time.Now()
	if p.next.Before(now) {
		p.next = now
	}
	p.next = p.next.Add(time.Duration(float64(n) / p.rate * float64(time.Second)))
	at := p.next
	p.mu.Unlock()
	time.Sleep(time.Until(at))
}

func (p *slowProxy) serve(c net.Conn) {
	defer c.Close()
	u, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	defer u.Close()
	go func() {
		io.Copy(c, u)
		c.Close()
	}()
	buf := make([]byte, 64<<10)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			p.wait(n)
			if _, werr := u.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// blobFiles lists the engine's blob directory: committed blobs (32 hex
// characters) and temp files of writes in flight.
func blobFiles(t *testing.T, dataDir string) (committed []string, temp map[string]int64) {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(dataDir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	temp = map[string]int64{}
	for _, e := range ents {
		switch {
		case strings.HasPrefix(e.Name(), "tmp-"):
			if info, err := e.Info(); err == nil {
				temp[e.Name()] = info.Size()
			}
		case len(e.Name()) == 32:
			committed = append(committed, e.Name())
		}
	}
	return committed, temp
}

// killDuring runs the aws CLI v2 with args against endpoint, SIGKILLs the
// server as soon as ready(dataDir) holds, then stops the CLI (so its
// retries cannot finish the upload on the restarted server) and restarts
// the server. It fails if the CLI finished before the kill.
func killDuring(t *testing.T, s *Server, endpoint string, ready func() bool, args ...string) {
	t.Helper()
	cmd := exec.Command("/usr/bin/aws", append([]string{"--endpoint-url", endpoint, "--output", "json"}, args...)...)
	cmd.Env = awsEnv()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Skipf("aws CLI v2: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.After(2 * time.Minute)
	for !ready() {
		select {
		case err := <-exited:
			t.Fatalf("aws %s finished before the kill (%v):\n%s", strings.Join(args, " "), err, out.String())
		case <-deadline:
			cmd.Process.Kill()
			t.Fatalf("the upload never reached the kill point:\n%s", out.String())
		case <-time.After(2 * time.Millisecond):
		}
	}
	s.Kill()
	cmd.Process.Kill()
	<-exited
	t.Logf("killed during: aws %s", strings.Join(args, " "))
	s.Restart()
}

// TestS3CrashDuringUpload SIGKILLs the server while the aws CLI v2 sends a
// 100 MB object (one PutObject through s3api, and a multipart upload
// through s3 cp), then restarts it on the same data dir: no partial object
// is visible — the key is absent, or still the complete previous object —
// the unfinished multipart upload may be listed but never serves bytes,
// and orphaned blob files (the crash's, plus planted ones) break nothing.
func TestS3CrashDuringUpload(t *testing.T) {
	if _, err := exec.LookPath("/usr/bin/aws"); err != nil {
		t.Skip("aws CLI v2 not installed")
	}
	s := StartServer(t)
	const v2 = "/usr/bin/aws"
	c := s3.NewFromConfig(s.sdkConfig(t), func(o *s3.Options) { o.UsePathStyle = true })
	dir := t.TempDir()
	big := filepath.Join(dir, "big.bin")
	data := make([]byte, 100<<20)
	rand.Read(data)
	if err := os.WriteFile(big, data, 0o644); err != nil {
		t.Fatal(err)
	}
	previous := []byte("the complete previous version\n")
	s.cli(t, v2, "s3", "mb", "s3://crash")
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("crash"), Key: aws.String("single.bin"), Body: bytes.NewReader(previous)}); err != nil {
		t.Fatal(err)
	}
	proxy := newSlowProxy(t, strings.TrimPrefix(s.URL, "http://"), 20<<20)

	getAll := func(key string) ([]byte, *s3.GetObjectOutput, error) {
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("crash"), Key: aws.String(key)})
		if err != nil {
			return nil, nil, err
		}
		defer out.Body.Close()
		b, err := io.ReadAll(out.Body)
		return b, out, err
	}

	t.Run("single PutObject (s3api put-object)", func(t *testing.T) {
		// Kill once 30 MB of the body sit in the blob's temp file.
		killDuring(t, s, proxy.URL(), func() bool {
			_, temp := blobFiles(t, s.DataDir)
			for _, n := range temp {
				if n >= 30<<20 {
					return true
				}
			}
			return false
		}, "s3api", "put-object", "--bucket", "crash", "--key", "single.bin", "--body", big)
		// The overwrite never happened: the previous object, whole.
		b, out, err := getAll("single.bin")
		if err != nil || !bytes.Equal(b, previous) || aws.ToInt64(out.ContentLength) != int64(len(previous)) {
			t.Fatalf("after the crash: %v, %d bytes (want the previous %d)", err, len(b), len(previous))
		}
		sum := md5.Sum(previous)
		if etag := aws.ToString(out.ETag); etag != `"`+hex.EncodeToString(sum[:])+`"` {
			t.Errorf("ETag %s is not the previous object's", etag)
		}
		if _, temp := blobFiles(t, s.DataDir); len(temp) != 0 {
			t.Errorf("temp files survived the restart: %v", temp)
		}
	})

	t.Run("multipart (s3 cp)", func(t *testing.T) {
		before, _ := blobFiles(t, s.DataDir)
		// Kill once at least one 8 MB part is committed and more are
		// arriving.
		killDuring(t, s, proxy.URL(), func() bool {
			committed, temp := blobFiles(t, s.DataDir)
			return len(committed) > len(before) && len(temp) > 0
		}, "s3", "cp", big, "s3://crash/multi.bin")
		_, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("crash"), Key: aws.String("multi.bin")})
		var nf *types.NotFound
		if !errors.As(err, &nf) {
			t.Fatalf("HeadObject after the crash: %v (want 404)", err)
		}
		if b, _, err := getAll("multi.bin"); err == nil {
			t.Fatalf("GetObject returned %d bytes of an unfinished upload", len(b))
		}
		ups, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("crash")})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("unfinished uploads listed after the restart: %d", len(ups.Uploads))
		for _, u := range ups.Uploads {
			parts, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("crash"), Key: u.Key, UploadId: u.UploadId})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("upload %s of %s: %d parts survived", aws.ToString(u.UploadId), aws.ToString(u.Key), len(parts.Parts))
			for _, p := range parts.Parts {
				if aws.ToInt64(p.Size) != 8<<20 {
					t.Errorf("part %d has %d bytes, want 8 MiB", aws.ToInt32(p.PartNumber), aws.ToInt64(p.Size))
				}
			}
			if _, err := c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String("crash"), Key: u.Key, UploadId: u.UploadId}); err != nil {
				t.Fatal(err)
			}
		}
	})

	t.Run("orphans break nothing", func(t *testing.T) {
		// Blobs committed but never referenced (what a crash between a
		// blob's commit and its record leaves) and a temp file.
		blobs := filepath.Join(s.DataDir, "blobs")
		orphan := make([]byte, 16)
		rand.Read(orphan)
		os.WriteFile(filepath.Join(blobs, hex.EncodeToString(orphan)), []byte("orphan"), 0o600)
		os.WriteFile(filepath.Join(blobs, "tmp-planted"), []byte("half a body"), 0o600)
		s.Kill()
		s.Restart()
		if _, temp := blobFiles(t, s.DataDir); len(temp) != 0 {
			t.Errorf("temp files survived the restart: %v", temp)
		}
		// Full uploads through the same paths now succeed and read back.
		s.cli(t, v2, "s3api", "put-object", "--bucket", "crash", "--key", "single.bin", "--body", big)
		s.cli(t, v2, "s3", "cp", big, "s3://crash/multi.bin")
		for _, key := range []string{"single.bin", "multi.bin"} {
			b, _, err := getAll(key)
			if err != nil || !bytes.Equal(b, data) {
				t.Errorf("%s: %v, %d bytes, equal=%v", key, err, len(b), bytes.Equal(b, data))
			}
		}
		ls := s.cli(t, v2, "s3", "ls", "s3://crash")
		if !strings.Contains(ls, "single.bin") || !strings.Contains(ls, "multi.bin") || strings.Count(ls, "\n") != 2 {
			t.Errorf("ls: %s", ls)
		}
		ups, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("crash")})
		if err != nil || len(ups.Uploads) != 0 {
			t.Errorf("uploads left: %v %v", err, ups)
		}
		s.cli(t, v2, "s3", "rm", "s3://crash", "--recursive")
		s.cli(t, v2, "s3", "rb", "s3://crash")
	})
}

// keyPy prints the key of every record it gets, and also writes an
// empty marker object per key into the bucket "delivered" (boto3, through
// AWS_ENDPOINT_URL): an acknowledged S3 write, durable before the
// invocation ends, where log lines are shipped after it.
const keyPy = `import boto3
s3 = boto3.client("s3")
def handler(event, context):
    for r in event["Records"]:
        key = r["s3"]["object"]["key"]
        print("KEY " + key)
        s3.put_object(Bucket="delivered", Key=key, Body=b"")
`

// TestS3CrashAfterAcknowledgedPuts writes 1,000 small objects with
// aws-sdk-go-v2 (16 at a time) into a bucket whose notifications invoke a
// Python function, SIGKILLs the server right after the last 200, and
// restarts it: every object is there with its bytes, and every
// notification reaches the function (delivery is at least once, so a key
// may be logged twice: the test reports how many were). The server runs
// on the real clock: a sped-up clock (as TestLambdaAsync uses) would turn
// the function's 3 s timeout into milliseconds of real time.
func TestS3CrashAfterAcknowledgedPuts(t *testing.T) {
	s := StartServer(t)
	const v2, n = "/usr/bin/aws", 1000
	c := s3.NewFromConfig(s.sdkConfig(t), func(o *s3.Options) { o.UsePathStyle = true })
	logs := cwl.NewFromConfig(s.sdkConfig(t))
	s.cli(t, v2, "lambda", "create-function", "--function-name", "keys", "--runtime", "python3.12", "--handler", "app.handler",
		"--role", roleARN, "--zip-file", "fileb://"+zipAt(t, map[string]string{"app.py": keyPy}))
	s.cli(t, v2, "lambda", "add-permission", "--function-name", "keys", "--statement-id", "s3", "--action", "lambda:InvokeFunction",
		"--principal", "s3.amazonaws.com", "--source-arn", "arn:aws:s3:::acked")
	s.cli(t, v2, "s3", "mb", "s3://acked")
	s.cli(t, v2, "s3", "mb", "s3://delivered")
	s.cli(t, v2, "s3api", "put-bucket-notification-configuration", "--bucket", "acked", "--notification-configuration",
		`{"LambdaFunctionConfigurations":[{"LambdaFunctionArn":"arn:aws:lambda:us-east-1:000000000000:function:keys","Events":["s3:ObjectCreated:*"]}]}`)

	body := func(i int) []byte { return bytes.Repeat([]byte(fmt.Sprintf("object %d;", i)), 50) }
	key := func(i int) string { return fmt.Sprintf("obj-%04d", i) }
	var wg sync.WaitGroup
	next := make(chan int)
	errs := make(chan error, n)
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("acked"), Key: aws.String(key(i)), Body: bytes.NewReader(body(i))}); err != nil {
					errs <- fmt.Errorf("%s: %w", key(i), err)
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	s.Kill()
	close(errs)
	for err := range errs {
		t.Fatalf("PutObject was not acknowledged: %v", err)
	}
	s.Restart()

	for i := 0; i < n; i++ {
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("acked"), Key: aws.String(key(i))})
		if err != nil {
			t.Fatalf("%s after the crash: %v", key(i), err)
		}
		b, err := io.ReadAll(out.Body)
		out.Body.Close()
		if err != nil || !bytes.Equal(b, body(i)) {
			t.Fatalf("%s after the crash: %v, %q", key(i), err, b)
		}
	}
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String("acked")})
	listed := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		listed += len(page.Contents)
	}
	if listed != n {
		t.Errorf("listed %d objects, want %d", listed, n)
	}

	// Every notification is delivered: poll the function's marker objects
	// and its log (real time, up to 3 minutes: 1,000 invocations of a
	// Python function).
	listKeys := func(bucket string) map[string]bool {
		got := map[string]bool{}
		p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range page.Contents {
				got[aws.ToString(o.Key)] = true
			}
		}
		return got
	}
	rx := regexp.MustCompile(`(?m)^KEY (obj-\d{4})$`)
	deadline := time.Now().Add(3 * time.Minute)
	for {
		delivered := listKeys("delivered")
		logged := map[string]int{}
		for _, m := range rx.FindAllStringSubmatch(logText(t, logs, "keys"), -1) {
			logged[m[1]]++
		}
		if len(delivered) == n && len(logged) == n {
			dups := 0
			for _, k := range logged {
				dups += k - 1
			}
			t.Logf("all %d notifications delivered and logged; %d keys logged more than once (%d extra deliveries)", n, countOver(logged, 1), dups)
			break
		}
		if time.Now().After(deadline) {
			var undelivered, unlogged []string
			for i := 0; i < n; i++ {
				if !delivered[key(i)] {
					undelivered = append(undelivered, key(i))
				}
				if logged[key(i)] == 0 {
					unlogged = append(unlogged, key(i))
				}
			}
			t.Fatalf("%d of %d notifications delivered (missing %v), %d logged (missing %v)",
				len(delivered), n, undelivered[:min(len(undelivered), 10)], len(logged), unlogged[:min(len(unlogged), 10)])
		}
		time.Sleep(time.Second)
	}
}

func countOver(m map[string]int, n int) int {
	c := 0
	for _, v := range m {
		if v > n {
			c++
		}
	}
	return c
}
