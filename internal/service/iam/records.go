package iam

import "time"

// roleRecord is a stored role.
type roleRecord struct {
	RoleName                 string    `json:"name"`
	RoleID                   string    `json:"id"`
	Path                     string    `json:"path"`
	Arn                      string    `json:"arn"`
	CreateDate               time.Time `json:"created"`
	AssumeRolePolicyDocument string    `json:"trust"`
	Description              string    `json:"description,omitempty"`
	MaxSessionDuration       int32     `json:"maxSession"`
	PermissionsBoundary      string    `json:"boundary,omitempty"`
	Tags                     []Tag     `json:"tags,omitempty"`
}

// roleView says which members a response carries: AWS's CreateRole echoes
// what was given, GetRole adds the defaults and RoleLastUsed, ListRoles
// leaves out tags, boundary and last use.
type roleView int

const (
	viewCreate roleView = iota
	viewGet
	viewList
)

func (r *roleRecord) role(view roleView, maxSessionGiven bool) *Role {
	out := &Role{
		Path:                     r.Path,
		RoleName:                 r.RoleName,
		RoleId:                   r.RoleID,
		Arn:                      r.Arn,
		CreateDate:               r.CreateDate,
		AssumeRolePolicyDocument: encodeDocument(r.AssumeRolePolicyDocument),
		Description:              r.Description,
	}
	if view != viewCreate || maxSessionGiven {
		d := r.MaxSessionDuration
		out.MaxSessionDuration = &d
	}
	if view != viewList {
		if r.PermissionsBoundary != "" {
			out.PermissionsBoundary = &AttachedPermissionsBoundary{
				PermissionsBoundaryType: "PermissionsBoundaryPolicy",
				PermissionsBoundaryArn:  r.PermissionsBoundary,
			}
		}
		if len(r.Tags) > 0 {
			out.Tags = append([]Tag(nil), r.Tags...)
		}
	}
	if view == viewGet {
		// hako does not track use; AWS answers an empty RoleLastUsed for a
		// role never used.
		out.RoleLastUsed = &RoleLastUsed{}
	}
	return out
}

// inlinePolicy is a role's inline policy.
type inlinePolicy struct {
	PolicyName string `json:"name"`
	Document   string `json:"document"`
}

// attachment is a managed policy attached to a role.
type attachment struct {
	PolicyArn  string `json:"arn"`
	PolicyName string `json:"name"`
	Path       string `json:"path"`
}

// policyRecord is a customer managed policy (one version, v1).
type policyRecord struct {
	PolicyName      string    `json:"name"`
	PolicyID        string    `json:"id"`
	Arn             string    `json:"arn"`
	Path            string    `json:"path"`
	Description     string    `json:"description,omitempty"`
	Document        string    `json:"document"`
	CreateDate      time.Time `json:"created"`
	UpdateDate      time.Time `json:"updated"`
	AttachmentCount int32     `json:"attachments"`
	Tags            []Tag     `json:"tags,omitempty"`
}

func (p *policyRecord) policy(full bool) *Policy {
	count, boundary, attachable := p.AttachmentCount, int32(0), true
	out := &Policy{
		PolicyName:                    p.PolicyName,
		PolicyId:                      p.PolicyID,
		Arn:                           p.Arn,
		Path:                          p.Path,
		DefaultVersionId:              "v1",
		AttachmentCount:               &count,
		PermissionsBoundaryUsageCount: &boundary,
		IsAttachable:                  &attachable,
		CreateDate:                    p.CreateDate,
		UpdateDate:                    p.UpdateDate,
	}
	if full {
		out.Description = p.Description
		if len(p.Tags) > 0 {
			out.Tags = append([]Tag(nil), p.Tags...)
		}
	}
	return out
}
