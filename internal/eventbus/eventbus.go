// Package eventbus is hako's one durable path for asynchronous work: an
// S3 notification, an Event invoke, a schedule's tick, a retry an hour
// from now and a destination's record all travel through it.
//
// A producer records a Message in the same engine transaction as the write
// that caused it (Enqueue), so a crash can lose neither without the other.
// A dispatcher hands every due message to the Handler registered for its
// Kind, in parallel, and records what the handler decided — done (the
// message is deleted, with any follow-up writes such as the next message)
// or retry at a later time (with the handler's updated state) — in one
// transaction again. Delivery is therefore at-least-once: a message is
// only gone once its handler's outcome is durable, and a message whose
// handler was running when the process died runs again after restart.
//
// # Storage
//
// One key per message, ordered by due time:
//
//	bus/d/<due: 16 hex digits of Unix nanoseconds><id> -> Message (JSON)
//
// so the dispatcher finds due work with one Scan from the start of the
// range to "now", and rescheduling is one delete plus one set.
//
// # Time
//
// Due times are on the injected clock, so tests run an hour of retries by
// advancing a fake clock. A real-time ticker (Config.Poll) only wakes the
// dispatcher in case a producer forgot to Kick after its commit; it never
// decides when anything is due.
package eventbus

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	goruntime "runtime"
	"runtime/debug"
	"sync"
	"time"

	"hako/internal/clock"
	"hako/internal/engine"
)

// Kinds every service may enqueue: the shared vocabulary between a
// producer and the service that handles the kind (services do not import
// each other).
const (
	// KindLambdaInvoke is an asynchronous Lambda invocation: Target is the
	// function ARN (qualified or not), Payload the event, Attrs
	// "requestId" optional. Lambda handles it with AWS's retries.
	KindLambdaInvoke = "lambda.invoke"
	// KindSQSSend sends Payload to the queue ARN in Target.
	KindSQSSend = "sqs.send"
	// KindSNSPublish publishes Payload to the topic ARN in Target.
	KindSNSPublish = "sns.publish"
	// KindEventsPut puts Payload on the event bus ARN in Target.
	KindEventsPut = "events.put"
)

// Message is one unit of asynchronous work.
type Message struct {
	// ID is unique and stable across retries.
	ID string `json:"id"`
	// Kind names the Handler that runs it ("lambda.invoke", ...).
	Kind string `json:"kind"`
	// Target says to what the handler delivers (e.g. a function ARN).
	Target string `json:"target,omitempty"`
	// Payload is the event itself.
	Payload json.RawMessage `json:"payload,omitempty"`
	// Attrs are the producer's details the handler needs (account,
	// region, source, ...).
	Attrs map[string]string `json:"attrs,omitempty"`
	// Enqueued is when the message was first accepted.
	Enqueued time.Time `json:"enqueued"`
	// Due is when it is to be handled next.
	Due time.Time `json:"due"`
	// Attempts counts the handler runs whose outcome was recorded.
	Attempts int `json:"attempts"`
	// State is the handler's own bookkeeping, kept across retries.
	State json.RawMessage `json:"state,omitempty"`
}

// Outcome is what a handler decided about a message.
type Outcome struct {
	// Retry, when non-zero, keeps the message and makes it due again at
	// this time; otherwise the message is done and deleted.
	Retry time.Time
	// State replaces Message.State (kept with a retry).
	State json.RawMessage
	// Then runs in the transaction that records the outcome: follow-up
	// messages (Enqueue), failure records, ... It must be free of side
	// effects besides tx (it may run more than once).
	Then func(tx engine.Txn) error
}

// Handler handles one message. It must tolerate running a message more
// than once (at-least-once delivery). ctx is cancelled when the bus stops.
type Handler func(ctx context.Context, m *Message) Outcome

// Config configures a Bus.
type Config struct {
	Engine engine.Engine
	Clock  clock.Clock
	Log    *slog.Logger
	// Workers bounds the messages handled at once. Default: 8 per
	// GOMAXPROCS, at least 16.
	Workers int
	// Poll is the safety-net wake-up interval (real time). Default 1s.
	Poll time.Duration
}

// Bus is the durable queue and its dispatcher.
type Bus struct {
	eng     engine.Engine
	clock   clock.Clock
	log     *slog.Logger
	workers chan struct{}
	poll    time.Duration

	mu       sync.Mutex
	handlers map[string]Handler
	inflight map[string]bool // message ids being handled
	unknown  map[string]bool // kinds without a handler, logged once
	timer    clock.Timer
	timerAt  time.Time
	running  bool
	cancel   context.CancelFunc
	kick     chan struct{}
	done     chan struct{}
	wg       sync.WaitGroup
}

const (
	keyPrefix = "bus/d/"
	// scanBatch bounds one pass over due messages, so a large backlog is
	// taken in slices while workers drain it.
	scanBatch = 1024
)

