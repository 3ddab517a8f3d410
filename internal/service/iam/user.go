package iam

import (
	"context"
	"regexp"
	"strings"
	"time"

	"hako/internal/protocol"
)

// principalEpoch stands for the creation date of principals hako knows only
// from its configuration (the root user, configured IAM users): it has no
// record of when they were made.
var principalEpoch = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// userARN takes an IAM user ARN apart: path and name.
var userARN = regexp.MustCompile(`^arn:aws[a-zA-Z-]*:iam::\d{12}:user(/|/.*/)([^/]+)$`)

// GetUser describes the calling user, or the named user when that is the
// caller. hako has no IAM users of its own (CreateUser is not implemented):
// the users it knows are the principals of configured access keys. For the
// root user AWS answers with only UserId (the account id), Arn and
// CreateDate, and so does hako.
func (s *Service) GetUser(ctx context.Context, in *GetUserRequest) (*GetUserResponse, error) {
	call := callOf(ctx)
	arn := call.CallerARN
	if arn == "" {
		arn = "arn:aws:iam::" + call.Account + ":root"
	}
	if m := userARN.FindStringSubmatch(arn); m != nil {
		if in.UserName != "" && !strings.EqualFold(in.UserName, m[2]) {
			return nil, noUser(in.UserName)
		}
		return &GetUserResponse{User: &User{
			Path:       m[1],
			UserName:   m[2],
			UserId:     call.UserID,
			Arn:        arn,
			CreateDate: principalEpoch,
		}}, nil
	}
	if in.UserName != "" {
		return nil, noUser(in.UserName)
	}
	if strings.HasSuffix(arn, ":root") {
		return &GetUserResponse{User: &User{
			UserId:     call.Account,
			Arn:        arn,
			CreateDate: principalEpoch,
		}}, nil
	}
	return nil, protocol.Errorf("ValidationError", "Must specify userName when calling with non-User credentials")
}

func noUser(name string) error {
	return ErrNoSuchEntity("The user with name %s cannot be found.", name)
}
