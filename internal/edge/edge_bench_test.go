package edge

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"hako/internal/clock"
	"hako/internal/credentials"
	"hako/internal/engine"
	"hako/internal/protocol"
	"hako/internal/service"
)

// stub serves the logs model with a PutLogEvents that does no work, so
// the benchmark measures the edge and protocol layer alone.
type stub struct{}

func (stub) Name() string { return "logs" }
func (stub) APIs() []*service.API {
	return []*service.API{{ModelName: "logs", ValidationCode: "InvalidParameterException", Handlers: map[string]protocol.Handler{
		"PutLogEvents": func(ctx context.Context, in map[string]any) (map[string]any, error) {
			return map[string]any{"nextSequenceToken": "1"}, nil
		},
	}}}
}

// BenchmarkEdgePutLogEvents is one signed PutLogEvents (10 events) through
// routing, SigV4 verification of a configured key, decode, validation,
// handler dispatch and encode: hako's per-request overhead.
func BenchmarkEdgePutLogEvents(b *testing.B) {
	eng := engine.NewMemory()
	clk := clock.Real{}
	creds := credentials.New(eng, clk, []service.Identity{{AccessKeyID: "AKIDBENCH", SecretAccessKey: "secret", Account: "000000000000"}})
	e, err := New(Config{Clock: clk, Credentials: creds, Services: []service.Service{stub{}}, Loopback: true})
	if err != nil {
		b.Fatal(err)
	}
	var body bytes.Buffer
	body.WriteString(`{"logGroupName":"/bench","logStreamName":"s","logEvents":[`)
	for i := 0; i < 10; i++ {
		if i > 0 {
			body.WriteByte(',')
		}
		fmt.Fprintf(&body, `{"timestamp":%d,"message":"event number %d with some text"}`, time.Now().UnixMilli()+int64(i), i)
	}
	body.WriteString(`]}`)
	raw := body.Bytes()
	sum := sha256.Sum256(raw)
	req, _ := http.NewRequest("POST", "http://127.0.0.1:4566/", bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "Logs_20140328.PutLogEvents")
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "AKIDBENCH", SecretAccessKey: "secret"}, req, hex.EncodeToString(sum[:]), "logs", "us-east-1", time.Now()); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := req.Clone(context.Background())
		r.Body = nopCloser{bytes.NewReader(raw)}
		w := httptest.NewRecorder()
		e.ServeHTTP(w, r)
		if w.Code != 200 {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }
