package events

import (
	"context"
	"encoding/base64"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"hako/internal/clock"
	"hako/internal/engine"
	"hako/internal/eventbus"
	"hako/internal/eventpattern"
	"hako/internal/protocol"
	"hako/internal/schedule/fire"
	"hako/internal/service"
)

// defaultBus is the bus every account and region has without creating it.
const defaultBus = "default"

// maxTargets is how many targets a rule can have.
const maxTargets = 5

// listLimit is the default and largest page of the List operations.
const listLimit = 100

// Service is Amazon EventBridge (CloudWatch Events): buses, rules and their
// targets.
type Service struct {
	eng   engine.Engine
	clock clock.Clock
	log   *slog.Logger

	// bus, ticker and deliver are nil without an eventbus (the coverage
	// report): then nothing fires and PutEvents is refused.
	bus     *eventbus.Bus
	ticker  *fire.Ticker
	deliver *fire.Deliverer

	mu sync.Mutex
	// lambda checks functions' resource policies (SetLambda).
	lambda fire.Permitter
	// patterns caches compiled event patterns by their text.
	patterns map[string]*eventpattern.Pattern
}

// Eventbus kinds of EventBridge's own messages.
const (
	// KindTick is a scheduled rule's next tick (package fire).
	KindTick = "events.tick"
	// KindDeliver is one event on its way to one target, with the
	// target's RetryPolicy and DeadLetterConfig.
	KindDeliver = "events.deliver"
)

// SetLambda gives EventBridge Lambda's resource-policy check, which
// decides whether a rule may invoke a function target (the server wires it:
// services do not import each other).
func (s *Service) SetLambda(p fire.Permitter) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lambda = p
}

// kick wakes the eventbus after a commit that enqueued messages.
func (s *Service) kick() {
	if s.bus != nil {
		s.bus.Kick()
	}
}

func (s *Service) permitter() fire.Permitter {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lambda
}

// Interface guards.
var _ service.Service = (*Service)(nil)

