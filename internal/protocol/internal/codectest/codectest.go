// Package codectest holds what the codecs' tests share: a fake service
// that serves a model through a codec the way the edge does, the
// aws-sdk-go-v2 configuration the SDK tests build clients from, and
// running botocore scripts. Only tests import it.
package codectest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"hako/internal/protocol"
	"hako/internal/protocol/model"
)

// Call is one request the fake service saw.
type Call struct {
	Op  string
	Doc map[string]any
}

// Handler answers one operation of a fake service.
type Handler func(op string, in map[string]any) (map[string]any, error)

// Service serves one model through a codec the way the edge does:
// Operation, Decode, Validate, handler, Encode / EncodeError. It records
// the decoded calls.
type Service struct {
	api            *model.API
	codec          protocol.Codec
	validationCode string
	handle         Handler

	mu    sync.Mutex
	calls []Call
}

// New returns a service for the named model, speaking through codec;
// validationCode is the code of its validation errors.
func New(modelName string, codec protocol.Codec, validationCode string, handle Handler) *Service {
	return &Service{api: model.MustLoad(modelName), codec: codec, validationCode: validationCode, handle: handle}
}

// Start serves New's service on a test server that is closed when the
// test ends.
func Start(t *testing.T, modelName string, codec protocol.Codec, validationCode string, handle Handler) (*Service, *httptest.Server) {
	t.Helper()
	s := New(modelName, codec, validationCode, handle)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv
}

func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := &protocol.Call{RequestID: "test-request", API: s.api, ValidationCode: s.validationCode}
	fail := func(err error) {
		var perr *protocol.Error
		if !errors.As(err, &perr) {
			perr = protocol.InternalFailure()
		}
		s.codec.EncodeError(c, w, perr)
	}
	op, err := s.codec.Operation(c, r)
	if err != nil {
		fail(err)
		return
	}
	c.Op = op
	doc, err := s.codec.Decode(c, r)
	if err != nil {
		fail(err)
		return
	}
	s.mu.Lock()
	s.calls = append(s.calls, Call{Op: op.Name, Doc: doc})
	s.mu.Unlock()
	if verr := protocol.Validate(s.api, op.InputShape, doc, s.validationCode); verr != nil {
		fail(verr)
		return
	}
	out, err := s.handle(op.Name, doc)
	if err != nil {
		fail(err)
		return
	}
	s.codec.Encode(c, w, out)
}

// Last is the last call the service saw; the test fails without one.
func (s *Service) Last(t *testing.T) Call {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.calls) == 0 {
		t.Fatal("the service saw no call")
	}
	return s.calls[len(s.calls)-1]
}

// All are the calls the service saw, in order.
func (s *Service) All() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// SDKConfig is what the aws-sdk-go-v2 clients of the json codecs' tests
// are built from: static credentials, no retries.
func SDKConfig() aws.Config {
	return aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		Retryer:     func() aws.Retryer { return aws.NopRetryer{} },
	}
}

// Python returns the python3 that has boto3, or skips the test.
func Python(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	if err := exec.Command(p, "-c", "import boto3").Run(); err != nil {
		t.Skip("boto3 not installed")
	}
	return p
}

// Botocore runs a Python script with args (the endpoint URL) and decodes
// the JSON it prints into out; it skips the test when python3 with boto3
// is not installed.
func Botocore(t *testing.T, script string, out any, args ...string) {
	t.Helper()
	cmd := exec.Command(Python(t), append([]string{script}, args...)...)
	stdout, err := cmd.Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("%s: %v\n%s", script, err, ee.Stderr)
		}
		t.Fatal(err)
	}
	if err := json.Unmarshal(stdout, out); err != nil {
		t.Fatalf("%s printed %s: %v", script, stdout, err)
	}
}

// Context is a context for one test's SDK calls, cancelled when the test
// ends and after 30 seconds at most.
func Context(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}
