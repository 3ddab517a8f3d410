package awschunked_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"hako/internal/edge/awschunked"
	"hako/internal/edge/sigv4"
	"hako/internal/protocol"
	"hako/internal/protocol/checksum"
)

// The keys the captured clients signed with (testdata/clients/README.md).
var creds = sigv4.Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}

// capture is one recorded client request, read as the server reads it
// (Transfer-Encoding undone), with its aws-chunked body in memory.
type capture struct {
	name string
	req  *http.Request
	p    *sigv4.Parsed
	body []byte // the aws-chunked body as the service's edge reads it
}

func loadCaptures(t *testing.T) []capture {
	t.Helper()
	files, err := filepath.Glob("testdata/clients/*.http")
	if err != nil || len(files) == 0 {
		t.Fatalf("no captures: %v", err)
	}
	var out []capture
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		body, err := io.ReadAll(req.Body)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		p, err := sigv4.Parse(req)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out = append(out, capture{name: strings.TrimSuffix(filepath.Base(f), ".http"), req: req, p: p, body: body})
	}
	return out
}

// decode runs body through a Reader configured from c's headers, with its
// signatures verified by creds.
func (c capture) decode(t *testing.T, body []byte, h http.Header) ([]byte, *awschunked.Reader, error) {
	t.Helper()
	cfg, ok, perr := awschunked.ParseHeaders(c.p.PayloadHash, h)
	if !ok {
		t.Fatalf("%s: not aws-chunked (%s)", c.name, c.p.PayloadHash)
	}
	if perr != nil {
		return nil, nil, perr
	}
	if cfg.Signed {
		cv, err := sigv4.NewChunkVerifier(c.p, creds)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Verifier = cv
	}
	r := awschunked.NewReader(bytes.NewReader(body), cfg)
	got, err := io.ReadAll(iotestOneByte(r, len(body)))
	return got, r, err
}

// iotestOneByte reads small bodies a byte at a time (every state boundary
// crossed in separate Reads) and large ones as they come.
func iotestOneByte(r io.Reader, n int) io.Reader {
	if n < 4096 {
		return oneByte{r}
	}
	return r
}

type oneByte struct{ r io.Reader }

func (o oneByte) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return o.r.Read(p[:1])
}

