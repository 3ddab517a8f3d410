package s3

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"hako/internal/engine"
	"hako/internal/eventbus"
	"hako/internal/protocol"
)

// EventVersion is the eventVersion of the records hako sends. AWS documents
// 2.1 (2.2 and 2.3 only for replication and restore events, which hako
// does not emit); docs/s3.md says so too.
const EventVersion = "2.1"

// FunctionPolicy is what S3 asks Lambda before it accepts a function as a
// notification destination: whether the function's resource policy lets
// s3.amazonaws.com invoke it for this bucket (lambda.Service implements
// it; services do not import each other).
type FunctionPolicy interface {
	InvokePermitted(ctx context.Context, functionARN, principal, sourceARN, sourceAccount string) (bool, error)
}

// WithFunctions sets the Lambda policy check of destination validation.
// Without it, Lambda destinations are refused unless the request skips
// destination validation.
func WithFunctions(f FunctionPolicy) Option { return func(s *Service) { s.functions = f } }

// destination is one notification configuration of any kind, as matching
// and validation see them.
type destination struct {
	kind   string // eventbus kind
	what   string // "function", "queue", "topic": for messages
	id     string
	arn    string
	events []string
	prefix string
	suffix string
}

func destinations(c *NotificationConfiguration) []destination {
	if c == nil {
		return nil
	}
	var out []destination
	for _, l := range c.LambdaFunctionConfigurations {
		d := destination{kind: eventbus.KindLambdaInvoke, what: "function", id: l.Id, arn: l.LambdaFunctionArn, events: l.Events}
		d.prefix, d.suffix = filterRules(l.Filter)
		out = append(out, d)
	}
	for _, q := range c.QueueConfigurations {
		d := destination{kind: eventbus.KindSQSSend, what: "queue", id: q.Id, arn: q.QueueArn, events: q.Events}
		d.prefix, d.suffix = filterRules(q.Filter)
		out = append(out, d)
	}
	for _, t := range c.TopicConfigurations {
		d := destination{kind: eventbus.KindSNSPublish, what: "topic", id: t.Id, arn: t.TopicArn, events: t.Events}
		d.prefix, d.suffix = filterRules(t.Filter)
		out = append(out, d)
	}
	return out
}

func filterRules(f *NotificationConfigurationFilter) (prefix, suffix string) {
	if f == nil || f.Key == nil {
		return "", ""
	}
	for _, r := range f.Key.FilterRules {
		switch strings.ToLower(r.Name) {
		case "prefix":
			prefix = r.Value
		case "suffix":
			suffix = r.Value
		}
	}
	return prefix, suffix
}

// eventMatches reports whether a configured event type (s3:ObjectCreated:*,
// s3:ObjectRemoved:Delete, ...) covers an event name (ObjectCreated:Put).
func eventMatches(configured, name string) bool {
	full := "s3:" + name
	if base, ok := strings.CutSuffix(configured, "*"); ok {
		return strings.HasPrefix(full, base)
	}
	return configured == full
}

// eventsOverlap reports whether two configured event types share an event:
// equal, or one a wildcard covering the other.
func eventsOverlap(a, b string) bool {
	if a == b {
		return true
	}
	if base, ok := strings.CutSuffix(a, "*"); ok && strings.HasPrefix(b, base) {
		return true
	}
	if base, ok := strings.CutSuffix(b, "*"); ok && strings.HasPrefix(a, base) {
		return true
	}
	return false
}

// overlap reports whether two destinations would both receive some event:
// a shared event type, prefixes of which one starts the other, suffixes of
// which one ends the other (an absent rule matches everything).
func overlap(a, b destination) bool {
	shared := false
	for _, x := range a.events {
		for _, y := range b.events {
			if eventsOverlap(x, y) {
				shared = true
			}
		}
	}
	if !shared {
		return false
	}
	if !strings.HasPrefix(a.prefix, b.prefix) && !strings.HasPrefix(b.prefix, a.prefix) {
		return false
	}
	if !strings.HasSuffix(a.suffix, b.suffix) && !strings.HasSuffix(b.suffix, a.suffix) {
		return false
	}
	return true
}

// arnParts splits arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE.
func arnParts(arn string) (service, region, account, resource string, ok bool) {
	p := strings.SplitN(arn, ":", 6)
	if len(p) != 6 || p[0] != "arn" || p[1] == "" || p[5] == "" {
		return "", "", "", "", false
	}
	return p[2], p[3], p[4], p[5], true
}

