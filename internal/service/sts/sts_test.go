package sts

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"hako/internal/protocol"
	"hako/internal/protocol/model"
	"hako/internal/service"
)

// fakeStore is a CredentialStore that remembers what was issued.
type fakeStore struct {
	mu     sync.Mutex
	issued map[string]service.Identity
	fail   error
}

func (f *fakeStore) Lookup(ctx context.Context, id string) (service.Identity, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ident, ok := f.issued[id]
	return ident, ok, nil
}

func (f *fakeStore) Issue(ctx context.Context, id service.Identity) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return f.fail
	}
	if f.issued == nil {
		f.issued = map[string]service.Identity{}
	}
	f.issued[id.AccessKeyID] = id
	return nil
}

// fakeRoles is a RoleLookup with fixed roles.
type fakeRoles map[string]struct {
	id  string
	max int32
}

func (f fakeRoles) LookupRole(ctx context.Context, account, name string) (string, int32, bool, error) {
	r, ok := f[account+"/"+name]
	return r.id, r.max, ok, nil
}

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func newTest(opts ...Option) (*Service, *fakeStore) {
	st := &fakeStore{}
	return New(service.Env{Account: "000000000000", Region: "us-east-1", Credentials: st}, opts...), st
}

func callCtx(c protocol.Call) context.Context {
	if c.Account == "" {
		c.Account = "000000000000"
	}
	if c.Region == "" {
		c.Region = "us-east-1"
	}
	if c.Time.IsZero() {
		c.Time = t0
	}
	return protocol.WithCall(context.Background(), &c)
}

func code(t *testing.T, err error) string {
	t.Helper()
	var pe *protocol.Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not a *protocol.Error", err, err)
	}
	return pe.Code
}

func i32(v int32) *int32 { return &v }

func TestAPIs(t *testing.T) {
	s, _ := newTest()
	if s.Name() != "sts" {
		t.Fatalf("Name = %q", s.Name())
	}
	apis := s.APIs()
	if len(apis) != 1 || apis[0].Model().Name != "sts" {
		t.Fatalf("APIs = %+v", apis)
	}
	for name := range apis[0].Handlers {
		if apis[0].Model().Operations[name] == nil {
			t.Errorf("handler %s is not an operation of the model", name)
		}
	}
	if _, ok := apis[0].Handlers["AssumeRoleWithWebIdentity"]; ok {
		t.Error("AssumeRoleWithWebIdentity should be left to NotImplemented")
	}
}

func TestGetCallerIdentity(t *testing.T) {
	s, _ := newTest()
	cases := []struct {
		name string
		call protocol.Call
		want GetCallerIdentityResponse
	}{
		{"root without principal", protocol.Call{Account: "123456789012"},
			GetCallerIdentityResponse{UserId: "123456789012", Account: "123456789012", Arn: "arn:aws:iam::123456789012:root"}},
		{"root", protocol.Call{CallerARN: "arn:aws:iam::000000000000:root"},
			GetCallerIdentityResponse{UserId: "000000000000", Account: "000000000000", Arn: "arn:aws:iam::000000000000:root"}},
		{"user", protocol.Call{CallerARN: "arn:aws:iam::000000000000:user/alice", UserID: "AIDAEXAMPLE"},
			GetCallerIdentityResponse{UserId: "AIDAEXAMPLE", Account: "000000000000", Arn: "arn:aws:iam::000000000000:user/alice"}},
		{"session", protocol.Call{CallerARN: "arn:aws:sts::000000000000:assumed-role/r/s", UserID: "AROAX:s"},
			GetCallerIdentityResponse{UserId: "AROAX:s", Account: "000000000000", Arn: "arn:aws:sts::000000000000:assumed-role/r/s"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := s.GetCallerIdentity(callCtx(c.call), &GetCallerIdentityRequest{})
			if err != nil {
				t.Fatal(err)
			}
			if *out != c.want {
				t.Fatalf("got %+v, want %+v", *out, c.want)
			}
		})
	}
}

var (
	accessKeyRe = regexp.MustCompile(`^ASIA[A-Z0-9]{16}$`)
	roleIDRe    = regexp.MustCompile(`^AROA[A-Z0-9]{17}:`)
)