// Every request the real clients sent is accepted: its seed signature by
// sigv4.Verify, then its body by the decoder (chunk signatures, trailer
// signature, checksum, length), which yields the declared number of bytes
// and exposes the trailing checksum. The one AWS refuses is refused alike.
func TestRealClients(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range loadCaptures(t) {
		t.Run(c.name, func(t *testing.T) {
			if err := sigv4.Verify(c.req, c.p, creds, c.p.Date); err != nil {
				t.Fatalf("seed signature: %v", err)
			}
			if !sigv4.IsStreaming(c.p.PayloadHash) {
				// A plain body: held to its declared hash.
				if _, err := io.ReadAll(sigv4.CheckedBody(io.NopCloser(bytes.NewReader(c.body)), c.p.PayloadHash)); err != nil {
					t.Fatal(err)
				}
				return
			}
			seen[c.p.PayloadHash] = true
			got, r, err := c.decode(t, c.body, c.req.Header)
			if strings.Contains(c.name, "small-chunks") {
				// aws-sdk-js-v3 frames each piece a stream yields; S3 refuses
				// chunks under 8 KiB but the last (the SDK's own advice is
				// requestStreamBufferSize).
				wantCode(t, err, "InvalidChunkSizeError", 400)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want, _ := strconv.ParseInt(c.req.Header.Get("X-Amz-Decoded-Content-Length"), 10, 64)
			if int64(len(got)) != want {
				t.Fatalf("decoded %d bytes, want %d", len(got), want)
			}
			if name := c.req.Header.Get("X-Amz-Trailer"); name != "" {
				a, _ := checksum.AlgorithmOfHeader(name)
				v := r.Trailer().Get(name)
				if v == "" || v != a.Sum(got) {
					t.Fatalf("trailer %s = %q, want %q", name, v, a.Sum(got))
				}
			}
			if strings.HasPrefix(c.name, "miniogo") && !bytes.HasPrefix(got, []byte("hello from minio-go")) && !bytes.HasPrefix(got, []byte("minio-go streaming")) {
				t.Fatalf("decoded %.40q", got)
			}
		})
	}
	for _, form := range []string{awschunked.SignedPayload, awschunked.SignedPayloadTrailer, awschunked.UnsignedPayloadTrailer} {
		if !seen[form] {
			t.Errorf("no capture sends %s", form)
		}
	}
}

// Tampered copies of every capture are refused with S3's error.
func TestRealClientsTampered(t *testing.T) {
	for _, c := range loadCaptures(t) {
		if !sigv4.IsStreaming(c.p.PayloadHash) || strings.Contains(c.name, "small-chunks") {
			continue
		}
		signed := c.p.PayloadHash != awschunked.UnsignedPayloadTrailer
		hasTrailer := c.req.Header.Get("X-Amz-Trailer") != ""
		t.Run(c.name, func(t *testing.T) {
			// One data byte changed: the chunk signature, else the checksum.
			first := bytes.Index(c.body, []byte("\r\n")) + 2
			b := bytes.Clone(c.body)
			b[first] ^= 0x20
			_, _, err := c.decode(t, b, c.req.Header)
			switch {
			case signed:
				wantReason(t, err, sigv4.ReasonSignatureMismatch)
			case hasTrailer:
				wantCode(t, err, "BadDigest", 400)
			}
			// Cut short anywhere: IncompleteBody.
			for _, cut := range []int{1, len(c.body) / 2, len(c.body) - 2} {
				_, _, err = c.decode(t, c.body[:cut], c.req.Header)
				wantCode(t, err, "IncompleteBody", 400)
			}
			// Bytes after the end.
			_, _, err = c.decode(t, append(bytes.Clone(c.body), "x"...), c.req.Header)
			wantCode(t, err, "IncompleteBody", 400)
			// A different declared length (the decoder alone: the header
			// is signed, so sigv4.Verify would refuse it first).
			h := c.req.Header.Clone()
			n, _ := strconv.Atoi(h.Get("X-Amz-Decoded-Content-Length"))
			for _, d := range []int{-1, 1} {
				h.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(n+d))
				_, _, err = c.decode(t, c.body, h)
				wantCode(t, err, "IncompleteBody", 400)
			}
			if !hasTrailer {
				return
			}
			// The trailing checksum replaced by another valid one.
			name := strings.ToLower(c.req.Header.Get("X-Amz-Trailer"))
			a, _ := checksum.AlgorithmOfHeader(name)
			i := bytes.Index(c.body, []byte(name+":"))
			end := i + bytes.IndexByte(c.body[i:], '\n')
			for end > i && (c.body[end-1] == '\r' || c.body[end-1] == '\n') {
				end--
			}
			other := a.Sum([]byte("something else"))
			b = append(append(append([]byte{}, c.body[:i+len(name)+1]...), other...), c.body[end:]...)
			_, _, err = c.decode(t, b, c.req.Header)
			if signed {
				wantReason(t, err, sigv4.ReasonSignatureMismatch)
			} else {
				wantCode(t, err, "BadDigest", 400)
			}
			// A value that is not a checksum at all.
			b = append(append(append([]byte{}, c.body[:i+len(name)+1]...), "!!"...), c.body[end:]...)
			_, _, err = c.decode(t, b, c.req.Header)
			if signed {
				wantReason(t, err, sigv4.ReasonSignatureMismatch)
			} else {
				wantCode(t, err, "InvalidRequest", 400)
			}
			// A trailer other than the declared one.
			h = c.req.Header.Clone()
			otherAlg := checksum.CRC32C
			if a == otherAlg {
				otherAlg = checksum.CRC32
			}
			h.Set("X-Amz-Trailer", otherAlg.Header())
			_, _, err = c.decode(t, c.body, h)
			wantCode(t, err, "MalformedTrailerError", 400)
		})
	}
}

func wantCode(t *testing.T, err error, code string, status int) {
	t.Helper()
	var pe *protocol.Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T), want %s", err, err, code)
	}
	if pe.Code != code || pe.Status != status {
		t.Fatalf("%s %d (%s), want %s %d", pe.Code, pe.Status, pe.Message, code, status)
	}
}

func wantReason(t *testing.T, err error, why sigv4.Reason) {
	t.Helper()
	if sigv4.ReasonOf(err) != why {
		t.Fatalf("error %v, want sigv4 %s", err, why)
	}
}

// encoder builds aws-chunked bodies for the tests. Chunk signatures come
// from aws-sdk-go-v2's StreamSigner (an implementation independent of
// sigv4.ChunkVerifier); the trailer signature is the specification's
// string to sign.
type encoder struct {
	p      *sigv4.Parsed
	signer *v4.StreamSigner
	prev   []byte
}

