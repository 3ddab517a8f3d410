// Package awschunked decodes aws-chunked request bodies: the framing S3
// clients use to stream an object of known length with per-chunk
// signatures or a checksum that is only known at the end.
//
// X-Amz-Content-Sha256 says which form a body has:
//
//	STREAMING-AWS4-HMAC-SHA256-PAYLOAD          signed chunks
//	STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER  signed chunks, then signed trailing headers
//	STREAMING-UNSIGNED-PAYLOAD-TRAILER          plain chunks, then trailing headers
//
// and the body is
//
//	chunk     = hex-size [";chunk-signature=" 64hex] CRLF data CRLF
//	final     = "0" [";chunk-signature=" 64hex] CRLF
//	trailers  = *(name ":" value CRLF) ["x-amz-trailer-signature:" 64hex CRLF]   (-TRAILER forms)
//	body      = *chunk final [trailers] CRLF
//
// A Reader streams the decoded bytes with bounded memory (never a whole
// chunk) and holds the client to everything the framing promises: each
// chunk signature in order, the final one included (through a Verifier);
// every chunk but the last at least 8 KiB, as S3 requires; the decoded
// length x-amz-decoded-content-length declared; the trailing headers that
// x-amz-trailer declared, and the trailer signature; the trailing checksum
// against the decoded bytes. A failure is a *protocol.Error with S3's code
// (IncompleteBody, InvalidChunkSizeError, MalformedTrailerError,
// InvalidRequest, BadDigest), or the Verifier's error as it returned it.
//
// Bytes are handed out before the check that covers them (a chunk's
// signature is checked at its end, the checksum at the body's end): only a
// Read that returns io.EOF vouches for the whole body, which is what a
// service that writes atomically needs.
package awschunked

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"hash"
	"io"
	"net/http"
	"strconv"
	"strings"

	"hako/internal/protocol"
	"hako/internal/protocol/checksum"
)

// The X-Amz-Content-Sha256 values of aws-chunked bodies.
const (
	SignedPayload          = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	SignedPayloadTrailer   = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	UnsignedPayloadTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
	ECDSAPayload           = "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD"
	ECDSAPayloadTrailer    = "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER"
)

// minChunk is S3's smallest chunk but the last.
const minChunk = 8192

// trailerSignature is the trailing header that signs the others.
const trailerSignature = "x-amz-trailer-signature"

// Verifier checks the signatures of the signed forms, in order: one
// VerifySum per chunk (the SHA-256 of its data), the final empty chunk
// included, then VerifyTrailer for the -TRAILER form. sigv4.ChunkVerifier
// implements it.
type Verifier interface {
	VerifySum(sum []byte, signature string) error
	VerifyTrailer(trailers []byte, signature string) error
}

// Config describes one body, from its request's headers (see
// ParseHeaders).
type Config struct {
	// Signed: every chunk header carries ;chunk-signature=.
	Signed bool
	// Trailer: trailing headers follow the final chunk.
	Trailer bool
	// Verifier checks the signatures of a signed body; nil skips the
	// check (the edge accepted the request without knowing the key's
	// secret), the framing is still enforced.
	Verifier Verifier
	// DecodedLength is x-amz-decoded-content-length.
	DecodedLength int64
	// Checksum is the algorithm of the trailing checksum x-amz-trailer
	// declared; "" when it declared none.
	Checksum checksum.Algorithm
}

// ParseHeaders reads a request's aws-chunked headers: payloadHash is its
// X-Amz-Content-Sha256. ok is false when the body is not aws-chunked.
// A request whose headers S3 refuses gets the *protocol.Error S3 answers:
// SigV4a streaming is NotImplemented, a missing or bad
// x-amz-decoded-content-length is MissingContentLength, an x-amz-trailer
// other than one checksum, or one next to an x-amz-checksum-* header, is
// InvalidRequest.
func ParseHeaders(payloadHash string, h http.Header) (cfg Config, ok bool, err *protocol.Error) {
	switch payloadHash {
	case SignedPayload:
		cfg.Signed = true
	case SignedPayloadTrailer:
		cfg.Signed, cfg.Trailer = true, true
	case UnsignedPayloadTrailer:
		cfg.Trailer = true
	case ECDSAPayload, ECDSAPayloadTrailer:
		return cfg, true, protocol.Errorf("NotImplemented", "hako does not implement Signature Version 4A (X-Amz-Content-Sha256: %s); sign with SigV4 (AWS4-HMAC-SHA256).", payloadHash).WithStatus(501)
	default:
		return cfg, false, nil
	}
	n, perr := strconv.ParseInt(h.Get("X-Amz-Decoded-Content-Length"), 10, 64)
	if perr != nil || n < 0 {
		return cfg, true, errMissingLength()
	}
	cfg.DecodedLength = n
	if cfg.Trailer {
		if names := h.Values("X-Amz-Trailer"); len(names) > 0 {
			declared := strings.Join(names, ",")
			a, known := checksum.AlgorithmOfHeader(strings.TrimSpace(declared))
			if !known {
				return cfg, true, errTrailerUnsupported()
			}
			for _, other := range checksum.TrailerAlgorithms {
				if h.Get(other.Header()) != "" {
					return cfg, true, errTwoChecksums()
				}
			}
			cfg.Checksum = a
		}
	}
	return cfg, true, nil
}

