package edge

import (
	"bufio"
	"bytes"
	"context"
	"crypto/md5"
	"crypto/tls"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"hako/internal/clock"
	"hako/internal/credentials"
	"hako/internal/edge/sigv4"
	"hako/internal/engine"
	"hako/internal/protocol"
	"hako/internal/protocol/checksum"
	"hako/internal/service"
)

// The key the recorded clients signed with (awschunked/testdata/clients).
const (
	captureKey    = "AKIAIOSFODNN7EXAMPLE"
	captureSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

// hashingS3 serves PutObject and UploadPart of the s3 model as a service
// would: it streams the body, returns a read error as it is, and answers
// the body's MD5 as the ETag and the trailing checksum the edge exposed.
type hashingS3 struct {
	mu   sync.Mutex
	seen []seenBody
}

type seenBody struct {
	contentLength   any
	contentEncoding any
	data            []byte
	trailer         http.Header
}

func (*hashingS3) Name() string { return "s3" }
func (s *hashingS3) APIs() []*service.API {
	h := func(ctx context.Context, in map[string]any) (map[string]any, error) {
		rc := in["Body"].(io.ReadCloser)
		data, err := io.ReadAll(rc)
		if err != nil {
			return nil, err // as a service does: the edge made it an AWS error
		}
		seen := seenBody{contentLength: in["ContentLength"], contentEncoding: in["ContentEncoding"], data: data}
		out := map[string]any{}
		if tb, ok := rc.(interface{ Trailer() http.Header }); ok {
			seen.trailer = tb.Trailer()
			for k, v := range tb.Trailer() {
				a, _ := checksum.AlgorithmOfHeader(k)
				out["Checksum"+string(a)] = v[0]
			}
		}
		s.mu.Lock()
		s.seen = append(s.seen, seen)
		s.mu.Unlock()
		sum := md5.Sum(data)
		out["ETag"] = `"` + hex.EncodeToString(sum[:]) + `"`
		return out, nil
	}
	return []*service.API{{ModelName: "s3", Handlers: map[string]protocol.Handler{"PutObject": h, "UploadPart": h}}}
}

func (s *hashingS3) last() seenBody {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.seen) == 0 {
		return seenBody{}
	}
	return s.seen[len(s.seen)-1]
}