// seed signs a request as an SDK would and returns it parsed.
func seed(t testing.TB, form string, decoded int, trailer string) (*http.Request, *sigv4.Parsed) {
	t.Helper()
	r, _ := http.NewRequest("PUT", "http://127.0.0.1:4566/bucket/key", nil)
	r.Header.Set("Content-Encoding", "aws-chunked")
	r.Header.Set("X-Amz-Content-Sha256", form)
	r.Header.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(decoded))
	if trailer != "" {
		r.Header.Set("X-Amz-Trailer", trailer)
	}
	when := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey}, r, form, "s3", "us-east-1", when)
	if err != nil {
		t.Fatal(err)
	}
	p, err := sigv4.Parse(r)
	if err != nil {
		t.Fatal(err)
	}
	return r, p
}

func newEncoder(t testing.TB, p *sigv4.Parsed) *encoder {
	s, _ := hex.DecodeString(p.Signature)
	return &encoder{p: p, prev: s, signer: v4.NewStreamSigner(aws.Credentials{AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey}, "s3", "us-east-1", s)}
}

func (e *encoder) chunk(b *bytes.Buffer, data []byte) {
	if e == nil {
		fmt.Fprintf(b, "%x\r\n", len(data))
	} else {
		sig, err := e.signer.GetSignature(context.Background(), nil, data, e.p.Date)
		if err != nil {
			panic(err)
		}
		e.prev = sig
		fmt.Fprintf(b, "%x;chunk-signature=%x\r\n", len(data), sig)
	}
	if len(data) > 0 {
		b.Write(data)
		b.WriteString("\r\n")
	}
}

// trailerSig signs trailers ("name:value\n" each) as the specification says.
func (e *encoder) trailerSig(trailers string) string {
	day := e.p.Date.Format("20060102")
	key := hmacSHA([]byte("AWS4"+creds.SecretAccessKey), day)
	for _, s := range []string{"us-east-1", "s3", "aws4_request"} {
		key = hmacSHA(key, s)
	}
	sum := sha256.Sum256([]byte(trailers))
	sts := "AWS4-HMAC-SHA256-TRAILER\n" + e.p.Date.Format("20060102T150405Z") + "\n" + day + "/us-east-1/s3/aws4_request\n" + hex.EncodeToString(e.prev) + "\n" + hex.EncodeToString(sum[:])
	return hex.EncodeToString(hmacSHA(key, sts))
}

// body frames data in chunks of size (the last shorter) in the given form,
// with a trailing checksum a ("" for none).
func body(t testing.TB, form string, data []byte, size int, a checksum.Algorithm) (*http.Request, *sigv4.Parsed, []byte) {
	trailer := ""
	if a != "" {
		trailer = a.Header()
	}
	r, p := seed(t, form, len(data), trailer)
	var e *encoder
	if form != awschunked.UnsignedPayloadTrailer {
		e = newEncoder(t, p)
	}
	var b bytes.Buffer
	for i := 0; i < len(data); i += size {
		e.chunk(&b, data[i:min(i+size, len(data))])
	}
	e.chunk(&b, nil)
	if form != awschunked.SignedPayload {
		var tr string
		if a != "" {
			tr = a.Header() + ":" + a.Sum(data) + "\n"
			b.WriteString(strings.TrimSuffix(tr, "\n") + "\r\n")
		}
		if e != nil {
			b.WriteString("x-amz-trailer-signature:" + e.trailerSig(tr) + "\r\n")
		}
	}
	b.WriteString("\r\n")
	return r, p, b.Bytes()
}

func read(t testing.TB, r *http.Request, p *sigv4.Parsed, b []byte, verify bool) ([]byte, *awschunked.Reader, error) {
	cfg, ok, perr := awschunked.ParseHeaders(p.PayloadHash, r.Header)
	if !ok || perr != nil {
		t.Fatalf("headers: %v %v", ok, perr)
	}
	if verify && cfg.Signed {
		cfg.Verifier, _ = sigv4.NewChunkVerifier(p, creds)
	}
	d := awschunked.NewReader(bytes.NewReader(b), cfg)
	got, err := io.ReadAll(d)
	return got, d, err
}