// New builds the service. It starts nothing.
func New(env service.Env) *Service {
	s := &Service{eng: env.Engine, clock: env.Clock, log: env.Log, bus: env.Bus, patterns: map[string]*eventpattern.Pattern{}}
	if s.clock == nil {
		s.clock = clock.Real{}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.bus != nil {
		s.ticker = fire.NewTicker(s.bus, KindTick, s.clock, s.log, s.loadTick)
		s.deliver = fire.NewDeliverer(s.bus, KindDeliver, s.clock, s.log, s.permitter)
		s.bus.Handle(eventbus.KindEventsPut, s.handlePut)
	}
	return s
}

// Name is "events".
func (s *Service) Name() string { return "events" }

// APIs returns the EventBridge API. Operations without a handler answer
// NotImplemented.
func (s *Service) APIs() []*service.API {
	return []*service.API{{
		ModelName: ModelName,
		Handlers: map[string]protocol.Handler{
			"PutRule":               protocol.Op(s.PutRule),
			"PutEvents":             protocol.Op(s.PutEvents),
			"DescribeRule":          protocol.Op(s.DescribeRule),
			"ListRules":             protocol.Op(s.ListRules),
			"EnableRule":            protocol.Op(s.EnableRule),
			"DisableRule":           protocol.Op(s.DisableRule),
			"DeleteRule":            protocol.Op(s.DeleteRule),
			"PutTargets":            protocol.Op(s.PutTargets),
			"RemoveTargets":         protocol.Op(s.RemoveTargets),
			"ListTargetsByRule":     protocol.Op(s.ListTargetsByRule),
			"ListRuleNamesByTarget": protocol.Op(s.ListRuleNamesByTarget),
			"TestEventPattern":      protocol.Op(s.TestEventPattern),
			"TagResource":           protocol.Op(s.TagResource),
			"UntagResource":         protocol.Op(s.UntagResource),
			"ListTagsForResource":   protocol.Op(s.ListTagsForResource),
			"CreateEventBus":        protocol.Op(s.CreateEventBus),
			"DescribeEventBus":      protocol.Op(s.DescribeEventBus),
			"ListEventBuses":        protocol.Op(s.ListEventBuses),
			"DeleteEventBus":        protocol.Op(s.DeleteEventBus),
		},
	}}
}

// scope is the account and region a request acts in.
type scope struct{ account, region string }

func scopeOf(ctx context.Context) scope {
	c := protocol.CallFrom(ctx)
	return scope{account: c.Account, region: c.Region}
}

func (sc scope) prefix() string { return "events/" + sc.account + "/" + sc.region + "/" }

// Keys: bus records under b/NAME, rule records (with their targets) under
// r/BUS 00 RULE, so one bus's rules are one range in name order. Bus names
// never contain 00.
func (sc scope) busKey(bus string) []byte { return []byte(sc.prefix() + "b/" + bus) }
func (sc scope) busesPrefix() []byte      { return []byte(sc.prefix() + "b/") }
func (sc scope) ruleKey(bus, rule string) []byte {
	return []byte(sc.prefix() + "r/" + bus + "\x00" + rule)
}
func (sc scope) rulesPrefix(bus string) []byte { return []byte(sc.prefix() + "r/" + bus + "\x00") }

func (sc scope) busARN(bus string) string {
	return "arn:aws:events:" + sc.region + ":" + sc.account + ":event-bus/" + bus
}

func (sc scope) ruleARN(bus, rule string) string {
	if bus == defaultBus {
		return "arn:aws:events:" + sc.region + ":" + sc.account + ":rule/" + rule
	}
	return "arn:aws:events:" + sc.region + ":" + sc.account + ":rule/" + bus + "/" + rule
}

// busName resolves an EventBusName parameter: empty is the default bus, an
// ARN names its bus.
func busName(nameOrARN string) string {
	if nameOrARN == "" {
		return defaultBus
	}
	if i := strings.Index(nameOrARN, ":event-bus/"); strings.HasPrefix(nameOrARN, "arn:") && i >= 0 {
		return nameOrARN[i+len(":event-bus/"):]
	}
	return nameOrARN
}

// busRecord is a custom bus (the default bus has none).
type busRecord struct {
	Name         string    `json:"name"`
	Description  string    `json:"description,omitempty"`
	Created      time.Time `json:"created"`
	LastModified time.Time `json:"lastModified"`
	Tags         []Tag     `json:"tags,omitempty"`
}

// ruleRecord is a rule with its targets, kept together so that every
// operation on a rule is one read and one write of one key.
type ruleRecord struct {
	Name               string    `json:"name"`
	Bus                string    `json:"bus"`
	EventPattern       string    `json:"eventPattern,omitempty"`
	ScheduleExpression string    `json:"scheduleExpression,omitempty"`
	State              string    `json:"state"`
	Description        string    `json:"description,omitempty"`
	RoleArn            string    `json:"roleArn,omitempty"`
	CreatedBy          string    `json:"createdBy"`
	Created            time.Time `json:"created"`
	// ScheduleAnchor is when rate ticks are counted from: the rule's
	// creation, or its last change of schedule or enabling (see doc.go).
	ScheduleAnchor time.Time `json:"scheduleAnchor,omitzero"`
	// Tick names the rule's armed tick message (package fire); zero when
	// the rule is disabled or has no schedule.
	Tick    fire.Ref `json:"tick,omitzero"`
	Tags    []Tag    `json:"tags,omitempty"`
	Targets []Target `json:"targets,omitempty"` // sorted by Id
}

// busExists reports whether bus exists (the default bus always does).
func busExists(r engine.Reader, sc scope, bus string) (bool, error) {
	if bus == defaultBus {
		return true, nil
	}
	var b busRecord
	return engine.GetJSON(r, sc.busKey(bus), &b)
}

func errBusNotFound(bus string) error {
	return ErrResourceNotFound("Event bus %s does not exist.", bus)
}

func errRuleNotFound(rule, bus string) error {
	return ErrResourceNotFound("Rule %s does not exist on EventBus %s.", rule, bus)
}

func errValidation(format string, args ...any) error {
	return protocol.Errorf("ValidationException", format, args...)
}

// getRule reads a rule, with AWS's errors for a missing bus or rule.
func getRule(r engine.Reader, sc scope, bus, name string) (*ruleRecord, error) {
	var rec ruleRecord
	ok, err := engine.GetJSON(r, sc.ruleKey(bus, name), &rec)
	if err != nil {
		return nil, err
	}
	if ok {
		return &rec, nil
	}
	if exists, err := busExists(r, sc, bus); err != nil {
		return nil, err
	} else if !exists {
		return nil, errBusNotFound(bus)
	}
	return nil, errRuleNotFound(name, bus)
}

// update runs an engine transaction; one that kept conflicting becomes the
// retryable ConcurrentModificationException.
func (s *Service) update(ctx context.Context, fn func(tx engine.Txn) error) error {
	err := s.eng.Update(ctx, fn)
	if errors.Is(err, engine.ErrConflict) {
		return ErrConcurrentModification("Another operation changed the resource; retry.")
	}
	return err
}

// Page tokens are the last name returned, opaque to clients.
func encodeToken(last string) string { return base64.RawURLEncoding.EncodeToString([]byte(last)) }

func decodeToken(tok string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) == 0 {
		return "", errValidation("The NextToken is not valid.")
	}
	return string(b), nil
}

func limitOf(l *int32) int {
	if l == nil || *l <= 0 || *l > listLimit {
		return listLimit
	}
	return int(*l)
}
