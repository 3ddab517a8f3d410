package s3

import (
	"context"
	"encoding/json"
	"net"
	"path"
	"strings"

	"hako/internal/engine"
	"hako/internal/protocol"
)

// Access control: who may use a bucket besides its owner.
//
// The owner's own callers are always allowed (hako has no IAM policy
// evaluation). Anonymous callers (no signature) and other accounts are
// allowed what the bucket policy grants them, or — when the bucket's
// Object Ownership is not BucketOwnerEnforced, which disables ACLs as on
// AWS — what the bucket's and the object's ACLs grant to AllUsers
// (anonymous) or AuthenticatedUsers (any signed caller). An explicit Deny
// in the policy wins over every Allow.

const (
	allUsers           = "http://acs.amazonaws.com/groups/global/AllUsers"
	authenticatedUsers = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
	logDelivery        = "http://acs.amazonaws.com/groups/s3/LogDelivery"
)

// actionOf names the IAM action of an operation, as bucket policies
// write it.
func actionOf(op string) string {
	switch op {
	case "GetObject", "HeadObject":
		return "s3:GetObject"
	case "PutObject", "CopyObject", "CreateMultipartUpload", "UploadPart", "UploadPartCopy", "CompleteMultipartUpload":
		return "s3:PutObject"
	case "DeleteObject", "DeleteObjects":
		return "s3:DeleteObject"
	case "ListObjects", "ListObjectsV2", "HeadBucket":
		return "s3:ListBucket"
	case "ListParts":
		return "s3:ListMultipartUploadParts"
	case "ListMultipartUploads":
		return "s3:ListBucketMultipartUploads"
	case "GetBucketNotificationConfiguration":
		return "s3:GetBucketNotification"
	case "PutBucketNotificationConfiguration":
		return "s3:PutBucketNotification"
	case "GetBucketLifecycleConfiguration":
		return "s3:GetLifecycleConfiguration"
	case "PutBucketLifecycleConfiguration", "DeleteBucketLifecycle":
		return "s3:PutLifecycleConfiguration"
	case "GetBucketCors":
		return "s3:GetBucketCORS"
	case "PutBucketCors", "DeleteBucketCors":
		return "s3:PutBucketCORS"
	case "DeleteBucketWebsite":
		return "s3:DeleteBucketWebsite"
	}
	return "s3:" + op
}

// access is one request as the policy sees it.
type access struct {
	anonymous bool
	account   string // the caller's account ("" anonymous)
	arn       string // the caller's ARN
	action    string
	resource  string
	sourceIP  string
}

func accessFor(c *protocol.Call, bucketName, key string) access {
	a := access{anonymous: c.AccessKeyID == "", sourceIP: c.SourceIP}
	if !a.anonymous {
		a.account, a.arn = c.Account, c.CallerARN
	}
	if c.Op != nil {
		a.action = actionOf(c.Op.Name)
	}
	a.resource = "arn:aws:s3:::" + bucketName
	if key != "" {
		a.resource += "/" + key
	} else if c.Op != nil && c.Op.Name == "DeleteObjects" {
		a.resource += "/*"
	}
	return a
}

// policy is a bucket policy document (the parts hako evaluates).
type policy struct {
	Version   string            `json:"Version"`
	ID        string            `json:"Id,omitempty"`
	Statement []policyStatement `json:"Statement"`
}

type policyStatement struct {
	Sid          string                    `json:"Sid,omitempty"`
	Effect       string                    `json:"Effect"`
	Principal    json.RawMessage           `json:"Principal,omitempty"`
	NotPrincipal json.RawMessage           `json:"NotPrincipal,omitempty"`
	Action       stringList                `json:"Action,omitempty"`
	NotAction    stringList                `json:"NotAction,omitempty"`
	Resource     stringList                `json:"Resource,omitempty"`
	NotResource  stringList                `json:"NotResource,omitempty"`
	Condition    map[string]map[string]any `json:"Condition,omitempty"`
}

// stringList is a policy element that is a string or a list of strings.
type stringList []string

func (l *stringList) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*l = stringList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*l = many
	return nil
}

