package query

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"hako/internal/protocol"
	"hako/internal/protocol/internal/codectest"
	"hako/internal/protocol/model"
)

// reply answers one operation in a fake service: an output document or an
// error.
type reply func(in map[string]any) (map[string]any, error)

// recorded is one decoded call.
type recorded struct {
	op string
	in map[string]any
}

// fake is a service behind a real HTTP server that speaks through the
// codec under test: it records what the codec decoded and answers with
// canned documents, so a real client checks both directions.
type fake struct {
	t       *testing.T
	api     *model.API
	codec   protocol.Codec
	replies map[string]reply

	mu    sync.Mutex
	calls []recorded
}

func newFake(t *testing.T, api *model.API, codec protocol.Codec, replies map[string]reply) (*fake, *httptest.Server) {
	f := &fake{t: t, api: api, codec: codec, replies: replies}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := &protocol.Call{API: f.api, RequestID: "4442587f-8eac-4b2a-9c85-1e5b8a7a2b11", Time: time.Now(), Region: "us-east-1", Account: "000000000000"}
	fail := func(err error) {
		var pe *protocol.Error
		if !errors.As(err, &pe) {
			f.t.Errorf("codec returned a %T, not a *protocol.Error: %v", err, err)
			pe = protocol.InternalFailure()
		}
		f.codec.EncodeError(c, w, pe)
	}
	op, err := f.codec.Operation(c, r)
	if err != nil {
		fail(err)
		return
	}
	c.Op = op
	in, err := f.codec.Decode(c, r)
	if err != nil {
		fail(err)
		return
	}
	f.mu.Lock()
	f.calls = append(f.calls, recorded{op.Name, in})
	f.mu.Unlock()
	rep := f.replies[op.Name]
	if rep == nil {
		fail(protocol.NotImplemented(f.api.Metadata.ServiceID, op.Name))
		return
	}
	out, err := rep(in)
	if err != nil {
		fail(err)
		return
	}
	f.codec.Encode(c, w, out)
}

// last returns the last decoded call.
func (f *fake) last() recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.calls) == 0 {
		f.t.Fatal("no call reached the service")
	}
	return f.calls[len(f.calls)-1]
}

// lastOf returns the last decoded call of operation op.
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

func (f *fake) all() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.calls...)
}

func sdkConfig() aws.Config {
	return aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""),
		RetryMaxAttempts: 1,
	}
}

// ctx bounds one test's SDK calls.
func ctx(t *testing.T) context.Context { return codectest.Context(t) }