// Every form, several sizes and every checksum round-trip; data is never
// held whole (a 1 MiB body through 64 KiB chunks and a small read buffer).
func TestRoundTrip(t *testing.T) {
	data := bytes.Repeat([]byte("The quick brown fox jumps over the lazy dog. "), 1<<20/45)
	for _, form := range []string{awschunked.SignedPayload, awschunked.SignedPayloadTrailer, awschunked.UnsignedPayloadTrailer} {
		for _, n := range []int{0, 1, 8192, 65536, len(data)} {
			algs := []checksum.Algorithm{""}
			if form != awschunked.SignedPayload {
				algs = append(algs, checksum.TrailerAlgorithms...)
			}
			for _, a := range algs {
				r, p, b := body(t, form, data[:n], 64<<10, a)
				got, d, err := read(t, r, p, b, true)
				if err != nil {
					t.Fatalf("%s %d %s: %v", form, n, a, err)
				}
				if !bytes.Equal(got, data[:n]) {
					t.Fatalf("%s %d %s: decoded %d bytes", form, n, a, len(got))
				}
				if a != "" && d.Trailer().Get(a.Header()) != a.Sum(data[:n]) {
					t.Fatalf("%s %d %s: trailer %v", form, n, a, d.Trailer())
				}
			}
		}
	}
}

// The trailer map has the declared key from the start, its value only at
// the end, as net/http's Request.Trailer.
func TestTrailerBeforeEOF(t *testing.T) {
	data := bytes.Repeat([]byte("x"), 10000)
	r, p, b := body(t, awschunked.UnsignedPayloadTrailer, data, 8192, checksum.CRC32)
	cfg, _, _ := awschunked.ParseHeaders(p.PayloadHash, r.Header)
	d := awschunked.NewReader(bytes.NewReader(b), cfg)
	if v, ok := d.Trailer()["X-Amz-Checksum-Crc32"]; !ok || v != nil {
		t.Fatalf("before: %v", d.Trailer())
	}
	io.ReadAll(d)
	if d.Trailer().Get("X-Amz-Checksum-Crc32") != checksum.CRC32.Sum(data) {
		t.Fatalf("after: %v", d.Trailer())
	}
}

