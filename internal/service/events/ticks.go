package events

import (
	"time"

	"hako/internal/engine"
	"hako/internal/eventbus"
	"hako/internal/schedule"
	"hako/internal/schedule/fire"
)

// enabled reports whether a rule in state fires and matches.
func enabled(state string) bool {
	return state == "ENABLED" || state == "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
}

// Tick message attributes: which rule a tick belongs to.
const (
	tickAccount = "account"
	tickRegion  = "region"
	tickBus     = "bus"
	tickRule    = "rule"
)

// armRule keeps rec's tick message in step with its schedule and state, in
// the transaction that writes rec: an enabled scheduled rule names exactly
// one armed tick, which it keeps while its schedule, anchor and state stay
// as they were (old, nil for a new rule); anything else drops it (the old
// message expires as stale, see package fire).
func (s *Service) armRule(tx engine.Txn, sc scope, rec, old *ruleRecord, now time.Time) error {
	if s.ticker == nil || rec.ScheduleExpression == "" || !enabled(rec.State) {
		rec.Tick = fire.Ref{}
		return nil
	}
	if old != nil && old.Tick.ID != "" && enabled(old.State) && old.ScheduleExpression == rec.ScheduleExpression &&
		old.ScheduleAnchor.Equal(rec.ScheduleAnchor) {
		rec.Tick = old.Tick
		return nil
	}
	sched, err := schedule.Parse(rec.ScheduleExpression)
	if err != nil {
		return err // validated before; a record that no longer parses is a bug
	}
	rec.Tick = fire.Ref{}
	next := sched.Anchored(rec.ScheduleAnchor).Next(now)
	if next.IsZero() {
		return nil // a cron that never fires again
	}
	rec.Tick, err = s.ticker.Arm(tx, sc.ruleARN(rec.Bus, rec.Name), map[string]string{
		tickAccount: sc.account, tickRegion: sc.region, tickBus: rec.Bus, tickRule: rec.Name,
	}, next, 0)
	return err
}

// loadTick reads the rule a tick message belongs to (package fire calls
// it in the tick's outcome transaction).
func (s *Service) loadTick(tx engine.Txn, m *eventbus.Message) (*fire.Owner, error) {
	sc := scope{account: m.Attrs[tickAccount], region: m.Attrs[tickRegion]}
	bus, name := m.Attrs[tickBus], m.Attrs[tickRule]
	var rec ruleRecord
	ok, err := engine.GetJSON(tx, sc.ruleKey(bus, name), &rec)
	if err != nil || !ok || rec.ScheduleExpression == "" || !enabled(rec.State) {
		return nil, err
	}
	sched, err := schedule.Parse(rec.ScheduleExpression)
	if err != nil {
		s.log.Error("events: stored schedule does not parse", "rule", name, "expr", rec.ScheduleExpression, "err", err)
		return nil, nil
	}
	arn := sc.ruleARN(bus, name)
	return &fire.Owner{
		Tick: rec.Tick.ID,
		Next: sched.Anchored(rec.ScheduleAnchor).Next,
		Fire: func(tx engine.Txn, at time.Time) error {
			event := ScheduledEvent(sc.account, sc.region, arn, at)
			for _, t := range rec.Targets {
				if err := s.enqueueDelivery(tx, sc, &rec, t, event); err != nil {
					return err
				}
			}
			return nil
		},
		Save: func(tx engine.Txn, next fire.Ref) error {
			rec.Tick = next
			tx.Set(sc.ruleKey(bus, name), engine.MustJSON(&rec))
			return nil
		},
	}, nil
}

// enqueueDelivery enqueues event for target t of rule rec in tx, rendered
// with the target's Input, InputPath or InputTransformer and with its
// RetryPolicy and DeadLetterConfig.
func (s *Service) enqueueDelivery(tx engine.Txn, sc scope, rec *ruleRecord, t Target, event []byte) error {
	arn := sc.ruleARN(rec.Bus, rec.Name)
	d, err := NewDelivery(arn, rec.Name, t, event)
	if err != nil {
		// PutTargets validated the paths; an event they cannot be applied
		// to is not deliverable, as on AWS.
		s.log.Warn("events: target input could not be rendered; event not delivered", "rule", arn, "target", t.Id, "err", err)
		return nil
	}
	ft := fire.Target{
		ARN: t.Arn, ID: t.Id, Source: arn, Account: sc.account,
		Principal: "events.amazonaws.com", DLQFormat: fire.DLQEvents,
	}
	if rp := t.RetryPolicy; rp != nil {
		ft.RetryAttempts, ft.MaxAge = rp.MaximumRetryAttempts, rp.MaximumEventAgeInSeconds
	}
	if t.DeadLetterConfig != nil {
		ft.DeadLetter = t.DeadLetterConfig.Arn
	}
	return s.deliver.Enqueue(tx, ft, d.Payload, d.Event)
}

// NextFire is a scheduled rule's armed tick, for `hako schedules`.
type NextFire struct {
	Name, Bus, Arn, ScheduleExpression, State string
	// Next is the armed tick; zero when the rule is disabled.
	Next time.Time
}

// ScheduledRules lists the scheduled rules of an account and region with
// their next fire time.
func (s *Service) ScheduledRules(account, region string) ([]NextFire, error) {
	sc := scope{account: account, region: region}
	out := []NextFire{}
	err := s.eng.View(func(r engine.Reader) error {
		p := []byte(sc.prefix() + "r/")
		return r.Scan(p, engine.PrefixEnd(p), false, func(k, v []byte) (bool, error) {
			var rec ruleRecord
			if ok, err := engine.GetJSON(r, k, &rec); err != nil || !ok {
				return err == nil, err
			}
			if rec.ScheduleExpression != "" {
				out = append(out, NextFire{Name: rec.Name, Bus: rec.Bus, Arn: sc.ruleARN(rec.Bus, rec.Name),
					ScheduleExpression: rec.ScheduleExpression, State: rec.State, Next: rec.Tick.At})
			}
			return true, nil
		})
	})
	return out, err
}
