package events

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strings"

	"hako/internal/engine"
)

// lambdaARN is a Lambda function ARN, optionally with a version or alias.
var lambdaARN = regexp.MustCompile(`^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]{1,128})?$`)

// anyARN is the general shape of an ARN.
var anyARN = regexp.MustCompile(`^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:[0-9]{0,12}:.+$`)

// PutTargets adds targets to a rule or replaces those with the same Id.
// Malformed requests fail as a whole, as on AWS; a target hako cannot
// deliver to (any service but Lambda, for now) is reported in FailedEntries
// and not added, so it is never silently dropped later.
func (s *Service) PutTargets(ctx context.Context, in *PutTargetsRequest) (*PutTargetsResponse, error) {
	sc := scopeOf(ctx)
	bus := busName(in.EventBusName)
	for i := range in.Targets {
		if err := validateTarget(&in.Targets[i]); err != nil {
			return nil, err
		}
	}
	var failed []PutTargetsResultEntry
	var ok []Target
	for _, t := range in.Targets {
		if !lambdaARN.MatchString(t.Arn) {
			svc := strings.Split(t.Arn, ":")[2]
			failed = append(failed, PutTargetsResultEntry{
				TargetId: t.Id, ErrorCode: "NotImplemented",
				ErrorMessage: "hako delivers only to Lambda functions so far, not to " + svc + " targets: " + t.Arn,
			})
			continue
		}
		ok = append(ok, t)
	}
	err := s.update(ctx, func(tx engine.Txn) error {
		rec, err := getRule(tx, sc, bus, in.Rule)
		if err != nil {
			return err
		}
		targets := slices.Clone(rec.Targets)
		for _, t := range ok {
			if i := slices.IndexFunc(targets, func(x Target) bool { return x.Id == t.Id }); i >= 0 {
				targets[i] = t
			} else {
				targets = append(targets, t)
			}
		}
		if len(targets) > maxTargets {
			return ErrLimitExceeded("The requested resource exceeds the maximum number allowed.")
		}
		slices.SortFunc(targets, func(a, b Target) int { return strings.Compare(a.Id, b.Id) })
		rec.Targets = targets
		tx.Set(sc.ruleKey(bus, in.Rule), engine.MustJSON(rec))
		return nil
	})
	if err != nil {
		return nil, err
	}
	n := int32(len(failed))
	if failed == nil {
		failed = []PutTargetsResultEntry{}
	}
	return &PutTargetsResponse{FailedEntryCount: &n, FailedEntries: failed}, nil
}

// validateTarget checks what AWS refuses for the whole request.
func validateTarget(t *Target) error {
	if !anyARN.MatchString(t.Arn) {
		return errValidation("Provided Arn is not in correct format.")
	}
	n := 0
	if t.Input != "" {
		n++
	}
	if t.InputPath != "" {
		n++
	}
	if t.InputTransformer != nil {
		n++
	}
	if n > 1 {
		return errValidation("Only one of Input, InputPath, or InputTransformer must be provided for target %s.", t.Id)
	}
	if t.Input != "" && !json.Valid([]byte(t.Input)) {
		return errValidation("Input for target %s is not valid JSON text.", t.Id)
	}
	if t.InputPath != "" {
		if _, err := parsePath(t.InputPath); err != nil {
			return errValidation("InputPath for target %s is not a valid JSONPath: %s", t.Id, t.InputPath)
		}
	}
	if it := t.InputTransformer; it != nil {
		for k, p := range it.InputPathsMap {
			if strings.HasPrefix(k, "aws.events.") {
				return errValidation("Input path key %s for target %s is reserved.", k, t.Id)
			}
			if _, err := parsePath(p); err != nil {
				return errValidation("Input path %s for target %s is not a valid JSONPath.", p, t.Id)
			}
		}
		for _, name := range placeholders(it.InputTemplate) {
			if _, ok := it.InputPathsMap[name]; !ok && !predefined[name] {
				return errValidation("InputTemplate for target %s contains invalid placeholder %s.", t.Id, name)
			}
		}
	}
	if t.DeadLetterConfig != nil && t.DeadLetterConfig.Arn != "" && !strings.Contains(t.DeadLetterConfig.Arn, ":sqs:") {
		return errValidation("The dead-letter queue of target %s must be an Amazon SQS queue ARN.", t.Id)
	}
	return nil
}

// RemoveTargets removes targets from a rule; Ids the rule does not have are
// ignored, as on AWS.
func (s *Service) RemoveTargets(ctx context.Context, in *RemoveTargetsRequest) (*RemoveTargetsResponse, error) {
	sc := scopeOf(ctx)
	bus := busName(in.EventBusName)
	err := s.update(ctx, func(tx engine.Txn) error {
		rec, err := getRule(tx, sc, bus, in.Rule)
		if err != nil {
			return err
		}
		rec.Targets = slices.DeleteFunc(rec.Targets, func(t Target) bool { return slices.Contains(in.Ids, t.Id) })
		tx.Set(sc.ruleKey(bus, in.Rule), engine.MustJSON(rec))
		return nil
	})
	if err != nil {
		return nil, err
	}
	zero := int32(0)
	return &RemoveTargetsResponse{FailedEntryCount: &zero, FailedEntries: []RemoveTargetsResultEntry{}}, nil
}

// ListTargetsByRule lists a rule's targets in Id order.
func (s *Service) ListTargetsByRule(ctx context.Context, in *ListTargetsByRuleRequest) (*ListTargetsByRuleResponse, error) {
	sc := scopeOf(ctx)
	bus := busName(in.EventBusName)
	var rec *ruleRecord
	err := s.eng.View(func(r engine.Reader) (err error) {
		rec, err = getRule(r, sc, bus, in.Rule)
		return err
	})
	if err != nil {
		return nil, err
	}
	targets := rec.Targets
	if in.NextToken != "" {
		last, err := decodeToken(in.NextToken)
		if err != nil {
			return nil, err
		}
		i, _ := slices.BinarySearchFunc(targets, last, func(t Target, id string) int { return strings.Compare(t.Id, id) })
		if i < len(targets) && targets[i].Id == last {
			i++
		}
		targets = targets[i:]
	}
	out := &ListTargetsByRuleResponse{Targets: []Target{}}
	limit := limitOf(in.Limit)
	if len(targets) > limit {
		targets = targets[:limit]
		out.NextToken = encodeToken(targets[limit-1].Id)
	}
	out.Targets = append(out.Targets, targets...)
	return out, nil
}

// ListRuleNamesByTarget lists the rules of a bus that have a target with
// the given ARN.
func (s *Service) ListRuleNamesByTarget(ctx context.Context, in *ListRuleNamesByTargetRequest) (*ListRuleNamesByTargetResponse, error) {
	sc := scopeOf(ctx)
	bus := busName(in.EventBusName)
	out := &ListRuleNamesByTargetResponse{RuleNames: []string{}}
	next, err := s.scanRules(sc, bus, "", in.NextToken, limitOf(in.Limit),
		func(rec *ruleRecord) bool {
			return slices.ContainsFunc(rec.Targets, func(t Target) bool { return t.Arn == in.TargetArn })
		},
		func(rec *ruleRecord) { out.RuleNames = append(out.RuleNames, rec.Name) })
	if err != nil {
		return nil, err
	}
	out.NextToken = next
	return out, nil
}