// S3's rules, one at a time, on bodies that are otherwise right.
func TestErrors(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789"), 2000) // 20000 bytes
	unsigned := func(mod func(string) string, h map[string]string) (error, *http.Request) {
		r, p, b := body(t, awschunked.UnsignedPayloadTrailer, data, 8192, checksum.SHA256)
		for k, v := range h {
			r.Header.Set(k, v)
		}
		cfg, _, perr := awschunked.ParseHeaders(p.PayloadHash, r.Header)
		if perr != nil {
			return perr, r
		}
		_, err := io.ReadAll(awschunked.NewReader(strings.NewReader(mod(string(b))), cfg))
		return err, r
	}
	same := func(s string) string { return s }
	cases := []struct {
		name   string
		mod    func(string) string
		h      map[string]string
		code   string
		status int
	}{
		{"size not hex", func(s string) string { return strings.Replace(s, "2000\r\n", "2g00\r\n", 1) }, nil, "IncompleteBody", 400},
		{"size with sign", func(s string) string { return strings.Replace(s, "2000\r\n", "+2000\r\n", 1) }, nil, "IncompleteBody", 400},
		{"LF only", func(s string) string { return strings.Replace(s, "2000\r\n", "2000\n", 1) }, nil, "IncompleteBody", 400},
		{"missing CRLF after data", func(s string) string { return strings.Replace(s, "\r\n2000\r\n", "2000\r\n", 1) }, nil, "IncompleteBody", 400},
		{"unsigned chunk with signature", func(s string) string {
			return strings.Replace(s, "2000\r\n", "2000;chunk-signature="+strings.Repeat("0", 64)+"\r\n", 1)
		}, nil, "IncompleteBody", 400},
		{"small chunk before the last", func(s string) string {
			return strings.Replace(s, "2000\r\n", "1000\r\n"+strings.Repeat("0123456789abcdef", 256)+"\r\n1000\r\n", 1)
		}, nil, "InvalidChunkSizeError", 400},
		{"more than declared", same, map[string]string{"X-Amz-Decoded-Content-Length": "19999"}, "IncompleteBody", 400},
		{"less than declared", same, map[string]string{"X-Amz-Decoded-Content-Length": "20001"}, "IncompleteBody", 400},
		{"no final CRLF", func(s string) string { return strings.TrimSuffix(s, "\r\n") }, nil, "IncompleteBody", 400},
		{"no trailer", func(s string) string { return s[:strings.Index(s, "0\r\nx-amz")] + "0\r\n\r\n" }, nil, "MalformedTrailerError", 400},
		{"trailer without colon", func(s string) string { return strings.Replace(s, "x-amz-checksum-sha256:", "x-amz-checksum-sha256", 1) }, nil, "MalformedTrailerError", 400},
		{"undeclared trailer too", func(s string) string {
			return strings.Replace(s, "x-amz-checksum-sha256:", "x-amz-meta-a:b\r\nx-amz-checksum-sha256:", 1)
		}, nil, "MalformedTrailerError", 400},
		{"trailer twice", func(s string) string {
			i := strings.Index(s, "x-amz-checksum-sha256:")
			return s[:i] + s[i:len(s)-2] + s[i:]
		}, nil, "MalformedTrailerError", 400},
		{"unsigned trailer signature", func(s string) string {
			return strings.TrimSuffix(s, "\r\n") + "x-amz-trailer-signature:" + strings.Repeat("0", 64) + "\r\n\r\n"
		}, nil, "MalformedTrailerError", 400},
		{"wrong checksum", func(s string) string {
			i := strings.Index(s, "x-amz-checksum-sha256:") + len("x-amz-checksum-sha256:")
			return s[:i] + checksum.SHA256.Sum(nil) + s[i+44:]
		}, nil, "BadDigest", 400},
		{"short checksum", func(s string) string {
			i := strings.Index(s, "x-amz-checksum-sha256:") + len("x-amz-checksum-sha256:")
			return s[:i] + "AAAA" + s[i+44:]
		}, nil, "InvalidRequest", 400},
		{"x-amz-trailer not a checksum", same, map[string]string{"X-Amz-Trailer": "x-amz-meta-a"}, "InvalidRequest", 400},
		{"x-amz-trailer and a checksum header", same, map[string]string{"X-Amz-Checksum-Crc32": "AAAAAA=="}, "InvalidRequest", 400},
		{"no decoded length", same, map[string]string{"X-Amz-Decoded-Content-Length": ""}, "MissingContentLength", 411},
		{"bad decoded length", same, map[string]string{"X-Amz-Decoded-Content-Length": "-1"}, "MissingContentLength", 411},
		{"a huge chunk", func(s string) string { return strings.Replace(s, "2000\r\n", "ffffffffffffffff\r\n", 1) }, nil, "IncompleteBody", 400},
		{"a long line", func(s string) string {
			return strings.Replace(s, "2000\r\n", "2000"+strings.Repeat("0", 40000)+"\r\n", 1)
		}, nil, "IncompleteBody", 400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err, _ := unsigned(c.mod, c.h)
			wantCode(t, err, c.code, c.status)
		})
	}
	// The chunk size error names the chunk that showed the short one was
	// not last, and the short one's size, as S3 does.
	err, _ := unsigned(cases[5].mod, nil)
	var pe *protocol.Error
	errors.As(err, &pe)
	if pe.Fields["Chunk"] != int64(2) || pe.Fields["BadChunkSize"] != int64(4096) {
		t.Errorf("fields %v", pe.Fields)
	}
	// SigV4a streaming is not implemented, and says so.
	h := http.Header{"X-Amz-Decoded-Content-Length": {"1"}}
	if _, ok, perr := awschunked.ParseHeaders(awschunked.ECDSAPayload, h); !ok || perr == nil || perr.Code != "NotImplemented" || !strings.Contains(perr.Message, "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD") {
		t.Errorf("ECDSA: %v", perr)
	}
	if _, ok, _ := awschunked.ParseHeaders("UNSIGNED-PAYLOAD", h); ok {
		t.Error("UNSIGNED-PAYLOAD taken as aws-chunked")
	}
}