// New builds a bus; register handlers, then Start it.
func New(cfg Config) *Bus {
	b := &Bus{
		eng: cfg.Engine, clock: cfg.Clock, log: cfg.Log, poll: cfg.Poll,
		handlers: map[string]Handler{},
		inflight: map[string]bool{},
		unknown:  map[string]bool{},
		kick:     make(chan struct{}, 1),
	}
	if b.clock == nil {
		b.clock = clock.Real{}
	}
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	if b.poll <= 0 {
		b.poll = time.Second
	}
	n := cfg.Workers
	if n <= 0 {
		// Enough to overlap handlers that wait (fsync, a sandbox's
		// answer) without a crowd of sandboxes fighting over the CPU:
		// on 2 cores 16 delivered ~1,100 events/s where 64 gave ~700.
		n = max(16, 8*goruntime.GOMAXPROCS(0))
	}
	b.workers = make(chan struct{}, n)
	return b
}

// Handle registers the handler of a kind. Messages of a kind nobody
// handles stay queued (and are logged) until one is registered.
func (b *Bus) Handle(kind string, h Handler) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.handlers[kind] = h
}

// Enqueue records m in tx: it becomes due at m.Due (now when zero). ID
// and Enqueued are filled in when empty. Call Kick after tx committed so
// the dispatcher need not wait for its safety-net poll.
func (b *Bus) Enqueue(tx engine.Txn, m Message) (string, error) {
	if m.Kind == "" {
		return "", errors.New("eventbus: message without a kind")
	}
	now := b.clock.Now()
	if m.ID == "" {
		m.ID = newID(now)
	}
	if m.Enqueued.IsZero() {
		m.Enqueued = now
	}
	if m.Due.IsZero() {
		m.Due = now
	}
	v, err := json.Marshal(&m)
	if err != nil {
		return "", fmt.Errorf("eventbus: %w", err)
	}
	tx.Set(dueKey(m.Due, m.ID), v)
	return m.ID, nil
}