// validNotification applies AWS's checks that need no other service:
// filter rules, destination ARNs and their region, ids, overlaps. It fills
// in missing ids.
func validNotification(c *NotificationConfiguration, region string) error {
	for i := range c.LambdaFunctionConfigurations {
		l := &c.LambdaFunctionConfigurations[i]
		if err := validDestination(&l.Id, l.LambdaFunctionArn, "lambda", l.Events, l.Filter, region); err != nil {
			return err
		}
	}
	for i := range c.QueueConfigurations {
		q := &c.QueueConfigurations[i]
		if err := validDestination(&q.Id, q.QueueArn, "sqs", q.Events, q.Filter, region); err != nil {
			return err
		}
	}
	for i := range c.TopicConfigurations {
		t := &c.TopicConfigurations[i]
		if err := validDestination(&t.Id, t.TopicArn, "sns", t.Events, t.Filter, region); err != nil {
			return err
		}
	}
	ds := destinations(c)
	ids := map[string]bool{}
	for i, a := range ds {
		if ids[a.id] {
			return errInvalidArgument("Same ID used for multiple configurations.", "Id", a.id)
		}
		ids[a.id] = true
		for _, b := range ds[:i] {
			if overlap(a, b) {
				return errInvalidArgument("Configurations overlap. Configurations on the same bucket cannot share a common event type.", "Event", "null")
			}
		}
	}
	return nil
}

