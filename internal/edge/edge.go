// Package edge is hako's HTTP front: it finds the service a request
// addresses, authenticates it, hands it to the service's protocol codec and
// handler, and serves hako's own endpoints under /_hako/.
//
// The edge knows nothing of services' semantics. For every API call it:
//
//  1. assigns a request id and sets the id headers the service uses;
//  2. reads the SigV4 scope (cheap, no crypto) and routes (route.go);
//  3. authenticates (auth.go) and wraps the body so the service reads
//     what the client meant: aws-chunked decoded, signatures, declared
//     hashes and trailing checksums checked (body.go);
//  4. finds the operation with the protocol's codec (unknown → the
//     protocol's error, modelled-but-unimplemented → 501 NotImplemented);
//  5. decodes and validates the input against the model;
//  6. calls the handler with a context carrying the protocol.Call;
//  7. encodes the output or the error. Errors that are not *protocol.Error
//     are hako bugs: logged, answered as InternalFailure (500).
package edge

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"hako/internal/clock"
	"hako/internal/edge/sigv4"
	"hako/internal/protocol"
	"hako/internal/protocol/awsjson"
	"hako/internal/protocol/model"
	"hako/internal/protocol/query"
	"hako/internal/protocol/restjson"
	"hako/internal/protocol/restxml"
	"hako/internal/service"
)

// maxRequestBody bounds request bodies of every service but S3: the
// largest legitimate one is a 50 MB Lambda zip sent base64 in JSON.
const maxRequestBody = 80 << 20

// Config is what the edge is built from.
type Config struct {
	// Region is the region of requests whose scope names none.
	// Default: us-east-1.
	Region string
	// Account is the account of unknown keys and anonymous requests.
	// Default: 000000000000.
	Account string
	// Loopback is true when the server listens only on loopback: any access
	// key is then accepted (known keys are still verified).
	Loopback bool
	// Clock is the one clock.
	Clock clock.Clock
	// Credentials resolves access keys.
	Credentials service.CredentialStore
	// Services are the services to serve.
	Services []service.Service
	// Log receives hako bugs and lifecycle messages.
	Log *slog.Logger
	// Reset empties all state (POST /_hako/reset).
	Reset func(ctx context.Context) error
	// Version is reported by /_hako/health.
	Version string
	// Mounts are hako's own non-AWS endpoints owned by services (e.g. the
	// Lambda code download behind GetFunction's Code.Location), by path
	// prefix under /_hako/.
	Mounts map[string]http.Handler
}

// Edge is the http.Handler of the whole server.
type Edge struct {
	cfg     Config
	log     *slog.Logger
	mu      sync.RWMutex
	apis    map[string]*entry // by model name; guarded by mu
	started time.Time
	ready   atomic.Bool
}

type entry struct {
	api *service.API

	once  sync.Once // load
	err   error
	model *model.API
	codec protocol.Codec
	// queryCodec serves awsQueryCompatible json models (SQS) when a client
	// sends the query form.
	queryCodec protocol.Codec
	validation string
}

