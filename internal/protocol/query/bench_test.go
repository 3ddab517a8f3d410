package query

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"hako/internal/protocol"
	"hako/internal/protocol/model"
)

type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) WriteHeader(int)             {}
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }

// BenchmarkIAMGetRole is one GetRole through the protocol layer: find the
// operation, decode the form, encode a typical role.
func BenchmarkIAMGetRole(b *testing.B) {
	api := model.MustLoad("iam")
	out := map[string]any{"Role": map[string]any{
		"Path": "/service-role/", "RoleName": "my-function-role", "RoleId": "AROA3XFRBF535PLBIFPI4",
		"Arn": "arn:aws:iam::000000000000:role/service-role/my-function-role", "CreateDate": time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
		"AssumeRolePolicyDocument": "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22lambda.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D",
		"Description":              "Execution role", "MaxSessionDuration": int64(3600),
		"Tags":         []any{map[string]any{"Key": "env", "Value": "dev"}, map[string]any{"Key": "team", "Value": "core"}},
		"RoleLastUsed": map[string]any{"LastUsedDate": time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC), "Region": "us-east-1"},
	}}
	const form = "Action=GetRole&Version=2010-05-08&RoleName=my-function-role"
	var codec Codec
	w := &discard{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		r, _ := http.NewRequest("POST", "/", strings.NewReader(form))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		c := &protocol.Call{API: api, RequestID: "4442587f-8eac-4b2a-9c85-1e5b8a7a2b11"}
		op, err := codec.Operation(c, r)
		if err != nil {
			b.Fatal(err)
		}
		c.Op = op
		if _, err := codec.Decode(c, r); err != nil {
			b.Fatal(err)
		}
		clear(w.h)
		codec.Encode(c, w, out)
	}
}
