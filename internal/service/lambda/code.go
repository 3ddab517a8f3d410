package lambda

import (
	"archive/zip"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"hako/internal/engine"
	"net/http"
	"strings"
	"time"

	"hako/internal/protocol"
	"hako/internal/runtime"
)

// AWS's limits on a deployment package uploaded directly (ZipFile).
const (
	maxZipped   = 52428800  // CodeSizeZipped
	maxUnzipped = 262144000 // CodeSizeUnzipped (code and layers)
)

func errUnzip() *protocol.Error {
	return ErrInvalidParameterValue("Could not unzip uploaded file. Please check your file, then try to upload again.")
}

func errUnzippedSize() *protocol.Error {
	return ErrInvalidParameterValue("Unzipped size must be smaller than %d bytes", maxUnzipped)
}

func errZippedSize() *protocol.Error {
	return protocol.Errorf("RequestEntityTooLargeException", "Zipped size must be smaller than %d bytes", maxZipped)
}

// validateZip checks an uploaded deployment package before anything is
// stored, with the runtime's own validator (so the API refuses exactly
// what extraction would refuse): a zip archive whose entries stay inside
// the function's root (no absolute paths, no ".." components, no symlink
// pointing out), within AWS's 250 MB unzipped (counted by decompressing,
// never trusted from headers), and not a zip bomb. It returns the unzipped
// size.
func validateZip(b []byte) (int64, error) {
	err := runtime.ValidateZip(bytes.NewReader(b), int64(len(b)), runtime.ZipLimits{MaxUnzipped: maxUnzipped})
	switch {
	case errors.Is(err, runtime.ErrZipTooLarge):
		return 0, errUnzippedSize()
	case err != nil:
		return 0, errUnzip()
	}
	// Valid: the headers' sizes are the real ones.
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return 0, errUnzip()
	}
	var n int64
	for _, f := range zr.File {
		n += int64(f.UncompressedSize64)
	}
	return n, nil
}

// describeZip computes what the API reports about a package.
func describeZip(b []byte, unzipped int64) codeRef {
	sum := sha256.Sum256(b)
	return codeRef{
		Sha256:     hex.EncodeToString(sum[:]),
		CodeSha256: base64.StdEncoding.EncodeToString(sum[:]),
		Size:       int64(len(b)),
		Unzipped:   unzipped,
	}
}

// storeZip writes a validated package to a new blob (durable before it
// returns) and fills in its id.
func (s *Service) storeZip(b []byte, ref codeRef) (codeRef, error) {
	w, err := s.eng.Blobs().Create()
	if err != nil {
		return ref, err
	}
	if _, err := w.Write(b); err != nil {
		w.Abort()
		return ref, err
	}
	id, err := w.Commit()
	if err != nil {
		return ref, err
	}
	ref.Blob = id
	return ref, nil
}

// deleteBlobs deletes blobs no record references any more; a failure only
// leaves an orphan, which the engine allows.
func (s *Service) deleteBlobs(ids ...string) {
	for _, id := range ids {
		if id == "" {
			continue
		}
		if err := s.eng.Blobs().Delete(id); err != nil {
			s.log.Warn("cannot delete code blob", "blob", id, "err", err)
		}
	}
}

// codeToken is what a Code.Location URL carries, signed: which blob, and
// until when (Unix seconds).
type codeToken struct {
	Blob   string `json:"b"`
	Sha256 string `json:"s"`
	Exp    int64  `json:"e"`
}

// codeLocation returns a URL downloading the package, valid for 10 minutes
// as AWS's presigned S3 URLs are.
func (s *Service) codeLocation(ref codeRef) string {
	tok := codeToken{Blob: ref.Blob, Sha256: ref.Sha256, Exp: s.clock.Now().Add(codeURLLifetime).Unix()}
	payload := base64.RawURLEncoding.EncodeToString(engine.MustJSON(tok))
	return strings.TrimSuffix(s.endpoint(), "/") + CodePath + payload + "." + s.sign(payload)
}

func (s *Service) sign(payload string) string {
	m := hmac.New(sha256.New, s.codeKey)
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// CodeHandler serves the Code.Location URLs of GetFunction: GET (or HEAD)
// <prefix>/<token>, where the token is the last path segment, so the
// handler works mounted at CodePath with or without http.StripPrefix. The
// token is HMAC-signed with a key random per server and expires after 10
// minutes; errors are S3-style XML, as from the presigned S3 URL AWS
// returns.
func (s *Service) CodeHandler() http.Handler { return http.HandlerFunc(s.serveCode) }

func (s *Service) serveCode(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		s3Error(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.")
		return
	}
	raw := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	payload, sig, ok := strings.Cut(raw, ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(s.sign(payload))) {
		s3Error(w, http.StatusForbidden, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.")
		return
	}
	var tok codeToken
	b, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil || json.Unmarshal(b, &tok) != nil {
		s3Error(w, http.StatusForbidden, "AccessDenied", "Access Denied")
		return
	}
	if s.clock.Now().Unix() > tok.Exp {
		s3Error(w, http.StatusForbidden, "AccessDenied", "Request has expired")
		return
	}
	blob, err := s.eng.Blobs().Open(tok.Blob)
	if err != nil {
		s3Error(w, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
		return
	}
	defer blob.Close()
	h := w.Header()
	h.Set("Content-Type", "application/zip")
	h.Set("ETag", `"`+tok.Sha256+`"`)
	http.ServeContent(w, r, "", time.Time{}, blob)
}

func s3Error(w http.ResponseWriter, status int, code, msg string) {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<Error><Code>")
	xmlEscape(&b, code)
	b.WriteString("</Code><Message>")
	xmlEscape(&b, msg)
	b.WriteString("</Message></Error>")
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

func xmlEscape(b *bytes.Buffer, s string) {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&apos;")
	r.WriteString(b, s)
}
