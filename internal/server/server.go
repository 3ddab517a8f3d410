// Package server assembles hako: it opens the engine, builds the services
// and the edge, listens, and shuts everything down in reverse order.
//
// Lifecycle (as Caddy's runner): open engine → build services → listen →
// start services in order (stopping the started ones if one fails) → serve
// → on cancel: stop accepting, drain requests within ShutdownTimeout, stop
// services in reverse order, close the engine. A failure at any step leaves
// nothing running.
package server

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"hako/internal/clock"
	"hako/internal/credentials"
	"hako/internal/edge"
	"hako/internal/engine"
	"hako/internal/eventbus"
	"hako/internal/runtime"
	"hako/internal/service"
	"hako/internal/service/events"
	"hako/internal/service/iam"
	"hako/internal/service/lambda"
	"hako/internal/service/logs"
	"hako/internal/service/s3"
	"hako/internal/service/scheduler"
	"hako/internal/service/sts"
)

// Version is hako's version, reported by /_hako/health.
var Version = "0.1.0-dev"

// Config is the server's configuration. Every field has a default.
type Config struct {
	// Addr is the listen address. Default: 127.0.0.1:4566 (HAKO_ADDR).
	Addr string
	// DataDir keeps all state across restarts. Default: $HAKO_DATA_DIR, else
	// $XDG_DATA_HOME/hako, else ~/.local/share/hako.
	DataDir string
	// Ephemeral keeps all state in memory; nothing is written to disk.
	Ephemeral bool
	// Region is the default region. Default: us-east-1.
	Region string
	// Account is the default account. Default: 000000000000.
	Account string
	// Clock is the clock spec: "real" or "fixed:RFC3339[,speed=N]".
	Clock string
	// Credentials are configured keys, "ID:SECRET[:ACCOUNT],..."; they are
	// always verified. On a non-loopback address only these (and keys STS
	// issues) are accepted.
	Credentials string
	// ShutdownTimeout bounds the drain of in-flight requests. Default: 5s.
	ShutdownTimeout time.Duration
	// SandboxIdleTimeout is how long an idle Lambda sandbox stays warm
	// before it is stopped (AWS keeps idle environments for minutes, not
	// a documented time), measured on Clock. Default: 15m.
	SandboxIdleTimeout time.Duration
	// Log receives the server's logs. Default: text to stderr.
	Log *slog.Logger
	// Banner receives the start banner. Default: stderr.
	Banner io.Writer
}

// DefaultSandboxIdleTimeout is how long an idle sandbox stays warm when
// not configured.
const DefaultSandboxIdleTimeout = 15 * time.Minute

// DefaultDataDir returns the data directory a newcomer does not have to
// think about.
func DefaultDataDir() string {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "hako")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "share", "hako")
	}
	return ".hako"
}

