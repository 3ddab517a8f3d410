// Package iam is hako's AWS Identity and Access Management: roles with
// their trust policies, inline and attached policies and tags, customer
// managed policies, and GetUser for the caller.
//
// # Contract
//
// IAM here is a registry, not an authorizer: policies are stored, checked
// for well-formed JSON and AWS's size quotas, and returned exactly as given;
// nothing evaluates them. Other services keep taking role ARNs as strings
// (a Lambda function's execution role need not exist here). STS consults
// this service through LookupRole (the sts.RoleLookup interface) for the id
// and MaxSessionDuration of roles it assumes.
//
// IAM is global: state belongs to an account, never to a region. Role and
// managed policy names are unique per account without regard to case, as in
// AWS, and found without regard to case; the name keeps the case it was
// created with.
//
// Policy documents are stored as sent and returned URL-encoded, as AWS's
// query API returns them (botocore and the aws CLI decode them back into
// JSON; aws-sdk-go-v2 users get the encoded string, as from AWS).
//
// # Keys
//
// Values are JSON records (see records.go).
//
//	iam/<account>/role/<lower(name)>                        role
//	iam/<account>/rolepolicy/<lower(role)>/<policy name>    inline role policy
//	iam/<account>/roleattach/<lower(role)>/<policy ARN>     attached managed policy
//	iam/<account>/policy/<lower(name)>                      customer managed policy
//
// An attachment of a customer managed policy and that policy's
// AttachmentCount change in the same transaction.
package iam

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"hako/internal/clock"
	"hako/internal/engine"
	"hako/internal/protocol"
	"hako/internal/service"
)

// Service is the IAM service.
type Service struct {
	eng   engine.Engine
	clock clock.Clock
}

// New returns the IAM service.
func New(env service.Env) *Service {
	c := env.Clock
	if c == nil {
		c = clock.Real{}
	}
	return &Service{eng: env.Engine, clock: c}
}

// Name implements service.Service.
func (s *Service) Name() string { return "iam" }

// APIs implements service.Service.
func (s *Service) APIs() []*service.API {
	return []*service.API{{
		ModelName: ModelName,
		Handlers: map[string]protocol.Handler{
			"CreateRole":               protocol.Op(s.CreateRole),
			"GetRole":                  protocol.Op(s.GetRole),
			"DeleteRole":               protocol.Op(s.DeleteRole),
			"ListRoles":                protocol.Op(s.ListRoles),
			"UpdateRole":               protocol.Op(s.UpdateRole),
			"UpdateRoleDescription":    protocol.Op(s.UpdateRoleDescription),
			"UpdateAssumeRolePolicy":   protocol.Op(s.UpdateAssumeRolePolicy),
			"PutRolePolicy":            protocol.Op(s.PutRolePolicy),
			"GetRolePolicy":            protocol.Op(s.GetRolePolicy),
			"DeleteRolePolicy":         protocol.Op(s.DeleteRolePolicy),
			"ListRolePolicies":         protocol.Op(s.ListRolePolicies),
			"AttachRolePolicy":         protocol.Op(s.AttachRolePolicy),
			"DetachRolePolicy":         protocol.Op(s.DetachRolePolicy),
			"ListAttachedRolePolicies": protocol.Op(s.ListAttachedRolePolicies),
			"TagRole":                  protocol.Op(s.TagRole),
			"UntagRole":                protocol.Op(s.UntagRole),
			"ListRoleTags":             protocol.Op(s.ListRoleTags),
			"CreatePolicy":             protocol.Op(s.CreatePolicy),
			"GetPolicy":                protocol.Op(s.GetPolicy),
			"GetPolicyVersion":         protocol.Op(s.GetPolicyVersion),
			"DeletePolicy":             protocol.Op(s.DeletePolicy),
			"ListPolicies":             protocol.Op(s.ListPolicies),
			"GetUser":                  protocol.Op(s.GetUser),
		},
		ValidationCode: "ValidationError",
	}}
}

var _ service.Service = (*Service)(nil)

// AWS quotas hako enforces (the defaults of an AWS account).
const (
	trustPolicyQuota    = 2048  // ACLSizePerRole, characters without whitespace
	managedPolicyQuota  = 6144  // PolicySize, characters without whitespace
	inlineRoleQuota     = 10240 // aggregate inline policies per role
	attachedPerRole     = 10    // PoliciesPerRole
	tagsPerResource     = 50
	defaultMaxItems     = 100
	defaultMaxSession   = 3600
	minMaxSession       = 3600
	maxMaxSession       = 43200
	awsManagedAccountID = "aws"
)

// noOutput is the output of operations that answer nothing but success.
type noOutput = struct{}

// keys

func prefix(account string) string { return "iam/" + account + "/" }

func roleKey(account, name string) []byte {
	return []byte(prefix(account) + "role/" + strings.ToLower(name))
}

func rolePolicyPrefix(account, role string) string {
	return prefix(account) + "rolepolicy/" + strings.ToLower(role) + "/"
}

func roleAttachPrefix(account, role string) string {
	return prefix(account) + "roleattach/" + strings.ToLower(role) + "/"
}

func policyKey(account, name string) []byte {
	return []byte(prefix(account) + "policy/" + strings.ToLower(name))
}

// prefixEnd is the first key after every key starting with p.
func prefixEnd(p string) []byte { return []byte(p + "\xff") }

// call and time

func callOf(ctx context.Context) *protocol.Call { return protocol.CallFrom(ctx) }

// now is the request's time at the second precision IAM reports.
func (s *Service) now(ctx context.Context) time.Time {
	t := callOf(ctx).Time
	if t.IsZero() {
		t = s.clock.Now()
	}
	return t.UTC().Truncate(time.Second)
}

