package runtime

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"hako/internal/clock"
	"hako/internal/runtime/bootstraps"
)

// Manager runs sandboxes: see the package doc for its contract.
type Manager struct {
	cfg    Config
	clock  clock.Clock
	log    *slog.Logger
	limits *limiter
	iso    isolation
	eph    *ephemeral
	code   *codeCache

	workDir     string
	ownsWorkDir bool
	tmpRoot     string // sandboxes' private /tmp directories
	rtRoot      string // runtime clients (LAMBDA_RUNTIME_DIR)
	layersRoot  string // merged layers (/opt)

	wg          sync.WaitGroup // every goroutine the Manager starts
	spawnMu     sync.Mutex
	spawnClosed bool // Stop is waiting for wg: no new goroutines

	mu                 sync.Mutex
	started, stopped   bool
	pools              map[poolKey]*pool
	all                map[*sandbox]struct{}
	fns                map[string]*fnState
	reservedSum        int
	unreservedInFlight int
	reaper             clock.Timer

	dirMu         sync.Mutex // runtime and layer directories
	rtDirs        map[string]string
	interps       map[string]string
	interpVersion map[string]string
	interpPrefix  map[string]string
	uids          map[string]int // function ARN → sandbox uid

	warned sync.Map
}

// New validates cfg, fills its defaults, detects what isolation and
// limits this host offers (logged once) and prepares the work directory.
func New(cfg Config) (*Manager, error) {
	if cfg.Logs == nil {
		return nil, errors.New("runtime: Config.Logs is required")
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = 15 * time.Minute
	}
	if cfg.AccountConcurrency <= 0 {
		cfg.AccountConcurrency = 1000
	}
	if cfg.Credentials == nil {
		cfg.Credentials = defaultCredentials
	}
	m := &Manager{
		cfg:           cfg,
		clock:         cfg.Clock,
		log:           cfg.Log,
		pools:         map[poolKey]*pool{},
		all:           map[*sandbox]struct{}{},
		fns:           map[string]*fnState{},
		rtDirs:        map[string]string{},
		interps:       map[string]string{},
		interpVersion: map[string]string{},
		interpPrefix:  map[string]string{},
		uids:          map[string]int{},
	}
	m.workDir = cfg.WorkDir
	if m.workDir == "" {
		d, err := os.MkdirTemp("", "hako-runtime-")
		if err != nil {
			return nil, err
		}
		m.workDir, m.ownsWorkDir = d, true
	}
	abs, err := filepath.Abs(m.workDir)
	if err != nil {
		return nil, err
	}
	m.workDir = abs
	// 0711: a sandbox user may reach its own code by path (hosts without
	// a mount namespace) but list nothing.
	if err := os.MkdirAll(m.workDir, 0o711); err != nil {
		return nil, err
	}
	if err := os.Chmod(m.workDir, 0o711); err != nil {
		return nil, err
	}
	if m.code, err = newCodeCache(filepath.Join(m.workDir, "code"), DefaultZipLimits); err != nil {
		return nil, err
	}
	m.tmpRoot = filepath.Join(m.workDir, "tmp")
	m.rtRoot = filepath.Join(m.workDir, "runtime")
	m.layersRoot = filepath.Join(m.workDir, "layers")
	for _, d := range []string{m.tmpRoot, m.rtRoot, m.layersRoot} {
		if err := os.MkdirAll(d, 0o711); err != nil {
			return nil, err
		}
		if err := os.Chmod(d, 0o711); err != nil {
			return nil, err
		}
	}
	// Private /tmp directories of a previous run that crashed.
	if ents, err := os.ReadDir(m.tmpRoot); err == nil {
		for _, e := range ents {
			_ = os.RemoveAll(filepath.Join(m.tmpRoot, e.Name()))
		}
	}
	m.limits = detectLimits()
	m.iso = detectIsolation()
	m.eph = detectEphemeral(m.iso, m.workDir)
	m.log.Info("lambda sandboxes",
		"memory_limits", m.limits.mode.String(),
		"limits_detail", m.limits.why,
		"isolation", m.iso.String(),
		"tmp", m.eph.why,
		"work_dir", m.workDir)
	return m, nil
}

func defaultCredentials(_ context.Context, fn *Function) (string, string, string, error) {
	// On loopback hako accepts any key, and a 12-digit key id selects the
	// account: the function's SDK calls land in its own account.
	id := fn.Account
	if len(id) != 12 {
		id = "000000000000"
	}
	return id, "hako-lambda-secret", "", nil
}