func (c *Config) defaults() {
	if c.Addr == "" {
		c.Addr = "127.0.0.1:4566"
	}
	if c.DataDir == "" {
		c.DataDir = DefaultDataDir()
	}
	if c.Region == "" {
		c.Region = "us-east-1"
	}
	if c.Account == "" {
		c.Account = "000000000000"
	}
	if c.ShutdownTimeout == 0 {
		c.ShutdownTimeout = 5 * time.Second
	}
	if c.SandboxIdleTimeout <= 0 {
		c.SandboxIdleTimeout = DefaultSandboxIdleTimeout
	}
	if c.Log == nil {
		c.Log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	if c.Banner == nil {
		c.Banner = os.Stderr
	}
}

// Server is a running hako.
type Server struct {
	cfg      Config
	eng      engine.Engine
	services []service.Service
	started  []service.Service
	edge     *edge.Edge
	http     *http.Server
	ln       net.Listener
	creds    *credentials.Store
	runtime  *runtime.Manager
	bus      *eventbus.Bus
}

// Run starts hako and blocks until ctx is cancelled, then shuts down.
func Run(ctx context.Context, cfg Config) error {
	s, err := Start(ctx, cfg)
	if err != nil {
		return err
	}
	<-ctx.Done()
	return s.Shutdown()
}

// Start brings the server up and returns once it serves.
func Start(ctx context.Context, cfg Config) (_ *Server, err error) {
	cfg.defaults()
	s := &Server{cfg: cfg}
	clk, err := clock.Parse(cfg.Clock)
	if err != nil {
		return nil, err
	}
	static, err := credentials.ParseStatic(cfg.Credentials, cfg.Account)
	if err != nil {
		return nil, err
	}
	if cfg.Ephemeral {
		s.eng = engine.NewMemory()
	} else {
		if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
			return nil, fmt.Errorf("data dir: %w", err)
		}
		s.eng, err = engine.Open(cfg.DataDir, engine.Options{})
		if err != nil {
			return nil, fmt.Errorf("open data dir %s: %w", cfg.DataDir, err)
		}
	}
	defer func() {
		if err != nil {
			s.stopServices()
			if s.runtime != nil {
				s.runtime.Stop()
			}
			s.eng.Close()
		}
	}()
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("--addr %q: %w", cfg.Addr, err)
	}
	// Listen before building services: sandboxes need hako's real address
	// (AWS_ENDPOINT_URL) and Lambda's code URLs name it.
	s.ln, err = net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			s.ln.Close()
		}
	}()
	s.creds = credentials.New(s.eng, clk, static)
	s.bus = eventbus.New(eventbus.Config{Engine: s.eng, Clock: clk, Log: cfg.Log.With("component", "eventbus")})
	env := service.Env{
		Engine: s.eng, Clock: clk, Region: cfg.Region, Account: cfg.Account, Credentials: s.creds, Bus: s.bus,
	}
	// Ephemeral: no work dir given, so the manager makes a temporary one
	// and removes it when it stops.
	rc := runtime.Config{
		Clock: clk, Log: cfg.Log.With("component", "runtime"), Endpoint: "http://" + connectAddr(s.ln.Addr()),
		IdleTimeout: cfg.SandboxIdleTimeout,
	}
	if !cfg.Ephemeral {
		rc.WorkDir = filepath.Join(cfg.DataDir, "sandboxes")
		rc.PrivateDirs = []string{cfg.DataDir}
	}
	s.services, s.runtime, err = newServices(env, cfg.Log, rc.Endpoint, func(sink runtime.LogSink) (*runtime.Manager, error) {
		rc.Logs = sink
		return runtime.New(rc)
	})
	if err != nil {
		return nil, err
	}
	if err = s.runtime.Start(ctx); err != nil {
		return nil, err
	}
	s.edge, err = edge.New(edge.Config{
		Region: cfg.Region, Account: cfg.Account, Loopback: isLoopbackHost(host), Clock: clk,
		Credentials: s.creds, Services: s.services, Log: cfg.Log, Reset: s.reset, Version: Version,
		Mounts: withClock(mounts(s.services, s.runtime, cfg.Account, cfg.Region), clk),
	})
	if err != nil {
		return nil, err
	}
	for _, svc := range s.services {
		if st, ok := svc.(service.Starter); ok {
			if err = st.Start(ctx); err != nil {
				return nil, fmt.Errorf("start %s: %w", svc.Name(), err)
			}
		}
		s.started = append(s.started, svc)
	}
	// Queued work (also what a crash interrupted) runs once every service
	// that handles it has started.
	if err = s.bus.Start(ctx); err != nil {
		return nil, err
	}
	s.http = &http.Server{
		Handler:           s.edge,
		ReadHeaderTimeout: 30 * time.Second,
		// No WriteTimeout: Lambda invokes may run up to 15 minutes.
		IdleTimeout: 120 * time.Second,
		ErrorLog:    slog.NewLogLogger(cfg.Log.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := s.http.Serve(s.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			cfg.Log.Error("serve", "err", err)
		}
	}()
	s.edge.SetReady()
	s.banner()
	return s, nil
}

// Addr is the address the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

func (s *Server) banner() {
	where := s.cfg.DataDir
	if s.cfg.Ephemeral {
		where = "memory only (--ephemeral): nothing is kept after exit"
	}
	url := "http://" + s.Addr()
	fmt.Fprintf(s.cfg.Banner, "hako %s listening on %s (region %s, account %s)\n  data: %s\n  try:  aws --endpoint-url %s sts get-caller-identity\n",
		Version, url, s.cfg.Region, s.cfg.Account, where, url)
}

