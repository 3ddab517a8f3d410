package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var hakoBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "hako-e2e-bin")
	if err != nil {
		panic(err)
	}
	hakoBin = filepath.Join(dir, "hako")
	build := exec.Command("go", "build", "-o", hakoBin, "../cmd/hako")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build hako:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// Server is a hako process under test.
type Server struct {
	URL     string
	DataDir string
	Addr    string
	args    []string
	cmd     *exec.Cmd
	log     *syncBuffer
	t       testing.TB
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

func freePort(t testing.TB) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// StartServer starts hako on a free loopback port with a temp data dir.
// Extra flags are passed through (e.g. "--credentials", "AK:SECRET").
func StartServer(t testing.TB, extra ...string) *Server {
	t.Helper()
	s := &Server{DataDir: t.TempDir(), t: t}
	host := "127.0.0.1"
	for i, a := range extra {
		if a == "--addr" && i+1 < len(extra) {
			h, _, _ := net.SplitHostPort(extra[i+1])
			host = h
		}
	}
	port := freePort(t)
	s.Addr = fmt.Sprintf("%s:%d", host, port)
	connect := s.Addr
	if host == "0.0.0.0" || host == "" {
		connect = fmt.Sprintf("127.0.0.1:%d", port)
	}
	s.URL = "http://" + connect
	s.args = append([]string{"server", "--addr", s.Addr, "--data-dir", s.DataDir}, withoutAddr(extra)...)
	s.start()
	t.Cleanup(s.Stop)
	return s
}

func withoutAddr(args []string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		if args[i] == "--addr" {
			i++
			continue
		}
		out = append(out, args[i])
	}
	return out
}

func (s *Server) start() {
	s.t.Helper()
	s.log = &syncBuffer{}
	s.cmd = exec.Command(hakoBin, s.args...)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(s.URL + "/_hako/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	s.t.Fatalf("hako did not become healthy:\n%s", s.log.String())
}

// Kill sends SIGKILL and waits for the process to die.
func (s *Server) Kill() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	s.cmd.Process.Kill()
	s.cmd.Wait()
	s.cmd = nil
}

// Restart starts the server again on the same address and data dir.
func (s *Server) Restart() {
	s.Stop()
	s.start()
}

// Stop sends SIGTERM and waits (bounded) for a clean exit.
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			s.t.Errorf("hako exited with %v:\n%s", err, s.log.String())
		}
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		s.t.Errorf("hako did not exit within 10s of SIGTERM")
	}
	s.cmd = nil
}

// Logs returns what the server printed.
func (s *Server) Logs() string { return s.log.String() }

// Reset empties the server's state.
func (s *Server) Reset(t testing.TB) {
	resp, err := http.Post(s.URL+"/_hako/reset", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("reset: %s", resp.Status)
	}
}

// awsEnv is the environment for CLI and boto3 processes: fixed test keys,
// no config files from the machine.
func awsEnv(extra ...string) []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + os.TempDir(),
		"AWS_ACCESS_KEY_ID=test",
		"AWS_SECRET_ACCESS_KEY=test",
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_PAGER=",
		"AWS_EC2_METADATA_DISABLED=true",
	}
	for _, k := range []string{"PYENV_ROOT", "PYENV_VERSION", "LANG"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return append(env, extra...)
}

// cli runs an aws CLI (bin is "/usr/bin/aws" for v2 or "aws" for v1 on
// PATH) against the server and returns stdout, failing the test on error.
func (s *Server) cli(t testing.TB, bin string, args ...string) string {
	t.Helper()
	out, err := s.cliErr(t, bin, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", bin, strings.Join(args, " "), err, out)
	}
	return out
}

// cliErr runs the CLI and returns combined output and the error.
func (s *Server) cliErr(t testing.TB, bin string, args ...string) (string, error) {
	t.Helper()
	path, err := exec.LookPath(bin)
	if err != nil {
		t.Skipf("%s not installed", bin)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, append([]string{"--endpoint-url", s.URL, "--output", "json"}, args...)...)
	cmd.Env = awsEnv()
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// cliJSON runs the CLI and decodes its JSON output.
func (s *Server) cliJSON(t testing.TB, bin string, args ...string) map[string]any {
	t.Helper()
	out := s.cli(t, bin, args...)
	var v map[string]any
	if strings.TrimSpace(out) == "" {
		return map[string]any{}
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("%s: not JSON: %v\n%s", strings.Join(args, " "), err, out)
	}
	return v
}

// python runs a boto3 script with ENDPOINT set; the script prints JSON.
func (s *Server) python(t testing.TB, script string) map[string]any {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not installed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "python3", "-c", script)
	cmd.Env = awsEnv("ENDPOINT=" + s.URL)
	out, err := cmd.CombinedOutput()
	if err != nil {
		if strings.Contains(string(out), "No module named 'boto3'") {
			t.Skip("boto3 not installed")
		}
		t.Fatalf("python: %v\n%s", err, out)
	}
	var v map[string]any
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("python output not JSON: %v\n%s", err, out)
	}
	return v
}
