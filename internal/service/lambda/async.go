package lambda

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"hako/internal/engine"
	"hako/internal/eventbus"
	"hako/internal/protocol"
	"hako/internal/runtime"
)

// Asynchronous invocation, as chapter 3 of the book and AWS's "Lambda
// asynchronous invocation" page describe it:
//
//   - An Event invoke (and InvokeAsync, and every event source through
//     EventKind) is a message on the eventbus, durable before the 202.
//   - The bus hands it to handleEvent, which runs it through the same
//     path as a synchronous invoke (sandboxes, concurrency, logs).
//   - A function error, timeout or crash is retried MaximumRetryAttempts
//     times (default 2), 1 minute before the second attempt and 2 minutes
//     before the third; a throttle or an internal failure is retried with
//     exponential backoff from 1 s to 5 min; both stop when the event is
//     older than MaximumEventAgeInSeconds (default 6 h).
//   - Then the invocation record goes to the OnSuccess / OnFailure
//     destination, the failure to the function's dead-letter queue, or —
//     with neither — into a failure record a person can list and replay
//     (hako events failed / replay). Nothing is dropped silently.
//
// All waiting is done by the bus on the service clock.

// EventKind is the eventbus kind of an asynchronous invocation. Other
// services (S3 notifications, schedules, SNS) enqueue messages of this
// kind with Target set to the function ARN (qualified or not) and the
// event as Payload: the one entry point for every event source.
const EventKind = eventbus.KindLambdaInvoke

// Kinds of the messages destinations and dead-letter queues produce for
// services that deliver them (queued until those services handle them).
const (
	sqsSendKind    = eventbus.KindSQSSend
	snsPublishKind = eventbus.KindSNSPublish
	eventsPutKind  = eventbus.KindEventsPut
)

// AWS's defaults and limits of asynchronous invocation.
const (
	maxEventPayload       = 1048576
	maxInvokeAsyncPayload = 262144
	defaultMaxRetries     = 2
	defaultMaxEventAge    = 6 * time.Hour
	firstBackoff          = time.Second
	maxBackoff            = 5 * time.Minute
)

// asyncState is what handleEvent keeps across attempts (Message.State).
type asyncState struct {
	// Errors counts attempts that ended in a function error.
	Errors int `json:"errors,omitempty"`
	// Backoffs counts throttles and internal failures in a row.
	Backoffs int `json:"backoffs,omitempty"`
	// Invokes is approximateInvokeCount: attempts that reached the
	// function.
	Invokes int `json:"invokes,omitempty"`
	// Last is the response of the last attempt that ran.
	Last *lastResponse `json:"last,omitempty"`
}

type lastResponse struct {
	ExecutedVersion string          `json:"executedVersion"`
	FunctionError   string          `json:"functionError,omitempty"`
	Payload         json.RawMessage `json:"payload,omitempty"`
}

// Message attributes of a lambda.invoke message.
const (
	attrRequestID = "requestId"
)

// enqueueEvent accepts an asynchronous invocation: durable when it
// returns.
func (s *Service) enqueueEvent(ctx context.Context, ref fnRef, requestID string, payload []byte) error {
	if s.bus == nil {
		return ErrService("Asynchronous invocation needs the event bus, which this server has not configured.")
	}
	target := ref.arn()
	if ref.qualifier != "" {
		target = ref.qualifiedARN()
	}
	_, err := s.bus.Publish(ctx, eventbus.Message{
		Kind: EventKind, Target: target, Payload: json.RawMessage(payload),
		Attrs: map[string]string{attrRequestID: requestID},
	})
	return err
}

// handleEvent runs one attempt of an asynchronous invocation and decides
// what happens next.
func (s *Service) handleEvent(ctx context.Context, m *eventbus.Message) eventbus.Outcome {
	now := s.clock.Now()
	var st asyncState
	if len(m.State) > 0 {
		if err := json.Unmarshal(m.State, &st); err != nil {
			s.log.Error("async invoke: unreadable state, starting over", "id", m.ID, "err", err)
			st = asyncState{}
		}
	}
	ref, err := refOfARN(m.Target)
	if err != nil {
		return s.failed(m, &st, "InvalidTarget", eventConfig{}, fmt.Sprintf("not a function ARN: %s", m.Target))
	}
	q, err := s.invokable(ctx, ref)
	cfg, cerr := s.eventConfigFor(ref, q)
	if cerr != nil {
		return s.backoff(m, &st, now, defaultEventConfig(), cerr)
	}
	if now.Sub(m.Enqueued) > cfg.maxAge {
		return s.failed(m, &st, "EventAgeExceeded", cfg, "")
	}
	if err != nil {
		var perr *protocol.Error
		if errors.As(err, &perr) && perr.Code == "ResourceNotFoundException" {
			// The function (or its version or alias) is gone: AWS
			// discards such events; hako keeps them where a person sees.
			return s.failed(m, &st, "FunctionNotFound", cfg, err.Error())
		}
		return s.backoff(m, &st, now, cfg, err) // not Active yet, or internal
	}
	rec, err := q.pick(s.eng, ref.sc)
	if err != nil {
		return s.backoff(m, &st, now, cfg, err)
	}
	res, err := s.run(ctx, ref, rec, m.Attrs[attrRequestID], m.Payload, "", false)
	if err != nil {
		if ctx.Err() != nil {
			return eventbus.Outcome{} // stopping: the bus keeps the message
		}
		return s.backoff(m, &st, now, cfg, err)
	}
	st.Backoffs = 0
	st.Invokes++
	st.Last = &lastResponse{ExecutedVersion: res.ExecutedVersion, FunctionError: res.FunctionError, Payload: jsonOrString(res.Payload)}
	if res.FunctionError == "" {
		return s.succeeded(m, &st, cfg)
	}
	st.Errors++
	if st.Errors > cfg.maxRetries {
		return s.failed(m, &st, "RetriesExhausted", cfg, "")
	}
	// 1 minute before the second attempt, 2 before the third.
	next := now.Add(time.Duration(st.Errors) * time.Minute)
	if next.Sub(m.Enqueued) > cfg.maxAge {
		return s.failed(m, &st, "EventAgeExceeded", cfg, "")
	}
	return eventbus.Outcome{Retry: next, State: engine.MustJSON(&st)}
}