// Shutdown stops the server: drains requests, stops services, closes the
// engine.
func (s *Server) Shutdown() error {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	herr := s.http.Shutdown(ctx)
	if herr != nil {
		s.http.Close()
	}
	// Queued work stops first; a handler waiting on a sandbox returns when
	// the runtime stops it, and its message runs again after restart.
	s.bus.Cancel()
	rerr := s.runtime.Stop()
	s.stopServices()
	eerr := s.eng.Close()
	return errors.Join(herr, rerr, eerr)
}

func (s *Server) stopServices() {
	// First stop taking queued work; what is running ends (or runs again
	// after restart), then the services it calls stop.
	if s.bus != nil {
		s.bus.Stop()
	}
	for i := len(s.started) - 1; i >= 0; i-- {
		if st, ok := s.started[i].(service.Stopper); ok {
			if err := st.Stop(); err != nil {
				s.cfg.Log.Error("stop", "service", s.started[i].Name(), "err", err)
			}
		}
	}
	s.started = nil
}

// reset empties all state: the engine, cached credentials and services'
// caches.
func (s *Server) reset(ctx context.Context) error {
	if err := s.eng.Reset(ctx); err != nil {
		return err
	}
	s.creds.Reset()
	for _, svc := range s.services {
		if r, ok := svc.(service.Resetter); ok {
			r.Reset()
		}
	}
	return nil
}

// Coverage returns the coverage report without serving (for docs).
func Coverage() ([]edge.Coverage, error) {
	env := service.Env{Engine: engine.NewMemory(), Clock: clock.Real{}, Region: "us-east-1", Account: "000000000000", Log: slog.New(slog.DiscardHandler)}
	env.Credentials = credentials.New(env.Engine, env.Clock, nil)
	// The report lists handlers; it runs no function, so no sandbox manager.
	services, _, err := newServices(env, env.Log, "http://127.0.0.1:4566", nil)
	if err != nil {
		return nil, err
	}
	e, err := edge.New(edge.Config{Clock: env.Clock, Credentials: env.Credentials, Services: services})
	if err != nil {
		return nil, err
	}
	return e.CoverageReport(), nil
}

// newServices builds every implemented service, each with its own logger.
// newManager builds the sandbox manager Lambda runs functions with, given
// the log sink (CloudWatch Logs); nil builds none (Lambda then has no
// invoker, for the coverage report). This is the one place a new service
// is wired in.
func newServices(env service.Env, log *slog.Logger, endpoint string, newManager func(runtime.LogSink) (*runtime.Manager, error)) ([]service.Service, *runtime.Manager, error) {
	named := func(n string) service.Env { e := env; e.Log = log.With("service", n); return e }
	logsSvc := logs.New(named("logs"))
	var mgr *runtime.Manager
	var invoker lambda.Invoker // stays a nil interface without a manager
	if newManager != nil {
		var err error
		if mgr, err = newManager(logSink{logsSvc}); err != nil {
			return nil, nil, err
		}
		invoker = mgr
	}
	roles := iam.New(named("iam"))
	// Lambda reads code from S3 and S3 asks Lambda about a target's
	// policy: S3 is bound late, through objectSource.
	var objects *s3.Service
	functions := lambda.New(named("lambda"), invoker, lambda.WithEndpoint(func() string { return endpoint }),
		lambda.WithObjectSource(objectSource(func(ctx context.Context, bucket, key, version string) (io.ReadCloser, error) {
			return objects.OpenObject(ctx, bucket, key, version)
		})))
	objects = s3.New(named("s3"), s3.WithFunctions(functions))
	eventsSvc := events.New(named("events"))
	eventsSvc.SetLambda(functions) // rules' targets need the functions' resource policies
	return []service.Service{
		logsSvc,
		sts.New(named("sts"), sts.WithRoles(roles)),
		roles,
		functions,
		objects,
		eventsSvc,
		scheduler.New(named("scheduler")),
	}, mgr, nil
}

// ClockPath tells the server's time (GET) and moves an adjustable clock
// forward (POST ?advance=DURATION), so nobody waits for 01:00 JST; `hako
// clock` uses it.
const ClockPath = "/_hako/clock"

func withClock(m map[string]http.Handler, clk clock.Clock) map[string]http.Handler {
	m[ClockPath] = clockHandler(clk)
	return m
}

