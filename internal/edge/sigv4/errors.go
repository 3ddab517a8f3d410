package sigv4

import (
	"errors"
	"time"
)

// Reason classifies an authentication failure. The edge turns a Reason into
// the error code of the request's protocol; the table in each constant's
// comment is what AWS answers.
type Reason int

const (
	// ReasonMissingAuth: the request carries no signature at all.
	// json: MissingAuthenticationTokenException, query: MissingAuthenticationToken,
	// s3: AccessDenied.
	ReasonMissingAuth Reason = iota + 1
	// ReasonMalformed: the signature is present but incomplete or malformed
	// (missing Credential, bad scope, bad X-Amz-Date, bad X-Amz-Expires ...).
	// json: IncompleteSignatureException, query: IncompleteSignature,
	// s3: AuthorizationHeaderMalformed / AuthorizationQueryParametersError.
	ReasonMalformed
	// ReasonSignatureMismatch: the signature does not match.
	// json: InvalidSignatureException, query and s3: SignatureDoesNotMatch.
	ReasonSignatureMismatch
	// ReasonTimeSkewed: the request time (header auth) is more than 15
	// minutes away from now. json: InvalidSignatureException ("Signature
	// expired: ..."), query: SignatureDoesNotMatch, s3: RequestTimeTooSkewed
	// (message MsgRequestTimeTooSkewedS3).
	ReasonTimeSkewed
	// ReasonExpired: a presigned URL is past its expiry (or not valid yet).
	// s3: AccessDenied "Request has expired".
	ReasonExpired
	// ReasonUnknownKey: the access key id is not known. Verify never returns
	// it (it is given the credentials); the caller does, via UnknownKeyError.
	// json: UnrecognizedClientException, query: InvalidClientTokenId,
	// s3: InvalidAccessKeyId (message MsgUnknownKeyS3).
	ReasonUnknownKey
	// ReasonInvalidToken: X-Amz-Security-Token does not belong to the key.
	// json: UnrecognizedClientException, query: InvalidClientTokenId,
	// s3: InvalidToken (message MsgInvalidTokenS3).
	ReasonInvalidToken
	// ReasonPayloadHashMismatch: the body does not hash to the declared
	// X-Amz-Content-Sha256 (reported by CheckedBody at end of body).
	// s3: XAmzContentSHA256Mismatch.
	ReasonPayloadHashMismatch
)

var reasonNames = [...]string{
	ReasonMissingAuth:         "MissingAuth",
	ReasonMalformed:           "Malformed",
	ReasonSignatureMismatch:   "SignatureMismatch",
	ReasonTimeSkewed:          "TimeSkewed",
	ReasonExpired:             "Expired",
	ReasonUnknownKey:          "UnknownKey",
	ReasonInvalidToken:        "InvalidToken",
	ReasonPayloadHashMismatch: "PayloadHashMismatch",
}

func (r Reason) String() string {
	if r > 0 && int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return "Reason(?)"
}

// AWS's messages. Msg in an Error is the json/query wording; S3 words some
// failures differently, and those variants are here for the edge to pick.
const (
	MsgMissingAuth            = "Missing Authentication Token"
	MsgSignatureMismatch      = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	MsgSignatureMismatchS3    = "The request signature we calculated does not match the signature you provided. Check your key and signing method."
	MsgRequestTimeTooSkewedS3 = "The difference between the request time and the current time is too large."
	MsgExpired                = "Request has expired"
	MsgNotYetValid            = "Request is not valid yet"
	MsgUnknownKey             = "The security token included in the request is invalid."
	MsgUnknownKeyS3           = "The AWS Access Key Id you provided does not exist in our records."
	MsgInvalidToken           = "The security token included in the request is invalid."
	MsgInvalidTokenS3         = "The provided token is malformed or otherwise invalid."
	MsgPayloadHashMismatch    = "The provided 'x-amz-content-sha256' header does not match what was computed."
)

// Error is an authentication failure. Reason selects the error code, Msg is
// AWS's message; the other fields are details some protocols render (S3
// puts them into its XML error body) and are empty when they do not apply.
type Error struct {
	Reason Reason
	Msg    string

	// SignatureMismatch: what we signed, for the client to compare with its
	// own (S3 returns them; json services append them to the message).
	CanonicalRequest  string
	StringToSign      string
	SignatureProvided string

	// TimeSkewed / Expired: the request's time, the server's time and, for
	// presigned URLs, the instant the URL expires.
	RequestTime time.Time
	ServerTime  time.Time
	ExpiresAt   time.Time
}

func (e *Error) Error() string { return "sigv4: " + e.Reason.String() + ": " + e.Msg }

// ReasonOf returns the Reason of an *Error in err's chain, or 0.
func ReasonOf(err error) Reason {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return 0
}

// UnknownKeyError is the error for an access key id the caller does not know.
func UnknownKeyError() *Error {
	return &Error{Reason: ReasonUnknownKey, Msg: MsgUnknownKey}
}

func malformed(msg string) *Error { return &Error{Reason: ReasonMalformed, Msg: msg} }
