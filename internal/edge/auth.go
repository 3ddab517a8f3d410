package edge

import (
	"context"
	"errors"
	"net/http"
	"regexp"

	"hako/internal/edge/sigv4"
	"hako/internal/protocol"
)

var twelveDigits = regexp.MustCompile(`^\d{12}$`)

// authenticate checks the request's signature and fills the caller into c.
//
// On loopback any key is accepted (a 12-digit key id selects that account)
// unless the key is configured or issued, which is always verified. On any
// other address only known keys are accepted, always verified; anonymous
// requests are left to the service (S3 evaluates bucket policies), which
// sees c.AccessKeyID == "".
//
// It returns the credentials it verified the request with, nil when it
// accepted the request without verifying (anonymous, or an unknown key on
// loopback): an aws-chunked body's chunk signatures are verified with them.
func (e *Edge) authenticate(ctx context.Context, r *http.Request, p *sigv4.Parsed, c *protocol.Call) (*sigv4.Credentials, *protocol.Error) {
	if p == nil || p.Kind == sigv4.None {
		c.Account = e.cfg.Account
		if !e.cfg.Loopback && c.API != nil && c.API.Name != "s3" {
			return nil, authError(c.API.Protocol(), sigv4.ReasonMissingAuth, sigv4.MsgMissingAuth)
		}
		c.CallerARN = "arn:aws:iam::" + c.Account + ":root"
		c.UserID = c.Account
		return nil, nil
	}
	c.AccessKeyID = p.AccessKeyID
	id, known, err := e.cfg.Credentials.Lookup(ctx, p.AccessKeyID)
	if err != nil {
		e.log.Error("credential lookup", "err", err)
		return nil, protocol.InternalFailure()
	}
	proto := ""
	if c.API != nil {
		proto = c.API.Protocol()
	}
	if !known {
		if !e.cfg.Loopback {
			return nil, authError(proto, sigv4.ReasonUnknownKey, sigv4.MsgUnknownKey)
		}
		c.Account = e.cfg.Account
		if twelveDigits.MatchString(p.AccessKeyID) {
			c.Account = p.AccessKeyID
		}
		c.CallerARN = "arn:aws:iam::" + c.Account + ":root"
		c.UserID = c.Account
		return nil, nil
	}
	creds := sigv4.Credentials{AccessKeyID: id.AccessKeyID, SecretAccessKey: id.SecretAccessKey, SessionToken: id.SessionToken}
	if err := sigv4.Verify(r, p, creds, e.cfg.Clock.Now()); err != nil {
		var se *sigv4.Error
		if errors.As(err, &se) {
			return nil, authError(proto, se.Reason, se.Msg)
		}
		return nil, authError(proto, sigv4.ReasonSignatureMismatch, err.Error())
	}
	c.Account, c.CallerARN, c.UserID = id.Account, id.ARN, id.UserID
	return &creds, nil
}

// authAnswer is what AWS answers for one authentication failure in each
// protocol family: json services (json 1.x answers 400, rest-json 403),
// query services and S3 name the same failures differently.
type authAnswer struct {
	json, query string
	queryStatus int
	s3          string
	s3Status    int
	s3Msg       string // S3 words some failures its own way
}

var authAnswers = map[sigv4.Reason]authAnswer{
	sigv4.ReasonMissingAuth:         {"MissingAuthenticationTokenException", "MissingAuthenticationToken", 403, "AccessDenied", 403, "Access Denied"},
	sigv4.ReasonUnknownKey:          {"UnrecognizedClientException", "InvalidClientTokenId", 403, "InvalidAccessKeyId", 403, sigv4.MsgUnknownKeyS3},
	sigv4.ReasonInvalidToken:        {"UnrecognizedClientException", "InvalidClientTokenId", 403, "InvalidToken", 400, sigv4.MsgInvalidTokenS3},
	sigv4.ReasonSignatureMismatch:   {"InvalidSignatureException", "SignatureDoesNotMatch", 403, "SignatureDoesNotMatch", 403, sigv4.MsgSignatureMismatchS3},
	sigv4.ReasonTimeSkewed:          {"InvalidSignatureException", "SignatureDoesNotMatch", 403, "RequestTimeTooSkewed", 403, sigv4.MsgRequestTimeTooSkewedS3},
	sigv4.ReasonExpired:             {"InvalidSignatureException", "SignatureDoesNotMatch", 403, "AccessDenied", 403, ""},
	sigv4.ReasonMalformed:           {"IncompleteSignatureException", "IncompleteSignature", 400, "AuthorizationHeaderMalformed", 400, ""},
	sigv4.ReasonPayloadHashMismatch: {"InvalidSignatureException", "SignatureDoesNotMatch", 403, "XAmzContentSHA256Mismatch", 400, "The provided 'x-amz-content-sha256' header does not match what was computed."},
}

func authError(proto string, why sigv4.Reason, msg string) *protocol.Error {
	a, ok := authAnswers[why]
	if !ok {
		a = authAnswers[sigv4.ReasonSignatureMismatch]
	}
	switch proto {
	case "query":
		return protocol.Errorf(a.query, "%s", msg).WithStatus(a.queryStatus)
	case "rest-xml":
		if a.s3Msg != "" {
			msg = a.s3Msg
		}
		return protocol.Errorf(a.s3, "%s", msg).WithStatus(a.s3Status)
	case "rest-json":
		return protocol.Errorf(a.json, "%s", msg).WithStatus(http.StatusForbidden)
	default:
		return protocol.Errorf(a.json, "%s", msg).WithStatus(http.StatusBadRequest)
	}
}