// backoff keeps an event that could not run (throttled, internal failure)
// and tries it again later: 1 s, 2 s, 4 s, ... up to 5 minutes, until it
// is too old.
func (s *Service) backoff(m *eventbus.Message, st *asyncState, now time.Time, cfg eventConfig, cause error) eventbus.Outcome {
	var te *runtime.ThrottleError
	if !errors.As(cause, &te) {
		s.log.Warn("async invoke: will retry", "function", m.Target, "request_id", m.Attrs[attrRequestID], "err", cause)
	}
	d := min(firstBackoff<<min(st.Backoffs, 20), maxBackoff)
	st.Backoffs++
	next := now.Add(d)
	if next.Sub(m.Enqueued) > cfg.maxAge {
		return s.failed(m, st, "EventAgeExceeded", cfg, "")
	}
	return eventbus.Outcome{Retry: next, State: engine.MustJSON(st)}
}

// invocationRecord is what destinations receive, in AWS's member order.
type invocationRecord struct {
	Version         string           `json:"version"`
	Timestamp       string           `json:"timestamp"`
	RequestContext  recordContext    `json:"requestContext"`
	RequestPayload  json.RawMessage  `json:"requestPayload"`
	ResponseContext *responseContext `json:"responseContext,omitempty"`
	ResponsePayload json.RawMessage  `json:"responsePayload,omitempty"`
}

type recordContext struct {
	RequestID              string `json:"requestId"`
	FunctionArn            string `json:"functionArn"`
	Condition              string `json:"condition"`
	ApproximateInvokeCount int    `json:"approximateInvokeCount"`
}

type responseContext struct {
	StatusCode      int    `json:"statusCode"`
	ExecutedVersion string `json:"executedVersion"`
	FunctionError   string `json:"functionError,omitempty"`
}

func (s *Service) record(m *eventbus.Message, st *asyncState, condition string) []byte {
	arn := m.Target
	if ref, err := refOfARN(m.Target); err == nil {
		arn = ref.qualifiedARN()
	}
	rec := invocationRecord{
		Version:   "1.0",
		Timestamp: s.clock.Now().UTC().Format("2006-01-02T15:04:05.000Z"),
		RequestContext: recordContext{
			RequestID: m.Attrs[attrRequestID], FunctionArn: arn,
			Condition: condition, ApproximateInvokeCount: st.Invokes,
		},
		RequestPayload: m.Payload,
	}
	if st.Last != nil {
		rec.ResponseContext = &responseContext{StatusCode: 200, ExecutedVersion: st.Last.ExecutedVersion, FunctionError: st.Last.FunctionError}
		rec.ResponsePayload = st.Last.Payload
	}
	return engine.MustJSON(&rec)
}

func (s *Service) succeeded(m *eventbus.Message, st *asyncState, cfg eventConfig) eventbus.Outcome {
	if cfg.onSuccess == "" {
		return eventbus.Outcome{}
	}
	rec := s.record(m, st, "Success")
	return eventbus.Outcome{Then: func(tx engine.Txn) error { return s.toDestination(tx, cfg.onSuccess, rec) }}
}

