package lambda

import (
	"context"
	"regexp"
	"strings"

	"hako/internal/engine"
)

// maxPolicyBytes is the size limit of a function's resource policy.
const maxPolicyBytes = 20480

// policyStatement is one statement of a function's resource policy, with
// its members in the order AWS writes them.
type policyStatement struct {
	Sid       string           `json:"Sid"`
	Effect    string           `json:"Effect"`
	Principal any              `json:"Principal"`
	Action    string           `json:"Action"`
	Resource  string           `json:"Resource"`
	Condition *policyCondition `json:"Condition,omitempty"`
}

type policyCondition struct {
	StringEquals map[string]string `json:"StringEquals,omitempty"`
	ArnLike      map[string]string `json:"ArnLike,omitempty"`
}

// policyDocument is what GetPolicy returns (as a JSON string).
type policyDocument struct {
	Version   string            `json:"Version"`
	ID        string            `json:"Id"`
	Statement []policyStatement `json:"Statement"`
}

var (
	accountRE = regexp.MustCompile(`^\d{12}$`)
	iamARNRE  = regexp.MustCompile(`^arn:aws[a-zA-Z-]*:iam:`)
)

// principalOf turns AddPermission's Principal into the policy's form.
func principalOf(sc scope, p string) (any, error) {
	switch {
	case p == "*":
		return "*", nil
	case strings.HasSuffix(p, ".amazonaws.com"):
		return map[string]string{"Service": p}, nil
	case accountRE.MatchString(p):
		return map[string]string{"AWS": "arn:" + partition(sc.region) + ":iam::" + p + ":root"}, nil
	case iamARNRE.MatchString(p):
		return map[string]string{"AWS": p}, nil
	}
	return nil, ErrInvalidParameterValue("The provided principal was invalid. Please check the principal and try again.")
}

// statementOf builds the statement AWS builds for an AddPermission call.
func statementOf(ref fnRef, in *AddPermissionRequest) (policyStatement, error) {
	principal, err := principalOf(ref.sc, in.Principal)
	if err != nil {
		return policyStatement{}, err
	}
	st := policyStatement{
		Sid: in.StatementId, Effect: "Allow", Principal: principal,
		Action: in.Action, Resource: ref.arn(),
	}
	var c policyCondition
	eq := func(k, v string) {
		if v == "" {
			return
		}
		if c.StringEquals == nil {
			c.StringEquals = map[string]string{}
		}
		c.StringEquals[k] = v
	}
	eq("lambda:FunctionUrlAuthType", in.FunctionUrlAuthType)
	eq("aws:PrincipalOrgID", in.PrincipalOrgID)
	eq("AWS:SourceAccount", in.SourceAccount)
	eq("lambda:EventSourceToken", in.EventSourceToken)
	if in.SourceArn != "" {
		c.ArnLike = map[string]string{"AWS:SourceArn": in.SourceArn}
	}
	if c.StringEquals != nil || c.ArnLike != nil {
		st.Condition = &c
	}
	return st, nil
}

func policyJSON(statements []policyStatement) []byte {
	return mustJSON(policyDocument{Version: "2012-10-17", ID: "default", Statement: statements})
}

// AddPermission adds a statement to the function's resource policy. The
// policy is stored and returned; hako does not enforce it yet.
func (s *Service) AddPermission(ctx context.Context, in *AddPermissionRequest) (*AddPermissionResponse, error) {
	ref, err := resolve(ctx, in.FunctionName, in.Qualifier)
	if err != nil {
		return nil, err
	}
	if ref.qualifier == "$LATEST" {
		return nil, ErrInvalidParameterValue("We currently do not support adding policies for $LATEST.")
	}
	st, err := statementOf(ref, in)
	if err != nil {
		return nil, err
	}
	err = s.updateFunction(ctx, ref, func(tx engine.Txn, cur *functionRecord) error {
		if in.RevisionId != "" && in.RevisionId != cur.RevisionID {
			return ErrPreconditionFailed("The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id")
		}
		for _, have := range cur.Policy {
			if have.Sid == st.Sid {
				return ErrResourceConflict("The statement id (%s) provided already exists. Please provide a new statement id, or remove the existing statement.", st.Sid)
			}
		}
		cur.Policy = append(cur.Policy, st)
		if n := len(policyJSON(cur.Policy)); n > maxPolicyBytes {
			return ErrPolicyLengthExceeded("The final policy size (%d) is bigger than the limit (%d).", n, maxPolicyBytes)
		}
		cur.RevisionID = newUUID()
		putFunction(tx, ref.sc, cur)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &AddPermissionResponse{Statement: string(mustJSON(st))}, nil
}

// RemovePermission removes a statement from the function's resource
// policy.
func (s *Service) RemovePermission(ctx context.Context, in *RemovePermissionRequest) (*struct{}, error) {
	ref, err := resolve(ctx, in.FunctionName, in.Qualifier)
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx engine.Txn) error {
		cur, err := getFunction(tx, ref.sc, ref.name)
		if err != nil {
			return err
		}
		if cur == nil {
			return ErrResourceNotFound("No policy found for: %s", ref.arn())
		}
		if err := ref.latestOnly(); err != nil {
			return err
		}
		if len(cur.Policy) == 0 {
			return ErrResourceNotFound("No policy is associated with the given resource.")
		}
		at := -1
		for i, st := range cur.Policy {
			if st.Sid == in.StatementId {
				at = i
				break
			}
		}
		if at < 0 {
			return ErrResourceNotFound("Statement %s is not found in resource policy.", in.StatementId)
		}
		if in.RevisionId != "" && in.RevisionId != cur.RevisionID {
			return errRevision()
		}
		cur.Policy = append(cur.Policy[:at], cur.Policy[at+1:]...)
		cur.RevisionID = newUUID()
		putFunction(tx, ref.sc, cur)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// GetPolicy returns the function's resource policy as a JSON string.
func (s *Service) GetPolicy(ctx context.Context, in *GetPolicyRequest) (*GetPolicyResponse, error) {
	ref, err := resolve(ctx, in.FunctionName, in.Qualifier)
	if err != nil {
		return nil, err
	}
	rec, err := s.load(ref)
	if err != nil {
		return nil, err
	}
	if len(rec.Policy) == 0 {
		return nil, ErrResourceNotFound("The resource you requested does not exist.")
	}
	return &GetPolicyResponse{Policy: string(policyJSON(rec.Policy)), RevisionId: rec.RevisionID}, nil
}