func errMalformedPolicy(msg string) error {
	return protocol.Errorf("MalformedPolicy", "%s", msg)
}

// parsePolicy checks a bucket policy as AWS does and returns it.
func parsePolicy(doc, bucketName string) (*policy, error) {
	doc = strings.TrimSpace(doc)
	if !strings.HasPrefix(doc, "{") {
		return nil, errMalformedPolicy("Policies must be valid JSON and the first byte must be '{'")
	}
	var p policy
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return nil, errMalformedPolicy("This policy contains invalid Json")
	}
	if p.Version != "" && p.Version != "2012-10-17" && p.Version != "2008-10-17" {
		return nil, errMalformedPolicy("The policy must contain a valid version string")
	}
	if len(p.Statement) == 0 {
		var one struct {
			Statement policyStatement `json:"Statement"`
		}
		if json.Unmarshal([]byte(doc), &one) == nil && one.Statement.Effect != "" {
			p.Statement = []policyStatement{one.Statement}
		} else {
			return nil, errMalformedPolicy("Missing required field Statement")
		}
	}
	for _, st := range p.Statement {
		if st.Effect != "Allow" && st.Effect != "Deny" {
			return nil, errMalformedPolicy("Invalid effect: " + st.Effect)
		}
		if len(st.Principal) == 0 && len(st.NotPrincipal) == 0 {
			return nil, errMalformedPolicy("Missing required field Principal")
		}
		if len(st.Action) == 0 && len(st.NotAction) == 0 {
			return nil, errMalformedPolicy("Missing required field Action")
		}
		for _, a := range append(append(stringList{}, st.Action...), st.NotAction...) {
			if a != "*" && !strings.HasPrefix(strings.ToLower(a), "s3:") {
				return nil, errMalformedPolicy("Policy has invalid action")
			}
		}
		if len(st.Resource) == 0 && len(st.NotResource) == 0 {
			return nil, errMalformedPolicy("Missing required field Resource")
		}
		for _, r := range append(append(stringList{}, st.Resource...), st.NotResource...) {
			if r != "*" && !wildMatch(r, "arn:aws:s3:::"+bucketName) && !strings.HasPrefix(r, "arn:aws:s3:::"+bucketName+"/") &&
				!wildMatch(r, "arn:aws:s3:::"+bucketName+"/x") {
				return nil, errMalformedPolicy("Policy has invalid resource")
			}
		}
		for op := range st.Condition {
			if !supportedCondition(op) {
				return nil, errNotImplemented("Bucket policy condition operator " + op)
			}
		}
	}
	return &p, nil
}

// wildMatch matches IAM's * and ? wildcards, case-sensitively.
func wildMatch(pattern, s string) bool {
	ok, err := path.Match(strings.ReplaceAll(strings.ReplaceAll(pattern, "[", `\[`), "/", "\x00"), strings.ReplaceAll(s, "/", "\x00"))
	return err == nil && ok
}

func anyMatch(patterns []string, s string, fold bool) bool {
	for _, p := range patterns {
		if fold {
			p, s = strings.ToLower(p), strings.ToLower(s)
		}
		if p == "*" || wildMatch(p, s) {
			return true
		}
	}
	return false
}

// principalMatches: "*" and {"AWS":"*"} are everyone (anonymous too);
// {"AWS": account id | arn:aws:iam::ACCOUNT:root | caller ARN} a signed
// caller.
func principalMatches(raw json.RawMessage, a access) bool {
	var star string
	if json.Unmarshal(raw, &star) == nil {
		return star == "*"
	}
	var m map[string]stringList
	if json.Unmarshal(raw, &m) != nil {
		return false
	}
	for _, p := range m["AWS"] {
		switch {
		case p == "*":
			return true
		case a.anonymous:
		case p == a.account, p == "arn:aws:iam::"+a.account+":root", p == a.arn:
			return true
		}
	}
	return false
}

func supportedCondition(op string) bool {
	switch strings.TrimSuffix(op, "IfExists") {
	case "IpAddress", "NotIpAddress", "Bool", "StringEquals", "StringNotEquals", "StringLike", "StringNotLike":
		return true
	}
	return false
}

