package restjson_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"hako/internal/protocol"
	"hako/internal/protocol/model"
	"hako/internal/protocol/restjson"
)

// call is one request the fake service saw.
type call struct {
	Op  string
	Doc map[string]any
}

// fakeService serves one model through the codec the way the edge will:
// Operation, Decode, Validate, handler, Encode / EncodeError.
type fakeService struct {
	api            *model.API
	codec          protocol.Codec
	validationCode string
	handle         func(op string, in map[string]any) (map[string]any, error)

	mu    sync.Mutex
	calls []call
}

func (s *fakeService) ServeHTTP(w http.ResponseWriter, r *http.Request) {
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
	s.calls = append(s.calls, call{Op: op.Name, Doc: doc})
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

func (s *fakeService) last(t *testing.T) call {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.calls) == 0 {
		t.Fatal("the service saw no call")
	}
	return s.calls[len(s.calls)-1]
}

func (s *fakeService) all() []call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]call(nil), s.calls...)
}

func startService(t *testing.T, modelName, validationCode string, handle func(op string, in map[string]any) (map[string]any, error)) (*fakeService, *httptest.Server) {
	t.Helper()
	s := &fakeService{api: model.MustLoad(modelName), codec: restjson.Codec{}, validationCode: validationCode, handle: handle}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv
}

// sdkConfig is what every aws-sdk-go-v2 client in these tests is built from.
func sdkConfig() aws.Config {
	return aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		Retryer:     func() aws.Retryer { return aws.NopRetryer{} },
	}
}

var ctx = context.Background()

func equalDoc(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %#v\nwant %#v", what, got, want)
	}
}
