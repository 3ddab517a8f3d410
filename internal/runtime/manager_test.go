package runtime

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda/messages"

	"hako/internal/clock"
)

func TestInvokeResults(t *testing.T) {
	t.Parallel()
	e := newTestManager(t, nil)
	fn := e.function("results", nil)
	tests := []struct {
		name      string
		payload   map[string]any
		fnError   string
		check     func(t *testing.T, payload []byte)
		discarded bool
	}{
		{
			name:    "success",
			payload: map[string]any{"action": "echo", "text": "hello"},
			check: func(t *testing.T, p []byte) {
				var out struct {
					Echo  string `json:"echo"`
					Count int    `json:"count"`
				}
				decodeJSON(t, p, &out)
				if out.Echo != "hello" {
					t.Errorf("echo = %q", out.Echo)
				}
			},
		},
		{
			name:    "handler error as aws-lambda-go reports it",
			payload: map[string]any{"action": "error", "text": "x"},
			fnError: "Unhandled",
			check: func(t *testing.T, p []byte) {
				var out messages.InvokeResponse_Error
				decodeJSON(t, p, &out)
				if out.Message != "boom: x" || out.Type != "errorString" {
					t.Errorf("error document = %s", p)
				}
			},
		},
		{
			name:      "response over 6 MB is an error, never truncated",
			payload:   map[string]any{"action": "big", "mb": 7},
			fnError:   "Unhandled",
			discarded: true,
			check: func(t *testing.T, p []byte) {
				want := `{"errorMessage":"Response payload size exceeded maximum allowed payload size (6291556 bytes).","errorType":"Function.ResponseSizeTooLarge"}`
				if string(p) != want {
					t.Errorf("payload = %.200s", p)
				}
			},
		},
		{
			name:    "warm after an oversized response was discarded",
			payload: map[string]any{"action": "count"},
			check: func(t *testing.T, p []byte) {
				if string(p) != "1" {
					t.Errorf("count = %s, want 1 (fresh sandbox)", p)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := e.invoke(t, fn, tc.payload)
			if res.FunctionError != tc.fnError {
				t.Errorf("FunctionError = %q, want %q (payload %.300s)", res.FunctionError, tc.fnError, res.Payload)
			}
			if res.ExecutedVersion != "$LATEST" {
				t.Errorf("ExecutedVersion = %q", res.ExecutedVersion)
			}
			tc.check(t, res.Payload)
		})
	}
}

func TestWarmReuse(t *testing.T) {
	t.Parallel()
	e := newTestManager(t, nil)
	fn := e.function("warm", nil)
	for i := 1; i <= 3; i++ {
		res := e.invoke(t, fn, map[string]any{"action": "count"})
		if string(res.Payload) != string(rune('0'+i)) {
			t.Fatalf("invoke %d: count = %s (a global counter grows in one sandbox)", i, res.Payload)
		}
		if res.Cold != (i == 1) {
			t.Errorf("invoke %d: Cold = %v", i, res.Cold)
		}
		if res.Cold && res.InitDuration <= 0 {
			t.Errorf("cold start without InitDuration")
		}
		if !res.Cold && res.InitDuration != 0 {
			t.Errorf("warm invoke with InitDuration %v", res.InitDuration)
		}
	}
	sbs := e.m.Sandboxes()
	if len(sbs) != 1 || sbs[0].Invokes != 3 || sbs[0].Busy || sbs[0].PID == 0 {
		t.Fatalf("sandboxes = %+v", sbs)
	}
	// A new revision gets a new sandbox; the old one is retired.
	fn2 := e.function("warm", func(f *Function) { f.RevisionID = "rev-2" })
	if res := e.invoke(t, fn2, map[string]any{"action": "count"}); string(res.Payload) != "1" || !res.Cold {
		t.Fatalf("new revision: count %s cold %v", res.Payload, res.Cold)
	}
	sbs = waitSandboxes(t, e.m, 1)
	if sbs[0].RevisionID != "rev-2" {
		t.Fatalf("sandboxes after update = %+v", sbs)
	}
}

func TestConcurrencyLimits(t *testing.T) {
	t.Parallel()
	one, zero, ten := 1, 0, 10
	tests := []struct {
		name    string
		account int
		setup   func(m *Manager)
		fn      func(f *Function)
		busy    bool // a slow invoke is in flight first
		reason  string
	}{
		{name: "reserved 1, one in flight", fn: func(f *Function) { f.ReservedConcurrency = &one }, busy: true,
			reason: "ReservedFunctionConcurrentInvocationLimitExceeded"},
		{name: "reserved 0 always throttles", fn: func(f *Function) { f.ReservedConcurrency = &zero },
			reason: "ReservedFunctionConcurrentInvocationLimitExceeded"},
		{name: "account limit", account: 1, busy: true, reason: "ConcurrentInvocationLimitExceeded"},
		{name: "other functions' reservations", account: 10,
			setup: func(m *Manager) {
				m.SetReservedConcurrency("arn:aws:lambda:us-east-1:123456789012:function:other", &ten)
			},
			reason: "ConcurrentInvocationLimitExceeded"},
		{name: "room left", account: 2, busy: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newTestManager(t, func(c *Config) { c.AccountConcurrency = tc.account })
			if tc.setup != nil {
				tc.setup(e.m)
			}
			fn := e.function("limited", tc.fn)
			var wg sync.WaitGroup
			if tc.busy {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := e.invokeErr(fn, map[string]any{"action": "sleep", "sleep": "700ms"}, nil); err != nil {
						t.Errorf("slow invoke: %v", err)
					}
				}()
				deadline := time.Now().Add(10 * time.Second)
				for {
					s := e.m.Sandboxes()
					if len(s) == 1 && s[0].Busy {
						break
					}
					if time.Now().After(deadline) {
						t.Fatal("slow invoke never started")
					}
					time.Sleep(2 * time.Millisecond)
				}
			}
			res, err := e.invokeErr(fn, map[string]any{"action": "echo"}, nil)
			wg.Wait()
			var te *ThrottleError
			if tc.reason == "" {
				if err != nil || res.FunctionError != "" {
					t.Fatalf("want success, got %v %+v", err, res)
				}
				return
			}
			if !errors.As(err, &te) || te.Reason != tc.reason {
				t.Fatalf("err = %v, want ThrottleError %s", err, tc.reason)
			}
			if got := te.Error(); got != "Rate Exceeded. ("+tc.reason+")" {
				t.Errorf("message %q", got)
			}
		})
	}
}