// conditionsHold evaluates the conditions hako knows the keys of:
// aws:SourceIp, aws:SecureTransport (hako serves http), aws:PrincipalType
// and aws:PrincipalAccount. Any other key does not hold.
func conditionsHold(cond map[string]map[string]any, a access) bool {
	values := map[string]string{
		"aws:sourceip":         a.sourceIP,
		"aws:securetransport":  "false",
		"aws:principalaccount": a.account,
		"aws:principaltype":    map[bool]string{true: "Anonymous", false: "Account"}[a.anonymous],
	}
	for op, kv := range cond {
		base := strings.TrimSuffix(op, "IfExists")
		for k, want := range kv {
			got, known := values[strings.ToLower(k)]
			if !known {
				return false
			}
			var wants []string
			switch w := want.(type) {
			case string:
				wants = []string{w}
			case bool:
				wants = []string{map[bool]string{true: "true", false: "false"}[w]}
			case []any:
				for _, x := range w {
					if s, ok := x.(string); ok {
						wants = append(wants, s)
					}
				}
			}
			match := false
			for _, w := range wants {
				switch base {
				case "IpAddress", "NotIpAddress":
					match = match || ipIn(got, w)
				case "StringLike", "StringNotLike":
					match = match || wildMatch(w, got)
				case "Bool":
					match = match || strings.EqualFold(w, got)
				default: // StringEquals, StringNotEquals
					match = match || w == got
				}
			}
			switch base {
			case "NotIpAddress", "StringNotLike", "StringNotEquals":
				match = !match
			}
			if !match {
				return false
			}
		}
	}
	return true
}

func ipIn(ip, cidr string) bool {
	addr := net.ParseIP(ip)
	if addr == nil {
		return false
	}
	if !strings.Contains(cidr, "/") {
		return addr.Equal(net.ParseIP(cidr))
	}
	_, n, err := net.ParseCIDR(cidr)
	return err == nil && n.Contains(addr)
}

// policyDecision is what a policy says: deny, allow, or nothing.
type policyDecision int

const (
	noDecision policyDecision = iota
	allowed
	denied
)

func (p *policy) decide(a access) policyDecision {
	if p == nil {
		return noDecision
	}
	d := noDecision
	for _, st := range p.Statement {
		if len(st.Principal) > 0 && !principalMatches(st.Principal, a) {
			continue
		}
		if len(st.NotPrincipal) > 0 && principalMatches(st.NotPrincipal, a) {
			continue
		}
		if len(st.Action) > 0 && !anyMatch(st.Action, a.action, true) {
			continue
		}
		if len(st.NotAction) > 0 && anyMatch(st.NotAction, a.action, true) {
			continue
		}
		if len(st.Resource) > 0 && !anyMatch(st.Resource, a.resource, false) {
			continue
		}
		if len(st.NotResource) > 0 && anyMatch(st.NotResource, a.resource, false) {
			continue
		}
		if !conditionsHold(st.Condition, a) {
			continue
		}
		if st.Effect == "Deny" {
			return denied
		}
		d = allowed
	}
	return d
}

// aclsEnabled: BucketOwnerEnforced (the default) disables ACLs.
func (b *bucketRecord) aclsEnabled() bool { return b.ObjectOwnership != "BucketOwnerEnforced" }

// aclGrants reports whether grants give the caller the permission (READ,
// WRITE) through the AllUsers or AuthenticatedUsers group.
func aclGrants(grants []Grant, a access, perm string) bool {
	for _, g := range grants {
		if g.Grantee == nil || (g.Permission != perm && g.Permission != "FULL_CONTROL") {
			continue
		}
		if g.Grantee.URI == allUsers || (g.Grantee.URI == authenticatedUsers && !a.anonymous) {
			return true
		}
		if !a.anonymous && g.Grantee.ID == canonicalID(a.account) {
			return true
		}
	}
	return false
}

