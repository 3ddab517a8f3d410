package events

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"hako/internal/engine"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Delivery is one event due for one target: what a scheduled rule's tick
// or a matched event becomes before it is enqueued (enqueueDelivery).
type Delivery struct {
	RuleARN string
	Target  Target
	// Payload is the target's input: the event, or what the target's Input,
	// InputPath or InputTransformer made of it.
	Payload []byte
	// Event is the event itself, for dead-letter records.
	Event []byte
}

// ScheduledEvent is the event a scheduled rule sends for the tick at t,
// exactly as EventBridge sends it (time to the second, detail {}).
func ScheduledEvent(account, region, ruleARN string, t time.Time) []byte {
	return engine.MustJSON(envelope{"0", newUUID(), "Scheduled Event", "aws.events", account, t.UTC().Format("2006-01-02T15:04:05Z"),
		region, []string{ruleARN}, json.RawMessage("{}")})
}

// NewDelivery renders event (a JSON object) for target t of a rule.
func NewDelivery(ruleARN, ruleName string, t Target, event []byte) (Delivery, error) {
	payload, err := renderInput(t, ruleARN, ruleName, event)
	if err != nil {
		return Delivery{}, err
	}
	return Delivery{RuleARN: ruleARN, Target: t, Payload: payload, Event: event}, nil
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// predefined are the placeholders InputTemplate may use without defining.
var predefined = map[string]bool{
	"aws.events.rule-arn": true, "aws.events.rule-name": true, "aws.events.event.ingestion-time": true,
	"aws.events.event": true, "aws.events.event.json": true,
}

var placeholderRe = regexp.MustCompile(`<([^<>\s"]+)>`)

// placeholders returns the names an InputTemplate refers to as <name>.
func placeholders(template string) []string {
	var out []string
	for _, m := range placeholderRe.FindAllStringSubmatch(template, -1) {
		out = append(out, m[1])
	}
	return out
}

// parsePath parses the JSONPath subset targets use: $ followed by .name or
// ['name'] steps and [n] indexes.
func parsePath(p string) ([]any, error) {
	if !strings.HasPrefix(p, "$") {
		return nil, errors.New("a path starts with $")
	}
	var steps []any
	rest := p[1:]
	for rest != "" {
		switch {
		case rest[0] == '.':
			rest = rest[1:]
			end := strings.IndexAny(rest, ".[")
			if end < 0 {
				end = len(rest)
			}
			if end == 0 {
				return nil, errors.New("empty step")
			}
			steps = append(steps, rest[:end])
			rest = rest[end:]
		case strings.HasPrefix(rest, "['"):
			end := strings.Index(rest, "']")
			if end < 0 {
				return nil, errors.New("unterminated ['")
			}
			steps = append(steps, rest[2:end])
			rest = rest[end+2:]
		case rest[0] == '[':
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return nil, errors.New("unterminated [")
			}
			n, err := strconv.Atoi(rest[1:end])
			if err != nil || n < 0 {
				return nil, errors.New("bad index")
			}
			steps = append(steps, n)
			rest = rest[end+1:]
		default:
			return nil, errors.New("unexpected " + strconv.Quote(rest[:1]))
		}
	}
	return steps, nil
}

// extract follows a parsed path; ok is false when the value is missing.
func extract(v any, steps []any) (any, bool) {
	for _, s := range steps {
		switch k := s.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil, false
			}
			if v, ok = m[k]; !ok {
				return nil, false
			}
		case int:
			a, ok := v.([]any)
			if !ok || k >= len(a) {
				return nil, false
			}
			v = a[k]
		}
	}
	return v, true
}

// renderInput is what target t receives for event.
func renderInput(t Target, ruleARN, ruleName string, event []byte) ([]byte, error) {
	switch {
	case t.Input != "":
		return []byte(t.Input), nil
	case t.InputPath == "" && t.InputTransformer == nil:
		return event, nil
	}
	dec := json.NewDecoder(bytes.NewReader(event))
	dec.UseNumber()
	var ev any
	if err := dec.Decode(&ev); err != nil {
		return nil, err
	}
	if t.InputPath != "" {
		steps, err := parsePath(t.InputPath)
		if err != nil {
			return nil, err
		}
		v, ok := extract(ev, steps)
		if !ok {
			return []byte("null"), nil
		}
		return json.Marshal(v)
	}
	values := map[string]any{
		"aws.events.rule-arn": ruleARN, "aws.events.rule-name": ruleName,
		"aws.events.event": json.RawMessage(event), "aws.events.event.json": json.RawMessage(event),
	}
	if m, ok := ev.(map[string]any); ok {
		values["aws.events.event.ingestion-time"] = m["time"]
	}
	for k, p := range t.InputTransformer.InputPathsMap {
		steps, err := parsePath(p)
		if err != nil {
			return nil, err
		}
		if v, ok := extract(ev, steps); ok {
			values[k] = v
		} else {
			values[k] = nil
		}
	}
	return []byte(fillTemplate(t.InputTransformer.InputTemplate, values)), nil
}

// fillTemplate substitutes <name> placeholders. Inside a JSON string a
// string value goes in without its quotes (escaped for the string);
// elsewhere every value goes in as JSON, as EventBridge does.
func fillTemplate(tmpl string, values map[string]any) string {
	var b strings.Builder
	inString := false
	for i := 0; i < len(tmpl); i++ {
		c := tmpl[i]
		switch {
		case c == '\\' && inString && i+1 < len(tmpl):
			b.WriteByte(c)
			b.WriteByte(tmpl[i+1])
			i++
			continue
		case c == '"':
			inString = !inString
		case c == '<':
			if m := placeholderRe.FindStringSubmatchIndex(tmpl[i:]); m != nil && m[0] == 0 {
				name := tmpl[i+m[2] : i+m[3]]
				if v, ok := values[name]; ok {
					enc, _ := json.Marshal(v)
					if s, isStr := v.(string); isStr && inString {
						enc, _ = json.Marshal(s)
						enc = enc[1 : len(enc)-1]
					}
					b.Write(enc)
					i += m[1] - 1
					continue
				}
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}