var reportRe = regexp.MustCompile(`^REPORT RequestId: ([0-9a-f-]{36})\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: \d+ MB\t(Init Duration: \d+\.\d\d ms\t)?(Status: \w+\t(Error Type: [\w.]+\t)?)?\n$`)

func TestLogLines(t *testing.T) {
	t.Parallel()
	e := newTestManager(t, nil)
	fn := e.function("logs", nil)
	res1 := e.invoke(t, fn, map[string]any{"action": "print", "text": "x = 10"})
	res2, err := e.invokeErr(fn, map[string]any{"action": "print", "text": "second"}, func(r *InvokeRequest) {
		r.RequestID = "11111111-2222-4333-8444-555555555555"
		r.Tail = true
	})
	if err != nil {
		t.Fatal(err)
	}
	_ = res1
	group := "/aws/lambda/logs"
	e.sink.waitLog(t, group, "REPORT RequestId: 11111111-2222-4333-8444-555555555555")
	streams := e.sink.streams(group)
	if len(streams) != 1 || !regexp.MustCompile(`^\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}$`).MatchString(streams[0]) {
		t.Fatalf("streams = %q", streams)
	}
	msgs := e.sink.messages(group, streams[0])
	// Expected order: init output, START, output, END, REPORT (twice).
	var kinds []string
	reports := 0
	for _, m := range msgs {
		switch {
		case strings.HasPrefix(m, "START RequestId: "):
			if !regexp.MustCompile(`^START RequestId: [0-9a-f-]{36} Version: \$LATEST\n$`).MatchString(m) {
				t.Errorf("START line %q", m)
			}
			kinds = append(kinds, "START")
		case strings.HasPrefix(m, "END RequestId: "):
			kinds = append(kinds, "END")
		case strings.HasPrefix(m, "REPORT "):
			sm := reportRe.FindStringSubmatch(m)
			if sm == nil {
				t.Errorf("REPORT line %q", m)
				break
			}
			if cold := sm[2] != ""; cold != (reports == 0) {
				t.Errorf("Init Duration on the wrong REPORT: %q", m)
			}
			reports++
			kinds = append(kinds, "REPORT")
		case m == "x = 10\n", m == "second\n":
			kinds = append(kinds, "out")
		case m == "to stderr\n":
			kinds = append(kinds, "err")
		case m == "init done\n":
			kinds = append(kinds, "init")
		default:
			t.Errorf("unexpected event %q", m)
		}
	}
	want := "init START out err END REPORT START out err END REPORT"
	if got := strings.Join(kinds, " "); got != want {
		t.Errorf("order:\n got %s\nwant %s", got, want)
	}
	tail := string(res2.LogTail)
	if !strings.HasPrefix(tail, "START RequestId: 11111111-2222-4333-8444-555555555555") ||
		!strings.Contains(tail, "second\n") || !strings.HasPrefix(tail[strings.Index(tail, "REPORT"):], "REPORT RequestId: 11111111") {
		t.Errorf("tail = %q", tail)
	}
}

