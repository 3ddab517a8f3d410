package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestHealthAndCoverage(t *testing.T) {
	s := StartServer(t)
	resp, err := http.Get(s.URL + "/_hako/health")
	if err != nil {
		t.Fatal(err)
	}
	var h map[string]any
	json.NewDecoder(resp.Body).Decode(&h)
	resp.Body.Close()
	if h["status"] != "ready" || h["version"] == nil || h["uptime"] == nil || !strings.Contains(strings.Join(toStrings(h["services"]), ","), "logs") {
		t.Fatalf("health = %v", h)
	}
	resp, err = http.Get(s.URL + "/_hako/coverage")
	if err != nil {
		t.Fatal(err)
	}
	var cov []map[string]any
	json.NewDecoder(resp.Body).Decode(&cov)
	resp.Body.Close()
	found := false
	for _, c := range cov {
		if c["model"] == "logs" {
			found = strings.Contains(strings.Join(toStrings(c["implemented"]), ","), "PutLogEvents") &&
				strings.Contains(strings.Join(toStrings(c["missing"]), ","), "StartLiveTail")
		}
	}
	if !found || len(cov) < 18 {
		t.Fatalf("coverage lists %d APIs; logs entry right: %v", len(cov), found)
	}
	// The banner says where hako listens and what to try first.
	if !strings.Contains(s.Logs(), "listening on http://") || !strings.Contains(s.Logs(), "sts get-caller-identity") {
		t.Fatalf("banner:\n%s", s.Logs())
	}
}

func toStrings(v any) []string {
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, x := range l {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

// TestUnimplementedServiceAnswersNotImplemented: a service without an
// implementation yet answers in its own protocol with 501 naming the
// operation, which the CLI shows.
func TestUnimplementedServiceAnswersNotImplemented(t *testing.T) {
	s := StartServer(t)
	out, err := s.cliErr(t, "/usr/bin/aws", "dynamodb", "list-tables")
	if err == nil || !strings.Contains(out, "NotImplemented") || !strings.Contains(out, "ListTables") {
		t.Fatalf("dynamodb list-tables: %v %s", err, out)
	}
}

// TestFixedClock runs the server in demo time: state records the clock's
// reading, not the wall clock's.
func TestFixedClock(t *testing.T) {
	s := StartServer(t, "--clock", "fixed:2026-01-01T00:59:00Z,speed=60")
	s.cli(t, "aws", "logs", "create-log-group", "--log-group-name", "/clock")
	out := s.cliJSON(t, "aws", "logs", "describe-log-groups")
	g := out["logGroups"].([]any)[0].(map[string]any)
	created := time.UnixMilli(int64(g["creationTime"].(float64))).UTC()
	if created.Before(time.Date(2026, 1, 1, 0, 59, 0, 0, time.UTC)) || created.After(time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("creationTime %v is not on the fixed clock", created)
	}
}
