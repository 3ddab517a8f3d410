package lambda

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"hako/internal/clock"
	"hako/internal/engine"
	"hako/internal/eventbus"
	"hako/internal/protocol"
	"hako/internal/runtime"
	"hako/internal/service"
)

// Invoker runs functions: the server wires runtime.Manager here.
type Invoker interface {
	// Invoke runs one synchronous invocation. Function errors are results
	// (InvokeResult.FunctionError); a *runtime.ThrottleError means no
	// concurrency was available.
	Invoke(ctx context.Context, req *runtime.InvokeRequest) (*runtime.InvokeResult, error)
	// Evict drains and stops the sandboxes of a function (unqualified ARN)
	// of one version ("" for all versions)
	// after its code or configuration changed or it was deleted.
	Evict(functionARN, version string)
}

// Preparer is optionally implemented by an Invoker that can do a function's
// slow preparation (extracting its code into the code cache) ahead of the
// first invoke. When the Invoker implements it, the step that takes a
// function from Pending to Active (and an update from InProgress to
// Successful) calls it after the API call has answered.
type Preparer interface {
	Prepare(ctx context.Context, fn *runtime.Function) error
}

// ConcurrencyReserver is optionally implemented by an Invoker that holds
// reserved concurrency for functions that are not being invoked
// (runtime.Manager does). The service reports every reservation at Start,
// and each change (PutFunctionConcurrency, DeleteFunctionConcurrency,
// DeleteFunction) after it is stored; nil means none.
type ConcurrencyReserver interface {
	SetReservedConcurrency(functionARN string, n *int)
}

// CodePath is where the server mounts CodeHandler: GetFunction's
// Code.Location is Endpoint + CodePath + token.
const CodePath = "/_hako/lambda/code/"

// Defaults of the account (AWS's quotas).
const (
	defaultAccountConcurrency = 1000
	minUnreserved             = 100
	codeURLLifetime           = 10 * time.Minute
)

// Service is the AWS Lambda service: functions, their code and
// configuration, resource policies, tags, reserved concurrency, and
// synchronous invocation through an Invoker.
type Service struct {
	eng      engine.Engine
	clock    clock.Clock
	log      *slog.Logger
	inv      Invoker
	bus      *eventbus.Bus
	objects  ObjectSource
	runtimes func(id string) RuntimeStatus
	endpoint func() string
	// accountConcurrency is the account's ConcurrentExecutions limit; it
	// must agree with runtime.Config.AccountConcurrency.
	accountConcurrency int
	// settleDelay is how long after an API call the Pending -> Active and
	// InProgress -> Successful transitions run (clock time).
	settleDelay time.Duration
	// codeKey signs GetFunction's Code.Location tokens; random per server.
	codeKey []byte

	mu      sync.Mutex
	stopped bool
	timers  map[uint64]clock.Timer
	nextID  uint64
	wg      sync.WaitGroup
}

// Interface guards.
var (
	_ service.Service = (*Service)(nil)
	_ service.Starter = (*Service)(nil)
	_ service.Stopper = (*Service)(nil)
)

// Option configures the service.
type Option func(*Service)

// WithEndpoint sets the function returning hako's base URL as clients reach
// it (e.g. "http://127.0.0.1:4566"); GetFunction's Code.Location starts
// with it. It is called per GetFunction, so it may be set up after the
// listener is bound. Default: http://localhost:4566.
func WithEndpoint(fn func() string) Option { return func(s *Service) { s.endpoint = fn } }

// WithAccountConcurrency sets the account's concurrent executions limit
// (default 1000), which GetAccountSettings reports and
// PutFunctionConcurrency checks against. Use the runtime's value.
func WithAccountConcurrency(n int) Option {
	return func(s *Service) {
		if n > 0 {
			s.accountConcurrency = n
		}
	}
}

// WithRuntimes replaces the table of runtimes hako runs (see
// DefaultRuntimes).
func WithRuntimes(fn func(id string) RuntimeStatus) Option {
	return func(s *Service) {
		if fn != nil {
			s.runtimes = fn
		}
	}
}

// WithSettleDelay sets how long (on the service clock) after a create or
// update the function becomes Active / Successful. Default 0: right after
// the response, long before the first waiter poll.
func WithSettleDelay(d time.Duration) Option { return func(s *Service) { s.settleDelay = d } }