// Start starts the idle reaper.
func (m *Manager) Start(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stopped {
		return errStopped
	}
	m.started = true
	m.armReaperLocked()
	return nil
}

// Stop kills every sandbox (in-flight invokes end with Runtime.ExitError),
// waits for every goroutine the Manager started, and removes what it
// created (its cgroups, the work directory when it chose it).
func (m *Manager) Stop() error {
	m.mu.Lock()
	if m.stopped {
		m.mu.Unlock()
		return nil
	}
	m.stopped = true
	if m.reaper != nil {
		m.reaper.Stop()
		m.reaper = nil
	}
	sbs := make([]*sandbox, 0, len(m.all))
	for sb := range m.all {
		sb.removed = true
		sbs = append(sbs, sb)
	}
	m.pools = map[poolKey]*pool{}
	m.mu.Unlock()

	var wg sync.WaitGroup
	for _, sb := range sbs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sb.stop()
		}()
	}
	wg.Wait()
	m.spawnMu.Lock()
	m.spawnClosed = true
	m.spawnMu.Unlock()
	m.wg.Wait()
	m.limits.close()
	if m.ownsWorkDir {
		removeReadOnlyTree(m.workDir)
	}
	return nil
}

// spawn runs f in a goroutine Stop waits for; once Stop waits, it refuses
// (and reports false).
func (m *Manager) spawn(f func()) bool { return m.spawnAll(f) }

// spawnAll starts all of fs or, once Stop waits, none.
func (m *Manager) spawnAll(fs ...func()) bool {
	m.spawnMu.Lock()
	defer m.spawnMu.Unlock()
	if m.spawnClosed {
		return false
	}
	m.wg.Add(len(fs))
	for _, f := range fs {
		go func() {
			defer m.wg.Done()
			f()
		}()
	}
	return true
}

// Invoke runs one invocation: a warm sandbox when one is idle, else a
// cold start (whose init counts against concurrency and whose failure is
// this invoke's result). Function errors, timeouts, crashes and init
// failures are results with FunctionError set; Go errors are throttling
// (*ThrottleError), a stopped Manager or hako's own failures (code that
// cannot be extracted, no interpreter). ctx bounds only the preparation
// of a cold start: once the runtime has the event, the invoke runs to
// completion or timeout, as on AWS.
func (m *Manager) Invoke(ctx context.Context, req *InvokeRequest) (*InvokeResult, error) {
	fn := req.Function
	if fn == nil {
		return nil, errors.New("runtime: InvokeRequest.Function is nil")
	}
	if req.RequestID == "" {
		r := *req
		r.RequestID = newRequestID()
		req = &r
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	start := time.Now()
	s, sb, err := m.acquire(fn)
	if err != nil {
		return nil, err
	}
	if sb != nil {
		res, discard := sb.invoke(req, false, 0)
		m.release(s, sb, discard)
		res.Overhead += time.Since(start) - res.Duration
		return res, nil
	}

	initStart := time.Now()
	sb, err = m.newSandbox(ctx, fn, req.Tail)
	if sb == nil {
		m.release(s, nil, false)
		return nil, err
	}
	if !m.register(sb) {
		m.release(s, nil, false)
		sb.stop()
		return nil, errStopped
	}
	var fail *initError
	if err != nil && !errors.As(err, &fail) {
		m.release(s, sb, true)
		return nil, err
	}
	if fail == nil {
		fail = sb.awaitInit()
	}
	initDur := time.Since(initStart)
	if fail != nil {
		res := sb.failInit(req, fail, initDur)
		m.release(s, sb, true)
		return res, nil
	}
	res, discard := sb.invoke(req, true, initDur)
	m.release(s, sb, discard)
	res.Overhead += time.Since(start) - initDur - res.Duration
	return res, nil
}

// Evict drains a function's sandboxes of one version ("$LATEST" or a
// number; "" for every version), all revisions: idle ones stop now, busy
// ones when their invoke ends. It does not wait.
func (m *Manager) Evict(functionARN, version string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	match := func(k poolKey) bool { return k.arn == functionARN && (version == "" || k.version == version) }
	for k, p := range m.pools {
		if match(k) {
			m.dropPoolLocked(k, p)
		}
	}
	for sb := range m.all {
		if match(sb.key) {
			sb.removed = true
		}
	}
}

// SetReservedConcurrency records a function's reserved concurrency (nil:
// none), so functions that are not being invoked still hold their share
// of the account limit. The Lambda service calls it for every function at
// start and on Put/DeleteFunctionConcurrency; Invoke also takes it from
// Function.ReservedConcurrency.
func (m *Manager) SetReservedConcurrency(functionARN string, n *int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.setReservedLocked(m.fnStateLocked(functionARN), n)
}

// Sandboxes lists the live sandboxes, oldest first.
func (m *Manager) Sandboxes() []SandboxInfo {
	m.mu.Lock()
	out := make([]SandboxInfo, 0, len(m.all))
	for sb := range m.all {
		out = append(out, SandboxInfo{
			FunctionARN: sb.fn.ARN,
			Version:     sb.fn.Version,
			RevisionID:  sb.fn.RevisionID,
			LogStream:   sb.stream,
			Busy:        sb.busy,
			Started:     sb.started,
			LastUsed:    sb.lastUsed,
			Invokes:     sb.invokes,
			PID:         sb.pid,
		})
	}
	m.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Started.Before(out[j].Started) })
	return out
}