// Publish records messages in a transaction of their own and kicks the
// dispatcher: for producers with no write of their own to join.
func (b *Bus) Publish(ctx context.Context, ms ...Message) ([]string, error) {
	var ids []string
	err := b.eng.Update(ctx, func(tx engine.Txn) error {
		ids = ids[:0]
		for _, m := range ms {
			id, err := b.Enqueue(tx, m)
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	b.Kick()
	return ids, nil
}

// Kick wakes the dispatcher (after a commit that enqueued something).
func (b *Bus) Kick() {
	select {
	case b.kick <- struct{}{}:
	default:
	}
}

// Start runs the dispatcher. Messages left by an earlier process (also
// those that were being handled when it died) are due again at once.
func (b *Bus) Start(context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.running {
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	b.cancel, b.running, b.done = cancel, true, make(chan struct{})
	go b.loop(ctx)
	b.Kick()
	return nil
}

// Stop stops dispatching and waits for running handlers (their contexts
// are cancelled; what they did not record runs again after restart).
func (b *Bus) Stop() error {
	b.Cancel()
	b.mu.Lock()
	done := b.done
	b.mu.Unlock()
	if done != nil {
		<-done
	}
	b.wg.Wait()
	return nil
}

// Cancel stops dispatching and cancels running handlers without waiting:
// the server cancels, then stops the sandboxes those handlers may wait
// on, then Stops.
func (b *Bus) Cancel() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.running {
		return
	}
	b.running = false
	b.cancel()
	if b.timer != nil {
		b.timer.Stop()
		b.timer = nil
	}
}

func (b *Bus) loop(ctx context.Context) {
	defer close(b.done)
	poll := time.NewTicker(b.poll)
	defer poll.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-b.kick:
		case <-poll.C:
		}
		b.dispatch(ctx)
	}
}

// dispatch starts a handler for every due message not already running
// (as many as there are free workers) and arms the clock timer for the
// next due message.
func (b *Bus) dispatch(ctx context.Context) {
	now := b.clock.Now()
	end := dueKey(now.Add(time.Nanosecond), "")
	var due []*Message
	var next time.Time
	full := false
	err := b.eng.View(func(r engine.Reader) error {
		p := []byte(keyPrefix)
		return r.Scan(p, engine.PrefixEnd(p), false, func(k, v []byte) (bool, error) {
			if bytes.Compare(k, end) >= 0 {
				m, err := decode(v)
				if err == nil {
					next = m.Due
				}
				return false, nil
			}
			if len(due) >= scanBatch {
				full = true
				return false, nil
			}
			id := string(k[len(keyPrefix)+16:])
			b.mu.Lock()
			busy := b.inflight[id]
			b.mu.Unlock()
			if busy {
				return true, nil
			}
			m, err := decode(v)
			if err != nil {
				b.log.Error("eventbus: unreadable message, left in place", "key", string(k), "err", err)
				return true, nil
			}
			due = append(due, m)
			return true, nil
		})
	})
	if err != nil {
		if ctx.Err() == nil {
			b.log.Error("eventbus: scanning due messages failed", "err", err)
		}
		return
	}
	for _, m := range due {
		b.mu.Lock()
		h := b.handlers[m.Kind]
		if h == nil || b.inflight[m.ID] {
			first := h == nil && !b.unknown[m.Kind]
			if first {
				b.unknown[m.Kind] = true
			}
			b.mu.Unlock()
			if first {
				b.log.Warn("eventbus: no service handles this kind yet; its messages are kept until one does", "kind", m.Kind, "target", m.Target)
			}
			continue
		}
		b.inflight[m.ID] = true
		b.mu.Unlock()
		select {
		case b.workers <- struct{}{}:
		case <-ctx.Done():
			b.release(m.ID)
			return
		}
		b.wg.Add(1)
		go func() {
			defer b.wg.Done()
			defer func() { <-b.workers }()
			b.run(ctx, h, m)
		}()
	}
	if full {
		b.Kick() // more due work than one pass took
	}
	if !next.IsZero() {
		b.armTimer(next)
	}
}

// panicRetry is when a message whose handler panicked (a hako bug, logged
// with its stack) runs again: late enough not to spin.
const panicRetry = time.Minute

// run handles one message and records its outcome.
func (b *Bus) run(ctx context.Context, h Handler, m *Message) {
	defer b.release(m.ID)
	oldKey := dueKey(m.Due, m.ID)
	out := b.call(ctx, h, m)
	if ctx.Err() != nil {
		return // stopping: the message runs again after restart
	}
	err := b.eng.Update(context.Background(), func(tx engine.Txn) error {
		if _, err := tx.Get(oldKey); errors.Is(err, engine.ErrNotFound) {
			return errGone
		} else if err != nil {
			return err
		}
		tx.Delete(oldKey)
		if !out.Retry.IsZero() {
			n := *m
			n.Attempts++
			n.Due = out.Retry
			if out.State != nil {
				n.State = out.State
			}
			v, err := json.Marshal(&n)
			if err != nil {
				return err
			}
			tx.Set(dueKey(n.Due, n.ID), v)
		}
		if out.Then != nil {
			return out.Then(tx)
		}
		return nil
	})
	switch {
	case errors.Is(err, errGone):
		// Removed meanwhile (a reset, or a purge): nothing to record.
	case err != nil:
		b.log.Error("eventbus: recording an outcome failed; the message will run again", "kind", m.Kind, "id", m.ID, "err", err)
	default:
		if !out.Retry.IsZero() {
			b.armTimer(out.Retry)
		}
		if out.Then != nil {
			b.Kick() // follow-ups may be due now
		}
	}
}

var errGone = errors.New("eventbus: message no longer queued")

// call runs a handler; a panic is logged and becomes a retry.
func (b *Bus) call(ctx context.Context, h Handler, m *Message) (out Outcome) {
	defer func() {
		if r := recover(); r != nil {
			b.log.Error("eventbus: handler panicked; the message is kept and retried", "kind", m.Kind, "id", m.ID, "panic", r, "stack", string(debug.Stack()))
			out = Outcome{Retry: b.clock.Now().Add(panicRetry)}
		}
	}()
	return h(ctx, m)
}

func (b *Bus) release(id string) {
	b.mu.Lock()
	delete(b.inflight, id)
	b.mu.Unlock()
}

// armTimer makes sure the dispatcher wakes at t (clock time).
func (b *Bus) armTimer(t time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.running {
		return
	}
	if b.timer != nil && !b.timerAt.After(t) {
		return // an earlier wake-up is armed; it re-arms for later ones
	}
	if b.timer != nil {
		b.timer.Stop()
	}
	b.timerAt = t
	b.timer = b.clock.AfterFunc(t.Sub(b.clock.Now()), func() {
		b.mu.Lock()
		b.timer = nil
		b.mu.Unlock()
		b.Kick()
	})
}

// Pending returns the queued messages of a kind (all kinds when kind is
// ""), in due order: for operators and tests.
func (b *Bus) Pending(kind string) ([]*Message, error) {
	var out []*Message
	err := b.eng.View(func(r engine.Reader) error {
		p := []byte(keyPrefix)
		return r.Scan(p, engine.PrefixEnd(p), false, func(k, v []byte) (bool, error) {
			m, err := decode(v)
			if err != nil {
				return false, err
			}
			if kind == "" || m.Kind == kind {
				out = append(out, m)
			}
			return true, nil
		})
	})
	return out, err
}

func decode(v []byte) (*Message, error) {
	m := new(Message)
	if err := json.Unmarshal(v, m); err != nil {
		return nil, fmt.Errorf("eventbus: message: %w", err)
	}
	return m, nil
}

func dueKey(due time.Time, id string) []byte {
	k := make([]byte, 0, len(keyPrefix)+16+len(id))
	k = append(k, keyPrefix...)
	k = fmt.Appendf(k, "%016x", uint64(max(due.UnixNano(), 0)))
	return append(k, id...)
}

// newID is time-ordered (so ids sort roughly by acceptance) and random.
func newID(now time.Time) string {
	var r [8]byte
	rand.Read(r[:])
	return fmt.Sprintf("%012x", uint64(now.UnixMilli())) + hex.EncodeToString(r[:])
}
