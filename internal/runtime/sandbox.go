package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"hako/internal/runtime/bootstraps"
)

// A sandbox is one process tree running one function revision, with its
// own Runtime API endpoint, log stream, cgroup and private /tmp. It serves
// one invoke at a time (the pool guarantees it) and is discarded after a
// timeout, crash, memory kill or failed init.
//
// Goroutines per sandbox, all tracked by the Manager: the process owner
// (locked to the OS thread that forked; it waits for the exit), the HTTP
// server, the log readers and the log flusher. An invoke starts none.

// initLimit is AWS's limit on the init phase of an on-demand sandbox;
// functions with a longer timeout get that instead (AWS retries a slow
// init within the invoke's timeout).
const initLimit = 10 * time.Second

// sandbox is one live execution environment.
type sandbox struct {
	m      *Manager
	fn     *Function
	key    poolKey
	id     string
	stream string

	api  *runtimeAPI
	logs *logStream
	cg   *cgroup

	tmpDir string
	tmpImg string // the /tmp image (EphemeralStorage), "" when tmpDir serves
	pid    int
	uid    int // the sandbox user, -1 for hako's

	// rpcExit: a go1.x binary answered with ShouldExit (a panic); the
	// sandbox ends after that invoke (see rpcshim.go).
	rpcExit atomic.Bool
	// rpcBridged: the go1.x binary answered Ping; rpcShim is its
	// runtime client.
	rpcBridged atomic.Bool

	exited  chan struct{} // closed when the process has been reaped
	exitErr error         // valid after exited

	started time.Time

	// Guarded by Manager.mu.
	busy     bool
	lastUsed time.Time
	invokes  int
	removed  bool // no longer in its pool (being stopped)

	stopOnce sync.Once
	stopped  chan struct{}
}

// launch is how a sandbox's process starts.
type launch struct {
	path       string
	args       []string
	env        []string // runtime-specific additions (bootstraps.Env)
	family     string   // python / nodejs, "" for custom runtimes
	rpc        bool     // go1.x: also serve net/rpc, bridged by rpcShim
	runtimeDir string   // host path of LAMBDA_RUNTIME_DIR
	// entrypointErr, when set, is AWS's Runtime.InvalidEntrypoint message:
	// nothing can start.
	entrypointErr string
}

