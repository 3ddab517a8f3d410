package sigv4

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"strings"
)

// IsStreaming reports whether a payload hash announces an aws-chunked body
// (STREAMING-...): the body must be decoded, and for the signed variants
// each chunk verified with a ChunkVerifier.
func IsStreaming(payloadHash string) bool { return strings.HasPrefix(payloadHash, "STREAMING-") }

// ChunkVerifier checks the signatures of an aws-chunked body sent with
// X-Amz-Content-Sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]. Each
// chunk's signature signs the previous signature (the first: the request's
// own, the "seed") and the chunk's SHA-256:
//
//	AWS4-HMAC-SHA256-PAYLOAD\n<X-Amz-Date>\n<scope>\n<previous>\nSHA256("")\nhex(SHA256(chunk))
//
// and the trailing headers of the -TRAILER form are signed once more,
// chained to the final (empty) chunk's signature:
//
//	AWS4-HMAC-SHA256-TRAILER\n<X-Amz-Date>\n<scope>\n<previous>\nhex(SHA256(trailers))
//
// where trailers is every trailing header but the signature as
// "name:value\n". The aws-chunked decoder (package awschunked) calls
// VerifySum for every chunk in order, the final zero-length chunk included,
// then VerifyTrailer. A ChunkVerifier is not safe for concurrent use.
type ChunkVerifier struct {
	key    []byte // the request's signing key
	prefix string // "<X-Amz-Date>\n<scope>\n", shared by every string to sign
	prev   string // the previous signature, hex
}

// NewChunkVerifier starts the chain at the request's signature; call it
// after Verify accepted the request.
func NewChunkVerifier(p *Parsed, creds Credentials) (*ChunkVerifier, error) {
	if _, err := hex.DecodeString(p.Signature); err != nil || p.Kind != Header || len(p.Signature) != hexSHA256Len {
		return nil, malformed("aws-chunked signatures need a SigV4 Authorization header")
	}
	amzDate := p.amzDate
	if amzDate == "" {
		amzDate = p.Date.UTC().Format(timeFormat)
	}
	key := hmacSHA256([]byte("AWS4"+creds.SecretAccessKey), p.scopeDate)
	key = hmacSHA256(key, p.Region)
	key = hmacSHA256(key, p.Service)
	key = hmacSHA256(key, terminator)
	return &ChunkVerifier{
		key:    key,
		prefix: amzDate + "\n" + p.scopeDate + "/" + p.Region + "/" + p.Service + "/" + terminator + "\n",
		prev:   strings.ToLower(p.Signature),
	}, nil
}

// Verify checks one chunk against its chunk-signature (hex).
func (c *ChunkVerifier) Verify(chunk []byte, signature string) error {
	sum := sha256.Sum256(chunk)
	return c.VerifySum(sum[:], signature)
}

// VerifySum checks the next chunk, given as its SHA-256 (so a decoder can
// hash a chunk as it streams instead of holding it), against its
// chunk-signature (hex). The chain moves on only when the signature
// matches.
func (c *ChunkVerifier) VerifySum(sum []byte, signature string) error {
	return c.check("AWS4-HMAC-SHA256-PAYLOAD\n"+c.prefix+c.prev+"\n"+emptySHA256+"\n"+hex.EncodeToString(sum), signature)
}

// VerifyTrailer checks x-amz-trailer-signature against the trailing headers
// in their signed form ("name:value\n" each, as sent, without the
// signature itself).
func (c *ChunkVerifier) VerifyTrailer(trailers []byte, signature string) error {
	sum := sha256.Sum256(trailers)
	return c.check("AWS4-HMAC-SHA256-TRAILER\n"+c.prefix+c.prev+"\n"+hex.EncodeToString(sum[:]), signature)
}

func (c *ChunkVerifier) check(stringToSign, signature string) error {
	want := hmacSHA256(c.key, stringToSign)
	got, err := hex.DecodeString(signature)
	if err != nil || subtle.ConstantTimeCompare(got, want) != 1 {
		return &Error{Reason: ReasonSignatureMismatch, Msg: MsgSignatureMismatch, StringToSign: stringToSign, SignatureProvided: signature}
	}
	c.prev = hex.EncodeToString(want)
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
