package scheduler

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"regexp"
	"strings"
	"time"

	"hako/internal/engine"
	"hako/internal/eventbus"
	"hako/internal/schedule"
	"hako/internal/schedule/fire"
)

// scheduleInput is what CreateSchedule and UpdateSchedule share.
type scheduleInput struct {
	Name, Group, Expression, Timezone, State, Description, Action, KmsKeyArn, ClientToken string
	StartDate, EndDate                                                                    time.Time
	Window                                                                                *FlexibleTimeWindow
	Target                                                                                *Target
}

var lambdaARN = regexp.MustCompile(`^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]{1,128})?$`)

// check validates what the model cannot and returns the parsed schedule.
func (s *Service) check(in *scheduleInput, now time.Time) (*schedule.Schedule, error) {
	loc, err := schedule.LoadTimezone(in.Timezone)
	if err != nil {
		return nil, ErrValidation("Invalid ScheduleExpressionTimezone %s.", in.Timezone)
	}
	sched, err := schedule.ParseScheduler(in.Expression, loc)
	if err != nil {
		return nil, ErrValidation("%s", err.Error())
	}
	if w := in.Window; w != nil {
		switch {
		case w.Mode == "FLEXIBLE" && w.MaximumWindowInMinutes == nil:
			return nil, ErrValidation("MaximumWindowInMinutes is required when FlexibleTimeWindow Mode is FLEXIBLE.")
		case w.Mode == "OFF" && w.MaximumWindowInMinutes != nil:
			return nil, ErrValidation("MaximumWindowInMinutes must not be provided when FlexibleTimeWindow Mode is OFF.")
		}
	}
	if !in.StartDate.IsZero() && in.StartDate.Before(now.Add(-5*time.Minute)) {
		return nil, ErrValidation("The StartDate you specify cannot be earlier than 5 minutes prior to the current time.")
	}
	if !in.EndDate.IsZero() {
		if !in.EndDate.After(now) {
			return nil, ErrValidation("The EndDate you specify cannot be earlier than the current time.")
		}
		if !in.StartDate.IsZero() && !in.EndDate.After(in.StartDate) {
			return nil, ErrValidation("The EndDate must be after the StartDate.")
		}
	}
	t := in.Target
	if !lambdaARN.MatchString(t.Arn) {
		return nil, ErrValidation("hako's EventBridge Scheduler delivers only to Lambda functions so far, not to %s", t.Arn)
	}
	if t.Input != "" && !json.Valid([]byte(t.Input)) {
		return nil, ErrValidation("Target Input must be well-formed JSON for a Lambda target.")
	}
	if t.DeadLetterConfig != nil && t.DeadLetterConfig.Arn != "" && !strings.Contains(t.DeadLetterConfig.Arn, ":sqs:") {
		return nil, ErrValidation("DeadLetterConfig Arn must be an Amazon SQS queue ARN.")
	}
	for _, p := range []struct {
		set  bool
		name string
	}{
		{t.EcsParameters != nil, "EcsParameters"}, {t.EventBridgeParameters != nil, "EventBridgeParameters"},
		{t.KinesisParameters != nil, "KinesisParameters"}, {t.SageMakerPipelineParameters != nil, "SageMakerPipelineParameters"},
		{t.SqsParameters != nil, "SqsParameters"},
	} {
		if p.set {
			return nil, ErrValidation("%s is not valid for a Lambda target.", p.name)
		}
	}
	return sched, nil
}

func (in *scheduleInput) record(now time.Time) *scheduleRecord {
	state, action := in.State, in.Action
	if state == "" {
		state = "ENABLED"
	}
	if action == "" {
		action = "NONE"
	}
	anchor := now.UTC()
	if !in.StartDate.IsZero() {
		anchor = in.StartDate.UTC()
	}
	return &scheduleRecord{
		Name: in.Name, Group: in.Group, ScheduleExpression: in.Expression, ScheduleExpressionTimezone: in.Timezone,
		StartDate: in.StartDate.UTC(), EndDate: in.EndDate.UTC(), State: state, Description: in.Description,
		FlexibleTimeWindow: in.Window, Target: in.Target, ActionAfterCompletion: action, KmsKeyArn: in.KmsKeyArn,
		ClientToken: in.ClientToken, Created: now.UTC(), LastModified: now.UTC(), Anchor: anchor,
	}
}