// installRuntime installs a managed runtime's client once per content
// (shared by every sandbox of the family, so Python's bytecode cache in
// it is too) and fills that cache with the interpreter that will run it,
// since sandboxes cannot write there.
func (m *Manager) installRuntime(b bootstraps.Bootstrap, interp string) (string, error) {
	h := sha256.New()
	for _, f := range b.Files {
		h.Write([]byte(f.Name))
		h.Write([]byte{0})
		h.Write(f.Content)
	}
	d := filepath.Join(m.rtRoot, b.Family+"-"+hex.EncodeToString(h.Sum(nil))[:12])
	key := d + "\x00" + interp
	m.dirMu.Lock()
	defer m.dirMu.Unlock()
	if _, ok := m.rtDirs[key]; ok {
		return d, nil
	}
	if err := b.Install(d); err != nil {
		return "", fmt.Errorf("runtime: install %s client: %w", b.Family, err)
	}
	if args := b.PrecompileArgs(d); args != nil {
		if out, err := exec.Command(interp, args...).CombinedOutput(); err != nil {
			m.log.Warn("lambda runtime client not precompiled; cold starts compile it", "interpreter", interp, "err", err, "output", strings.TrimSpace(string(out)))
		}
	}
	m.rtDirs[key] = d
	return d, nil
}

// emptyRuntimeDir is LAMBDA_RUNTIME_DIR for custom runtimes.
func (m *Manager) emptyRuntimeDir() (string, error) {
	d := filepath.Join(m.rtRoot, "provided")
	if err := os.MkdirAll(d, 0o755); err != nil {
		return "", err
	}
	return d, nil
}

// layersDir extracts a function's layers, in order, into one directory
// (later layers overwrite earlier files, as in /opt on AWS). "" when there
// are none.
func (m *Manager) layersDir(layers []Code) (string, error) {
	if len(layers) == 0 {
		return "", nil
	}
	h := sha256.New()
	for _, l := range layers {
		h.Write([]byte(strings.ToLower(l.Sha256)))
	}
	key := hex.EncodeToString(h.Sum(nil))[:32]
	d := filepath.Join(m.layersRoot, key)
	m.dirMu.Lock()
	defer m.dirMu.Unlock()
	if isDir(d) {
		return d, nil
	}
	tmp := d + ".tmp-" + randomHex(4)
	if err := os.Mkdir(tmp, 0o755); err != nil {
		return "", err
	}
	for _, l := range layers {
		src, err := m.code.get(l)
		if err != nil {
			removeReadOnlyTree(tmp)
			return "", err
		}
		if err := copyTree(src, tmp); err != nil {
			removeReadOnlyTree(tmp)
			return "", err
		}
	}
	if err := os.Chmod(tmp, 0o555); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, d); err != nil {
		removeReadOnlyTree(tmp)
		return "", err
	}
	return d, nil
}

// copyTree copies src over dst (files replaced, symlinks recreated).
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if rel == "." {
			return nil
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
			return os.Chmod(target, 0o755)
		case d.Type()&os.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			_ = os.Remove(target)
			return os.Symlink(link, target)
		default:
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			fi, err := d.Info()
			if err != nil {
				return err
			}
			_ = os.Remove(target)
			return os.WriteFile(target, b, fi.Mode().Perm())
		}
	})
}

