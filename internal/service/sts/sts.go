// Package sts is hako's AWS Security Token Service: who is calling
// (GetCallerIdentity) and temporary credentials (AssumeRole,
// GetSessionToken).
//
// # Contract
//
// STS keeps no state of its own. Temporary credentials are handed to the
// server's CredentialStore (service.Env.Credentials) through Issue, so the
// edge accepts, verifies and resolves them like any other key: a call signed
// with AssumeRole's keys acts as the assumed-role session
// (arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION) in the role's account.
// Expired credentials are the store's to refuse.
//
// Roles need not exist: AWS refuses to assume a role that does not exist or
// whose trust policy does not let the caller in, hako only checks the ARN's
// form, and, when a RoleLookup is configured (WithRoles, normally hako's IAM
// service), uses the role's id and enforces its MaxSessionDuration. Trust
// policies and session policies are not evaluated: hako does not authorize.
//
// Time comes from the call (protocol.Call.Time, the server clock's reading
// when the request arrived), so expirations follow the server's clock, fake
// or scaled ones included.
package sts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"time"

	"hako/internal/protocol"
	"hako/internal/service"
)

// RoleLookup finds a role by account and name. hako's IAM service
// implements it; STS uses it to report the role's real id and to enforce the
// role's MaxSessionDuration.
type RoleLookup interface {
	// LookupRole returns the role's id (AROA...) and MaxSessionDuration in
	// seconds; ok is false when the role does not exist.
	LookupRole(ctx context.Context, account, name string) (roleID string, maxSessionDuration int32, ok bool, err error)
}

// Option configures the service.
type Option func(*Service)

// WithRoles makes AssumeRole consult r for the role being assumed.
func WithRoles(r RoleLookup) Option { return func(s *Service) { s.roles = r } }

// Service is the STS service.
type Service struct {
	env   service.Env
	roles RoleLookup
}

