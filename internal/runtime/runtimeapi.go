package runtime

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The Runtime API (2018-06-01) one sandbox's runtime talks to, served on
// its own 127.0.0.1 listener (AWS_LAMBDA_RUNTIME_API). Exactly four
// endpoints:
//
//	GET  /2018-06-01/runtime/invocation/next
//	POST /2018-06-01/runtime/invocation/{id}/response
//	POST /2018-06-01/runtime/invocation/{id}/error
//	POST /2018-06-01/runtime/init/error
//
// The runtime's progress is a state machine modelled on the emulator's
// (internal/lambda/core/states.go): every state refuses every transition
// unless it overrides it, so an illegal call (a second /response, /next
// during init error, /init/error after init) is answered 403
// InvalidStateTransition, the emulator's answer. A request id that is not
// the invoke in flight is 400 InvalidRequestID, checked first, as the
// emulator's middleware does.

const (
	apiPrefix      = "/2018-06-01/runtime/"
	invocationPath = apiPrefix + "invocation/"
	nextPath       = invocationPath + "next"
	initErrorPath  = apiPrefix + "init/error"

	hdrRequestID       = "Lambda-Runtime-Aws-Request-Id"
	hdrDeadline        = "Lambda-Runtime-Deadline-Ms"
	hdrFunctionARN     = "Lambda-Runtime-Invoked-Function-Arn"
	hdrTraceID         = "Lambda-Runtime-Trace-Id"
	hdrClientContext   = "Lambda-Runtime-Client-Context"
	hdrCognitoIdentity = "Lambda-Runtime-Cognito-Identity"
	hdrErrorType       = "Lambda-Runtime-Function-Error-Type"
	hdrErrorBody       = "Lambda-Runtime-Function-Error-Body"

	// MaxResponseSize is the largest response a function may return
	// (6 MiB + 100 bytes, the emulator's MaxPayloadSize); a larger one is
	// Function.ResponseSizeTooLarge, never truncated.
	MaxResponseSize = 6*1024*1024 + 100
)

// errNotAllowed is an illegal state transition.
var errNotAllowed = errors.New("State transition is not allowed")

// runtimeState is one state of the runtime, with one method per
// transition; each returns the next state.
type runtimeState interface {
	name() string
	next() (runtimeState, error)          // GET /next
	deliver() (runtimeState, error)       // an invoke handed to a waiting /next
	response() (runtimeState, error)      // POST /response accepted
	errorResponse() (runtimeState, error) // POST /error accepted
	responseSent() (runtimeState, error)  // the result was handed to the invoker
	initError() (runtimeState, error)     // POST /init/error
}

// disallowAll refuses every transition; states embed it and override only
// their legal moves.
type disallowAll struct{}

func (disallowAll) next() (runtimeState, error)          { return nil, errNotAllowed }
func (disallowAll) deliver() (runtimeState, error)       { return nil, errNotAllowed }
func (disallowAll) response() (runtimeState, error)      { return nil, errNotAllowed }
func (disallowAll) errorResponse() (runtimeState, error) { return nil, errNotAllowed }
func (disallowAll) responseSent() (runtimeState, error)  { return nil, errNotAllowed }
func (disallowAll) initError() (runtimeState, error)     { return nil, errNotAllowed }

type (
	stateStarted           struct{ disallowAll }
	stateInitError         struct{ disallowAll }
	stateReady             struct{ disallowAll }
	stateRunning           struct{ disallowAll }
	stateInvocationResp    struct{ disallowAll }
	stateInvocationErrResp struct{ disallowAll }
	stateResponseSent      struct{ disallowAll }
)

func (stateStarted) name() string                     { return "Started" }
func (stateStarted) next() (runtimeState, error)      { return stateReady{}, nil }
func (stateStarted) initError() (runtimeState, error) { return stateInitError{}, nil }
func (stateInitError) name() string                   { return "InitError" }
func (stateReady) name() string                       { return "Ready" }
func (stateReady) next() (runtimeState, error)        { return stateReady{}, nil } // a reconnecting runtime
func (stateReady) deliver() (runtimeState, error)     { return stateRunning{}, nil }
func (stateRunning) name() string                     { return "Running" }
func (stateRunning) response() (runtimeState, error)  { return stateInvocationResp{}, nil }
func (stateRunning) errorResponse() (runtimeState, error) {
	return stateInvocationErrResp{}, nil
}
func (stateInvocationResp) name() string                        { return "InvocationResponse" }
func (stateInvocationResp) responseSent() (runtimeState, error) { return stateResponseSent{}, nil }
func (stateInvocationErrResp) name() string                     { return "InvocationErrorResponse" }
func (stateInvocationErrResp) responseSent() (runtimeState, error) {
	return stateResponseSent{}, nil
}
func (stateResponseSent) name() string                { return "RuntimeResponseSentState" }
func (stateResponseSent) next() (runtimeState, error) { return stateReady{}, nil }