// records

func get[T any](r engine.Reader, key []byte) (*T, error) {
	b, err := r.Get(key)
	if errors.Is(err, engine.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	v := new(T)
	if err := json.Unmarshal(b, v); err != nil {
		return nil, err
	}
	return v, nil
}

func put(tx engine.Txn, key []byte, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	tx.Set(key, b)
	return nil
}

// policy documents

// checkPolicyDocument applies AWS's syntax check: valid JSON, an object
// with a Statement.
func checkPolicyDocument(doc string) error {
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		return ErrMalformedPolicyDocument("This policy contains invalid Json")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return ErrMalformedPolicyDocument("Syntax errors in policy.")
	}
	if _, ok := m["Statement"]; !ok {
		return ErrMalformedPolicyDocument("Syntax errors in policy.")
	}
	return nil
}

// policySize is a document's size as IAM's quotas count it: characters,
// whitespace excluded.
func policySize(doc string) int {
	n := 0
	for _, r := range doc {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// encodeDocument URL-encodes a policy document the way IAM's query API
// returns it (RFC 3986 percent-encoding, spaces as %20), which botocore
// undoes with urllib's unquote.
func encodeDocument(doc string) string {
	return strings.ReplaceAll(url.QueryEscape(doc), "+", "%20")
}

// ids

const upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// newID returns prefix followed by 17 random uppercase letters and digits,
// the form of IAM unique ids (AROA..., ANPA...).
func newID(prefix string) (string, error) {
	b := make([]byte, 17)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	for i := range b {
		b[i] = upperAlnum[int(b[i])%len(upperAlnum)]
	}
	return prefix + string(b), nil
}

// tags

// mergeTags applies tags over existing ones; IAM tag keys are case
// insensitive, and a key given twice in one request is an error.
func mergeTags(existing, add []Tag) ([]Tag, error) {
	seen := map[string]bool{}
	for _, t := range add {
		k := strings.ToLower(t.Key)
		if seen[k] {
			return nil, ErrInvalidInput("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		seen[k] = true
	}
	out := make([]Tag, 0, len(existing)+len(add))
	for _, t := range existing {
		if !seen[strings.ToLower(t.Key)] {
			out = append(out, t)
		}
	}
	out = append(out, add...)
	if len(out) > tagsPerResource {
		return nil, ErrLimitExceeded("The number of tags has reached the maximum limit.")
	}
	return out, nil
}

// pagination

// page is one page of a listing: IAM markers are opaque, hako's are the
// encoded key suffix of the first item of the next page.
type page struct {
	start    []byte // first key to visit
	end      []byte
	base     string // key prefix the marker is relative to
	maxItems int
}

func newPage(base, marker string, maxItems *int32) (*page, error) {
	p := &page{start: []byte(base), end: prefixEnd(base), base: base, maxItems: defaultMaxItems}
	if maxItems != nil {
		if *maxItems < 1 || *maxItems > 1000 {
			return nil, rangeError("maxItems", *maxItems, 1, 1000)
		}
		p.maxItems = int(*maxItems)
	}
	if marker != "" {
		suffix, err := base64.RawURLEncoding.DecodeString(marker)
		if err != nil || len(suffix) == 0 {
			return nil, ErrInvalidInput("Invalid Marker.")
		}
		p.start = []byte(base + string(suffix))
	}
	return p, nil
}

// scanPage lists the records of p's range that match, in key order, and
// the next page's marker ("" when the listing is complete).
func scanPage[T any](r engine.Reader, p *page, match func(*T) bool) (items []T, marker string, err error) {
	items = []T{}
	err = r.Scan(p.start, p.end, false, func(k, v []byte) (bool, error) {
		rec := new(T)
		if err := json.Unmarshal(v, rec); err != nil {
			return false, err
		}
		if match != nil && !match(rec) {
			return true, nil
		}
		if len(items) == p.maxItems {
			marker = base64.RawURLEncoding.EncodeToString(k[len(p.base):])
			return false, nil
		}
		items = append(items, *rec)
		return true, nil
	})
	return items, marker, err
}

func truncated(marker string) *bool {
	b := marker != ""
	return &b
}

// rangeError is AWS's validation message for a number out of range, for
// callers that bypass the model's validation.
func rangeError(member string, v, lo, hi int32) error {
	c := "greater than or equal to " + strconv.Itoa(int(lo))
	if v > hi {
		c = "less than or equal to " + strconv.Itoa(int(hi))
	}
	return protocol.Errorf("ValidationError", "1 validation error detected: Value '%d' at '%s' failed to satisfy constraint: Member must have value %s", v, member, c)
}

func decode[T any](b []byte) (*T, error) {
	v := new(T)
	if err := json.Unmarshal(b, v); err != nil {
		return nil, err
	}
	return v, nil
}

// slicePage pages through n in-memory items (tags): it returns the range to
// answer and the next marker.
func slicePage(n int, marker string, maxItems *int32) (from, to int, next string, err error) {
	limit := defaultMaxItems
	if maxItems != nil {
		if *maxItems < 1 || *maxItems > 1000 {
			return 0, 0, "", rangeError("maxItems", *maxItems, 1, 1000)
		}
		limit = int(*maxItems)
	}
	if marker != "" {
		b, derr := base64.RawURLEncoding.DecodeString(marker)
		i, aerr := strconv.Atoi(string(b))
		if derr != nil || aerr != nil || i < 0 || i > n {
			return 0, 0, "", ErrInvalidInput("Invalid Marker.")
		}
		from = i
	}
	to = min(from+limit, n)
	if to < n {
		next = base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(to)))
	}
	return from, to, next, nil
}