// interpreter resolves the command for a runtime family (python,
// nodejs) to the real interpreter binary, asking the interpreter itself
// (a pyenv or nvm shim is a script that would add its own start-up to
// every cold start), and logs once which interpreter and version serve
// the family.
func (m *Manager) interpreter(family string) (string, error) {
	m.dirMu.Lock()
	defer m.dirMu.Unlock()
	if p, ok := m.interps[family]; ok {
		return p, nil
	}
	cmd := m.cfg.Interpreters[family]
	if cmd == "" {
		cmd = map[string]string{"python": "python3", "nodejs": "node"}[family]
	}
	if cmd == "" {
		return "", fmt.Errorf("runtime: no interpreter for %q", family)
	}
	p, err := exec.LookPath(cmd)
	if err != nil {
		return "", fmt.Errorf("runtime: %s interpreter %q: %w", family, cmd, err)
	}
	if p, err = filepath.Abs(p); err != nil {
		return "", err
	}
	var probe []string
	switch family {
	case "python":
		probe = []string{"-c", "import sys, platform; print(sys.executable); print(platform.python_version()); print(sys.base_prefix)"}
	case "nodejs":
		probe = []string{"-e", "const p = require('path'); console.log(process.execPath); console.log(process.versions.node); console.log(p.dirname(p.dirname(process.execPath)))"}
	}
	version, prefix := "unknown", ""
	if out, err := exec.Command(p, probe...).Output(); err == nil {
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if len(lines) == 3 && filepath.IsAbs(lines[0]) && isFile(lines[0]) {
			p, version = lines[0], lines[1]
			// The installation prefix, when the interpreter lives in it:
			// what a mount namespace can show at /var/lang.
			if rel, err := filepath.Rel(lines[2], p); err == nil && filepath.IsAbs(lines[2]) && lines[2] != "/" && !strings.HasPrefix(rel, "..") {
				prefix = lines[2]
			}
		}
	}
	m.interps[family] = p
	m.interpVersion[family] = version
	m.interpPrefix[family] = prefix
	m.log.Info("lambda runtime interpreter", "family", family, "command", cmd, "interpreter", p, "version", version, "prefix", prefix)
	return p, nil
}

// interpreterPrefix is the installation prefix of a family's interpreter
// ("" when unknown).
func (m *Manager) interpreterPrefix(family string) string {
	m.dirMu.Lock()
	defer m.dirMu.Unlock()
	return m.interpPrefix[family]
}

// noteInterpreter logs, once per runtime id, when the host's interpreter
// is not the version the runtime asks for (the function still runs).
func (m *Manager) noteInterpreter(runtime, family, want string) {
	if _, loaded := m.warned.LoadOrStore("interp:"+runtime, true); loaded {
		return
	}
	m.dirMu.Lock()
	have, path := m.interpVersion[family], m.interps[family]
	m.dirMu.Unlock()
	if want != "" && have != want && !strings.HasPrefix(have, want+".") {
		m.log.Info("lambda runtime served by a different interpreter version", "runtime", runtime, "interpreter", path, "version", have)
	}
}

// sandboxUser is the uid/gid fn's sandboxes run as: one per function
// when hako is root (see isolate_linux.go), -1 (hako's own) otherwise.
func (m *Manager) sandboxUser(arn string) (int, int) {
	if m.iso.uid < 0 {
		return -1, -1
	}
	m.dirMu.Lock()
	defer m.dirMu.Unlock()
	id, ok := m.uids[arn]
	if !ok {
		id = m.iso.uid + len(m.uids)
		m.uids[arn] = id
	}
	return id, id
}

// warnOnce logs a warning the first time key is seen.
func (m *Manager) warnOnce(key, msg string, args ...any) {
	if _, loaded := m.warned.LoadOrStore(key, true); !loaded {
		m.log.Warn(msg, args...)
	}
}

// newRequestID returns a random UUID v4, the form of Lambda request ids.
func newRequestID() string {
	b := []byte(randomHex(16))
	b[12] = '4'
	b[16] = "89ab"[b[16]%4]
	return string(b[0:8]) + "-" + string(b[8:12]) + "-" + string(b[12:16]) + "-" + string(b[16:20]) + "-" + string(b[20:32])
}

// Interface guard: the Manager's API as runtime.go documents it.
var _ interface {
	Start(context.Context) error
	Stop() error
	Invoke(context.Context, *InvokeRequest) (*InvokeResult, error)
	Evict(string, string)
	Sandboxes() []SandboxInfo
} = (*Manager)(nil)
