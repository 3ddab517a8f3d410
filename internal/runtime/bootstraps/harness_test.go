package bootstraps

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeAPI is a Lambda Runtime API 2018-06-01 endpoint that queues
// invocations and records what the runtime posts.
type fakeAPI struct {
	srv     *httptest.Server
	queue   chan *invocation
	mu      sync.Mutex
	pending map[string]*invocation
	initErr chan posted
	// firstNext receives the time of the first GET /next.
	firstNext chan time.Time
	nextOnce  sync.Once
	// chunked makes GET /next answer without Content-Length (chunked).
	chunked bool
}

type invocation struct {
	ID            string
	Payload       string
	Deadline      time.Time
	ClientContext string
	Cognito       string
	TraceID       string
	ARN           string
	result        chan posted
}

// posted is what a runtime sent to /response, /error or /init/error.
type posted struct {
	Kind   string // "response", "error", "init"
	Body   []byte
	Header http.Header
	At     time.Time
}

func newFakeAPI(t testing.TB) *fakeAPI {
	a := &fakeAPI{
		queue:     make(chan *invocation, 16),
		pending:   map[string]*invocation{},
		initErr:   make(chan posted, 4),
		firstNext: make(chan time.Time, 1),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", func(w http.ResponseWriter, r *http.Request) {
		a.nextOnce.Do(func() { a.firstNext <- time.Now() })
		var inv *invocation
		select {
		case inv = <-a.queue:
		case <-r.Context().Done():
			return
		}
		a.mu.Lock()
		a.pending[inv.ID] = inv
		a.mu.Unlock()
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Lambda-Runtime-Aws-Request-Id", inv.ID)
		h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(inv.Deadline.UnixMilli(), 10))
		h.Set("Lambda-Runtime-Invoked-Function-Arn", inv.ARN)
		h.Set("Lambda-Runtime-Trace-Id", inv.TraceID)
		if inv.ClientContext != "" {
			h.Set("Lambda-Runtime-Client-Context", inv.ClientContext)
		}
		if inv.Cognito != "" {
			h.Set("Lambda-Runtime-Cognito-Identity", inv.Cognito)
		}
		if !a.chunked {
			h.Set("Content-Length", strconv.Itoa(len(inv.Payload)))
		}
		io.WriteString(w, inv.Payload)
	})
	post := func(kind string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			p := posted{Kind: kind, Body: body, Header: r.Header.Clone(), At: time.Now()}
			if kind == "init" {
				a.initErr <- p
				w.WriteHeader(http.StatusAccepted)
				return
			}
			a.mu.Lock()
			inv := a.pending[r.PathValue("id")]
			delete(a.pending, r.PathValue("id"))
			a.mu.Unlock()
			if inv == nil {
				w.WriteHeader(http.StatusBadRequest)
				io.WriteString(w, `{"errorMessage":"unknown request id","errorType":"InvalidRequestID"}`)
				return
			}
			w.WriteHeader(http.StatusAccepted)
			io.WriteString(w, `{"status":"OK"}`)
			inv.result <- p
		}
	}
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", post("response"))
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", post("error"))
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", post("init"))
	a.srv = httptest.NewServer(mux)
	t.Cleanup(a.srv.Close)
	return a
}

func (a *fakeAPI) addr() string { return strings.TrimPrefix(a.srv.URL, "http://") }

// sandbox is one runtime process against a fakeAPI.
type sandbox struct {
	t       testing.TB
	api     *fakeAPI
	cmd     *exec.Cmd
	out     *syncBuffer
	started time.Time
	exited  chan struct{}
	exitErr error
	frames  *frameLog
	seq     int
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type frameLog struct {
	mu     sync.Mutex
	frames []Frame
	done   chan struct{}
}

func (f *frameLog) all() []Frame {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Frame(nil), f.frames...)
}

type sandboxOpts struct {
	runtime     string
	interpreter string
	handler     string
	env         []string
	// telemetry passes a pipe as fd 3 and sets _LAMBDA_TELEMETRY_LOG_FD=3.
	telemetry bool
	// runtimeDir is where the client is installed (default: a new temp dir).
	runtimeDir string
}

// startSandbox writes the bootstrap into a fresh runtime dir and starts the
// interpreter with the environment AWS sets.
func startSandbox(t testing.TB, taskRoot string, o sandboxOpts) *sandbox {
	t.Helper()
	b, ok := Lookup(o.runtime)
	if !ok {
		t.Fatalf("Lookup(%q) = false", o.runtime)
	}
	rtDir := o.runtimeDir
	if rtDir == "" {
		rtDir = t.TempDir()
	}
	if err := b.Install(rtDir); err != nil {
		t.Fatal(err)
	}
	api := newFakeAPI(t)
	cmd := exec.Command(o.interpreter, b.Args(rtDir)...)
	cmd.Dir = taskRoot
	cmd.Env = append([]string{
		"PATH=" + os.Getenv("PATH"),
		"LANG=en_US.UTF-8",
		"TZ=:UTC",
		"_HANDLER=" + o.handler,
		"LAMBDA_TASK_ROOT=" + taskRoot,
		"AWS_LAMBDA_RUNTIME_API=" + api.addr(),
		"AWS_LAMBDA_FUNCTION_NAME=fn",
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128",
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/fn",
		"AWS_LAMBDA_LOG_STREAM_NAME=2024/01/01/[$LATEST]0123456789abcdef0123456789abcdef",
		"AWS_LAMBDA_INITIALIZATION_TYPE=on-demand",
		"AWS_REGION=us-east-1",
		"AWS_DEFAULT_REGION=us-east-1",
	}, b.Env(Paths{TaskRoot: taskRoot, RuntimeDir: rtDir, OptDir: filepath.Join(rtDir, "opt")})...)
	cmd.Env = append(cmd.Env, o.env...)
	s := &sandbox{t: t, api: api, cmd: cmd, out: &syncBuffer{}, exited: make(chan struct{})}
	cmd.Stdout = s.out
	cmd.Stderr = s.out
	var w *os.File
	if o.telemetry {
		r, pw, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		w = pw
		cmd.ExtraFiles = []*os.File{w}
		cmd.Env = append(cmd.Env, TelemetryFDEnv+"=3")
		s.frames = &frameLog{done: make(chan struct{})}
		go func() {
			defer close(s.frames.done)
			defer r.Close()
			for {
				f, err := ReadFrame(r)
				if err != nil {
					if err != io.EOF {
						t.Errorf("ReadFrame: %v", err)
					}
					return
				}
				s.frames.mu.Lock()
				s.frames.frames = append(s.frames.frames, f)
				s.frames.mu.Unlock()
			}
		}()
	}
	s.started = time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if w != nil {
		w.Close()
	}
	go func() {
		s.exitErr = cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-s.exited
		if t.Failed() {
			t.Logf("runtime output:\n%s", s.out.String())
		}
	})
	return s
}