func TestAssumeRole(t *testing.T) {
	s, st := newTest()
	ctx := callCtx(protocol.Call{CallerARN: "arn:aws:iam::000000000000:root"})
	out, err := s.AssumeRole(ctx, &AssumeRoleRequest{
		RoleArn:         "arn:aws:iam::111111111111:role/service/deployer",
		RoleSessionName: "ci@build-7",
		DurationSeconds: i32(7200),
	})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	if !accessKeyRe.MatchString(c.AccessKeyId) {
		t.Errorf("AccessKeyId %q", c.AccessKeyId)
	}
	if len(c.SecretAccessKey) != 40 {
		t.Errorf("SecretAccessKey %q has %d characters", c.SecretAccessKey, len(c.SecretAccessKey))
	}
	if c.SessionToken == "" {
		t.Error("no SessionToken")
	}
	if !c.Expiration.Equal(t0.Add(2 * time.Hour)) {
		t.Errorf("Expiration %v", c.Expiration)
	}
	u := out.AssumedRoleUser
	if u.Arn != "arn:aws:sts::111111111111:assumed-role/deployer/ci@build-7" {
		t.Errorf("Arn %q", u.Arn)
	}
	if !roleIDRe.MatchString(u.AssumedRoleId) || !strings.HasSuffix(u.AssumedRoleId, ":ci@build-7") {
		t.Errorf("AssumedRoleId %q", u.AssumedRoleId)
	}
	if out.PackedPolicySize != nil {
		t.Errorf("PackedPolicySize %d without session policies", *out.PackedPolicySize)
	}
	id, ok, _ := st.Lookup(ctx, c.AccessKeyId)
	want := service.Identity{
		AccessKeyID: c.AccessKeyId, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken,
		Account: "111111111111", ARN: u.Arn, UserID: u.AssumedRoleId, Expiration: t0.Add(2 * time.Hour).Unix(),
	}
	if !ok || id != want {
		t.Fatalf("issued %+v, want %+v", id, want)
	}

	// The same role keeps its id across sessions; default duration is 1h.
	out2, err := s.AssumeRole(ctx, &AssumeRoleRequest{RoleArn: "arn:aws:iam::111111111111:role/service/deployer", RoleSessionName: "other"})
	if err != nil {
		t.Fatal(err)
	}
	if a, b := strings.Split(u.AssumedRoleId, ":")[0], strings.Split(out2.AssumedRoleUser.AssumedRoleId, ":")[0]; a != b {
		t.Errorf("role id changed between sessions: %s, %s", a, b)
	}
	if !out2.Credentials.Expiration.Equal(t0.Add(time.Hour)) {
		t.Errorf("default Expiration %v", out2.Credentials.Expiration)
	}
	if out2.Credentials.AccessKeyId == c.AccessKeyId {
		t.Error("two sessions got the same access key")
	}
}

func TestAssumeRoleSessionPolicies(t *testing.T) {
	s, _ := newTest()
	out, err := s.AssumeRole(callCtx(protocol.Call{}), &AssumeRoleRequest{
		RoleArn:           "arn:aws:iam::000000000000:role/r",
		RoleSessionName:   "sess",
		Policy:            `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`,
		Tags:              []Tag{{Key: "team", Value: "a"}},
		TransitiveTagKeys: []string{"TEAM"},
		SourceIdentity:    "alice",
	})
	if err != nil {
		t.Fatal(err)
	}
	if out.PackedPolicySize == nil || *out.PackedPolicySize < 1 || *out.PackedPolicySize > 100 {
		t.Errorf("PackedPolicySize %v", out.PackedPolicySize)
	}
	if out.SourceIdentity != "alice" {
		t.Errorf("SourceIdentity %q", out.SourceIdentity)
	}
}

func TestAssumeRoleWithIAMRoles(t *testing.T) {
	roles := fakeRoles{"000000000000/limited": {id: "AROAAAAAAAAAAAAAAAAAA", max: 3600}}
	s, _ := newTest(WithRoles(roles))
	ctx := callCtx(protocol.Call{})
	out, err := s.AssumeRole(ctx, &AssumeRoleRequest{RoleArn: "arn:aws:iam::000000000000:role/limited", RoleSessionName: "s1"})
	if err != nil {
		t.Fatal(err)
	}
	if out.AssumedRoleUser.AssumedRoleId != "AROAAAAAAAAAAAAAAAAAA:s1" {
		t.Errorf("AssumedRoleId %q", out.AssumedRoleUser.AssumedRoleId)
	}
	_, err = s.AssumeRole(ctx, &AssumeRoleRequest{RoleArn: "arn:aws:iam::000000000000:role/limited", RoleSessionName: "s1", DurationSeconds: i32(3601)})
	if code(t, err) != "ValidationError" || !strings.Contains(err.Error(), "exceeds the MaxSessionDuration") {
		t.Errorf("over MaxSessionDuration: %v", err)
	}
	// A role IAM does not know is accepted up to 12 hours.
	if _, err := s.AssumeRole(ctx, &AssumeRoleRequest{RoleArn: "arn:aws:iam::000000000000:role/unknown", RoleSessionName: "s1", DurationSeconds: i32(43200)}); err != nil {
		t.Errorf("unknown role: %v", err)
	}
}

