package fire

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"hako/internal/clock"
	"hako/internal/engine"
	"hako/internal/eventbus"
	"hako/internal/protocol"
)

// Defaults of a target's RetryPolicy, the same for EventBridge rules and
// Scheduler: 185 retries within 24 hours.
const (
	DefaultRetryAttempts = 185
	DefaultMaxEventAge   = 24 * time.Hour
	firstBackoff         = time.Second
	maxBackoff           = 5 * time.Minute
)

// Permitter answers whether a function's resource policy lets a service
// principal invoke it for a source ARN (Lambda's InvokePermitted). A
// missing function is an error with code ResourceNotFoundException.
type Permitter interface {
	InvokePermitted(ctx context.Context, functionARN, principal, sourceARN, sourceAccount string) (bool, error)
}

// Dead-letter formats: the message attributes each service puts on the
// events it sends to a target's dead-letter queue.
const (
	DLQEvents    = "events"
	DLQScheduler = "scheduler"
)

// Target is one delivery's destination and policy.
type Target struct {
	// ARN is the target (a Lambda function, for now).
	ARN string
	// ID is the target's id in its rule (EventBridge).
	ID string
	// Source is the rule or schedule ARN: the SourceArn of the permission
	// check and the dead letter's attributes.
	Source string
	// Account is the source's account (the SourceAccount of the check).
	Account string
	// Principal is the service principal whose permission on a Lambda
	// function's resource policy is checked ("events.amazonaws.com");
	// empty checks none (Scheduler acts through its execution role).
	Principal string
	// RetryAttempts and MaxAge are the RetryPolicy; nil means the default.
	RetryAttempts *int32
	MaxAge        *int32
	// DeadLetter is an SQS queue ARN, or empty.
	DeadLetter string
	// DLQFormat is DLQEvents or DLQScheduler.
	DLQFormat string
}

// Message attributes of a delivery.
const (
	aTargetID = "targetId"
	aSource   = "source"
	aAccount  = "account"
	aPrinc    = "principal"
	aRetries  = "retries"
	aMaxAge   = "maxAge"
	aDLQ      = "dlq"
	aFormat   = "dlqFormat"
	aEvent    = "event"
)

// Deliverer runs the deliveries of one kind.
type Deliverer struct {
	bus   *eventbus.Bus
	kind  string
	clock clock.Clock
	log   *slog.Logger
	perm  func() Permitter
}

// NewDeliverer registers the handler of kind on bus. perm is called at
// each delivery (the server wires Lambda in after building services); it
// may return nil, and then no Lambda target is permitted.
func NewDeliverer(bus *eventbus.Bus, kind string, clk clock.Clock, log *slog.Logger, perm func() Permitter) *Deliverer {
	d := &Deliverer{bus: bus, kind: kind, clock: clk, log: log, perm: perm}
	bus.Handle(kind, d.handle)
	return d
}

// Enqueue records, in tx, the delivery of payload (the target's input) to
// t. event is the event itself, which a dead-letter queue receives (nil:
// the payload).
func (d *Deliverer) Enqueue(tx engine.Txn, t Target, payload, event []byte) error {
	a := map[string]string{aSource: t.Source, aAccount: t.Account, aFormat: t.DLQFormat}
	set := func(k, v string) {
		if v != "" {
			a[k] = v
		}
	}
	set(aTargetID, t.ID)
	set(aPrinc, t.Principal)
	set(aDLQ, t.DeadLetter)
	if t.RetryAttempts != nil {
		a[aRetries] = strconv.Itoa(int(*t.RetryAttempts))
	}
	if t.MaxAge != nil {
		a[aMaxAge] = strconv.Itoa(int(*t.MaxAge))
	}
	if event != nil && string(event) != string(payload) {
		a[aEvent] = string(event)
	}
	_, err := d.bus.Enqueue(tx, eventbus.Message{Kind: d.kind, Target: t.ARN, Payload: payload, Attrs: a})
	return err
}

// failure is why a delivery attempt failed, with the codes EventBridge
// reports to dead-letter queues.
type failure struct {
	code, msg string
	retry     bool // a retriable error; permissions and missing targets are not
}

