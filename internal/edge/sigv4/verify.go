package sigv4

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Credentials are the secret side of an access key, looked up by the caller
// from Parsed.AccessKeyID.
type Credentials struct {
	AccessKeyID, SecretAccessKey, SessionToken string
}

// Verify checks that r is signed by creds as p claims, at time now.
//
// p is Parse's result for r (nil: Verify parses). Verify checks, in order:
// the session token, the time (15 minutes of skew for signed headers; not
// expired for presigned URLs), then the signature. When the request declares
// no X-Amz-Content-Sha256, Verify hashes the body (and puts the same bytes
// back into r.Body), so the caller should have bounded the body size. A
// declared hash is trusted as the signed payload hash; CheckedBody verifies
// a hex one against the body as the service reads it, and ChunkVerifier
// covers STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER] bodies.
//
// Failures are *Error. A failure to read the body is returned as is.
func Verify(r *http.Request, p *Parsed, creds Credentials, now time.Time) error {
	if p == nil {
		var err error
		if p, err = Parse(r); err != nil {
			return err
		}
	}
	if p.Kind == None {
		return &Error{Reason: ReasonMissingAuth, Msg: MsgMissingAuth}
	}
	// A token must be exactly the one issued with the key; a key issued
	// without one must not come with one.
	if creds.SessionToken != "" || p.SecurityToken != "" {
		if subtle.ConstantTimeCompare([]byte(p.SecurityToken), []byte(creds.SessionToken)) != 1 {
			return &Error{Reason: ReasonInvalidToken, Msg: MsgInvalidToken}
		}
	}
	if err := checkTime(p, now.UTC()); err != nil {
		return err
	}
	switch p.Kind {
	case Header, Presigned:
		return verifyV4(r, p, creds.SecretAccessKey)
	case V2Header, V2Presigned:
		return verifyV2(r, p, creds.SecretAccessKey)
	}
	return malformed(msgUnsupported)
}

// checkTime applies AWS's clock rules: a signed request may be 15 minutes
// early or late; a presigned URL is good from X-Amz-Date (give or take the
// same skew) until X-Amz-Date + X-Amz-Expires.
func checkTime(p *Parsed, now time.Time) error {
	switch p.Kind {
	case Presigned:
		if !p.hasExpires {
			return checkSkew(p, now)
		}
		if now.After(p.ExpiresAt) {
			return &Error{Reason: ReasonExpired, Msg: MsgExpired, RequestTime: p.Date, ServerTime: now, ExpiresAt: p.ExpiresAt}
		}
		if p.Date.After(now.Add(maxSkew)) {
			return &Error{Reason: ReasonExpired, Msg: MsgNotYetValid, RequestTime: p.Date, ServerTime: now, ExpiresAt: p.ExpiresAt}
		}
	case V2Presigned:
		if now.After(p.ExpiresAt) {
			return &Error{Reason: ReasonExpired, Msg: MsgExpired, ServerTime: now, ExpiresAt: p.ExpiresAt}
		}
	case V2Header:
		if d := now.Sub(p.Date); d > maxSkew || d < -maxSkew {
			return &Error{Reason: ReasonTimeSkewed, Msg: MsgRequestTimeTooSkewedS3, RequestTime: p.Date, ServerTime: now}
		}
	default:
		return checkSkew(p, now)
	}
	return nil
}

func checkSkew(p *Parsed, now time.Time) error {
	f := func(t time.Time) string { return t.Format(timeFormat) }
	switch {
	case p.Date.Before(now.Add(-maxSkew)):
		return &Error{Reason: ReasonTimeSkewed, RequestTime: p.Date, ServerTime: now,
			Msg: fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - 15 min.)", f(p.Date), f(now.Add(-maxSkew)), f(now))}
	case p.Date.After(now.Add(maxSkew)):
		return &Error{Reason: ReasonTimeSkewed, RequestTime: p.Date, ServerTime: now,
			Msg: fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + 15 min.)", f(p.Date), f(now.Add(maxSkew)), f(now))}
	}
	return nil
}

// Payload hash values other than a hex SHA-256.
const (
	UnsignedPayload              = "UNSIGNED-PAYLOAD"
	StreamingPayload             = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	StreamingPayloadTrailer      = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	StreamingUnsignedPayload     = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
	StreamingECDSAPayload        = "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD"
	StreamingECDSAPayloadTrailer = "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER"
	emptySHA256                  = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	msgBadPayloadHash            = "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value."
	hexSHA256Len                 = 2 * sha256.Size
	msgMissingContentSHA256      = "Missing required header for this request: x-amz-content-sha256"
)

func validPayloadHash(h string) bool {
	switch h {
	case UnsignedPayload, StreamingPayload, StreamingPayloadTrailer, StreamingUnsignedPayload,
		StreamingECDSAPayload, StreamingECDSAPayloadTrailer:
		return true
	}
	return isHexSHA256(h)
}

func isHexSHA256(h string) bool {
	if len(h) != hexSHA256Len {
		return false
	}
	_, err := hex.DecodeString(h)
	return err == nil
}

// payloadHash is the last line of the canonical request: what the client
// declared (Parse makes it UNSIGNED-PAYLOAD for S3 presigned URLs),
// otherwise the SHA-256 of the body, which json and query services sign.
func payloadHash(r *http.Request, p *Parsed) (string, error) {
	if p.PayloadHash != "" {
		if !validPayloadHash(p.PayloadHash) {
			return "", malformed(msgBadPayloadHash)
		}
		return p.PayloadHash, nil
	}
	if isS3(p.Service) {
		// S3 requires the header rather than hash what may be gigabytes.
		return "", malformed(msgMissingContentSHA256)
	}
	return hashBody(r)
}

// hashBody reads the whole body, hashes it and leaves r.Body holding the
// same bytes for the service to read.
func hashBody(r *http.Request) (string, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return emptySHA256, nil
	}
	b, err := io.ReadAll(r.Body)
	r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(b))
	if err != nil {
		return "", fmt.Errorf("sigv4: reading body: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}