func TestAssumeRoleErrors(t *testing.T) {
	s, st := newTest()
	session := protocol.Call{CallerARN: "arn:aws:sts::000000000000:assumed-role/a/b", UserID: "AROAX:b"}
	cases := []struct {
		name string
		call protocol.Call
		in   AssumeRoleRequest
		code string
		msg  string
	}{
		{"malformed arn", protocol.Call{}, AssumeRoleRequest{RoleArn: "nothing-valid-in-here", RoleSessionName: "s1"}, "ValidationError", "nothing-valid-in-here is invalid"},
		{"not a role", protocol.Call{}, AssumeRoleRequest{RoleArn: "arn:aws:iam::000000000000:user/bob", RoleSessionName: "s1"}, "ValidationError", "arn:aws:iam::000000000000:user/bob is invalid"},
		{"short account", protocol.Call{}, AssumeRoleRequest{RoleArn: "arn:aws:iam::12345:role/r", RoleSessionName: "s1"}, "ValidationError", "arn:aws:iam::12345:role/r is invalid"},
		{"session name", protocol.Call{}, AssumeRoleRequest{RoleArn: "arn:aws:iam::000000000000:role/r", RoleSessionName: "Session1:2"}, "ValidationError",
			`1 validation error detected: Value 'Session1:2' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]*`},
		{"short session name", protocol.Call{}, AssumeRoleRequest{RoleArn: "arn:aws:iam::000000000000:role/r", RoleSessionName: "s"}, "ValidationError",
			"1 validation error detected: Value 's' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2"},
		{"too short", protocol.Call{}, AssumeRoleRequest{RoleArn: "arn:aws:iam::000000000000:role/r", RoleSessionName: "s1", DurationSeconds: i32(899)}, "ValidationError",
			"1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"},
		{"too long", protocol.Call{}, AssumeRoleRequest{RoleArn: "arn:aws:iam::000000000000:role/r", RoleSessionName: "s1", DurationSeconds: i32(43201)}, "ValidationError",
			"1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200"},
		{"chaining", session, AssumeRoleRequest{RoleArn: "arn:aws:iam::000000000000:role/r", RoleSessionName: "s1", DurationSeconds: i32(3601)}, "ValidationError",
			"The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."},
		{"bad policy", protocol.Call{}, AssumeRoleRequest{RoleArn: "arn:aws:iam::000000000000:role/r", RoleSessionName: "s1", Policy: "{nope"}, "MalformedPolicyDocument", "The policy is not in the valid JSON format."},
		{"duplicate tags", protocol.Call{}, AssumeRoleRequest{RoleArn: "arn:aws:iam::000000000000:role/r", RoleSessionName: "s1", Tags: []Tag{{Key: "a", Value: "1"}, {Key: "A", Value: "2"}}}, "InvalidParameterValue",
			"Duplicate tag keys found. Please note that Tag keys are case insensitive."},
		{"transitive not tagged", protocol.Call{}, AssumeRoleRequest{RoleArn: "arn:aws:iam::000000000000:role/r", RoleSessionName: "s1", Tags: []Tag{{Key: "a", Value: "1"}}, TransitiveTagKeys: []string{"b"}}, "InvalidParameterValue",
			"The specified transitive tag key must be included in the requested tags."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.AssumeRole(callCtx(c.call), &c.in)
			if code(t, err) != c.code || err.(*protocol.Error).Message != c.msg {
				t.Fatalf("got %v, want %s: %s", err, c.code, c.msg)
			}
		})
	}
	if len(st.issued) != 0 {
		t.Fatalf("failed calls issued credentials: %v", st.issued)
	}
	// Role chaining within an hour works.
	if _, err := s.AssumeRole(callCtx(session), &AssumeRoleRequest{RoleArn: "arn:aws:iam::000000000000:role/r", RoleSessionName: "s1", DurationSeconds: i32(3600)}); err != nil {
		t.Fatal(err)
	}
}

func TestAssumeRoleStoreFailure(t *testing.T) {
	s, st := newTest()
	st.fail = errors.New("disk on fire")
	_, err := s.AssumeRole(callCtx(protocol.Call{}), &AssumeRoleRequest{RoleArn: "arn:aws:iam::000000000000:role/r", RoleSessionName: "s1"})
	if err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Fatalf("got %v", err)
	}
}