// newSandbox prepares and starts a sandbox for fn; it returns once the
// process runs (init continues in the background). A returned *initError
// means a sandbox exists (with its log stream) but its runtime could not
// start; any other error is hako's.
func (m *Manager) newSandbox(ctx context.Context, fn *Function, tail bool) (*sandbox, error) {
	taskDir, err := m.code.get(fn.Code)
	if err != nil {
		return nil, err
	}
	optDir, err := m.layersDir(fn.Layers)
	if err != nil {
		return nil, err
	}
	l, err := m.launchFor(fn, taskDir, optDir)
	if err != nil {
		return nil, err
	}
	sb := &sandbox{
		m:       m,
		fn:      fn,
		key:     keyOf(fn),
		id:      randomHex(16),
		uid:     -1,
		exited:  make(chan struct{}),
		stopped: make(chan struct{}),
		started: m.clock.Now(),
		// Owned by the invoke creating it until release: an early exit
		// is that invoke's to handle, not onExit's.
		busy: true,
	}
	sb.stream = logStreamName(sb.started, fn.Version, sb.id)
	group := fn.LogGroup
	if group == "" {
		group = "/aws/lambda/" + fn.Name
	}
	if sb.logs, err = newLogStream(m.cfg.Logs, m.clock, m.log, fn.Account, fn.Region, group, sb.stream, l.family != ""); err != nil {
		return nil, err
	}
	if tail {
		// The tail of a cold start that fails in init must show why: the
		// init's own output (a traceback, a message before exiting), as
		// AWS's tail does when it retries the init inside the invoke. The
		// marker goes into the pipe before the process exists, so nothing
		// the process writes can precede it. A successful cold start
		// restarts the tail at START.
		sb.logs.emit(&logCtrl{startTail: true}, false)
	}
	if sb.api, err = newRuntimeAPI(fn.ARN); err != nil {
		sb.logs.closeFiles()
		return nil, err
	}
	// All of a sandbox's goroutines start together, or none (Stop has
	// begun): then nothing was started and everything is closed here.
	start := func(extra ...func()) error {
		if !m.spawnAll(append(append(sb.logs.goroutines(), sb.api.serve), extra...)...) {
			sb.api.closeListener()
			sb.logs.closeFiles()
			sb.cg.destroy()
			sb.removeTmp()
			return errStopped
		}
		return nil
	}
	// fail reports a sandbox that exists (its log stream takes the init
	// failure) but has no process.
	fail := func(err error) (*sandbox, error) {
		if serr := start(); serr != nil {
			return nil, serr
		}
		close(sb.exited)
		return sb, err
	}
	if l.entrypointErr != "" {
		return fail(&initError{errorType: "Runtime.InvalidEntrypoint", message: l.entrypointErr})
	}
	sb.tmpDir = filepath.Join(m.tmpRoot, sb.id)
	if err := os.Mkdir(sb.tmpDir, 0o700); err != nil {
		return fail(err)
	}
	uid, gid := m.sandboxUser(fn.ARN)
	// The runtime must be executable by the sandbox user. In a mount
	// namespace the code and runtime are (fresh tmpfs path); an
	// interpreter installed where that user cannot reach (pyenv or nvm
	// under /root) is shown at /var/lang, where AWS keeps its own, with
	// its whole installation prefix. Elsewhere such a runtime keeps
	// hako's user.
	langDir := ""
	// An interpreter under /opt would be covered by the layers there.
	underOpt := m.iso.optNS && strings.HasPrefix(l.path, nsOptDir+"/")
	if l.family != "" && (uid >= 0 && !accessibleBy(l.path, uid, gid) || underOpt) {
		prefix := m.interpreterPrefix(l.family)
		if rel, err := filepath.Rel(prefix, l.path); m.iso.mountNS && prefix != "" && err == nil {
			langDir, l.path = prefix, filepath.Join(nsLangDir, rel)
		} else {
			m.warnOnce("uid:"+l.path, "lambda runtime not executable by the sandbox user; sandboxes running it keep hako's user",
				"path", l.path, "uid", uid)
			uid, gid = -1, -1
		}
	}
	if uid >= 0 && !m.iso.mountNS && l.family == "" && !accessibleBy(l.path, uid, gid) {
		m.warnOnce("uid:"+l.path, "lambda code not reachable by the sandbox user (a parent of the work directory is not searchable); sandboxes keep hako's user",
			"path", l.path, "uid", uid)
		uid, gid = -1, -1
	}
	sb.uid = uid
	if err := chownTo(sb.tmpDir, uid, gid); err != nil {
		return fail(err)
	}
	if uid >= 0 {
		sb.api.restrictTo(uid, func(peer int, err error) {
			m.log.Warn("lambda Runtime API connection refused: not the sandbox's user", "function", fn.ARN, "peer_uid", peer, "err", err)
		})
	}
	if fn.MemoryMB > 0 && m.limits.mode != cgroupNone {
		if sb.cg, err = m.limits.create(sb.id, fn.MemoryMB); err != nil {
			m.warnOnce("cgroup-create", "lambda sandbox cgroup not created; running without memory limit", "err", err)
			sb.cg = nil
		}
	}

	var extra []func()
	if l.rpc {
		port, err := freeLoopbackPort()
		if err != nil {
			return fail(err)
		}
		l.env = append(l.env, "_LAMBDA_SERVER_PORT="+strconv.Itoa(port))
		extra = append(extra, func() { sb.rpcShim(port) })
	}
	env, err := m.environ(ctx, fn, sb, l, taskDir, optDir)
	if err != nil {
		return fail(err)
	}
	taskRoot := taskDir
	if m.iso.mountNS {
		taskRoot = nsTaskRoot
	}
	stdout, files := sb.logs.childFiles()
	cmd := &exec.Cmd{
		Path:        l.path,
		Args:        append([]string{l.path}, l.args...),
		Env:         env,
		Dir:         taskRoot,
		Stdout:      stdout,
		Stderr:      stdout,
		ExtraFiles:  files,
		SysProcAttr: m.iso.sysProcAttr(uid, gid),
	}
	var plan *mountPlan
	if m.iso.mountNS {
		plan = &mountPlan{
			taskDir:    taskDir,
			runtimeDir: l.runtimeDir,
			optDir:     optDir,
			coverOpt:   m.iso.optNS,
			tmpDir:     sb.tmpDir,
			langDir:    langDir,
			hide:       append([]string{m.workDir}, m.cfg.PrivateDirs...),
			tmpUID:     uid,
			tmpGID:     gid,
		}
		if m.eph.ok {
			size := fn.EphemeralStorageMB
			if size <= 0 {
				size = 512
			}
			img := filepath.Join(m.tmpRoot, sb.id+".img")
			if err := m.eph.image(size, img); err != nil {
				m.warnOnce("ephemeral-image", "lambda /tmp image not made; /tmp is a plain directory without the EphemeralStorage limit", "err", err)
			} else {
				sb.tmpImg, plan.tmpImage = img, img
			}
		}
	}
	startErr := make(chan error, 1)
	if err := start(append(extra, func() { sb.runProcess(cmd, plan, startErr) })...); err != nil {
		return nil, err
	}
	if err := <-startErr; err != nil {
		return sb, &initError{errorType: "Runtime.InvalidEntrypoint", message: err.Error()}
	}
	return sb, nil
}

