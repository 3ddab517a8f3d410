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
func (e *Edge) authenticate(ctx context.Context, r *http.Request, p *sigv4.Parsed, c *protocol.Call) *protocol.Error {
	if p == nil || p.Kind == sigv4.None {
		c.Account = e.cfg.Account
		if !e.cfg.Loopback && c.API != nil && c.API.Name != "s3" {
			return authError(c.API.Protocol(), sigv4.ReasonMissingAuth, sigv4.MsgMissingAuth)
		}
		c.CallerARN = "arn:aws:iam::" + c.Account + ":root"
		c.UserID = c.Account
		return nil
	}
	c.AccessKeyID = p.AccessKeyID
	id, known, err := e.cfg.Credentials.Lookup(ctx, p.AccessKeyID)
	if err != nil {
		e.log.Error("credential lookup", "err", err)
		return protocol.InternalFailure()
	}
	proto := ""
	if c.API != nil {
		proto = c.API.Protocol()
	}
	if !known {
		if !e.cfg.Loopback {
			return authError(proto, sigv4.ReasonUnknownKey, sigv4.MsgUnknownKey)
		}
		c.Account = e.cfg.Account
		if twelveDigits.MatchString(p.AccessKeyID) {
			c.Account = p.AccessKeyID
		}
		c.CallerARN = "arn:aws:iam::" + c.Account + ":root"
		c.UserID = c.Account
		return nil
	}
	creds := sigv4.Credentials{AccessKeyID: id.AccessKeyID, SecretAccessKey: id.SecretAccessKey, SessionToken: id.SessionToken}
	if err := sigv4.Verify(r, p, creds, e.cfg.Clock.Now()); err != nil {
		var se *sigv4.Error
		if errors.As(err, &se) {
			return authError(proto, se.Reason, se.Msg)
		}
		return authError(proto, sigv4.ReasonSignatureMismatch, err.Error())
	}
	c.Account, c.CallerARN, c.UserID = id.Account, id.ARN, id.UserID
	return nil
}

// authCodes is the error code each protocol family uses for each failure,
// as AWS answers them (json services say UnrecognizedClientException, query
// services InvalidClientTokenId, S3 InvalidAccessKeyId).
type authCode struct {
	code   string
	status int
	msg    string // replaces the verifier's message when set
}

var authCodes = map[string]map[sigv4.Reason]authCode{
	"json": {
		sigv4.ReasonMissingAuth:         {"MissingAuthenticationTokenException", 400, ""},
		sigv4.ReasonUnknownKey:          {"UnrecognizedClientException", 400, ""},
		sigv4.ReasonInvalidToken:        {"UnrecognizedClientException", 400, ""},
		sigv4.ReasonSignatureMismatch:   {"InvalidSignatureException", 400, ""},
		sigv4.ReasonTimeSkewed:          {"InvalidSignatureException", 400, ""},
		sigv4.ReasonExpired:             {"InvalidSignatureException", 400, ""},
		sigv4.ReasonMalformed:           {"IncompleteSignatureException", 400, ""},
		sigv4.ReasonPayloadHashMismatch: {"InvalidSignatureException", 400, ""},
	},
	"rest-json": {
		sigv4.ReasonMissingAuth:         {"MissingAuthenticationTokenException", 403, ""},
		sigv4.ReasonUnknownKey:          {"UnrecognizedClientException", 403, ""},
		sigv4.ReasonInvalidToken:        {"UnrecognizedClientException", 403, ""},
		sigv4.ReasonSignatureMismatch:   {"InvalidSignatureException", 403, ""},
		sigv4.ReasonTimeSkewed:          {"InvalidSignatureException", 403, ""},
		sigv4.ReasonExpired:             {"InvalidSignatureException", 403, ""},
		sigv4.ReasonMalformed:           {"IncompleteSignatureException", 403, ""},
		sigv4.ReasonPayloadHashMismatch: {"InvalidSignatureException", 403, ""},
	},
	"query": {
		sigv4.ReasonMissingAuth:         {"MissingAuthenticationToken", 403, ""},
		sigv4.ReasonUnknownKey:          {"InvalidClientTokenId", 403, ""},
		sigv4.ReasonInvalidToken:        {"InvalidClientTokenId", 403, ""},
		sigv4.ReasonSignatureMismatch:   {"SignatureDoesNotMatch", 403, ""},
		sigv4.ReasonTimeSkewed:          {"SignatureDoesNotMatch", 403, ""},
		sigv4.ReasonExpired:             {"SignatureDoesNotMatch", 403, ""},
		sigv4.ReasonMalformed:           {"IncompleteSignature", 400, ""},
		sigv4.ReasonPayloadHashMismatch: {"SignatureDoesNotMatch", 403, ""},
	},
	"rest-xml": {
		sigv4.ReasonMissingAuth:         {"AccessDenied", 403, "Access Denied"},
		sigv4.ReasonUnknownKey:          {"InvalidAccessKeyId", 403, sigv4.MsgUnknownKeyS3},
		sigv4.ReasonInvalidToken:        {"InvalidToken", 400, sigv4.MsgInvalidTokenS3},
		sigv4.ReasonSignatureMismatch:   {"SignatureDoesNotMatch", 403, sigv4.MsgSignatureMismatchS3},
		sigv4.ReasonTimeSkewed:          {"RequestTimeTooSkewed", 403, sigv4.MsgRequestTimeTooSkewedS3},
		sigv4.ReasonExpired:             {"AccessDenied", 403, ""},
		sigv4.ReasonMalformed:           {"AuthorizationHeaderMalformed", 400, ""},
		sigv4.ReasonPayloadHashMismatch: {"XAmzContentSHA256Mismatch", 400, "The provided 'x-amz-content-sha256' header does not match what was computed."},
	},
}

func authError(proto string, why sigv4.Reason, msg string) *protocol.Error {
	table, ok := authCodes[proto]
	if !ok {
		table = authCodes["json"]
	}
	ac, ok := table[why]
	if !ok {
		ac = table[sigv4.ReasonSignatureMismatch]
	}
	if ac.msg != "" {
		msg = ac.msg
	}
	return protocol.Errorf(ac.code, "%s", msg).WithStatus(ac.status)
}