func (d *Deliverer) handle(ctx context.Context, m *eventbus.Message) eventbus.Outcome {
	now := d.clock.Now()
	kind, f := d.route(ctx, m)
	if f == nil {
		return eventbus.Outcome{Then: func(tx engine.Txn) error {
			_, err := d.bus.Enqueue(tx, eventbus.Message{Kind: kind, Target: m.Target, Payload: m.Payload})
			return err
		}}
	}
	if ctx.Err() != nil {
		return eventbus.Outcome{} // stopping: the bus keeps the message
	}
	retries, maxAge := DefaultRetryAttempts, DefaultMaxEventAge
	if v, err := strconv.Atoi(m.Attrs[aRetries]); err == nil {
		retries = v
	}
	if v, err := strconv.Atoi(m.Attrs[aMaxAge]); err == nil {
		maxAge = time.Duration(v) * time.Second
	}
	if f.retry {
		// Exponential backoff with full jitter, as AWS's retries.
		wait := min(firstBackoff<<min(m.Attempts, 20), maxBackoff)
		next := now.Add(wait/2 + rand.N(wait/2+1))
		switch {
		case m.Attempts >= retries:
			return d.deadLetter(m, f, "MaximumRetryAttemptsExhausted")
		case next.Sub(m.Enqueued) > maxAge:
			return d.deadLetter(m, f, "MaximumEventAgeExhausted")
		}
		return eventbus.Outcome{Retry: next}
	}
	return d.deadLetter(m, f, "")
}

// route decides where a delivery goes: the eventbus kind of the target's
// service, or why it cannot go there.
func (d *Deliverer) route(ctx context.Context, m *eventbus.Message) (string, *failure) {
	parts := strings.SplitN(m.Target, ":", 6)
	if len(parts) < 6 {
		return "", &failure{code: "RESOURCE_NOT_FOUND", msg: "Target " + m.Target + " is not an ARN."}
	}
	switch parts[2] {
	case "lambda":
		if p := m.Attrs[aPrinc]; p != "" {
			var perm Permitter
			if d.perm != nil {
				perm = d.perm()
			}
			if perm == nil {
				return "", &failure{code: "NO_PERMISSIONS", msg: "Lambda is not available to check the function's permissions."}
			}
			ok, err := perm.InvokePermitted(ctx, m.Target, p, m.Attrs[aSource], m.Attrs[aAccount])
			var pe *protocol.Error
			switch {
			case errors.As(err, &pe) && pe.Code == "ResourceNotFoundException":
				return "", &failure{code: "RESOURCE_NOT_FOUND", msg: pe.Message}
			case err != nil:
				return "", &failure{code: "INTERNAL_ERROR", msg: err.Error(), retry: true}
			case !ok:
				return "", &failure{code: "NO_PERMISSIONS",
					msg: "The resource-based policy of " + m.Target + " does not allow " + p + " to invoke it for " + m.Attrs[aSource] + "."}
			}
		}
		return eventbus.KindLambdaInvoke, nil
	case "sqs":
		return eventbus.KindSQSSend, nil
	case "sns":
		return eventbus.KindSNSPublish, nil
	case "events":
		return eventbus.KindEventsPut, nil
	}
	return "", &failure{code: "RESOURCE_NOT_FOUND", msg: "hako cannot deliver to " + parts[2] + " targets: " + m.Target}
}

// deadLetter ends a failed delivery: the event goes to the target's
// dead-letter queue with the message attributes AWS sets, else it is
// dropped, as on AWS — and logged, so nobody wonders where it went.
func (d *Deliverer) deadLetter(m *eventbus.Message, f *failure, exhausted string) eventbus.Outcome {
	event := m.Payload
	if e, ok := m.Attrs[aEvent]; ok {
		event = []byte(e)
	}
	dlq := m.Attrs[aDLQ]
	d.log.Warn("delivery to a target failed", "source", m.Attrs[aSource], "target", m.Target,
		"error_code", f.code, "error", f.msg, "attempts", m.Attempts+1, "exhausted", exhausted, "dead_letter_queue", dlq)
	if dlq == "" {
		return eventbus.Outcome{}
	}
	var attrs map[string]string
	if m.Attrs[aFormat] == DLQScheduler {
		attrs = map[string]string{
			"X-Amz-Scheduler-Attempt":       strconv.Itoa(m.Attempts + 1),
			"X-Amz-Scheduler-Schedule-Arn":  m.Attrs[aSource],
			"X-Amz-Scheduler-Target-Arn":    m.Target,
			"X-Amz-Scheduler-Error-Code":    f.code,
			"X-Amz-Scheduler-Error-Message": f.msg,
		}
	} else {
		attrs = map[string]string{
			"RULE_ARN": m.Attrs[aSource], "TARGET_ARN": m.Target,
			"ERROR_CODE": f.code, "ERROR_MESSAGE": f.msg, "RETRY_ATTEMPTS": strconv.Itoa(m.Attempts),
		}
		if exhausted != "" {
			attrs["EXHAUSTED_RETRY_CONDITION"] = exhausted
		}
	}
	return eventbus.Outcome{Then: func(tx engine.Txn) error {
		_, err := d.bus.Enqueue(tx, eventbus.Message{Kind: eventbus.KindSQSSend, Target: dlq, Payload: event, Attrs: attrs})
		return err
	}}
}