// CreateSchedule creates a schedule; repeated with the ClientToken that
// created it, it answers the same ARN.
func (s *Service) CreateSchedule(ctx context.Context, in *CreateScheduleInput) (*CreateScheduleOutput, error) {
	sc := scopeOf(ctx)
	now := s.clock.Now()
	si := &scheduleInput{Name: in.Name, Group: groupOf(in.GroupName), Expression: in.ScheduleExpression,
		Timezone: in.ScheduleExpressionTimezone, State: in.State, Description: in.Description, Action: in.ActionAfterCompletion,
		KmsKeyArn: in.KmsKeyArn, ClientToken: in.ClientToken, StartDate: in.StartDate, EndDate: in.EndDate,
		Window: in.FlexibleTimeWindow, Target: in.Target}
	sched, err := s.check(si, now)
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx engine.Txn) error {
		if ok, err := groupExists(tx, sc, si.Group); err != nil {
			return err
		} else if !ok {
			return errGroupNotFound(si.Group)
		}
		var old scheduleRecord
		if ok, err := engine.GetJSON(tx, sc.scheduleKey(si.Group, in.Name), &old); err != nil {
			return err
		} else if ok {
			if in.ClientToken != "" && old.ClientToken == in.ClientToken {
				return nil // the same create, retried
			}
			return ErrConflict("Schedule %s already exists.", in.Name)
		}
		rec := si.record(now)
		return s.save(tx, sc, rec, sched, now)
	})
	if err != nil {
		return nil, err
	}
	s.kick()
	return &CreateScheduleOutput{ScheduleArn: sc.scheduleARN(si.Group, in.Name)}, nil
}

// UpdateSchedule replaces a schedule: members left out are cleared.
func (s *Service) UpdateSchedule(ctx context.Context, in *UpdateScheduleInput) (*UpdateScheduleOutput, error) {
	sc := scopeOf(ctx)
	now := s.clock.Now()
	si := &scheduleInput{Name: in.Name, Group: groupOf(in.GroupName), Expression: in.ScheduleExpression,
		Timezone: in.ScheduleExpressionTimezone, State: in.State, Description: in.Description, Action: in.ActionAfterCompletion,
		KmsKeyArn: in.KmsKeyArn, ClientToken: in.ClientToken, StartDate: in.StartDate, EndDate: in.EndDate,
		Window: in.FlexibleTimeWindow, Target: in.Target}
	sched, err := s.check(si, now)
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx engine.Txn) error {
		old, err := getSchedule(tx, sc, si.Group, in.Name)
		if err != nil {
			return err
		}
		rec := si.record(now)
		rec.Created = old.Created
		return s.save(tx, sc, rec, sched, now)
	})
	if err != nil {
		return nil, err
	}
	s.kick()
	return &UpdateScheduleOutput{ScheduleArn: sc.scheduleARN(si.Group, in.Name)}, nil
}

// save arms rec's first tick after now (when enabled) and writes it.
func (s *Service) save(tx engine.Txn, sc scope, rec *scheduleRecord, sched *schedule.Schedule, now time.Time) error {
	rec.Tick = fire.Ref{}
	if s.ticker != nil && rec.State == "ENABLED" {
		if next := nextFn(rec, sched)(now); !next.IsZero() {
			var err error
			rec.Tick, err = s.ticker.Arm(tx, sc.scheduleARN(rec.Group, rec.Name), tickAttrs(sc, rec), next, offset(rec))
			if err != nil {
				return err
			}
		}
	}
	tx.Set(sc.scheduleKey(rec.Group, rec.Name), engine.MustJSON(rec))
	return nil
}

func tickAttrs(sc scope, rec *scheduleRecord) map[string]string {
	return map[string]string{"account": sc.account, "region": sc.region, "group": rec.Group, "name": rec.Name}
}

// nextFn is a schedule's next fire time, within StartDate and EndDate.
func nextFn(rec *scheduleRecord, sched *schedule.Schedule) func(time.Time) time.Time {
	a := sched.Anchored(rec.Anchor)
	return func(t time.Time) time.Time {
		if !rec.StartDate.IsZero() && t.Before(rec.StartDate) {
			t = rec.StartDate.Add(-time.Nanosecond)
		}
		n := a.Next(t)
		if !rec.EndDate.IsZero() && n.After(rec.EndDate) {
			return time.Time{}
		}
		return n
	}
}

