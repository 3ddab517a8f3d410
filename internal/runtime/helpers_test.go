package runtime

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The tests run a real Go function (testdata/fn, built with aws-lambda-go's
// lambda.Start) as a provided.al2023 bootstrap.

var (
	fnOnce sync.Once
	fnZip  []byte
	fnBin  []byte
	fnErr  error
	fnDir  string
)

// functionBinary is the test function's executable.
func functionBinary(t testing.TB) []byte {
	functionZip(t)
	return fnBin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if fnDir != "" {
		os.RemoveAll(fnDir)
	}
	os.Exit(code)
}

// functionZip builds testdata/fn once per test binary and zips it as
// "bootstrap".
func functionZip(t testing.TB) []byte {
	t.Helper()
	fnOnce.Do(func() {
		fnDir, fnErr = os.MkdirTemp("", "hako-fn-")
		if fnErr != nil {
			return
		}
		bin := filepath.Join(fnDir, "bootstrap")
		cmd := exec.Command("go", "build", "-o", bin, "./testdata/fn")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			fnErr = err
			fnErr = &buildError{out: string(out), err: err}
			return
		}
		b, err := os.ReadFile(bin)
		if err != nil {
			fnErr = err
			return
		}
		fnBin = b
		fnZip = zipOf(t, []zipFile{{name: "bootstrap", body: b, mode: 0o755}})
	})
	if fnErr != nil {
		t.Fatalf("build test function: %v", fnErr)
	}
	return fnZip
}

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.out }

type zipFile struct {
	name string
	body []byte
	mode os.FileMode
	// link makes a symlink entry pointing at link.
	link string
	// method overrides Deflate.
	store bool
}

func zipOf(t testing.TB, files []zipFile) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		h := &zip.FileHeader{Name: f.name, Method: zip.Deflate}
		if f.store {
			h.Method = zip.Store
		}
		mode := f.mode
		if mode == 0 {
			mode = 0o644
		}
		body := f.body
		if f.link != "" {
			mode = os.ModeSymlink | 0o777
			body = []byte(f.link)
		}
		if strings.HasSuffix(f.name, "/") {
			mode = os.ModeDir | 0o755
		}
		h.SetMode(mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(body); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func codeOf(b []byte) Code {
	sum := sha256.Sum256(b)
	return Code{
		Sha256: hex.EncodeToString(sum[:]),
		Open: func() (io.ReaderAt, int64, error) {
			return bytes.NewReader(b), int64(len(b)), nil
		},
	}
}

// fakeSink records log events per stream.
type fakeSink struct {
	mu     sync.Mutex
	events map[string][]LogEvent // "group stream"
}

func (s *fakeSink) Append(_ context.Context, account, region, group, stream string, evs []LogEvent) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.events == nil {
		s.events = map[string][]LogEvent{}
	}
	k := group + " " + stream
	s.events[k] = append(s.events[k], evs...)
	return nil
}

// messages returns the messages of one stream ("" = all streams of
// group, in no particular order across streams).
func (s *fakeSink) messages(group, stream string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for k, evs := range s.events {
		g, st, _ := strings.Cut(k, " ")
		if g != group || (stream != "" && st != stream) {
			continue
		}
		for _, e := range evs {
			out = append(out, e.Message)
		}
	}
	return out
}

func (s *fakeSink) streams(group string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for k := range s.events {
		g, st, _ := strings.Cut(k, " ")
		if g == group {
			out = append(out, st)
		}
	}
	return out
}

// waitLog waits until some message of the group contains substr.
func (s *fakeSink) waitLog(t *testing.T, group, substr string) []string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		msgs := s.messages(group, "")
		for _, m := range msgs {
			if strings.Contains(m, substr) {
				return msgs
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no log message containing %q in %s; have:\n%s", substr, group, strings.Join(msgs, ""))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

type testEnv struct {
	m    *Manager
	sink *fakeSink
	code Code
}

func newTestManager(t testing.TB, mut func(*Config)) *testEnv {
	t.Helper()
	zb := functionZip(t)
	sink := &fakeSink{}
	cfg := Config{
		Logs:     sink,
		Log:      slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Endpoint: "http://127.0.0.1:4566",
	}
	if mut != nil {
		mut(&cfg)
	}
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Stop() })
	return &testEnv{m: m, sink: sink, code: codeOf(zb)}
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func (e *testEnv) function(name string, mut func(*Function)) *Function {
	fn := &Function{
		Account:    "123456789012",
		Region:     "us-east-1",
		Name:       name,
		Version:    "$LATEST",
		ARN:        "arn:aws:lambda:us-east-1:123456789012:function:" + name,
		RevisionID: "rev-1",
		Runtime:    "provided.al2023",
		Handler:    "bootstrap",
		Code:       e.code,
		MemoryMB:   128,
		Timeout:    3 * time.Second,
	}
	if mut != nil {
		mut(fn)
	}
	return fn
}

func (e *testEnv) invoke(t *testing.T, fn *Function, payload any) *InvokeResult {
	t.Helper()
	res, err := e.invokeErr(fn, payload, nil)
	if err != nil {
		t.Fatalf("invoke: %v", err)
	}
	return res
}

func (e *testEnv) invokeErr(fn *Function, payload any, mut func(*InvokeRequest)) (*InvokeResult, error) {
	b, _ := json.Marshal(payload)
	req := &InvokeRequest{Function: fn, Payload: b}
	if mut != nil {
		mut(req)
	}
	return e.m.Invoke(context.Background(), req)
}

// waitSandboxes waits until the Manager lists n sandboxes.
func waitSandboxes(t *testing.T, m *Manager, n int) []SandboxInfo {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s := m.Sandboxes()
		if len(s) == n {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("want %d sandboxes, have %d: %+v", n, len(s), s)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func decodeJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
}
