package server

// S3 figures, each measured side by side with moto_server (moto's S3 in
// its development server, objects in memory) in the same run:
//
//	go test -run '^$' -bench 'BenchmarkS3(Put|Get)Small' -benchtime 5000x ./bench/server/
//	go test -run '^$' -bench 'BenchmarkS3Large|BenchmarkS3List' -benchtime 1x -timeout 30m ./bench/server/
//
// The clients are aws-sdk-go-v2, path-style, with the SDK's default
// checksums. A peer that is not installed is skipped.

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"golang.org/x/sys/unix"
)

// s3Peer is one S3 server under measurement.
type s3Peer struct {
	name string
	url  string
	// dataDir holds hako's blobs (empty for moto, which keeps objects in
	// memory).
	dataDir string
	stop    func()
}

// startMoto runs `moto_server -p PORT` and waits until it answers.
func startMoto(b *testing.B) *s3Peer {
	path, err := exec.LookPath("moto_server")
	if err != nil {
		b.Skip("moto_server not installed")
	}
	addr := freeAddr(b)
	_, port, _ := strings.Cut(addr, ":")
	cmd := exec.Command(path, "-p", port)
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	stop := func() { cmd.Process.Kill(); cmd.Wait() }
	deadline := time.Now().Add(30 * time.Second)
	for {
		if resp, err := http.Get("http://" + addr + "/"); err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			stop()
			b.Fatal("moto_server did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}
	return &s3Peer{name: "moto", url: "http://" + addr, stop: stop}
}

func startHako(b *testing.B) *s3Peer {
	dir := b.TempDir()
	cmd, url, _ := start(b, dir)
	return &s3Peer{name: "hako", url: url, dataDir: dir, stop: func() { stop(cmd) }}
}

// eachS3 runs body as a sub-benchmark against hako and against moto, each
// started fresh for it.
func eachS3(b *testing.B, body func(b *testing.B, p *s3Peer, c *s3.Client)) {
	for _, mk := range []func(*testing.B) *s3Peer{startHako, startMoto} {
		p := mk(b)
		b.Run(p.name, func(b *testing.B) {
			body(b, p, s3Client(p.url))
		})
		p.stop()
	}
}

func s3Client(url string) *s3.Client {
	return s3.NewFromConfig(aws.Config{
		Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
		// Plenty of idle connections for 16 workers: the default of 2
		// per host would measure connection setup.
		HTTPClient: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}},
	}, func(o *s3.Options) { o.UsePathStyle = true })
}

func mkBucket(b *testing.B, c *s3.Client, name string) {
	if _, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkS3PutSmall: PutObject of 4 KiB objects (distinct keys), 16
// concurrent clients: ops/s, p50 and p99.
func BenchmarkS3PutSmall(b *testing.B) {
	body := make([]byte, 4<<10)
	rand.Read(body)
	eachS3(b, func(b *testing.B, p *s3Peer, c *s3.Client) {
		ctx := context.Background()
		bucket := fmt.Sprintf("put-small-%d", b.N)
		mkBucket(b, c, bucket)
		measure(b, 16, func(i int) error {
			_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(fmt.Sprintf("obj/%08d", i)), Body: bytes.NewReader(body)})
			return err
		})
	})
}

// BenchmarkS3GetSmall: GetObject of 4 KiB objects (1,000 distinct keys,
// body read to the end), 16 concurrent clients: ops/s, p50 and p99.
func BenchmarkS3GetSmall(b *testing.B) {
	body := make([]byte, 4<<10)
	rand.Read(body)
	eachS3(b, func(b *testing.B, p *s3Peer, c *s3.Client) {
		ctx := context.Background()
		bucket := fmt.Sprintf("get-small-%d", b.N)
		mkBucket(b, c, bucket)
		const keys = 1000
		load(b, c, bucket, keys, 16, body)
		measure(b, 16, func(i int) error {
			out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(fmt.Sprintf("obj/%08d", i%keys))})
			if err != nil {
				return err
			}
			n, err := io.Copy(io.Discard, out.Body)
			out.Body.Close()
			if err == nil && n != int64(len(body)) {
				err = fmt.Errorf("read %d bytes", n)
			}
			return err
		})
	})
}

// load writes n objects obj/00000000... with `workers` concurrent PUTs and
// returns how long it took.
func load(b *testing.B, c *s3.Client, bucket string, n, workers int, body []byte) time.Duration {
	ctx := context.Background()
	t0 := time.Now()
	var wg sync.WaitGroup
	next := make(chan int, workers)
	var once sync.Once
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(fmt.Sprintf("obj/%08d", i)), Body: bytes.NewReader(body)}); err != nil {
					once.Do(func() { b.Error(err) })
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	return time.Since(t0)
}

