package sigv4

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// IsStreaming reports whether a payload hash announces an aws-chunked body
// (STREAMING-...): the body must be decoded, and for the signed variants
// each chunk verified with a ChunkVerifier.
func IsStreaming(payloadHash string) bool { return strings.HasPrefix(payloadHash, "STREAMING-") }

// ChunkVerifier checks the chunk signatures of an aws-chunked body sent with
// X-Amz-Content-Sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]. Each
// chunk's signature signs the previous signature (the first: the request's
// own, the "seed") and the chunk's SHA-256:
//
//	AWS4-HMAC-SHA256-PAYLOAD\n<X-Amz-Date>\n<scope>\n<previous>\nSHA256("")\nSHA256(chunk)
//
// which is the SDK's event-stream string to sign with empty headers, so the
// SDK's StreamSigner computes it. This is the hook for the aws-chunked
// decoder (not part of this package): call Verify for every chunk in order,
// the final zero-length chunk included. Trailer signatures
// (AWS4-HMAC-SHA256-TRAILER) are not covered yet.
type ChunkVerifier struct {
	signer *v4.StreamSigner
	p      *Parsed
}

// NewChunkVerifier starts the chain at the request's signature; call it
// after Verify accepted the request.
func NewChunkVerifier(p *Parsed, creds Credentials) (*ChunkVerifier, error) {
	seed, err := hex.DecodeString(p.Signature)
	if err != nil || p.Kind != Header {
		return nil, malformed("aws-chunked signatures need a SigV4 Authorization header")
	}
	c := aws.Credentials{AccessKeyID: p.AccessKeyID, SecretAccessKey: creds.SecretAccessKey}
	return &ChunkVerifier{signer: v4.NewStreamSigner(c, p.Service, p.Region, seed), p: p}, nil
}

// Verify checks one chunk against its chunk-signature (hex).
func (c *ChunkVerifier) Verify(chunk []byte, signature string) error {
	got, err := hex.DecodeString(signature)
	if err != nil {
		got = nil
	}
	want, err := c.signer.GetSignature(context.Background(), nil, chunk, c.p.Date)
	if err != nil || subtle.ConstantTimeCompare(got, want) != 1 {
		return &Error{Reason: ReasonSignatureMismatch, Msg: MsgSignatureMismatch, SignatureProvided: signature}
	}
	return nil
}

// CheckedBody returns body wrapped so that reading it to the end fails with
// a ReasonPayloadHashMismatch *Error (instead of io.EOF) when the bytes do not
// hash to declared, a hex SHA-256 the client put in X-Amz-Content-Sha256.
// Verify trusts a declared hash without reading the body (S3 objects can be
// large); the service reading the body uses this to hold the client to it.
// For any other declared value the body is returned unchanged.
func CheckedBody(body io.ReadCloser, declared string) io.ReadCloser {
	if body == nil || !isHexSHA256(declared) {
		return body
	}
	want, _ := hex.DecodeString(declared)
	return &checkedBody{ReadCloser: body, h: sha256.New(), want: want}
}

type checkedBody struct {
	io.ReadCloser
	h    hash.Hash
	want []byte
	err  error
}

func (c *checkedBody) Read(b []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.ReadCloser.Read(b)
	c.h.Write(b[:n])
	if errors.Is(err, io.EOF) {
		if subtle.ConstantTimeCompare(c.h.Sum(nil), c.want) != 1 {
			err = &Error{Reason: ReasonPayloadHashMismatch, Msg: MsgPayloadHashMismatch}
		}
		c.err = err
	}
	return n, err
}
