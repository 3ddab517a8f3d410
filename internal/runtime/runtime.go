// Package runtime runs Lambda functions as plain processes ("sandboxes")
// that speak the Lambda Runtime API (2018-06-01), the way AWS Lambda runs
// them in microVMs: one sandbox serves one invoke at a time, is reused warm
// while idle, and is discarded after a timeout, crash or memory kill.
//
// # Contract
//
//   - Invoke is the one entry point for every invocation (sync, async,
//     event sources): cold start, warm reuse, concurrency limits, timeouts
//     and logs behave the same whoever calls.
//   - A sandbox never receives a second invoke while one is in flight; the
//     runtime's GET /next is the only readiness signal.
//   - The reaper never kills a sandbox with an invoke in flight; idle
//     sandboxes expire after Config.IdleTimeout on the injected clock.
//   - Everything a sandbox prints goes to the LogSink under
//     /aws/lambda/NAME, one stream per sandbox, with AWS's START / END /
//     REPORT lines.
//   - A Function is immutable: an update produces a new Function (new
//     RevisionID), and sandboxes of the old revision are drained and
//     stopped (Evict; an invoke of a new revision also retires the idle
//     sandboxes of older ones).
//   - Deployment packages are validated before anything is written
//     (ValidateZip, also exported for CreateFunction) and extracted once
//     per SHA-256, read-only.
//   - What a host offers is detected at New and logged once: memory
//     limits through cgroup v2, v1 or none; a private mount namespace and
//     a user per function when hako is root (see isolate_linux.go); a /tmp
//     of EphemeralStorage MB outside the memory limit where loop devices
//     allow (ephemeral_linux.go).
//
// Failures are results, not errors: a handler error, a timeout
// (Sandbox.Timedout), a crash (Runtime.ExitError), a memory kill
// (Runtime.OutOfMemory) or a failed init (the runtime's own error type,
// Runtime.InvalidEntrypoint when nothing could start) is an InvokeResult
// with FunctionError "Unhandled" and AWS's payload, and every sandbox
// that failed that way is discarded: the next invoke starts a fresh one.
//
// Layout: manager.go (the Manager: New, Start, Stop, Invoke, Evict),
// sandbox.go (one process tree: launch, environment, init, invoke,
// teardown), runtimeapi.go (the Runtime API endpoints and the runtime's
// state machine), pool.go (warm reuse, concurrency, idle expiry),
// logs.go (stdout/telemetry capture, START / END / REPORT), limits*.go
// (cgroups v2 / v1 / none), isolate_linux.go (mount namespace, sandbox
// user; limits_other.go and proc_*.go elsewhere), code.go (zip validation
// and the extracted code cache), bootstraps/ (our runtime clients for
// python and node, embedded). What each host mode isolates is written in
// isolate_linux.go, how memory limits degrade in limits_linux.go.
package runtime

import (
	"context"
	"io"
	"log/slog"
	"time"

	"hako/internal/clock"
)

// Function is everything a sandbox needs to run one function version.
type Function struct {
	Account, Region string
	Name            string
	// Version is "$LATEST" or a published version number.
	Version string
	// ARN is the unqualified function ARN.
	ARN string
	// RevisionID changes with every code or configuration change; sandboxes
	// are keyed by it.
	RevisionID string
	// Runtime is the Lambda runtime id (python3.12, nodejs20.x,
	// provided.al2023, go1.x, ...).
	Runtime string
	Handler string
	// Code is the deployment package.
	Code Code
	// Layers are extracted under /opt semantics (AWS's order).
	Layers      []Code
	Environment map[string]string
	// MemoryMB is MemorySize (128-10240).
	MemoryMB int
	Timeout  time.Duration
	// EphemeralStorageMB is the size of /tmp (512-10240).
	EphemeralStorageMB int
	// ReservedConcurrency is the function's reserved concurrency; nil when
	// it draws from the account's unreserved pool.
	ReservedConcurrency *int
	// Role is the execution role ARN: the sandbox gets credentials for it.
	Role string
	// LogGroup defaults to /aws/lambda/NAME.
	LogGroup string
}

// Code is a zip archive identified by its SHA-256, extracted once into a
// read-only directory shared by the sandboxes that run it.
type Code struct {
	// Sha256 is the hex SHA-256 of the zip (also the cache key).
	Sha256 string
	// Open returns the zip's bytes.
	Open func() (io.ReaderAt, int64, error)
}

// InvokeRequest is one invocation.
type InvokeRequest struct {
	Function  *Function
	RequestID string
	Payload   []byte
	// InvokedARN is the ARN the caller used (qualified or not), passed to
	// the function as Lambda-Runtime-Invoked-Function-Arn.
	InvokedARN string
	// ClientContext is the base64 X-Amz-Client-Context (sync only).
	ClientContext string
	// CognitoIdentity is JSON, when the caller has one.
	CognitoIdentity string
	TraceID         string
	// Tail asks for the last 4 KB of the invoke's log.
	Tail bool
}