// authorize decides a request by a caller who is not the bucket's owner:
// the policy first (an explicit Deny wins), then the bucket's ACL (and,
// for object reads, the object's, read from r).
func (b *bucketRecord) authorize(r engine.Reader, a access, bucketName, key string) bool {
	var p *policy
	if b.Policy != "" {
		p, _ = parsePolicy(b.Policy, bucketName)
	}
	switch p.decide(a) {
	case denied:
		return false
	case allowed:
		return true
	}
	if !b.aclsEnabled() {
		return false
	}
	switch a.action {
	case "s3:ListBucket", "s3:ListBucketMultipartUploads":
		return aclGrants(b.grants(), a, "READ")
	case "s3:PutObject", "s3:DeleteObject":
		return aclGrants(b.grants(), a, "WRITE")
	case "s3:GetObject":
		if key == "" || r == nil {
			return false
		}
		o, err := getObjectRecord(r, bucketName, key)
		return err == nil && o != nil && aclGrants(objectGrants(o, b.Account), a, "READ")
	}
	return false
}

// cannedGrants expands a canned ACL for a resource owned by account.
func cannedGrants(acl, account string) ([]Grant, bool) {
	owner := Grant{Grantee: &Grantee{Type: "CanonicalUser", ID: canonicalID(account), DisplayName: "hako-" + account}, Permission: "FULL_CONTROL"}
	group := func(uri, perm string) Grant {
		return Grant{Grantee: &Grantee{Type: "Group", URI: uri}, Permission: perm}
	}
	switch acl {
	case "", "private", "bucket-owner-read", "bucket-owner-full-control", "aws-exec-read":
		return []Grant{owner}, true
	case "public-read":
		return []Grant{owner, group(allUsers, "READ")}, true
	case "public-read-write":
		return []Grant{owner, group(allUsers, "READ"), group(allUsers, "WRITE")}, true
	case "authenticated-read":
		return []Grant{owner, group(authenticatedUsers, "READ")}, true
	case "log-delivery-write":
		return []Grant{owner, group(logDelivery, "WRITE"), group(logDelivery, "READ_ACP")}, true
	}
	return nil, false
}

func (b *bucketRecord) grants() []Grant {
	if b.Grants != nil {
		return b.Grants
	}
	g, _ := cannedGrants(b.ACL, b.Account)
	return g
}

func objectGrants(o *objectRecord, account string) []Grant {
	if o.Grants != nil {
		return o.Grants
	}
	g, _ := cannedGrants(o.ACL, account)
	return g
}

// grantsFrom builds the ACL a Put*Acl request asks for: a canned ACL, the
// x-amz-grant-* headers, or an AccessControlPolicy body (one of them).
func grantsFrom(account, canned string, headers map[string]string, body *AccessControlPolicy) ([]Grant, error) {
	hasHeaders := false
	for _, v := range headers {
		hasHeaders = hasHeaders || v != ""
	}
	n := 0
	for _, set := range []bool{canned != "", hasHeaders, body != nil} {
		if set {
			n++
		}
	}
	if n > 1 {
		return nil, ErrInvalidRequest("Specifying both Canned ACLs and Header Grants is not allowed")
	}
	switch {
	case body != nil:
		for _, g := range body.Grants {
			if g.Grantee == nil || !validPermission(g.Permission) {
				return nil, protocol.Errorf("MalformedACLError", "The XML you provided was not well-formed or did not validate against our published schema")
			}
			if g.Grantee.Type == "AmazonCustomerByEmail" {
				return nil, errNotImplemented("ACL grantees by email address")
			}
		}
		return append([]Grant{}, body.Grants...), nil
	case hasHeaders:
		var out []Grant
		for perm, v := range headers {
			if v == "" {
				continue
			}
			for _, part := range strings.Split(v, ",") {
				kind, val, ok := strings.Cut(strings.TrimSpace(part), "=")
				if !ok {
					return nil, errInvalidArgument("Invalid grant header", "x-amz-grant-"+strings.ToLower(perm), v)
				}
				val = strings.Trim(val, `"`)
				g := Grant{Permission: perm, Grantee: &Grantee{}}
				switch strings.ToLower(kind) {
				case "id":
					g.Grantee.Type, g.Grantee.ID = "CanonicalUser", val
				case "uri":
					g.Grantee.Type, g.Grantee.URI = "Group", val
				case "emailaddress":
					return nil, errNotImplemented("ACL grantees by email address")
				default:
					return nil, errInvalidArgument("Invalid grant header", "x-amz-grant-"+strings.ToLower(perm), v)
				}
				out = append(out, g)
			}
		}
		return out, nil
	}
	g, ok := cannedGrants(canned, account)
	if !ok {
		return nil, errInvalidArgument("", "x-amz-acl", canned)
	}
	return g, nil
}