// invocation is one invoke travelling through a sandbox.
type invocation struct {
	req      *InvokeRequest
	deadline time.Time
	// done receives the runtime's answer once.
	done chan apiResult
	// delivered is when /next handed the event over, and nextSince when
	// that /next call began waiting (unix ns; written by the /next
	// handler, read by the invoker after done). An invoke submitted before
	// the runtime came back for it waits for the runtime, not for hako.
	delivered, nextSince atomic.Int64
}

// apiResult is what the runtime posted for an invocation.
type apiResult struct {
	payload []byte
	// answered is when the runtime's answer was read in full.
	answered time.Time
	// isError: posted to /error (or a streamed error trailer, or an
	// oversized response); errorType is the runtime's error type.
	isError   bool
	errorType string
	tooLarge  bool
}

// initFailure is what a runtime posted to /init/error.
type initFailure struct {
	errorType string
	payload   []byte
}

// runtimeAPI is one sandbox's Runtime API endpoint.
type runtimeAPI struct {
	fnARN string

	mu      sync.Mutex
	state   runtimeState
	current *invocation // in flight (delivered or about to be)

	// pending hands an invocation to a waiting /next (capacity 1: the
	// invoker never blocks, and there is never more than one).
	pending chan *invocation
	// ready is signalled at the runtime's first /next (init done).
	ready chan struct{}
	// initErr carries the /init/error post.
	initErr chan initFailure
	// closing unblocks a waiting /next when the sandbox stops.
	closing chan struct{}

	srv      *http.Server
	ln       net.Listener
	handlers sync.WaitGroup
	readyOne sync.Once
}

func newRuntimeAPI(fnARN string) (*runtimeAPI, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	a := &runtimeAPI{
		fnARN:   fnARN,
		state:   stateStarted{},
		pending: make(chan *invocation, 1),
		ready:   make(chan struct{}),
		initErr: make(chan initFailure, 1),
		closing: make(chan struct{}),
		ln:      ln,
	}
	a.srv = &http.Server{
		Handler:           a,
		ReadHeaderTimeout: time.Minute,
		// Quiet: a runtime dropping its connection is not hako's error.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	return a, nil
}

// restrictTo makes the endpoint accept connections only from processes
// of uid (the sandbox's own user): other sandboxes share the loopback
// network and must not take its events or answer for it. refused is
// told about each connection dropped.
func (a *runtimeAPI) restrictTo(uid int, refused func(peerUID int, err error)) {
	a.ln = &peerListener{Listener: a.ln, uid: uid, refused: refused}
}

// peerListener drops connections whose peer is not uid.
type peerListener struct {
	net.Listener
	uid     int
	refused func(int, error)
}

func (l *peerListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		uid, err := loopbackPeerUID(c)
		if err == nil && uid == l.uid {
			return c, nil
		}
		_ = c.Close()
		if l.refused != nil {
			l.refused(uid, err)
		}
	}
}

// addr is the host:port for AWS_LAMBDA_RUNTIME_API.
func (a *runtimeAPI) addr() string { return a.ln.Addr().String() }

// serve runs the HTTP server until close.
func (a *runtimeAPI) serve() { _ = a.srv.Serve(a.ln) }

// close stops the listener, unblocks /next, closes connections and waits
// for handlers to return.
func (a *runtimeAPI) close() {
	a.mu.Lock()
	select {
	case <-a.closing:
	default:
		close(a.closing)
	}
	a.mu.Unlock()
	_ = a.srv.Close()
	_ = a.ln.Close() // when serve never ran
	a.handlers.Wait()
}

// closeListener releases the listener of an endpoint that never served.
func (a *runtimeAPI) closeListener() { _ = a.ln.Close() }

// stateName is the current state's name (tests and SandboxInfo).
func (a *runtimeAPI) stateName() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.state.name()
}

// submit hands inv to the runtime; the runtime picks it up at /next.
func (a *runtimeAPI) submit(inv *invocation) {
	a.mu.Lock()
	a.current = inv
	a.mu.Unlock()
	a.pending <- inv
}

// abandon forgets the current invocation (timeout, crash): a late answer
// from the runtime is then an invalid request id.
func (a *runtimeAPI) abandon() {
	a.mu.Lock()
	a.current = nil
	a.mu.Unlock()
	select {
	case <-a.pending:
	default:
	}
}

