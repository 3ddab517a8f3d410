package logs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"hako/internal/engine"
	"hako/internal/protocol"
)

// retentionDays are the values PutRetentionPolicy accepts, in AWS's order.
var retentionDays = []int32{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// maxTags is how many tags a log group can carry.
const maxTags = 50

// describeGroupsLimit is DescribeLogGroups' default and maximum page size.
const describeGroupsLimit = 50

// CreateLogGroup creates a log group.
func (s *Service) CreateLogGroup(ctx context.Context, in *CreateLogGroupRequest) (*struct{}, error) {
	sc := scopeOf(ctx)
	rec := groupRecord{
		Name:         in.LogGroupName,
		CreationTime: s.nowMs(),
		KmsKeyID:     in.KmsKeyId,
		Class:        in.LogGroupClass,
		Tags:         in.Tags,
	}
	if rec.Class == "" {
		rec.Class = "STANDARD"
	}
	if in.DeletionProtectionEnabled != nil {
		rec.DeletionProtection = *in.DeletionProtectionEnabled
	}
	if in.LogGroupName == "" {
		return nil, ErrInvalidParameter("1 validation error detected: Value null at 'logGroupName' failed to satisfy constraint: Member must not be null")
	}
	err := s.update(ctx, func(tx engine.Txn) error {
		_, err := getGroup(tx, sc, in.LogGroupName)
		if err == nil {
			return ErrResourceAlreadyExists("The specified log group already exists")
		}
		if !isNotFound(err) {
			return err
		}
		tx.Set(sc.groupKey(in.LogGroupName), engine.MustJSON(rec))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// DeleteLogGroup deletes a log group with all its streams and events.
func (s *Service) DeleteLogGroup(ctx context.Context, in *DeleteLogGroupRequest) (*struct{}, error) {
	sc := scopeOf(ctx)
	err := s.update(ctx, func(tx engine.Txn) error {
		if _, err := getGroup(tx, sc, in.LogGroupName); err != nil {
			return err
		}
		tx.Delete(sc.groupKey(in.LogGroupName))
		sp := sc.streamsPrefix(in.LogGroupName)
		tx.DeleteRange(sp, engine.PrefixEnd(sp))
		ep := sc.groupEventsPrefix(in.LogGroupName)
		tx.DeleteRange(ep, engine.PrefixEnd(ep))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// DescribeLogGroups lists log groups in name order.
func (s *Service) DescribeLogGroups(ctx context.Context, in *DescribeLogGroupsRequest) (*DescribeLogGroupsResponse, error) {
	sc := scopeOf(ctx)
	if in.LogGroupNamePrefix != "" && in.LogGroupNamePattern != "" {
		return nil, ErrInvalidParameter("LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.")
	}
	limit := limitOf(in.Limit, describeGroupsLimit, describeGroupsLimit)
	gp := sc.groupsPrefix()
	start := append(gp, in.LogGroupNamePrefix...)
	end := engine.PrefixEnd(start)
	if in.NextToken != "" {
		t, err := decodeToken(in.NextToken, tokGroups)
		if err != nil {
			return nil, err
		}
		if after := keyAfter(sc.groupKey(t.Name)); string(after) > string(start) {
			start = after
		}
	}
	var wanted map[string]bool
	if len(in.LogGroupIdentifiers) > 0 {
		wanted = map[string]bool{}
		for _, id := range in.LogGroupIdentifiers {
			if strings.HasPrefix(id, "arn:") {
				if n, ok := parseGroupARN(sc, id); ok {
					wanted[n] = true
				}
				continue
			}
			wanted[id] = true
		}
	}
	out := &DescribeLogGroupsResponse{LogGroups: []LogGroup{}}
	err := s.eng.View(func(r engine.Reader) error {
		var groups []*groupRecord
		more := false
		err := r.Scan(start, end, false, func(k, v []byte) (bool, error) {
			g := new(groupRecord)
			if err := json.Unmarshal(v, g); err != nil {
				return false, fmt.Errorf("logs: group record %q: %w", k, err)
			}
			if in.LogGroupNamePattern != "" && !strings.Contains(g.Name, in.LogGroupNamePattern) {
				return true, nil
			}
			if in.LogGroupClass != "" && g.Class != in.LogGroupClass {
				return true, nil
			}
			if wanted != nil && !wanted[g.Name] {
				return true, nil
			}
			if len(groups) == limit {
				more = true
				return false, nil
			}
			groups = append(groups, g)
			return true, nil
		})
		if err != nil {
			return err
		}
		for _, g := range groups {
			lg := describeGroup(sc, g)
			// AWS answers a logGroupNamePattern search from another
			// index, which leaves storedBytes and
			// deletionProtectionEnabled out.
			if in.LogGroupNamePattern == "" {
				stored, err := storedBytes(r, sc, g.Name)
				if err != nil {
					return err
				}
				lg.StoredBytes = ptr(stored)
				lg.DeletionProtectionEnabled = ptr(g.DeletionProtection)
			}
			out.LogGroups = append(out.LogGroups, lg)
		}
		if more {
			out.NextToken = encodeToken(pageToken{Kind: tokGroups, Name: groups[len(groups)-1].Name})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func describeGroup(sc scope, g *groupRecord) LogGroup {
	arn := groupARN(sc, g.Name)
	lg := LogGroup{
		LogGroupName:      g.Name,
		CreationTime:      ptr(g.CreationTime),
		MetricFilterCount: ptr(int32(0)),
		Arn:               arn + ":*",
		LogGroupArn:       arn,
		KmsKeyId:          g.KmsKeyID,
		LogGroupClass:     g.Class,
	}
	if g.RetentionInDays > 0 {
		lg.RetentionInDays = ptr(g.RetentionInDays)
	}
	return lg
}

// storedBytes adds up the stored bytes of a group's streams. It reads every
// stream record of the group, which keeps PutLogEvents from having to
// update a group-wide counter (a write every stream would contend on).
func storedBytes(r engine.Reader, sc scope, group string) (int64, error) {
	var total int64
	sp := sc.streamsPrefix(group)
	err := r.Scan(sp, engine.PrefixEnd(sp), false, func(k, v []byte) (bool, error) {
		var st streamRecord
		if err := json.Unmarshal(v, &st); err != nil {
			return false, fmt.Errorf("logs: stream record %q: %w", k, err)
		}
		total += st.StoredBytes
		return true, nil
	})
	return total, err
}

// PutRetentionPolicy sets how long a group keeps its events.
func (s *Service) PutRetentionPolicy(ctx context.Context, in *PutRetentionPolicyRequest) (*struct{}, error) {
	var days int32
	if in.RetentionInDays != nil {
		days = *in.RetentionInDays
	}
	if !slices.Contains(retentionDays, days) {
		set := make([]string, len(retentionDays))
		for i, d := range retentionDays {
			set[i] = fmt.Sprint(d)
		}
		return nil, ErrInvalidParameter("1 validation error detected: Value '%d' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [%s]", days, strings.Join(set, ", "))
	}
	if err := s.changeGroup(ctx, in.LogGroupName, func(g *groupRecord) error {
		g.RetentionInDays = days
		return nil
	}); err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// DeleteRetentionPolicy makes a group keep its events forever.
func (s *Service) DeleteRetentionPolicy(ctx context.Context, in *DeleteRetentionPolicyRequest) (*struct{}, error) {
	if err := s.changeGroup(ctx, in.LogGroupName, func(g *groupRecord) error {
		g.RetentionInDays = 0
		return nil
	}); err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// changeGroup applies fn to a group record in one transaction.
func (s *Service) changeGroup(ctx context.Context, name string, fn func(g *groupRecord) error) error {
	sc := scopeOf(ctx)
	return s.update(ctx, func(tx engine.Txn) error {
		g, err := getGroup(tx, sc, name)
		if err != nil {
			return err
		}
		if err := fn(g); err != nil {
			return err
		}
		tx.Set(sc.groupKey(name), engine.MustJSON(g))
		return nil
	})
}

// groupOfARN resolves a TagResource-style ARN to a group name.
func groupOfARN(ctx context.Context, arn string) (string, error) {
	name, ok := parseGroupARN(scopeOf(ctx), arn)
	if !ok {
		return "", ErrResourceNotFound("The specified resource does not exist.")
	}
	return name, nil
}

func (s *Service) addTags(ctx context.Context, group, arn string, tags map[string]string) error {
	return s.changeGroup(ctx, group, func(g *groupRecord) error {
		merged := maps.Clone(g.Tags)
		if merged == nil {
			merged = map[string]string{}
		}
		maps.Copy(merged, tags)
		if len(merged) > maxTags {
			return ErrTooManyTags("A resource can have no more than %d tags.", maxTags).With("resourceName", arn)
		}
		g.Tags = merged
		return nil
	})
}

func (s *Service) removeTags(ctx context.Context, group string, keys []string) error {
	return s.changeGroup(ctx, group, func(g *groupRecord) error {
		for _, k := range keys {
			delete(g.Tags, k)
		}
		return nil
	})
}

func (s *Service) tagsOf(ctx context.Context, group string) (map[string]string, error) {
	var g *groupRecord
	err := s.eng.View(func(r engine.Reader) error {
		var err error
		g, err = getGroup(r, scopeOf(ctx), group)
		return err
	})
	if err != nil {
		return nil, err
	}
	tags := maps.Clone(g.Tags)
	if tags == nil {
		tags = map[string]string{} // AWS answers {"tags": {}}
	}
	return tags, nil
}

// TagResource adds tags to a log group named by ARN.
func (s *Service) TagResource(ctx context.Context, in *TagResourceRequest) (*struct{}, error) {
	group, err := groupOfARN(ctx, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	if err := s.addTags(ctx, group, in.ResourceArn, in.Tags); err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// UntagResource removes tags from a log group named by ARN.
func (s *Service) UntagResource(ctx context.Context, in *UntagResourceRequest) (*struct{}, error) {
	group, err := groupOfARN(ctx, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	if err := s.removeTags(ctx, group, in.TagKeys); err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// ListTagsForResource lists a log group's tags by ARN.
func (s *Service) ListTagsForResource(ctx context.Context, in *ListTagsForResourceRequest) (*ListTagsForResourceResponse, error) {
	group, err := groupOfARN(ctx, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	tags, err := s.tagsOf(ctx, group)
	if err != nil {
		return nil, err
	}
	return &ListTagsForResourceResponse{Tags: tags}, nil
}

// TagLogGroup is the deprecated, name-based TagResource.
func (s *Service) TagLogGroup(ctx context.Context, in *TagLogGroupRequest) (*struct{}, error) {
	if err := s.addTags(ctx, in.LogGroupName, groupARN(scopeOf(ctx), in.LogGroupName), in.Tags); err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// UntagLogGroup is the deprecated, name-based UntagResource.
func (s *Service) UntagLogGroup(ctx context.Context, in *UntagLogGroupRequest) (*struct{}, error) {
	if err := s.removeTags(ctx, in.LogGroupName, in.Tags); err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// ListTagsLogGroup is the deprecated, name-based ListTagsForResource.
func (s *Service) ListTagsLogGroup(ctx context.Context, in *ListTagsLogGroupRequest) (*ListTagsLogGroupResponse, error) {
	tags, err := s.tagsOf(ctx, in.LogGroupName)
	if err != nil {
		return nil, err
	}
	return &ListTagsLogGroupResponse{Tags: tags}, nil
}

// isNotFound reports whether err is a ResourceNotFoundException.
func isNotFound(err error) bool {
	var pe *protocol.Error
	return errors.As(err, &pe) && pe.Code == "ResourceNotFoundException"
}