// InvokeResult is what came back.
type InvokeResult struct {
	// Payload is the function's response, or the error document
	// ({"errorMessage","errorType","requestId","stackTrace"}) when
	// FunctionError is set.
	Payload []byte
	// FunctionError is "Unhandled" for function errors ("" on success).
	FunctionError string
	// LogTail is the end of this invoke's log (at most 4096 bytes) when
	// requested.
	LogTail []byte
	// ExecutedVersion is the version that ran.
	ExecutedVersion string
	// Cold is true when this invoke started a sandbox; InitDuration is
	// then the init phase's duration.
	Cold         bool
	InitDuration time.Duration
	// Duration is the invoke phase's duration: from handing the event to
	// the runtime to its answer.
	Duration time.Duration
	// Overhead is hako's own time in this invoke outside the sandbox and
	// outside init (pool, Runtime API, logs): the figure the benchmarks
	// report as hako's share. Time spent waiting for a runtime that had
	// not yet come back to /next from its previous invoke is the
	// runtime's, not counted.
	Overhead time.Duration
	// MaxMemoryUsedMB as REPORT prints it.
	MaxMemoryUsedMB int
}

// LogSink receives sandbox logs (the CloudWatch Logs service implements it).
type LogSink interface {
	Append(ctx context.Context, account, region, group, stream string, events []LogEvent) error
}

// LogEvent is one log line (or one multi-line write) of a sandbox.
type LogEvent struct {
	Timestamp time.Time
	Message   string
}

// The Manager's API (implemented in manager.go):
//
//	func New(cfg Config) (*Manager, error)
//	func (m *Manager) Start(ctx context.Context) error   // reaper
//	func (m *Manager) Stop() error                       // stops every sandbox, waits
//	func (m *Manager) Invoke(ctx context.Context, req *InvokeRequest) (*InvokeResult, error)
//	func (m *Manager) Evict(functionARN string)          // drain + stop a function's sandboxes
//	func (m *Manager) Sandboxes() []SandboxInfo          // for `hako functions`
//	func (m *Manager) SetReservedConcurrency(functionARN string, n *int)
//
// SetReservedConcurrency tells the Manager about reservations of functions
// that are not being invoked (their share is withheld from the others);
// Invoke also takes Function.ReservedConcurrency.
//
// Invoke returns *ThrottleError when no concurrency is available (the
// Lambda service answers 429 TooManyRequestsException with its Reason);
// function errors, timeouts and crashes are not Go errors but results
// with FunctionError set, as AWS reports them.

// Config configures the Manager. Every field has a default.
type Config struct {
	// Clock drives timeouts and idle expiry. Default: clock.Real.
	Clock clock.Clock
	// Log receives lifecycle messages (cgroup mode, interpreter used).
	Log *slog.Logger
	// WorkDir holds extracted code (code/<sha256>/) and sandboxes' private
	// /tmp directories. Default: a directory under os.TempDir().
	WorkDir string
	// Endpoint is hako's own URL; sandboxes get it as AWS_ENDPOINT_URL so
	// SDKs inside functions reach hako unchanged.
	Endpoint string
	// Interpreters maps a runtime family ("python", "nodejs") to the
	// command that runs it. Default: python3 and node from PATH.
	Interpreters map[string]string
	// IdleTimeout is how long an idle sandbox is kept warm. Default: 15m.
	IdleTimeout time.Duration
	// AccountConcurrency is the account's concurrent executions limit.
	// Default: 1000.
	AccountConcurrency int
	// Credentials returns the credentials a sandbox of fn gets
	// (AWS_ACCESS_KEY_ID etc.). Default: fixed test keys.
	Credentials func(ctx context.Context, fn *Function) (accessKeyID, secretAccessKey, sessionToken string, err error)
	// Logs receives sandbox output. Required.
	Logs LogSink
	// PrivateDirs are directories sandboxes must not see (hako's data
	// directory): covered by an empty tmpfs in a sandbox's mount namespace
	// where the host has them; elsewhere keep them unreadable to the
	// sandbox user (0700). WorkDir is always treated so.
	PrivateDirs []string
}

// ThrottleError is returned by Invoke when the function cannot run now.
type ThrottleError struct {
	// Reason is ReservedFunctionConcurrentInvocationLimitExceeded or
	// ConcurrentInvocationLimitExceeded.
	Reason string
}

func (e *ThrottleError) Error() string { return "Rate Exceeded. (" + e.Reason + ")" }

// SandboxInfo describes one live sandbox.
type SandboxInfo struct {
	FunctionARN, Version, RevisionID string
	LogStream                        string
	Busy                             bool
	Started, LastUsed                time.Time
	Invokes                          int
	PID                              int
}
