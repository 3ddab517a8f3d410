package events

import (
	"context"
	"slices"
	"strings"

	"hako/internal/engine"
)

// maxTags is how many tags a resource can carry.
const maxTags = 50

// resourceOf parses a rule or event bus ARN of the caller's account and
// region. For a bus, rule is empty.
func resourceOf(sc scope, arn string) (bus, rule string, err error) {
	prefix := "arn:aws:events:" + sc.region + ":" + sc.account + ":"
	rest, ok := strings.CutPrefix(arn, prefix)
	if !ok {
		return "", "", ErrResourceNotFound("Resource %s does not exist.", arn)
	}
	if b, ok := strings.CutPrefix(rest, "event-bus/"); ok && b != "" {
		return b, "", nil
	}
	if r, ok := strings.CutPrefix(rest, "rule/"); ok && r != "" {
		if i := strings.LastIndexByte(r, '/'); i >= 0 {
			return r[:i], r[i+1:], nil
		}
		return defaultBus, r, nil
	}
	return "", "", ErrResourceNotFound("Resource %s does not exist.", arn)
}

// editTags applies fn to the tags of the resource arn in one transaction.
func (s *Service) editTags(ctx context.Context, arn string, fn func([]Tag) ([]Tag, error)) error {
	sc := scopeOf(ctx)
	bus, rule, err := resourceOf(sc, arn)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx engine.Txn) error {
		if rule != "" {
			rec, err := getRule(tx, sc, bus, rule)
			if err != nil {
				return err
			}
			if rec.Tags, err = fn(rec.Tags); err != nil {
				return err
			}
			tx.Set(sc.ruleKey(bus, rule), engine.MustJSON(rec))
			return nil
		}
		var rec busRecord
		ok, err := engine.GetJSON(tx, sc.busKey(bus), &rec)
		if err != nil {
			return err
		}
		if !ok {
			if bus != defaultBus {
				return errBusNotFound(bus)
			}
			rec = busRecord{Name: defaultBus} // the default bus gets a record once tagged
		}
		if rec.Tags, err = fn(rec.Tags); err != nil {
			return err
		}
		tx.Set(sc.busKey(bus), engine.MustJSON(rec))
		return nil
	})
}

// TagResource adds or overwrites tags of a rule or bus.
func (s *Service) TagResource(ctx context.Context, in *TagResourceRequest) (*TagResourceResponse, error) {
	err := s.editTags(ctx, in.ResourceARN, func(tags []Tag) ([]Tag, error) {
		for _, t := range in.Tags {
			if i := slices.IndexFunc(tags, func(x Tag) bool { return x.Key == t.Key }); i >= 0 {
				tags[i].Value = t.Value
			} else {
				tags = append(tags, t)
			}
		}
		if len(tags) > maxTags {
			return nil, ErrLimitExceeded("The requested resource exceeds the maximum number allowed.")
		}
		return tags, nil
	})
	if err != nil {
		return nil, err
	}
	return &TagResourceResponse{}, nil
}

// UntagResource removes tags of a rule or bus.
func (s *Service) UntagResource(ctx context.Context, in *UntagResourceRequest) (*UntagResourceResponse, error) {
	err := s.editTags(ctx, in.ResourceARN, func(tags []Tag) ([]Tag, error) {
		return slices.DeleteFunc(tags, func(t Tag) bool { return slices.Contains(in.TagKeys, t.Key) }), nil
	})
	if err != nil {
		return nil, err
	}
	return &UntagResourceResponse{}, nil
}

// ListTagsForResource returns the tags of a rule or bus.
func (s *Service) ListTagsForResource(ctx context.Context, in *ListTagsForResourceRequest) (*ListTagsForResourceResponse, error) {
	sc := scopeOf(ctx)
	bus, rule, err := resourceOf(sc, in.ResourceARN)
	if err != nil {
		return nil, err
	}
	out := &ListTagsForResourceResponse{Tags: []Tag{}}
	err = s.eng.View(func(r engine.Reader) error {
		if rule != "" {
			rec, err := getRule(r, sc, bus, rule)
			if err != nil {
				return err
			}
			out.Tags = append(out.Tags, rec.Tags...)
			return nil
		}
		var rec busRecord
		ok, err := engine.GetJSON(r, sc.busKey(bus), &rec)
		if err == nil && !ok && bus != defaultBus {
			return errBusNotFound(bus)
		}
		out.Tags = append(out.Tags, rec.Tags...)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