// transition applies one state change under the lock.
func (a *runtimeAPI) transition(f func(runtimeState) (runtimeState, error), target string) *apiError {
	a.mu.Lock()
	defer a.mu.Unlock()
	next, err := f(a.state)
	if err != nil {
		return &apiError{
			status:  http.StatusForbidden,
			errType: "InvalidStateTransition",
			msg:     "State transition from " + a.state.name() + " to " + target + " failed for runtime. Error: " + err.Error(),
		}
	}
	a.state = next
	return nil
}

type apiError struct {
	status  int
	errType string
	msg     string
}

func (a *runtimeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.handlers.Add(1)
	defer a.handlers.Done()
	p := r.URL.Path
	switch {
	case p == nextPath:
		if r.Method != http.MethodGet {
			methodNotAllowed(w, http.MethodGet)
			return
		}
		a.handleNext(w, r)
	case p == initErrorPath:
		if r.Method != http.MethodPost {
			methodNotAllowed(w, http.MethodPost)
			return
		}
		a.handleInitError(w, r)
	case strings.HasPrefix(p, invocationPath):
		id, kind, ok := strings.Cut(p[len(invocationPath):], "/")
		if !ok || (kind != "response" && kind != "error") || id == "" {
			http.NotFound(w, r)
			return
		}
		if r.Method != http.MethodPost {
			methodNotAllowed(w, http.MethodPost)
			return
		}
		a.handlePost(w, r, id, kind == "error")
	default:
		http.NotFound(w, r)
	}
}

func methodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
}

func writeAPIError(w http.ResponseWriter, e *apiError) {
	b, _ := json.Marshal(struct {
		ErrorMessage string `json:"errorMessage"`
		ErrorType    string `json:"errorType"`
	}{e.msg, e.errType})
	h := w.Header()
	h["Content-Type"] = []string{"application/json"}
	w.WriteHeader(e.status)
	_, _ = w.Write(append(b, '\n'))
}

var acceptedBody = []byte("{\"status\":\"OK\"}\n")

func writeAccepted(w http.ResponseWriter) {
	h := w.Header()
	h["Content-Type"] = []string{"application/json"}
	h["Content-Length"] = []string{strconv.Itoa(len(acceptedBody))}
	w.WriteHeader(http.StatusAccepted)
	_, _ = w.Write(acceptedBody)
}

func (a *runtimeAPI) handleNext(w http.ResponseWriter, r *http.Request) {
	if e := a.transition(runtimeState.next, "Ready"); e != nil {
		writeAPIError(w, e)
		return
	}
	a.readyOne.Do(func() { close(a.ready) })
	since := time.Now().UnixNano()
	var inv *invocation
	select {
	case inv = <-a.pending:
	case <-a.closing:
		return
	case <-r.Context().Done():
		return
	}
	a.mu.Lock()
	if inv != a.current {
		// Abandoned between submit and pickup (timeout): drop it. The
		// runtime asks again.
		a.mu.Unlock()
		http.Error(w, "invocation abandoned", http.StatusInternalServerError)
		return
	}
	next, err := a.state.deliver()
	if err == nil {
		a.state = next
	}
	a.mu.Unlock()
	if err != nil {
		writeAPIError(w, &apiError{http.StatusForbidden, "InvalidStateTransition", err.Error()})
		return
	}
	req := inv.req
	h := w.Header()
	h[hdrRequestID] = []string{req.RequestID}
	h[hdrDeadline] = []string{strconv.FormatInt(inv.deadline.UnixMilli(), 10)}
	arn := req.InvokedARN
	if arn == "" {
		arn = a.fnARN
	}
	h[hdrFunctionARN] = []string{arn}
	if req.TraceID != "" {
		h[hdrTraceID] = []string{req.TraceID}
	}
	if cc := clientContextJSON(req.ClientContext); cc != "" {
		h[hdrClientContext] = []string{cc}
	}
	if req.CognitoIdentity != "" {
		h[hdrCognitoIdentity] = []string{req.CognitoIdentity}
	}
	h["Content-Type"] = []string{"application/json"}
	h["Content-Length"] = []string{strconv.Itoa(len(req.Payload))}
	inv.nextSince.Store(since)
	inv.delivered.Store(time.Now().UnixNano())
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(req.Payload)
}

// clientContextJSON turns the base64 X-Amz-Client-Context into the JSON
// the runtime expects; a value that is not base64 is passed as is.
func clientContextJSON(cc string) string {
	if cc == "" {
		return ""
	}
	if b, err := base64.StdEncoding.DecodeString(cc); err == nil {
		return string(b)
	}
	return cc
}