// Signed bodies: every chunk's signature is checked in order, the final
// empty one and the trailer signature too.
func TestSignedErrors(t *testing.T) {
	data := bytes.Repeat([]byte("s"), 20000)
	for _, form := range []string{awschunked.SignedPayload, awschunked.SignedPayloadTrailer} {
		var a checksum.Algorithm
		if form == awschunked.SignedPayloadTrailer {
			a = checksum.CRC32C
		}
		r, p, b := body(t, form, data, 8192, a)
		sigs := []int{}
		for i := 0; ; {
			j := bytes.Index(b[i:], []byte("chunk-signature="))
			if j < 0 {
				break
			}
			sigs = append(sigs, i+j+len("chunk-signature="))
			i += j + 1
		}
		if len(sigs) != 4 {
			t.Fatalf("%d chunk signatures", len(sigs))
		}
		for k, at := range sigs {
			bad := bytes.Clone(b)
			bad[at] ^= 1 // a hex digit becomes another one
			if bad[at] == b[at] || !strings.Contains("0123456789abcdef", string(bad[at])) {
				bad[at] = '0' + (b[at]-'0'+1)%10
			}
			_, _, err := read(t, r, p, bad, true)
			if sigv4.ReasonOf(err) != sigv4.ReasonSignatureMismatch {
				t.Errorf("%s: chunk %d's signature changed: %v", form, k, err)
			}
		}
		if _, _, err := read(t, r, p, b, true); err != nil {
			t.Fatal(err)
		}
		// The first two chunks hold the same bytes: swapping their
		// signatures keeps each a valid signature of such a chunk, but not
		// in that place of the chain.
		swapped := bytes.Clone(b)
		copy(swapped[sigs[0]:sigs[0]+64], b[sigs[1]:sigs[1]+64])
		copy(swapped[sigs[1]:sigs[1]+64], b[sigs[0]:sigs[0]+64])
		if _, _, err := read(t, r, p, swapped, true); sigv4.ReasonOf(err) != sigv4.ReasonSignatureMismatch {
			t.Errorf("%s: swapped signatures: %v", form, err)
		}
		// Without a verifier (the edge knows no secret) only the framing counts.
		if _, _, err := read(t, r, p, bytes.Replace(b, b[sigs[0]:sigs[0]+8], []byte("00000000"), 1), false); err != nil {
			t.Errorf("%s: unverified: %v", form, err)
		}
		// A missing chunk signature is malformed framing.
		_, _, err := read(t, r, p, bytes.Replace(b, []byte(";chunk-signature="), []byte(";chunk-signatur="), 1), true)
		wantCode(t, err, "IncompleteBody", 400)
		if form == awschunked.SignedPayloadTrailer {
			i := bytes.Index(b, []byte("x-amz-trailer-signature:")) + len("x-amz-trailer-signature:")
			bad := bytes.Clone(b)
			bad[i] = '0'
			if b[i] == '0' {
				bad[i] = '1'
			}
			_, _, err := read(t, r, p, bad, true)
			wantReason(t, err, sigv4.ReasonSignatureMismatch)
			_, _, err = read(t, r, p, append(bytes.Clone(b[:bytes.Index(b, []byte("x-amz-trailer-signature:"))]), "\r\n"...), true)
			wantCode(t, err, "MalformedTrailerError", 400)
		}
	}
}

// The S3 documentation's signed-trailer example: chunks of 64 KiB and
// 1 KiB of 'a', the final chunk and the trailing CRC32C, with the seed,
// final chunk and trailer signatures the page publishes.
func TestAWSTrailerExample(t *testing.T) {
	raw := "PUT /examplebucket/chunkObject.txt HTTP/1.1\r\n" +
		"Host: s3.amazonaws.com\r\n" +
		"x-amz-date: 20130524T000000Z\r\n" +
		"x-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER\r\n" +
		"Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class;x-amz-trailer,Signature=106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e\r\n" +
		"x-amz-decoded-content-length: 66560\r\n" +
		"x-amz-trailer: x-amz-checksum-crc32c\r\n\r\n"
	req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
	if err != nil {
		t.Fatal(err)
	}
	p, err := sigv4.Parse(req)
	if err != nil {
		t.Fatal(err)
	}
	// The page gives the final chunk's and the trailer's signatures; the
	// data chunks' are recomputed with the SDK's StreamSigner.
	e := newEncoder(t, p)
	var b bytes.Buffer
	e.chunk(&b, bytes.Repeat([]byte("a"), 65536))
	e.chunk(&b, bytes.Repeat([]byte("a"), 1024))
	e.chunk(&b, nil)
	if !strings.Contains(b.String(), "0;chunk-signature=2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992\r\n") {
		t.Fatalf("final chunk signature differs from the documentation's:\n%s", b.String()[b.Len()-90:])
	}
	b.WriteString("x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n\r\n")
	got, d, err := read(t, req, p, b.Bytes(), true)
	if err != nil || len(got) != 66560 || d.Trailer().Get("x-amz-checksum-crc32c") != "sOO8/Q==" {
		t.Fatalf("%v %d %v", err, len(got), d.Trailer())
	}
}

func hmacSHA(key []byte, s string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return m.Sum(nil)
}