// runProcess starts the runtime on a locked OS thread (which may enter a
// private mount namespace first, and stays the process's parent for
// Pdeathsig) and reaps it.
func (sb *sandbox) runProcess(cmd *exec.Cmd, plan *mountPlan, startErr chan<- error) {
	lockThread()
	defer close(sb.exited)
	if plan != nil {
		if err := enterMountNS(plan); err != nil {
			sb.exitErr = err
			startErr <- fmt.Errorf("sandbox mount namespace: %w", err)
			return
		}
		if plan.tmpErr != nil {
			sb.m.warnOnce("ephemeral-mount", "lambda /tmp image not mounted; /tmp is a plain directory without the EphemeralStorage limit", "err", plan.tmpErr)
		}
	}
	sb.cg.beforeStart(cmd.SysProcAttr)
	// ETXTBSY: another goroutine's fork inherited the write descriptor of
	// a file we just extracted (or a runtime client just installed) for
	// the moment before its exec closed it (golang/go#22315). Brief; retry.
	var err error
	proto := *cmd // never started: each attempt starts a fresh copy
	for attempt := 1; ; attempt++ {
		c := proto
		cmd = &c
		if err = cmd.Start(); err == nil {
			break
		}
		if !errors.Is(err, syscall.ETXTBSY) || attempt == 20 {
			break
		}
		time.Sleep(time.Duration(attempt) * time.Millisecond)
	}
	if err == nil {
		sb.pid = cmd.Process.Pid
		if cerr := sb.cg.afterStart(sb.pid); cerr != nil {
			sb.m.warnOnce("cgroup-attach", "lambda sandbox not moved into its cgroup", "err", cerr)
		}
	} else if sb.cg != nil && sb.cg.threadMove {
		_ = sb.cg.afterStart(0) // move the thread back
	}
	startErr <- err
	if err != nil {
		sb.exitErr = err
		return
	}
	sb.exitErr = cmd.Wait()
	sb.m.onExit(sb)
}

// initError is a failed init phase, reported to the invoke that caused it.
type initError struct {
	errorType string
	message   string // AWS's text after "RequestId: ID Error: "
	payload   []byte // the runtime's own error document, when it posted one
	status    string // REPORT Status: error / timeout
}

func (e *initError) Error() string { return e.errorType + ": " + e.message }

