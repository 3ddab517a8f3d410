// Package bootstraps holds hako's own Lambda runtime clients for the managed
// Python and Node.js runtimes, embedded into the binary, and the facts about
// runtimes the Lambda service needs (which ids exist, which AWS deprecated,
// how each runtime splits a handler string).
//
// # Runtime clients
//
// python/ (python3.9 … python3.13) and nodejs/ (nodejs18.x … nodejs22.x)
// speak the Lambda Runtime API 2018-06-01 at
// http://$AWS_LAMBDA_RUNTIME_API and reproduce what AWS's runtime interface
// clients (awslambdaric for Python, aws-lambda-nodejs-runtime-interface-client
// for Node.js) do: handler resolution, the context object, error documents
// ({"errorMessage","errorType","requestId","stackTrace"} for Python,
// {"errorType","errorMessage","trace"} for Node.js), Runtime.* init errors
// with AWS's texts, and AWS's log formats. They use nothing but the
// interpreter's standard library.
//
// The sandbox manager installs a runtime's files once per host with
// Bootstrap.Install into a directory the sandboxes share (read-only for
// them is fine), and starts the interpreter with Bootstrap.Args(dir), in
// LAMBDA_TASK_ROOT as working directory, with AWS's environment plus
// Bootstrap.Env(...). Sharing the directory matters for Python: the client
// is loaded through the bytecode cache in its __pycache__, which saves
// ~5 ms of every cold start once it exists (Install leaves unchanged files
// alone so the cache stays valid; run PrecompileArgs once per interpreter
// if the sandboxes cannot write there). The runtime reads _HANDLER,
// LAMBDA_TASK_ROOT, AWS_LAMBDA_RUNTIME_API, AWS_LAMBDA_FUNCTION_NAME,
// AWS_LAMBDA_FUNCTION_VERSION, AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
// AWS_LAMBDA_LOG_GROUP_NAME, AWS_LAMBDA_LOG_STREAM_NAME, AWS_EXECUTION_ENV,
// AWS_LAMBDA_LOG_LEVEL and AWS_LAMBDA_LOG_FORMAT.
//
// What the runtimes expect from the Runtime API endpoint:
//   - GET /next answers 200 with the event as body, Content-Type
//     application/json, and the headers Lambda-Runtime-Aws-Request-Id,
//     -Deadline-Ms (epoch ms), -Invoked-Function-Arn, -Trace-Id, and, when
//     present, -Client-Context (the decoded JSON, not the base64 of
//     X-Amz-Client-Context) and -Cognito-Identity (JSON).
//   - POST /response, /error and /init/error answer 202. The runtimes send
//     Content-Type (application/json; Python sends application/unknown for a
//     bytes return value) and, on /error and /init/error,
//     Lambda-Runtime-Function-Error-Type with the document's errorType. A
//     streaming Node.js handler (awslambda.streamifyResponse) posts a chunked
//     /response with Lambda-Runtime-Function-Response-Mode: streaming and
//     reports a mid-stream error in the trailers
//     Lambda-Runtime-Function-Error-Type / -Error-Body (base64 JSON).
//   - Requests reuse one keep-alive connection; a runtime whose connection
//     was closed reconnects.
//   - After posting /init/error a runtime exits (Python 1, Node.js 129).
//
// # Logs
//
// Each log record (a logging / console call, the [ERROR] report of an
// unhandled exception) is written with one write. With TelemetryFDEnv set
// to an inherited file descriptor, records go there in AWS's telemetry
// framing (see ReadFrame), one frame per record, exactly what AWS's
// platform turns into one CloudWatch event each, multi-line messages
// included; the runtime removes the variable before user code runs. Without
// it, records go to stdout as single lines: embedded newlines become \r, as
// AWS's runtime clients do on stdout. Whatever the function prints itself
// (print, process.stdout.write) goes to stdout/stderr, which AWS splits into
// one event per line.
package bootstraps