func (a *runtimeAPI) handlePost(w http.ResponseWriter, r *http.Request, id string, isError bool) {
	a.mu.Lock()
	inv := a.current
	a.mu.Unlock()
	if inv == nil || inv.req.RequestID != id {
		writeAPIError(w, &apiError{http.StatusBadRequest, "InvalidRequestID", "Invalid request ID"})
		return
	}
	move, target := runtimeState.response, "InvocationResponse"
	if isError {
		move, target = runtimeState.errorResponse, "InvocationErrorResponse"
	}
	if e := a.transition(move, target); e != nil {
		writeAPIError(w, e)
		return
	}
	body, tooLarge, err := readBody(r, MaxResponseSize)
	answered := time.Now()
	res := apiResult{payload: body, isError: isError}
	switch {
	case tooLarge:
		res = apiResult{isError: true, tooLarge: true, errorType: "Function.ResponseSizeTooLarge",
			payload: []byte(`{"errorMessage":"Response payload size exceeded maximum allowed payload size (6291556 bytes).","errorType":"Function.ResponseSizeTooLarge"}`)}
	case err != nil:
		// The runtime's connection broke mid-body: no answer from it.
		res = apiResult{isError: true, errorType: "Runtime.TruncatedResponse",
			payload: []byte(`{"errorMessage":"HTTP request detected as truncated","errorType":"Runtime.TruncatedResponse"}`)}
	case isError:
		res.errorType = r.Header.Get(hdrErrorType)
		res.payload = errorDocument(body, res.errorType)
	default:
		// A streamed response that failed midway reports in trailers.
		if t := r.Trailer.Get(hdrErrorType); t != "" {
			eb, _ := base64.StdEncoding.DecodeString(r.Trailer.Get(hdrErrorBody))
			res = apiResult{isError: true, errorType: t, payload: errorDocument(eb, t)}
		}
	}
	res.answered = answered
	a.mu.Lock()
	stillCurrent := a.current == inv
	var e *apiError
	if stillCurrent {
		next, err := a.state.responseSent()
		if err == nil {
			a.state = next
			a.current = nil
		} else {
			e = &apiError{http.StatusForbidden, "InvalidStateTransition", err.Error()}
		}
	}
	a.mu.Unlock()
	if !stillCurrent {
		writeAPIError(w, &apiError{http.StatusBadRequest, "InvalidRequestID", "Invalid request ID"})
		return
	}
	if e != nil {
		writeAPIError(w, e)
		return
	}
	inv.done <- res
	if res.tooLarge {
		writeAPIError(w, &apiError{http.StatusRequestEntityTooLarge, "RequestEntityTooLarge",
			"Exceeded maximum allowed payload size (" + strconv.Itoa(MaxResponseSize) + " bytes)."})
		return
	}
	if err != nil {
		writeAPIError(w, &apiError{http.StatusBadRequest, "TruncatedHTTPRequest", "HTTP request detected as truncated"})
		return
	}
	writeAccepted(w)
}

func (a *runtimeAPI) handleInitError(w http.ResponseWriter, r *http.Request) {
	if e := a.transition(runtimeState.initError, "InitError"); e != nil {
		writeAPIError(w, e)
		return
	}
	body, _, _ := readBody(r, MaxResponseSize)
	t := r.Header.Get(hdrErrorType)
	select {
	case a.initErr <- initFailure{errorType: t, payload: errorDocument(body, t)}:
	default:
	}
	writeAccepted(w)
}

// readBody reads at most limit bytes (chunked bodies included; trailers
// are then in r.Trailer). tooLarge reports a body over the limit, which
// is not read further.
func readBody(r *http.Request, limit int64) (body []byte, tooLarge bool, err error) {
	if r.ContentLength > limit {
		return nil, true, nil
	}
	var buf bytes.Buffer
	if r.ContentLength > 0 {
		buf.Grow(int(r.ContentLength))
	} else {
		buf.Grow(512)
	}
	n, err := buf.ReadFrom(io.LimitReader(r.Body, limit+1))
	if n > limit {
		return nil, true, nil
	}
	if err != nil {
		return nil, false, err
	}
	return buf.Bytes(), false, nil
}

// errorDocument is the payload a caller sees for a function error: the
// runtime's JSON document as posted, or, when it posted something else,
// one built from the error type.
func errorDocument(body []byte, errorType string) []byte {
	if len(bytes.TrimSpace(body)) > 0 && json.Valid(body) {
		return body
	}
	if errorType == "" {
		errorType = "Runtime.Unknown"
	}
	b, _ := json.Marshal(struct {
		ErrorMessage string `json:"errorMessage"`
		ErrorType    string `json:"errorType"`
	}{string(body), errorType})
	return b
}