func validPermission(p string) bool {
	switch p {
	case "FULL_CONTROL", "READ", "WRITE", "READ_ACP", "WRITE_ACP":
		return true
	}
	return false
}

// aclOnlyOwner reports whether grants are what BucketOwnerEnforced still
// accepts: the owner's full control alone.
func aclOnlyOwner(grants []Grant, account string) bool {
	for _, g := range grants {
		if g.Grantee == nil || g.Grantee.ID != canonicalID(account) {
			return false
		}
	}
	return true
}

func errACLNotSupported() error {
	return protocol.Errorf("AccessControlListNotSupported", "The bucket does not allow ACLs")
}

func grantHeaders(full, read, readACP, write, writeACP string) map[string]string {
	return map[string]string{"FULL_CONTROL": full, "READ": read, "READ_ACP": readACP, "WRITE": write, "WRITE_ACP": writeACP}
}

// PutBucketAcl replaces the bucket's ACL; a bucket with ACLs disabled
// (BucketOwnerEnforced) accepts only the owner's full control.
func (s *Service) PutBucketAcl(ctx context.Context, in *PutBucketAclRequest) (*struct{}, error) {
	err := s.changeBucket(ctx, in.Bucket, func(tx engine.Txn, b *bucketRecord) error {
		g, err := grantsFrom(b.Account, in.ACL, grantHeaders(in.GrantFullControl, in.GrantRead, in.GrantReadACP, in.GrantWrite, in.GrantWriteACP), in.AccessControlPolicy)
		if err != nil {
			return err
		}
		if !b.aclsEnabled() && !aclOnlyOwner(g, b.Account) {
			return errACLNotSupported()
		}
		b.ACL, b.Grants = in.ACL, g
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// GetBucketAcl returns the bucket's owner and grants.
func (s *Service) GetBucketAcl(ctx context.Context, in *GetBucketAclRequest) (*GetBucketAclOutput, error) {
	b, err := s.readBucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	return &GetBucketAclOutput{Owner: ownerOf(b.Account), Grants: b.grants()}, nil
}

// PutObjectAcl replaces an object's ACL.
func (s *Service) PutObjectAcl(ctx context.Context, in *PutObjectAclRequest) (*PutObjectAclOutput, error) {
	if in.VersionId != "" && in.VersionId != "null" {
		return nil, invalidArgument("Invalid version id specified")
	}
	err := s.update(ctx, func(tx engine.Txn) error {
		b, err := bucket(tx, ctx, in.Bucket)
		if err != nil {
			return err
		}
		g, err := grantsFrom(b.Account, in.ACL, grantHeaders(in.GrantFullControl, in.GrantRead, in.GrantReadACP, in.GrantWrite, in.GrantWriteACP), in.AccessControlPolicy)
		if err != nil {
			return err
		}
		if !b.aclsEnabled() && !aclOnlyOwner(g, b.Account) {
			return errACLNotSupported()
		}
		o, err := getObjectRecord(tx, in.Bucket, in.Key)
		if err != nil {
			return err
		}
		if o == nil {
			return errNoSuchKey(in.Key)
		}
		o.ACL, o.Grants = in.ACL, g
		tx.Set(objectKey(in.Bucket, in.Key), encodeObject(o))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &PutObjectAclOutput{}, nil
}

// GetObjectAcl returns an object's owner (the bucket's: ownership is the
// bucket owner's in every mode hako stores) and grants.
func (s *Service) GetObjectAcl(ctx context.Context, in *GetObjectAclRequest) (*GetObjectAclOutput, error) {
	if in.VersionId != "" && in.VersionId != "null" {
		return nil, invalidArgument("Invalid version id specified")
	}
	var out *GetObjectAclOutput
	err := s.eng.View(func(r engine.Reader) error {
		b, err := bucket(r, ctx, in.Bucket)
		if err != nil {
			return err
		}
		o, err := getObjectRecord(r, in.Bucket, in.Key)
		if err != nil {
			return err
		}
		if o == nil {
			return errNoSuchKey(in.Key)
		}
		out = &GetObjectAclOutput{Owner: ownerOf(b.Account), Grants: objectGrants(o, b.Account)}
		return nil
	})
	return out, err
}

// PutBucketPolicy stores a bucket policy after AWS's checks.
func (s *Service) PutBucketPolicy(ctx context.Context, in *PutBucketPolicyRequest) (*struct{}, error) {
	if _, err := parsePolicy(in.Policy, in.Bucket); err != nil {
		return nil, err
	}
	err := s.changeBucket(ctx, in.Bucket, func(tx engine.Txn, b *bucketRecord) error {
		b.Policy = in.Policy
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// GetBucketPolicy returns the policy as stored; NoSuchBucketPolicy when
// none.
func (s *Service) GetBucketPolicy(ctx context.Context, in *GetBucketPolicyRequest) (*GetBucketPolicyOutput, error) {
	b, err := s.readBucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	if b.Policy == "" {
		return nil, protocol.Errorf("NoSuchBucketPolicy", "The bucket policy does not exist").With("BucketName", in.Bucket)
	}
	return &GetBucketPolicyOutput{Policy: b.Policy}, nil
}

// DeleteBucketPolicy removes the policy.
func (s *Service) DeleteBucketPolicy(ctx context.Context, in *DeleteBucketPolicyRequest) (*struct{}, error) {
	err := s.changeBucket(ctx, in.Bucket, func(tx engine.Txn, b *bucketRecord) error {
		b.Policy = ""
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// PutBucketOwnershipControls sets Object Ownership: BucketOwnerEnforced
// (ACLs disabled), BucketOwnerPreferred or ObjectWriter (ACLs honoured).
func (s *Service) PutBucketOwnershipControls(ctx context.Context, in *PutBucketOwnershipControlsRequest) (*struct{}, error) {
	if in.OwnershipControls == nil || len(in.OwnershipControls.Rules) != 1 {
		return nil, protocol.Errorf("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
	}
	mode := in.OwnershipControls.Rules[0].ObjectOwnership
	err := s.changeBucket(ctx, in.Bucket, func(tx engine.Txn, b *bucketRecord) error {
		if mode == "BucketOwnerEnforced" && !aclOnlyOwner(b.grants(), b.Account) {
			return ErrInvalidRequest("Bucket ACL must be private or bucket-owner-full-control to enforce bucket ownership")
		}
		b.ObjectOwnership = mode
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// GetBucketOwnershipControls returns the bucket's Object Ownership.
func (s *Service) GetBucketOwnershipControls(ctx context.Context, in *GetBucketOwnershipControlsRequest) (*GetBucketOwnershipControlsOutput, error) {
	b, err := s.readBucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	if b.ObjectOwnership == "" {
		return nil, protocol.Errorf("OwnershipControlsNotFoundError", "The bucket ownership controls were not found").With("BucketName", in.Bucket)
	}
	return &GetBucketOwnershipControlsOutput{OwnershipControls: &OwnershipControls{Rules: []OwnershipControlsRule{{ObjectOwnership: b.ObjectOwnership}}}}, nil
}

// DeleteBucketOwnershipControls removes the setting (ACLs then follow the
// bucket's ACL, as ObjectWriter).
func (s *Service) DeleteBucketOwnershipControls(ctx context.Context, in *DeleteBucketOwnershipControlsRequest) (*struct{}, error) {
	err := s.changeBucket(ctx, in.Bucket, func(tx engine.Txn, b *bucketRecord) error {
		b.ObjectOwnership = ""
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}