// New returns the STS service.
func New(env service.Env, opts ...Option) *Service {
	s := &Service{env: env}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Name implements service.Service.
func (s *Service) Name() string { return "sts" }

// APIs implements service.Service.
func (s *Service) APIs() []*service.API {
	return []*service.API{{
		ModelName: ModelName,
		Handlers: map[string]protocol.Handler{
			"GetCallerIdentity": protocol.Op(s.GetCallerIdentity),
			"AssumeRole":        protocol.Op(s.AssumeRole),
			"GetSessionToken":   protocol.Op(s.GetSessionToken),
			"GetAccessKeyInfo":  protocol.Op(s.GetAccessKeyInfo),
		},
		ValidationCode: "ValidationError",
	}}
}

var _ service.Service = (*Service)(nil)

const (
	defaultRoleDuration    = 3600
	defaultSessionDuration = 43200
	// rootSessionLimit caps GetSessionToken for the account's root user, as
	// AWS does (longer requests silently get one hour).
	rootSessionLimit = 3600
	// chainedRoleLimit caps AssumeRole called with role session
	// credentials (role chaining).
	chainedRoleLimit = 3600
)

// caller is who is calling, with root filled in for calls without a known
// principal.
type caller struct {
	account, arn, userID string
	root, session        bool
}

func callerOf(c *protocol.Call) caller {
	cl := caller{account: c.Account, arn: c.CallerARN, userID: c.UserID}
	if cl.arn == "" {
		cl.arn = "arn:aws:iam::" + c.Account + ":root"
	}
	cl.root = strings.HasSuffix(cl.arn, ":root")
	cl.session = strings.Contains(cl.arn, ":assumed-role/")
	if cl.userID == "" && cl.root {
		cl.userID = c.Account
	}
	return cl
}

func now(c *protocol.Call) time.Time {
	return c.Time.UTC().Truncate(time.Second)
}

// GetCallerIdentity returns the account, ARN and user id of the caller. For
// the root user (and unsigned calls) AWS reports the account id as UserId.
func (s *Service) GetCallerIdentity(ctx context.Context, in *GetCallerIdentityRequest) (*GetCallerIdentityResponse, error) {
	cl := callerOf(protocol.CallFrom(ctx))
	return &GetCallerIdentityResponse{UserId: cl.userID, Account: cl.account, Arn: cl.arn}, nil
}

// roleARN matches an IAM role ARN: partition, account, optional path and the
// role name (the last path segment).
var roleARN = regexp.MustCompile(`^arn:(aws[a-zA-Z-]*):iam::(\d{12}):role/(?:[\x21-\x7e]*/)?([\w+=,.@-]{1,64})$`)

// sessionName is RoleSessionName's pattern in the model, checked again here
// because Go callers (tests, other services) bypass the model's validation.
var sessionName = regexp.MustCompile(`^[\w+=,.@-]*$`)

// AssumeRole issues temporary credentials for a role session.
func (s *Service) AssumeRole(ctx context.Context, in *AssumeRoleRequest) (*AssumeRoleResponse, error) {
	call := protocol.CallFrom(ctx)
	m := roleARN.FindStringSubmatch(in.RoleArn)
	if m == nil {
		return nil, protocol.Errorf("ValidationError", "%s is invalid", in.RoleArn)
	}
	partition, account, roleName := m[1], m[2], m[3]
	if n := len(in.RoleSessionName); n < 2 || n > 64 {
		c := "greater than or equal to 2"
		if n > 64 {
			c = "less than or equal to 64"
		}
		return nil, protocol.Errorf("ValidationError", "1 validation error detected: Value '%s' at 'roleSessionName' failed to satisfy constraint: Member must have length %s", in.RoleSessionName, c)
	}
	if !sessionName.MatchString(in.RoleSessionName) {
		return nil, protocol.Errorf("ValidationError", "1 validation error detected: Value '%s' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*", in.RoleSessionName)
	}
	duration := int32(defaultRoleDuration)
	if in.DurationSeconds != nil {
		duration = *in.DurationSeconds
		if duration < 900 || duration > 43200 {
			return nil, protocol.Errorf("ValidationError", "1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value %s", duration, bound(duration, 900, 43200))
		}
	}
	if err := checkSessionInputs(in.Policy, in.Tags, in.TransitiveTagKeys); err != nil {
		return nil, err
	}
	cl := callerOf(call)
	if cl.session && duration > chainedRoleLimit {
		return nil, protocol.Errorf("ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	}

	roleID := ""
	if s.roles != nil {
		id, maxDuration, ok, err := s.roles.LookupRole(ctx, account, roleName)
		if err != nil {
			return nil, err
		}
		if ok {
			roleID = id
			if maxDuration > 0 && duration > maxDuration {
				return nil, protocol.Errorf("ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
			}
		}
	}
	if roleID == "" {
		roleID = derivedRoleID(in.RoleArn)
	}

	creds, err := newCredentials(now(call).Add(time.Duration(duration) * time.Second))
	if err != nil {
		return nil, err
	}
	user := &AssumedRoleUser{
		AssumedRoleId: roleID + ":" + in.RoleSessionName,
		Arn:           "arn:" + partition + ":sts::" + account + ":assumed-role/" + roleName + "/" + in.RoleSessionName,
	}
	if err := s.issue(ctx, creds, account, user.Arn, user.AssumedRoleId); err != nil {
		return nil, err
	}
	out := &AssumeRoleResponse{Credentials: creds, AssumedRoleUser: user, SourceIdentity: in.SourceIdentity}
	if size, ok := packedPolicySize(in.Policy, in.PolicyArns, in.Tags); ok {
		out.PackedPolicySize = &size
	}
	return out, nil
}

// GetSessionToken issues temporary credentials that stand for the caller.
func (s *Service) GetSessionToken(ctx context.Context, in *GetSessionTokenRequest) (*GetSessionTokenResponse, error) {
	call := protocol.CallFrom(ctx)
	cl := callerOf(call)
	if cl.session {
		return nil, protocol.Errorf("AccessDenied", "Cannot call GetSessionToken with session credentials")
	}
	duration := int32(defaultSessionDuration)
	if in.DurationSeconds != nil {
		duration = *in.DurationSeconds
		if duration < 900 || duration > 129600 {
			return nil, protocol.Errorf("ValidationError", "1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value %s", duration, bound(duration, 900, 129600))
		}
	}
	if cl.root && duration > rootSessionLimit {
		duration = rootSessionLimit
	}
	creds, err := newCredentials(now(call).Add(time.Duration(duration) * time.Second))
	if err != nil {
		return nil, err
	}
	if err := s.issue(ctx, creds, cl.account, cl.arn, cl.userID); err != nil {
		return nil, err
	}
	return &GetSessionTokenResponse{Credentials: creds}, nil
}

// GetAccessKeyInfo returns the account an access key belongs to. Keys hako
// does not know resolve like the edge resolves them: a 12-digit key id is
// that account, anything else the server's default account.
func (s *Service) GetAccessKeyInfo(ctx context.Context, in *GetAccessKeyInfoRequest) (*GetAccessKeyInfoResponse, error) {
	if s.env.Credentials != nil {
		id, ok, err := s.env.Credentials.Lookup(ctx, in.AccessKeyId)
		if err != nil {
			return nil, err
		}
		if ok {
			return &GetAccessKeyInfoResponse{Account: id.Account}, nil
		}
	}
	if twelveDigits.MatchString(in.AccessKeyId) {
		return &GetAccessKeyInfoResponse{Account: in.AccessKeyId}, nil
	}
	account := s.env.Account
	if account == "" {
		account = protocol.CallFrom(ctx).Account
	}
	return &GetAccessKeyInfoResponse{Account: account}, nil
}

var twelveDigits = regexp.MustCompile(`^\d{12}$`)

func (s *Service) issue(ctx context.Context, c *Credentials, account, arn, userID string) error {
	if s.env.Credentials == nil {
		return protocol.Errorf("InternalFailure", "hako has no credential store to issue temporary credentials into.")
	}
	return s.env.Credentials.Issue(ctx, service.Identity{
		AccessKeyID:     c.AccessKeyId,
		SecretAccessKey: c.SecretAccessKey,
		SessionToken:    c.SessionToken,
		Account:         account,
		ARN:             arn,
		UserID:          userID,
		Expiration:      c.Expiration.Unix(),
	})
}

func bound(v, lo, hi int32) string {
	if v < lo {
		return "greater than or equal to " + itoa(lo)
	}
	return "less than or equal to " + itoa(hi)
}

func itoa(v int32) string { return strconv.Itoa(int(v)) }

// checkSessionInputs applies AWS's checks on session policies and tags.
func checkSessionInputs(policy string, tags []Tag, transitive []string) error {
	if policy != "" {
		var doc any
		if err := json.Unmarshal([]byte(policy), &doc); err != nil {
			return ErrMalformedPolicyDocument("The policy is not in the valid JSON format.")
		}
	}
	keys := map[string]bool{}
	for _, t := range tags {
		k := strings.ToLower(t.Key)
		if keys[k] {
			return protocol.Errorf("InvalidParameterValue", "Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		keys[k] = true
	}
	for _, k := range transitive {
		if !keys[strings.ToLower(k)] {
			return protocol.Errorf("InvalidParameterValue", "The specified transitive tag key must be included in the requested tags.")
		}
	}
	return nil
}

// packedPolicySize estimates the percentage of AWS's packed session limit
// that session policies and tags use. AWS reports it only when some were
// passed; hako approximates AWS's compression with a fixed ratio and never
// refuses a request for it.
func packedPolicySize(policy string, arns []PolicyDescriptorType, tags []Tag) (int32, bool) {
	if policy == "" && len(arns) == 0 && len(tags) == 0 {
		return 0, false
	}
	n := len(compactJSON(policy))
	for _, a := range arns {
		n += len(a.Arn)
	}
	for _, t := range tags {
		n += len(t.Key) + len(t.Value)
	}
	const packedBytes = 4096 // the uncompressed bytes that make 100%
	pct := (n*100 + packedBytes - 1) / packedBytes
	pct = max(pct, 1)
	pct = min(pct, 100)
	return int32(pct), true
}

func compactJSON(s string) string {
	if s == "" {
		return ""
	}
	var doc any
	if json.Unmarshal([]byte(s), &doc) != nil {
		return s
	}
	b, _ := json.Marshal(doc)
	return string(b)
}

const upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
const secretChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

func randomString(alphabet string, n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b), nil
}

// newCredentials makes a fresh temporary key set: an ASIA access key id as
// AWS issues for temporary credentials, a 40-character secret and an opaque
// session token.
func newCredentials(expiration time.Time) (*Credentials, error) {
	id, err := randomString(upperAlnum, 16)
	if err != nil {
		return nil, err
	}
	secret, err := randomString(secretChars, 40)
	if err != nil {
		return nil, err
	}
	raw := make([]byte, 240)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	return &Credentials{
		AccessKeyId:     "ASIA" + id,
		SecretAccessKey: secret,
		// "IQoJb3JpZ2luX2Vj" is how AWS session tokens begin; some tools
		// sniff it to tell session tokens from other strings.
		SessionToken: "IQoJb3JpZ2luX2VjE" + base64.StdEncoding.EncodeToString(raw),
		Expiration:   expiration,
	}, nil
}

// derivedRoleID is a stable AROA id for a role hako's IAM does not know, so
// every session of the same role ARN reports the same role id.
func derivedRoleID(arn string) string {
	sum := sha256.Sum256([]byte(arn))
	b := make([]byte, 17)
	for i := range b {
		b[i] = upperAlnum[int(sum[i])%len(upperAlnum)]
	}
	return "AROA" + string(b)
}
