package iam

import (
	"context"
	"crypto/sha256"
	"regexp"
	"strings"
	"time"

	"hako/internal/engine"
	"hako/internal/protocol"
)

// policyARNForm is what IAM can parse as a policy ARN at all; anything else
// is "Invalid ARN". policyARNParts takes a parseable ARN apart; one that
// parses but does not fit (bad characters in the name) names no policy.
var (
	policyARNForm  = regexp.MustCompile(`^arn:[^:]+:iam::(\d{12}|aws):policy/.*$`)
	policyARNParts = regexp.MustCompile(`^arn:(aws[a-zA-Z-]*):iam::(\d{12}|aws):policy(/|/[\x21-\x7e]*/)([\w+=,.@-]{1,128})$`)
)

// policyARN is a parsed managed policy ARN.
type policyARN struct {
	arn, account, path, name string
}

func (p policyARN) awsManaged() bool { return p.account == awsManagedAccountID }

func parsePolicyARN(arn string) (policyARN, bool) {
	m := policyARNParts.FindStringSubmatch(arn)
	if m == nil {
		return policyARN{}, false
	}
	return policyARN{arn: arn, account: m[2], path: m[3], name: m[4]}, true
}

// policyARNArg parses a PolicyArn argument: an unparseable one is a
// ValidationError (AWS's text, two spaces included); one that names no
// possible policy is reported as notFound.
func policyARNArg(arn string, notFound func(string) error) (policyARN, error) {
	if !policyARNForm.MatchString(arn) {
		return policyARN{}, protocol.Errorf("ValidationError", "Invalid ARN:  Could not be parsed!")
	}
	p, ok := parsePolicyARN(arn)
	if !ok {
		return policyARN{}, notFound(arn)
	}
	return p, nil
}

func notAttachable(arn string) error {
	return ErrNoSuchEntity("Policy %s does not exist or is not attachable.", arn)
}

func policyNotFound(arn string) error {
	return ErrNoSuchEntity("Policy %s was not found.", arn)
}

// customerPolicy reads the customer managed policy p names in account, or
// nil when there is none (another account's, another path's).
func (s *Service) customerPolicy(r engine.Reader, account string, p policyARN) (*policyRecord, error) {
	if p.account != account {
		return nil, nil
	}
	rec, err := get[policyRecord](r, policyKey(account, p.name))
	if err != nil || rec == nil || rec.Arn != p.arn {
		return nil, err
	}
	return rec, nil
}

// AttachRolePolicy attaches a managed policy to a role. Customer managed
// policies must exist in the caller's account; AWS managed ones
// (arn:aws:iam::aws:policy/...) are taken to exist. Attaching an attached
// policy again changes nothing.
func (s *Service) AttachRolePolicy(ctx context.Context, in *AttachRolePolicyRequest) (*noOutput, error) {
	p, err := policyARNArg(in.PolicyArn, notAttachable)
	if err != nil {
		return nil, err
	}
	account := callOf(ctx).Account
	base := roleAttachPrefix(account, in.RoleName)
	err = s.eng.Update(ctx, func(tx engine.Txn) error {
		if _, err := s.role(tx, account, in.RoleName); err != nil {
			return err
		}
		existing, err := get[attachment](tx, []byte(base+p.arn))
		if err != nil || existing != nil {
			return err
		}
		var pol *policyRecord
		if !p.awsManaged() {
			if pol, err = s.customerPolicy(tx, account, p); err != nil {
				return err
			}
			if pol == nil {
				return notAttachable(p.arn)
			}
		}
		if n, err := count(tx, base, 0); err != nil {
			return err
		} else if n >= attachedPerRole {
			return ErrLimitExceeded("Cannot exceed quota for PoliciesPerRole: %d", attachedPerRole)
		}
		if pol != nil {
			pol.AttachmentCount++
			if err := put(tx, policyKey(account, pol.PolicyName), pol); err != nil {
				return err
			}
		}
		return put(tx, []byte(base+p.arn), &attachment{PolicyArn: p.arn, PolicyName: p.name, Path: p.path})
	})
	if err != nil {
		return nil, err
	}
	return nil, nil
}