func TestReportLine(t *testing.T) {
	tests := []struct {
		dur, init time.Duration
		cold      bool
		status    string
		errType   string
		want      string
	}{
		{15740 * time.Microsecond, 130490 * time.Microsecond, true, "", "",
			"REPORT RequestId: id\tDuration: 15.74 ms\tBilled Duration: 147 ms\tMemory Size: 128 MB\tMax Memory Used: 56 MB\tInit Duration: 130.49 ms\t\n"},
		{1500 * time.Microsecond, 0, false, "", "",
			"REPORT RequestId: id\tDuration: 1.50 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 56 MB\t\n"},
		{100 * time.Microsecond, 0, false, "", "",
			"REPORT RequestId: id\tDuration: 0.10 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 56 MB\t\n"},
		{3 * time.Second, 0, false, "timeout", "",
			"REPORT RequestId: id\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 56 MB\tStatus: timeout\t\n"},
		{2 * time.Millisecond, 0, false, "error", "Runtime.ExitError",
			"REPORT RequestId: id\tDuration: 2.00 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 56 MB\tStatus: error\tError Type: Runtime.ExitError\t\n"},
	}
	for _, tc := range tests {
		if got := reportLine("id", tc.dur, tc.init, tc.cold, 128, 56, tc.status, tc.errType); got != tc.want {
			t.Errorf("got  %q\nwant %q", got, tc.want)
		}
	}
	if got := timeoutMessage(3 * time.Second); got != "Task timed out after 3.00 seconds" {
		t.Errorf("timeout message %q", got)
	}
}