// The model's validation (run by the server before the handler) covers the
// session name and duration the way AWS reports them.
func TestModelValidation(t *testing.T) {
	api := model.MustLoad("sts")
	shape := api.Operations["AssumeRole"].InputShape
	err := protocol.Validate(api, shape, map[string]any{"RoleArn": "arn:aws:iam::000000000000:role/r", "RoleSessionName": "a b", "DurationSeconds": int64(60)}, "ValidationError")
	if err == nil || err.Code != "ValidationError" || !strings.HasPrefix(err.Message, "2 validation errors detected") ||
		!strings.Contains(err.Message, "'roleSessionName'") || !strings.Contains(err.Message, "'durationSeconds'") {
		t.Fatalf("got %v", err)
	}
}

func TestGetSessionToken(t *testing.T) {
	s, st := newTest()
	user := protocol.Call{CallerARN: "arn:aws:iam::000000000000:user/alice", UserID: "AIDAALICE", AccessKeyID: "AKIAALICE"}
	out, err := s.GetSessionToken(callCtx(user), &GetSessionTokenRequest{})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	if !accessKeyRe.MatchString(c.AccessKeyId) || len(c.SecretAccessKey) != 40 || c.SessionToken == "" {
		t.Errorf("credentials %+v", c)
	}
	if !c.Expiration.Equal(t0.Add(12 * time.Hour)) {
		t.Errorf("default Expiration %v", c.Expiration)
	}
	id := st.issued[c.AccessKeyId]
	if id.ARN != user.CallerARN || id.UserID != "AIDAALICE" || id.Account != "000000000000" || id.SessionToken != c.SessionToken {
		t.Errorf("issued %+v", id)
	}

	// Root sessions are capped at an hour.
	out, err = s.GetSessionToken(callCtx(protocol.Call{}), &GetSessionTokenRequest{DurationSeconds: i32(7200)})
	if err != nil {
		t.Fatal(err)
	}
	if !out.Credentials.Expiration.Equal(t0.Add(time.Hour)) {
		t.Errorf("root Expiration %v", out.Credentials.Expiration)
	}
	if id := st.issued[out.Credentials.AccessKeyId]; id.ARN != "arn:aws:iam::000000000000:root" || id.UserID != "000000000000" {
		t.Errorf("root issued %+v", id)
	}

	_, err = s.GetSessionToken(callCtx(protocol.Call{CallerARN: "arn:aws:sts::000000000000:assumed-role/r/s"}), &GetSessionTokenRequest{})
	if code(t, err) != "AccessDenied" {
		t.Errorf("session caller: %v", err)
	}
	_, err = s.GetSessionToken(callCtx(user), &GetSessionTokenRequest{DurationSeconds: i32(129601)})
	if code(t, err) != "ValidationError" {
		t.Errorf("too long: %v", err)
	}
}

func TestGetAccessKeyInfo(t *testing.T) {
	s, st := newTest()
	st.Issue(context.Background(), service.Identity{AccessKeyID: "ASIAKNOWN", Account: "222222222222"})
	ctx := callCtx(protocol.Call{})
	for key, want := range map[string]string{"ASIAKNOWN": "222222222222", "333333333333": "333333333333", "AKIAWHATEVER": "000000000000"} {
		out, err := s.GetAccessKeyInfo(ctx, &GetAccessKeyInfoRequest{AccessKeyId: key})
		if err != nil || out.Account != want {
			t.Errorf("%s: %+v, %v; want %s", key, out, err, want)
		}
	}
}

// The handlers go through protocol.Op: documents in, documents out.
func TestHandlers(t *testing.T) {
	s, _ := newTest()
	h := s.APIs()[0].Handlers
	out, err := h["AssumeRole"](callCtx(protocol.Call{}), map[string]any{"RoleArn": "arn:aws:iam::000000000000:role/r", "RoleSessionName": "s1", "DurationSeconds": int64(900)})
	if err != nil {
		t.Fatal(err)
	}
	creds := out["Credentials"].(map[string]any)
	if exp := creds["Expiration"].(time.Time); !exp.Equal(t0.Add(15 * time.Minute)) {
		t.Errorf("Expiration %v", exp)
	}
	if _, ok := out["PackedPolicySize"]; ok {
		t.Error("PackedPolicySize present without session policies")
	}
	out, err = h["GetCallerIdentity"](callCtx(protocol.Call{}), map[string]any{})
	if err != nil || out["Arn"] != "arn:aws:iam::000000000000:root" {
		t.Fatalf("GetCallerIdentity: %v %v", out, err)
	}
}