// Reader decodes one aws-chunked body.
type Reader struct {
	br  *bufio.Reader
	cfg Config

	state   int
	left    int64     // data bytes left in the current chunk
	sig     string    // the current chunk's signature
	sha     hash.Hash // SHA-256 of the current chunk (signed forms)
	sum     hash.Hash // the trailing checksum's algorithm over all data
	n       int64     // decoded bytes so far
	chunks  int       // chunk headers read
	prev    int64     // size of the previous data chunk (-1: none yet)
	trailer http.Header
	err     error
}

const (
	stHeader = iota
	stData
	stDone
)

// maxLine bounds a chunk header or trailer line: a size, a signature and
// room to spare, never a chunk of data.
const maxLine = 4096

// maxTrailers bounds the trailing headers.
const maxTrailers = 8

// NewReader decodes body as cfg describes it.
func NewReader(body io.Reader, cfg Config) *Reader {
	r := &Reader{br: bufio.NewReaderSize(body, 32<<10), cfg: cfg, prev: -1}
	if cfg.Signed {
		r.sha = sha256.New()
	}
	if cfg.Checksum != "" {
		r.sum = cfg.Checksum.New()
		// Keys first, values at the end, as net/http's Request.Trailer.
		r.trailer = http.Header{http.CanonicalHeaderKey(cfg.Checksum.Header()): nil}
	}
	return r
}

// Trailer returns the trailing headers the client declared (x-amz-trailer),
// keyed by their canonical names (X-Amz-Checksum-Crc32). As with
// net/http's Request.Trailer, the keys are there from the start with nil
// values, and the values once Read has returned io.EOF, verified. The
// trailer signature is not among them. Nil when none was declared.
func (r *Reader) Trailer() http.Header { return r.trailer }

// Read implements io.Reader.
func (r *Reader) Read(p []byte) (int, error) {
	for r.err == nil {
		switch r.state {
		case stHeader:
			r.err = r.chunkHeader()
		case stData:
			if len(p) == 0 {
				return 0, nil
			}
			return r.data(p)
		case stDone:
			return 0, io.EOF
		}
	}
	return 0, r.err
}

// data hands out bytes of the current chunk and closes it at its end.
func (r *Reader) data(p []byte) (int, error) {
	if int64(len(p)) > r.left {
		p = p[:r.left]
	}
	n, err := r.br.Read(p)
	p = p[:n]
	r.left -= int64(n)
	r.n += int64(n)
	if r.sha != nil {
		r.sha.Write(p)
	}
	if r.sum != nil {
		r.sum.Write(p)
	}
	if r.left == 0 {
		r.err = r.endChunk()
	} else if err != nil {
		r.err = transport(err)
	}
	return n, r.err
}

// endChunk reads the CRLF after a chunk's data and checks its signature.
func (r *Reader) endChunk() error {
	var crlf [2]byte
	if _, err := io.ReadFull(r.br, crlf[:]); err != nil {
		return transport(err)
	}
	if crlf != [2]byte{'\r', '\n'} {
		return errFraming()
	}
	if err := r.verifyChunk(); err != nil {
		return err
	}
	r.state = stHeader
	return nil
}

func (r *Reader) verifyChunk() error {
	if r.sha == nil {
		return nil
	}
	sum := r.sha.Sum(nil)
	r.sha.Reset()
	if r.cfg.Verifier == nil {
		return nil
	}
	return r.cfg.Verifier.VerifySum(sum, r.sig)
}

// chunkHeader reads "hex-size[;chunk-signature=sig]" and starts the chunk,
// or ends the body at the final, empty one.
func (r *Reader) chunkHeader() error {
	line, err := r.line()
	if err != nil {
		return err
	}
	r.chunks++
	sizeText := line
	if r.cfg.Signed {
		var ext string
		var found bool
		sizeText, ext, found = strings.Cut(line, ";")
		sig, isSig := strings.CutPrefix(ext, "chunk-signature=")
		if !found || !isSig || len(sig) != 64 || !isHex(sig) {
			return errFraming()
		}
		r.sig = sig
	}
	if sizeText == "" || len(sizeText) > 16 || !isHex(sizeText) {
		return errFraming()
	}
	size, perr := strconv.ParseUint(sizeText, 16, 64)
	if perr != nil || size > uint64(r.cfg.DecodedLength-r.n) {
		if perr == nil {
			return errLength(r.cfg.DecodedLength, r.n+int64(min(size, 1<<62)))
		}
		return errFraming()
	}
	if size == 0 {
		return r.final()
	}
	if r.prev >= 0 && r.prev < minChunk {
		return errChunkSize(r.chunks, r.prev)
	}
	r.prev = int64(size)
	r.left = int64(size)
	r.state = stData
	return nil
}