// New builds the edge. Every embedded model is served: models without a
// service answer NotImplemented for each operation, so clients see which
// operation is missing rather than a 404.
func New(cfg Config) (*Edge, error) {
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.Account == "" {
		cfg.Account = "000000000000"
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	e := &Edge{cfg: cfg, log: cfg.Log, apis: map[string]*entry{}, started: cfg.Clock.Now()}
	for _, s := range cfg.Services {
		for _, a := range s.APIs() {
			if _, dup := e.apis[a.ModelName]; dup {
				return nil, fmt.Errorf("edge: model %s served twice", a.ModelName)
			}
			if !slices.Contains(model.Names(), a.ModelName) {
				return nil, fmt.Errorf("edge: model %s is not embedded", a.ModelName)
			}
			e.apis[a.ModelName] = &entry{api: a}
		}
	}
	return e, nil
}

// load parses the entry's model and picks its codecs, once, on the API's
// first request: start-up parses no model.
func (en *entry) load() error {
	en.once.Do(func() {
		m, err := model.Load(en.api.ModelName)
		if err != nil {
			en.err = err
			return
		}
		en.model = m
		if en.codec, en.err = codecFor(m.Protocol()); en.err != nil {
			en.err = fmt.Errorf("edge: %s: %w", m.Name, en.err)
			return
		}
		en.validation = en.api.ValidationCode
		if en.validation == "" {
			en.validation = "ValidationException"
			if m.Protocol() == "query" {
				en.validation = "ValidationError"
			}
		}
		if m.Metadata.AWSQueryCompatible != nil {
			en.queryCodec = query.Codec{}
		}
	})
	return en.err
}

func codecFor(proto string) (protocol.Codec, error) {
	switch proto {
	case "json":
		return awsjson.Codec{}, nil
	case "rest-json":
		return restjson.Codec{}, nil
	case "rest-xml":
		return restxml.Codec{}, nil
	case "query":
		return query.Codec{}, nil
	}
	return nil, fmt.Errorf("protocol %q not supported", proto)
}

// lookup returns the entry serving a model. Embedded models without a
// service get an entry with no handlers on first use, so each of their
// operations answers NotImplemented in the right protocol; loading them
// lazily keeps start-up fast and idle memory small.
func (e *Edge) lookup(name string) *entry {
	if name == "" {
		return nil
	}
	e.mu.RLock()
	en := e.apis[name]
	e.mu.RUnlock()
	if en == nil {
		if !slices.Contains(model.Names(), name) {
			return nil
		}
		e.mu.Lock()
		if en = e.apis[name]; en == nil {
			en = &entry{api: &service.API{ModelName: name, Handlers: map[string]protocol.Handler{}}}
			e.apis[name] = en
		}
		e.mu.Unlock()
	}
	if err := en.load(); err != nil {
		e.log.Error("load model", "model", name, "err", err)
		return nil
	}
	return en
}

// SetReady marks the server ready (health answers 200 from then on).
func (e *Edge) SetReady() { e.ready.Store(true) }

// Handler returns the http.Handler.
func (e *Edge) Handler() http.Handler { return e }

func (e *Edge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_hako/") || r.URL.Path == "/_hako" {
		for prefix, h := range e.cfg.Mounts {
			if strings.HasPrefix(r.URL.Path, prefix) {
				h.ServeHTTP(w, r)
				return
			}
		}
		e.serveAdmin(w, r)
		return
	}
	e.serveAPI(w, r)
}

