package scheduler

import (
	"context"
	"encoding/base64"
	"errors"
	"log/slog"
	"strings"
	"time"

	"hako/internal/clock"
	"hako/internal/engine"
	"hako/internal/eventbus"
	"hako/internal/protocol"
	"hako/internal/schedule/fire"
	"hako/internal/service"
)

// Eventbus kinds of Scheduler's messages.
const (
	// KindTick is a schedule's next tick (package fire).
	KindTick = "scheduler.tick"
	// KindDeliver is a tick's input on its way to the target.
	KindDeliver = "scheduler.deliver"
)

const (
	defaultGroup = "default"
	listLimit    = 100
)

// Service is EventBridge Scheduler.
type Service struct {
	eng     engine.Engine
	clock   clock.Clock
	log     *slog.Logger
	bus     *eventbus.Bus
	ticker  *fire.Ticker
	deliver *fire.Deliverer
}

// Interface guards.
var _ service.Service = (*Service)(nil)

// New builds the service and registers its eventbus handlers. It starts
// nothing.
func New(env service.Env) *Service {
	s := &Service{eng: env.Engine, clock: env.Clock, log: env.Log, bus: env.Bus}
	if s.clock == nil {
		s.clock = clock.Real{}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.bus != nil {
		s.ticker = fire.NewTicker(s.bus, KindTick, s.clock, s.log, s.loadTick)
		s.deliver = fire.NewDeliverer(s.bus, KindDeliver, s.clock, s.log, nil)
	}
	return s
}

// Name is "scheduler".
func (s *Service) Name() string { return "scheduler" }

// APIs returns the EventBridge Scheduler API.
func (s *Service) APIs() []*service.API {
	return []*service.API{{
		ModelName: ModelName,
		Handlers: map[string]protocol.Handler{
			"CreateSchedule":      protocol.Op(s.CreateSchedule),
			"GetSchedule":         protocol.Op(s.GetSchedule),
			"UpdateSchedule":      protocol.Op(s.UpdateSchedule),
			"DeleteSchedule":      protocol.Op(s.DeleteSchedule),
			"ListSchedules":       protocol.Op(s.ListSchedules),
			"CreateScheduleGroup": protocol.Op(s.CreateScheduleGroup),
			"GetScheduleGroup":    protocol.Op(s.GetScheduleGroup),
			"ListScheduleGroups":  protocol.Op(s.ListScheduleGroups),
			"DeleteScheduleGroup": protocol.Op(s.DeleteScheduleGroup),
			"TagResource":         protocol.Op(s.TagResource),
			"UntagResource":       protocol.Op(s.UntagResource),
			"ListTagsForResource": protocol.Op(s.ListTagsForResource),
		},
		ValidationCode: "ValidationException",
	}}
}

type scope struct{ account, region string }

func scopeOf(ctx context.Context) scope {
	c := protocol.CallFrom(ctx)
	return scope{account: c.Account, region: c.Region}
}

func (sc scope) prefix() string              { return "scheduler/" + sc.account + "/" + sc.region + "/" }
func (sc scope) groupKey(g string) []byte    { return []byte(sc.prefix() + "g/" + g) }
func (sc scope) groupsPrefix() []byte        { return []byte(sc.prefix() + "g/") }
func (sc scope) schedulesPrefix() []byte     { return []byte(sc.prefix() + "s/") }
func (sc scope) groupPrefix(g string) []byte { return []byte(sc.prefix() + "s/" + g + "\x00") }
func (sc scope) scheduleKey(g, n string) []byte {
	return []byte(sc.prefix() + "s/" + g + "\x00" + n)
}

func (sc scope) groupARN(g string) string {
	return "arn:aws:scheduler:" + sc.region + ":" + sc.account + ":schedule-group/" + g
}

func (sc scope) scheduleARN(g, n string) string {
	return "arn:aws:scheduler:" + sc.region + ":" + sc.account + ":schedule/" + g + "/" + n
}

// groupRecord is a schedule group (the default group has one only once
// tagged).
type groupRecord struct {
	Name         string    `json:"name"`
	Created      time.Time `json:"created"`
	LastModified time.Time `json:"lastModified"`
	ClientToken  string    `json:"clientToken,omitempty"`
	Tags         []Tag     `json:"tags,omitempty"`
}

// scheduleRecord is a schedule as last created or updated, with its armed
// tick.
type scheduleRecord struct {
	Name                       string              `json:"name"`
	Group                      string              `json:"group"`
	ScheduleExpression         string              `json:"scheduleExpression"`
	ScheduleExpressionTimezone string              `json:"timezone,omitempty"`
	StartDate                  time.Time           `json:"startDate,omitzero"`
	EndDate                    time.Time           `json:"endDate,omitzero"`
	State                      string              `json:"state"`
	Description                string              `json:"description,omitempty"`
	FlexibleTimeWindow         *FlexibleTimeWindow `json:"flexibleTimeWindow"`
	Target                     *Target             `json:"target"`
	ActionAfterCompletion      string              `json:"actionAfterCompletion"`
	KmsKeyArn                  string              `json:"kmsKeyArn,omitempty"`
	ClientToken                string              `json:"clientToken,omitempty"`
	Created                    time.Time           `json:"created"`
	LastModified               time.Time           `json:"lastModified"`
	// Anchor is when rate periods are counted from: StartDate, else the
	// creation or last update.
	Anchor time.Time `json:"anchor"`
	Tick   fire.Ref  `json:"tick,omitzero"`
}

func groupOf(name string) string {
	if name == "" {
		return defaultGroup
	}
	return name
}

func groupExists(r engine.Reader, sc scope, g string) (bool, error) {
	if g == defaultGroup {
		return true, nil
	}
	var rec groupRecord
	return engine.GetJSON(r, sc.groupKey(g), &rec)
}

func errGroupNotFound(g string) error {
	return ErrResourceNotFound("Schedule group %s does not exist.", g)
}

func errScheduleNotFound(n string) error {
	return ErrResourceNotFound("Schedule %s does not exist.", n)
}

// update runs an engine transaction; one that kept conflicting becomes
// ConflictException.
func (s *Service) update(ctx context.Context, fn func(tx engine.Txn) error) error {
	err := s.eng.Update(ctx, fn)
	if errors.Is(err, engine.ErrConflict) {
		return ErrConflict("Another operation changed the resource; retry.")
	}
	return err
}

func (s *Service) kick() {
	if s.bus != nil {
		s.bus.Kick()
	}
}

func encodeToken(last string) string { return base64.RawURLEncoding.EncodeToString([]byte(last)) }

func decodeToken(tok string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) == 0 {
		return "", ErrValidation("The NextToken is not valid.")
	}
	return string(b), nil
}

func limitOf(l *int32) int {
	if l == nil || *l <= 0 || *l > listLimit {
		return listLimit
	}
	return int(*l)
}

// arnName returns the last path element of an ARN of the given resource
// type in scope, or "".
func arnName(sc scope, arn, resource string) string {
	p := "arn:aws:scheduler:" + sc.region + ":" + sc.account + ":" + resource + "/"
	if !strings.HasPrefix(arn, p) {
		return ""
	}
	return arn[len(p):]
}