// clockHandler answers ClockPath (loopback clients only).
func clockHandler(clk clock.Clock) http.Handler {
	return loopbackOnly(func(w http.ResponseWriter, r *http.Request) {
		adv, adjustable := clk.(clock.Advancer)
		switch {
		case strings.TrimSuffix(r.URL.Path, "/") != ClockPath:
			edge.AdminError(w, http.StatusNotFound, "no such hako endpoint: "+r.URL.Path)
			return
		case r.Method == http.MethodPost:
			d, err := time.ParseDuration(r.URL.Query().Get("advance"))
			switch {
			case err != nil || d <= 0:
				edge.AdminError(w, http.StatusBadRequest, "advance must be a positive duration such as 5m or 24h")
				return
			case !adjustable:
				edge.AdminError(w, http.StatusConflict, "this server runs on the wall clock, which cannot be moved: start it with --clock fixed:2026-01-01T00:00:00Z[,speed=N]")
				return
			}
			adv.Advance(d)
		case r.Method != http.MethodGet && r.Method != http.MethodHead:
			edge.AdminError(w, http.StatusMethodNotAllowed, "use GET "+ClockPath+" or POST "+ClockPath+"?advance=5m")
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"now": clk.Now().UTC().Format(time.RFC3339Nano), "adjustable": adjustable})
	})
}

// objectSource adapts a function to lambda.ObjectSource.
type objectSource func(ctx context.Context, bucket, key, version string) (io.ReadCloser, error)

func (f objectSource) OpenObject(ctx context.Context, bucket, key, version string) (io.ReadCloser, error) {
	return f(ctx, bucket, key, version)
}

// SandboxesPath serves the live sandboxes as JSON (read-only; for
// `hako functions`).
const SandboxesPath = "/_hako/sandboxes"

// FailedEventsPath lists asynchronous invocations that failed with
// nowhere to go (GET), and replays one (POST FailedEventsPath/ID/replay);
// `hako events` uses it. ?account= and ?region= default to the server's.
const FailedEventsPath = "/_hako/lambda/failed-events"

// SchedulesPath lists EventBridge scheduled rules and Scheduler schedules
// with their armed next fire time (GET; for `hako schedules`). ?account=
// and ?region= default to the server's.
const SchedulesPath = "/_hako/schedules"

// mounts collects services' own endpoints under /_hako/.
func mounts(services []service.Service, mgr *runtime.Manager, account, region string) map[string]http.Handler {
	m := map[string]http.Handler{}
	var ev *events.Service
	var sch *scheduler.Service
	for _, s := range services {
		switch s := s.(type) {
		case *lambda.Service:
			m[lambda.CodePath] = s.CodeHandler()
			m[FailedEventsPath] = failedEventsHandler(s, account, region)
		case *events.Service:
			ev = s
		case *scheduler.Service:
			sch = s
		case *s3.Service:
			m[s3.WebsitePath] = s.WebsiteHandler()
		}
	}
	if ev != nil && sch != nil {
		m[SchedulesPath] = schedulesHandler(ev, sch, account, region)
	}
	if mgr != nil {
		m[SandboxesPath] = sandboxesHandler(mgr)
	}
	return m
}

// sandboxesHandler answers GET /_hako/sandboxes with mgr.Sandboxes().
func sandboxesHandler(mgr *runtime.Manager) http.Handler {
	return loopbackOnly(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.TrimSuffix(r.URL.Path, "/") != SandboxesPath:
			edge.AdminError(w, http.StatusNotFound, "no such hako endpoint: "+r.URL.Path)
		case r.Method != http.MethodGet && r.Method != http.MethodHead:
			edge.AdminError(w, http.StatusMethodNotAllowed, "use GET "+SandboxesPath)
		default:
			writeJSON(w, http.StatusOK, map[string]any{"sandboxes": mgr.Sandboxes()})
		}
	})
}