func (e *Edge) serveAPI(w http.ResponseWriter, r *http.Request) {
	c := &protocol.Call{
		RequestID: newRequestID(),
		Time:      e.cfg.Clock.Now(),
		Region:    e.cfg.Region,
		Account:   e.cfg.Account,
		SourceIP:  remoteIP(r.RemoteAddr),
		AnyKey:    e.cfg.Loopback,
	}
	parsed, perr := sigv4.Parse(r)
	scope := ""
	if parsed != nil {
		scope = parsed.Service
		if parsed.Region != "" {
			c.Region = parsed.Region
		}
	}
	name := route(r, scope)
	en := e.lookup(name)
	if en == nil {
		setRequestIDHeaders(w, "", c.RequestID)
		writePlainError(w, c, http.StatusBadRequest, "UnknownService", fmt.Sprintf("hako cannot tell which AWS service this request is for (credential scope %q). See GET /_hako/coverage for the services hako serves.", scope))
		return
	}
	c.API = en.model
	c.ValidationCode = en.validation
	codec := en.codec
	if en.queryCodec != nil && isForm(r) {
		codec = en.queryCodec
	}
	if bucket, ok := s3Host(r.Host); ok && name == "s3" && bucket != "" {
		// Virtual-hosted style: the codec matches path-style URIs.
		r.URL.RawPath = "/" + bucket + r.URL.EscapedPath()
		r.URL.Path = "/" + bucket + r.URL.Path
	}
	setRequestIDHeaders(w, name, c.RequestID)
	defer func() {
		if v := recover(); v != nil {
			e.log.Error("panic serving request", "service", name, "op", opName(c), "panic", v, "stack", string(debug.Stack()))
			codec.EncodeError(c, w, resolved(c, protocol.InternalFailure()))
		}
	}()
	if name != "s3" && r.Body != nil {
		// Non-S3 bodies are read whole (to hash and parse them); S3 bodies
		// stream to blobs and declare their hash.
		r.Body = http.MaxBytesReader(w, r.Body, maxRequestBody)
	}
	if perr != nil {
		codec.EncodeError(c, w, resolved(c, sigv4Error(c.API.Protocol(), perr)))
		return
	}
	// Authenticate first: it may read (and restore) the body to hash it,
	// and an unauthenticated caller learns nothing about operations.
	creds, aerr := e.authenticate(r.Context(), r, parsed, c)
	if aerr != nil {
		codec.EncodeError(c, w, resolved(c, aerr))
		return
	}
	// The service reads the body the client meant: aws-chunked decoded,
	// every check on it reported as the protocol's error (body.go).
	if berr := prepareBody(r, parsed, creds, c.API.Protocol()); berr != nil {
		codec.EncodeError(c, w, resolved(c, berr))
		return
	}
	if en.api.Intercept != nil && en.api.Intercept(w, r, c) {
		return
	}
	op, err := codec.Operation(c, r)
	if err != nil {
		codec.EncodeError(c, w, e.asProtocolError(c, err))
		return
	}
	c.Op = op
	h := en.api.Handlers[op.Name]
	if h == nil {
		codec.EncodeError(c, w, resolved(c, protocol.NotImplemented(c.API.Metadata.ServiceID, op.Name)))
		return
	}
	in, err := codec.Decode(c, r)
	if err != nil {
		codec.EncodeError(c, w, e.asProtocolError(c, err))
		return
	}
	if verr := protocol.Validate(c.API, op.InputShape, in, c.ValidationCode); verr != nil {
		codec.EncodeError(c, w, resolved(c, verr))
		return
	}
	ctx := protocol.WithCall(r.Context(), c)
	out, err := h(ctx, in)
	if err != nil {
		codec.EncodeError(c, w, e.asProtocolError(c, err))
		return
	}
	for k, vs := range c.ResponseHeader {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	codec.Encode(c, w, out)
}

// remoteIP is the host part of a connection's remote address.
func remoteIP(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}

func opName(c *protocol.Call) string {
	if c.Op != nil {
		return c.Op.Name
	}
	return ""
}

func isForm(r *http.Request) bool {
	ct := r.Header.Get("Content-Type")
	return strings.HasPrefix(ct, "application/x-www-form-urlencoded") || (r.Method == http.MethodGet && r.URL.Query().Get("Action") != "")
}

// asProtocolError turns any error into the AWS error to send: *protocol.Error
// as is, anything else is a hako bug (logged, InternalFailure).
func (e *Edge) asProtocolError(c *protocol.Call, err error) *protocol.Error {
	var pe *protocol.Error
	if errors.As(err, &pe) {
		return resolved(c, pe)
	}
	if errors.Is(err, context.Canceled) {
		return resolved(c, protocol.Errorf("RequestCanceled", "The request was canceled.").WithStatus(499))
	}
	e.log.Error("internal failure", "service", c.API.Name, "op", opName(c), "request_id", c.RequestID, "err", err)
	return resolved(c, protocol.InternalFailure())
}

func resolved(c *protocol.Call, pe *protocol.Error) *protocol.Error {
	pe.Resolve(c.API)
	return pe
}

func sigv4Error(proto string, err error) *protocol.Error {
	var se *sigv4.Error
	if errors.As(err, &se) {
		return authError(proto, se.Reason, se.Msg)
	}
	return authError(proto, sigv4.ReasonMalformed, err.Error())
}

// setRequestIDHeaders sets the request id headers the service's SDKs read:
// S3 uses x-amz-request-id and x-amz-id-2, everything else x-amzn-RequestId.
func setRequestIDHeaders(w http.ResponseWriter, model, id string) {
	h := w.Header()
	if model == "s3" {
		h["X-Amz-Request-Id"] = []string{id}
		h["X-Amz-Id-2"] = []string{hostID(id)}
		return
	}
	h["X-Amzn-Requestid"] = []string{id}
}

// newRequestID returns a random UUID (S3 ids are shown in the same form).
func newRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}

func hostID(id string) string {
	return strings.ToUpper(strings.ReplaceAll(id, "-", ""))
}

// writePlainError answers requests that reach no service: there is no codec
// to speak the right protocol, so it answers in JSON.
func writePlainError(w http.ResponseWriter, c *protocol.Call, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"__type":%q,"message":%q}`, code, msg)
}

// Coverage is what /_hako/coverage reports for one API.
type Coverage struct {
	Model       string   `json:"model"`
	Service     string   `json:"service"`
	Protocol    string   `json:"protocol"`
	Implemented []string `json:"implemented"`
	Missing     []string `json:"missing"`
}

// CoverageReport lists, per served API, the modelled operations hako
// implements and those it does not.
func (e *Edge) CoverageReport() []Coverage {
	var out []Coverage
	for _, name := range model.Names() {
		en := e.lookup(name)
		if en == nil {
			continue
		}
		cov := Coverage{Model: name, Service: en.model.Metadata.ServiceID, Protocol: en.model.Protocol(), Implemented: []string{}, Missing: []string{}}
		for _, op := range en.model.OperationNames() {
			if en.api.Handlers[op] != nil {
				cov.Implemented = append(cov.Implemented, op)
			} else {
				cov.Missing = append(cov.Missing, op)
			}
		}
		out = append(out, cov)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Model < out[j].Model })
	return out
}
