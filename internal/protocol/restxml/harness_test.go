package restxml

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"hako/internal/protocol"
	"hako/internal/protocol/internal/codectest"
	"hako/internal/protocol/model"
)

const requestID = "4442587F8EAC4B2A"

// reply answers one operation in a fake service: an output document or an
// error.
type reply func(in map[string]any) (map[string]any, error)

type recorded struct {
	op     string
	in     map[string]any
	labels map[string]string
	header http.Header
}

// fake is a service behind a real HTTP server that speaks through the
// codec under test: it records what the codec decoded (streamed bodies
// read into []byte) and answers with canned documents, so a real client
// checks both directions.
type fake struct {
	t       *testing.T
	api     *model.API
	replies map[string]reply

	mu    sync.Mutex
	calls []recorded
}

func newFake(t *testing.T, replies map[string]reply) (*fake, *httptest.Server) {
	f := &fake{t: t, api: model.MustLoad("s3"), replies: replies}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var codec Codec
	c := &protocol.Call{API: f.api, RequestID: requestID, Time: time.Now(), Region: "us-east-1", Account: "000000000000"}
	fail := func(err error) {
		var pe *protocol.Error
		if !errors.As(err, &pe) {
			f.t.Errorf("codec returned a %T, not a *protocol.Error: %v", err, err)
			pe = protocol.InternalFailure()
		}
		codec.EncodeError(c, w, pe)
	}
	op, err := codec.Operation(c, r)
	if err != nil {
		fail(err)
		return
	}
	c.Op = op
	in, err := codec.Decode(c, r)
	if err != nil {
		fail(err)
		return
	}
	for k, v := range in {
		if rc, ok := v.(io.ReadCloser); ok {
			b, err := io.ReadAll(rc)
			if err != nil {
				f.t.Errorf("reading %s: %v", k, err)
			}
			rc.Close()
			in[k] = b
		}
	}
	f.mu.Lock()
	f.calls = append(f.calls, recorded{op.Name, in, c.Labels, r.Header.Clone()})
	f.mu.Unlock()
	rep := f.replies[op.Name]
	if rep == nil {
		fail(protocol.NotImplemented("S3", op.Name))
		return
	}
	out, err := rep(in)
	if err != nil {
		fail(err)
		return
	}
	codec.Encode(c, w, out)
}

func (f *fake) lastOf(op string) recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := len(f.calls) - 1; i >= 0; i-- {
		if f.calls[i].op == op {
			return f.calls[i]
		}
	}
	f.t.Fatalf("no %s call reached the service", op)
	return recorded{}
}

func (f *fake) all(op string) []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []recorded
	for _, c := range f.calls {
		if c.op == op {
			out = append(out, c)
		}
	}
	return out
}

func s3Client(url string) *s3.Client {
	cfg := aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""),
		RetryMaxAttempts: 1,
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(url)
		o.UsePathStyle = true
	})
}

// subset reports the keys of want whose values differ in got.
func subset(got, want map[string]any) []string {
	var diff []string
	for k, v := range want {
		if !equal(got[k], v) {
			diff = append(diff, k)
		}
	}
	return diff
}

// ctx bounds one test's SDK calls.
func ctx(t *testing.T) context.Context { return codectest.Context(t) }
