// Package fire is what happens when a schedule fires or an event matches,
// shared by EventBridge rules (package events) and EventBridge Scheduler
// (package scheduler): the durable tick of a schedule (Ticker) and the
// delivery of an event to a target with a retry policy and a dead-letter
// queue in front of the target service's own asynchronous path
// (Deliverer). Both are eventbus handlers; neither has side effects outside
// the transaction that records its outcome.
//
// # Ticks fire exactly once
//
// A schedule that is to fire has exactly one tick message on the eventbus,
// due at its next fire time, and its owner's record names that message
// (Ref.ID). The tick handler decides nothing outside its Outcome.Then,
// which runs in the transaction that deletes the message and, in that one
// transaction, reads the owner's record, enqueues the tick's deliveries and
// the next tick message, and saves the record naming the new message. So:
//
//   - a crash before that transaction commits leaves the message, which runs
//     again after restart (the bus is at-least-once) and fires the tick then;
//   - a crash after it leaves no message to run again: the bus's outcome
//     transaction finds its own message gone and records nothing, so a tick
//     never fires twice;
//   - a schedule changed, disabled or deleted meanwhile no longer names the
//     message: the handler finds a stale tick and drops it. Changing a
//     schedule therefore never needs to find the old message; it arms a new
//     one and the old one expires harmlessly when due.
//
// # Missed ticks
//
// A tick that fell due before this process started, and is handled more
// than Grace (one minute, the "within the minute" both AWS services
// promise) after it was due, was missed while hako was not running. As on
// AWS, missed ticks are not backfilled: the handler fires none of them,
// logs how many were skipped and from when to when, and arms the first
// tick after now.
//
// A tick that fell due while hako ran fires even when it is handled late
// (the clock was moved forward with `hako clock advance`, or the machine
// stalled): once. The ticks the jump passed over after it are collapsed
// into it (logged), so advancing a day fires a daily job once and a
// 5-minute job once, not 288 times.
package fire

import (
	"context"
	"log/slog"
	"time"

	"hako/internal/clock"
	"hako/internal/engine"
	"hako/internal/eventbus"
)

// Grace is how late a tick may start and still fire.
const Grace = time.Minute

// maxSkipCount bounds the counting of skipped ticks for the log.
const maxSkipCount = 100000

// attrAt is the tick message attribute holding the nominal tick (RFC 3339
// with nanoseconds); the message is due later with a flexible window.
const attrAt = "at"

// Ref names an owner's current tick message. The owner keeps it in its
// record; a zero Ref means no tick is armed.
type Ref struct {
	// ID is the tick message's id.
	ID string `json:"id,omitempty"`
	// At is the nominal fire time.
	At time.Time `json:"at,omitzero"`
	// Due is when the message is handled: At plus a flexible-window
	// offset (Scheduler), else At.
	Due time.Time `json:"due,omitzero"`
}

// Owner is what a schedule's record says about it, read in the tick's
// outcome transaction.
type Owner struct {
	// Tick is the id of the tick message the record names.
	Tick string
	// Next is the schedule's first fire time strictly after t; zero when
	// it fires no more.
	Next func(t time.Time) time.Time
	// Offset is the delay of the message after a nominal tick (flexible
	// time window); nil for none.
	Offset func() time.Duration
	// Fire enqueues the deliveries of the tick at `at` in tx.
	Fire func(tx engine.Txn, at time.Time) error
	// Save writes the record naming its next tick (zero Ref: none).
	Save func(tx engine.Txn, next Ref) error
}

// Load reads the owner of a tick message in tx; nil when it is gone.
type Load func(tx engine.Txn, m *eventbus.Message) (*Owner, error)

// Ticker runs the tick messages of one kind.
type Ticker struct {
	bus   *eventbus.Bus
	kind  string
	clock clock.Clock
	log   *slog.Logger
	load  Load
	// started is when this process began handling ticks: earlier ticks
	// were missed while hako was down.
	started time.Time
}

