package events

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"unicode/utf8"

	"hako/internal/engine"
	"hako/internal/eventbus"
	"hako/internal/eventpattern"
)

// maxPutEventsSize bounds the entries of one PutEvents call, counted as
// AWS counts them (entrySize).
const maxPutEventsSize = 1 << 20

// patternCacheSize bounds the compiled-pattern cache; past it the cache
// starts over (patterns are small and compile in microseconds).
const patternCacheSize = 10000

// envelope is an event as EventBridge delivers it, in AWS's member order.
type envelope struct {
	Version    string          `json:"version"`
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Account    string          `json:"account"`
	Time       string          `json:"time"`
	Region     string          `json:"region"`
	Resources  []string        `json:"resources"`
	Detail     json.RawMessage `json:"detail"`
}

// entrySize is an entry's size by AWS's rule: 14 bytes for a Time, then
// the UTF-8 bytes of Source, DetailType, Detail and each resource.
func entrySize(e *PutEventsRequestEntry) int {
	n := len(e.Source) + len(e.DetailType) + len(e.Detail)
	if !e.Time.IsZero() {
		n += 14
	}
	for _, r := range e.Resources {
		n += len(r)
	}
	return n
}

// PutEvents accepts custom events: each entry is checked on its own (a bad
// entry is reported in Entries and the others go on), matched against the
// enabled rules of its bus, and every matched target's delivery is enqueued
// in one transaction for the whole call, so the events are durable when the
// call answers.
func (s *Service) PutEvents(ctx context.Context, in *PutEventsRequest) (*PutEventsResponse, error) {
	sc := scopeOf(ctx)
	if s.deliver == nil {
		return nil, ErrInternal("This server has no event bus to deliver events with.")
	}
	if in.EndpointId != "" {
		return nil, errValidation("hako does not implement global endpoints (EndpointId).")
	}
	total := 0
	for i := range in.Entries {
		total += entrySize(&in.Entries[i])
	}
	if total > maxPutEventsSize {
		return nil, errValidation("Total size of the entries in the request is over the limit.")
	}
	now := s.clock.Now().UTC()
	results := make([]PutEventsResultEntry, len(in.Entries))
	events := make([][]byte, len(in.Entries))
	buses := make([]string, len(in.Entries))
	for i := range in.Entries {
		e := &in.Entries[i]
		bus, code, msg := s.checkEntry(sc, e)
		if code != "" {
			results[i] = PutEventsResultEntry{ErrorCode: code, ErrorMessage: msg}
			continue
		}
		t := now
		if !e.Time.IsZero() {
			t = e.Time.UTC()
		}
		resources := e.Resources
		if resources == nil {
			resources = []string{}
		}
		ev := envelope{"0", newUUID(), e.DetailType, e.Source, sc.account, t.Format("2006-01-02T15:04:05Z"), sc.region, resources, json.RawMessage(e.Detail)}
		events[i], buses[i] = engine.MustJSON(&ev), bus
		results[i] = PutEventsResultEntry{EventId: ev.ID}
	}
	err := s.update(ctx, func(tx engine.Txn) error {
		for i := range in.Entries {
			if events[i] == nil {
				continue
			}
			if ok, err := busExists(tx, sc, buses[i]); err != nil {
				return err
			} else if !ok {
				// Decided inside the transaction, so reset on a retry.
				results[i] = PutEventsResultEntry{ErrorCode: "ResourceNotFoundException", ErrorMessage: "Event bus " + buses[i] + " does not exist."}
				continue
			}
			if results[i].EventId == "" {
				results[i] = PutEventsResultEntry{EventId: eventID(events[i])}
			}
			if err := s.match(tx, sc, buses[i], events[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.kick()
	failed := int32(0)
	for _, r := range results {
		if r.ErrorCode != "" {
			failed++
		}
	}
	return &PutEventsResponse{FailedEntryCount: &failed, Entries: results}, nil
}

func eventID(ev []byte) string {
	var e struct {
		ID string `json:"id"`
	}
	json.Unmarshal(ev, &e)
	return e.ID
}

// checkEntry returns the entry's bus, or the error code and message AWS
// answers for it.
func (s *Service) checkEntry(sc scope, e *PutEventsRequestEntry) (bus, code, msg string) {
	switch {
	case e.Source == "":
		return "", "InvalidArgument", "Parameter Source is not valid. Reason: Source is a required argument."
	case e.DetailType == "":
		return "", "InvalidArgument", "Parameter DetailType is not valid. Reason: DetailType is a required argument."
	case e.Detail == "":
		return "", "InvalidArgument", "Parameter Detail is not valid. Reason: Detail is a required argument."
	case !utf8.ValidString(e.Source):
		return "", "InvalidArgument", "Parameter Source is not valid."
	case !utf8.ValidString(e.DetailType):
		return "", "InvalidArgument", "Parameter DetailType is not valid."
	case strings.HasPrefix(e.Source, "aws."):
		return "", "NotAuthorizedForSourceException", "Not authorized for the source."
	case !utf8.ValidString(e.Detail) || !isJSONObject(e.Detail):
		return "", "MalformedDetail", "Detail is malformed."
	}
	for _, r := range e.Resources {
		if !utf8.ValidString(r) {
			return "", "InvalidArgument", "Parameter Resources is not valid."
		}
	}
	bus = busName(e.EventBusName)
	if strings.HasPrefix(e.EventBusName, "arn:") && !strings.HasPrefix(e.EventBusName, "arn:aws:events:"+sc.region+":"+sc.account+":event-bus/") {
		return "", "InvalidArgument", "hako does not deliver events to buses of other accounts or regions: " + e.EventBusName
	}
	return bus, "", ""
}

func isJSONObject(s string) bool {
	var m map[string]json.RawMessage
	return json.Unmarshal([]byte(s), &m) == nil && m != nil
}

// match enqueues, in tx, event's delivery to every target of every enabled
// rule of bus whose pattern matches it.
func (s *Service) match(tx engine.Txn, sc scope, bus string, event []byte) error {
	ev, err := eventpattern.Decode(event)
	if err != nil {
		return err
	}
	p := sc.rulesPrefix(bus)
	var matched []ruleRecord
	err = tx.Scan(p, engine.PrefixEnd(p), false, func(k, v []byte) (bool, error) {
		var rec ruleRecord
		if err := json.Unmarshal(v, &rec); err != nil {
			return false, err
		}
		if rec.EventPattern == "" || !enabled(rec.State) || len(rec.Targets) == 0 {
			return true, nil
		}
		if pat := s.pattern(rec.EventPattern); pat != nil && pat.MatchDecoded(ev) {
			matched = append(matched, rec)
		}
		return true, nil
	})
	if err != nil {
		return err
	}
	for i := range matched {
		for _, t := range matched[i].Targets {
			if err := s.enqueueDelivery(tx, sc, &matched[i], t, event); err != nil {
				return err
			}
		}
	}
	return nil
}

// pattern returns a stored pattern compiled (nil if it no longer compiles).
func (s *Service) pattern(text string) *eventpattern.Pattern {
	s.mu.Lock()
	p, ok := s.patterns[text]
	s.mu.Unlock()
	if ok {
		return p
	}
	p, err := eventpattern.Compile(text)
	if err != nil {
		s.log.Error("events: stored event pattern does not compile", "pattern", text, "err", err)
	}
	s.mu.Lock()
	if len(s.patterns) >= patternCacheSize {
		s.patterns = map[string]*eventpattern.Pattern{}
	}
	s.patterns[text] = p
	s.mu.Unlock()
	return p
}

// handlePut delivers an events.put message — an event another service
// sends to a bus (Lambda destinations, S3's EventBridge notifications):
// Target is the bus ARN, Payload the event. A payload with source and
// detail-type is an event (missing envelope fields are filled in); a
// Lambda invocation record (a destination's) becomes the event AWS makes
// of it, source "lambda".
func (s *Service) handlePut(_ context.Context, m *eventbus.Message) eventbus.Outcome {
	i := strings.Index(m.Target, ":event-bus/")
	parts := strings.Split(m.Target, ":")
	if !strings.HasPrefix(m.Target, "arn:") || i < 0 || len(parts) < 6 {
		s.log.Error("events: an events.put message names no event bus; dropped", "target", m.Target, "id", m.ID)
		return eventbus.Outcome{}
	}
	sc := scope{account: parts[4], region: parts[3]}
	bus := m.Target[i+len(":event-bus/"):]
	event, err := s.envelopeOf(sc, m.Payload)
	if err != nil {
		s.log.Error("events: an events.put payload is no event; dropped", "bus", m.Target, "id", m.ID, "err", err)
		return eventbus.Outcome{}
	}
	return eventbus.Outcome{Then: func(tx engine.Txn) error {
		if ok, err := busExists(tx, sc, bus); err != nil {
			return err
		} else if !ok {
			s.log.Warn("events: event for a bus that does not exist; dropped, as on AWS", "bus", m.Target, "id", m.ID)
			return nil
		}
		return s.match(tx, sc, bus, event)
	}}
}

func (s *Service) envelopeOf(sc scope, payload []byte) ([]byte, error) {
	var f struct {
		ID             string          `json:"id"`
		DetailType     *string         `json:"detail-type"`
		Source         *string         `json:"source"`
		Account        string          `json:"account"`
		Time           string          `json:"time"`
		Region         string          `json:"region"`
		Resources      []string        `json:"resources"`
		Detail         json.RawMessage `json:"detail"`
		RequestContext *struct {
			FunctionArn string `json:"functionArn"`
			Condition   string `json:"condition"`
		} `json:"requestContext"`
	}
	if err := json.Unmarshal(payload, &f); err != nil {
		return nil, err
	}
	ev := envelope{Version: "0", ID: f.ID, Account: f.Account, Time: f.Time, Region: f.Region, Resources: f.Resources, Detail: f.Detail}
	switch {
	case f.DetailType != nil && f.Source != nil:
		ev.DetailType, ev.Source = *f.DetailType, *f.Source
	case f.RequestContext != nil && f.RequestContext.FunctionArn != "":
		ev.Source, ev.DetailType = "lambda", "Lambda Function Invocation Result - Failure"
		if f.RequestContext.Condition == "Success" {
			ev.DetailType = "Lambda Function Invocation Result - Success"
		}
		ev.Resources, ev.Detail = []string{f.RequestContext.FunctionArn}, payload
		ev.ID, ev.Account, ev.Time, ev.Region = "", "", "", ""
	default:
		return nil, errNotEvent
	}
	if ev.ID == "" {
		ev.ID = newUUID()
	}
	if ev.Account == "" {
		ev.Account = sc.account
	}
	if ev.Region == "" {
		ev.Region = sc.region
	}
	if ev.Time == "" {
		ev.Time = s.clock.Now().UTC().Format("2006-01-02T15:04:05Z")
	}
	if ev.Resources == nil {
		ev.Resources = []string{}
	}
	if ev.Detail == nil {
		ev.Detail = json.RawMessage("{}")
	}
	return engine.MustJSON(&ev), nil
}

var errNotEvent = errors.New("neither an event (source, detail-type) nor a Lambda invocation record")
