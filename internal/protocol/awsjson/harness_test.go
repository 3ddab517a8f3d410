package awsjson_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"hako/internal/protocol/awsjson"
	"hako/internal/protocol/internal/codectest"
)

// startService serves a model through the awsjson codec with a fake service
// (package codectest) on a test server.
func startService(t *testing.T, modelName, validationCode string, handle codectest.Handler) (*codectest.Service, *httptest.Server) {
	t.Helper()
	return codectest.Start(t, modelName, awsjson.Codec{}, validationCode, handle)
}

var ctx = context.Background()
