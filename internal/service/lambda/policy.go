package lambda

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"

	"hako/internal/engine"
	"hako/internal/protocol"
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
		Action: in.Action, Resource: ref.resourceARN(),
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
	return engine.MustJSON(policyDocument{Version: "2012-10-17", ID: "default", Statement: statements})
}

// policyOf is the resource policy of what ref names — the function, one
// version or one alias each have their own — with its revision id and a
// function that writes it back in tx.
func policyOf(tx engine.Txn, ref fnRef) (*[]policyStatement, *string, func(), error) {
	q, err := getQualified(tx, ref)
	if err != nil {
		return nil, nil, nil, err
	}
	switch {
	case q.alias != nil:
		return &q.alias.Policy, &q.alias.RevisionID, func() { putAlias(tx, ref.sc, ref.name, q.alias) }, nil
	case q.rec.Version != "":
		return &q.rec.Policy, &q.rec.RevisionID, func() { putVersion(tx, ref.sc, q.rec) }, nil
	}
	return &q.latest.Policy, &q.latest.RevisionID, func() { putFunction(tx, ref.sc, q.latest) }, nil
}

// AddPermission adds a statement to the resource policy of a function, a
// version or an alias. S3 checks it when a notification names the
// function; other calls are not yet held to it.
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
	err = s.update(ctx, func(tx engine.Txn) error {
		policy, rev, save, err := policyOf(tx, ref)
		if err != nil {
			return err
		}
		if in.RevisionId != "" && in.RevisionId != *rev {
			return ErrPreconditionFailed("The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id")
		}
		for _, have := range *policy {
			if have.Sid == st.Sid {
				return ErrResourceConflict("The statement id (%s) provided already exists. Please provide a new statement id, or remove the existing statement.", st.Sid)
			}
		}
		*policy = append(*policy, st)
		if n := len(policyJSON(*policy)); n > maxPolicyBytes {
			return ErrPolicyLengthExceeded("The final policy size (%d) is bigger than the limit (%d).", n, maxPolicyBytes)
		}
		*rev = newUUID()
		save()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &AddPermissionResponse{Statement: string(engine.MustJSON(st))}, nil
}

// RemovePermission removes a statement from a resource policy.
func (s *Service) RemovePermission(ctx context.Context, in *RemovePermissionRequest) (*struct{}, error) {
	ref, err := resolve(ctx, in.FunctionName, in.Qualifier)
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx engine.Txn) error {
		policy, rev, save, err := policyOf(tx, ref)
		if err != nil {
			var pe *protocol.Error
			if errors.As(err, &pe) && pe.Code == "ResourceNotFoundException" {
				return ErrResourceNotFound("No policy found for: %s", ref.resourceARN())
			}
			return err
		}
		if len(*policy) == 0 {
			return ErrResourceNotFound("No policy is associated with the given resource.")
		}
		at := slices.IndexFunc(*policy, func(st policyStatement) bool { return st.Sid == in.StatementId })
		if at < 0 {
			return ErrResourceNotFound("Statement %s is not found in resource policy.", in.StatementId)
		}
		if in.RevisionId != "" && in.RevisionId != *rev {
			return errRevision()
		}
		*policy = slices.Delete(*policy, at, at+1)
		*rev = newUUID()
		save()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// GetPolicy returns a resource policy as a JSON string.
func (s *Service) GetPolicy(ctx context.Context, in *GetPolicyRequest) (*GetPolicyResponse, error) {
	ref, err := resolve(ctx, in.FunctionName, in.Qualifier)
	if err != nil {
		return nil, err
	}
	var out *GetPolicyResponse
	err = s.eng.View(func(r engine.Reader) error {
		policy, rev, err := readPolicy(r, ref)
		if err != nil {
			return err
		}
		if len(policy) == 0 {
			return ErrResourceNotFound("The resource you requested does not exist.")
		}
		out = &GetPolicyResponse{Policy: string(policyJSON(policy)), RevisionId: rev}
		return nil
	})
	return out, err
}

// readPolicy is policyOf for readers.
func readPolicy(r engine.Reader, ref fnRef) ([]policyStatement, string, error) {
	q, err := getQualified(r, ref)
	if err != nil {
		return nil, "", err
	}
	switch {
	case q.alias != nil:
		return q.alias.Policy, q.alias.RevisionID, nil
	case q.rec.Version != "":
		return q.rec.Policy, q.rec.RevisionID, nil
	}
	return q.latest.Policy, q.latest.RevisionID, nil
}

// InvokePermitted reports whether the resource policy of a function (ARN,
// qualified or not) lets principal (a service such as s3.amazonaws.com)
// invoke it for sourceARN in sourceAccount: the check S3 and EventBridge
// make before they accept a function as a target. A missing function is
// a ResourceNotFoundException.
func (s *Service) InvokePermitted(ctx context.Context, functionARN, principal, sourceARN, sourceAccount string) (bool, error) {
	ref, err := refOfARN(functionARN)
	if err != nil {
		return false, ErrInvalidParameterValue("%s", err.Error())
	}
	var policy []policyStatement
	err = s.eng.View(func(r engine.Reader) error {
		var err error
		policy, _, err = readPolicy(r, ref)
		return err
	})
	if err != nil {
		return false, err
	}
	for _, st := range policy {
		if st.Effect == "Allow" && (st.Action == "lambda:InvokeFunction" || st.Action == "lambda:*") &&
			principalMatches(st.Principal, principal) && conditionHolds(st.Condition, sourceARN, sourceAccount) {
			return true, nil
		}
	}
	return false, nil
}

func principalMatches(p any, principal string) bool {
	switch v := p.(type) {
	case string:
		return v == "*"
	case map[string]any:
		return v["Service"] == principal || v["AWS"] == "*"
	case map[string]string:
		return v["Service"] == principal || v["AWS"] == "*"
	}
	return false
}

func conditionHolds(c *policyCondition, sourceARN, sourceAccount string) bool {
	if c == nil {
		return true
	}
	for k, v := range c.StringEquals {
		if k == "AWS:SourceAccount" && v != sourceAccount {
			return false
		}
	}
	for k, v := range c.ArnLike {
		if k == "AWS:SourceArn" && !arnLike(v, sourceARN) {
			return false
		}
	}
	return true
}

// arnLike is IAM's ArnLike: * and ? wildcards.
func arnLike(pattern, s string) bool {
	rx := "^" + strings.NewReplacer(`\*`, ".*", `\?`, ".").Replace(regexp.QuoteMeta(pattern)) + "$"
	ok, _ := regexp.MatchString(rx, s)
	return ok
}
