package iam

import (
	"context"
	"regexp"
	"strings"

	"hako/internal/engine"
	"hako/internal/protocol"
)

// pathPattern is the model's pathType, checked again for callers that
// bypass the model's validation: a bad path would make a bad ARN.
var pathPattern = regexp.MustCompile(`^(/|/[\x21-\x7e]+/)$`)

func checkPath(member, path string) error {
	if !pathPattern.MatchString(path) {
		return protocol.Errorf("ValidationError", "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)", path, member)
	}
	return nil
}

func noRole(name string) error {
	return ErrNoSuchEntity("The role with name %s cannot be found.", name)
}

// role reads a role, or fails with NoSuchEntity.
func (s *Service) role(r engine.Reader, account, name string) (*roleRecord, error) {
	rec, err := get[roleRecord](r, roleKey(account, name))
	if err != nil {
		return nil, err
	}
	if rec == nil {
		return nil, noRole(name)
	}
	return rec, nil
}

// updateRole reads a role in a transaction, lets fn change it and writes it
// back.
func (s *Service) updateRole(ctx context.Context, name string, fn func(tx engine.Txn, r *roleRecord) error) (*roleRecord, error) {
	account := callOf(ctx).Account
	var out *roleRecord
	err := s.eng.Update(ctx, func(tx engine.Txn) error {
		r, err := s.role(tx, account, name)
		if err != nil {
			return err
		}
		if err := fn(tx, r); err != nil {
			return err
		}
		out = r
		return put(tx, roleKey(account, name), r)
	})
	return out, err
}

func checkTrustPolicy(doc string) error {
	if err := checkPolicyDocument(doc); err != nil {
		return err
	}
	if policySize(doc) > trustPolicyQuota {
		return ErrLimitExceeded("Cannot exceed quota for ACLSizePerRole: %d", trustPolicyQuota)
	}
	return nil
}

func checkMaxSession(v *int32) error {
	if v != nil && (*v < minMaxSession || *v > maxMaxSession) {
		return rangeError("maxSessionDuration", *v, minMaxSession, maxMaxSession)
	}
	return nil
}

// LookupRole returns a role's id and MaxSessionDuration; it implements
// sts.RoleLookup.
func (s *Service) LookupRole(ctx context.Context, account, name string) (string, int32, bool, error) {
	rec, err := get[roleRecord](s.eng, roleKey(account, name))
	if err != nil || rec == nil {
		return "", 0, false, err
	}
	return rec.RoleID, rec.MaxSessionDuration, true, nil
}

// CreateRole creates a role.
func (s *Service) CreateRole(ctx context.Context, in *CreateRoleRequest) (*CreateRoleResponse, error) {
	account := callOf(ctx).Account
	path := in.Path
	if path == "" {
		path = "/"
	}
	if err := checkPath("path", path); err != nil {
		return nil, err
	}
	if err := checkTrustPolicy(in.AssumeRolePolicyDocument); err != nil {
		return nil, err
	}
	if err := checkMaxSession(in.MaxSessionDuration); err != nil {
		return nil, err
	}
	maxSession := int32(defaultMaxSession)
	if in.MaxSessionDuration != nil {
		maxSession = *in.MaxSessionDuration
	}
	tags, err := mergeTags(nil, in.Tags)
	if err != nil {
		return nil, err
	}
	id, err := newID("AROA")
	if err != nil {
		return nil, err
	}
	rec := &roleRecord{
		RoleName:                 in.RoleName,
		RoleID:                   id,
		Path:                     path,
		Arn:                      "arn:aws:iam::" + account + ":role" + path + in.RoleName,
		CreateDate:               s.now(ctx),
		AssumeRolePolicyDocument: in.AssumeRolePolicyDocument,
		Description:              in.Description,
		MaxSessionDuration:       maxSession,
		PermissionsBoundary:      in.PermissionsBoundary,
		Tags:                     tags,
	}
	err = s.eng.Update(ctx, func(tx engine.Txn) error {
		existing, err := get[roleRecord](tx, roleKey(account, in.RoleName))
		if err != nil {
			return err
		}
		if existing != nil {
			return ErrEntityAlreadyExists("Role with name %s already exists.", in.RoleName)
		}
		if in.PermissionsBoundary != "" {
			if err := s.checkBoundary(tx, account, in.PermissionsBoundary); err != nil {
				return err
			}
		}
		return put(tx, roleKey(account, in.RoleName), rec)
	})
	if err != nil {
		return nil, err
	}
	return &CreateRoleResponse{Role: rec.role(viewCreate, in.MaxSessionDuration != nil)}, nil
}

// checkBoundary checks a permissions boundary: a managed policy that exists
// (any AWS managed policy is taken to exist).
func (s *Service) checkBoundary(r engine.Reader, account, arn string) error {
	p, ok := parsePolicyARN(arn)
	if !ok {
		return ErrInvalidInput("ARN %s is not valid.", arn)
	}
	if p.awsManaged() {
		return nil
	}
	rec, err := s.customerPolicy(r, account, p)
	if err != nil {
		return err
	}
	if rec == nil {
		return ErrNoSuchEntity("Scope ARN: %s does not exist or is not attachable.", arn)
	}
	return nil
}

