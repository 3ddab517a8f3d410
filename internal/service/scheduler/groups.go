package scheduler

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"hako/internal/engine"
)

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// CreateScheduleGroup creates a group; repeated with the ClientToken that
// created it, it answers the same ARN.
func (s *Service) CreateScheduleGroup(ctx context.Context, in *CreateScheduleGroupInput) (*CreateScheduleGroupOutput, error) {
	sc := scopeOf(ctx)
	now := s.clock.Now().UTC()
	err := s.update(ctx, func(tx engine.Txn) error {
		if in.Name == defaultGroup {
			return ErrConflict("Schedule group %s already exists.", in.Name)
		}
		var old groupRecord
		if ok, err := engine.GetJSON(tx, sc.groupKey(in.Name), &old); err != nil {
			return err
		} else if ok {
			if in.ClientToken != "" && old.ClientToken == in.ClientToken {
				return nil
			}
			return ErrConflict("Schedule group %s already exists.", in.Name)
		}
		tx.Set(sc.groupKey(in.Name), engine.MustJSON(&groupRecord{Name: in.Name, Created: now, LastModified: now, ClientToken: in.ClientToken, Tags: in.Tags}))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &CreateScheduleGroupOutput{ScheduleGroupArn: sc.groupARN(in.Name)}, nil
}

// getGroup reads a group; the default group always exists.
func getGroup(r engine.Reader, sc scope, name string) (*groupRecord, error) {
	var rec groupRecord
	ok, err := engine.GetJSON(r, sc.groupKey(name), &rec)
	if err != nil {
		return nil, err
	}
	if !ok {
		if name != defaultGroup {
			return nil, errGroupNotFound(name)
		}
		rec = groupRecord{Name: defaultGroup}
	}
	return &rec, nil
}

// GetScheduleGroup returns a group.
func (s *Service) GetScheduleGroup(ctx context.Context, in *GetScheduleGroupInput) (*GetScheduleGroupOutput, error) {
	sc := scopeOf(ctx)
	var rec *groupRecord
	err := s.eng.View(func(r engine.Reader) (err error) {
		rec, err = getGroup(r, sc, in.Name)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &GetScheduleGroupOutput{Arn: sc.groupARN(rec.Name), CreationDate: rec.Created, LastModificationDate: rec.LastModified, Name: rec.Name, State: "ACTIVE"}, nil
}

// ListScheduleGroups lists groups in name order, the default group among
// them.
func (s *Service) ListScheduleGroups(ctx context.Context, in *ListScheduleGroupsInput) (*ListScheduleGroupsOutput, error) {
	sc := scopeOf(ctx)
	var all []groupRecord
	err := s.eng.View(func(r engine.Reader) error {
		p := sc.groupsPrefix()
		return r.Scan(p, engine.PrefixEnd(p), false, func(k, v []byte) (bool, error) {
			var g groupRecord
			if err := json.Unmarshal(v, &g); err != nil {
				return false, err
			}
			all = append(all, g)
			return true, nil
		})
	})
	if err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(all, func(g groupRecord) bool { return g.Name == defaultGroup }) {
		all = append(all, groupRecord{Name: defaultGroup})
		slices.SortFunc(all, func(a, b groupRecord) int { return strings.Compare(a.Name, b.Name) })
	}
	after := ""
	if in.NextToken != "" {
		if after, err = decodeToken(in.NextToken); err != nil {
			return nil, err
		}
	}
	out := &ListScheduleGroupsOutput{ScheduleGroups: []ScheduleGroupSummary{}}
	limit := limitOf(in.MaxResults)
	for _, g := range all {
		if (after != "" && g.Name <= after) || !strings.HasPrefix(g.Name, in.NamePrefix) {
			continue
		}
		if len(out.ScheduleGroups) == limit {
			out.NextToken = encodeToken(out.ScheduleGroups[limit-1].Name)
			break
		}
		out.ScheduleGroups = append(out.ScheduleGroups, ScheduleGroupSummary{
			Arn: sc.groupARN(g.Name), CreationDate: g.Created, LastModificationDate: g.LastModified, Name: g.Name, State: "ACTIVE",
		})
	}
	return out, nil
}

// DeleteScheduleGroup deletes a group and its schedules in one
// transaction (AWS does it in the background, with the group DELETING
// meanwhile).
func (s *Service) DeleteScheduleGroup(ctx context.Context, in *DeleteScheduleGroupInput) (*DeleteScheduleGroupOutput, error) {
	sc := scopeOf(ctx)
	if in.Name == defaultGroup {
		return nil, ErrValidation("You cannot delete the default group.")
	}
	err := s.update(ctx, func(tx engine.Txn) error {
		if _, err := getGroup(tx, sc, in.Name); err != nil {
			return err
		}
		p := sc.groupPrefix(in.Name)
		tx.DeleteRange(p, engine.PrefixEnd(p))
		tx.Delete(sc.groupKey(in.Name))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &DeleteScheduleGroupOutput{}, nil
}

// groupOfARN resolves a taggable ARN (a schedule group's).
func groupOfARN(sc scope, arn string) (string, error) {
	if g := arnName(sc, arn, "schedule-group"); g != "" {
		return g, nil
	}
	if arnName(sc, arn, "schedule") != "" {
		return "", ErrValidation("Tags are supported on schedule groups only, not on schedule %s.", arn)
	}
	return "", ErrResourceNotFound("Schedule group %s does not exist.", arn)
}

// TagResource adds or replaces tags of a schedule group.
func (s *Service) TagResource(ctx context.Context, in *TagResourceInput) (*TagResourceOutput, error) {
	return &TagResourceOutput{}, s.retag(ctx, in.ResourceArn, func(tags []Tag) []Tag {
		for _, t := range in.Tags {
			if i := slices.IndexFunc(tags, func(x Tag) bool { return x.Key == t.Key }); i >= 0 {
				tags[i] = t
			} else {
				tags = append(tags, t)
			}
		}
		return tags
	})
}

// UntagResource removes tags of a schedule group.
func (s *Service) UntagResource(ctx context.Context, in *UntagResourceInput) (*UntagResourceOutput, error) {
	return &UntagResourceOutput{}, s.retag(ctx, in.ResourceArn, func(tags []Tag) []Tag {
		return slices.DeleteFunc(tags, func(t Tag) bool { return slices.Contains(in.TagKeys, t.Key) })
	})
}

func (s *Service) retag(ctx context.Context, arn string, change func([]Tag) []Tag) error {
	sc := scopeOf(ctx)
	g, err := groupOfARN(sc, arn)
	if err != nil {
		return err
	}
	now := s.clock.Now().UTC()
	return s.update(ctx, func(tx engine.Txn) error {
		rec, err := getGroup(tx, sc, g)
		if err != nil {
			return err
		}
		if rec.Created.IsZero() {
			rec.Created, rec.LastModified = now, now
		}
		rec.Tags = change(slices.Clone(rec.Tags))
		tx.Set(sc.groupKey(g), engine.MustJSON(rec))
		return nil
	})
}

// ListTagsForResource lists a schedule group's tags.
func (s *Service) ListTagsForResource(ctx context.Context, in *ListTagsForResourceInput) (*ListTagsForResourceOutput, error) {
	sc := scopeOf(ctx)
	g, err := groupOfARN(sc, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	var rec *groupRecord
	if err := s.eng.View(func(r engine.Reader) (err error) { rec, err = getGroup(r, sc, g); return err }); err != nil {
		return nil, err
	}
	tags := rec.Tags
	if tags == nil {
		tags = []Tag{}
	}
	return &ListTagsForResourceOutput{Tags: tags}, nil
}
