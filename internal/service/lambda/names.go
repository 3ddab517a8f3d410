package lambda

import (
	"context"
	"regexp"

	"hako/internal/protocol"
)

// fnNameRE splits what FunctionName accepts: a name, a partial ARN
// (ACCOUNT:function:NAME) or a full ARN, each with an optional ":QUALIFIER".
var fnNameRE = regexp.MustCompile(`^(?:arn:aws[a-zA-Z-]*:lambda:)?(?:([a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d):)?(?:(\d{12}):)?(?:function:)?([a-zA-Z0-9_.-]+)(?::(\$LATEST(?:\.PUBLISHED)?|[a-zA-Z0-9_-]+))?$`)

// fnRef is a function named by a request.
type fnRef struct {
	sc        scope
	name      string
	qualifier string // "" when none was given
}

// arn is the unqualified ARN.
func (f fnRef) arn() string { return functionARN(f.sc, f.name) }

// qualifiedARN is the ARN with the qualifier, $LATEST when none was given.
func (f fnRef) qualifiedARN() string {
	q := f.qualifier
	if q == "" {
		q = "$LATEST"
	}
	return f.arn() + ":" + q
}

// resourceARN is the ARN of what ref names: qualified when it has a
// qualifier.
func (f fnRef) resourceARN() string {
	if f.qualifier != "" {
		return f.qualifiedARN()
	}
	return f.arn()
}

// notFound is AWS's answer for a missing function: the unqualified ARN, or
// the qualified one when the request named a qualifier.
func (f fnRef) notFound() error {
	if f.qualifier != "" {
		return errFunctionNotFound(f.qualifiedARN())
	}
	return errFunctionNotFound(f.arn())
}

func errFunctionNotFound(arn string) error {
	return ErrResourceNotFound("Function not found: %s", arn)
}

// resolve reads a FunctionName (and the operation's Qualifier parameter,
// if it has one) in the caller's account and region. A function ARN of
// another region is AWS's "not reachable" error; one of another account is
// a missing function, since hako shares nothing across accounts.
func resolve(ctx context.Context, functionName, qualifier string) (fnRef, error) {
	c := protocol.CallFrom(ctx)
	sc := scope{account: c.Account, region: c.Region}
	m := fnNameRE.FindStringSubmatch(functionName)
	if m == nil {
		// The model's pattern keeps these out of HTTP requests.
		return fnRef{}, errFunctionNotFound(functionARN(sc, functionName))
	}
	region, account, name, q := m[1], m[2], m[3], m[4]
	if region != "" && region != sc.region {
		return fnRef{}, ErrResourceNotFound("Functions from '%s' are not reachable in this region ('%s')", region, sc.region)
	}
	ref := fnRef{sc: sc, name: name, qualifier: q}
	if qualifier != "" {
		if q != "" && q != qualifier {
			return fnRef{}, ErrInvalidParameterValue("The derived qualifier from the function name does not match the specified qualifier.")
		}
		ref.qualifier = qualifier
	}
	if account != "" && account != sc.account {
		foreign := ref
		foreign.sc.account = account
		return fnRef{}, foreign.notFound()
	}
	return ref, nil
}

// latestOnly answers a qualifier other than $LATEST: hako has no published
// versions or aliases yet, so any other qualifier names nothing.
func (f fnRef) latestOnly() error {
	if f.qualifier != "" && f.qualifier != "$LATEST" {
		return errFunctionNotFound(f.qualifiedARN())
	}
	return nil
}

// unqualifiedOnly answers operations that act on the function itself
// (concurrency, tags) when given a version or alias.
func (f fnRef) unqualifiedOnly() error {
	if f.qualifier != "" {
		return ErrInvalidParameterValue("This operation is permitted on Lambda functions only. Aliases and versions do not support this operation. Please specify either a function name or an unqualified function ARN.")
	}
	return nil
}
