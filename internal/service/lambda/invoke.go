package lambda

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hako/internal/engine"
	"io"
	"unicode/utf8"

	"hako/internal/protocol"
	"hako/internal/runtime"
)

// AWS's payload limits of synchronous invocation.
const (
	maxSyncPayload  = 6291456
	maxSyncResponse = 6291556
)

// Invoke runs the function synchronously (RequestResponse), queues it
// (Event, 202: see async.go), or only checks that it could (DryRun, 204).
func (s *Service) Invoke(ctx context.Context, in *InvocationRequest) (*InvocationResponse, error) {
	ref, err := resolve(ctx, in.FunctionName, in.Qualifier)
	if err != nil {
		return nil, err
	}
	if in.InvocationType == "Event" {
		if len(in.Payload) > maxEventPayload {
			return nil, protocol.Errorf("RequestEntityTooLargeException", "%d byte payload is too large for the Event invocation type (limit %d bytes)", len(in.Payload), maxEventPayload)
		}
	} else if len(in.Payload) > maxSyncPayload {
		return nil, protocol.Errorf("RequestEntityTooLargeException", "Request must be smaller than %d bytes for the InvokeFunction operation", maxSyncPayload)
	}
	q, err := s.invokable(ctx, ref)
	if err != nil {
		return nil, err
	}
	payload, err := checkPayload(in.Payload)
	if err != nil {
		return nil, err
	}
	call := protocol.CallFrom(ctx)
	reqID := call.RequestID
	if reqID == "" {
		reqID = newUUID()
	}
	switch in.InvocationType {
	case "", "RequestResponse":
	case "DryRun":
		return &InvocationResponse{StatusCode: ptr(int32(204))}, nil
	case "Event":
		// LogType and ClientContext apply to synchronous invokes only
		// (AWS ignores them here): an event has no response to carry a
		// log, and its context object has no client_context.
		if err := s.enqueueEvent(ctx, ref, reqID, payload); err != nil {
			return nil, err
		}
		return &InvocationResponse{StatusCode: ptr(int32(202))}, nil
	}
	rec, err := q.pick(s.eng, ref.sc)
	if err != nil {
		return nil, err
	}
	res, err := s.run(ctx, ref, rec, reqID, payload, in.ClientContext, in.LogType == "Tail")
	if err != nil {
		var te *runtime.ThrottleError
		if errors.As(err, &te) {
			return nil, ErrTooManyRequests("Rate Exceeded.").With("Reason", te.Reason)
		}
		return nil, err
	}
	out := &InvocationResponse{
		StatusCode:      ptr(int32(200)),
		Payload:         res.Payload,
		FunctionError:   res.FunctionError,
		ExecutedVersion: res.ExecutedVersion,
	}
	if len(out.Payload) > maxSyncResponse && out.FunctionError == "" {
		// Never a truncated body: AWS's error document instead.
		out.FunctionError = "Unhandled"
		out.Payload = engine.MustJSON(map[string]string{
			"errorMessage": fmt.Sprintf("Response payload size (%d bytes) exceeded maximum allowed payload size (%d bytes).", len(res.Payload), maxSyncResponse),
			"errorType":    "Function.ResponseSizeTooLarge",
		})
	}
	if in.LogType == "Tail" {
		out.LogResult = base64.StdEncoding.EncodeToString(res.LogTail)
	}
	return out, nil
}

// InvokeAsync is the deprecated asynchronous invoke: the same queue as
// InvocationType Event, with its older 256 KB limit.
func (s *Service) InvokeAsync(ctx context.Context, in *InvokeAsyncRequest) (*InvokeAsyncResponse, error) {
	ref, err := resolve(ctx, in.FunctionName, "")
	if err != nil {
		return nil, err
	}
	var body []byte
	if in.InvokeArgs != nil {
		body, err = io.ReadAll(io.LimitReader(in.InvokeArgs, maxInvokeAsyncPayload+1))
		if err != nil {
			return nil, err
		}
	}
	if len(body) > maxInvokeAsyncPayload {
		return nil, protocol.Errorf("RequestEntityTooLargeException", "Request must be smaller than %d bytes for the InvokeAsync operation", maxInvokeAsyncPayload)
	}
	if _, err := s.invokable(ctx, ref); err != nil {
		return nil, err
	}
	payload, err := checkPayload(body)
	if err != nil {
		return nil, err
	}
	reqID := protocol.CallFrom(ctx).RequestID
	if reqID == "" {
		reqID = newUUID()
	}
	if err := s.enqueueEvent(ctx, ref, reqID, payload); err != nil {
		return nil, err
	}
	return &InvokeAsyncResponse{Status: ptr(int32(202))}, nil
}

