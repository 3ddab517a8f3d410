package edge

import (
	"errors"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"hako/internal/edge/awschunked"
	"hako/internal/edge/sigv4"
	"hako/internal/protocol"
)

// Body is what a service reads as its request body (for rest protocols,
// the io.ReadCloser of a streaming payload member, e.g. S3's
// PutObjectRequest.Body): the bytes the client meant, with the edge's
// checks on them.
//
// The contract, for S3 above all:
//
//   - An aws-chunked body (X-Amz-Content-Sha256: STREAMING-*) arrives
//     decoded. Content-Length (and so the ContentLength member) is
//     x-amz-decoded-content-length, aws-chunked is gone from
//     Content-Encoding (other encodings stay), Transfer-Encoding is gone.
//   - A body whose SHA-256 the client declared (hex X-Amz-Content-Sha256)
//     is held to it.
//   - Read returns io.EOF only when every check passed: the declared hash,
//     each chunk signature, the trailer signature, the trailing checksum,
//     the decoded length. Bytes come out before the check that covers them,
//     so a service keeps nothing until io.EOF (S3 writes to a temporary
//     file and commits on EOF).
//   - Every other error Read returns is a *protocol.Error carrying the
//     code, message and status the client must get, so a handler returns
//     it as it is. For S3: XAmzContentSHA256Mismatch (400),
//     SignatureDoesNotMatch (403), IncompleteBody (400, framing, a body cut
//     short, or the decoded length not matching), InvalidChunkSizeError
//     (400), MalformedTrailerError (400), InvalidRequest (400, a trailing
//     checksum that is not one), BadDigest (400), RequestTimeout (400, the
//     client stopped sending).
//   - Trailer returns the trailing headers of an aws-chunked body (the
//     x-amz-checksum-* named by x-amz-trailer, canonical key, e.g.
//     X-Amz-Checksum-Crc32): keys from the start with nil values, values
//     once Read returned io.EOF (verified against the decoded bytes by
//     then). Nil for other bodies. A service that stores the checksum
//     computes it while streaming, with the algorithm the key names, and
//     gets the value the client sent here.
//
// Services need not import edge: they can assert the method alone,
// body.(interface{ Trailer() http.Header }).
type Body interface {
	io.ReadCloser
	Trailer() http.Header
}

// prepareBody replaces r.Body with the Body the service will read, or
// answers the request-level errors S3 gives before reading a body
// (SigV4a streaming, a missing decoded length, a bad x-amz-trailer).
// creds are the verified caller's secret (nil when the edge accepted the
// request without one: anonymous, or an unknown key on loopback); signed
// chunks are then decoded without checking their signatures.
func prepareBody(r *http.Request, p *sigv4.Parsed, creds *sigv4.Credentials, proto string) *protocol.Error {
	if r.Body == nil {
		return nil
	}
	b := &body{closer: r.Body, proto: proto}
	cfg, chunked, perr := awschunked.ParseHeaders(r.Header.Get("X-Amz-Content-Sha256"), r.Header)
	switch {
	case perr != nil:
		return perr
	case chunked:
		if cfg.Signed && creds != nil && p != nil && p.Kind == sigv4.Header {
			cv, err := sigv4.NewChunkVerifier(p, *creds)
			if err != nil {
				return sigv4Error(proto, err)
			}
			cfg.Verifier = cv
		}
		d := awschunked.NewReader(r.Body, cfg)
		b.r, b.trailer = d, d.Trailer()
		decodedHeaders(r, cfg.DecodedLength, b.trailer)
	case p != nil:
		b.r = sigv4.CheckedBody(r.Body, p.PayloadHash)
	default:
		b.r = r.Body
	}
	r.Body = b
	return nil
}

// decodedHeaders makes the request's headers describe the decoded body.
func decodedHeaders(r *http.Request, n int64, trailer http.Header) {
	r.ContentLength = n
	r.Header.Set("Content-Length", strconv.FormatInt(n, 10))
	r.TransferEncoding = nil
	r.Header.Del("Transfer-Encoding")
	r.Trailer = trailer
	var kept []string
	for _, v := range r.Header.Values("Content-Encoding") {
		for _, enc := range strings.Split(v, ",") {
			if enc = strings.TrimSpace(enc); enc != "" && !strings.EqualFold(enc, "aws-chunked") {
				kept = append(kept, enc)
			}
		}
	}
	if len(kept) == 0 {
		r.Header.Del("Content-Encoding")
	} else {
		r.Header.Set("Content-Encoding", strings.Join(kept, ","))
	}
}

// body is the Body implementation: it turns every failure into the
// *protocol.Error of the request's protocol.
type body struct {
	r       io.Reader
	closer  io.Closer
	proto   string
	trailer http.Header
}

func (b *body) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF {
		err = bodyError(b.proto, err)
	}
	return n, err
}

func (b *body) Close() error         { return b.closer.Close() }
func (b *body) Trailer() http.Header { return b.trailer }

// bodyError is the error a failed body read reports. The edge's own
// checks become the protocol's answer; for S3 a failing connection is
// answered as S3 answers it too (IncompleteBody, RequestTimeout), since
// S3 handlers stream bodies and return read errors as they are. Other
// protocols' codecs read bodies themselves and classify the rest.
func bodyError(proto string, err error) error {
	var pe *protocol.Error
	if errors.As(err, &pe) {
		return pe
	}
	var se *sigv4.Error
	if errors.As(err, &se) {
		return authError(proto, se.Reason, se.Msg)
	}
	if proto != "rest-xml" {
		return err
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return protocol.Errorf("RequestTimeout", "Your socket connection to the server was not read from or written to within the timeout period. Idle connections will be closed.").WithStatus(http.StatusBadRequest)
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return err
	}
	return protocol.Errorf("IncompleteBody", awschunked.MsgTerminated).WithStatus(http.StatusBadRequest)
}

// Interface guard.
var _ Body = (*body)(nil)