// failed ends an event that will not be retried: its record goes to the
// OnFailure destination, else the original event to the function's
// dead-letter queue, else into a failure record.
func (s *Service) failed(m *eventbus.Message, st *asyncState, condition string, cfg eventConfig, detail string) eventbus.Outcome {
	rec := s.record(m, st, condition)
	s.log.Warn("async invoke failed", "function", m.Target, "request_id", m.Attrs[attrRequestID], "condition", condition, "attempts", st.Invokes, "detail", detail)
	switch {
	case cfg.onFailure != "":
		return eventbus.Outcome{Then: func(tx engine.Txn) error { return s.toDestination(tx, cfg.onFailure, rec) }}
	case cfg.deadLetter != "":
		kind := sqsSendKind
		if strings.Contains(cfg.deadLetter, ":sns:") {
			kind = snsPublishKind
		}
		errMsg := ""
		if st.Last != nil {
			errMsg = string(st.Last.Payload)
		}
		return eventbus.Outcome{Then: func(tx engine.Txn) error {
			_, err := s.bus.Enqueue(tx, eventbus.Message{
				Kind: kind, Target: cfg.deadLetter, Payload: m.Payload,
				// The message attributes AWS puts on a dead letter.
				Attrs: map[string]string{"RequestID": m.Attrs[attrRequestID], "ErrorCode": "200", "ErrorMessage": errMsg},
			})
			return err
		}}
	}
	ref, _ := refOfARN(m.Target)
	f := failureRecord{
		ID: m.ID, Function: m.Target, Condition: condition, Detail: detail,
		Time: s.clock.Now().UTC(), Record: rec, Payload: m.Payload, RequestID: m.Attrs[attrRequestID],
	}
	return eventbus.Outcome{Then: func(tx engine.Txn) error {
		tx.Set(ref.sc.failureKey(f.ID), engine.MustJSON(&f))
		return nil
	}}
}

// toDestination sends an invocation record on: a Lambda function gets it
// as an asynchronous event; SQS, SNS and EventBridge destinations get a
// message of their kind, delivered once those services handle it.
func (s *Service) toDestination(tx engine.Txn, arn string, rec []byte) error {
	kind := EventKind
	switch {
	case strings.Contains(arn, ":sqs:"):
		kind = sqsSendKind
	case strings.Contains(arn, ":sns:"):
		kind = snsPublishKind
	case strings.Contains(arn, ":events:"):
		kind = eventsPutKind
	}
	_, err := s.bus.Enqueue(tx, eventbus.Message{
		Kind: kind, Target: arn, Payload: rec,
		Attrs: map[string]string{attrRequestID: newUUID()},
	})
	return err
}

// failureRecord is an asynchronous event that failed with nowhere to go.
type failureRecord struct {
	ID        string          `json:"id"`
	Function  string          `json:"function"`
	RequestID string          `json:"requestId"`
	Condition string          `json:"condition"`
	Detail    string          `json:"detail,omitempty"`
	Time      time.Time       `json:"time"`
	Record    json.RawMessage `json:"record"`
	Payload   json.RawMessage `json:"payload"`
}

// FailedEvent is a failure record as `hako events failed` shows it.
type FailedEvent = failureRecord

// FailedEvents lists the failure records of an account and region, oldest
// first.
func (s *Service) FailedEvents(account, region string) ([]FailedEvent, error) {
	sc := scope{account: account, region: region}
	out := []FailedEvent{}
	err := s.eng.View(func(r engine.Reader) error {
		p := sc.failuresPrefix()
		return r.Scan(p, engine.PrefixEnd(p), false, func(k, v []byte) (bool, error) {
			var f failureRecord
			if err := json.Unmarshal(v, &f); err != nil {
				return false, err
			}
			out = append(out, f)
			return true, nil
		})
	})
	return out, err
}

// ErrNoFailedEvent is returned by ReplayFailedEvent for an unknown id.
var ErrNoFailedEvent = errors.New("no failed event with that id")

// ReplayFailedEvent queues a failed event again as a new asynchronous
// invocation (fresh retries and age) and removes its failure record, in
// one transaction.
func (s *Service) ReplayFailedEvent(ctx context.Context, account, region, id string) (string, error) {
	sc := scope{account: account, region: region}
	var newID string
	err := s.update(ctx, func(tx engine.Txn) error {
		v, err := tx.Get(sc.failureKey(id))
		if errors.Is(err, engine.ErrNotFound) {
			return ErrNoFailedEvent
		}
		if err != nil {
			return err
		}
		var f failureRecord
		if err := json.Unmarshal(v, &f); err != nil {
			return err
		}
		tx.Delete(sc.failureKey(id))
		newID, err = s.bus.Enqueue(tx, eventbus.Message{
			Kind: EventKind, Target: f.Function, Payload: f.Payload,
			Attrs: map[string]string{attrRequestID: f.RequestID},
		})
		return err
	})
	if err != nil {
		return "", err
	}
	s.bus.Kick()
	return newID, nil
}

// refOfARN reads a (possibly qualified) function ARN in its own account
// and region.
func refOfARN(arn string) (fnRef, error) {
	m := fnNameRE.FindStringSubmatch(arn)
	if m == nil || m[1] == "" || m[2] == "" {
		return fnRef{}, fmt.Errorf("not a function ARN: %q", arn)
	}
	return fnRef{sc: scope{account: m[2], region: m[1]}, name: m[3], qualifier: m[4]}, nil
}

// jsonOrString keeps a response that is JSON as it is and quotes one that
// is not, so the invocation record stays a JSON document.
func jsonOrString(b []byte) json.RawMessage {
	if json.Valid(b) {
		return json.RawMessage(b)
	}
	return engine.MustJSON(string(b))
}
