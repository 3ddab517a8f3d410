package bootstraps

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"testing"
	"time"
)

// BenchmarkColdStart measures cold starts: for each runtime, "bare" runs the
// plain interpreter with code that opens a TCP connection (connect-ms:
// process start to the accept) and exits (exit-ms: start to exit), and
// "client" starts hako's runtime client (init-ms: process start to its
// first GET /next, AWS's Init Duration; first-ms: to its first response).
// Figures are medians over b.N starts; compare client init-ms with bare
// connect-ms.
//
//	go test -run '^$' -bench ColdStart -benchtime 30x ./internal/runtime/bootstraps/
func BenchmarkColdStart(b *testing.B) {
	for _, c := range []struct {
		name, interp, runtime, handler string
		files                          map[string]string
		flag, connect                  string
	}{
		{"python", "python3", "python3.12", "lambda_function.handler",
			map[string]string{"lambda_function.py": "def handler(event, context):\n    return {'ok': True}\n"}, "-c", pyConnect},
		{"python-system", "/usr/bin/python3", "python3.12", "lambda_function.handler",
			map[string]string{"lambda_function.py": "def handler(event, context):\n    return {'ok': True}\n"}, "-c", pyConnect},
		{"python-logging", "python3", "python3.12", "lambda_function.handler",
			map[string]string{"lambda_function.py": "import logging\nlogging.getLogger().info('x')\ndef handler(event, context):\n    return {'ok': True}\n"}, "", ""},
		{"node", "node", "nodejs20.x", "index.handler",
			map[string]string{"index.js": "exports.handler = async () => ({ ok: true });\n"}, "-e", nodeConnect},
		{"node-esm", "node", "nodejs20.x", "index.handler",
			map[string]string{"index.mjs": "export const handler = async () => ({ ok: true });\n"}, "", ""},
	} {
		if c.connect != "" {
			b.Run(c.name+"/bare", func(b *testing.B) {
				interp := interpreter(b, c.interp)
				var conn, exit []time.Duration
				for range b.N {
					d, e := timeToConnect(b, interp, c.flag, c.connect)
					conn, exit = append(conn, d), append(exit, e)
				}
				b.ReportMetric(ms(median(conn)), "connect-ms")
				b.ReportMetric(ms(median(exit)), "exit-ms")
			})
		}
		b.Run(c.name+"/client", func(b *testing.B) {
			interp := interpreter(b, c.interp)
			root := writeFiles(b, c.files)
			// One install shared by all starts, as the sandbox manager
			// does; a first unmeasured start fills Python's bytecode cache.
			rtDir := b.TempDir()
			coldStart(b, root, rtDir, interp, c.runtime, c.handler)
			b.ResetTimer()
			var init, first []time.Duration
			for range b.N {
				i, f := coldStart(b, root, rtDir, interp, c.runtime, c.handler)
				init, first = append(init, i), append(first, f)
			}
			b.ReportMetric(ms(median(init)), "init-ms")
			b.ReportMetric(ms(median(first)), "first-ms")
		})
	}
}

// coldStart starts one sandbox, invokes it once and stops it; it returns
// the times from process start to the first GET /next and to the response.
func coldStart(b *testing.B, root, rtDir, interp, runtime, handler string) (init, first time.Duration) {
	s := startSandbox(b, root, sandboxOpts{runtime: runtime, interpreter: interp, handler: handler, runtimeDir: rtDir})
	inv := s.queue(`{}`)
	var next time.Time
	select {
	case next = <-s.api.firstNext:
	case <-time.After(30 * time.Second):
		b.Fatal("no GET /next")
	}
	p := s.wait(inv)
	if p.Kind != "response" {
		b.Fatalf("got %s %s", p.Kind, p.Body)
	}
	s.cmd.Process.Kill()
	<-s.exited
	return next.Sub(s.started), p.At.Sub(s.started)
}

const (
	pyConnect   = "import _socket; s = _socket.socket(); s.connect((b'127.0.0.1', %s))"
	nodeConnect = "require('net').connect(%s, '127.0.0.1').on('connect', () => process.exit(0))"
)

// timeToConnect runs the bare interpreter with code that opens a TCP
// connection; it returns the times from process start to the accept and to
// the exit.
func timeToConnect(t testing.TB, interp, flag, code string) (connect, exit time.Duration) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	cmd := exec.Command(interp, flag, fmt.Sprintf(code, port))
	cmd.Env = bareEnv()
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c, err := ln.Accept()
	connect = time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	cmd.Wait()
	return connect, time.Since(start)
}

// bareEnv is the environment the sandboxes get here, without the host's
// (NODE_EXTRA_CA_CERTS alone costs node ~25 ms at start).
func bareEnv() []string {
	return []string{"PATH=" + os.Getenv("PATH"), "LANG=en_US.UTF-8", "TZ=:UTC"}
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// BenchmarkWarmInvoke measures one warm invoke round trip through a runtime
// client and the in-process fake Runtime API (queue -> GET /next -> handler
// -> POST /response).
func BenchmarkWarmInvoke(b *testing.B) {
	for _, c := range []struct {
		name, interp, runtime, handler string
		files                          map[string]string
	}{
		{"python", "python3", "python3.12", "lambda_function.handler",
			map[string]string{"lambda_function.py": "def handler(event, context):\n    return {'ok': True}\n"}},
		{"node", "node", "nodejs20.x", "index.handler",
			map[string]string{"index.js": "exports.handler = async () => ({ ok: true });\n"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			interp := interpreter(b, c.interp)
			s := startSandbox(b, writeFiles(b, c.files), sandboxOpts{runtime: c.runtime, interpreter: interp, handler: c.handler})
			s.invoke(`{}`) // cold start outside the timer
			b.ResetTimer()
			for range b.N {
				if _, p := s.invoke(`{"k":"v"}`); p.Kind != "response" {
					b.Fatalf("got %s", p.Kind)
				}
			}
		})
	}
}