func TestTimeout(t *testing.T) {
	t.Parallel()
	e := newTestManager(t, nil)
	fn := e.function("slow", func(f *Function) { f.Timeout = time.Second })
	e.invoke(t, fn, map[string]any{"action": "count"}) // warm it up
	first := e.m.Sandboxes()[0]
	res, err := e.invokeErr(fn, map[string]any{"action": "sleep", "sleep": "3s"}, func(r *InvokeRequest) {
		r.RequestID = "aaaaaaaa-2222-4333-8444-555555555555"
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: aaaaaaaa-2222-4333-8444-555555555555 Error: Task timed out after 1.00 seconds"}`
	if res.FunctionError != "Unhandled" || string(res.Payload) != want {
		t.Fatalf("result %q %s", res.FunctionError, res.Payload)
	}
	if res.Duration < 900*time.Millisecond || res.Duration > 2500*time.Millisecond {
		t.Errorf("Duration %v for a 1s timeout", res.Duration)
	}
	msgs := e.sink.waitLog(t, "/aws/lambda/slow", "REPORT RequestId: aaaaaaaa")
	found := false
	for _, m := range msgs {
		if regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z aaaaaaaa-2222-4333-8444-555555555555 Task timed out after 1\.00 seconds\n$`).MatchString(m) {
			found = true
		}
		if strings.HasPrefix(m, "REPORT RequestId: aaaaaaaa") && !strings.Contains(m, "Status: timeout") {
			t.Errorf("REPORT %q", m)
		}
	}
	if !found {
		t.Errorf("no timeout line in %q", msgs)
	}
	// The sandbox was discarded: the next invoke is cold, in a new one.
	res = e.invoke(t, fn, map[string]any{"action": "count"})
	if !res.Cold || string(res.Payload) != "1" {
		t.Fatalf("after timeout: cold %v count %s", res.Cold, res.Payload)
	}
	sbs := waitSandboxes(t, e.m, 1)
	if sbs[0].LogStream == first.LogStream {
		t.Fatalf("timed-out sandbox reused")
	}
}

func TestCrash(t *testing.T) {
	t.Parallel()
	e := newTestManager(t, nil)
	fn := e.function("crash", nil)
	res, err := e.invokeErr(fn, map[string]any{"action": "exit", "code": 3}, func(r *InvokeRequest) {
		r.RequestID = "bbbbbbbb-2222-4333-8444-555555555555"
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"errorType":"Runtime.ExitError","errorMessage":"RequestId: bbbbbbbb-2222-4333-8444-555555555555 Error: Runtime exited with error: exit status 3"}`
	if res.FunctionError != "Unhandled" || string(res.Payload) != want {
		t.Fatalf("result %q %s", res.FunctionError, res.Payload)
	}
	e.sink.waitLog(t, "/aws/lambda/crash", "RequestId: bbbbbbbb-2222-4333-8444-555555555555 Error: Runtime exited with error: exit status 3\nRuntime.ExitError\n")
	res = e.invoke(t, fn, map[string]any{"action": "count"})
	if !res.Cold || string(res.Payload) != "1" {
		t.Fatalf("after crash: cold %v count %s", res.Cold, res.Payload)
	}
}

func TestMemoryKill(t *testing.T) {
	t.Parallel()
	e := newTestManager(t, nil)
	fn := e.function("hungry", nil)
	res := e.invoke(t, fn, map[string]any{"action": "alloc", "mb": 300})
	if e.m.limits.mode == cgroupNone {
		t.Skipf("no cgroups here (%s): memory is not limited; got %s", e.m.limits.why, res.Payload)
	}
	var doc struct{ ErrorType, ErrorMessage string }
	decodeJSON(t, res.Payload, &doc)
	if res.FunctionError != "Unhandled" || doc.ErrorType != "Runtime.OutOfMemory" ||
		!strings.HasSuffix(doc.ErrorMessage, "Error: Runtime exited with error: signal: killed") {
		t.Fatalf("result %q %s", res.FunctionError, res.Payload)
	}
	if res.MaxMemoryUsedMB < 100 || res.MaxMemoryUsedMB > 140 {
		t.Errorf("MaxMemoryUsedMB = %d for a 128 MB limit", res.MaxMemoryUsedMB)
	}
	e.sink.waitLog(t, "/aws/lambda/hungry", "Status: error\tError Type: Runtime.OutOfMemory\t")
	if res := e.invoke(t, fn, map[string]any{"action": "count"}); !res.Cold {
		t.Errorf("sandbox reused after OOM")
	}
}

func TestInitFailures(t *testing.T) {
	t.Parallel()
	e := newTestManager(t, nil)
	tests := []struct {
		name    string
		fn      func(*Function)
		errType string
		msg     string
		log     string
	}{
		{
			name:    "init crash",
			fn:      func(f *Function) { f.Environment = map[string]string{"FN_INIT_EXIT": "1"} },
			errType: "Runtime.ExitError",
			msg:     "Error: Runtime exited with error: exit status 2",
			log:     "init failing on purpose\n",
		},
		{
			name: "no bootstrap",
			fn: func(f *Function) {
				f.Code = codeOf(zipOf(t, []zipFile{{name: "main.py", body: []byte("x")}}))
			},
			errType: "Runtime.InvalidEntrypoint",
			msg:     "Error: Couldn't find valid bootstrap(s): [",
			log:     "INIT_REPORT Init Duration: ",
		},
		{
			name: "bootstrap not executable",
			fn: func(f *Function) {
				f.Code = codeOf(zipOf(t, []zipFile{{name: "bootstrap", body: []byte("#!/bin/sh\n"), mode: 0o644}}))
			},
			errType: "Runtime.InvalidEntrypoint",
			msg:     "permission denied",
			log:     "Status: error\tError Type: Runtime.InvalidEntrypoint\t",
		},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			name := "initfail" + string(rune('a'+i))
			fn := e.function(name, tc.fn)
			for attempt := 0; attempt < 2; attempt++ { // the next invoke re-initialises
				res := e.invoke(t, fn, map[string]any{"action": "count"})
				var doc struct{ ErrorType, ErrorMessage string }
				decodeJSON(t, res.Payload, &doc)
				if res.FunctionError != "Unhandled" || !res.Cold || doc.ErrorType != tc.errType || !strings.Contains(doc.ErrorMessage, tc.msg) {
					t.Fatalf("attempt %d: %q cold=%v %s", attempt, res.FunctionError, res.Cold, res.Payload)
				}
			}
			e.sink.waitLog(t, "/aws/lambda/"+name, tc.log)
			deadline := time.Now().Add(5 * time.Second)
			for len(e.sink.streams("/aws/lambda/"+name)) != 2 {
				if time.Now().After(deadline) {
					t.Fatalf("%d log streams, want one per attempt", len(e.sink.streams("/aws/lambda/"+name)))
				}
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
	waitSandboxes(t, e.m, 0)
}

func TestIdleExpiry(t *testing.T) {
	t.Parallel()
	fake := clock.NewFake(time.Now())
	e := newTestManager(t, func(c *Config) { c.Clock = fake; c.IdleTimeout = time.Minute })
	// The fake clock drives timeouts too: a long one keeps them out of
	// the way.
	fn := e.function("idle", func(f *Function) { f.Timeout = 15 * time.Minute })
	e.invoke(t, fn, map[string]any{"action": "count"})
	fake.Advance(50 * time.Second)
	if res := e.invoke(t, fn, map[string]any{"action": "count"}); res.Cold {
		t.Fatal("expired before IdleTimeout")
	}
	// Idle time counts from the last invoke.
	fake.Advance(50 * time.Second)
	waitSandboxes(t, e.m, 1)
	fake.Advance(10 * time.Second)
	waitSandboxes(t, e.m, 0)
	if res := e.invoke(t, fn, map[string]any{"action": "count"}); !res.Cold || string(res.Payload) != "1" {
		t.Fatalf("after expiry: cold %v count %s", res.Cold, res.Payload)
	}
	// The reaper never touches a busy sandbox: time passes while one runs.
	done := make(chan *InvokeResult)
	go func() {
		res, _ := e.invokeErr(fn, map[string]any{"action": "sleep", "sleep": "300ms"}, nil)
		done <- res
	}()
	for {
		s := e.m.Sandboxes()
		if len(s) == 1 && s[0].Busy {
			break
		}
		time.Sleep(time.Millisecond)
	}
	fake.Advance(5 * time.Minute)
	if res := <-done; res.FunctionError != "" {
		t.Fatalf("busy sandbox hurt by the reaper: %s", res.Payload)
	}
	waitSandboxes(t, e.m, 1)
	fake.Advance(time.Minute)
	waitSandboxes(t, e.m, 0)
}

func TestEvict(t *testing.T) {
	t.Parallel()
	e := newTestManager(t, nil)
	fn := e.function("evicted", nil)
	other := e.function("kept", nil)
	e.invoke(t, fn, map[string]any{"action": "count"})
	e.invoke(t, other, map[string]any{"action": "count"})
	e.m.Evict(fn.ARN, "")
	sbs := waitSandboxes(t, e.m, 1)
	if sbs[0].FunctionARN != other.ARN {
		t.Fatalf("wrong sandbox evicted: %+v", sbs)
	}
	if res := e.invoke(t, fn, map[string]any{"action": "count"}); !res.Cold {
		t.Fatal("evicted sandbox reused")
	}
	// Evict drains: an invoke in flight finishes, then its sandbox stops.
	done := make(chan *InvokeResult)
	go func() {
		res, _ := e.invokeErr(fn, map[string]any{"action": "sleep", "sleep": "300ms"}, nil)
		done <- res
	}()
	for {
		busy := false
		for _, s := range e.m.Sandboxes() {
			busy = busy || (s.FunctionARN == fn.ARN && s.Busy)
		}
		if busy {
			break
		}
		time.Sleep(time.Millisecond)
	}
	e.m.Evict(fn.ARN, "")
	if res := <-done; res.FunctionError != "" || string(res.Payload) != `"slept 300ms"` {
		t.Fatalf("drained invoke: %s", res.Payload)
	}
	sbs = waitSandboxes(t, e.m, 1)
	if sbs[0].FunctionARN != other.ARN {
		t.Fatalf("drained sandbox still there: %+v", sbs)
	}
}

func TestEnvironment(t *testing.T) {
	t.Parallel()
	e := newTestManager(t, nil)
	fn := e.function("envfn", func(f *Function) {
		f.Environment = map[string]string{"GREETING": "hi", "AWS_REGION": "eu-west-1", "TZ": "Europe/Paris"}
	})
	cc := base64.StdEncoding.EncodeToString([]byte(`{"custom":{"k":"v"}}`))
	res, err := e.invokeErr(fn, map[string]any{"action": "env"}, func(r *InvokeRequest) {
		r.RequestID = "cccccccc-2222-4333-8444-555555555555"
		r.InvokedARN = fn.ARN + ":$LATEST"
		r.ClientContext = cc
	})
	if err != nil || res.FunctionError != "" {
		t.Fatalf("%v %s", err, res.Payload)
	}
	var out struct {
		Env           map[string]string
		RequestID     string `json:"requestId"`
		ARN           string `json:"arn"`
		DeadlineIn    int64  `json:"deadlineIn"`
		UID           int    `json:"uid"`
		WD            string `json:"wd"`
		ClientContext map[string]string
	}
	decodeJSON(t, res.Payload, &out)
	sb := e.m.Sandboxes()[0]
	taskRoot := "/var/task"
	if !e.m.iso.mountNS {
		taskRoot = e.m.code.dir + "/" + fn.Code.Sha256
	}
	want := map[string]string{
		"AWS_LAMBDA_FUNCTION_NAME":        "envfn",
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/envfn",
		"AWS_LAMBDA_LOG_STREAM_NAME":      sb.LogStream,
		"AWS_REGION":                      "us-east-1", // reserved: the function cannot override it
		"AWS_DEFAULT_REGION":              "us-east-1",
		"AWS_LAMBDA_INITIALIZATION_TYPE":  "on-demand",
		"_HANDLER":                        "bootstrap",
		"LAMBDA_TASK_ROOT":                taskRoot,
		"TZ":                              "Europe/Paris", // not reserved
		"LANG":                            "en_US.UTF-8",
		"AWS_ENDPOINT_URL":                "http://127.0.0.1:4566",
		"AWS_ACCESS_KEY_ID":               "123456789012",
		"GREETING":                        "hi",
	}
	for k, v := range want {
		if out.Env[k] != v {
			t.Errorf("%s = %q, want %q", k, out.Env[k], v)
		}
	}
	for _, k := range []string{"AWS_SECRET_ACCESS_KEY", "AWS_LAMBDA_RUNTIME_API", "LAMBDA_RUNTIME_DIR", "PATH", "LD_LIBRARY_PATH", "TMPDIR"} {
		if out.Env[k] == "" {
			t.Errorf("%s not set", k)
		}
	}
	for _, k := range []string{"HOME", "AWS_EXECUTION_ENV", "_LAMBDA_TELEMETRY_LOG_FD"} {
		if v, ok := out.Env[k]; ok {
			t.Errorf("%s = %q should not be set for provided.al2023", k, v)
		}
	}
	if !strings.HasPrefix(out.Env["AWS_LAMBDA_RUNTIME_API"], "127.0.0.1:") {
		t.Errorf("AWS_LAMBDA_RUNTIME_API = %q", out.Env["AWS_LAMBDA_RUNTIME_API"])
	}
	if out.RequestID != "cccccccc-2222-4333-8444-555555555555" || out.ARN != fn.ARN+":$LATEST" {
		t.Errorf("context: %q %q", out.RequestID, out.ARN)
	}
	if out.DeadlineIn < 2000 || out.DeadlineIn > 3100 {
		t.Errorf("deadline %d ms away, want about 3000", out.DeadlineIn)
	}
	if out.ClientContext["k"] != "v" {
		t.Errorf("client context %v", out.ClientContext)
	}
	if out.WD != taskRoot {
		t.Errorf("working directory %q", out.WD)
	}
	if os.Geteuid() == 0 && out.UID < 2_000_000_000 {
		t.Errorf("runs as uid %d, want a function user", out.UID)
	}
	t.Logf("isolation here: %s; limits: %s (%s)", e.m.iso, e.m.limits.mode, e.m.limits.why)
	if e.m.limits.mode == cgroupV1 {
		// The runtime was born in its cgroup (the forking thread was
		// moved there), not moved after start.
		b, err := os.ReadFile("/proc/" + strconv.Itoa(sb.PID) + "/cgroup")
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`(?m):memory:/.*hako-\d+-[0-9a-f]+/[0-9a-f]{32}$`).Match(b) {
			t.Errorf("sandbox process not in its memory cgroup:\n%s", b)
		}
		e.m.mu.Lock()
		var moved bool
		for s := range e.m.all {
			moved = s.cg != nil && s.cg.threadMove
		}
		e.m.mu.Unlock()
		if !moved {
			t.Errorf("v1 start used the cgroup.procs fallback, not the thread move")
		}
	}
}

func TestSandboxFilesystem(t *testing.T) {
	t.Parallel()
	e := newTestManager(t, nil)
	if !e.m.iso.mountNS {
		t.Skipf("no mount namespace here (%s)", e.m.iso.why)
	}
	a := e.function("fsa", nil)
	b := e.function("fsb", nil)
	marker := "/tmp/hako-private-" + randomHex(4)
	res := e.invoke(t, a, map[string]any{"action": "write", "file": marker, "text": "mine"})
	if string(res.Payload) != `"mine"` {
		t.Fatalf("write /tmp: %s", res.Payload)
	}
	if _, err := os.Stat(marker); err == nil {
		os.Remove(marker)
		t.Fatal("the sandbox's /tmp is the host's")
	}
	if res := e.invoke(t, a, map[string]any{"action": "read", "file": marker}); string(res.Payload) != "4" {
		t.Errorf("/tmp does not persist in a warm sandbox: %s", res.Payload)
	}
	if res := e.invoke(t, b, map[string]any{"action": "read", "file": marker}); res.FunctionError == "" {
		t.Errorf("another function sees the first one's /tmp: %s", res.Payload)
	}
	shared := "/var/tmp/hako-private-" + randomHex(4)
	if res := e.invoke(t, a, map[string]any{"action": "write", "file": shared, "text": "x"}); res.FunctionError != "" {
		t.Errorf("write /var/tmp: %s", res.Payload)
	}
	if _, err := os.Stat(shared); err == nil {
		os.Remove(shared)
		t.Error("the sandbox's /var/tmp is the host's")
	}
	for _, tc := range []struct{ action, file string }{
		{"write", "/var/task/x"},    // code is read-only
		{"ls", e.m.workDir},         // hako's work dir is hidden
		{"ls", e.m.code.dir},        // and other functions' code with it
		{"write", "/var/runtime/x"}, // runtime dir read-only
	} {
		res := e.invoke(t, a, map[string]any{"action": tc.action, "file": tc.file, "text": "x"})
		if res.FunctionError == "" && !(tc.action == "ls" && string(res.Payload) == "null") {
			t.Errorf("%s %s succeeded: %s", tc.action, tc.file, res.Payload)
		}
	}
}

func TestStopKillsInFlight(t *testing.T) {
	t.Parallel()
	e := newTestManager(t, nil)
	fn := e.function("stopped", nil)
	done := make(chan *InvokeResult)
	go func() {
		res, _ := e.invokeErr(fn, map[string]any{"action": "sleep", "sleep": "10s"}, nil)
		done <- res
	}()
	for {
		s := e.m.Sandboxes()
		if len(s) == 1 && s[0].Busy {
			break
		}
		time.Sleep(time.Millisecond)
	}
	start := time.Now()
	if err := e.m.Stop(); err != nil {
		t.Fatal(err)
	}
	res := <-done
	if res == nil || res.FunctionError != "Unhandled" || !strings.Contains(string(res.Payload), "Runtime.ExitError") {
		t.Fatalf("in-flight invoke after Stop: %+v", res)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("Stop took %v", time.Since(start))
	}
	if _, err := e.m.Invoke(context.Background(), &InvokeRequest{Function: fn}); !errors.Is(err, errStopped) {
		t.Errorf("invoke after Stop: %v", err)
	}
}

func TestGo1xHandlerBinary(t *testing.T) {
	t.Parallel()
	e := newTestManager(t, nil)
	// go1.x runs the binary the Handler names (here the same aws-lambda-go
	// binary under another name).
	bin := functionBinary(t)
	fn := e.function("gox", func(f *Function) {
		f.Runtime, f.Handler = "go1.x", "main"
		f.Code = codeOf(zipOf(t, []zipFile{{name: "main", body: bin, mode: 0o755}}))
	})
	res := e.invoke(t, fn, map[string]any{"action": "env"})
	var out struct{ Env map[string]string }
	decodeJSON(t, res.Payload, &out)
	if res.FunctionError != "" || out.Env["AWS_EXECUTION_ENV"] != "AWS_Lambda_go1.x" || out.Env["_HANDLER"] != "main" {
		t.Fatalf("%q %.300s", res.FunctionError, res.Payload)
	}
	missing := e.function("goxmissing", func(f *Function) { f.Runtime, f.Handler = "go1.x", "nothere" })
	res = e.invoke(t, missing, map[string]any{})
	if res.FunctionError != "Unhandled" || !strings.Contains(string(res.Payload), "Runtime.InvalidEntrypoint") {
		t.Fatalf("missing handler binary: %s", res.Payload)
	}
}

func TestRuntimeAPIOnlyForItsSandbox(t *testing.T) {
	t.Parallel()
	e := newTestManager(t, nil)
	if os.Geteuid() != 0 {
		t.Skip("sandboxes run as hako's user: the endpoint cannot tell them apart")
	}
	fn := e.function("guarded", nil)
	e.invoke(t, fn, map[string]any{"action": "count"})
	e.m.mu.Lock()
	var addr string
	for sb := range e.m.all {
		addr = sb.api.addr()
	}
	e.m.mu.Unlock()
	// This test process (root) is not the function's user: it must not
	// be able to take the function's next event.
	resp, err := http.Get("http://" + addr + nextPath)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("a foreign process reached the Runtime API: %d", resp.StatusCode)
	}
	// The sandbox itself still works.
	if res := e.invoke(t, fn, map[string]any{"action": "count"}); string(res.Payload) != "2" {
		t.Fatalf("after a refused connection: %s", res.Payload)
	}
}

func TestLayers(t *testing.T) {
	t.Parallel()
	e := newTestManager(t, nil)
	if !e.m.iso.mountNS || !isDir("/opt") {
		t.Skip("layers appear at /opt only in a mount namespace")
	}
	l1 := codeOf(zipOf(t, []zipFile{{name: "data/a.txt", body: []byte("one")}, {name: "data/b.txt", body: []byte("first")}}))
	l2 := codeOf(zipOf(t, []zipFile{{name: "data/b.txt", body: []byte("second!")}}))
	fn := e.function("layered", func(f *Function) { f.Layers = []Code{l1, l2} })
	for file, want := range map[string]string{"/opt/data/a.txt": "3", "/opt/data/b.txt": "7"} {
		if res := e.invoke(t, fn, map[string]any{"action": "read", "file": file}); string(res.Payload) != want {
			t.Errorf("%s: %s, want %s bytes (later layers win)", file, res.Payload, want)
		}
	}
	if res := e.invoke(t, fn, map[string]any{"action": "ls", "file": "/opt"}); string(res.Payload) != `["data"]` {
		t.Errorf("/opt holds %s, want only the layers' data", res.Payload)
	}
	if res := e.invoke(t, fn, map[string]any{"action": "write", "file": "/opt/data/new.txt", "text": "x"}); res.FunctionError == "" {
		t.Errorf("/opt is writable: %s", res.Payload)
	}
	// Without layers /opt is empty, as on AWS: the host's /opt is not shown.
	bare := e.function("no-layers", nil)
	if res := e.invoke(t, bare, map[string]any{"action": "ls", "file": "/opt"}); string(res.Payload) != "null" {
		t.Errorf("/opt without layers holds %s", res.Payload)
	}
}
