package restjson_test

import (
	"context"
	"net/http/httptest"
	"reflect"
	"testing"

	"hako/internal/protocol/internal/codectest"
	"hako/internal/protocol/restjson"
)

// startService serves a model through the restjson codec with a fake service
// (package codectest) on a test server.
func startService(t *testing.T, modelName, validationCode string, handle codectest.Handler) (*codectest.Service, *httptest.Server) {
	t.Helper()
	return codectest.Start(t, modelName, restjson.Codec{}, validationCode, handle)
}

var ctx = context.Background()

func equalDoc(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %#v\nwant %#v", what, got, want)
	}
}