import (
	"bytes"
	"embed"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

//go:embed python nodejs
var files embed.FS

// TelemetryFDEnv names the variable that hands a runtime the file descriptor
// for framed log records (AWS's name for it).
const TelemetryFDEnv = "_LAMBDA_TELEMETRY_LOG_FD"

// OptDirEnv tells the Python runtime where the function's layers are
// extracted (AWS: /opt); the runtime removes it before user code runs.
const OptDirEnv = "_HAKO_OPT_DIR"

// Bootstrap is how to run one managed runtime.
type Bootstrap struct {
	// Runtime is the Lambda runtime id (python3.12, nodejs20.x).
	Runtime string
	// Family is the interpreter family: "python" or "nodejs" (the key of
	// runtime.Config.Interpreters).
	Family string
	// LanguageVersion is the language version the runtime id asks for
	// ("3.12", "20"); the host's interpreter may differ.
	LanguageVersion string
	// ExecutionEnv is AWS_EXECUTION_ENV (AWS_Lambda_python3.12).
	ExecutionEnv string
	// Entry is the file the interpreter runs, relative to the install dir.
	Entry string
	// Files are the runtime client's files (the same for every runtime of a
	// family), with slash-separated paths relative to the install dir.
	Files []File
}

// File is one file of a runtime client.
type File struct {
	Name    string
	Content []byte
}

// Args is the interpreter's argv after its own name, for a runtime client
// installed in dir.
func (b Bootstrap) Args(dir string) []string {
	return []string{filepath.Join(dir, filepath.FromSlash(b.Entry))}
}

// Install writes the runtime client's files under dir. Files whose content
// is already there are left alone (their mtime too, which keeps Python's
// bytecode cache valid); others are replaced atomically, so Install may run
// while sandboxes use dir.
func (b Bootstrap) Install(dir string) error {
	if len(b.Files) == 0 {
		return errors.New("bootstraps: nothing to install for " + b.Runtime)
	}
	for _, f := range b.Files {
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if old, err := os.ReadFile(p); err == nil && bytes.Equal(old, f.Content) {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		tmp, err := os.CreateTemp(filepath.Dir(p), ".install-*")
		if err != nil {
			return err
		}
		_, werr := tmp.Write(f.Content)
		cerr := tmp.Close()
		if err := errors.Join(werr, cerr, os.Chmod(tmp.Name(), 0o644)); err != nil {
			os.Remove(tmp.Name())
			return err
		}
		if err := os.Rename(tmp.Name(), p); err != nil {
			os.Remove(tmp.Name())
			return err
		}
	}
	return nil
}

// PrecompileArgs is an interpreter argv (after its name) that fills the
// bytecode cache of a client installed in dir, for hosts where the
// sandboxes cannot write there; nil when the family has no such cache.
func (b Bootstrap) PrecompileArgs(dir string) []string {
	if b.Family != "python" {
		return nil
	}
	return []string{"-c", "import py_compile, sys; py_compile.compile(sys.argv[1], doraise=True)",
		filepath.Join(dir, "hako_runtime", "bootstrap.py")}
}

// Paths are a sandbox's directories as the function sees them.
type Paths struct {
	// TaskRoot is LAMBDA_TASK_ROOT (AWS: /var/task).
	TaskRoot string
	// RuntimeDir is LAMBDA_RUNTIME_DIR, where FileName is (AWS: /var/runtime).
	RuntimeDir string
	// OptDir is where layers are extracted (AWS: /opt).
	OptDir string
}

// Env is the runtime-specific part of the sandbox environment, as
// KEY=value: AWS_EXECUTION_ENV, LAMBDA_RUNTIME_DIR, and NODE_PATH for
// Node.js (AWS's value, with hako's directories), OptDirEnv for Python.
// User-set variables the Lambda API allows override them.
func (b Bootstrap) Env(p Paths) []string {
	env := []string{
		"AWS_EXECUTION_ENV=" + b.ExecutionEnv,
		"LAMBDA_RUNTIME_DIR=" + p.RuntimeDir,
	}
	opt := p.OptDir
	if opt == "" {
		opt = "/opt"
	}
	switch b.Family {
	case "python":
		env = append(env, OptDirEnv+"="+opt)
	case "nodejs":
		env = append(env, "NODE_PATH="+strings.Join([]string{
			filepath.Join(opt, "nodejs", "node"+b.LanguageVersion, "node_modules"),
			filepath.Join(opt, "nodejs", "node_modules"),
			filepath.Join(p.RuntimeDir, "node_modules"),
			p.RuntimeDir,
			p.TaskRoot,
		}, ":"))
	}
	return env
}

// Lookup returns how to run a managed runtime. ok is false for runtimes
// that bring their own bootstrap (provided.al2, provided.al2023, go1.x) and
// for unknown ids.
func Lookup(runtime string) (Bootstrap, bool) {
	info, ok := runtimes[runtime]
	if !ok {
		return Bootstrap{}, false
	}
	b := Bootstrap{
		Runtime:         runtime,
		Family:          info.Family,
		LanguageVersion: info.languageVersion(),
		ExecutionEnv:    "AWS_Lambda_" + runtime,
	}
	switch info.Family {
	case "python":
		b.Entry = "bootstrap.py"
	case "nodejs":
		b.Entry = "index.cjs"
	default:
		return Bootstrap{}, false
	}
	b.Files = familyFiles[info.Family]
	return b, true
}

// Runtime describes one Lambda runtime id and AWS's lifecycle dates for it
// (zero when AWS has announced none).
type Runtime struct {
	ID string
	// Family is "python", "nodejs", "provided" or "go".
	Family string
	// Deprecation is when AWS stops supporting it; BlockCreate and
	// BlockUpdate when CreateFunction and UpdateFunctionConfiguration /
	// UpdateFunctionCode refuse it.
	Deprecation, BlockCreate, BlockUpdate time.Time
	// Successor is the runtime AWS's refusal message recommends.
	Successor string
}

func (r Runtime) languageVersion() string {
	switch r.Family {
	case "python":
		return strings.TrimPrefix(r.ID, "python")
	case "nodejs":
		return strings.TrimSuffix(strings.TrimPrefix(r.ID, "nodejs"), ".x")
	}
	return ""
}

// Deprecated reports whether AWS had deprecated r at t.
func (r Runtime) Deprecated(t time.Time) bool {
	return !r.Deprecation.IsZero() && !t.Before(r.Deprecation)
}

// CreateBlocked reports whether AWS refused CreateFunction with r at t.
func (r Runtime) CreateBlocked(t time.Time) bool {
	return !r.BlockCreate.IsZero() && !t.Before(r.BlockCreate)
}

// UpdateBlocked reports whether AWS refused function updates with r at t.
func (r Runtime) UpdateBlocked(t time.Time) bool {
	return !r.BlockUpdate.IsZero() && !t.Before(r.BlockUpdate)
}

// BlockedMessage is AWS's InvalidParameterValueException message for a
// create or update with a blocked runtime.
func (r Runtime) BlockedMessage() string {
	return "The runtime parameter of " + r.ID + " is no longer supported for creating or updating AWS Lambda functions. " +
		"We recommend you use the new runtime (" + r.Successor + ") while creating or updating functions."
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// AWS's dates (docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html, as
// of late 2025). Deprecation dates are well attested; block dates shift when
// AWS extends them.
var runtimeList = []Runtime{
	{ID: "python3.9", Family: "python", Deprecation: day(2025, time.December, 15), BlockCreate: day(2026, time.June, 1), BlockUpdate: day(2026, time.July, 1), Successor: "python3.13"},
	{ID: "python3.10", Family: "python", Deprecation: day(2026, time.June, 30), BlockCreate: day(2026, time.July, 31), BlockUpdate: day(2026, time.August, 31), Successor: "python3.13"},
	{ID: "python3.11", Family: "python", Deprecation: day(2026, time.June, 30), BlockCreate: day(2026, time.July, 31), BlockUpdate: day(2026, time.August, 31), Successor: "python3.13"},
	{ID: "python3.12", Family: "python", Deprecation: day(2028, time.October, 31), BlockCreate: day(2028, time.November, 30), BlockUpdate: day(2029, time.January, 10), Successor: "python3.13"},
	{ID: "python3.13", Family: "python", Deprecation: day(2029, time.June, 30), BlockCreate: day(2029, time.July, 31), BlockUpdate: day(2029, time.August, 31), Successor: "python3.13"},
	{ID: "nodejs18.x", Family: "nodejs", Deprecation: day(2025, time.September, 1), BlockCreate: day(2026, time.February, 3), BlockUpdate: day(2026, time.March, 9), Successor: "nodejs22.x"},
	{ID: "nodejs20.x", Family: "nodejs", Deprecation: day(2026, time.April, 30), BlockCreate: day(2026, time.June, 1), BlockUpdate: day(2026, time.July, 1), Successor: "nodejs22.x"},
	{ID: "nodejs22.x", Family: "nodejs", Deprecation: day(2027, time.April, 30), BlockCreate: day(2027, time.June, 1), BlockUpdate: day(2027, time.July, 1), Successor: "nodejs22.x"},
	{ID: "provided.al2", Family: "provided", Deprecation: day(2026, time.June, 30), BlockCreate: day(2026, time.July, 31), BlockUpdate: day(2026, time.August, 31), Successor: "provided.al2023"},
	{ID: "provided.al2023", Family: "provided", Deprecation: day(2029, time.June, 30), BlockCreate: day(2029, time.July, 31), BlockUpdate: day(2029, time.August, 31), Successor: "provided.al2023"},
	{ID: "go1.x", Family: "go", Deprecation: day(2024, time.January, 8), BlockCreate: day(2024, time.February, 8), BlockUpdate: day(2024, time.February, 28), Successor: "provided.al2023"},
}

// familyFiles are the embedded files of each family's client.
var familyFiles = func() map[string][]File {
	m := map[string][]File{}
	for _, fam := range []string{"python", "nodejs"} {
		err := fs.WalkDir(files, fam, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := files.ReadFile(p)
			if err != nil {
				return err
			}
			m[fam] = append(m[fam], File{Name: strings.TrimPrefix(p, fam+"/"), Content: b})
			return nil
		})
		if err != nil {
			panic(err)
		}
	}
	return m
}()

var runtimes = func() map[string]Runtime {
	m := make(map[string]Runtime, len(runtimeList))
	for _, r := range runtimeList {
		m[r.ID] = r
	}
	return m
}()

// Supported lists the runtimes hako runs, oldest first per family.
func Supported() []Runtime { return append([]Runtime(nil), runtimeList...) }

// Info returns what hako knows of a runtime id.
func Info(id string) (Runtime, bool) {
	r, ok := runtimes[id]
	return r, ok
}

// Deprecated lists the runtimes AWS had deprecated at t.
func Deprecated(t time.Time) []Runtime {
	var out []Runtime
	for _, r := range runtimeList {
		if r.Deprecated(t) {
			out = append(out, r)
		}
	}
	return out
}
