// Package service defines what every hako service (logs, sts, iam, lambda,
// s3, ...) looks like to the server: the APIs it answers with one handler
// per implemented operation, and an optional lifecycle.
//
// Lifecycle (as Caddy apps): New builds the service from an Env and must
// not start goroutines; Start starts background work (sweepers,
// schedulers); Stop stops it and waits for it. The server starts services
// in order and, if one fails to start, stops the ones already started.
// Background goroutines are started through the service's own Start and
// Stop waits for them.
package service

import (
	"context"
	"log/slog"
	"net/http"

	"hako/internal/clock"
	"hako/internal/engine"
	"hako/internal/eventbus"
	"hako/internal/protocol"
	"hako/internal/protocol/model"
)

// Env is what a service is built from.
type Env struct {
	// Engine is the durable store; keys of a service start with its name.
	Engine engine.Engine
	// Clock is the one source of time.
	Clock clock.Clock
	// Log is the service's logger.
	Log *slog.Logger
	// Region and Account are the defaults of this server.
	Region  string
	Account string
	// Credentials verifies and resolves access keys (STS issues temporary
	// ones through it).
	Credentials CredentialStore
	// Bus is the durable queue of asynchronous work (event deliveries,
	// retries); services register handlers for their kinds at New and
	// enqueue in their own transactions. Nil where nothing runs
	// asynchronously (the coverage report).
	Bus *eventbus.Bus
}

// API is one AWS API (one botocore model) served by a service.
type API struct {
	// ModelName names the API's embedded model (e.g. "logs"). The model
	// itself is parsed on the API's first request (Model), which keeps
	// hako's start-up fast and its idle memory small.
	ModelName string
	// Handlers maps operation names to their handlers. Operations of the
	// model without a handler answer NotImplemented (501).
	Handlers map[string]protocol.Handler
	// ValidationCode is the error code for constraint violations found by
	// the model's validation. Default: ValidationError for query APIs,
	// ValidationException otherwise.
	ValidationCode string
	// Intercept, when set, sees every request of the API after
	// authentication and before the codec looks for an operation: it
	// answers requests the model has no operation for (S3's CORS
	// preflights, website endpoint and browser POST uploads) and returns
	// true when it has written the response; it may also add headers to
	// w for the response the codec writes (CORS) and return false.
	Intercept func(w http.ResponseWriter, r *http.Request, c *protocol.Call) bool
}

// Model returns the API's model, parsing it on first use.
func (a *API) Model() *model.API { return model.MustLoad(a.ModelName) }

// Service is one hako service.
type Service interface {
	// Name is the service's short name (e.g. "logs").
	Name() string
	// APIs returns the APIs the service answers.
	APIs() []*API
}

// Starter is implemented by services with background work.
type Starter interface {
	Start(ctx context.Context) error
}

// Stopper is implemented by services with background work; Stop waits for
// it to end.
type Stopper interface {
	Stop() error
}

// Resetter is implemented by services that keep state outside the engine
// (caches) and must drop it when POST /_hako/reset empties the engine.
type Resetter interface {
	Reset()
}

// CredentialStore resolves access keys to identities. Keys configured in
// hako's config and temporary keys issued by STS are verified strictly.
type CredentialStore interface {
	// Lookup returns the identity of a known access key.
	Lookup(ctx context.Context, accessKeyID string) (Identity, bool, error)
	// Issue stores temporary credentials (STS AssumeRole and friends).
	Issue(ctx context.Context, id Identity) error
}

// Identity is what an access key stands for.
type Identity struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string // temporary credentials only
	Account         string
	// ARN of the principal: arn:aws:iam::ACCOUNT:root, an IAM user, or an
	// assumed role session (arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION).
	ARN string
	// UserID as GetCallerIdentity reports it (AIDA..., or AROA...:session).
	UserID string
	// Expiration of temporary credentials, Unix seconds (0 = never).
	Expiration int64
}