func validDestination(id *string, arn, service string, events []string, f *NotificationConfigurationFilter, region string) error {
	if len(events) == 0 {
		return protocol.Errorf("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
	}
	svc, r, account, resource, ok := arnParts(arn)
	if !ok || svc != service || account == "" || (service == "lambda" && !strings.HasPrefix(resource, "function:")) {
		return errInvalidArgument("The ARN could not be parsed", arnName(service), arn)
	}
	if r != region {
		return errInvalidArgument("The notification destination service region is not valid for the bucket location constraint", arnName(service), arn)
	}
	if f != nil && f.Key != nil {
		var prefixes, suffixes int
		for _, rule := range f.Key.FilterRules {
			switch strings.ToLower(rule.Name) {
			case "prefix":
				prefixes++
			case "suffix":
				suffixes++
			default:
				return errInvalidArgument("filter rule name must be either prefix or suffix", "FilterRule", rule.Name)
			}
			if len(rule.Value) > 1024 {
				return errInvalidArgument("The value of the filter rule is too long.", "FilterRule", rule.Name)
			}
		}
		if prefixes > 1 {
			return errInvalidArgument("Cannot specify more than one prefix rule in a filter.", "FilterRule", "prefix")
		}
		if suffixes > 1 {
			return errInvalidArgument("Cannot specify more than one suffix rule in a filter.", "FilterRule", "suffix")
		}
	}
	if *id == "" {
		// AWS names unnamed configurations with an opaque id.
		var b [16]byte
		rand.Read(b[:])
		*id = base64.RawStdEncoding.EncodeToString([]byte(hex.EncodeToString(b[:])))
	}
	return nil
}

func arnName(service string) string {
	switch service {
	case "lambda":
		return "CloudFunction"
	case "sqs":
		return "Queue"
	}
	return "Topic"
}

// PutBucketNotificationConfiguration replaces the bucket's notification
// configuration after AWS's checks: Lambda destinations must let
// s3.amazonaws.com invoke them (unless x-amz-skip-destination-validation);
// queues and topics get s3:TestEvent, as AWS sends.
func (s *Service) PutBucketNotificationConfiguration(ctx context.Context, in *PutBucketNotificationConfigurationRequest) (*struct{}, error) {
	call := protocol.CallFrom(ctx)
	cfg := in.NotificationConfiguration
	if cfg == nil {
		cfg = &NotificationConfiguration{}
	}
	b, err := s.readBucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	if err := validNotification(cfg, b.Region); err != nil {
		return nil, err
	}
	skip := in.SkipDestinationValidation != nil && *in.SkipDestinationValidation
	if !skip {
		if err := s.validateDestinations(ctx, cfg, in.Bucket, b.Account); err != nil {
			return nil, err
		}
	}
	if s.bus == nil && len(destinations(cfg)) > 0 {
		return nil, errNotImplemented("Event notifications without hako's event bus")
	}
	queued := false
	err = s.update(ctx, func(tx engine.Txn) error {
		queued = false
		b, err := bucket(tx, ctx, in.Bucket)
		if err != nil {
			return err
		}
		b.Notification = cfg
		if len(destinations(cfg)) == 0 && cfg.EventBridgeConfiguration == nil {
			b.Notification = nil
		}
		tx.Set(bucketKey(in.Bucket), engine.MustJSON(b))
		if skip {
			return nil
		}
		for _, d := range destinations(cfg) {
			if d.kind == eventbus.KindLambdaInvoke {
				continue // AWS sends no test event to functions
			}
			payload := engine.MustJSON(map[string]string{
				"Service": "Amazon S3", "Event": "s3:TestEvent",
				"Time":   call.Time.UTC().Format(eventTimeLayout),
				"Bucket": in.Bucket, "RequestId": call.RequestID, "HostId": hostID(call.RequestID),
			})
			if _, err := s.bus.Enqueue(tx, eventbus.Message{Kind: d.kind, Target: d.arn, Payload: payload, Attrs: deliveryAttrs(d, b)}); err != nil {
				return err
			}
			queued = true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if queued {
		s.bus.Kick()
	}
	return &struct{}{}, nil
}

// validateDestinations asks each destination's service whether S3 may
// deliver to it, and answers AWS's error listing the ones it may not.
// Queues and topics are not checked: hako has no SQS or SNS yet to ask
// (their messages wait on the bus until it does).
func (s *Service) validateDestinations(ctx context.Context, cfg *NotificationConfiguration, bucketName, account string) error {
	var bad []string
	for _, l := range cfg.LambdaFunctionConfigurations {
		ok := false
		if s.functions != nil {
			var err error
			ok, err = s.functions.InvokePermitted(ctx, l.LambdaFunctionArn, "s3.amazonaws.com", "arn:aws:s3:::"+bucketName, account)
			if err != nil {
				if _, isAWS := err.(*protocol.Error); !isAWS {
					return err
				}
				ok = false // no such function: not authorized, as AWS words it
			}
		}
		if !ok {
			bad = append(bad, l.LambdaFunctionArn)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	e := protocol.Errorf("InvalidArgument", "Unable to validate the following destination configurations")
	for i, arn := range bad {
		e = e.With(fmt.Sprintf("ArgumentName%d", i+1), arn).With(fmt.Sprintf("ArgumentValue%d", i+1), "Not authorized to invoke function ["+arn+"]")
	}
	return e
}

// GetBucketNotificationConfiguration returns the stored configuration (an
// empty one when none).
func (s *Service) GetBucketNotificationConfiguration(ctx context.Context, in *GetBucketNotificationConfigurationRequest) (*NotificationConfiguration, error) {
	b, err := s.readBucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	if b.Notification == nil {
		return &NotificationConfiguration{}, nil
	}
	return b.Notification, nil
}

const eventTimeLayout = "2006-01-02T15:04:05.000Z"

// deliveryAttrs are the message attributes of a delivery: the SNS subject
// AWS uses, the origin for logs.
func deliveryAttrs(d destination, b *bucketRecord) map[string]string {
	a := map[string]string{"source": "aws:s3", "sourceAccount": b.Account}
	if d.kind == eventbus.KindSNSPublish {
		a["subject"] = "Amazon S3 Notification"
	}
	if d.kind == eventbus.KindLambdaInvoke {
		a["requestId"] = newUUID()
	}
	return a
}

func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// hostID is the x-amz-id-2 the edge answers for a request id.
func hostID(requestID string) string {
	return strings.ToUpper(strings.ReplaceAll(requestID, "-", ""))
}

// deliver enqueues the event for every destination of the bucket that
// wants it, inside tx (the write's transaction). It reports whether it
// enqueued anything (the caller kicks the bus after commit).
func (s *Service) deliver(tx engine.Txn, b *bucketRecord, ev *Event) (bool, error) {
	if s.bus == nil || b.Notification == nil {
		return false, nil
	}
	queued := false
	for _, d := range destinations(b.Notification) {
		if !strings.HasPrefix(ev.Key, d.prefix) || !strings.HasSuffix(ev.Key, d.suffix) {
			continue
		}
		match := false
		for _, e := range d.events {
			if eventMatches(e, ev.Name) {
				match = true
				break
			}
		}
		if !match {
			continue
		}
		payload := engine.MustJSON(map[string]any{"Records": []any{eventRecord(ev, d.id)}})
		if _, err := s.bus.Enqueue(tx, eventbus.Message{Kind: d.kind, Target: d.arn, Payload: payload, Attrs: deliveryAttrs(d, b)}); err != nil {
			return false, err
		}
		queued = true
	}
	if b.Notification.EventBridgeConfiguration != nil {
		if detail := eventBridgeEvent(ev); detail != nil {
			target := "arn:aws:events:" + ev.Region + ":" + ev.Account + ":event-bus/default"
			if _, err := s.bus.Enqueue(tx, eventbus.Message{Kind: eventbus.KindEventsPut, Target: target, Payload: engine.MustJSON(detail),
				Attrs: map[string]string{"source": "aws.s3", "sourceAccount": ev.Account}}); err != nil {
				return false, err
			}
			queued = true
		}
	}
	return queued, nil
}

// eventRecord is one entry of an S3 event message's Records, in AWS's
// shape (eventVersion EventVersion).
func eventRecord(ev *Event, configurationID string) map[string]any {
	obj := map[string]any{"key": encodeEventKey(ev.Key), "sequencer": ev.Sequencer}
	if strings.HasPrefix(ev.Name, "ObjectCreated:") {
		obj["size"] = ev.Size
		obj["eTag"] = ev.ETag
	}
	principal := "Anonymous"
	switch {
	case ev.Caller == lifecyclePrincipal:
		principal = lifecyclePrincipal
	case ev.Caller == "" && ev.UserID == "":
	case ev.UserID == "" || ev.UserID == ev.CallerAccount:
		principal = ev.CallerAccount // root: its account, as AWS shows it
	default:
		principal = "AWS:" + ev.UserID
	}
	return map[string]any{
		"eventVersion":      EventVersion,
		"eventSource":       "aws:s3",
		"awsRegion":         ev.Region,
		"eventTime":         time.Unix(0, ev.Time).UTC().Format(eventTimeLayout),
		"eventName":         ev.Name,
		"userIdentity":      map[string]string{"principalId": principal},
		"requestParameters": map[string]string{"sourceIPAddress": ev.SourceIP},
		"responseElements":  map[string]string{"x-amz-request-id": ev.RequestID, "x-amz-id-2": hostID(ev.RequestID)},
		"s3": map[string]any{
			"s3SchemaVersion": "1.0",
			"configurationId": configurationID,
			"bucket": map[string]any{
				"name":          ev.Bucket,
				"ownerIdentity": map[string]string{"principalId": ev.Account},
				"arn":           "arn:aws:s3:::" + ev.Bucket,
			},
			"object": obj,
		},
	}
}

// eventBridgeEvent is the EventBridge event S3 sends for an object event
// ("Object Created" / "Object Deleted"); nil for events EventBridge does
// not get.
func eventBridgeEvent(ev *Event) map[string]any {
	detailType, reason := "", ""
	obj := map[string]any{"key": ev.Key, "sequencer": ev.Sequencer}
	detail := map[string]any{"version": "0", "bucket": map[string]string{"name": ev.Bucket},
		"request-id": ev.RequestID, "requester": ev.CallerAccount, "source-ip-address": ev.SourceIP}
	switch ev.Name {
	case "ObjectCreated:Put":
		detailType, reason = "Object Created", "PutObject"
	case "ObjectCreated:Post":
		detailType, reason = "Object Created", "PostObject"
	case "ObjectCreated:Copy":
		detailType, reason = "Object Created", "CopyObject"
	case "ObjectCreated:CompleteMultipartUpload":
		detailType, reason = "Object Created", "CompleteMultipartUpload"
	case "ObjectRemoved:Delete":
		detailType, reason = "Object Deleted", "DeleteObject"
		detail["deletion-type"] = "Permanently Deleted"
	case "LifecycleExpiration:Delete":
		detailType, reason = "Object Deleted", "Lifecycle Expiration"
		detail["deletion-type"] = "Permanently Deleted"
		detail["requester"] = "s3.amazonaws.com"
		delete(detail, "source-ip-address")
	default:
		return nil
	}
	if detailType == "Object Created" {
		obj["size"] = ev.Size
		obj["etag"] = ev.ETag
	}
	detail["object"] = obj
	detail["reason"] = reason
	return map[string]any{
		"version": "0", "id": newUUID(), "detail-type": detailType, "source": "aws.s3",
		"account": ev.Account, "time": time.Unix(0, ev.Time).UTC().Format(time.RFC3339),
		"region": ev.Region, "resources": []string{"arn:aws:s3:::" + ev.Bucket}, "detail": detail,
	}
}

// encodeEventKey form-urlencodes a key as S3 event records carry it:
// space as '+', '+' as %2B, '/' and the unreserved characters kept, every
// other byte of the UTF-8 key %XX.
func encodeEventKey(key string) string {
	var b strings.Builder
	const hexDigits = "0123456789ABCDEF"
	for i := 0; i < len(key); i++ {
		c := key[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9',
			c == '-', c == '_', c == '.', c == '*', c == '/':
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('+')
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}