// offset is a tick's random delay within a FLEXIBLE window.
func offset(rec *scheduleRecord) time.Duration {
	w := rec.FlexibleTimeWindow
	if w == nil || w.Mode != "FLEXIBLE" || w.MaximumWindowInMinutes == nil || *w.MaximumWindowInMinutes <= 0 {
		return 0
	}
	return rand.N(time.Duration(*w.MaximumWindowInMinutes) * time.Minute)
}

func getSchedule(r engine.Reader, sc scope, group, name string) (*scheduleRecord, error) {
	var rec scheduleRecord
	ok, err := engine.GetJSON(r, sc.scheduleKey(group, name), &rec)
	if err != nil {
		return nil, err
	}
	if ok {
		return &rec, nil
	}
	if exists, err := groupExists(r, sc, group); err != nil {
		return nil, err
	} else if !exists {
		return nil, errGroupNotFound(group)
	}
	return nil, errScheduleNotFound(name)
}

// GetSchedule returns a schedule.
func (s *Service) GetSchedule(ctx context.Context, in *GetScheduleInput) (*GetScheduleOutput, error) {
	sc := scopeOf(ctx)
	g := groupOf(in.GroupName)
	var rec *scheduleRecord
	err := s.eng.View(func(r engine.Reader) (err error) {
		rec, err = getSchedule(r, sc, g, in.Name)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &GetScheduleOutput{
		ActionAfterCompletion: rec.ActionAfterCompletion, Arn: sc.scheduleARN(g, rec.Name), CreationDate: rec.Created,
		Description: rec.Description, EndDate: rec.EndDate, FlexibleTimeWindow: rec.FlexibleTimeWindow, GroupName: g,
		KmsKeyArn: rec.KmsKeyArn, LastModificationDate: rec.LastModified, Name: rec.Name,
		ScheduleExpression: rec.ScheduleExpression, ScheduleExpressionTimezone: rec.ScheduleExpressionTimezone,
		StartDate: rec.StartDate, State: rec.State, Target: rec.Target,
	}, nil
}

// DeleteSchedule deletes a schedule; its armed tick expires as stale.
func (s *Service) DeleteSchedule(ctx context.Context, in *DeleteScheduleInput) (*DeleteScheduleOutput, error) {
	sc := scopeOf(ctx)
	g := groupOf(in.GroupName)
	err := s.update(ctx, func(tx engine.Txn) error {
		if _, err := getSchedule(tx, sc, g, in.Name); err != nil {
			return err
		}
		tx.Delete(sc.scheduleKey(g, in.Name))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &DeleteScheduleOutput{}, nil
}

// ListSchedules lists schedules in group and name order.
func (s *Service) ListSchedules(ctx context.Context, in *ListSchedulesInput) (*ListSchedulesOutput, error) {
	sc := scopeOf(ctx)
	start := sc.schedulesPrefix()
	end := engine.PrefixEnd(start)
	if in.GroupName != "" {
		start = append(sc.groupPrefix(in.GroupName), in.NamePrefix...)
		end = engine.PrefixEnd(start)
	}
	if in.NextToken != "" {
		last, err := decodeToken(in.NextToken)
		if err != nil {
			return nil, err
		}
		if after := append(append(sc.schedulesPrefix(), last...), 0); string(after) > string(start) {
			start = after
		}
	}
	limit := limitOf(in.MaxResults)
	out := &ListSchedulesOutput{Schedules: []ScheduleSummary{}}
	err := s.eng.View(func(r engine.Reader) error {
		if in.GroupName != "" {
			if ok, err := groupExists(r, sc, in.GroupName); err != nil {
				return err
			} else if !ok {
				return errGroupNotFound(in.GroupName)
			}
		}
		last := ""
		return r.Scan(start, end, false, func(k, v []byte) (bool, error) {
			var rec scheduleRecord
			if err := json.Unmarshal(v, &rec); err != nil {
				return false, err
			}
			if !strings.HasPrefix(rec.Name, in.NamePrefix) || (in.State != "" && rec.State != in.State) {
				return true, nil
			}
			if len(out.Schedules) == limit {
				out.NextToken = encodeToken(last)
				return false, nil
			}
			out.Schedules = append(out.Schedules, ScheduleSummary{
				Arn: sc.scheduleARN(rec.Group, rec.Name), CreationDate: rec.Created, GroupName: rec.Group,
				LastModificationDate: rec.LastModified, Name: rec.Name, State: rec.State,
				Target: &TargetSummary{Arn: rec.Target.Arn},
			})
			last = string(k[len(sc.schedulesPrefix()):])
			return true, nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// loadTick reads the schedule a tick message belongs to, in the tick's
// outcome transaction (package fire).
func (s *Service) loadTick(tx engine.Txn, m *eventbus.Message) (*fire.Owner, error) {
	sc := scope{account: m.Attrs["account"], region: m.Attrs["region"]}
	g, name := m.Attrs["group"], m.Attrs["name"]
	var rec scheduleRecord
	ok, err := engine.GetJSON(tx, sc.scheduleKey(g, name), &rec)
	if err != nil || !ok || rec.State != "ENABLED" {
		return nil, err
	}
	loc, err := schedule.LoadTimezone(rec.ScheduleExpressionTimezone)
	if err != nil {
		return nil, nil
	}
	sched, err := schedule.ParseScheduler(rec.ScheduleExpression, loc)
	if err != nil {
		s.log.Error("scheduler: stored schedule does not parse", "schedule", name, "err", err)
		return nil, nil
	}
	arn := sc.scheduleARN(g, name)
	return &fire.Owner{
		Tick:   rec.Tick.ID,
		Next:   nextFn(&rec, sched),
		Offset: func() time.Duration { return offset(&rec) },
		Fire: func(tx engine.Txn, at time.Time) error {
			t := rec.Target
			ft := fire.Target{ARN: t.Arn, Source: arn, Account: sc.account, DLQFormat: fire.DLQScheduler}
			if rp := t.RetryPolicy; rp != nil {
				ft.RetryAttempts, ft.MaxAge = rp.MaximumRetryAttempts, rp.MaximumEventAgeInSeconds
			}
			if t.DeadLetterConfig != nil {
				ft.DeadLetter = t.DeadLetterConfig.Arn
			}
			payload := []byte(renderInput(t.Input, arn, at))
			return s.deliver.Enqueue(tx, ft, payload, nil)
		},
		Save: func(tx engine.Txn, next fire.Ref) error {
			if next.ID == "" && rec.ActionAfterCompletion == "DELETE" {
				tx.Delete(sc.scheduleKey(g, name))
				return nil
			}
			rec.Tick = next
			tx.Set(sc.scheduleKey(g, name), engine.MustJSON(&rec))
			return nil
		},
	}, nil
}

// renderInput is a target's Input with Scheduler's context attributes
// filled in; "{}" when there is none.
func renderInput(input, arn string, at time.Time) string {
	if input == "" {
		return "{}"
	}
	if !strings.Contains(input, "<aws.scheduler.") {
		return input
	}
	return strings.NewReplacer(
		"<aws.scheduler.schedule-arn>", arn,
		"<aws.scheduler.scheduled-time>", at.UTC().Format("2006-01-02T15:04:05Z"),
		"<aws.scheduler.execution-id>", newUUID(),
		"<aws.scheduler.attempt-number>", "1",
	).Replace(input)
}

// NextFire is a schedule's armed tick, for `hako schedules`.
type NextFire struct {
	Name, Group, Arn, ScheduleExpression, Timezone, State string
	// Next is the armed tick; zero when disabled or complete.
	Next time.Time
}

// Schedules lists an account and region's schedules with their next fire
// time.
func (s *Service) Schedules(account, region string) ([]NextFire, error) {
	sc := scope{account: account, region: region}
	out := []NextFire{}
	err := s.eng.View(func(r engine.Reader) error {
		p := sc.schedulesPrefix()
		return r.Scan(p, engine.PrefixEnd(p), false, func(k, v []byte) (bool, error) {
			var rec scheduleRecord
			if err := json.Unmarshal(v, &rec); err != nil {
				return false, err
			}
			out = append(out, NextFire{Name: rec.Name, Group: rec.Group, Arn: sc.scheduleARN(rec.Group, rec.Name),
				ScheduleExpression: rec.ScheduleExpression, Timezone: rec.ScheduleExpressionTimezone, State: rec.State, Next: rec.Tick.At})
			return true, nil
		})
	})
	return out, err
}
