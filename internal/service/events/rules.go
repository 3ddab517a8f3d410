package events

import (
	"context"
	"encoding/json"
	"fmt"

	"hako/internal/engine"
	"hako/internal/eventpattern"
	"hako/internal/schedule"
)

// PutRule creates a rule or replaces one: fields left out are cleared, as
// on AWS, except the rule's targets and tags (AWS ignores Tags when the rule
// exists; TagResource changes them).
func (s *Service) PutRule(ctx context.Context, in *PutRuleRequest) (*PutRuleResponse, error) {
	sc := scopeOf(ctx)
	bus := busName(in.EventBusName)
	if in.ScheduleExpression == "" && in.EventPattern == "" {
		return nil, errValidation("Parameter(s) EventPattern or ScheduleExpression must be specified.")
	}
	if in.ScheduleExpression != "" {
		if _, err := schedule.Parse(in.ScheduleExpression); err != nil {
			return nil, errValidation("%s", err.Error())
		}
		if bus != defaultBus {
			return nil, errValidation("ScheduleExpression is supported only on the default event bus.")
		}
	}
	if in.EventPattern != "" {
		if _, err := eventpattern.Compile(in.EventPattern); err != nil {
			return nil, ErrInvalidEventPattern("%s", err.Error())
		}
	}
	state := in.State
	if state == "" {
		state = "ENABLED"
	}
	now := s.clock.Now().UTC()
	err := s.update(ctx, func(tx engine.Txn) error {
		if ok, err := busExists(tx, sc, bus); err != nil {
			return err
		} else if !ok {
			return errBusNotFound(bus)
		}
		var prev ruleRecord
		exists, err := engine.GetJSON(tx, sc.ruleKey(bus, in.Name), &prev)
		if err != nil {
			return err
		}
		var old *ruleRecord
		if exists {
			old = &prev
		}
		rec := &ruleRecord{
			Name: in.Name, Bus: bus, EventPattern: in.EventPattern, ScheduleExpression: in.ScheduleExpression,
			State: state, Description: in.Description, RoleArn: in.RoleArn,
			CreatedBy: sc.account, Created: now, ScheduleAnchor: now, Tags: in.Tags,
		}
		if old != nil {
			rec.CreatedBy, rec.Created, rec.Tags, rec.Targets = old.CreatedBy, old.Created, old.Tags, old.Targets
			// The rate grid stays put unless the schedule or the state changes.
			if old.ScheduleExpression == rec.ScheduleExpression && old.State == rec.State && !old.ScheduleAnchor.IsZero() {
				rec.ScheduleAnchor = old.ScheduleAnchor
			}
		}
		if err := s.armRule(tx, sc, rec, old, now); err != nil {
			return err
		}
		tx.Set(sc.ruleKey(bus, in.Name), engine.MustJSON(rec))
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.kick()
	return &PutRuleResponse{RuleArn: sc.ruleARN(bus, in.Name)}, nil
}

// DescribeRule returns a rule.
func (s *Service) DescribeRule(ctx context.Context, in *DescribeRuleRequest) (*DescribeRuleResponse, error) {
	sc := scopeOf(ctx)
	bus := busName(in.EventBusName)
	var rec *ruleRecord
	err := s.eng.View(func(r engine.Reader) (err error) {
		rec, err = getRule(r, sc, bus, in.Name)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &DescribeRuleResponse{
		Name: rec.Name, Arn: sc.ruleARN(bus, rec.Name), EventPattern: rec.EventPattern,
		ScheduleExpression: rec.ScheduleExpression, State: rec.State, Description: rec.Description,
		RoleArn: rec.RoleArn, EventBusName: bus, CreatedBy: rec.CreatedBy,
	}, nil
}

// ListRules lists a bus's rules in name order.
func (s *Service) ListRules(ctx context.Context, in *ListRulesRequest) (*ListRulesResponse, error) {
	sc := scopeOf(ctx)
	bus := busName(in.EventBusName)
	out := &ListRulesResponse{Rules: []Rule{}}
	next, err := s.scanRules(sc, bus, in.NamePrefix, in.NextToken, limitOf(in.Limit), nil, func(rec *ruleRecord) {
		out.Rules = append(out.Rules, Rule{
			Name: rec.Name, Arn: sc.ruleARN(bus, rec.Name), EventPattern: rec.EventPattern, State: rec.State,
			Description: rec.Description, ScheduleExpression: rec.ScheduleExpression, RoleArn: rec.RoleArn,
			EventBusName: bus,
		})
	})
	if err != nil {
		return nil, err
	}
	out.NextToken = next
	return out, nil
}

// scanRules visits a bus's rules whose names start with prefix, after the
// page token, and adds up to limit of those match accepts (nil accepts
// all). It returns the next page's token, empty when no accepted rule
// follows the page.
func (s *Service) scanRules(sc scope, bus, prefix, token string, limit int, match func(*ruleRecord) bool, add func(*ruleRecord)) (string, error) {
	start := append(sc.rulesPrefix(bus), prefix...)
	end := engine.PrefixEnd(start)
	if token != "" {
		last, err := decodeToken(token)
		if err != nil {
			return "", err
		}
		if after := append(sc.ruleKey(bus, last), 0); string(after) > string(start) {
			start = after
		}
	}
	next := ""
	err := s.eng.View(func(r engine.Reader) error {
		if ok, err := busExists(r, sc, bus); err != nil {
			return err
		} else if !ok {
			return errBusNotFound(bus)
		}
		n, lastName := 0, ""
		return r.Scan(start, end, false, func(k, v []byte) (bool, error) {
			var rec ruleRecord
			if err := json.Unmarshal(v, &rec); err != nil {
				return false, fmt.Errorf("events: rule record %q: %w", k, err)
			}
			if match != nil && !match(&rec) {
				return true, nil
			}
			if n == limit {
				next = encodeToken(lastName)
				return false, nil
			}
			add(&rec)
			n, lastName = n+1, rec.Name
			return true, nil
		})
	})
	return next, err
}

// EnableRule enables a rule.
func (s *Service) EnableRule(ctx context.Context, in *EnableRuleRequest) (*struct{}, error) {
	return s.setState(ctx, in.Name, in.EventBusName, "ENABLED")
}

// DisableRule disables a rule.
func (s *Service) DisableRule(ctx context.Context, in *DisableRuleRequest) (*struct{}, error) {
	return s.setState(ctx, in.Name, in.EventBusName, "DISABLED")
}

func (s *Service) setState(ctx context.Context, name, busParam, state string) (*struct{}, error) {
	sc := scopeOf(ctx)
	bus := busName(busParam)
	now := s.clock.Now().UTC()
	err := s.update(ctx, func(tx engine.Txn) error {
		rec, err := getRule(tx, sc, bus, name)
		if err != nil {
			return err
		}
		if rec.State == state || (state == "ENABLED" && rec.State == "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS") {
			return nil
		}
		old := *rec
		if state == "ENABLED" {
			rec.ScheduleAnchor = now // rate ticks count from enabling
		}
		rec.State = state
		if err := s.armRule(tx, sc, rec, &old, now); err != nil {
			return err
		}
		tx.Set(sc.ruleKey(bus, name), engine.MustJSON(rec))
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.kick()
	return &struct{}{}, nil
}

// DeleteRule deletes a rule. A rule that does not exist is not an error
// (AWS: every call for the same rule succeeds); one with targets is refused.
func (s *Service) DeleteRule(ctx context.Context, in *DeleteRuleRequest) (*struct{}, error) {
	sc := scopeOf(ctx)
	bus := busName(in.EventBusName)
	err := s.update(ctx, func(tx engine.Txn) error {
		var rec ruleRecord
		ok, err := engine.GetJSON(tx, sc.ruleKey(bus, in.Name), &rec)
		if err != nil || !ok {
			if err == nil {
				if exists, berr := busExists(tx, sc, bus); berr != nil {
					return berr
				} else if !exists {
					return errBusNotFound(bus)
				}
			}
			return err
		}
		if len(rec.Targets) > 0 {
			return errValidation("Rule can't be deleted since it has targets.")
		}
		tx.Delete(sc.ruleKey(bus, in.Name))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// TestEventPattern tests an event against a pattern. The event must be a
// JSON object with the fields EventBridge requires of one.
func (s *Service) TestEventPattern(ctx context.Context, in *TestEventPatternRequest) (*TestEventPatternResponse, error) {
	p, err := eventpattern.Compile(in.EventPattern)
	if err != nil {
		return nil, ErrInvalidEventPattern("%s", err.Error())
	}
	ev, err := eventpattern.Decode([]byte(in.Event))
	if err != nil {
		return nil, errValidation("Parameter Event is not valid.")
	}
	for _, f := range []string{"id", "account", "source", "time", "region", "detail-type"} {
		if _, ok := ev[f]; !ok {
			return nil, errValidation("Parameter Event is not valid.")
		}
	}
	result := p.MatchDecoded(ev)
	return &TestEventPatternResponse{Result: &result}, nil
}