// GetRole returns a role.
func (s *Service) GetRole(ctx context.Context, in *GetRoleRequest) (*GetRoleResponse, error) {
	rec, err := s.role(s.eng, callOf(ctx).Account, in.RoleName)
	if err != nil {
		return nil, err
	}
	return &GetRoleResponse{Role: rec.role(viewGet, true)}, nil
}

// DeleteRole deletes a role that has no inline or attached policies left.
func (s *Service) DeleteRole(ctx context.Context, in *DeleteRoleRequest) (*noOutput, error) {
	account := callOf(ctx).Account
	err := s.eng.Update(ctx, func(tx engine.Txn) error {
		if _, err := s.role(tx, account, in.RoleName); err != nil {
			return err
		}
		if n, err := count(tx, roleAttachPrefix(account, in.RoleName), 1); err != nil {
			return err
		} else if n > 0 {
			return ErrDeleteConflict("Cannot delete entity, must detach all policies first.")
		}
		if n, err := count(tx, rolePolicyPrefix(account, in.RoleName), 1); err != nil {
			return err
		} else if n > 0 {
			return ErrDeleteConflict("Cannot delete entity, must delete policies first.")
		}
		tx.Delete(roleKey(account, in.RoleName))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return nil, nil
}

// count counts the keys under prefix, stopping at limit (0: no limit).
func count(r engine.Reader, prefix string, limit int) (int, error) {
	n := 0
	err := r.Scan([]byte(prefix), prefixEnd(prefix), false, func(k, v []byte) (bool, error) {
		n++
		return limit == 0 || n < limit, nil
	})
	return n, err
}

// ListRoles lists the account's roles whose path starts with PathPrefix.
func (s *Service) ListRoles(ctx context.Context, in *ListRolesRequest) (*ListRolesResponse, error) {
	account := callOf(ctx).Account
	p, err := newPage(prefix(account)+"role/", in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	recs, marker, err := scanPage(s.eng, p, func(r *roleRecord) bool {
		return strings.HasPrefix(r.Path, in.PathPrefix)
	})
	if err != nil {
		return nil, err
	}
	out := &ListRolesResponse{Roles: make([]Role, 0, len(recs)), IsTruncated: truncated(marker), Marker: marker}
	for i := range recs {
		out.Roles = append(out.Roles, *recs[i].role(viewList, true))
	}
	return out, nil
}

// UpdateRole changes a role's description and maximum session duration.
// An empty Description leaves the description as it is.
func (s *Service) UpdateRole(ctx context.Context, in *UpdateRoleRequest) (*UpdateRoleResponse, error) {
	if err := checkMaxSession(in.MaxSessionDuration); err != nil {
		return nil, err
	}
	_, err := s.updateRole(ctx, in.RoleName, func(_ engine.Txn, r *roleRecord) error {
		if in.Description != "" {
			r.Description = in.Description
		}
		if in.MaxSessionDuration != nil {
			r.MaxSessionDuration = *in.MaxSessionDuration
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &UpdateRoleResponse{}, nil
}

// UpdateRoleDescription sets a role's description and returns the role.
func (s *Service) UpdateRoleDescription(ctx context.Context, in *UpdateRoleDescriptionRequest) (*UpdateRoleDescriptionResponse, error) {
	rec, err := s.updateRole(ctx, in.RoleName, func(_ engine.Txn, r *roleRecord) error {
		r.Description = in.Description
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &UpdateRoleDescriptionResponse{Role: rec.role(viewGet, true)}, nil
}

// UpdateAssumeRolePolicy replaces a role's trust policy.
func (s *Service) UpdateAssumeRolePolicy(ctx context.Context, in *UpdateAssumeRolePolicyRequest) (*noOutput, error) {
	if err := checkTrustPolicy(in.PolicyDocument); err != nil {
		return nil, err
	}
	_, err := s.updateRole(ctx, in.RoleName, func(_ engine.Txn, r *roleRecord) error {
		r.AssumeRolePolicyDocument = in.PolicyDocument
		return nil
	})
	if err != nil {
		return nil, err
	}
	return nil, nil
}

// inline policies

func noRolePolicy(name string) error {
	return ErrNoSuchEntity("The role policy with name %s cannot be found.", name)
}

// PutRolePolicy creates or replaces an inline policy of a role.
func (s *Service) PutRolePolicy(ctx context.Context, in *PutRolePolicyRequest) (*noOutput, error) {
	if err := checkPolicyDocument(in.PolicyDocument); err != nil {
		return nil, err
	}
	account := callOf(ctx).Account
	base := rolePolicyPrefix(account, in.RoleName)
	err := s.eng.Update(ctx, func(tx engine.Txn) error {
		r, err := s.role(tx, account, in.RoleName)
		if err != nil {
			return err
		}
		total := policySize(in.PolicyDocument)
		err = tx.Scan([]byte(base), prefixEnd(base), false, func(k, v []byte) (bool, error) {
			if string(k[len(base):]) == in.PolicyName {
				return true, nil
			}
			p, err := decode[inlinePolicy](v)
			if err != nil {
				return false, err
			}
			total += policySize(p.Document)
			return true, nil
		})
		if err != nil {
			return err
		}
		if total > inlineRoleQuota {
			return ErrLimitExceeded("Maximum policy size of %d bytes exceeded for role %s", inlineRoleQuota, r.RoleName)
		}
		return put(tx, []byte(base+in.PolicyName), &inlinePolicy{PolicyName: in.PolicyName, Document: in.PolicyDocument})
	})
	if err != nil {
		return nil, err
	}
	return nil, nil
}

// GetRolePolicy returns an inline policy of a role.
func (s *Service) GetRolePolicy(ctx context.Context, in *GetRolePolicyRequest) (*GetRolePolicyResponse, error) {
	account := callOf(ctx).Account
	var out *GetRolePolicyResponse
	err := s.eng.View(func(rd engine.Reader) error {
		r, err := s.role(rd, account, in.RoleName)
		if err != nil {
			return err
		}
		p, err := get[inlinePolicy](rd, []byte(rolePolicyPrefix(account, in.RoleName)+in.PolicyName))
		if err != nil {
			return err
		}
		if p == nil {
			return noRolePolicy(in.PolicyName)
		}
		out = &GetRolePolicyResponse{RoleName: r.RoleName, PolicyName: p.PolicyName, PolicyDocument: encodeDocument(p.Document)}
		return nil
	})
	return out, err
}

// DeleteRolePolicy deletes an inline policy of a role.
func (s *Service) DeleteRolePolicy(ctx context.Context, in *DeleteRolePolicyRequest) (*noOutput, error) {
	account := callOf(ctx).Account
	err := s.eng.Update(ctx, func(tx engine.Txn) error {
		if _, err := s.role(tx, account, in.RoleName); err != nil {
			return err
		}
		key := []byte(rolePolicyPrefix(account, in.RoleName) + in.PolicyName)
		p, err := get[inlinePolicy](tx, key)
		if err != nil {
			return err
		}
		if p == nil {
			return noRolePolicy(in.PolicyName)
		}
		tx.Delete(key)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return nil, nil
}

// ListRolePolicies lists the names of a role's inline policies.
func (s *Service) ListRolePolicies(ctx context.Context, in *ListRolePoliciesRequest) (*ListRolePoliciesResponse, error) {
	account := callOf(ctx).Account
	p, err := newPage(rolePolicyPrefix(account, in.RoleName), in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	var out *ListRolePoliciesResponse
	err = s.eng.View(func(rd engine.Reader) error {
		if _, err := s.role(rd, account, in.RoleName); err != nil {
			return err
		}
		recs, marker, err := scanPage[inlinePolicy](rd, p, nil)
		if err != nil {
			return err
		}
		out = &ListRolePoliciesResponse{PolicyNames: make([]string, 0, len(recs)), IsTruncated: truncated(marker), Marker: marker}
		for _, r := range recs {
			out.PolicyNames = append(out.PolicyNames, r.PolicyName)
		}
		return nil
	})
	return out, err
}

// tags

// TagRole adds tags to a role, replacing the values of keys it has.
func (s *Service) TagRole(ctx context.Context, in *TagRoleRequest) (*noOutput, error) {
	_, err := s.updateRole(ctx, in.RoleName, func(_ engine.Txn, r *roleRecord) error {
		tags, err := mergeTags(r.Tags, in.Tags)
		r.Tags = tags
		return err
	})
	if err != nil {
		return nil, err
	}
	return nil, nil
}

// UntagRole removes tags from a role; keys it does not have are ignored.
func (s *Service) UntagRole(ctx context.Context, in *UntagRoleRequest) (*noOutput, error) {
	drop := map[string]bool{}
	for _, k := range in.TagKeys {
		drop[strings.ToLower(k)] = true
	}
	_, err := s.updateRole(ctx, in.RoleName, func(_ engine.Txn, r *roleRecord) error {
		kept := r.Tags[:0]
		for _, t := range r.Tags {
			if !drop[strings.ToLower(t.Key)] {
				kept = append(kept, t)
			}
		}
		r.Tags = kept
		return nil
	})
	if err != nil {
		return nil, err
	}
	return nil, nil
}

// ListRoleTags lists a role's tags.
func (s *Service) ListRoleTags(ctx context.Context, in *ListRoleTagsRequest) (*ListRoleTagsResponse, error) {
	r, err := s.role(s.eng, callOf(ctx).Account, in.RoleName)
	if err != nil {
		return nil, err
	}
	from, to, marker, err := slicePage(len(r.Tags), in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &ListRoleTagsResponse{Tags: append([]Tag{}, r.Tags[from:to]...), IsTruncated: truncated(marker), Marker: marker}, nil
}