func newS3Edge(t *testing.T, clk clock.Clock, svc *hashingS3) *Edge {
	t.Helper()
	creds := credentials.New(engine.NewMemory(), clk, []service.Identity{{AccessKeyID: captureKey, SecretAccessKey: captureSecret, Account: "000000000000"}})
	e, err := New(Config{Clock: clk, Credentials: creds, Services: []service.Service{svc}, Loopback: true})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// s3Error is S3's XML error body.
type s3Error struct {
	Code, Message string
}

func errorOf(t *testing.T, w *httptest.ResponseRecorder) s3Error {
	t.Helper()
	var e s3Error
	if err := xml.Unmarshal(w.Body.Bytes(), &e); err != nil {
		t.Fatalf("status %d, body %q: %v", w.Code, w.Body, err)
	}
	return e
}

// Every recorded client request goes the whole way — route, SigV4 of the
// configured key, aws-chunked decoding with every check, the service's
// read — and the service sees the decoded bytes, the decoded length, no
// aws-chunked encoding, and the verified trailing checksum. A tampered
// copy is answered with S3's error, written by the codec from the error
// the service returned as it got it.
func TestRealClientsThroughEdge(t *testing.T) {
	files, _ := filepath.Glob("awschunked/testdata/clients/*.http")
	if len(files) == 0 {
		t.Fatal("no captures")
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(filepath.Base(f), ".http")
		t.Run(name, func(t *testing.T) {
			serve := func(raw []byte) (*httptest.ResponseRecorder, *hashingS3, *http.Request) {
				req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
				if err != nil {
					t.Fatal(err)
				}
				req.RemoteAddr = "127.0.0.1:1234"
				p, err := sigv4.Parse(req)
				if err != nil {
					t.Fatal(err)
				}
				svc := &hashingS3{}
				e := newS3Edge(t, clock.NewFake(p.Date), svc)
				w := httptest.NewRecorder()
				hdr := req.Header.Clone()
				e.ServeHTTP(w, req)
				req.Header = hdr
				return w, svc, req
			}
			w, svc, req := serve(raw)
			if strings.Contains(name, "small-chunks") {
				if e := errorOf(t, w); w.Code != 400 || e.Code != "InvalidChunkSizeError" {
					t.Fatalf("%d %+v", w.Code, e)
				}
				return
			}
			if w.Code != 200 {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			seen := svc.last()
			if req.Header.Get("X-Amz-Decoded-Content-Length") != "" {
				n, _ := strconv.Atoi(req.Header.Get("X-Amz-Decoded-Content-Length"))
				if len(seen.data) != n || seen.contentLength != int64(n) {
					t.Fatalf("service read %d bytes, ContentLength %v; declared %d", len(seen.data), seen.contentLength, n)
				}
				if seen.contentEncoding != nil {
					t.Fatalf("ContentEncoding %v reached the service", seen.contentEncoding)
				}
			}
			sum := md5.Sum(seen.data)
			if w.Header().Get("ETag") != `"`+hex.EncodeToString(sum[:])+`"` {
				t.Fatalf("ETag %s", w.Header().Get("ETag"))
			}
			if tr := req.Header.Get("X-Amz-Trailer"); tr != "" {
				a, _ := checksum.AlgorithmOfHeader(tr)
				if got := w.Header().Get(tr); got == "" || got != a.Sum(seen.data) || seen.trailer.Get(tr) != got {
					t.Fatalf("%s: answered %q, service saw %v, want %s", tr, got, seen.trailer, a.Sum(seen.data))
				}
			}

			// Tampered: one byte of the object changed on the wire (found
			// by its first bytes, which no framing contains).
			head := bytes.Index(raw, []byte("\r\n\r\n")) + 4
			at := head + bytes.Index(raw[head:], seen.data[:min(8, len(seen.data))])
			if at < head {
				t.Fatal("object bytes not found on the wire")
			}
			bad := bytes.Clone(raw)
			bad[at] ^= 0x20
			w, svc, _ = serve(bad)
			e := errorOf(t, w)
			switch ph := req.Header.Get("X-Amz-Content-Sha256"); {
			case ph == "STREAMING-AWS4-HMAC-SHA256-PAYLOAD" || ph == "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER":
				if w.Code != 403 || e.Code != "SignatureDoesNotMatch" || e.Message != sigv4.MsgSignatureMismatchS3 {
					t.Fatalf("%d %+v", w.Code, e)
				}
			case ph == "STREAMING-UNSIGNED-PAYLOAD-TRAILER":
				if w.Code != 400 || e.Code != "BadDigest" || !strings.Contains(e.Message, "did not match the calculated checksum") {
					t.Fatalf("%d %+v", w.Code, e)
				}
			default:
				if w.Code != 400 || e.Code != "XAmzContentSHA256Mismatch" || e.Message != sigv4.MsgPayloadHashMismatch {
					t.Fatalf("%d %+v", w.Code, e)
				}
			}
			if len(svc.seen) != 0 {
				t.Fatal("the service completed a tampered upload")
			}
		})
	}
}

// Request-level refusals happen before the service runs.
func TestChunkedHeaderErrorsThroughEdge(t *testing.T) {
	cases := []struct {
		hash, trailer, decoded string
		code                   string
		status                 int
	}{
		{"STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD", "", "5", "NotImplemented", 501},
		{"STREAMING-UNSIGNED-PAYLOAD-TRAILER", "x-amz-checksum-crc32", "", "MissingContentLength", 411},
		{"STREAMING-UNSIGNED-PAYLOAD-TRAILER", "x-amz-checksum-md5", "5", "InvalidRequest", 400},
	}
	for _, c := range cases {
		svc := &hashingS3{}
		e := newS3Edge(t, clock.Real{}, svc)
		r := httptest.NewRequest("PUT", "http://127.0.0.1:4566/bucket/key", strings.NewReader("5\r\nhello\r\n0\r\n\r\n"))
		r.Header.Set("X-Amz-Content-Sha256", c.hash)
		r.Header.Set("Content-Encoding", "aws-chunked")
		if c.trailer != "" {
			r.Header.Set("X-Amz-Trailer", c.trailer)
		}
		if c.decoded != "" {
			r.Header.Set("X-Amz-Decoded-Content-Length", c.decoded)
		}
		w := httptest.NewRecorder()
		e.ServeHTTP(w, r)
		if got := errorOf(t, w); w.Code != c.status || got.Code != c.code {
			t.Errorf("%s: %d %+v, want %d %s", c.hash, w.Code, got, c.status, c.code)
		}
		if len(svc.seen) != 0 {
			t.Errorf("%s: reached the service", c.hash)
		}
	}
}

// Other content encodings survive; only aws-chunked goes.
func TestDecodedHeaders(t *testing.T) {
	r := httptest.NewRequest("PUT", "/b/k", nil)
	r.Header["Content-Encoding"] = []string{"aws-chunked, gzip", "br"}
	r.Header.Set("Transfer-Encoding", "chunked")
	decodedHeaders(r, 42, nil)
	if r.Header.Get("Content-Encoding") != "gzip,br" || r.ContentLength != 42 || r.Header.Get("Content-Length") != "42" || r.Header.Get("Transfer-Encoding") != "" {
		t.Errorf("%v %d", r.Header, r.ContentLength)
	}
	r.Header.Set("Content-Encoding", "AWS-CHUNKED")
	decodedHeaders(r, 0, nil)
	if _, ok := r.Header["Content-Encoding"]; ok {
		t.Errorf("%v", r.Header)
	}
}

// A read error that is not the edge's own is answered the way S3 answers a
// client that stopped sending; edge checks keep their code.
func TestBodyErrorContract(t *testing.T) {
	for _, c := range []struct {
		err  error
		code string
	}{
		{io.ErrUnexpectedEOF, "IncompleteBody"},
		{fmt.Errorf("read tcp: %w", os.ErrDeadlineExceeded), "RequestTimeout"},
		{errors.New("connection reset by peer"), "IncompleteBody"},
		{&sigv4.Error{Reason: sigv4.ReasonPayloadHashMismatch, Msg: sigv4.MsgPayloadHashMismatch}, "XAmzContentSHA256Mismatch"},
		{&sigv4.Error{Reason: sigv4.ReasonSignatureMismatch, Msg: sigv4.MsgSignatureMismatch}, "SignatureDoesNotMatch"},
	} {
		var pe *protocol.Error
		if !errors.As(bodyError("rest-xml", c.err), &pe) || pe.Code != c.code || pe.Status == 0 {
			t.Errorf("%v: %v", c.err, pe)
		}
	}
	// json services: the hash mismatch is their signature error; a
	// transport error is left to the codec.
	var pe *protocol.Error
	if !errors.As(bodyError("json", &sigv4.Error{Reason: sigv4.ReasonPayloadHashMismatch, Msg: sigv4.MsgPayloadHashMismatch}), &pe) || pe.Code != "InvalidSignatureException" {
		t.Errorf("json: %v", pe)
	}
	if err := bodyError("json", io.ErrUnexpectedEOF); err != io.ErrUnexpectedEOF {
		t.Errorf("json transport error became %v", err)
	}
}

// aws-sdk-go-v2 live, against the edge served over https (where it frames
// aws-chunked with a trailing checksum) and over http: each upload reaches
// the service decoded, the checksum the client sent comes back, and the
// SDK accepts the answer.
func TestGoSDKLive(t *testing.T) {
	svc := &hashingS3{}
	e := newS3Edge(t, clock.Real{}, svc)
	data := bytes.Repeat([]byte("aws-sdk-go-v2 through the edge\n"), 5000) // 155000 bytes, 3 chunks
	for _, tlsOn := range []bool{true, false} {
		var srv *httptest.Server
		if tlsOn {
			srv = httptest.NewTLSServer(e)
		} else {
			srv = httptest.NewServer(e)
		}
		c := s3.New(s3.Options{
			Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), UsePathStyle: true,
			HTTPClient:  &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}},
			Credentials: awscreds.NewStaticCredentialsProvider(captureKey, captureSecret, ""),
		})
		unsigned := func(o *s3.Options) {
			o.APIOptions = append(o.APIOptions, v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware)
		}
		for _, alg := range []types.ChecksumAlgorithm{types.ChecksumAlgorithmCrc32, types.ChecksumAlgorithmCrc32c, types.ChecksumAlgorithmCrc64nvme, types.ChecksumAlgorithmSha1, types.ChecksumAlgorithmSha256} {
			out, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("bucket"), Key: aws.String("k"), Body: bytes.NewReader(data), ChecksumAlgorithm: alg}, unsigned)
			if err != nil {
				t.Fatalf("tls=%v %s: %v", tlsOn, alg, err)
			}
			seen := svc.last()
			if !bytes.Equal(seen.data, data) {
				t.Fatalf("tls=%v %s: service read %d bytes", tlsOn, alg, len(seen.data))
			}
			a, _ := checksum.Parse(string(alg))
			if tlsOn && (seen.trailer.Get(a.Header()) != a.Sum(data) || out.ETag == nil) {
				t.Fatalf("%s: trailer %v", alg, seen.trailer)
			}
		}
		// A part, signed (hex SHA-256 over http, the default).
		if _, err := c.UploadPart(context.Background(), &s3.UploadPartInput{Bucket: aws.String("bucket"), Key: aws.String("k"), UploadId: aws.String("u"), PartNumber: aws.Int32(1), Body: bytes.NewReader(data)}); err != nil {
			t.Fatalf("tls=%v UploadPart: %v", tlsOn, err)
		}
		srv.Close()
	}
	// A body that does not match its declared SHA-256 is refused with the
	// error the SDK knows.
	srv := httptest.NewServer(e)
	defer srv.Close()
	req, _ := http.NewRequest("PUT", srv.URL+"/bucket/k", strings.NewReader("tampered"))
	sum := "0000000000000000000000000000000000000000000000000000000000000000"
	req.Header.Set("X-Amz-Content-Sha256", sum)
	v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: captureKey, SecretAccessKey: captureSecret}, req, sum, "s3", "us-east-1", time.Now())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !bytes.Contains(b, []byte("<Code>XAmzContentSHA256Mismatch</Code>")) {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
}