// failedEventsHandler lists and replays failed asynchronous events.
func failedEventsHandler(l *lambda.Service, account, region string) http.Handler {
	return loopbackOnly(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		acct, reg := cmp.Or(q.Get("account"), account), cmp.Or(q.Get("region"), region)
		rest := strings.Trim(strings.TrimPrefix(r.URL.Path, FailedEventsPath), "/")
		switch {
		case rest == "" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
			evs, err := l.FailedEvents(acct, reg)
			if err != nil {
				edge.AdminError(w, http.StatusInternalServerError, err.Error())
				return
			}
			writeJSON(w, http.StatusOK, map[string]any{"failedEvents": evs})
		case strings.HasSuffix(rest, "/replay") && r.Method == http.MethodPost:
			id := strings.TrimSuffix(rest, "/replay")
			newID, err := l.ReplayFailedEvent(r.Context(), acct, reg, id)
			switch {
			case errors.Is(err, lambda.ErrNoFailedEvent):
				edge.AdminError(w, http.StatusNotFound, "no failed event "+id+" in account "+acct+", region "+reg)
			case err != nil:
				edge.AdminError(w, http.StatusInternalServerError, err.Error())
			default:
				writeJSON(w, http.StatusOK, map[string]any{"replayed": id, "id": newID})
			}
		default:
			edge.AdminError(w, http.StatusNotFound, "use GET "+FailedEventsPath+" or POST "+FailedEventsPath+"/ID/replay")
		}
	})
}

// ScheduleEntry is one line of SchedulesPath's answer.
type ScheduleEntry struct {
	// Kind is "rule" (EventBridge) or "schedule" (Scheduler).
	Kind string `json:"kind"`
	Name string `json:"name"`
	// Group is the rule's bus or the schedule's group.
	Group      string `json:"group"`
	Arn        string `json:"arn"`
	Expression string `json:"expression"`
	// Timezone is the schedule's (rules are UTC).
	Timezone string `json:"timezone,omitempty"`
	State    string `json:"state"`
	// Next is the armed tick (UTC); absent when none is armed.
	Next *time.Time `json:"next,omitempty"`
}

// schedulesHandler answers GET SchedulesPath.
func schedulesHandler(ev *events.Service, sch *scheduler.Service, account, region string) http.Handler {
	return loopbackOnly(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			edge.AdminError(w, http.StatusMethodNotAllowed, "use GET "+SchedulesPath)
			return
		}
		q := r.URL.Query()
		acct, reg := cmp.Or(q.Get("account"), account), cmp.Or(q.Get("region"), region)
		rules, err := ev.ScheduledRules(acct, reg)
		if err != nil {
			edge.AdminError(w, http.StatusInternalServerError, err.Error())
			return
		}
		schedules, err := sch.Schedules(acct, reg)
		if err != nil {
			edge.AdminError(w, http.StatusInternalServerError, err.Error())
			return
		}
		next := func(t time.Time) *time.Time {
			if t.IsZero() {
				return nil
			}
			return &t
		}
		out := []ScheduleEntry{}
		for _, x := range rules {
			out = append(out, ScheduleEntry{Kind: "rule", Name: x.Name, Group: x.Bus, Arn: x.Arn, Expression: x.ScheduleExpression, State: x.State, Next: next(x.Next)})
		}
		for _, x := range schedules {
			out = append(out, ScheduleEntry{Kind: "schedule", Name: x.Name, Group: x.Group, Arn: x.Arn, Expression: x.ScheduleExpression, Timezone: x.Timezone, State: x.State, Next: next(x.Next)})
		}
		writeJSON(w, http.StatusOK, map[string]any{"schedules": out})
	})
}

// loopbackOnly guards hako's unauthenticated endpoints: loopback clients
// only.
func loopbackOnly(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !edge.IsLoopbackAddr(r.RemoteAddr) {
			edge.AdminError(w, http.StatusForbidden, r.URL.Path+" answers loopback clients only")
			return
		}
		h(w, r)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// logSink delivers sandbox output to CloudWatch Logs.
type logSink struct{ logs *logs.Service }

func (l logSink) Append(ctx context.Context, account, region, group, stream string, events []runtime.LogEvent) error {
	in := make([]logs.InputLogEvent, len(events))
	for i, e := range events {
		ts := e.Timestamp.UnixMilli()
		in[i] = logs.InputLogEvent{Timestamp: &ts, Message: e.Message}
	}
	return l.logs.Append(ctx, account, region, group, stream, in)
}

// connectAddr is the address clients (and sandboxes) reach the listener
// at: a wildcard listen address is reached through loopback.
func connectAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return a.String()
	}
	return net.JoinHostPort("127.0.0.1", fmt.Sprint(tcp.Port))
}

func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