// New builds the service. It starts nothing; transitions scheduled by API
// calls run on env.Clock, and Stop waits for them.
func New(env service.Env, inv Invoker, opts ...Option) *Service {
	s := &Service{
		eng: env.Engine, clock: env.Clock, log: env.Log, inv: inv, bus: env.Bus,
		runtimes:           DefaultRuntimes,
		accountConcurrency: defaultAccountConcurrency,
		timers:             map[uint64]clock.Timer{},
	}
	if s.clock == nil {
		s.clock = clock.Real{}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.endpoint = func() string { return "http://localhost:4566" }
	s.codeKey = make([]byte, 32)
	rand.Read(s.codeKey) // never fails (crypto/rand panics instead)
	for _, o := range opts {
		o(s)
	}
	if s.bus != nil {
		s.bus.Handle(EventKind, s.handleEvent)
	}
	return s
}

// Name is "lambda".
func (s *Service) Name() string { return "lambda" }

// APIs returns the Lambda API. Operations without a handler (versions,
// aliases, event source mappings, URLs, ...) answer NotImplemented.
func (s *Service) APIs() []*service.API {
	return []*service.API{{
		ModelName: ModelName,
		Handlers: map[string]protocol.Handler{
			"CreateFunction":              protocol.Op(s.CreateFunction),
			"GetFunction":                 protocol.Op(s.GetFunction),
			"GetFunctionConfiguration":    protocol.Op(s.GetFunctionConfiguration),
			"ListFunctions":               protocol.Op(s.ListFunctions),
			"UpdateFunctionCode":          protocol.Op(s.UpdateFunctionCode),
			"UpdateFunctionConfiguration": protocol.Op(s.UpdateFunctionConfiguration),
			"DeleteFunction":              protocol.Op(s.DeleteFunction),
			"Invoke":                      protocol.Op(s.Invoke),
			"AddPermission":               protocol.Op(s.AddPermission),
			"RemovePermission":            protocol.Op(s.RemovePermission),
			"GetPolicy":                   protocol.Op(s.GetPolicy),
			"GetAccountSettings":          protocol.Op(s.GetAccountSettings),
			"TagResource":                 protocol.Op(s.TagResource),
			"UntagResource":               protocol.Op(s.UntagResource),
			"ListTags":                    protocol.Op(s.ListTags),
			"PutFunctionConcurrency":      protocol.Op(s.PutFunctionConcurrency),
			"GetFunctionConcurrency":      protocol.Op(s.GetFunctionConcurrency),
			"DeleteFunctionConcurrency":   protocol.Op(s.DeleteFunctionConcurrency),
			"InvokeAsync":                 protocol.Op(s.InvokeAsync),
			"PublishVersion":              protocol.Op(s.PublishVersion),
			"ListVersionsByFunction":      protocol.Op(s.ListVersionsByFunction),
			"CreateAlias":                 protocol.Op(s.CreateAlias),
			"GetAlias":                    protocol.Op(s.GetAlias),
			"UpdateAlias":                 protocol.Op(s.UpdateAlias),
			"DeleteAlias":                 protocol.Op(s.DeleteAlias),
			"ListAliases":                 protocol.Op(s.ListAliases),

			"PutFunctionEventInvokeConfig":    protocol.Op(s.PutFunctionEventInvokeConfig),
			"UpdateFunctionEventInvokeConfig": protocol.Op(s.UpdateFunctionEventInvokeConfig),
			"GetFunctionEventInvokeConfig":    protocol.Op(s.GetFunctionEventInvokeConfig),
			"DeleteFunctionEventInvokeConfig": protocol.Op(s.DeleteFunctionEventInvokeConfig),
			"ListFunctionEventInvokeConfigs":  protocol.Op(s.ListFunctionEventInvokeConfigs),

			// Layers (layers.go).
			"PublishLayerVersion":          protocol.Op(s.PublishLayerVersion),
			"GetLayerVersion":              protocol.Op(s.GetLayerVersion),
			"GetLayerVersionByArn":         protocol.Op(s.GetLayerVersionByArn),
			"ListLayers":                   protocol.Op(s.ListLayers),
			"ListLayerVersions":            protocol.Op(s.ListLayerVersions),
			"DeleteLayerVersion":           protocol.Op(s.DeleteLayerVersion),
			"AddLayerVersionPermission":    protocol.Op(s.AddLayerVersionPermission),
			"RemoveLayerVersionPermission": protocol.Op(s.RemoveLayerVersionPermission),
			"GetLayerVersionPolicy":        protocol.Op(s.GetLayerVersionPolicy),
		},
		ValidationCode: "ValidationException",
	}}
}

// Start resumes the transitions that a stop or crash interrupted (every
// function still Pending or InProgress is settled, and blobs an update left
// to delete are deleted) and reports reserved concurrency to the Invoker
// when it is a ConcurrencyReserver.
func (s *Service) Start(ctx context.Context) error {
	var todo []pendingRef
	reserved := map[string]int{}
	err := s.eng.View(func(r engine.Reader) error {
		p := []byte(keyRoot)
		return r.Scan(p, engine.PrefixEnd(p), false, func(k, v []byte) (bool, error) {
			sc, name, ok := parseFunctionKey(k)
			if !ok {
				return true, nil
			}
			rec, err := decodeRecord(v)
			if err != nil {
				return false, err
			}
			if rec.Pending != "" {
				todo = append(todo, pendingRef{sc: sc, name: name, token: rec.Pending})
			}
			if rec.Reserved != nil {
				reserved[functionARN(sc, name)] = int(*rec.Reserved)
			}
			return true, nil
		})
	})
	if err != nil {
		return err
	}
	for _, p := range todo {
		s.schedule(p.sc, p.name, p.token)
	}
	s.sweepLayers(ctx)
	if cr, ok := s.inv.(ConcurrencyReserver); ok {
		for arn, n := range reserved {
			cr.SetReservedConcurrency(arn, ptr(n))
		}
	}
	return nil
}

type pendingRef struct {
	sc          scope
	name, token string
}

// Stop cancels scheduled transitions (they resume at the next Start) and
// waits for running ones.
func (s *Service) Stop() error {
	s.mu.Lock()
	s.stopped = true
	for id, t := range s.timers {
		if t.Stop() {
			s.wg.Done()
		}
		delete(s.timers, id)
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

// scopeOf returns the account and region a request acts in.
func scopeOf(ctx context.Context) scope {
	c := protocol.CallFrom(ctx)
	return scope{account: c.Account, region: c.Region}
}

// update runs an engine transaction; a transaction that kept conflicting
// with concurrent writers becomes Lambda's ServiceException (500, which
// SDKs retry) instead of an internal failure.
func (s *Service) update(ctx context.Context, fn func(tx engine.Txn) error) error {
	err := s.eng.Update(ctx, fn)
	if errors.Is(err, engine.ErrConflict) {
		return ErrService("The service cannot complete the request. Please retry.")
	}
	return err
}

// updateFunction runs fn in a transaction on the $LATEST record ref names:
// the preamble every mutating operation shares (missing function →
// ResourceNotFoundException, a version qualifier → refused).
func (s *Service) updateFunction(ctx context.Context, ref fnRef, fn func(tx engine.Txn, cur *functionRecord) error) error {
	return s.update(ctx, func(tx engine.Txn) error {
		cur, err := existingFunction(tx, ref)
		if err != nil {
			return err
		}
		if err := ref.latestOnly(); err != nil {
			return err
		}
		return fn(tx, cur)
	})
}

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

// functionARN is the unqualified ARN of a function.
func functionARN(sc scope, name string) string {
	return "arn:" + partition(sc.region) + ":lambda:" + sc.region + ":" + sc.account + ":function:" + name
}

// newUUID returns a random (version 4) UUID, the form of RevisionId.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func ptr[T any](v T) *T { return &v }

// lastModified formats a time as Lambda does: 2026-01-01T00:00:00.000+0000.
func lastModified(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000-0700")
}

// reportReserved tells a ConcurrencyReserver Invoker about a function's
// reserved concurrency (nil: none).
func (s *Service) reportReserved(arn string, n *int32) {
	cr, ok := s.inv.(ConcurrencyReserver)
	if !ok {
		return
	}
	if n == nil {
		cr.SetReservedConcurrency(arn, nil)
		return
	}
	cr.SetReservedConcurrency(arn, ptr(int(*n)))
}
