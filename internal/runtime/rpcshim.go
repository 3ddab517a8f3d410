package runtime

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"net/rpc"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/lambda/messages"
)

// The go1.x runtime, as AWS ran it: the handler binary is started with
// _LAMBDA_SERVER_PORT set and serves net/rpc ("Function.Ping",
// "Function.Invoke") on 127.0.0.1:PORT, and a runtime client outside it
// polls the Runtime API and forwards each event over RPC. Binaries from
// before aws-lambda-go 1.6 (2018-11) speak nothing else; current
// aws-lambda-go still prefers the RPC path whenever _LAMBDA_SERVER_PORT is
// set (its RPC start function is registered ahead of the Runtime API one),
// unless built with -tags lambda.norpc.
//
// hako sets both _LAMBDA_SERVER_PORT and AWS_LAMBDA_RUNTIME_API, and runs
// that runtime client as one goroutine per go1.x sandbox (rpcShim). It
// talks to the sandbox's own Runtime API handler in-process (the endpoint
// only accepts connections from the sandbox's user), so readiness, invoke
// delivery, timeouts and logs are the same path as for any runtime:
//
//   - init: Ping until the binary answers (init done; the shim's first
//     /next is the readiness signal). The process exiting first is the
//     init failure awaitInit already reports. A binary that calls /next
//     itself (lambda.norpc, or no aws-lambda-go at all) speaks the Runtime
//     API: the shim steps aside.
//   - invoke: /next, Function.Invoke with the event's deadline, then
//     /response, or /error with AWS's go1.x document
//     ({"errorMessage","errorType"[,"stackTrace"]}, errorType being the Go
//     error's type name, e.g. "errorString"). An error with ShouldExit (a
//     panic) ends the sandbox after that invoke, as AWS's runtime exited.
//   - a broken RPC connection kills the sandbox: its invoke ends as
//     Runtime.ExitError rather than waiting for its timeout.

// rpcPing is how long one Ping may take before the shim asks again.
const rpcPing = time.Second

// freeLoopbackPort picks a port for _LAMBDA_SERVER_PORT.
func freeLoopbackPort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	return port, nil
}

// rpcShim is a go1.x sandbox's runtime client; it returns when the
// sandbox's process exits, its Runtime API closes, or the binary turns
// out to speak the Runtime API itself.
func (sb *sandbox) rpcShim(port int) {
	client := sb.dialFunction(port)
	if client == nil {
		return
	}
	defer client.Close()
	sb.rpcBridged.Store(true)
	for {
		w := sb.shimCall(http.MethodGet, nextPath, nil, nil)
		switch w.status {
		case http.StatusOK:
		case http.StatusInternalServerError:
			continue // the invoke was abandoned before delivery
		default:
			return // closing (no answer) or a state the shim cannot be in
		}
		req, id := rpcRequest(w.h, w.body.Bytes())
		var resp messages.InvokeResponse
		if err := client.Call("Function.Invoke", req, &resp); err != nil {
			// The binary died or dropped its connection: nothing can
			// answer this invoke or any later one.
			sb.kill()
			return
		}
		if e := resp.Error; e != nil {
			doc, _ := json.Marshal(e)
			if e.ShouldExit {
				sb.rpcExit.Store(true)
			}
			sb.shimCall(http.MethodPost, invocationPath+id+"/error", doc, http.Header{hdrErrorType: {e.Type}})
			if e.ShouldExit {
				return
			}
			continue
		}
		sb.shimCall(http.MethodPost, invocationPath+id+"/response", resp.Payload, nil)
	}
}

// dialFunction connects to the binary's RPC server and waits for its
// Ping; nil when the process exited, the sandbox is closing or the
// binary called /next itself.
func (sb *sandbox) dialFunction(port int) *rpc.Client {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	wait := 2 * time.Millisecond
	for {
		select {
		case <-sb.exited:
			return nil
		case <-sb.api.closing:
			return nil
		case <-sb.api.ready:
			return nil // a Runtime API client
		default:
		}
		if c := sb.tryPing(addr); c != nil {
			return c
		}
		select {
		case <-sb.exited:
			return nil
		case <-sb.api.closing:
			return nil
		case <-sb.api.ready:
			return nil
		case <-time.After(wait):
		}
		wait = min(2*wait, 50*time.Millisecond)
	}
}

// tryPing dials addr once and pings; the connection must belong to the
// sandbox's user (another process could hold the port).
func (sb *sandbox) tryPing(addr string) *rpc.Client {
	conn, err := net.DialTimeout("tcp", addr, rpcPing)
	if err != nil {
		return nil
	}
	if sb.uid >= 0 {
		if uid, err := loopbackPeerUID(conn); err != nil || uid != sb.uid {
			_ = conn.Close()
			return nil
		}
	}
	c := rpc.NewClient(conn)
	call := c.Go("Function.Ping", &messages.PingRequest{}, &messages.PingResponse{}, make(chan *rpc.Call, 1))
	t := time.NewTimer(rpcPing)
	defer t.Stop()
	select {
	case <-call.Done:
		if call.Error == nil {
			return c
		}
	case <-t.C:
	case <-sb.exited:
	}
	_ = c.Close()
	return nil
}

// rpcRequest is the Function.Invoke request for an event /next handed
// over; id is its request id.
func rpcRequest(h http.Header, payload []byte) (*messages.InvokeRequest, string) {
	id := h.Get(hdrRequestID)
	req := &messages.InvokeRequest{
		Payload:            payload,
		RequestId:          id,
		XAmznTraceId:       h.Get(hdrTraceID),
		InvokedFunctionArn: h.Get(hdrFunctionARN),
	}
	if ms, err := strconv.ParseInt(h.Get(hdrDeadline), 10, 64); err == nil {
		req.Deadline = messages.InvokeRequest_Timestamp{Seconds: ms / 1000, Nanos: (ms % 1000) * int64(time.Millisecond)}
	}
	if cc := h.Get(hdrClientContext); cc != "" {
		req.ClientContext = []byte(cc)
	}
	if ci := h.Get(hdrCognitoIdentity); ci != "" {
		var id struct{ CognitoIdentityID, CognitoIdentityPoolID string }
		if json.Unmarshal([]byte(ci), &id) == nil {
			req.CognitoIdentityId, req.CognitoIdentityPoolId = id.CognitoIdentityID, id.CognitoIdentityPoolID
		}
	}
	return req, id
}

// shimCall runs one Runtime API request through the sandbox's handler,
// in-process.
func (sb *sandbox) shimCall(method, path string, body []byte, h http.Header) *shimResponse {
	r, err := http.NewRequest(method, "http://"+sb.api.addr()+path, bytes.NewReader(body))
	w := &shimResponse{h: http.Header{}}
	if err != nil {
		return w
	}
	for k, v := range h {
		r.Header[k] = v
	}
	sb.api.ServeHTTP(w, r)
	return w
}

// shimResponse records a Runtime API answer; status 0 is no answer (the
// endpoint is closing).
type shimResponse struct {
	h      http.Header
	status int
	body   bytes.Buffer
}

func (w *shimResponse) Header() http.Header { return w.h }

func (w *shimResponse) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *shimResponse) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(b)
}