// DetachRolePolicy detaches a managed policy from a role.
func (s *Service) DetachRolePolicy(ctx context.Context, in *DetachRolePolicyRequest) (*noOutput, error) {
	p, err := policyARNArg(in.PolicyArn, policyNotFound)
	if err != nil {
		return nil, err
	}
	account := callOf(ctx).Account
	key := []byte(roleAttachPrefix(account, in.RoleName) + p.arn)
	err = s.eng.Update(ctx, func(tx engine.Txn) error {
		if _, err := s.role(tx, account, in.RoleName); err != nil {
			return err
		}
		a, err := get[attachment](tx, key)
		if err != nil {
			return err
		}
		if a == nil {
			return policyNotFound(p.arn)
		}
		tx.Delete(key)
		if p.awsManaged() {
			return nil
		}
		pol, err := s.customerPolicy(tx, account, p)
		if err != nil || pol == nil {
			return err
		}
		pol.AttachmentCount = max(pol.AttachmentCount-1, 0)
		return put(tx, policyKey(account, pol.PolicyName), pol)
	})
	if err != nil {
		return nil, err
	}
	return nil, nil
}

// ListAttachedRolePolicies lists the managed policies attached to a role.
func (s *Service) ListAttachedRolePolicies(ctx context.Context, in *ListAttachedRolePoliciesRequest) (*ListAttachedRolePoliciesResponse, error) {
	account := callOf(ctx).Account
	p, err := newPage(roleAttachPrefix(account, in.RoleName), in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	var out *ListAttachedRolePoliciesResponse
	err = s.eng.View(func(rd engine.Reader) error {
		if _, err := s.role(rd, account, in.RoleName); err != nil {
			return err
		}
		recs, marker, err := scanPage(rd, p, func(a *attachment) bool {
			return strings.HasPrefix(a.Path, in.PathPrefix)
		})
		if err != nil {
			return err
		}
		out = &ListAttachedRolePoliciesResponse{AttachedPolicies: make([]AttachedPolicy, 0, len(recs)), IsTruncated: truncated(marker), Marker: marker}
		for _, a := range recs {
			out.AttachedPolicies = append(out.AttachedPolicies, AttachedPolicy{PolicyName: a.PolicyName, PolicyArn: a.PolicyArn})
		}
		return nil
	})
	return out, err
}

// policyPathPattern is the model's policyPathType.
var policyPathPattern = regexp.MustCompile(`^((/[A-Za-z0-9.,+@=_-]+)*)/$`)

// CreatePolicy creates a customer managed policy (version v1).
func (s *Service) CreatePolicy(ctx context.Context, in *CreatePolicyRequest) (*CreatePolicyResponse, error) {
	account := callOf(ctx).Account
	path := in.Path
	if path == "" {
		path = "/"
	}
	if !policyPathPattern.MatchString(path) {
		return nil, protocol.Errorf("ValidationError", "1 validation error detected: Value '%s' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: ((/[A-Za-z0-9\\.,\\+@=_-]+)*)/", path)
	}
	if err := checkPolicyDocument(in.PolicyDocument); err != nil {
		return nil, err
	}
	if policySize(in.PolicyDocument) > managedPolicyQuota {
		return nil, ErrLimitExceeded("Cannot exceed quota for PolicySize: %d", managedPolicyQuota)
	}
	tags, err := mergeTags(nil, in.Tags)
	if err != nil {
		return nil, err
	}
	id, err := newID("ANPA")
	if err != nil {
		return nil, err
	}
	now := s.now(ctx)
	rec := &policyRecord{
		PolicyName:  in.PolicyName,
		PolicyID:    id,
		Arn:         "arn:aws:iam::" + account + ":policy" + path + in.PolicyName,
		Path:        path,
		Description: in.Description,
		Document:    in.PolicyDocument,
		CreateDate:  now,
		UpdateDate:  now,
		Tags:        tags,
	}
	err = s.eng.Update(ctx, func(tx engine.Txn) error {
		existing, err := get[policyRecord](tx, policyKey(account, in.PolicyName))
		if err != nil {
			return err
		}
		if existing != nil {
			return ErrEntityAlreadyExists("A policy called %s already exists. Duplicate names are not allowed.", in.PolicyName)
		}
		return put(tx, policyKey(account, in.PolicyName), rec)
	})
	if err != nil {
		return nil, err
	}
	out := rec.policy(false)
	out.Tags = rec.Tags
	return &CreatePolicyResponse{Policy: out}, nil
}

// awsManagedEpoch stands for the creation date of AWS managed policies,
// which hako does not have.
var awsManagedEpoch = time.Date(2015, 2, 6, 18, 39, 46, 0, time.UTC)

// awsManagedPolicy describes an AWS managed policy from its ARN alone:
// hako has no catalogue of them and takes every one to exist.
func (s *Service) awsManagedPolicy(r engine.Reader, account string, p policyARN) (*Policy, error) {
	attached := int32(0)
	base := prefix(account) + "roleattach/"
	err := r.Scan([]byte(base), prefixEnd(base), false, func(k, v []byte) (bool, error) {
		if strings.HasSuffix(string(k), "/"+p.arn) {
			attached++
		}
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(p.arn))
	id := make([]byte, 17)
	for i := range id {
		id[i] = upperAlnum[int(sum[i])%len(upperAlnum)]
	}
	boundary, attachable := int32(0), true
	return &Policy{
		PolicyName:                    p.name,
		PolicyId:                      "ANPA" + string(id),
		Arn:                           p.arn,
		Path:                          p.path,
		DefaultVersionId:              "v1",
		AttachmentCount:               &attached,
		PermissionsBoundaryUsageCount: &boundary,
		IsAttachable:                  &attachable,
		CreateDate:                    awsManagedEpoch,
		UpdateDate:                    awsManagedEpoch,
	}, nil
}

// GetPolicy describes a managed policy.
func (s *Service) GetPolicy(ctx context.Context, in *GetPolicyRequest) (*GetPolicyResponse, error) {
	p, err := policyARNArg(in.PolicyArn, policyNotFound)
	if err != nil {
		return nil, err
	}
	account := callOf(ctx).Account
	if p.awsManaged() {
		pol, err := s.awsManagedPolicy(s.eng, account, p)
		if err != nil {
			return nil, err
		}
		return &GetPolicyResponse{Policy: pol}, nil
	}
	rec, err := s.customerPolicy(s.eng, account, p)
	if err != nil {
		return nil, err
	}
	if rec == nil {
		return nil, policyNotFound(p.arn)
	}
	return &GetPolicyResponse{Policy: rec.policy(true)}, nil
}

// GetPolicyVersion returns a customer managed policy's document; hako keeps
// one version, v1.
func (s *Service) GetPolicyVersion(ctx context.Context, in *GetPolicyVersionRequest) (*GetPolicyVersionResponse, error) {
	p, err := policyARNArg(in.PolicyArn, policyNotFound)
	if err != nil {
		return nil, err
	}
	rec, err := s.customerPolicy(s.eng, callOf(ctx).Account, p)
	if err != nil {
		return nil, err
	}
	if rec == nil || in.VersionId != "v1" {
		return nil, ErrNoSuchEntity("Policy %s version %s does not exist or is not attachable.", p.arn, in.VersionId)
	}
	isDefault := true
	return &GetPolicyVersionResponse{PolicyVersion: &PolicyVersion{
		Document:         encodeDocument(rec.Document),
		VersionId:        "v1",
		IsDefaultVersion: &isDefault,
		CreateDate:       rec.CreateDate,
	}}, nil
}

// DeletePolicy deletes a customer managed policy that is attached nowhere.
func (s *Service) DeletePolicy(ctx context.Context, in *DeletePolicyRequest) (*noOutput, error) {
	p, err := policyARNArg(in.PolicyArn, policyNotFound)
	if err != nil {
		return nil, err
	}
	account := callOf(ctx).Account
	err = s.eng.Update(ctx, func(tx engine.Txn) error {
		rec, err := s.customerPolicy(tx, account, p)
		if err != nil {
			return err
		}
		if rec == nil {
			return policyNotFound(p.arn)
		}
		if rec.AttachmentCount > 0 {
			return ErrDeleteConflict("Cannot delete a policy attached to entities.")
		}
		tx.Delete(policyKey(account, rec.PolicyName))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return nil, nil
}

// ListPolicies lists the account's customer managed policies. hako has no
// catalogue of AWS managed policies: Scope AWS lists none.
func (s *Service) ListPolicies(ctx context.Context, in *ListPoliciesRequest) (*ListPoliciesResponse, error) {
	account := callOf(ctx).Account
	p, err := newPage(prefix(account)+"policy/", in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &ListPoliciesResponse{Policies: []Policy{}, IsTruncated: truncated("")}
	if in.Scope == "AWS" {
		return out, nil
	}
	onlyAttached := in.OnlyAttached != nil && *in.OnlyAttached
	recs, marker, err := scanPage(s.eng, p, func(r *policyRecord) bool {
		return strings.HasPrefix(r.Path, in.PathPrefix) && (!onlyAttached || r.AttachmentCount > 0)
	})
	if err != nil {
		return nil, err
	}
	for i := range recs {
		out.Policies = append(out.Policies, *recs[i].policy(false))
	}
	out.IsTruncated, out.Marker = truncated(marker), marker
	return out, nil
}
