package lambda

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"time"

	"hako/internal/engine"
)

// Event invoke configs: how asynchronous invocations of a function (or of
// one of its versions or aliases) are retried and where their records go.

// eventConfigRecord is the value stored at an event config key.
type eventConfigRecord struct {
	MaxRetries   *int32 `json:"maxRetries,omitempty"`
	MaxAge       *int32 `json:"maxAge,omitempty"`
	OnSuccess    string `json:"onSuccess,omitempty"`
	OnFailure    string `json:"onFailure,omitempty"`
	LastModified int64  `json:"lastModified"` // epoch ms
}

// eventConfig is the configuration in force for one asynchronous event.
type eventConfig struct {
	maxRetries           int
	maxAge               time.Duration
	onSuccess, onFailure string
	deadLetter           string // the function's DeadLetterConfig
}

func defaultEventConfig() eventConfig {
	return eventConfig{maxRetries: defaultMaxRetries, maxAge: defaultMaxEventAge}
}

// configQualifier is the key of a qualifier's config: $LATEST for the
// unqualified function, as AWS keeps it.
func configQualifier(ref fnRef) string {
	if ref.qualifier == "" {
		return "$LATEST"
	}
	return ref.qualifier
}

func getEventConfig(r engine.Reader, ref fnRef) (*eventConfigRecord, error) {
	v, err := r.Get(ref.sc.eventConfigKey(ref.name, configQualifier(ref)))
	if errors.Is(err, engine.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	c := new(eventConfigRecord)
	return c, json.Unmarshal(v, c)
}

// eventConfigFor is what an event sent to ref runs with; q (nil when it
// could not be resolved) gives the dead-letter queue.
func (s *Service) eventConfigFor(ref fnRef, q *qualified) (eventConfig, error) {
	cfg := defaultEventConfig()
	err := s.eng.View(func(r engine.Reader) error {
		c, err := getEventConfig(r, ref)
		if err != nil || c == nil {
			return err
		}
		if c.MaxRetries != nil {
			cfg.maxRetries = int(*c.MaxRetries)
		}
		if c.MaxAge != nil {
			cfg.maxAge = time.Duration(*c.MaxAge) * time.Second
		}
		cfg.onSuccess, cfg.onFailure = c.OnSuccess, c.OnFailure
		return nil
	})
	if err != nil {
		return cfg, err
	}
	if q != nil {
		cfg.deadLetter = q.rec.DeadLetterTarget
	}
	return cfg, nil
}

func eventConfigOut(ref fnRef, c *eventConfigRecord) *FunctionEventInvokeConfig {
	out := &FunctionEventInvokeConfig{
		LastModified:             time.UnixMilli(c.LastModified).UTC(),
		FunctionArn:              ref.arn() + ":" + configQualifier(ref),
		MaximumRetryAttempts:     c.MaxRetries,
		MaximumEventAgeInSeconds: c.MaxAge,
		DestinationConfig:        &DestinationConfig{OnSuccess: &OnSuccess{}, OnFailure: &OnFailure{}},
	}
	out.DestinationConfig.OnSuccess.Destination = c.OnSuccess
	out.DestinationConfig.OnFailure.Destination = c.OnFailure
	return out
}

// destinationRE is what a destination may be: a Lambda function, an SQS
// queue, an SNS topic or an EventBridge bus.
var destinationRE = regexp.MustCompile(`^arn:aws[a-zA-Z-]*:(lambda:[a-z0-9-]+:\d{12}:function:[a-zA-Z0-9-_]+(:(\$LATEST|[a-zA-Z0-9-_]+))?|sqs:[a-z0-9-]+:\d{12}:[a-zA-Z0-9_-]{1,80}|sns:[a-z0-9-]+:\d{12}:[a-zA-Z0-9_-]{1,256}|events:[a-z0-9-]+:\d{12}:event-bus/[A-Za-z0-9._\-/]+)$`)

func checkDestinations(ref fnRef, d *DestinationConfig) error {
	if d == nil {
		return nil
	}
	for _, arn := range []string{destOf(d.OnSuccess), destOfFailure(d.OnFailure)} {
		if arn == "" {
			continue
		}
		if !destinationRE.MatchString(arn) {
			return ErrInvalidParameterValue("The provided destination config DestinationConfig(onSuccess=%s, onFailure=%s) is invalid.", destOf(d.OnSuccess), destOfFailure(d.OnFailure))
		}
		if t, err := refOfARN(arn); err == nil && t.sc == ref.sc && t.name == ref.name {
			return ErrInvalidParameterValue("You can't specify the function as a destination for itself.")
		}
	}
	return nil
}

func destOf(o *OnSuccess) string {
	if o == nil {
		return ""
	}
	return o.Destination
}

func destOfFailure(o *OnFailure) string {
	if o == nil {
		return ""
	}
	return o.Destination
}

// putEventConfig writes a config after checking that the qualifier names
// something; merge (Update) keeps members the request leaves out, Put
// replaces the whole config.
func (s *Service) putEventConfig(ctx context.Context, ref fnRef, retries, age *int32, dest *DestinationConfig, merge bool) (*FunctionEventInvokeConfig, error) {
	if err := checkDestinations(ref, dest); err != nil {
		return nil, err
	}
	var out *FunctionEventInvokeConfig
	err := s.update(ctx, func(tx engine.Txn) error {
		if _, err := getQualified(tx, ref); err != nil {
			return err
		}
		c, err := getEventConfig(tx, ref)
		if err != nil {
			return err
		}
		if c == nil {
			if merge {
				return errNoEventConfig(ref)
			}
			c = &eventConfigRecord{}
		}
		if !merge {
			*c = eventConfigRecord{}
		}
		if retries != nil {
			c.MaxRetries = retries
		}
		if age != nil {
			c.MaxAge = age
		}
		if dest != nil {
			if dest.OnSuccess != nil || !merge {
				c.OnSuccess = destOf(dest.OnSuccess)
			}
			if dest.OnFailure != nil || !merge {
				c.OnFailure = destOfFailure(dest.OnFailure)
			}
		}
		c.LastModified = s.clock.Now().UnixMilli()
		tx.Set(ref.sc.eventConfigKey(ref.name, configQualifier(ref)), engine.MustJSON(c))
		out = eventConfigOut(ref, c)
		return nil
	})
	return out, err
}

// existingEventConfig reads the config of what ref names, answering AWS's
// errors for a missing function, version, alias or config.
func existingEventConfig(r engine.Reader, ref fnRef) (*eventConfigRecord, error) {
	if _, err := getQualified(r, ref); err != nil {
		return nil, err
	}
	c, err := getEventConfig(r, ref)
	if err == nil && c == nil {
		err = errNoEventConfig(ref)
	}
	return c, err
}

func errNoEventConfig(ref fnRef) error {
	return ErrResourceNotFound("The function %s doesn't have an EventInvokeConfig", ref.arn()+":"+configQualifier(ref))
}

// PutFunctionEventInvokeConfig replaces a function's (or a qualifier's)
// asynchronous invocation settings.
func (s *Service) PutFunctionEventInvokeConfig(ctx context.Context, in *PutFunctionEventInvokeConfigRequest) (*FunctionEventInvokeConfig, error) {
	ref, err := resolve(ctx, in.FunctionName, in.Qualifier)
	if err != nil {
		return nil, err
	}
	return s.putEventConfig(ctx, ref, in.MaximumRetryAttempts, in.MaximumEventAgeInSeconds, in.DestinationConfig, false)
}

// UpdateFunctionEventInvokeConfig changes the members the request carries.
func (s *Service) UpdateFunctionEventInvokeConfig(ctx context.Context, in *UpdateFunctionEventInvokeConfigRequest) (*FunctionEventInvokeConfig, error) {
	ref, err := resolve(ctx, in.FunctionName, in.Qualifier)
	if err != nil {
		return nil, err
	}
	return s.putEventConfig(ctx, ref, in.MaximumRetryAttempts, in.MaximumEventAgeInSeconds, in.DestinationConfig, true)
}

// GetFunctionEventInvokeConfig returns a qualifier's config.
func (s *Service) GetFunctionEventInvokeConfig(ctx context.Context, in *GetFunctionEventInvokeConfigRequest) (*FunctionEventInvokeConfig, error) {
	ref, err := resolve(ctx, in.FunctionName, in.Qualifier)
	if err != nil {
		return nil, err
	}
	var out *FunctionEventInvokeConfig
	err = s.eng.View(func(r engine.Reader) error {
		c, err := existingEventConfig(r, ref)
		if err == nil {
			out = eventConfigOut(ref, c)
		}
		return err
	})
	return out, err
}

// DeleteFunctionEventInvokeConfig removes a qualifier's config.
func (s *Service) DeleteFunctionEventInvokeConfig(ctx context.Context, in *DeleteFunctionEventInvokeConfigRequest) (*struct{}, error) {
	ref, err := resolve(ctx, in.FunctionName, in.Qualifier)
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx engine.Txn) error {
		if _, err := existingEventConfig(tx, ref); err != nil {
			return err
		}
		tx.Delete(ref.sc.eventConfigKey(ref.name, configQualifier(ref)))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// ListFunctionEventInvokeConfigs lists the configs of a function's
// qualifiers.
func (s *Service) ListFunctionEventInvokeConfigs(ctx context.Context, in *ListFunctionEventInvokeConfigsRequest) (*ListFunctionEventInvokeConfigsResponse, error) {
	ref, err := resolve(ctx, in.FunctionName, "")
	if err != nil {
		return nil, err
	}
	out := &ListFunctionEventInvokeConfigsResponse{FunctionEventInvokeConfigs: []FunctionEventInvokeConfig{}}
	err = s.eng.View(func(r engine.Reader) error {
		if _, err := getQualified(r, ref); err != nil {
			return err
		}
		p := ref.sc.eventConfigsPrefix(ref.name)
		out.NextMarker, err = scanPage(r, p, in.Marker, pageSize(in.MaxItems), func(k, v []byte) (bool, error) {
			c := new(eventConfigRecord)
			if err := json.Unmarshal(v, c); err != nil {
				return false, err
			}
			q := fnRef{sc: ref.sc, name: ref.name, qualifier: string(k[len(p):])}
			out.FunctionEventInvokeConfigs = append(out.FunctionEventInvokeConfigs, *eventConfigOut(q, c))
			return true, nil
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