const largeSize = 256 << 20

// evict drops the page cache of every file under dir (posix_fadvise
// DONTNEED; the files are synced, so their pages are clean and go), so a
// read after it comes from the disk. The benchmark cannot write
// /proc/sys/vm/drop_caches without root.
func evict(dir string) error {
	return filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		return unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED)
	})
}

// ddMBps runs dd and returns its bandwidth in MB/s (10^6 bytes, as dd
// reports) from the byte count and elapsed seconds it prints.
func ddMBps(b *testing.B, args ...string) float64 {
	out, err := exec.Command("dd", args...).CombinedOutput()
	if err != nil {
		b.Fatalf("dd %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	m := regexp.MustCompile(`(\d+) bytes .*copied, ([\d.]+) s`).FindSubmatch(out)
	if m == nil {
		b.Fatalf("dd output: %s", out)
	}
	n, _ := strconv.ParseFloat(string(m[1]), 64)
	s, _ := strconv.ParseFloat(string(m[2]), 64)
	return n / s / 1e6
}

// BenchmarkS3Large: one 256 MiB PutObject (from memory) and GetObject
// (to io.Discard) per iteration, in MB/s, next to the disk's own
// sequential bandwidth in the same temp dir: dd writing 256 MiB with
// conv=fdatasync, and reading it back after its pages are dropped from
// the cache (evict). hako's blob files are evicted the same way before the
// GET (moto serves from memory).
func BenchmarkS3Large(b *testing.B) {
	dir := b.TempDir()
	ddFile := filepath.Join(dir, "dd.bin")
	w := ddMBps(b, "if=/dev/zero", "of="+ddFile, "bs=1M", "count=256", "conv=fdatasync")
	if err := evict(dir); err != nil {
		b.Fatal(err)
	}
	r := ddMBps(b, "if="+ddFile, "of=/dev/null", "bs=1M")
	os.Remove(ddFile)
	b.Logf("disk (dd in %s): write %.0f MB/s (conv=fdatasync), read %.0f MB/s (cache dropped)", dir, w, r)

	data := make([]byte, largeSize)
	rand.Read(data)
	eachS3(b, func(b *testing.B, p *s3Peer, c *s3.Client) {
		ctx := context.Background()
		bucket := fmt.Sprintf("large-%d", b.N)
		mkBucket(b, c, bucket)
		var put, get time.Duration
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			t0 := time.Now()
			if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("big"), Body: bytes.NewReader(data)}); err != nil {
				b.Fatal(err)
			}
			put += time.Since(t0)
			if p.dataDir != "" {
				if err := evict(p.dataDir); err != nil {
					b.Fatal(err)
				}
			}
			t0 = time.Now()
			out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("big")})
			if err != nil {
				b.Fatal(err)
			}
			n, err := io.Copy(io.Discard, out.Body)
			out.Body.Close()
			get += time.Since(t0)
			if err != nil || n != largeSize {
				b.Fatalf("get: %v, %d bytes", err, n)
			}
		}
		b.StopTimer()
		mb := float64(largeSize) * float64(b.N) / 1e6
		b.ReportMetric(mb/put.Seconds(), "put-MB/s")
		b.ReportMetric(mb/get.Seconds(), "get-MB/s")
		b.ReportMetric(w, "disk-write-MB/s")
		b.ReportMetric(r, "disk-read-MB/s")
	})
}

// BenchmarkS3List: ListObjectsV2 over 100,000 keys, every page (1,000
// keys each) in turn; the keys are loaded first with 64 concurrent PUTs of
// empty objects, and the load time is reported too.
func BenchmarkS3List(b *testing.B) {
	const keys = 100000
	eachS3(b, func(b *testing.B, p *s3Peer, c *s3.Client) {
		ctx := context.Background()
		bucket := fmt.Sprintf("list-%d", b.N)
		mkBucket(b, c, bucket)
		loaded := load(b, c, bucket, keys, 64, nil)
		var list time.Duration
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			t0 := time.Now()
			n := 0
			pg := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
			for pg.HasMorePages() {
				page, err := pg.NextPage(ctx)
				if err != nil {
					b.Fatal(err)
				}
				n += len(page.Contents)
			}
			list += time.Since(t0)
			if n != keys {
				b.Fatalf("listed %d keys, want %d", n, keys)
			}
		}
		b.StopTimer()
		b.ReportMetric(list.Seconds()*1000/float64(b.N), "list-ms")
		b.ReportMetric(loaded.Seconds(), "load-s")
		b.ReportMetric(keys/loaded.Seconds(), "load-puts/s")
	})
}