// checkPayload returns the event to send: {} for an empty payload, the
// payload when it is JSON, AWS's error otherwise.
func checkPayload(p []byte) ([]byte, error) {
	if len(p) == 0 {
		return []byte("{}"), nil
	}
	if !json.Valid(p) {
		return nil, ErrInvalidRequestContent("Could not parse request body into json: Could not parse payload into json: %s", payloadError(p))
	}
	return p, nil
}

// invokable resolves what an invoke of ref runs, settling a create or
// update that has not settled yet (an invoke right after it) rather than
// answering AWS's 409.
func (s *Service) invokable(ctx context.Context, ref fnRef) (*qualified, error) {
	q, err := s.loadQualified(ref)
	if err == nil && q.latest.Pending != "" {
		if err := s.settle(ctx, ref.sc, ref.name, q.latest.Pending); err != nil {
			return nil, err
		}
		q, err = s.loadQualified(ref)
	}
	if err != nil {
		var perr *protocol.Error
		if errors.As(err, &perr) && perr.Code == "ResourceNotFoundException" && ref.qualifier == "" {
			return nil, errFunctionNotFound(ref.qualifiedARN()) // Invoke names $LATEST
		}
		return nil, err
	}
	if q.latest.State != "Active" {
		return nil, errFunctionState(q.latest.State)
	}
	return q, nil
}

// run is the one invoke path, synchronous and asynchronous: rec (a
// version's configuration) runs in a sandbox.
func (s *Service) run(ctx context.Context, ref fnRef, rec *functionRecord, reqID string, payload []byte, clientContext string, tail bool) (*runtime.InvokeResult, error) {
	if s.inv == nil {
		return nil, ErrService("No function runtime is configured.")
	}
	invoked := ref.arn()
	if ref.qualifier != "" {
		invoked = ref.qualifiedARN()
	}
	res, err := s.inv.Invoke(ctx, &runtime.InvokeRequest{
		Function:      s.runtimeFunction(ref.sc, rec),
		RequestID:     reqID,
		Payload:       payload,
		InvokedARN:    invoked,
		ClientContext: clientContext,
		TraceID:       s.traceID(),
		Tail:          tail,
	})
	if err != nil {
		return nil, err
	}
	if res.ExecutedVersion == "" {
		res.ExecutedVersion = versionName(rec)
	}
	return res, nil
}

// traceID is an X-Ray trace header for an invoke the caller did not trace.
func (s *Service) traceID() string {
	var b [20]byte
	rand.Read(b[:])
	return fmt.Sprintf("Root=1-%08x-%x;Parent=%x;Sampled=0", s.clock.Now().Unix(), b[:12], b[12:])
}

// payloadError explains why a payload is not JSON in the words of the
// Jackson parser AWS uses, as far as they can be told apart.
func payloadError(p []byte) string {
	where := func(off int) string {
		line, col := 1, 1
		for _, c := range p[:off] {
			if c == '\n' {
				line, col = line+1, 1
				continue
			}
			col++
		}
		return fmt.Sprintf("\n at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: %d, column: %d]", line, col)
	}
	const expected = "expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
	if !utf8.Valid(p) {
		i := invalidUTF8(p)
		if len(bytes.TrimSpace(p[:i])) == 0 {
			return fmt.Sprintf("Unexpected character ((CTRL-CHAR, code %d)): %s%s", p[i], expected, where(i))
		}
		return fmt.Sprintf("Invalid UTF-8 start byte 0x%x%s", p[i], where(i+1))
	}
	var v any
	err := json.Unmarshal(p, &v)
	var se *json.SyntaxError
	if !errors.As(err, &se) || se.Offset <= 0 || int(se.Offset) > len(p) || se.Error() == "unexpected end of JSON input" {
		return "Unexpected end-of-input" + where(len(p))
	}
	i := int(se.Offset) - 1
	c := p[i]
	if isTokenByte(c) {
		j := i
		for j > 0 && isTokenByte(p[j-1]) {
			j--
		}
		k := i
		for k < len(p) && isTokenByte(p[k]) {
			k++
		}
		return fmt.Sprintf("Unrecognized token '%s': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')%s", p[j:k], where(k))
	}
	if c < 0x20 || c >= 0x7f {
		return fmt.Sprintf("Unexpected character ((CTRL-CHAR, code %d)): %s%s", c, expected, where(i+1))
	}
	return fmt.Sprintf("Unexpected character ('%c' (code %d)): %s%s", c, c, expected, where(i+1))
}

func isTokenByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

// invalidUTF8 returns the offset of the first byte that is not valid UTF-8.
func invalidUTF8(p []byte) int {
	for i := 0; i < len(p); {
		r, n := utf8.DecodeRune(p[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(p)
}