// awaitInit waits for the runtime's first /next (init done), an
// /init/error, its exit or the init time limit.
func (sb *sandbox) awaitInit() *initError {
	limit := max(initLimit, sb.fn.Timeout)
	timedOut := make(chan struct{})
	t := sb.m.clock.AfterFunc(limit, func() { close(timedOut) })
	defer t.Stop()
	select {
	case <-sb.api.ready:
		return nil
	case f := <-sb.api.initErr:
		return &initError{errorType: orDefault(f.errorType, "Runtime.Unknown"), payload: f.payload}
	case <-sb.exited:
		select {
		case f := <-sb.api.initErr:
			return &initError{errorType: orDefault(f.errorType, "Runtime.Unknown"), payload: f.payload}
		case <-sb.api.ready:
			// Became ready and died right away: the invoke will see it.
			return nil
		default:
		}
		return sb.exitFailure()
	case <-timedOut:
		return &initError{errorType: "Sandbox.Timedout", message: timeoutMessage(limit), status: "timeout"}
	}
}

// exitFailure describes the process's exit as AWS does.
func (sb *sandbox) exitFailure() *initError {
	msg := "Runtime exited without providing a reason"
	if sb.exitErr != nil {
		msg = "Runtime exited with error: " + sb.exitErr.Error()
	}
	t := "Runtime.ExitError"
	if sb.cg.oomKilled() {
		t = "Runtime.OutOfMemory"
	}
	return &initError{errorType: t, message: msg, status: "error"}
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// invoke runs req in the sandbox (which must be ready and idle) and
// reports whether the sandbox must be discarded.
func (sb *sandbox) invoke(req *InvokeRequest, cold bool, initDur time.Duration) (*InvokeResult, bool) {
	fn := sb.fn
	sb.logs.emit(&logCtrl{lines: []string{startLine(req.RequestID, fn.Version)}, startTail: req.Tail}, false)

	timeout := fn.Timeout
	if timeout <= 0 {
		timeout = 3 * time.Second
	}
	clk := sb.m.clock
	inv := &invocation{req: req, deadline: clk.Now().Add(timeout), done: make(chan apiResult, 1)}
	timedOut := make(chan struct{})
	timer := clk.AfterFunc(timeout, func() { close(timedOut) })
	start := time.Now()
	sb.api.submit(inv)

	var out apiResult
	var fail *initError
	select {
	case out = <-inv.done:
	case <-sb.exited:
		select {
		case out = <-inv.done:
		default:
			fail = sb.exitFailure()
		}
	case <-timedOut:
		select {
		case out = <-inv.done:
		default:
			fail = &initError{errorType: "Sandbox.Timedout", message: timeoutMessage(timeout), status: "timeout"}
		}
	}
	timer.Stop()
	// Duration is the runtime's time, from handing over the event to its
	// answer; when there is no answer, from the submit.
	dur := time.Since(start)
	var wait time.Duration // for the runtime's /next, after submit
	if d := inv.delivered.Load(); d != 0 && !out.answered.IsZero() {
		dur = out.answered.Sub(time.Unix(0, d))
		wait = max(0, time.Unix(0, inv.nextSince.Load()).Sub(start))
	}

	res := &InvokeResult{ExecutedVersion: fn.Version, Cold: cold, InitDuration: initDur, Duration: dur, Overhead: -wait}
	discard := false
	var lines []string
	var status, errType string
	switch {
	case fail != nil:
		discard = true
		sb.api.abandon()
		sb.kill()
		if fail.status == "timeout" {
			lines = append(lines, logTimestamp(clk.Now())+" "+req.RequestID+" "+fail.message+"\n")
		} else {
			<-sb.exited // the exit status is final now
			fail = sb.exitFailure()
			lines = append(lines, "RequestId: "+req.RequestID+" Error: "+fail.message+"\n"+fail.errorType+"\n")
		}
		res.Payload = platformError(fail.errorType, "RequestId: "+req.RequestID+" Error: "+fail.message)
		res.FunctionError = "Unhandled"
		status, errType = fail.status, fail.errorType
	case out.isError:
		res.Payload = out.payload
		res.FunctionError = "Unhandled"
		// aws-lambda-go exits after a refused oversized response; start
		// the next invoke fresh rather than race that exit.
		// A go1.x binary that panicked is done, as on AWS.
		discard = out.tooLarge || sb.rpcExit.Load()
	default:
		res.Payload = out.payload
	}
	res.MaxMemoryUsedMB = sb.maxMemoryMB()
	lines = append(lines, endLine(req.RequestID),
		reportLine(req.RequestID, dur, initDur, cold, fn.MemoryMB, res.MaxMemoryUsedMB, status, errType))
	res.LogTail = sb.logs.emit(&logCtrl{lines: lines}, req.Tail)
	return res, discard
}

// failInit reports a failed init to the invoke that triggered it, in the
// sandbox's log and as the invoke's result.
func (sb *sandbox) failInit(req *InvokeRequest, f *initError, initDur time.Duration) *InvokeResult {
	fn := sb.fn
	sb.kill()
	if f.status == "" {
		f.status = "error"
	}
	var lines []string
	if f.payload == nil && f.status == "error" {
		lines = append(lines, "RequestId: "+req.RequestID+" Error: "+f.message+"\n"+f.errorType+"\n")
	}
	lines = append(lines,
		fmt.Sprintf("INIT_REPORT Init Duration: %.2f ms\tPhase: init\tStatus: %s\tError Type: %s\n", ms(initDur), f.status, f.errorType),
		startLine(req.RequestID, fn.Version),
	)
	if f.status == "timeout" {
		lines = append(lines, logTimestamp(sb.m.clock.Now())+" "+req.RequestID+" "+f.message+"\n")
	}
	lines = append(lines, endLine(req.RequestID),
		reportLine(req.RequestID, 0, initDur, true, fn.MemoryMB, sb.maxMemoryMB(), f.status, f.errorType))
	res := &InvokeResult{
		ExecutedVersion: fn.Version,
		FunctionError:   "Unhandled",
		Cold:            true,
		InitDuration:    initDur,
		Payload:         f.payload,
	}
	if res.Payload == nil {
		res.Payload = platformError(f.errorType, "RequestId: "+req.RequestID+" Error: "+f.message)
	}
	res.MaxMemoryUsedMB = sb.maxMemoryMB()
	// The tail began when the sandbox started (Manager.Invoke), so it
	// holds the init's output too.
	res.LogTail = sb.logs.emit(&logCtrl{lines: lines}, req.Tail)
	return res
}

// platformError is the payload of an error raised by the platform rather
// than the function ({"errorType":"Runtime.ExitError","errorMessage":...}).
func platformError(errorType, message string) []byte {
	b, _ := json.Marshal(struct {
		ErrorType    string `json:"errorType"`
		ErrorMessage string `json:"errorMessage"`
	}{errorType, message})
	return b
}

// maxMemoryMB is REPORT's Max Memory Used.
func (sb *sandbox) maxMemoryMB() int {
	b := sb.cg.peakBytes()
	if b == 0 && sb.pid > 0 {
		b = procPeakRSS(sb.pid)
	}
	return int((b + 1<<20 - 1) >> 20)
}

// kill SIGKILLs the sandbox's process group and cgroup.
func (sb *sandbox) kill() {
	killGroup(sb.pid)
	sb.cg.kill()
}

// stop kills the sandbox and releases everything it holds; it is
// idempotent and returns when done.
func (sb *sandbox) stop() {
	sb.stopOnce.Do(func() {
		defer close(sb.stopped)
		sb.kill()
		select {
		case <-sb.exited:
		case <-time.After(10 * time.Second):
			sb.m.log.Warn("lambda sandbox process did not exit after SIGKILL", "pid", sb.pid)
		}
		sb.api.close()
		sb.logs.close(2 * time.Second)
		sb.cg.destroy()
		sb.removeTmp()
		sb.m.forget(sb)
	})
	<-sb.stopped
}

// removeTmp deletes the sandbox's /tmp (directory and image).
func (sb *sandbox) removeTmp() {
	if sb.tmpDir != "" {
		_ = os.RemoveAll(sb.tmpDir)
	}
	if sb.tmpImg != "" {
		_ = os.Remove(sb.tmpImg)
	}
}

// logStreamName is AWS's stream name: 2024/01/31/[$LATEST]<32 hex>.
func logStreamName(t time.Time, version, id string) string {
	return t.UTC().Format("2006/01/02") + "/[" + version + "]" + id
}

// launchFor decides how fn's runtime starts.
func (m *Manager) launchFor(fn *Function, taskDir, optDir string) (*launch, error) {
	taskRoot, optRoot := m.sandboxRoots(taskDir, optDir)
	if b, ok := bootstraps.Lookup(fn.Runtime); ok {
		interp, err := m.interpreter(b.Family)
		if err != nil {
			return nil, err
		}
		rtDir, err := m.installRuntime(b, interp)
		if err != nil {
			return nil, err
		}
		rtRoot := rtDir
		if m.iso.mountNS {
			rtRoot = nsRuntimeDir
		}
		m.noteInterpreter(fn.Runtime, b.Family, b.LanguageVersion)
		return &launch{
			path:       interp,
			args:       b.Args(rtRoot),
			env:        b.Env(bootstraps.Paths{TaskRoot: taskRoot, RuntimeDir: rtRoot, OptDir: optRoot}),
			family:     b.Family,
			runtimeDir: rtDir,
		}, nil
	}
	rtDir, err := m.emptyRuntimeDir()
	if err != nil {
		return nil, err
	}
	rtRoot := rtDir
	if m.iso.mountNS {
		rtRoot = nsRuntimeDir
	}
	l := &launch{runtimeDir: rtDir, env: []string{"LAMBDA_RUNTIME_DIR=" + rtRoot}}
	switch {
	case fn.Runtime == "go1.x":
		// The handler binary itself, with both _LAMBDA_SERVER_PORT (old
		// aws-lambda-go speaks only net/rpc; current aws-lambda-go prefers
		// it when set) and AWS_LAMBDA_RUNTIME_API (lambda.norpc builds):
		// rpcShim bridges the RPC to this sandbox's Runtime API.
		l.env = append(l.env, "AWS_EXECUTION_ENV=AWS_Lambda_go1.x")
		l.rpc = true
		name := filepath.Clean("/" + fn.Handler)[1:]
		if name == "" || !isFile(filepath.Join(taskDir, name)) {
			l.entrypointErr = "fork/exec " + filepath.Join(taskRoot, fn.Handler) + ": no such file or directory"
			return l, nil
		}
		l.path = filepath.Join(taskRoot, name)
	case strings.HasPrefix(fn.Runtime, "provided"):
		switch {
		case isFile(filepath.Join(taskDir, "bootstrap")):
			l.path = filepath.Join(taskRoot, "bootstrap")
		case optDir != "" && isFile(filepath.Join(optDir, "bootstrap")):
			l.path = filepath.Join(optRoot, "bootstrap")
		default:
			l.entrypointErr = "Couldn't find valid bootstrap(s): [" + filepath.Join(taskRoot, "bootstrap") + " " + filepath.Join(optRoot, "bootstrap") + "]"
		}
	default:
		return nil, fmt.Errorf("runtime: unsupported runtime %q", fn.Runtime)
	}
	return l, nil
}

// sandboxRoots are LAMBDA_TASK_ROOT and the layers' directory as the
// sandbox sees them: AWS's /var/task and /opt in a mount namespace, else
// the host paths (with "/opt" when there are no layers: AWS's value in
// PATH and the rest, naming nothing of the function's).
func (m *Manager) sandboxRoots(taskDir, optDir string) (taskRoot, optRoot string) {
	taskRoot, optRoot = taskDir, optDir
	if m.iso.mountNS {
		taskRoot = nsTaskRoot
	}
	if m.iso.optNS || optRoot == "" {
		optRoot = nsOptDir
	}
	return taskRoot, optRoot
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// reservedEnv are the variables AWS sets and a function cannot override.
var reservedEnv = map[string]bool{
	"_HANDLER": true, "_X_AMZN_TRACE_ID": true, "AWS_DEFAULT_REGION": true, "AWS_REGION": true,
	"AWS_EXECUTION_ENV": true, "AWS_LAMBDA_FUNCTION_NAME": true, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": true,
	"AWS_LAMBDA_FUNCTION_VERSION": true, "AWS_LAMBDA_INITIALIZATION_TYPE": true,
	"AWS_LAMBDA_LOG_GROUP_NAME": true, "AWS_LAMBDA_LOG_STREAM_NAME": true, "AWS_ACCESS_KEY": true,
	"AWS_ACCESS_KEY_ID": true, "AWS_SECRET_ACCESS_KEY": true, "AWS_SESSION_TOKEN": true,
	"AWS_LAMBDA_RUNTIME_API": true, "LAMBDA_TASK_ROOT": true, "LAMBDA_RUNTIME_DIR": true,
	"_LAMBDA_SERVER_PORT": true,
}

// environ builds the sandbox's environment as AWS does: defaults a
// function may override, the runtime's own variables, the function's
// Environment, then the reserved variables.
func (m *Manager) environ(ctx context.Context, fn *Function, sb *sandbox, l *launch, taskDir, optDir string) ([]string, error) {
	taskRoot, optRoot := m.sandboxRoots(taskDir, optDir)
	rtRoot := l.runtimeDir
	if m.iso.mountNS {
		rtRoot = nsRuntimeDir
	}
	path := "/usr/local/bin:/usr/bin/:/bin:" + optRoot + "/bin"
	libs := "/lib64:/usr/lib64:" + rtRoot + ":" + rtRoot + "/lib:" + taskRoot + ":" + taskRoot + "/lib:" + optRoot + "/lib"
	if l.family != "" {
		path = filepath.Dir(l.path) + ":" + path
		// The interpreter's own lib dir first, as AWS's /var/lang/lib: a
		// pyenv python shown at /var/lang links libpython through an rpath
		// under /root the sandbox cannot read, and would otherwise load
		// the host's (another version's) libpython.
		libs = filepath.Join(filepath.Dir(filepath.Dir(l.path)), "lib") + ":" + libs
	}
	vars := map[string]string{
		"PATH":            path,
		"LD_LIBRARY_PATH": libs,
		"LANG":            "en_US.UTF-8",
		"TZ":              ":UTC",
		"TMPDIR":          "/tmp",
	}
	if !m.iso.mountNS {
		vars["TMPDIR"] = sb.tmpDir
	}
	if m.cfg.Endpoint != "" {
		vars["AWS_ENDPOINT_URL"] = m.cfg.Endpoint
	}
	for _, kv := range l.env {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	for k, v := range fn.Environment {
		if !reservedEnv[k] {
			vars[k] = v
		}
	}
	akid, secret, token, err := m.cfg.Credentials(ctx, fn)
	if err != nil {
		return nil, fmt.Errorf("runtime: credentials for %s: %w", fn.Name, err)
	}
	region := fn.Region
	if region == "" {
		region = "us-east-1"
	}
	group := fn.LogGroup
	if group == "" {
		group = "/aws/lambda/" + fn.Name
	}
	reserved := map[string]string{
		"_HANDLER":                        fn.Handler,
		"AWS_REGION":                      region,
		"AWS_DEFAULT_REGION":              region,
		"AWS_LAMBDA_FUNCTION_NAME":        fn.Name,
		"AWS_LAMBDA_FUNCTION_VERSION":     fn.Version,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": strconv.Itoa(fn.MemoryMB),
		"AWS_LAMBDA_INITIALIZATION_TYPE":  "on-demand",
		"AWS_LAMBDA_LOG_GROUP_NAME":       group,
		"AWS_LAMBDA_LOG_STREAM_NAME":      sb.stream,
		"AWS_ACCESS_KEY_ID":               akid,
		"AWS_SECRET_ACCESS_KEY":           secret,
		"AWS_LAMBDA_RUNTIME_API":          sb.api.addr(),
		"LAMBDA_TASK_ROOT":                taskRoot,
		"LAMBDA_RUNTIME_DIR":              rtRoot,
	}
	if token != "" {
		reserved["AWS_SESSION_TOKEN"] = token
	}
	if l.family != "" {
		reserved[bootstraps.TelemetryFDEnv] = "3"
	}
	for k, v := range reserved {
		vars[k] = v
	}
	env := make([]string, 0, len(vars))
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	return env, nil
}

// errStopped is returned by Invoke once Stop has begun.
var errStopped = errors.New("runtime: manager stopped")