// final ends the body: the final chunk's signature, the length, the
// trailing headers, their signature and checksum, the closing CRLF, and
// nothing after it.
func (r *Reader) final() error {
	if err := r.verifyChunk(); err != nil {
		return err
	}
	if r.n != r.cfg.DecodedLength {
		return errLength(r.cfg.DecodedLength, r.n)
	}
	if r.cfg.Trailer {
		if err := r.trailers(); err != nil {
			return err
		}
	} else if line, err := r.line(); err != nil {
		return err
	} else if line != "" {
		return errFraming()
	}
	// The body must end here.
	if _, err := r.br.ReadByte(); err != io.EOF {
		if err != nil {
			return transport(err)
		}
		return errFraming()
	}
	r.state = stDone
	return nil
}

// trailers reads the trailing headers up to the empty line that ends the
// body, then checks them against what x-amz-trailer declared.
func (r *Reader) trailers() error {
	var signed bytes.Buffer // "name:value\n" of each, as the signature covers them
	got := map[string]string{}
	sig, hasSig := "", false
	for {
		line, err := r.trailerLine()
		if err != nil {
			return err
		}
		if line == "" {
			break
		}
		name, value, ok := strings.Cut(line, ":")
		name = strings.ToLower(strings.TrimSpace(name))
		value = strings.TrimSpace(value)
		if !ok || name == "" || hasSig || len(got) >= maxTrailers {
			return errTrailer() // a header after the signature, or too many
		}
		if name == trailerSignature {
			if !r.cfg.Signed {
				return errTrailer()
			}
			sig, hasSig = value, true
			continue
		}
		if _, dup := got[name]; dup {
			return errTrailer()
		}
		got[name] = value
		signed.WriteString(name + ":" + value + "\n")
	}
	if r.cfg.Signed {
		if !hasSig {
			return errTrailer()
		}
		if r.cfg.Verifier != nil {
			if err := r.cfg.Verifier.VerifyTrailer(signed.Bytes(), sig); err != nil {
				return err
			}
		}
	}
	// Exactly the declared trailer: nothing undeclared, nothing missing.
	if r.cfg.Checksum == "" {
		if len(got) > 0 {
			return errTrailer()
		}
		return nil
	}
	name := r.cfg.Checksum.Header()
	value, ok := got[name]
	if !ok || len(got) != 1 {
		return errTrailer()
	}
	want, ok := r.cfg.Checksum.Decode(value)
	if !ok {
		return errTrailerValue(r.cfg.Checksum)
	}
	if subtle.ConstantTimeCompare(want, r.sum.Sum(nil)) != 1 {
		return errBadDigest(r.cfg.Checksum)
	}
	r.trailer[http.CanonicalHeaderKey(name)] = []string{value}
	return nil
}

// line reads one CRLF-terminated line, without the CRLF.
func (r *Reader) line() (string, error) {
	b, err := r.br.ReadSlice('\n')
	if err != nil {
		if err == bufio.ErrBufferFull {
			return "", errFraming()
		}
		return "", transport(err)
	}
	if len(b) > maxLine || len(b) < 2 || b[len(b)-2] != '\r' {
		return "", errFraming()
	}
	return string(b[:len(b)-2]), nil
}

// trailerLine reads a trailing header line. minio-go ends them with
// "\n\r\n" (its value followed by a stray LF); that is read as the line
// without it, the value minio-go signed.
func (r *Reader) trailerLine() (string, error) {
	b, err := r.br.ReadSlice('\n')
	if err != nil {
		if err == bufio.ErrBufferFull {
			return "", errFraming()
		}
		return "", transport(err)
	}
	if len(b) > maxLine {
		return "", errFraming()
	}
	if len(b) >= 2 && b[len(b)-2] == '\r' {
		return string(b[:len(b)-2]), nil
	}
	line := string(b[:len(b)-1])
	if next, err := r.br.Peek(2); err != nil || string(next) != "\r\n" || line == "" {
		return "", errFraming()
	}
	r.br.Discard(2)
	return line, nil
}

// transport turns a read failure of the underlying body into the error to
// report: a body that ends early is S3's IncompleteBody; anything else
// (the connection failing) is passed on for the caller to classify.
func transport(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return errFraming()
	}
	return err
}

func isHex(s string) bool {
	_, err := hex.DecodeString(pad(s))
	return err == nil
}

func pad(s string) string {
	if len(s)%2 == 1 {
		return "0" + s
	}
	return s
}
