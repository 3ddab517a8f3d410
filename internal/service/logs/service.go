package logs

import (
	"context"
	"errors"
	"hash/fnv"
	"log/slog"
	"strings"
	"sync"

	"hako/internal/clock"
	"hako/internal/engine"
	"hako/internal/protocol"
	"hako/internal/service"
)

// lockStripes is the number of in-process locks PutLogEvents writers of
// the same stream serialize on (see Service.streamLock).
const lockStripes = 256

// Service is the CloudWatch Logs service.
type Service struct {
	eng   engine.Engine
	clock clock.Clock
	log   *slog.Logger

	// locks serialize writers of one stream inside this process (hashed,
	// so unrelated streams rarely share one). They are not what makes
	// writes correct, the engine's transactions are; they keep concurrent
	// writers of a hot stream from burning optimistic retries on its
	// record.
	locks [lockStripes]sync.Mutex

	sweep sweeper
}

// Interface guards.
var (
	_ service.Service = (*Service)(nil)
	_ service.Starter = (*Service)(nil)
	_ service.Stopper = (*Service)(nil)
)

// New builds the service. It starts nothing; Start starts the retention
// sweeper.
func New(env service.Env) *Service {
	s := &Service{eng: env.Engine, clock: env.Clock, log: env.Log}
	if s.clock == nil {
		s.clock = clock.Real{}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s
}

// Name is "logs".
func (s *Service) Name() string { return "logs" }

// APIs returns the CloudWatch Logs API. Operations without a handler (such
// as StartLiveTail) answer NotImplemented.
func (s *Service) APIs() []*service.API {
	return []*service.API{{
		ModelName: ModelName,
		Handlers: map[string]protocol.Handler{
			"CreateLogGroup":        protocol.Op(s.CreateLogGroup),
			"DeleteLogGroup":        protocol.Op(s.DeleteLogGroup),
			"DescribeLogGroups":     protocol.Op(s.DescribeLogGroups),
			"CreateLogStream":       protocol.Op(s.CreateLogStream),
			"DeleteLogStream":       protocol.Op(s.DeleteLogStream),
			"DescribeLogStreams":    protocol.Op(s.DescribeLogStreams),
			"PutLogEvents":          protocol.Op(s.PutLogEvents),
			"GetLogEvents":          protocol.Op(s.GetLogEvents),
			"FilterLogEvents":       protocol.Op(s.FilterLogEvents),
			"PutRetentionPolicy":    protocol.Op(s.PutRetentionPolicy),
			"DeleteRetentionPolicy": protocol.Op(s.DeleteRetentionPolicy),
			"TagResource":           protocol.Op(s.TagResource),
			"UntagResource":         protocol.Op(s.UntagResource),
			"ListTagsForResource":   protocol.Op(s.ListTagsForResource),
			"TagLogGroup":           protocol.Op(s.TagLogGroup),
			"UntagLogGroup":         protocol.Op(s.UntagLogGroup),
			"ListTagsLogGroup":      protocol.Op(s.ListTagsLogGroup),
		},
		ValidationCode: "InvalidParameterException",
	}}
}

// scopeOf returns the account and region a request acts in.
func scopeOf(ctx context.Context) scope {
	c := protocol.CallFrom(ctx)
	return scope{account: c.Account, region: c.Region}
}

// nowMs is the service clock in epoch milliseconds, AWS's unit for every
// time in this API. (Call.Time is not used: outside a request CallFrom
// falls back to the wall clock, and tests drive a fake one.)
func (s *Service) nowMs() int64 { return s.clock.Now().UnixMilli() }

// streamLock returns the stripe lock of one stream.
func (s *Service) streamLock(sc scope, group, stream string) *sync.Mutex {
	h := fnv.New32a()
	for _, part := range []string{sc.account, sc.region, group, stream} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return &s.locks[h.Sum32()%lockStripes]
}

// update runs an engine transaction; a transaction that kept conflicting
// becomes AWS's retryable ServiceUnavailableException instead of an
// internal failure.
func (s *Service) update(ctx context.Context, fn func(tx engine.Txn) error) error {
	err := s.eng.Update(ctx, fn)
	if errors.Is(err, engine.ErrConflict) {
		return ErrServiceUnavailable("The service cannot complete the request.")
	}
	return err
}

func errGroupNotFound() error {
	return ErrResourceNotFound("The specified log group does not exist.")
}

func errStreamNotFound() error {
	return ErrResourceNotFound("The specified log stream does not exist.")
}

func errBadToken() error { return ErrInvalidParameter("The specified nextToken is invalid.") }

// partition returns the ARN partition of a region.
func partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// groupARN is the log group's ARN without the ":*" suffix (logGroupArn,
// and what TagResource takes).
func groupARN(sc scope, group string) string {
	return "arn:" + partition(sc.region) + ":logs:" + sc.region + ":" + sc.account + ":log-group:" + group
}

func streamARN(sc scope, group, stream string) string {
	return groupARN(sc, group) + ":log-stream:" + stream
}

// parseGroupARN extracts the group name from a log group ARN (with or
// without the ":*" suffix). ok is false when s is not a log group ARN or
// names another account or region: hako does not share log groups across
// accounts, so such a group does not exist for the caller.
func parseGroupARN(sc scope, s string) (name string, ok bool) {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "logs" {
		return "", false
	}
	if parts[3] != sc.region || parts[4] != sc.account {
		return "", false
	}
	name, ok = strings.CutPrefix(parts[5], "log-group:")
	if !ok {
		return "", false
	}
	name = strings.TrimSuffix(name, ":*")
	if name == "" || strings.Contains(name, ":") {
		return "", false
	}
	return name, true
}

// groupFrom resolves the logGroupName / logGroupIdentifier pair that the
// read operations take: exactly one must be given; the identifier is a
// name or an ARN.
func groupFrom(sc scope, name, identifier string) (string, error) {
	switch {
	case name != "" && identifier != "":
		// AWS answers this one with ValidationException, not the
		// service's usual InvalidParameterException.
		return "", ErrValidation("LogGroup name and LogGroup ARN are mutually exclusive parameters.")
	case name != "":
		return name, nil
	case identifier == "":
		// The exact AWS text for this case is not known to us.
		return "", ErrInvalidParameter("Either logGroupName or logGroupIdentifier must be specified.")
	case strings.HasPrefix(identifier, "arn:"):
		n, ok := parseGroupARN(sc, identifier)
		if !ok {
			return "", errGroupNotFound()
		}
		return n, nil
	}
	return identifier, nil
}

func ptr[T any](v T) *T { return &v }

// limitOf applies an operation's default and maximum page size. The
// protocol layer has already rejected values outside the model's range;
// clamping keeps direct Go callers safe.
func limitOf(l *int32, def, max int) int {
	if l == nil || *l <= 0 {
		return def
	}
	return min(int(*l), max)
}
