package lambda

import (
	"context"
	"maps"
	"strings"

	"hako/internal/engine"
)

// taggedFunction resolves the Resource of the tag operations: a function
// ARN without qualifier. Other Lambda resources (event source mappings,
// layers, code signing configs) do not exist in hako.
func taggedFunction(ctx context.Context, resource string) (fnRef, error) {
	parts := strings.SplitN(resource, ":", 7)
	if len(parts) < 7 || parts[0] != "arn" || parts[2] != "lambda" || parts[5] != "function" {
		return fnRef{}, ErrResourceNotFound("The resource you requested does not exist.")
	}
	ref, err := resolve(ctx, resource, "")
	if err != nil {
		return fnRef{}, err
	}
	if ref.qualifier != "" {
		return fnRef{}, ErrInvalidParameterValue("Tags on function aliases and versions are not supported. Please specify a function ARN.")
	}
	return ref, nil
}

// TagResource adds or replaces tags of a function.
func (s *Service) TagResource(ctx context.Context, in *TagResourceRequest) (*struct{}, error) {
	ref, err := taggedFunction(ctx, in.Resource)
	if err != nil {
		return nil, err
	}
	if len(in.Tags) == 0 {
		return nil, ErrInvalidParameterValue("An error occurred and the request cannot be processed.")
	}
	err = s.update(ctx, func(tx engine.Txn) error {
		cur, err := existingFunction(tx, ref)
		if err != nil {
			return err
		}
		tags := maps.Clone(cur.Tags)
		if tags == nil {
			tags = map[string]string{}
		}
		maps.Copy(tags, in.Tags)
		if err := checkTagCount(tags); err != nil {
			return err
		}
		cur.Tags = tags
		cur.RevisionID = newUUID()
		putFunction(tx, ref.sc, cur)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// UntagResource removes tags of a function; keys it does not have are
// ignored.
func (s *Service) UntagResource(ctx context.Context, in *UntagResourceRequest) (*struct{}, error) {
	ref, err := taggedFunction(ctx, in.Resource)
	if err != nil {
		return nil, err
	}
	if len(in.TagKeys) == 0 {
		return nil, errValidation("1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null")
	}
	err = s.update(ctx, func(tx engine.Txn) error {
		cur, err := existingFunction(tx, ref)
		if err != nil {
			return err
		}
		for _, k := range in.TagKeys {
			delete(cur.Tags, k)
		}
		cur.RevisionID = newUUID()
		putFunction(tx, ref.sc, cur)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// ListTags returns a function's tags.
func (s *Service) ListTags(ctx context.Context, in *ListTagsRequest) (*ListTagsResponse, error) {
	ref, err := taggedFunction(ctx, in.Resource)
	if err != nil {
		return nil, err
	}
	rec, err := s.load(ref)
	if err != nil {
		return nil, err
	}
	tags := maps.Clone(rec.Tags)
	if tags == nil {
		tags = map[string]string{}
	}
	return &ListTagsResponse{Tags: tags}, nil
}