type invokeOpts struct {
	deadline      time.Duration
	clientContext string
	cognito       string
}

// invoke queues one invocation and waits for what the runtime posts.
func (s *sandbox) invoke(payload string, opts ...invokeOpts) (*invocation, posted) {
	s.t.Helper()
	inv := s.queue(payload, opts...)
	return inv, s.wait(inv)
}

func (s *sandbox) queue(payload string, opts ...invokeOpts) *invocation {
	var o invokeOpts
	if len(opts) > 0 {
		o = opts[0]
	}
	if o.deadline == 0 {
		o.deadline = 30 * time.Second
	}
	s.seq++
	inv := &invocation{
		ID:            fmt.Sprintf("6f3a1c2e-0000-4000-8000-%012d", s.seq),
		Payload:       payload,
		Deadline:      time.Now().Add(o.deadline),
		ClientContext: o.clientContext,
		Cognito:       o.cognito,
		TraceID:       "Root=1-5e1b4151-5ac6c58f3375aa3c7c6b73c9;Parent=1;Sampled=0",
		ARN:           "arn:aws:lambda:us-east-1:000000000000:function:fn",
		result:        make(chan posted, 1),
	}
	s.api.queue <- inv
	return inv
}

func (s *sandbox) wait(inv *invocation) posted {
	s.t.Helper()
	select {
	case p := <-inv.result:
		return p
	case ie := <-s.api.initErr:
		s.t.Fatalf("init error instead of a result: %s", ie.Body)
	case <-s.exited:
		s.t.Fatalf("runtime exited (%v) before answering", s.exitErr)
	case <-time.After(30 * time.Second):
		s.t.Fatalf("no answer within 30s")
	}
	return posted{}
}

// initError waits for POST /init/error and for the process to exit.
func (s *sandbox) initError() posted {
	s.t.Helper()
	var p posted
	select {
	case p = <-s.api.initErr:
	case <-s.exited:
		s.t.Fatalf("runtime exited (%v) without posting /init/error", s.exitErr)
	case <-time.After(30 * time.Second):
		s.t.Fatalf("no init error within 30s")
	}
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		s.t.Fatalf("runtime still running after /init/error")
	}
	return p
}

// waitOutput waits until the runtime's output contains sub.
func (s *sandbox) waitOutput(sub string) string {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if out := s.out.String(); strings.Contains(out, sub) {
			return out
		}
		time.Sleep(5 * time.Millisecond)
	}
	s.t.Fatalf("output never contained %q:\n%s", sub, s.out.String())
	return ""
}

func writeFiles(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func decode(t testing.TB, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("not a JSON object: %q: %v", b, err)
	}
	return m
}

var (
	interpOnce sync.Map // name -> resolved path or ""
)

// interpreter resolves a command from PATH to the real executable behind it
// (pyenv's python3 is a shell shim that costs ~100 ms per start), or skips.
func interpreter(t testing.TB, name string) string {
	t.Helper()
	if v, ok := interpOnce.Load(name); ok {
		if v.(string) == "" {
			t.Skipf("%s not available", name)
		}
		return v.(string)
	}
	resolved := ""
	if p, err := exec.LookPath(name); err == nil {
		resolved = p
		var probe string
		switch {
		case strings.Contains(filepath.Base(name), "python"):
			probe = "import sys; print(sys.executable)"
		case strings.Contains(filepath.Base(name), "node"):
			probe = "console.log(process.execPath)"
		}
		if probe != "" {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			flag := "-c"
			if strings.Contains(filepath.Base(name), "node") {
				flag = "-e"
			}
			out, err := exec.CommandContext(ctx, p, flag, probe).Output()
			cancel()
			if err != nil {
				resolved = ""
			} else if real := strings.TrimSpace(string(out)); real != "" {
				resolved = real
			}
		}
	}
	interpOnce.Store(name, resolved)
	if resolved == "" {
		t.Skipf("%s not available", name)
	}
	return resolved
}

// pythons lists the interpreters the Python tests run under: $HAKO_TEST_PYTHONS
// (comma-separated) or python3 from PATH.
func pythons() []string {
	if v := os.Getenv("HAKO_TEST_PYTHONS"); v != "" {
		return strings.Split(v, ",")
	}
	return []string{"python3"}
}