// NewTicker registers the handler of kind on bus.
func NewTicker(bus *eventbus.Bus, kind string, clk clock.Clock, log *slog.Logger, load Load) *Ticker {
	t := &Ticker{bus: bus, kind: kind, clock: clk, log: log, load: load, started: clk.Now()}
	bus.Handle(kind, t.handle)
	return t
}

// Arm enqueues, in the owner's transaction tx, a tick message for the
// nominal time at, due offset later, and returns its Ref for the owner's
// record. target and attrs identify the owner to Load.
func (t *Ticker) Arm(tx engine.Txn, target string, attrs map[string]string, at time.Time, offset time.Duration) (Ref, error) {
	a := make(map[string]string, len(attrs)+1)
	for k, v := range attrs {
		a[k] = v
	}
	a[attrAt] = at.UTC().Format(time.RFC3339Nano)
	due := at.Add(offset)
	id, err := t.bus.Enqueue(tx, eventbus.Message{Kind: t.kind, Target: target, Attrs: a, Due: due})
	if err != nil {
		return Ref{}, err
	}
	return Ref{ID: id, At: at.UTC(), Due: due.UTC()}, nil
}

// Kick wakes the bus after a transaction that armed a tick committed.
func (t *Ticker) Kick() { t.bus.Kick() }

func (t *Ticker) handle(_ context.Context, m *eventbus.Message) eventbus.Outcome {
	started := t.clock.Now()
	return eventbus.Outcome{Then: func(tx engine.Txn) error { return t.tick(tx, m, started) }}
}

// tick runs in the outcome transaction of message m, handled at now.
func (t *Ticker) tick(tx engine.Txn, m *eventbus.Message, now time.Time) error {
	o, err := t.load(tx, m)
	if err != nil {
		return err
	}
	if o == nil || o.Tick != m.ID {
		return nil // the schedule changed, was disabled or deleted
	}
	at := m.Due
	if s := m.Attrs[attrAt]; s != "" {
		if v, err := time.Parse(time.RFC3339Nano, s); err == nil {
			at = v
		}
	}
	late := now.Sub(m.Due)
	if late > Grace && m.Due.Before(t.started) {
		n, last, next := t.skip(o, at, now)
		t.log.Warn("schedule: ticks missed while hako was not running are not fired, as on AWS",
			"schedule", m.Target, "skipped", n, "first", at.UTC(), "last", last.UTC(), "next", next.UTC(), "late", late)
		return t.arm(tx, m, o, next)
	}
	if err := o.Fire(tx, at); err != nil {
		return err
	}
	next := o.Next(at)
	if late > Grace && !next.IsZero() && !next.After(now) {
		n, last, after := t.skip(o, next, now)
		t.log.Info("schedule: the clock moved past several ticks; fired the first, collapsed the rest",
			"schedule", m.Target, "fired", at.UTC(), "collapsed", n, "first", next.UTC(), "last", last.UTC(), "next", after.UTC())
		next = after
	}
	return t.arm(tx, m, o, next)
}

// skip counts the ticks from `from` up to now and returns how many, the
// last of them and the first tick after now.
func (t *Ticker) skip(o *Owner, from, now time.Time) (n int, last, next time.Time) {
	n, last = 1, from
	next = o.Next(from)
	for !next.IsZero() && !next.After(now) && n < maxSkipCount {
		n, last = n+1, next
		next = o.Next(next)
	}
	if !next.IsZero() && !next.After(now) {
		next = o.Next(now) // more than maxSkipCount: stop counting
	}
	return n, last, next
}

// arm enqueues the owner's next tick (none when next is zero) and saves
// the record naming it.
func (t *Ticker) arm(tx engine.Txn, m *eventbus.Message, o *Owner, next time.Time) error {
	var ref Ref
	if !next.IsZero() {
		var off time.Duration
		if o.Offset != nil {
			off = o.Offset()
		}
		var err error
		if ref, err = t.Arm(tx, m.Target, m.Attrs, next, off); err != nil {
			return err
		}
	}
	return o.Save(tx, ref)
}
