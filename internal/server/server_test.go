package server

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"testing"

	"hako/internal/edge"
)

// TestCoverageDocIsCurrent fails when docs/coverage.md was not regenerated
// after operations were added (run: go run ./cmd/hako coverage > docs/coverage.md).
func TestCoverageDocIsCurrent(t *testing.T) {
	report, err := Coverage()
	if err != nil {
		t.Fatal(err)
	}
	want := edge.CoverageMarkdown(report)
	got, err := os.ReadFile("../../docs/coverage.md")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatal("docs/coverage.md is stale: run `go run ./cmd/hako coverage > docs/coverage.md`")
	}
}

func TestStartFailsCleanlyOnBusyPort(t *testing.T) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	s, err := Start(context.Background(), Config{Addr: "127.0.0.1:0", Ephemeral: true, Log: quiet, Banner: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown()
	resp, err := http.Get("http://" + s.Addr() + "/_hako/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("health = %d", resp.StatusCode)
	}
	dataDir := t.TempDir()
	if _, err := Start(context.Background(), Config{Addr: s.Addr(), DataDir: dataDir, Log: quiet, Banner: io.Discard}); err == nil {
		t.Fatal("second server on a busy port started")
	}
	// The failed start closed its engine: the data dir can be opened again.
	s2, err := Start(context.Background(), Config{Addr: "127.0.0.1:0", DataDir: dataDir, Log: quiet, Banner: io.Discard})
	if err != nil {
		t.Fatalf("reopen after failed start: %v", err)
	}
	s2.Shutdown()
}
